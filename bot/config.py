"""Command-line options, environment and `.env`, read in one place.

The Discord token is read from DISCORD_TOKEN (the environment, or a `.env` file beside the
project) and is never printed or logged; `Config.__repr__` hides it, and the database too (a
PostgreSQL connection string may carry a password).
"""

from __future__ import annotations

import argparse
import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.store.dsn import is_postgres
from engine import settings


@dataclass
class Config:
    model_dir: Path
    db_path: Path | str = field(repr=False)  # a file, or a postgresql:// connection string
    console: bool
    user: str
    sync: bool
    log_level: str
    token: str | None = field(default=None, repr=False)
    shard_ids: list[int] | None = None  # None: one plain connection (no sharding)
    shard_count: int | None = None

    @property
    def use_discord(self) -> bool:
        return bool(self.token) and not self.console


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bot",
        description="wikishelf: a book recommender in Discord, or in this terminal "
                    "without a token.")
    p.add_argument("--console", action="store_true",
                   help="chat in this terminal (the default when DISCORD_TOKEN is not set)")
    p.add_argument("--model", type=Path, default=None,
                   help=f"model directory (default {settings.default_model_dir()})")
    p.add_argument("--db", default=None,
                   help="reading history: an SQLite file, or a postgresql://user:password@host/db "
                        "connection string for several shard processes (default: WIKISHELF_DB, "
                        f"else {settings.default_db_path()})")
    p.add_argument("--user", default=None, help="console user name (default: your login)")
    p.add_argument("--sync", action="store_true",
                   help="publish the slash commands to Discord at start-up (after changing them)")
    p.add_argument("--shards", type=shard_range, default=None, metavar="A-B",
                   help="run these shards of --shard-count (e.g. 0-3, or 0,2,5): one cluster of a "
                        "deployment split over several processes")
    p.add_argument("--shard-count", type=positive, default=None, metavar="N",
                   help="shards in the whole deployment (all in this process without --shards)")
    p.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p


def shard_range(text: str) -> list[int]:
    """'0-3' -> [0, 1, 2, 3]; '0,2,5' -> [0, 2, 5]."""
    ids: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            first, last = int(low), int(high or low)
            if first < 0 or last < first:
                raise ValueError
            ids.update(range(first, last + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a shard range like 0-3 or 0,2,5") from None
    return sorted(ids)


def positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def db_target(given: str | None) -> Path | str:
    """--db, else WIKISHELF_DB, else the default file. A connection string stays a string; a
    path becomes a Path (settings.default_db_path would turn "postgresql://" into a path)."""
    raw = (given or os.environ.get("WIKISHELF_DB") or "").strip()
    if is_postgres(raw):
        return raw
    return Path(raw) if raw else settings.default_db_path()


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "me"


def load(argv: list[str] | None = None) -> Config:
    p = parser()
    args = p.parse_args(argv)
    if args.shards is not None and args.shard_count is None:
        p.error("--shards needs --shard-count (the shards of the whole deployment)")
    if args.shards is not None and args.shards[-1] >= args.shard_count:
        p.error(f"--shards goes up to {args.shards[-1]}, but shards are numbered from 0 to "
                f"{args.shard_count - 1} with --shard-count {args.shard_count}")
    try:
        from dotenv import load_dotenv

        load_dotenv(settings.PROJECT_ROOT / ".env", override=False)
    except ImportError:
        pass
    token = (os.environ.get("DISCORD_TOKEN") or "").strip() or None
    return Config(model_dir=args.model or settings.default_model_dir(),
                  db_path=db_target(args.db),
                  console=args.console, user=(args.user or _login())[:64], sync=args.sync,
                  log_level=args.log_level, token=token, shard_ids=args.shards,
                  shard_count=args.shard_count)
