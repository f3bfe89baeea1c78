"""`python -m bot copy-db`: an SQLite history copied into PostgreSQL, every row with its times,
twice without duplicates; bad arguments change nothing."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import Read, Store

ROOT = Path(__file__).resolve().parent.parent


def copy_db(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "copy-db", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


async def test_copy_an_sqlite_history_into_postgresql(tmp_path, pg_target):
    source = tmp_path / "old.db"
    day = dt.datetime(2021, 6, 1, 12, 30, tzinfo=dt.UTC)
    store = await Store.open(source)
    await store.log_many("u1", [Read("The Hobbit", 5, day), Read("Dune", None, day, "goodreads")])
    await store.log_read("u2", "War and Peace", 2, when=day)
    expected = {u: await store.shelf(u) for u in ("u1", "u2")}
    await store.close()

    first = copy_db("--from", str(source), "--to", pg_target)
    assert first.returncode == 0, first.stderr
    assert "reads: 3 rows" in first.stdout and "3 copied" in first.stdout
    again = copy_db("--from", str(source), "--to", pg_target)
    assert "0 copied, 3 already there" in again.stdout
    copied = await Store.open(pg_target)
    assert {u: await copied.shelf(u) for u in ("u1", "u2")} == expected
    await copied.close()


@pytest.mark.parametrize("how", ["no-file", "not-postgres"])
def test_bad_copy_arguments_give_one_clear_line(tmp_path, pg_target, how):
    args = {"no-file": ["--from", str(tmp_path / "none.db"), "--to", pg_target],
            "not-postgres": ["--from", str(tmp_path / "x.db"), "--to", str(tmp_path / "y.db")]}[how]
    result = copy_db(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("wikishelf: ")
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "y.db").exists()
