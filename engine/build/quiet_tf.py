"""TensorFlow and Keras, imported without their start-up log lines. Import this module before
either of them, in every module (and so every process) that uses them.

TensorFlow's C++ libraries log at load time, before anything could configure their logging
(each library that carries its own copy of absl says so once), and TF_CPP_MIN_LOG_LEVEL, the
glog and the absl settings do not reach those lines. So while the import runs, file
descriptor 2 goes through a pipe whose reader passes every line on at once, except the lines
known to be start-up chatter; warnings, errors and anything else reach the real stderr, and
after the import the descriptor is the real one again.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the C++ INFO and WARNING lines after start-up

# Start-up chatter: absl's note that it is not set up yet, and the INFO line about oneDNN.
STARTUP_NOISE = re.compile(
    rb"^(?:WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|I\d{4} [\d:.]+\s+\d+ port\.cc:\d+\] oneDNN custom operations are on\b)")


def _pass_on(read_end: int, real_stderr: int, noise: re.Pattern) -> None:
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        pending = b""
        while chunk := pipe.read(65536):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if not noise.match(line):
                    os.write(real_stderr, line + b"\n")
        if pending and not noise.match(pending):
            os.write(real_stderr, pending)


@contextlib.contextmanager
def stderr_without(noise: re.Pattern = STARTUP_NOISE) -> Iterator[None]:
    """Within the block, lines written to descriptor 2 (by C++ or Python) that match `noise`
    are dropped; every other line goes on to stderr as it is written."""
    sys.stderr.flush()
    real_stderr = os.dup(2)
    read_end, write_end = os.pipe()
    reader = threading.Thread(target=_pass_on, args=(read_end, real_stderr, noise), daemon=True)
    reader.start()
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(real_stderr, 2)  # closes the pipe's last write end: the reader drains and stops
        reader.join()
        os.close(real_stderr)


if "tensorflow" not in sys.modules:
    with stderr_without():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
