"""Command-line options, environment and `.env`, read in one place.

The Discord token is read from DISCORD_TOKEN (the environment, or a `.env` file beside the
project) and is never printed or logged; `Config.__repr__` hides it.
"""

from __future__ import annotations

import argparse
import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from engine import settings


@dataclass
class Config:
    model_dir: Path
    db_path: Path
    console: bool
    user: str
    sync: bool
    log_level: str
    token: str | None = field(default=None, repr=False)

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
    p.add_argument("--db", type=Path, default=None,
                   help=f"reading-history database (default {settings.default_db_path()})")
    p.add_argument("--user", default=None, help="console user name (default: your login)")
    p.add_argument("--sync", action="store_true",
                   help="publish the slash commands to Discord at start-up (after changing them)")
    p.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "me"


def load(argv: list[str] | None = None) -> Config:
    args = parser().parse_args(argv)
    try:
        from dotenv import load_dotenv

        load_dotenv(settings.PROJECT_ROOT / ".env", override=False)
    except ImportError:
        pass
    token = (os.environ.get("DISCORD_TOKEN") or "").strip() or None
    return Config(model_dir=args.model or settings.default_model_dir(),
                  db_path=args.db or settings.default_db_path(),
                  console=args.console, user=(args.user or _login())[:64], sync=args.sync,
                  log_level=args.log_level, token=token)
