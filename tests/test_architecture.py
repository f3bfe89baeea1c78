"""The architecture rule, enforced: serving code (engine.serve and the bot) imports neither the
build nor the quality code nor their libraries; the shared modules sit above the rooms; the
engine knows no chat code. import-linter checks the static imports (pyproject.toml holds the
contracts); a fresh interpreter checks what really gets imported."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.quality.fresh_process import HEAVY_MODULES, run_python

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT_IMPORTS.is_file(),
                                reason="import-linter is not installed (pip install -e '.[dev]')")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project)}  # grimp must find this tree's packages
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(project / "pyproject.toml")],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def copy_of_the_project(tmp_path: Path) -> Path:
    for name in ("engine", "bot"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("engine/serve/shortcut.py", "from engine.build.training import train", "Serving code"),
    ("bot/shortcut.py", "import tensorflow", "Serving code"),
    ("bot/scores.py", "from engine.quality import metrics", "Serving code"),
    ("engine/text.py", "from engine.serve.titles import TitleResolver", "sit above the rooms"),
    ("engine/serve/chat.py", "import discord", "no chat code"),
])
def test_a_deliberate_violation_breaks_the_rule(tmp_path, module, line, contract):
    project = copy_of_the_project(tmp_path)
    path = project / module
    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    path.write_text(before + "\n" + line + "\n", encoding="utf-8")
    result = lint_imports(project)
    assert result.returncode != 0, result.stdout
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(contract in row for row in broken), result.stdout


SERVING_IMPORTS = """
import json, sys
import bot.__main__, bot.cog, bot.console, bot.discord_bot, bot.reliability, bot.service
import engine.pictures.neighbourhood, engine.serve.recommender
print(json.dumps({"loaded": [m for m in json.loads(sys.argv[1]) if m in sys.modules]}))
"""


def test_a_serving_process_never_loads_the_heavy_libraries():
    """What import-linter cannot see (imports made at run time) shows up here."""
    assert run_python(SERVING_IMPORTS, json.dumps(HEAVY_MODULES))["loaded"] == []


BASE_INSTALL_PROBE = """
import importlib.util, io, json, sys
heavy = json.loads(sys.argv[3])
sys.stdin = io.StringIO("!similar The Hobbit\\n!read The Hobbit 5\\n!shelf\\n!map The Hobbit\\n")
from bot.__main__ import main
code = main(["--console", "--model", sys.argv[1], "--db", sys.argv[2]])
import bot
print(json.dumps({"code": code, "bot": bot.__file__,
                  "loaded": [m for m in heavy if m in sys.modules],
                  "installed": [m for m in heavy if importlib.util.find_spec(m) is not None]}))
"""


@pytest.mark.slow
def test_the_base_install_serves_a_model_built_elsewhere(tiny_model_dir, tmp_path):
    """`pip install .` (no extras) in a venv of its own answers on a model the dev install built,
    and has neither installed nor imported TensorFlow, openTSNE or scikit-learn."""
    source = tmp_path / "src"
    for name in ("engine", "bot"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "data"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(source)],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DISCORD_TOKEN")}
    run = subprocess.run([str(python), "-c", BASE_INSTALL_PROBE, str(tiny_model_dir),
                          str(tmp_path / "s.db"), json.dumps(HEAVY_MODULES)], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    output, report = run.stdout.rsplit("\n", 2)[0], json.loads(run.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and str(venv) in report["bot"]  # the installed copy, not ROOT
    assert "Books like The Hobbit" in output and "Logged: The Hobbit" in output
    assert "Map of The Hobbit" in output  # matplotlib is part of serving (!map)
    assert report["loaded"] == [] and report["installed"] == []
