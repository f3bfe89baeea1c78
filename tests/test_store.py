"""The reading-history store, every test on a real SQLite file and on a real PostgreSQL
(`store_target`): restart, migration, durability, concurrent starts, bad input, bad files."""

import asyncio
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import Read, Store, StoreError, migrations
from bot.store.base import MIGRATIONS_ROOT
from bot.store.dsn import is_postgres
from tests.postgres_server import raw_sql

ROOT = Path(__file__).resolve().parent.parent


async def test_reads_survive_a_restart(store_target):
    store = await Store.open(store_target)
    day = dt.datetime(2022, 3, 1, tzinfo=dt.UTC)
    assert await store.log_read("u1", "The Hobbit", 5, when=day) is None
    await store.log_read("u1", "The Silmarillion", when=day + dt.timedelta(days=1))
    await store.log_read("u2", "War and Peace", 2)
    await store.close()

    store = await Store.open(store_target)
    shelf = await store.shelf("u1")
    assert [r.title for r in shelf] == ["The Silmarillion", "The Hobbit"]
    assert {r.title: r.rating for r in shelf} == {"The Hobbit": 5, "The Silmarillion": None}
    assert shelf[1].read_at == day
    assert await store.count("u2") == 1
    await store.close()


async def test_a_write_is_committed_when_it_returns(store_target):
    store = await Store.open(store_target)
    await store.log_read("u", "The Hobbit", 4)
    # A second connection sees only committed rows.
    assert await raw_sql(store_target, "SELECT user_id, title, rating FROM reads") == [
        ("u", "The Hobbit", 4)]
    assert await store.remove_read("u", "The Hobbit") is True
    assert await raw_sql(store_target, "SELECT title FROM reads") == []
    assert await store.remove_read("u", "The Hobbit") is False
    await store.close()


async def test_reading_again_updates_and_never_duplicates(store_target):
    store = await Store.open(store_target)
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    await store.log_read("u", "The Hobbit", 3, when=old)
    before = await store.log_read("u", "The Hobbit", None)
    assert before.rating == 3 and before.read_at == old
    assert await store.count("u") == 1
    (read,) = await store.shelf("u")
    assert read.rating == 3 and read.read_at > old  # rating kept, date moved
    await store.log_read("u", "The Hobbit", 1)
    assert (await store.get("u", "The Hobbit")).rating == 1
    assert await store.log_many("u", [Read("The Hobbit", 2, old), Read("Dune", None, old)]) == (1, 1)
    assert await store.count("u") == 2
    await store.close()


async def test_shelf_is_newest_first_and_paged(store_target):
    store = await Store.open(store_target)
    base = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    for day in range(15):
        await store.log_read("u", f"Book {day}", when=base + dt.timedelta(days=day))
    first = await store.shelf("u", limit=10)
    second = await store.shelf("u", limit=10, offset=10)
    assert [r.title for r in first][:2] == ["Book 14", "Book 13"]
    assert len(second) == 5 and second[-1].title == "Book 0"
    await store.close()


async def test_migration_from_the_previous_schema_version_keeps_rows(store_target):
    newest = migrations()[-1][0]
    assert newest >= 2
    old = await Store.open(store_target, target_version=newest - 1)
    assert await old.version() == newest - 1
    await old.close()
    # Written the way the previous version's code wrote it (no source column yet in V1).
    await raw_sql(store_target, "INSERT INTO reads (user_id, title, rating, read_at) "
                                "VALUES ('u', 'The Hobbit', 4, '2020-05-01T00:00:00+00:00')")

    store = await Store.open(store_target)
    assert await store.version() == newest
    (read,) = await store.shelf("u")
    assert read == Read("The Hobbit", 4, dt.datetime(2020, 5, 1, tzinfo=dt.UTC), "chat")
    await store.log_read("u", "The Silmarillion", 5, source="goodreads")
    assert (await store.get("u", "The Silmarillion")).source == "goodreads"
    await store.close()


def test_both_backends_have_the_same_migration_numbers():
    sqlite_steps = migrations(MIGRATIONS_ROOT / "sqlite")
    postgres_steps = migrations(MIGRATIONS_ROOT / "postgres")
    assert [v for v, _ in sqlite_steps] == [v for v, _ in postgres_steps]
    assert [p.name for _, p in sqlite_steps] == [p.name for _, p in postgres_steps]
    assert "WITHOUT ROWID" in sqlite_steps[0][1].read_text()  # the dialects really differ


async def test_a_migration_failing_midway_changes_nothing(store_target, tmp_path):
    store = await Store.open(store_target)
    await store.log_read("u", "The Hobbit", 5)
    await store.close()
    dialect = "postgres" if is_postgres(store_target) else "sqlite"
    broken = shutil.copytree(MIGRATIONS_ROOT / dialect, tmp_path / "migrations")
    newest = migrations()[-1][0]
    (broken / f"V{newest + 1}__broken.sql").write_text(
        "ALTER TABLE reads ADD COLUMN note TEXT;\nUPDATE reads SET rating = 1;\n"
        "INSERT INTO no_such_table VALUES (1);\n")
    with pytest.raises(StoreError, match=rf"V{newest + 1}__broken.sql failed .*unchanged at "
                                         rf"version {newest}") as err:
        await Store.open(store_target, migrations_dir=broken)
    assert "\n" not in str(err.value)

    store = await Store.open(store_target)
    assert await store.version() == newest
    assert await store.get("u", "The Hobbit") == (await store.shelf("u"))[0]
    assert (await store.get("u", "The Hobbit")).rating == 5  # the UPDATE was rolled back
    assert "note" not in (await store.export("u"))["reads"][0]  # and the new column too
    await store.close()


