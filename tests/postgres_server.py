"""A real PostgreSQL for the tests, as a pytest plugin (conftest.py loads it): one throwaway
server per session (bot/pg_server.py), a fresh database per test, and `store_target`, which runs
a test once on an SQLite file and once on PostgreSQL.

Without PostgreSQL installed the PostgreSQL runs skip with the reason and the install command;
with CI set (CI runs with CI=true) they fail instead, so CI can never pass by skipping them."""

from __future__ import annotations

import itertools
import os

import pytest

from bot.pg_server import ServerUnavailable, ThrowawayServer
from bot.reliability import rows_of
from bot.store.dsn import is_postgres

BACKENDS = ["sqlite", "postgres"]
_databases = itertools.count()


def unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}", pytrace=False)
    pytest.skip(reason)


def start_server() -> ThrowawayServer:
    try:
        return ThrowawayServer().start()
    except ServerUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def pg_server():
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def own_pg_server():
    """A server of the test's own, for tests that stop and start it."""
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
async def pg_target(pg_server) -> str:
    return await pg_server.create_database(f"test{next(_databases)}")


@pytest.fixture(params=BACKENDS)
async def store_target(request, tmp_path):
    """What Store.open takes: a fresh SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "shelf.db"
    return await request.getfixturevalue("pg_server").create_database(
        f"test{next(_databases)}")

# One statement on a second connection of either backend (only committed rows show).
raw_sql = rows_of


async def table_names(target) -> list[str]:
    sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = "
           "current_schema()" if is_postgres(target) else
           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in await raw_sql(target, sql)]
