"""Reading history in SQLite (aiosqlite): WAL, versioned migrations, parameterised queries only.

Book keys are catalog titles. Every write is committed before its method returns, with
`synchronous=FULL`, so a write the bot has acknowledged survives a crash or power cut.

One writer connection, on its own thread, applies writes through a queue: writes that arrive
while a commit is in progress are applied together, each in its own savepoint, and committed with
one fsync (group commit), in one hop to that thread, so a thousand users writing at once neither
wait a thousand fsyncs nor load the event loop. Reads use an aiosqlite connection, which sees
committed data only. Migrations run on the writer connection inside BEGIN IMMEDIATE, which is
SQLite's own lock: a second process starting at once waits, then finds the work done.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiosqlite

from bot.store.base import (
    CLUB_TABLES,
    COUNT_READS,
    DELETE_DISMISSAL,
    DELETE_READ,
    HISTORY_LIMIT,
    INSERT_DISMISSAL,
    JOIN_CLUB,
    LEAVE_CLUB,
    SELECT_CLUB_BOOK,
    SELECT_CLUB_MEMBERS,
    SELECT_DISMISSED,
    SELECT_READ,
    SELECT_SHELF,
    SET_CLUB_BOOK,
    UPSERT_READ,
    USER_COLUMN,
    ClubBook,
    Read,
    Row,
    Store,
    StoreError,
    now_utc,
    quote_name,
    utc,
)

MAX_BATCH = 256  # writes committed together at most
BUSY_TIMEOUT_MS = 5000

Write = Callable[[sqlite3.Connection], object]  # runs on the writer thread, inside a savepoint


def iso(when: dt.datetime) -> str:
    # Fixed width, so text order is time order (the shelf sorts on this column).
    return utc(when).isoformat(timespec="microseconds")


def statements(sql: str) -> Iterator[str]:
    """The statements of a migration file, one at a time (so they can run inside our BEGIN)."""
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip():
        yield pending  # a comment, or an unterminated statement that then fails loudly


class SqliteStore(Store):
    DIALECT = "sqlite"

    def __init__(self, path: Path):
        self._reader: aiosqlite.Connection | None = None
        self._writer: sqlite3.Connection | None = None  # used on _writer_thread only
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        self.path = path
        self._queue: asyncio.Queue[tuple[Write, asyncio.Future] | None] = asyncio.Queue()
        self._writer_task: asyncio.Task | None = None

    @classmethod
    async def connect(cls, target: Path | str, *, target_version: int | None = None,
                      migrations_dir: Path | None = None) -> SqliteStore:
        path = Path(target)
        if path.exists() and not path.is_file():
            raise StoreError(f"the database {path} is not a file; give a file path with --db")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from None
        store = cls(path)
        try:
            await store._on_writer_thread(store._open_writer)
            await store.migrate(target_version, migrations_dir)
            store._reader = await aiosqlite.connect(path, isolation_level=None)
            await store._reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await store._reader.execute("PRAGMA query_only = ON")
        except sqlite3.DatabaseError as exc:
            await store._close_connections()
            raise StoreError(f"the database {path} is not usable ({exc}); "
                             "move it away to start a new one") from None
        except OSError as exc:
            await store._close_connections()
            raise StoreError(f"cannot open the database {path}: {exc}") from None
        except BaseException:
            await store._close_connections()
            raise
        store._writer_task = asyncio.create_task(store._write_loop(), name="store-writer")
        return store

    async def close(self) -> None:
        if self._writer_task is not None:
            self._queue.put_nowait(None)
            await self._writer_task
            self._writer_task = None
        await self._close_connections()

    async def _close_connections(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._writer is not None:
            await self._on_writer_thread(self._writer.close)
            self._writer = None
        self._writer_thread.shutdown(wait=True)

    def _open_writer(self) -> None:
        self._writer = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._writer.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = self._writer.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"the database {self.path} cannot use WAL mode (got {mode})")
        self._writer.execute("PRAGMA synchronous = FULL")

    async def _on_writer_thread(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, func, *args)

    # -- schema --
    async def version(self) -> int:
        return await self._on_writer_thread(
            lambda: int(self._writer.execute("PRAGMA user_version").fetchone()[0]))

    async def _apply_migration(self, version: int, sql: str) -> bool:
        return await self._on_writer_thread(self._migrate_step, version, sql)

    def _migrate_step(self, version: int, sql: str) -> bool:
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")  # the write lock: other processes wait here
        try:
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= version:
                conn.execute("ROLLBACK")
                return False  # another process applied it while we waited
            for statement in statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(version)}")
            conn.execute("COMMIT")
            return True
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    async def personal_tables(self) -> list[str]:
        return await self._on_writer_thread(lambda: _personal_tables(self._writer))

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
    async def _upsert(self, user: str, rows: list[Row]) -> list[Read | None]:
        stamped = [(title, rating, iso(when), source) for title, rating, when, source in rows]

        def op(conn: sqlite3.Connection) -> list[Read | None]:
            befores = []
            changed = iso(now_utc())
            for title, rating, stamp, source in stamped:
                row = conn.execute(SELECT_READ, (user, title)).fetchone()
                befores.append(_row_to_read(row) if row else None)
                conn.execute(UPSERT_READ, (user, title, rating, stamp, source, changed))
            return befores
        return await self._write(op)

    async def remove_read(self, user: str, title: str) -> bool:
        return await self._write(lambda conn: conn.execute(DELETE_READ, (user, title)).rowcount > 0)

    async def _insert_dismissals(self, user: str, titles: list[str], when: dt.datetime) -> int:
        stamp = iso(when)
        return await self._write(lambda conn: sum(
            conn.execute(INSERT_DISMISSAL, (user, title, stamp)).rowcount for title in titles))

    async def undismiss(self, user: str, title: str) -> bool:
        return await self._write(
            lambda conn: conn.execute(DELETE_DISMISSAL, (user, title)).rowcount > 0)

    async def forget(self, user: str) -> int:
        def op(conn: sqlite3.Connection) -> int:
            removed = {}
            for table in _personal_tables(conn):  # names from the schema, never from a user
                removed[table] = conn.execute(
                    f"DELETE FROM {quote_name(table)} WHERE {USER_COLUMN} = ?", (user,)).rowcount
            return removed.get("reads", 0)
        return await self._write(op)

    # -- book clubs --
    async def join_club(self, guild: str, user: str, when: dt.datetime | None = None) -> bool:
        stamp = iso(when or now_utc())
        return await self._write(
            lambda conn: conn.execute(JOIN_CLUB, (guild, user, stamp)).rowcount > 0)

    async def leave_club(self, guild: str, user: str) -> bool:
        return await self._write(lambda conn: conn.execute(LEAVE_CLUB, (guild, user)).rowcount > 0)

    async def club_members(self, guild: str) -> list[str]:
        return [user for (user,) in await self._fetchall(SELECT_CLUB_MEMBERS, (guild,))]

    async def set_club_book(self, guild: str, title: str, user: str,
                            when: dt.datetime | None = None) -> None:
        stamp = iso(when or now_utc())
        await self._write(lambda conn: conn.execute(SET_CLUB_BOOK, (guild, title, stamp, user))
                          and None)

    async def club_book(self, guild: str) -> ClubBook | None:
        rows = await self._fetchall(SELECT_CLUB_BOOK, (guild,))
        if not rows:
            return None
        title, set_at, set_by = rows[0]
        return ClubBook(title, dt.datetime.fromisoformat(set_at), set_by)

    async def drop_club(self, guild: str) -> int:
        return await self._write(lambda conn: sum(
            conn.execute(f"DELETE FROM {quote_name(t)} WHERE guild_id = ?", (guild,)).rowcount
            for t in CLUB_TABLES))

    # -- reads (committed data only) --
    async def _fetchall(self, sql: str, params: tuple) -> list[sqlite3.Row]:
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def get(self, user: str, title: str) -> Read | None:
        rows = await self._fetchall(SELECT_READ, (user, title))
        return _row_to_read(rows[0]) if rows else None

    async def count(self, user: str) -> int:
        return int((await self._fetchall(COUNT_READS, (user,)))[0][0])

    async def shelf(self, user: str, limit: int = HISTORY_LIMIT, offset: int = 0) -> list[Read]:
        rows = await self._fetchall(SELECT_SHELF, (user, int(limit), int(offset)))
        return [_row_to_read(r) for r in rows]

    async def dismissed(self, user: str, limit: int = HISTORY_LIMIT) -> list[str]:
        return [title for (title,) in await self._fetchall(SELECT_DISMISSED, (user, int(limit)))]

    async def export(self, user: str) -> dict[str, list[dict]]:
        out = {}
        for table in await self.personal_tables():
            async with self._reader.execute(
                    f"SELECT * FROM {quote_name(table)} WHERE {USER_COLUMN} = ?", (user,)) as cur:
                names = [d[0] for d in cur.description]
                out[table] = [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]
        return out


def _personal_tables(conn: sqlite3.Connection) -> list[str]:
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in tables.fetchall()
            if any(col == USER_COLUMN for (col,) in conn.execute(
                "SELECT name FROM pragma_table_info(?)", (name,)))]


def _row_to_read(row) -> Read:
    title, rating, read_at, source = row
    return Read(title, rating, dt.datetime.fromisoformat(read_at), source)
