"""The store's one interface, what both backends share, and the choice between them.

A target is a file path (SQLite, the embedded default) or a `postgresql://` connection string
(PostgreSQL, for several shard processes sharing one history). The public async methods mean
the same on both: a write returns only once it is committed; `forget` and `export` find every
table holding personal data from the schema itself.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from bot.store.dsn import is_postgres
from engine.errors import WikishelfError

MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^V(\d+)__[\w-]+\.sql$")
HISTORY_LIMIT = 5000  # the most reads one user's picks are computed from
USER_COLUMN = "user_id"  # every table holding personal data keys it by this column

# One text per query for both backends, with `?` placeholders (PostgreSQL's are numbered on use).
SELECT_READ = ("SELECT title, rating, read_at, source FROM reads "
               "WHERE user_id = ? AND title = ?")
UPSERT_READ = ("INSERT INTO reads (user_id, title, rating, read_at, source, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?) "
               "ON CONFLICT (user_id, title) DO UPDATE SET "
               "rating = COALESCE(excluded.rating, reads.rating), read_at = excluded.read_at, "
               "source = excluded.source, updated_at = excluded.updated_at")
DELETE_READ = "DELETE FROM reads WHERE user_id = ? AND title = ?"
COUNT_READS = "SELECT COUNT(*) FROM reads WHERE user_id = ?"
SELECT_SHELF = ("SELECT title, rating, read_at, source FROM reads WHERE user_id = ? "
                "ORDER BY read_at DESC, title LIMIT ? OFFSET ?")
INSERT_DISMISSAL = ("INSERT INTO dismissals (user_id, title, dismissed_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (user_id, title) DO NOTHING")
DELETE_DISMISSAL = "DELETE FROM dismissals WHERE user_id = ? AND title = ?"
SELECT_DISMISSED = ("SELECT title FROM dismissals WHERE user_id = ? "
                    "ORDER BY dismissed_at DESC, title LIMIT ?")
JOIN_CLUB = ("INSERT INTO club_members (guild_id, user_id, joined_at) VALUES (?, ?, ?) "
             "ON CONFLICT (guild_id, user_id) DO NOTHING")
LEAVE_CLUB = "DELETE FROM club_members WHERE guild_id = ? AND user_id = ?"
SELECT_CLUB_MEMBERS = ("SELECT user_id FROM club_members WHERE guild_id = ? "
                       "ORDER BY joined_at, user_id")
SET_CLUB_BOOK = ("INSERT INTO club_books (guild_id, title, set_at, user_id) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (guild_id) DO UPDATE SET title = excluded.title, "
                 "set_at = excluded.set_at, user_id = excluded.user_id")
SELECT_CLUB_BOOK = "SELECT title, set_at, user_id FROM club_books WHERE guild_id = ?"
# Every table of a server's club: what goes when the bot leaves the server.
CLUB_TABLES = ("club_members", "club_books")


class StoreError(WikishelfError):
    """The database is unusable (corrupt, unreachable, from a newer version, unwritable)."""


@dataclass(frozen=True)
class Read:
    title: str
    rating: int | None
    read_at: dt.datetime
    source: str = "chat"


@dataclass(frozen=True)
class ClubBook:
    """A server's current club book: the title, when it was set and by whom (a user key)."""
    title: str
    set_at: dt.datetime
    set_by: str


# (title, rating, read_at, source) of one write, validated
Row = tuple[str, int | None, dt.datetime, str]


def migrations(directory: Path = MIGRATIONS_ROOT / "sqlite") -> list[tuple[int, Path]]:
    """(version, file) for every V<n>__name.sql, in order; versions must run 1, 2, 3, ..."""
    found = sorted((int(m.group(1)), p) for p in directory.iterdir()
                   if (m := _MIGRATION_NAME.match(p.name)))
    if [v for v, _ in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"migration files in {directory} are not numbered 1..n")
    return found


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc(when: dt.datetime) -> dt.datetime:
    return (when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when).astimezone(dt.UTC)


def check_rating(rating: int | None) -> int | None:
    # The service validates ratings for users; this guards the table against a caller's bug.
    if rating is None:
        return None
    if type(rating) is not int or not 1 <= rating <= 5:
        raise ValueError(f"rating must be an int from 1 to 5, not {rating!r}")
    return rating


def quote_name(name: str) -> str:
    """A table name from the schema as an SQL identifier (the same quoting on both backends)."""
    return '"' + name.replace('"', '""') + '"'


