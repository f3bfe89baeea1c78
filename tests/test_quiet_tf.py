"""TensorFlow's start-up log lines are kept off the operator's terminal, and nothing else is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import settings
from tests.fixtures import write_data_dir

NOISE = ("All log messages before absl::InitializeLog() is called", "oneDNN custom operations are on")


def test_only_the_startup_lines_are_dropped_while_importing(capfd):
    from engine.build.quiet_tf import stderr_without

    with stderr_without():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are "
                    b"written to STDERR\n")
        os.write(2, b"I0000 00:00:1796235801.500218   11269 port.cc:153] oneDNN custom operations"
                    b" are on. You may see slightly different numerical results\n")
        os.write(2, b"E0000 00:00:1796235801.5 11269 cuda.cc:1] a real error from C++\n")
        print("a warning from Python", file=sys.stderr)
        os.write(2, b"a last line without its newline")
    print("after the block", file=sys.stderr)
    err = capfd.readouterr().err
    assert not any(line in err for line in NOISE)
    assert "a real error from C++" in err and "a warning from Python" in err
    assert "a last line without its newline" in err and err.endswith("after the block\n")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=settings.child_env(), capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_a_real_build_prints_no_tensorflow_startup_lines_but_still_shows_errors(tmp_path):
    data = write_data_dir(tmp_path / "data")
    built = _run([str(settings.PROJECT_ROOT / "scripts" / "build_model.py"), "--data", str(data),
                  "--out", str(tmp_path / "model"), "--epochs", "2", "--min-link-count", "2",
                  "--quiet"], tmp_path)
    assert built.returncode == 0, built.stderr
    assert not any(line in built.stderr + built.stdout for line in NOISE), built.stderr
    assert "built" in built.stdout
    # A real TensorFlow error, once imported that way, still reaches stderr in full.
    failed = _run(["-c", "import engine.build.quiet_tf\nimport tensorflow as tf\n"
                         "tf.reshape(tf.zeros(4), (3,))"], tmp_path)
    assert failed.returncode != 0
    assert "InvalidArgumentError" in failed.stderr and "reshape" in failed.stderr
    assert not any(line in failed.stderr for line in NOISE)
