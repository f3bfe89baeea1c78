"""`python -m bot`: Discord when DISCORD_TOKEN is set, else (or with --console) the terminal.
`python -m bot copy-db --from FILE --to postgresql://...` copies an SQLite history into PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

from bot import config as config_module
from bot import redact
from bot.store import dsn
from engine.errors import WikishelfError


async def _console(cfg: config_module.Config) -> int:
    from bot import console
    from bot.service import ShelfService

    maps_dir = Path(tempfile.gettempdir()) / "wikishelf-maps"
    service = await ShelfService.open(cfg.model_dir, cfg.db_path, maps_dir)
    try:
        return await console.run(service, cfg.user)
    finally:
        await service.close()


def _serve(argv: list[str] | None) -> int:
    cfg = config_module.load(argv)
    logging.basicConfig(level=cfg.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if dsn.is_postgres(cfg.db_path):
        redact.install(dsn.password(cfg.db_path))  # the database password is never logged
    if cfg.use_discord:
        from bot.discord_bot import run_discord

        return run_discord(cfg)
    return asyncio.run(_console(cfg))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["copy-db"]:
            from bot.store.copy import main as copy_main

            return copy_main(argv[1:])
        return _serve(argv)
    except WikishelfError as exc:
        print(f"wikishelf: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