class Store(ABC):
    """The reading history. `Store.open(target)` gives the backend the target names."""

    DIALECT: str  # the folder of bot/migrations this backend's files live in
    path: Path | str  # what messages name: the file, or the connection string without password

    @classmethod
    async def open(cls, target: Path | str, *, target_version: int | None = None,
                   migrations_dir: Path | None = None) -> Store:
        """Open (creating if needed) and migrate to `target_version` (default: the newest)."""
        if is_postgres(target):
            from bot.store.postgres import PostgresStore as backend
        else:
            from bot.store.sqlite import SqliteStore as backend
        return await backend.connect(target, target_version=target_version,
                                     migrations_dir=migrations_dir)

    @classmethod
    @abstractmethod
    async def connect(cls, target, *, target_version: int | None,
                      migrations_dir: Path | None) -> Store: ...

    @abstractmethod
    async def close(self) -> None:
        """Finish the writes in progress, then close."""

    # -- schema --
    @abstractmethod
    async def version(self) -> int: ...

    @abstractmethod
    async def _apply_migration(self, version: int, sql: str) -> bool:
        """Under the backend's lock: apply `sql` and record `version` in one transaction, unless
        another process already did (then False)."""

    @abstractmethod
    async def personal_tables(self) -> list[str]:
        """Every table with a user_id column, read from the schema (so `forget` misses none)."""

    async def migrate(self, target_version: int | None = None,
                      migrations_dir: Path | None = None) -> int:
        """Apply the missing migration files in order; a file that fails changes nothing."""
        steps = migrations(migrations_dir or MIGRATIONS_ROOT / self.DIALECT)
        newest = steps[-1][0]
        target = newest if target_version is None else target_version
        current = await self.version()
        if current > newest:
            raise StoreError(f"the database {self.path} has schema version {current}, newer than "
                             f"this code knows ({newest}); update wikishelf")
        for version, file in steps:
            if current < version <= target:
                try:
                    await self._apply_migration(version, file.read_text(encoding="utf-8"))
                except StoreError:
                    raise
                except Exception as exc:
                    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    raise StoreError(
                        f"migration {file.name} failed on {self.path} ({type(exc).__name__}: "
                        f"{first}); the database is unchanged at version {await self.version()}"
                    ) from None
        return await self.version()

    # -- writes: each returns once committed --
    @abstractmethod
    async def _upsert(self, user: str, rows: list[Row]) -> list[Read | None]:
        """Add or update `rows` in one transaction; what each replaced (None for a new book)."""

    async def log_read(self, user: str, title: str, rating: int | None = None,
                       when: dt.datetime | None = None, source: str = "chat") -> Read | None:
        """Add or update one read; returns what was there before (None for a new book).

        Reading a book again keeps its earlier rating unless a new one is given."""
        (before,) = await self._upsert(user, [(title, check_rating(rating),
                                               utc(when or now_utc()), source)])
        return before

    async def log_many(self, user: str, reads: list[Read]) -> tuple[int, int]:
        """Add or update many reads, all or none; returns (added, updated)."""
        rows = [(r.title, check_rating(r.rating), utc(r.read_at), r.source) for r in reads]
        befores = await self._upsert(user, rows) if rows else []
        added = sum(b is None for b in befores)
        return added, len(befores) - added

    @abstractmethod
    async def remove_read(self, user: str, title: str) -> bool: ...

    @abstractmethod
    async def _insert_dismissals(self, user: str, titles: list[str], when: dt.datetime) -> int:
        """Insert in one transaction, keeping rows already there; returns how many are new."""

    async def dismiss(self, user: str, titles: list[str], when: dt.datetime | None = None) -> int:
        """Mark books "not for me" (all or none); returns how many were not marked before."""
        titles = list(dict.fromkeys(titles))
        if not all(isinstance(t, str) and t for t in titles):
            raise ValueError("dismissed titles must be non-empty strings")
        return await self._insert_dismissals(user, titles, utc(when or now_utc())) if titles else 0

    @abstractmethod
    async def undismiss(self, user: str, title: str) -> bool:
        """Take a book off the user's "not for me" list; False if it was not there."""

    @abstractmethod
    async def forget(self, user: str) -> int:
        """Delete the user's rows from every personal table; returns how many books went."""

    # -- book clubs: one per server (`guild`, a string), opt-in --
    @abstractmethod
    async def join_club(self, guild: str, user: str, when: dt.datetime | None = None) -> bool:
        """Add `user` to the server's club; False if they were in it already."""

    @abstractmethod
    async def leave_club(self, guild: str, user: str) -> bool:
        """Take `user` out of the server's club; False if they were not in it."""

    @abstractmethod
    async def club_members(self, guild: str) -> list[str]:
        """The user keys of the server's club, earliest joined first."""

    @abstractmethod
    async def set_club_book(self, guild: str, title: str, user: str,
                            when: dt.datetime | None = None) -> None:
        """Make `title` the server's current club book (replacing the one before)."""

    @abstractmethod
    async def club_book(self, guild: str) -> ClubBook | None: ...

    @abstractmethod
    async def drop_club(self, guild: str) -> int:
        """Delete all of a server's club data (the bot left it); returns the rows that went."""

    # -- reads (committed data only) --
    @abstractmethod
    async def get(self, user: str, title: str) -> Read | None: ...

    @abstractmethod
    async def count(self, user: str) -> int: ...

    @abstractmethod
    async def shelf(self, user: str, limit: int = HISTORY_LIMIT, offset: int = 0) -> list[Read]:
        """The user's reads, newest first."""

    @abstractmethod
    async def dismissed(self, user: str, limit: int = HISTORY_LIMIT) -> list[str]:
        """The titles the user marked "not for me", newest first."""

    @abstractmethod
    async def export(self, user: str) -> dict[str, list[dict]]:
        """Every personal table's rows for `user` (tables read from the schema), by table."""
