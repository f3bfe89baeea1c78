"""Reading history in SQLite (aiosqlite): WAL, versioned migrations, parameterised queries only.

Book keys are catalog titles. Every write is committed before its method returns, with
`synchronous=FULL`, so a write the bot has acknowledged survives a crash or power cut.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from engine.errors import WikishelfError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^V(\d+)__[\w-]+\.sql$")
HISTORY_LIMIT = 5000  # the most reads one user's picks are computed from


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


class Store:
    def __init__(self, db: aiosqlite.Connection, path: Path):
        self._db = db
        self.path = path

    @classmethod
    async def open(cls, path: Path | str, *, target_version: int | None = None) -> Store:
        """Open (creating if needed) and migrate to `target_version` (default: the newest)."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path, isolation_level=None)  # autocommit; explicit BEGINs
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from None
        store = cls(db, path)
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
            mode = await store._scalar("PRAGMA journal_mode = WAL")
            if str(mode).lower() != "wal":
                raise StoreError(f"the database {path} cannot use WAL mode (got {mode})")
            await db.execute("PRAGMA synchronous = FULL")
            await store.migrate(target_version)
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise StoreError(f"the database {path} is not usable ({exc}); "
                             "move it away to start a new one") from None
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def _scalar(self, sql: str, params: tuple = ()):
        async with self._db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    # -- schema --
    async def version(self) -> int:
        return int(await self._scalar("PRAGMA user_version"))

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

    # -- writes --
    async def log_read(self, user: str, title: str, rating: int | None = None,
                       when: dt.datetime | None = None, source: str = "chat") -> Read | None:
        """Add or update one read; returns what was there before (None for a new book).

        Reading a book again keeps its earlier rating unless a new one is given."""
        rating = _check_rating(rating)
        stamp = _iso(when or now_utc())
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            before = await self._get(user, title)
            await self._upsert(user, title, rating, stamp, source)
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        return before

    async def log_many(self, user: str, reads: list[Read]) -> tuple[int, int]:
        """Add or update many reads in one transaction; returns (added, updated)."""
        added = updated = 0
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            for read in reads:
                before = await self._get(user, read.title)
                await self._upsert(user, read.title, _check_rating(read.rating),
                                   _iso(read.read_at), read.source)
                added += before is None
                updated += before is not None
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        return added, updated

    async def _upsert(self, user: str, title: str, rating: int | None, stamp: str,
                      source: str) -> None:
        await self._db.execute(
            "INSERT INTO reads (user_id, title, rating, read_at, source, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id, title) DO UPDATE SET "
            "rating = COALESCE(excluded.rating, reads.rating), read_at = excluded.read_at, "
            "source = excluded.source, updated_at = excluded.updated_at",
            (user, title, rating, stamp, source, _iso(now_utc())))

    async def remove_read(self, user: str, title: str) -> bool:
        cursor = await self._db.execute("DELETE FROM reads WHERE user_id = ? AND title = ?",
                                        (user, title))
        return cursor.rowcount > 0

    async def forget(self, user: str) -> int:
        cursor = await self._db.execute("DELETE FROM reads WHERE user_id = ?", (user,))
        return cursor.rowcount

    # -- reads --
    async def _get(self, user: str, title: str) -> Read | None:
        async with self._db.execute(
                "SELECT title, rating, read_at, source FROM reads WHERE user_id = ? AND title = ?",
                (user, title)) as cursor:
            row = await cursor.fetchone()
        return _row_to_read(row) if row else None

    async def get(self, user: str, title: str) -> Read | None:
        return await self._get(user, title)

    async def count(self, user: str) -> int:
        return int(await self._scalar("SELECT COUNT(*) FROM reads WHERE user_id = ?", (user,)))

    async def shelf(self, user: str, limit: int = HISTORY_LIMIT, offset: int = 0) -> list[Read]:
        """The user's reads, newest first."""
        async with self._db.execute(
                "SELECT title, rating, read_at, source FROM reads WHERE user_id = ? "
                "ORDER BY read_at DESC, title LIMIT ? OFFSET ?",
                (user, int(limit), int(offset))) as cursor:
            rows = await cursor.fetchall()
        return [_row_to_read(r) for r in rows]


def _row_to_read(row) -> Read:
    title, rating, read_at, source = row
    return Read(title, rating, dt.datetime.fromisoformat(read_at), source)