OPEN_ONCE = "import asyncio, sys\nfrom bot.store import Store\n" \
            "async def main():\n    store = await Store.open(sys.argv[1])\n" \
            "    print(await store.version())\n    await store.close()\nasyncio.run(main())\n"


async def test_processes_starting_together_migrate_once(store_target):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_ONCE, str(store_target)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    newest = str(migrations()[-1][0])
    assert [(p.returncode, out.strip()) for p, (out, _) in zip(procs, outputs, strict=True)] == \
        [(0, newest)] * 4, [err for _, err in outputs]
    if is_postgres(store_target):
        rows = await raw_sql(store_target, "SELECT version FROM schema_version ORDER BY 1")
        assert [v for (v,) in rows] == list(range(1, int(newest) + 1))


async def test_index_and_parameterised_titles(store_target):
    store = await Store.open(store_target)
    hostile = "'); DROP TABLE reads; --"
    await store.log_read(hostile, hostile, 5)
    assert (await store.get(hostile, hostile)).title == hostile
    assert await store.count(hostile) == 1
    sql = ("SELECT indexname FROM pg_indexes WHERE tablename = 'reads'"
           if is_postgres(store_target) else "SELECT name FROM pragma_index_list('reads')")
    assert ("reads_by_user_time",) in await raw_sql(store_target, sql)
    await store.close()


async def test_sqlite_uses_wal_and_the_time_index(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    await store.close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        plan = conn.execute("EXPLAIN QUERY PLAN SELECT title FROM reads WHERE user_id = 'x' "
                            "ORDER BY read_at DESC").fetchall()
    assert any("reads_by_user_time" in row[-1] for row in plan), plan


async def test_a_bad_rating_is_refused_and_changes_nothing(store_target):
    store = await Store.open(store_target)
    for rating in (0, 6, -1, 4.5, float("nan"), True, "5"):
        with pytest.raises(ValueError):
            await store.log_read("u", "The Hobbit", rating)
    assert await store.count("u") == 0
    await store.close()


async def test_forget_deletes_only_that_user(store_target):
    store = await Store.open(store_target)
    await store.log_read("a", "X")
    await store.log_read("a", "Y")
    await store.log_read("b", "X")
    assert await store.forget("a") == 2
    assert await store.count("a") == 0 and await store.count("b") == 1
    await store.close()


async def test_a_corrupt_sqlite_file_gives_a_clear_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not usable"):
        await Store.open(junk)


async def test_a_newer_database_gives_a_clear_error(store_target):
    if is_postgres(store_target):
        await (await Store.open(store_target)).close()
        await raw_sql(store_target, "INSERT INTO schema_version VALUES (99, now())")
    else:
        with sqlite3.connect(store_target) as db:
            db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer"):
        await Store.open(store_target)


async def test_writes_from_many_tasks_at_once_all_land_once(store_target):
    store = await Store.open(store_target)
    await asyncio.gather(*[store.log_read(f"u{i % 7}", f"Book {i}", i % 5 + 1)
                           for i in range(300)])
    rows = await raw_sql(store_target, "SELECT user_id, title, rating FROM reads")
    assert sorted(rows) == sorted((f"u{i % 7}", f"Book {i}", i % 5 + 1) for i in range(300))
    await store.close()


async def test_dismissals_survive_a_restart_and_are_per_user(store_target):
    store = await Store.open(store_target)
    day = dt.datetime(2023, 5, 1, tzinfo=dt.UTC)
    assert await store.dismiss("u", ["Dune", "Emma"], when=day) == 2
    assert await store.dismiss("u", ["Dune", "Ulysses"], when=day + dt.timedelta(days=1)) == 1
    assert await store.dismiss("v", ["Dune"]) == 1
    await store.close()

    store = await Store.open(store_target)
    assert await store.dismissed("u") == ["Ulysses", "Dune", "Emma"]  # newest first, then title
    assert await store.undismiss("u", "Dune") is True
    assert await store.undismiss("u", "Dune") is False
    assert await store.dismissed("u") == ["Ulysses", "Emma"]
    assert await store.dismissed("v") == ["Dune"]  # another user's list is untouched
    assert await store.count("u") == 0  # dismissing is not reading
    await store.close()


async def test_dismissing_is_parameterised_and_refuses_bad_titles(store_target):
    store = await Store.open(store_target)
    hostile = "'); DROP TABLE dismissals; --"
    assert await store.dismiss(hostile, [hostile]) == 1
    assert await store.dismissed(hostile) == [hostile]
    for bad in ([""], [None], [42]):
        with pytest.raises(ValueError):
            await store.dismiss("u", bad)
    assert await store.dismiss("u", []) == 0
    assert await store.dismissed("u") == []
    rows = await raw_sql(store_target, "SELECT user_id, title FROM dismissals")
    assert rows == [(hostile, hostile)]
    await store.close()


async def test_forget_takes_the_dismissals_too(store_target):
    store = await Store.open(store_target)
    await store.log_read("a", "X")
    await store.dismiss("a", ["Y", "Z"])
    await store.dismiss("b", ["Y"])
    assert await store.forget("a") == 1  # books on the shelf; the dismissals go as well
    assert await store.dismissed("a") == [] and await store.dismissed("b") == ["Y"]
    await store.close()
