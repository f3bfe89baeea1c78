"""`python -m bot copy-db --from FILE --to postgresql://...`: copy an SQLite history into
PostgreSQL when moving to several shard processes.

Both sides are migrated to the newest schema first (the migration numbers match), then every
personal table (found from the schema) is copied in one transaction: all rows or none. Rows
already in PostgreSQL are kept as they are, so running it twice copies nothing twice."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

from bot.store.base import Store, StoreError, quote_name
from bot.store.dsn import is_postgres

COLUMN_TYPES = ("SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = $1")


def _convert(value, pg_type: str):
    # SQLite keeps times as ISO 8601 text; PostgreSQL's columns are timestamptz.
    if value is not None and pg_type.startswith("timestamp"):
        return dt.datetime.fromisoformat(value)
    return value


async def copy_history(source: Path, target: str) -> dict[str, tuple[int, int]]:
    """{table: (rows in the file, rows newly written)}."""
    if not is_postgres(target):
        raise StoreError("--to must be a postgresql:// connection string")
    if not Path(source).is_file():
        raise StoreError(f"there is no SQLite history at {source}")
    src = await Store.open(Path(source))
    try:
        tables = await src.personal_tables()
    finally:
        await src.close()
    with sqlite3.connect(source) as conn:
        data = {}
        for table in tables:
            cursor = conn.execute(f"SELECT * FROM {quote_name(table)}")
            data[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    dst = await Store.open(target)

    async def op(pg) -> dict[str, tuple[int, int]]:
        counts = {}
        for table, (columns, rows) in data.items():
            types = dict(await pg.fetch(COLUMN_TYPES, table))
            missing = [c for c in columns if c not in types]
            if missing:
                raise StoreError(f"{table}.{missing[0]} is not in the PostgreSQL schema")
            names = ", ".join(quote_name(c) for c in columns)
            marks = ", ".join(f"${i + 1}" for i in range(len(columns)))
            before = await pg.fetchval(f"SELECT COUNT(*) FROM {quote_name(table)}")
            await pg.executemany(
                f"INSERT INTO {quote_name(table)} ({names}) VALUES ({marks}) "
                "ON CONFLICT DO NOTHING",
                [[_convert(v, types[c]) for c, v in zip(columns, row, strict=True)]
                 for row in rows])
            after = await pg.fetchval(f"SELECT COUNT(*) FROM {quote_name(table)}")
            counts[table] = (len(rows), after - before)
        return counts
    try:
        return await dst._run(op)
    except StoreError:
        raise
    except Exception as exc:  # a row PostgreSQL refuses: the transaction wrote nothing
        raise StoreError(f"copying into {dst.path} failed ({type(exc).__name__}: "
                         f"{' '.join(str(exc).split())}); nothing was copied") from None
    finally:
        await dst.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bot copy-db", description=__doc__)
    p.add_argument("--from", dest="source", type=Path, required=True, help="the SQLite file")
    p.add_argument("--to", dest="target", required=True, help="a postgresql:// connection string")
    args = p.parse_args(argv)
    counts = asyncio.run(copy_history(args.source, args.target))
    for table, (read, written) in counts.items():
        print(f"{table}: {read} rows in {args.source}, {written} copied, "
              f"{read - written} already there")
    return 0
