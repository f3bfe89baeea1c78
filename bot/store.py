"""Reading history in SQLite (aiosqlite): WAL, versioned migrations, parameterised queries only.

Book keys are catalog titles. Every write is committed before its method returns, with
`synchronous=FULL`, so a write the bot has acknowledged survives a crash or power cut.

One writer connection, on its own thread, applies writes through a queue: writes that arrive
while a commit is in progress are applied together, each in its own savepoint, and committed with
one fsync (group commit), in one hop to that thread, so a thousand users writing at once neither
wait a thousand fsyncs nor load the event loop. Reads use an aiosqlite connection, which sees
committed data only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from engine.errors import WikishelfError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^V(\d+)__[\w-]+\.sql$")
HISTORY_LIMIT = 5000  # the most reads one user's picks are computed from
MAX_BATCH = 256  # writes committed together at most
USER_COLUMN = "user_id"  # every table holding personal data keys it by this column


class StoreError(WikishelfError):
    """The database file is unusable (corrupt, not SQLite, from a newer version, unwritable)."""


@dataclass(frozen=True)
class Read:
    title: str
    rating: int | None
    read_at: dt.datetime
    source: str = "chat"


def migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """(version, file) for every V<n>__name.sql, in order; versions must run 1, 2, 3, ..."""
    found = sorted((int(m.group(1)), p) for p in directory.iterdir()
                   if (m := _MIGRATION_NAME.match(p.name)))
    if [v for v, _ in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"migration files in {directory} are not numbered 1..n")
    return found


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(when: dt.datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    # Fixed width, so text order is time order (the shelf sorts on this column).
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _check_rating(rating: int | None) -> int | None:
    # The service validates ratings for users; this guards the table against a caller's bug.
    if rating is None:
        return None
    if type(rating) is not int or not 1 <= rating <= 5:
        raise ValueError(f"rating must be an int from 1 to 5, not {rating!r}")
    return rating


Write = Callable[[sqlite3.Connection], object]  # runs on the writer thread, inside a savepoint
SELECT_READ = ("SELECT title, rating, read_at, source FROM reads "
               "WHERE user_id = ? AND title = ?")
UPSERT_READ = ("INSERT INTO reads (user_id, title, rating, read_at, source, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?) "
               "ON CONFLICT (user_id, title) DO UPDATE SET "
               "rating = COALESCE(excluded.rating, reads.rating), read_at = excluded.read_at, "
               "source = excluded.source, updated_at = excluded.updated_at")


class Store:
    def __init__(self, db: aiosqlite.Connection, path: Path):
        self._db = db  # schema work: migrations
        self._reader: aiosqlite.Connection | None = None
        self._writer: sqlite3.Connection | None = None  # used on _writer_thread only
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        self.path = path
        self._queue: asyncio.Queue[tuple[Write, asyncio.Future] | None] = asyncio.Queue()
        self._writer_task: asyncio.Task | None = None

    @classmethod
    async def open(cls, path: Path | str, *, target_version: int | None = None) -> Store:
        """Open (creating if needed) and migrate to `target_version` (default: the newest)."""
        path = Path(path)
        if path.exists() and not path.is_file():
            raise StoreError(f"the database {path} is not a file; give a file path with --db")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path, isolation_level=None)  # autocommit; explicit BEGINs
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from None
        store = cls(db, path)
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
            mode = await store._scalar("PRAGMA journal_mode = WAL", conn=db)
            if str(mode).lower() != "wal":
                raise StoreError(f"the database {path} cannot use WAL mode (got {mode})")
            await db.execute("PRAGMA synchronous = FULL")
            await store.migrate(target_version)
            store._reader = await aiosqlite.connect(path, isolation_level=None)
            await store._reader.execute("PRAGMA busy_timeout = 5000")
            await store._reader.execute("PRAGMA query_only = ON")
            await store._on_writer_thread(store._open_writer)
        except sqlite3.DatabaseError as exc:
            await store._close_connections()
            raise StoreError(f"the database {path} is not usable ({exc}); "
                             "move it away to start a new one") from None
        except BaseException:
            await store._close_connections()
            raise
        store._writer_task = asyncio.create_task(store._write_loop(), name="store-writer")
        return store

    async def close(self) -> None:
        """Finish the queued writes, then close."""
        if self._writer_task is not None:
            self._queue.put_nowait(None)
            await self._writer_task
            self._writer_task = None
        await self._close_connections()

    async def _close_connections(self) -> None:
        for conn in (self._reader, self._db):
            if conn is not None:
                await conn.close()
        self._reader = None
        if self._writer is not None:
            await self._on_writer_thread(self._writer.close)
            self._writer = None
        self._writer_thread.shutdown(wait=True)

    def _open_writer(self) -> None:
        self._writer = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._writer.execute("PRAGMA busy_timeout = 5000")
        self._writer.execute("PRAGMA synchronous = FULL")

    async def _on_writer_thread(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, func, *args)

    async def _scalar(self, sql: str, params: tuple = (), conn: aiosqlite.Connection | None = None):
        async with (conn or self._reader or self._db).execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    # -- schema --
    async def version(self) -> int:
        return int(await self._scalar("PRAGMA user_version", conn=self._db))

    async def migrate(self, target_version: int | None = None) -> int:
        """Apply the missing migration files, each in its own transaction with its version."""
        steps = migrations()
        newest = steps[-1][0]
        target = newest if target_version is None else target_version
        current = await self.version()
        if current > newest:
            raise StoreError(f"the database {self.path} has schema version {current}, newer than "
                             f"this code knows ({newest}); update wikishelf")
        for version, file in steps:
            if current < version <= target:
                sql = file.read_text(encoding="utf-8")
                # executescript runs the whole file; the version moves in the same transaction.
                try:
                    await self._db.executescript(
                        f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {int(version)};\nCOMMIT;")
                except BaseException:
                    if self._db.in_transaction:
                        await self._db.rollback()
                    raise
        return await self.version()

    # -- the write queue --
    async def _write(self, op: Write):
        """Queue one write; returns its result once it is committed (or raises its error)."""
        if self._writer_task is None or self._writer_task.done():
            raise StoreError(f"the database {self.path} is closed")
        done = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((op, done))
        # shield: a caller that gives up still leaves its write to finish or fail on its own
        return await asyncio.shield(done)

    async def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            item = await self._queue.get()
            batch = []
            while item is not None:
                batch.append(item)
                if len(batch) >= MAX_BATCH or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            stopping = item is None
            if batch:
                await self._commit_batch(batch)

    async def _commit_batch(self, batch: list[tuple[Write, asyncio.Future]]) -> None:
        outcomes = await self._on_writer_thread(self._apply, [op for op, _ in batch])
        for (_, done), (result, error) in zip(batch, outcomes, strict=True):
            if done.done():
                continue
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)

    def _apply(self, ops: list[Write]) -> list[tuple[object, Exception | None]]:
        """On the writer thread: every op in its own savepoint, then one commit."""
        conn = self._writer
        outcomes: list[tuple[object, Exception | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for op in ops:
                conn.execute("SAVEPOINT one_write")
                try:
                    outcomes.append((op(conn), None))
                except Exception as exc:  # this write fails alone; the others go on
                    conn.execute("ROLLBACK TO one_write")
                    outcomes.append((None, exc))
                conn.execute("RELEASE one_write")
            conn.execute("COMMIT")
        except Exception as exc:  # the commit itself failed: nothing of the batch was written
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return [(None, exc)] * len(ops)
        return outcomes

    # -- writes --
    async def log_read(self, user: str, title: str, rating: int | None = None,
                       when: dt.datetime | None = None, source: str = "chat") -> Read | None:
        """Add or update one read; returns what was there before (None for a new book).

        Reading a book again keeps its earlier rating unless a new one is given."""
        rating = _check_rating(rating)
        stamp = _iso(when or now_utc())

        def op(conn: sqlite3.Connection) -> Read | None:
            before = _get_now(conn, user, title)
            _upsert(conn, user, title, rating, stamp, source)
            return before
        return await self._write(op)

    async def log_many(self, user: str, reads: list[Read]) -> tuple[int, int]:
        """Add or update many reads, all or none; returns (added, updated)."""
        checked = [(r, _check_rating(r.rating)) for r in reads]

        def op(conn: sqlite3.Connection) -> tuple[int, int]:
            added = updated = 0
            for read, rating in checked:
                before = _get_now(conn, user, read.title)
                _upsert(conn, user, read.title, rating, _iso(read.read_at), read.source)
                added += before is None
                updated += before is not None
            return added, updated
        return await self._write(op)

    async def remove_read(self, user: str, title: str) -> bool:
        def op(conn: sqlite3.Connection) -> bool:
            return conn.execute("DELETE FROM reads WHERE user_id = ? AND title = ?",
                                (user, title)).rowcount > 0
        return await self._write(op)

    async def forget(self, user: str) -> int:
        """Delete the user's rows from every personal table; returns how many books went."""
        def op(conn: sqlite3.Connection) -> int:
            removed = {}
            for table in personal_tables(conn):  # names from sqlite_master, never from a user
                removed[table] = conn.execute(
                    f'DELETE FROM "{table}" WHERE {USER_COLUMN} = ?', (user,)).rowcount
            return removed.get("reads", 0)
        return await self._write(op)

    # -- reads (committed data only) --
    async def get(self, user: str, title: str) -> Read | None:
        return await _get(self._reader, user, title)

    async def count(self, user: str) -> int:
        return int(await self._scalar("SELECT COUNT(*) FROM reads WHERE user_id = ?", (user,)))

    async def shelf(self, user: str, limit: int = HISTORY_LIMIT, offset: int = 0) -> list[Read]:
        """The user's reads, newest first."""
        async with self._reader.execute(
                "SELECT title, rating, read_at, source FROM reads WHERE user_id = ? "
                "ORDER BY read_at DESC, title LIMIT ? OFFSET ?",
                (user, int(limit), int(offset))) as cursor:
            rows = await cursor.fetchall()
        return [_row_to_read(r) for r in rows]


def personal_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table with a user_id column, read from the schema (so `forget` misses none)."""
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in tables.fetchall()
            if any(col == USER_COLUMN for (col,) in conn.execute(
                "SELECT name FROM pragma_table_info(?)", (name,)))]


async def _get(db: aiosqlite.Connection, user: str, title: str) -> Read | None:
    async with db.execute(SELECT_READ, (user, title)) as cursor:
        row = await cursor.fetchone()
    return _row_to_read(row) if row else None


def _get_now(conn: sqlite3.Connection, user: str, title: str) -> Read | None:
    row = conn.execute(SELECT_READ, (user, title)).fetchone()
    return _row_to_read(row) if row else None


def _upsert(conn: sqlite3.Connection, user: str, title: str, rating: int | None, stamp: str,
            source: str) -> None:
    conn.execute(UPSERT_READ, (user, title, rating, stamp, source, _iso(now_utc())))


def _row_to_read(row) -> Read:
    title, rating, read_at, source = row
    return Read(title, rating, dt.datetime.fromisoformat(read_at), source)
