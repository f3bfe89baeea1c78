"""The reading history: one interface (`Store.open(target)`), SQLite for a file path, PostgreSQL
for a `postgresql://` connection string. See bot/store/base.py."""

from bot.store.base import (
    HISTORY_LIMIT,
    USER_COLUMN,
    ClubBook,
    Read,
    Store,
    StoreError,
    migrations,
    now_utc,
)

__all__ = ["HISTORY_LIMIT", "USER_COLUMN", "ClubBook", "Read", "Store", "StoreError", "migrations", "now_utc"]
