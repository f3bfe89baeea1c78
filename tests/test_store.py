"""The reading-history store on a real SQLite file: restart, migration, durability, bad files."""

import datetime as dt
import sqlite3

import pytest

from bot.store import Read, Store, StoreError, migrations


async def test_reads_survive_a_restart(tmp_path):
    path = tmp_path / "shelf.db"
    store = await Store.open(path)
    day = dt.datetime(2022, 3, 1, tzinfo=dt.UTC)
    assert await store.log_read("u1", "The Hobbit", 5, when=day) is None
    await store.log_read("u1", "The Silmarillion", when=day + dt.timedelta(days=1))
    await store.log_read("u2", "War and Peace", 2)
    await store.close()

    store = await Store.open(path)
    shelf = await store.shelf("u1")
    assert [r.title for r in shelf] == ["The Silmarillion", "The Hobbit"]
    assert {r.title: r.rating for r in shelf} == {"The Hobbit": 5, "The Silmarillion": None}
    assert await store.count("u2") == 1
    await store.close()


async def test_reading_again_updates_and_never_duplicates(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    await store.log_read("u", "The Hobbit", 3, when=old)
    before = await store.log_read("u", "The Hobbit", None)
    assert before.rating == 3 and before.read_at == old
    assert await store.count("u") == 1
    (read,) = await store.shelf("u")
    assert read.rating == 3 and read.read_at > old  # rating kept, date moved
    await store.log_read("u", "The Hobbit", 1)
    assert (await store.get("u", "The Hobbit")).rating == 1
    await store.close()


async def test_shelf_is_newest_first_and_paged(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    base = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    for day in range(15):
        await store.log_read("u", f"Book {day}", when=base + dt.timedelta(days=day))
    first = await store.shelf("u", limit=10)
    second = await store.shelf("u", limit=10, offset=10)
    assert [r.title for r in first][:2] == ["Book 14", "Book 13"]
    assert len(second) == 5 and second[-1].title == "Book 0"
    await store.close()


async def test_migration_from_the_previous_schema_version_keeps_rows(tmp_path):
    path = tmp_path / "old.db"
    newest = migrations()[-1][0]
    assert newest >= 2
    old = await Store.open(path, target_version=newest - 1)
    assert await old.version() == newest - 1
    # Written the way the previous version's code wrote it (no source column yet in V1).
    await old._db.execute("INSERT INTO reads (user_id, title, rating, read_at) VALUES (?, ?, ?, ?)",
                          ("u", "The Hobbit", 4, "2020-05-01T00:00:00+00:00"))
    await old.close()

    store = await Store.open(path)
    assert await store.version() == newest
    (read,) = await store.shelf("u")
    assert read == Read("The Hobbit", 4, dt.datetime(2020, 5, 1, tzinfo=dt.UTC), "chat")
    await store.log_read("u", "The Silmarillion", 5, source="goodreads")
    assert (await store.get("u", "The Silmarillion")).source == "goodreads"
    await store.close()


async def test_wal_mode_index_and_parameterised_titles(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    assert (await store._scalar("PRAGMA journal_mode")).lower() == "wal"
    plan = await store._db.execute_fetchall(
        "EXPLAIN QUERY PLAN SELECT title FROM reads WHERE user_id = 'x' ORDER BY read_at DESC")
    hostile = "'); DROP TABLE reads; --"
    await store.log_read(hostile, hostile, 5)
    assert (await store.get(hostile, hostile)).title == hostile
    assert await store.count(hostile) == 1
    assert any("reads_by_user_time" in row[-1] for row in plan), plan
    indexes = await store._db.execute_fetchall("PRAGMA index_list(reads)")
    assert any(row[1] == "reads_by_user_time" for row in indexes)
    await store.close()


async def test_a_bad_rating_is_refused_and_changes_nothing(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    for rating in (0, 6, -1, 4.5, float("nan"), True, "5"):
        with pytest.raises(ValueError):
            await store.log_read("u", "The Hobbit", rating)
    assert await store.count("u") == 0
    await store.close()


async def test_forget_deletes_only_that_user(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    await store.log_read("a", "X")
    await store.log_read("a", "Y")
    await store.log_read("b", "X")
    assert await store.forget("a") == 2
    assert await store.count("a") == 0 and await store.count("b") == 1
    await store.close()


async def test_a_corrupt_or_newer_database_gives_a_clear_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not usable"):
        await Store.open(junk)
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer"):
        await Store.open(newer)
