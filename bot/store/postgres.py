"""Reading history in PostgreSQL (asyncpg, a connection pool), for several shard processes that
share one history. The same queries and promises as SQLite: a write returns once it has
committed (synchronous_commit is the server's default, on); migrations run under an advisory
lock, so processes that start together apply each file once.

A database that goes away is retried for a few seconds on fresh connections (every write is an
idempotent upsert or delete, so repeating one whose commit answer was lost is harmless), then
reported as one StoreError; the pool reconnects by itself when the server is back.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import asyncpg

from bot.store import base
from bot.store import dsn as dsn_text
from bot.store.base import (
    CLUB_TABLES,
    HISTORY_LIMIT,
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

log = logging.getLogger(__name__)

POOL_MAX = 10  # connections per process; 4 processes stay well inside max_connections (100)
CONNECT_TIMEOUT_S = 10
COMMAND_TIMEOUT_S = 30
RETRY_DELAYS_S = (0.1, 0.3, 1.0, 2.0)  # then the error: about 3.5 s of a server restarting
MIGRATION_LOCK = 0x77697368  # pg_advisory_xact_lock key ("wish"), the same for every process
# Errors that mean "no working connection", not "this statement is wrong".
CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresConnectionError,
                     asyncpg.exceptions.OperatorInterventionError,
                     asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.InterfaceError)


def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's $1, $2, ..."""
    count = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


SELECT_READ_PG, UPSERT_READ_PG, DELETE_READ_PG, COUNT_READS_PG, SELECT_SHELF_PG = map(
    numbered, (base.SELECT_READ, base.UPSERT_READ, base.DELETE_READ, base.COUNT_READS,
               base.SELECT_SHELF))
INSERT_DISMISSAL_PG, DELETE_DISMISSAL_PG, SELECT_DISMISSED_PG = map(
    numbered, (base.INSERT_DISMISSAL, base.DELETE_DISMISSAL, base.SELECT_DISMISSED))
JOIN_CLUB_PG, LEAVE_CLUB_PG, SELECT_CLUB_MEMBERS_PG, SET_CLUB_BOOK_PG, SELECT_CLUB_BOOK_PG = map(
    numbered, (base.JOIN_CLUB, base.LEAVE_CLUB, base.SELECT_CLUB_MEMBERS, base.SET_CLUB_BOOK,
               base.SELECT_CLUB_BOOK))
# One statement that writes a read and returns the row it replaced: every part of a WITH sees the
# same snapshot, so `before` is the row as it was (one round trip instead of two in a transaction).
LOG_READ_PG = f"WITH before AS ({SELECT_READ_PG}), written AS ({UPSERT_READ_PG}) SELECT * FROM before"
PERSONAL_TABLES = ("SELECT table_name FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND column_name = $1 "
                   "ORDER BY table_name")


