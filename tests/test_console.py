"""The terminal adapter in a real subprocess: piped commands, restart, clear start-up errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_console(stdin: str, *args: str, env_extra: dict | None = None, timeout: int = 120):
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=timeout)


def test_piped_commands_answer_and_the_shelf_survives_a_restart(tiny_model_dir, tmp_path):
    db = tmp_path / "console.db"
    args = ("--console", "--model", str(tiny_model_dir), "--db", str(db), "--user", "ann")
    first = run_console("!similar The Two Towers 3\n!read the hobbit 5\n!read silmarillion\n"
                        "!read zzqx nothing\n!next 3\n!bogus\n\n!shelf\n", *args)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Books like The Two Towers" in out
    assert "Logged: The Hobbit" in out and "★★★★★" in out
    assert "Logged: The Silmarillion" in out
    assert "No book matches “zzqx nothing”" in out
    assert "because you read" in out
    assert "Unknown command" in out
    assert "Your shelf (2 books" in out
    assert "Traceback" not in first.stderr

    second = run_console("!shelf\n", *args)
    assert second.returncode == 0 and "The Hobbit (★★★★★)" in second.stdout
    other = run_console("!shelf\n", "--console", "--model", str(tiny_model_dir), "--db", str(db),
                        "--user", "bob")
    assert "Your shelf is empty" in other.stdout


def test_no_token_opens_the_console(tiny_model_dir, tmp_path):
    result = run_console("!help\n", "--model", str(tiny_model_dir), "--db",
                         str(tmp_path / "x.db"), env_extra={"DISCORD_TOKEN": ""})
    assert result.returncode == 0 and "!similar <title> [k]" in result.stdout


@pytest.mark.parametrize("problem", ["missing", "corrupt"])
def test_a_bad_model_dir_gives_one_clear_message(tmp_path, problem, tiny_model_dir):
    model = tmp_path / "model"
    if problem == "corrupt":
        model.mkdir()
        (model / "manifest.json").write_text("{not json", encoding="utf-8")
    result = run_console("!help\n", "--console", "--model", str(model), "--db",
                         str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "build_model.py" in result.stderr and str(model) in result.stderr


def test_a_corrupt_database_gives_one_clear_message(tiny_model_dir, tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"garbage" * 1000)
    result = run_console("!shelf\n", "--console", "--model", str(tiny_model_dir), "--db", str(db))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not usable" in result.stderr
    assert db.read_bytes() == b"garbage" * 1000  # left as it was


def test_import_path_in_the_terminal(tiny_model_dir, tmp_path):
    export = tmp_path / "goodreads_library_export.csv"
    export.write_text("Book Id,Title,Author,My Rating,Date Read,Exclusive Shelf\n"
                      "1,The Hobbit,J.R.R. Tolkien,4,2019/03/14,read\n"
                      "2,Project Hail Mary,Andy Weir,5,2021/07/01,read\n", encoding="utf-8")
    result = run_console(f"!import {export}\n!import /no/such/file.csv\n!export\n", "--console",
                         "--model", str(tiny_model_dir), "--db", str(tmp_path / "x.db"))
    assert "Imported 1 read books" in result.stdout
    assert "Not found: Project Hail Mary" in result.stdout
    assert "Cannot read /no/such/file.csv" in result.stdout
    assert "Title,Author,My Rating" in result.stdout


def test_end_to_end_on_the_shared_model(shared_model_dir, tmp_path):
    db = tmp_path / "e2e.db"
    script = ("!similar Bully for Brontosaurus\n!read The Hobbit 5\n!read silmarillion\n"
              "!next\n!shelf\n")
    args = ("--console", "--model", str(shared_model_dir), "--db", str(db))
    result = run_console(script, *args, timeout=300)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 5, result.stdout
    assert blocks[0].count("Stephen Jay Gould") >= 5
    assert blocks[1].startswith("Logged: The Hobbit") and "★★★★★" in blocks[1]
    assert blocks[2].startswith("Logged: The Silmarillion")
    assert "Tolkien" in blocks[3] and "because you read" in blocks[3]
    assert "The Hobbit" in blocks[4] and "The Silmarillion" in blocks[4]
    again = run_console("!shelf\n", *args, timeout=300)
    assert "The Silmarillion" in again.stdout and "The Hobbit (★★★★★)" in again.stdout


def test_pick_and_notforme_by_number_in_the_terminal(tiny_model_dir, tmp_path):
    args = ("--console", "--model", str(tiny_model_dir), "--db", str(tmp_path / "x.db"))
    result = run_console("!read lord of the rings rating=4\n!pick 1\n!next 3\n!notforme 1\n"
                         "!undismiss\n!pick 9\n", *args)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 6, result.stdout
    first_option = blocks[0].splitlines()[1].strip(" •")
    assert blocks[1].startswith(f"Logged: {first_option}") and "★★★★" in blocks[1]
    first_pick = blocks[2].splitlines()[1].split(". ", 1)[1].split(" — ")[0]
    assert blocks[3].startswith(f"Not for you: {first_pick}.")
    assert f"• {first_pick}" in blocks[4]
    assert "Choose one number from 1 to" in blocks[5]
