"""Faults at start give one clear line and a non-zero exit; a reply lost to a disconnect does
not lose the write; reconnecting is left to discord.py."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import discord
import discord.ext.test as dpytest
import pytest

from bot.discord_bot import ShardedWikishelfBot, WikishelfBot
from engine.model_dir import BOOK_INDEX, MANIFEST
from tests.bot_fixtures import RecordingAdapter, interaction, member

ROOT = Path(__file__).resolve().parent.parent


def start_console(model: Path, db: Path | str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    return subprocess.run([sys.executable, "-m", "bot", "--console", "--model", str(model),
                           "--db", str(db)], input="!shelf\n", capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def break_model(model: Path, how: str) -> None:
    ann = model / BOOK_INDEX
    if how == "missing-dir":
        shutil.rmtree(model)
    elif how == "empty-dir":
        shutil.rmtree(model)
        model.mkdir()
    elif how == "manifest-garbage":
        (model / MANIFEST).write_bytes(b"\x00\xff garbage")
    elif how == "annoy-missing":
        ann.unlink()
    elif how == "annoy-truncated":
        ann.write_bytes(ann.read_bytes()[: ann.stat().st_size // 2])
    elif how == "annoy-garbage":
        ann.write_bytes(os.urandom(ann.stat().st_size))
    elif how == "annoy-is-a-directory":
        ann.unlink()
        ann.mkdir()


@pytest.mark.parametrize("how", ["missing-dir", "empty-dir", "manifest-garbage", "annoy-missing",
                                 "annoy-truncated", "annoy-garbage", "annoy-is-a-directory"])
def test_a_broken_model_gives_one_clear_line(tiny_model_dir, tmp_path, how):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    break_model(model, how)
    result = start_console(model, tmp_path / "s.db")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wikishelf: ") and str(model) in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("how", ["garbage", "directory", "parent-is-a-file", "truncated"])
def test_a_broken_database_gives_one_clear_line(tiny_model_dir, tmp_path, how):
    db = tmp_path / "s.db"
    if how == "garbage":
        db.write_bytes(b"not a database " * 500)
    elif how == "directory":
        db.mkdir()
    elif how == "parent-is-a-file":
        (tmp_path / "file").write_text("x")
        db = tmp_path / "file" / "s.db"
    elif how == "truncated":
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE t (x)")
            conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
        db.write_bytes(db.read_bytes()[:5000])
    result = start_console(tiny_model_dir, db)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wikishelf: ") and "database" in lines[0]


@pytest.mark.parametrize("ours, theirs", [(WikishelfBot, discord.Client),
                                          (ShardedWikishelfBot, discord.AutoShardedClient)])
def test_reconnecting_is_left_to_discord_py(ours, theirs):
    for name in ("connect", "start", "on_disconnect", "on_resumed"):
        assert getattr(ours, name, None) is getattr(theirs, name, None), name


def stored(db: Path, user: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:  # a second connection: only committed rows show
        return conn.execute("SELECT title, rating FROM reads WHERE user_id = ?",
                            (user,)).fetchall()


async def test_a_prefix_write_survives_a_reply_lost_to_a_disconnect(bot, monkeypatch):
    async def connection_lost(*args, **kwargs):
        raise aiohttp.ClientConnectionError("connection reset by peer")
    monkeypatch.setattr(bot.http, "send_message", connection_lost)
    # dpytest surfaces the send failure through its own wrappers, so the type varies.
    with pytest.raises(Exception):  # noqa: B017
        await dpytest.message("!read The Hobbit 5", member=member(1))
    assert stored(bot.service.store.path, f"discord:{member(1).id}") == [("The Hobbit", 5)]


class DroppingAdapter(RecordingAdapter):
    """Interaction responses that never reach Discord (the gateway dropped mid-command)."""

    async def request(self, route, *args, **kwargs):
        await super().request(route, *args, **kwargs)
        raise aiohttp.ClientConnectionError("connection reset by peer")


async def test_a_slash_write_survives_a_reply_lost_to_a_disconnect(bot):
    adapter = DroppingAdapter(bot)
    token = discord.webhook.async_.async_context.set(adapter)
    try:
        await bot.tree._call(interaction(bot, "read", [
            {"name": "title", "type": 3, "value": "The Silmarillion"},
            {"name": "rating", "type": 4, "value": 4}]))
    except Exception:
        pass  # the reply failed; what matters is the store
    finally:
        discord.webhook.async_.async_context.reset(token)
    assert "Logged: The Silmarillion" in json.dumps(adapter.sent[0]["payload"])
    assert stored(bot.service.store.path, f"discord:{member(0).id}") == [("The Silmarillion", 4)]


# -- PostgreSQL: bad connection strings, a server that goes away and comes back --

SECRET = "pw-only-for-tests-7c1e"


@pytest.mark.parametrize("how", ["refused", "wrong-password", "no-such-database", "garbage"])
def test_a_bad_connection_string_gives_one_clear_line(tiny_model_dir, pg_server, how):
    dsn = {"refused": f"postgresql://wikishelf:{SECRET}@127.0.0.1:1/shelf",
           "wrong-password": f"postgresql://wikishelf:{SECRET}@127.0.0.1:{pg_server.port}/postgres",
           "no-such-database": pg_server.dsn("no_such_database"),
           "garbage": f"postgresql://wikishelf:{SECRET}@[127.0.0.1/shelf"}[how]
    result = start_console(tiny_model_dir, dsn)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wikishelf: ") and "database" in lines[0]
    for secret in (SECRET, pg_server.password):
        assert secret not in result.stderr + result.stdout
    assert result.stdout == ""


async def test_a_database_that_goes_away_and_comes_back_loses_nothing(rec, own_pg_server,
                                                                     tmp_path, caplog):
    import io

    from bot import console
    from bot.service import ShelfService
    from bot.store import Store, StoreError
    from bot.store.postgres import RETRY_DELAYS_S

    target = await own_pg_server.create_database("away")
    store = await Store.open(target)
    service = ShelfService(rec, store)
    assert (await service.read("console:u", "The Hobbit 5")).book.title == "The Hobbit"
    own_pg_server.halt()
    with pytest.raises(StoreError, match="unreachable") as err:
        await store.log_read("console:u", "Dune", 3)  # never acknowledged
    assert "\n" not in str(err.value) and own_pg_server.password not in str(err.value)
    out = io.StringIO()
    await console.run(service, "u", stdin=io.StringIO("!read The Silmarillion\n!shelf\n"),
                      stdout=out)
    assert out.getvalue().count("unavailable right now") == 2  # the session went on
    assert own_pg_server.password not in caplog.text

    own_pg_server.start()  # same data, same port: the pool reconnects by itself
    await service.read("console:u", "War and Peace 2")
    assert sorted((r.title, r.rating) for r in await store.shelf("console:u")) == [
        ("The Hobbit", 5), ("War and Peace", 2)]
    assert sum(RETRY_DELAYS_S) < 5  # a command waits seconds, not minutes, for an answer
    await store.close()
