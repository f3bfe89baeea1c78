"""The Discord adapter: a bot that loads the model and database in `setup_hook` (in a thread,
so the event loop never blocks), mentions nobody, and answers errors briefly.

`make_bot` builds it: a plain `commands.Bot` (one gateway connection, up to 2,500 servers), or
with shards a `commands.AutoShardedBot` running `shard_ids` of `shard_count`, so one deployment
can be split into clusters in several processes sharing one PostgreSQL. Both get everything from
`WikishelfMixin`; only the base class differs (dpytest drives the plain one)."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

import aiohttp
import discord
from discord.ext import commands

from bot import redact
from bot.answers import STORE_DOWN
from bot.cog import NONE, ShelfCog
from bot.render_discord import unmention
from bot.service import ShelfService
from bot.store import StoreError
from bot.throttle import Throttle
from bot.views import MENUS
from engine.errors import WikishelfError

log = logging.getLogger(__name__)
PREFIX = "!"


def intents() -> discord.Intents:
    chosen = discord.Intents.default()
    chosen.message_content = True  # prefix commands read message text
    return chosen


def map_ready(rec) -> bool:
    """Whether this model can draw maps. When not, the reason and the command that fixes it go
    to the operator's log, never to a user."""
    try:
        rec.files.book_map()
    except WikishelfError as exc:
        log.warning("maps are switched off: %s", exc)
        return False
    return True


class WikishelfMixin:
    """Everything the bot does, for either base class (commands.Bot or AutoShardedBot)."""

    def __init__(self, model_dir: Path | None = None, db_path: Path | str | None = None, *,
                 service: ShelfService | None = None, sync_commands: bool = False,
                 intents_override: discord.Intents | None = None, **sharding):
        super().__init__(command_prefix=PREFIX, intents=intents_override or intents(),
                         allowed_mentions=NONE, help_command=None, case_insensitive=True,
                         strip_after_prefix=True, **sharding)
        self.model_dir = model_dir
        self.db_path = db_path
        self.service = service
        self.sync_commands = sync_commands
        self._maps = tempfile.TemporaryDirectory(prefix="wikishelf-maps-")

    async def setup_hook(self) -> None:
        if self.service is None:
            self.service = await ShelfService.open(self.model_dir, self.db_path,
                                                   Path(self._maps.name), Throttle())
        elif self.service.maps_dir is None:
            self.service.maps_dir = Path(self._maps.name)
        if not map_ready(self.service.rec):
            self.service.maps_dir = None  # users read "Maps are switched off here."
        await self.add_cog(ShelfCog(self, self.service))
        self.add_dynamic_items(*MENUS)  # menus on messages sent before a restart work too
        if self.sync_commands:  # only on request (--sync); Discord rate-limits syncing
            synced = await self.tree.sync()
            log.info("synced %d slash commands", len(synced))

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self.service is not None:
                await self.service.close()
            self._maps.cleanup()

    async def on_command_error(self, ctx: commands.Context, error: Exception) -> None:
        """One place for failures: a short answer to the user, the details to the log."""
        error = getattr(error, "original", error)  # CommandInvokeError / HybridCommandError
        error = getattr(error, "original", error)  # AppCommandError wrapped once more
        if isinstance(error, commands.CommandNotFound):
            return  # "!!!" or another bot's command: stay quiet
        if isinstance(error, StoreError):  # the database is away: one log line, no traceback
            log.warning("command %s: %s", ctx.command, error)
            text = STORE_DOWN.message
        elif isinstance(error, commands.CommandOnCooldown):
            text = f"Slow down a little: try again in {error.retry_after:.0f} s."
        elif isinstance(error, (commands.MissingRequiredArgument,
                                commands.MissingRequiredAttachment)):
            text = f"Something is missing. Usage: `{PREFIX}{ctx.command.qualified_name} " \
                   f"{ctx.command.signature}`." if ctx.command else "Something is missing."
        elif isinstance(error, (commands.UserInputError, discord.app_commands.TransformerError)):
            text = f"That does not fit the command. Try `{PREFIX}help`."
        elif isinstance(error, (commands.NotOwner, commands.CheckFailure)):
            text = "Only the bot's owner can do that."
        else:
            log.error("command %s failed", ctx.command, exc_info=error)
            text = "Something went wrong on the bot's side; nothing was changed."
        try:
            await ctx.send(unmention(text)[:2000], allowed_mentions=NONE,
                           ephemeral=ctx.interaction is not None)
        except discord.HTTPException:
            log.warning("could not send the error message for %s", ctx.command)


class WikishelfBot(WikishelfMixin, commands.Bot):
    """One gateway connection: the default, and what the tests drive."""


class ShardedWikishelfBot(WikishelfMixin, commands.AutoShardedBot):
    """Several shards in one process: all of them, or one cluster's `shard_ids`."""


def make_bot(*, shard_ids: list[int] | None = None, shard_count: int | None = None,
             **options) -> WikishelfBot | ShardedWikishelfBot:
    """The one factory: plain without shard options, sharded with them."""
    if shard_ids is None and shard_count is None:
        return WikishelfBot(**options)
    return ShardedWikishelfBot(shard_ids=shard_ids, shard_count=shard_count, **options)


async def _serve(cfg) -> None:
    # The model and database open before Discord is contacted: a broken model directory or
    # database is reported at once. Reconnects after a disconnect are discord.py's own.
    # Each process loads its own memory-mapped model and keeps its own per-user throttle.
    service = await ShelfService.open(cfg.model_dir, cfg.db_path, None, Throttle())
    bot = make_bot(service=service, sync_commands=cfg.sync, shard_ids=cfg.shard_ids,
                   shard_count=cfg.shard_count)
    if cfg.shard_ids is not None:
        log.info("cluster: shards %s of %d", cfg.shard_ids, cfg.shard_count)
    async with bot:
        await bot.start(cfg.token)


def run_discord(cfg) -> int:
    redact.install(cfg.token)  # logging is configured by __main__; the token is never logged
    try:
        asyncio.run(_serve(cfg))
    except discord.LoginFailure:
        print("wikishelf: Discord rejected the DISCORD_TOKEN (check it in .env)", file=sys.stderr)
        return 2
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        reason = type(exc).__name__
        print(f"wikishelf: cannot reach Discord ({reason}); check the network and try again",
              file=sys.stderr)
        return 3
    return 0