def describe(exc: BaseException, secret: str | None) -> str:
    """One line about a connection failure, never the password."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.replace(secret, dsn_text.MASK) if secret else text


async def _keep_session(conn) -> None:
    """The pool's reset on release. asyncpg's default sends RESET ALL, UNLISTEN and friends: a
    round trip after every command. Nothing here changes session state (no SET, LISTEN, cursors
    or session locks), and asyncpg still rolls back a transaction left open."""


class PostgresStore(Store):
    DIALECT = "postgres"

    def __init__(self, pool: asyncpg.Pool, shown: str, secret: str | None):
        self._pool = pool
        self._secret = secret
        self.path = shown  # the connection string without its password

    @classmethod
    async def connect(cls, target: str, *, target_version: int | None = None,
                      migrations_dir: Path | None = None) -> PostgresStore:
        shown, secret = dsn_text.redact(target), dsn_text.password(target)
        try:
            pool = await asyncpg.create_pool(target, min_size=1, max_size=POOL_MAX,
                                             timeout=CONNECT_TIMEOUT_S,
                                             command_timeout=COMMAND_TIMEOUT_S,
                                             reset=_keep_session)
        except Exception as exc:  # a bad string, a refused port, a wrong password, no such db
            raise StoreError(f"cannot connect to the database {shown}: "
                             f"{describe(exc, secret)}") from None
        store = cls(pool, shown, secret)
        try:
            await store.migrate(target_version, migrations_dir)
        except BaseException:
            await pool.close()
            raise
        return store

    async def close(self) -> None:
        await self._pool.close()  # waits for the connections in use to be released

    async def _run(self, work, *, transaction: bool = False):
        """`work(conn)` on a pooled connection, retried on a lost connection; returns once
        committed. One statement commits on its own; work of several writes asks for a
        `transaction` (BEGIN and COMMIT are a round trip each)."""
        for delay in (*RETRY_DELAYS_S, None):
            try:
                async with self._pool.acquire() as conn:
                    if not transaction:
                        return await work(conn)
                    async with conn.transaction():
                        return await work(conn)
            except CONNECTION_ERRORS as exc:
                if delay is None:
                    raise StoreError(f"the database {self.path} is unreachable "
                                     f"({describe(exc, self._secret)})") from None
                log.warning("database connection lost (%s); retrying",
                            describe(exc, self._secret))
                await self._pool.expire_connections()  # the others are likely dead too
                await asyncio.sleep(delay)

    # -- schema --
    async def version(self) -> int:
        async def current(conn) -> int:
            exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
            return int(await conn.fetchval("SELECT max(version) FROM schema_version") or 0) \
                if exists else 0
        return await self._run(current)

    async def _apply_migration(self, version: int, sql: str) -> bool:
        async def step(conn) -> bool:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version "
                               "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)")
            done = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
            if done >= version:
                return False  # another process applied it while we waited for the lock
            await conn.execute(sql)  # DDL is transactional here: a failing file leaves nothing
            await conn.execute("INSERT INTO schema_version VALUES ($1, $2)", version, now_utc())
            return True
        return await self._run(step, transaction=True)

    async def personal_tables(self) -> list[str]:
        rows = await self._run(lambda conn: conn.fetch(PERSONAL_TABLES, USER_COLUMN))
        return [r[0] for r in rows]

    # -- writes --
    async def _upsert(self, user: str, rows: list[Row]) -> list[Read | None]:
        async def op(conn) -> list[Read | None]:
            befores = []
            changed = now_utc()
            for title, rating, when, source in rows:
                row = await conn.fetchrow(LOG_READ_PG, user, title, rating, when, source, changed)
                befores.append(_row_to_read(row) if row else None)
            return befores
        return await self._run(op, transaction=len(rows) > 1)

    async def remove_read(self, user: str, title: str) -> bool:
        async def op(conn) -> bool:
            return await conn.execute(DELETE_READ_PG, user, title) != "DELETE 0"
        return await self._run(op)

    async def _insert_dismissals(self, user: str, titles: list[str], when) -> int:
        async def op(conn) -> int:
            statuses = [await conn.execute(INSERT_DISMISSAL_PG, user, title, when)
                        for title in titles]
            return sum(int(status.split()[-1]) for status in statuses)  # "INSERT 0 1"
        return await self._run(op, transaction=len(titles) > 1)

    async def undismiss(self, user: str, title: str) -> bool:
        async def op(conn) -> bool:
            return await conn.execute(DELETE_DISMISSAL_PG, user, title) != "DELETE 0"
        return await self._run(op)

    async def forget(self, user: str) -> int:
        async def op(conn) -> int:
            removed = {}
            for (table,) in await conn.fetch(PERSONAL_TABLES, USER_COLUMN):
                status = await conn.execute(
                    f"DELETE FROM {quote_name(table)} WHERE {USER_COLUMN} = $1", user)
                removed[table] = int(status.split()[-1])
            return removed.get("reads", 0)
        return await self._run(op, transaction=True)

    # -- book clubs --
    async def join_club(self, guild: str, user: str, when=None) -> bool:
        async def op(conn) -> bool:
            return await conn.execute(JOIN_CLUB_PG, guild, user,
                                      utc(when or now_utc())) != "INSERT 0 0"
        return await self._run(op)

    async def leave_club(self, guild: str, user: str) -> bool:
        async def op(conn) -> bool:
            return await conn.execute(LEAVE_CLUB_PG, guild, user) != "DELETE 0"
        return await self._run(op)

    async def club_members(self, guild: str) -> list[str]:
        rows = await self._run(lambda conn: conn.fetch(SELECT_CLUB_MEMBERS_PG, guild))
        return [r[0] for r in rows]

    async def set_club_book(self, guild: str, title: str, user: str, when=None) -> None:
        async def op(conn) -> None:
            await conn.execute(SET_CLUB_BOOK_PG, guild, title, utc(when or now_utc()), user)
        await self._run(op)

    async def club_book(self, guild: str) -> ClubBook | None:
        row = await self._run(lambda conn: conn.fetchrow(SELECT_CLUB_BOOK_PG, guild))
        return ClubBook(row[0], row[1], row[2]) if row else None

    async def drop_club(self, guild: str) -> int:
        async def op(conn) -> int:
            statuses = [await conn.execute(f"DELETE FROM {quote_name(t)} WHERE guild_id = $1",
                                           guild) for t in CLUB_TABLES]
            return sum(int(status.split()[-1]) for status in statuses)
        return await self._run(op, transaction=True)

    # -- reads --
    async def get(self, user: str, title: str) -> Read | None:
        row = await self._run(lambda conn: conn.fetchrow(SELECT_READ_PG, user, title))
        return _row_to_read(row) if row else None

    async def count(self, user: str) -> int:
        return int(await self._run(lambda conn: conn.fetchval(COUNT_READS_PG, user)))

    async def shelf(self, user: str, limit: int = HISTORY_LIMIT, offset: int = 0) -> list[Read]:
        rows = await self._run(lambda conn: conn.fetch(SELECT_SHELF_PG, user, int(limit),
                                                       int(offset)))
        return [_row_to_read(r) for r in rows]

    async def dismissed(self, user: str, limit: int = HISTORY_LIMIT) -> list[str]:
        rows = await self._run(lambda conn: conn.fetch(SELECT_DISMISSED_PG, user, int(limit)))
        return [r[0] for r in rows]

    async def export(self, user: str) -> dict[str, list[dict]]:
        async def op(conn) -> dict[str, list[dict]]:
            out = {}
            for (table,) in await conn.fetch(PERSONAL_TABLES, USER_COLUMN):
                rows = await conn.fetch(
                    f"SELECT * FROM {quote_name(table)} WHERE {USER_COLUMN} = $1", user)
                out[table] = [dict(r) for r in rows]
            return out
        return await self._run(op)


def _row_to_read(row) -> Read:
    title, rating, read_at, source = row
    return Read(title, rating, read_at, source)
