"""The Discord commands: each one hybrid (`!similar ...` and `/similar`), a thin layer that asks
the service and sends the rendered answer."""

from __future__ import annotations

import asyncio
import contextlib

import discord
from discord import app_commands
from discord.ext import commands

from bot import answers as a
from bot.club_mentions import asked_members, present_members, read_pick_words
from bot.clubs import Clubs
from bot.commands import COMMANDS_BY_NAME, COOLDOWNS, SYNC
from bot.goodreads import MAX_BYTES
from bot.render_discord import CLUB_POLL_QUESTION, Reply, club_poll, render, unclip
from bot.service import MAX_K, ShelfService
from bot.views import ConfirmForgetView, controls, post, user_key

NONE = discord.AllowedMentions.none()
POLL_HOURS = 24  # how long a club's poll stays open
IN_SERVERS_ONLY = a.Problem("Book clubs live in servers: use `club` in the server where your "
                            "club meets. Your direct messages with the bot stay private.")
AUTOCOMPLETE_LIMIT = 25
CHOICE_LIMIT = 100  # Discord's limit on a choice's name and value


def hybrid(name: str):
    """`commands.hybrid_command` with the description and per-user cooldown the table gives
    `name` (the handler, with its slash annotations, stays hand-written)."""
    command = COMMANDS_BY_NAME[name]
    rate, per = COOLDOWNS[command.cooldown]
    cooldown = commands.cooldown(rate, per, commands.BucketType.user)

    def decorate(func):
        return commands.hybrid_command(name=name, description=command.description)(cooldown(func))
    return decorate


def club_cooldown(func):
    rate, per = COOLDOWNS[COMMANDS_BY_NAME["club"].cooldown]
    return commands.cooldown(rate, per, commands.BucketType.user)(func)


def guild_key(guild: discord.Guild) -> str:
    """The store's key for a server's club."""
    return f"discord:{guild.id}"


async def send(ctx: commands.Context, reply: Reply, items: list[discord.ui.Item] | None = None
               ) -> discord.Message | None:
    if reply.private and ctx.interaction is None and ctx.guild is not None:
        return await send_privately(ctx, reply)
    return await post(ctx.send, reply, ctx.author.id, items or (),
                      ephemeral=ctx.interaction is not None and reply.private)


async def send_privately(ctx: commands.Context, reply: Reply) -> discord.Message | None:
    """A private answer to a `!command` typed in a server goes by direct message, never into
    the channel where others would see it."""
    try:
        await ctx.author.send(content=reply.content, embed=reply.embed, file=reply.file,
                              allowed_mentions=NONE)
    except discord.Forbidden:
        return await ctx.send("Direct messages to you are closed; use the slash command "
                              "instead (only you will see the answer).", allowed_mentions=NONE)
    return await ctx.send("Sent you a direct message.", allowed_mentions=NONE)


class ShelfCog(commands.Cog, name="Shelf"):
    def __init__(self, bot: commands.Bot, service: ShelfService):
        self.bot = bot
        self.service = service
        self.clubs = Clubs(service)

    async def cog_check(self, ctx: commands.Context) -> bool:
        """The service's per-user throttle across all commands, on top of each command's own
        cooldown (which a user could otherwise sidestep by switching commands)."""
        throttle = self.service.throttle
        wait = throttle.hit(user_key(ctx.author)) if throttle is not None else 0.0
        if wait:
            window = commands.Cooldown(throttle.burst, throttle.burst / throttle.per_second)
            raise commands.CommandOnCooldown(window, wait, commands.BucketType.user)
        return True

    async def answer(self, ctx: commands.Context, answer: a.Answer) -> None:
        await send(ctx, render(answer, "!"), controls(answer, ctx.command.name, ctx.author.id))

    # -- autocomplete: catalog titles from the resolver, at most 25 --
    async def title_choices(self, interaction: discord.Interaction, current: str
                            ) -> list[app_commands.Choice[str]]:
        current = (current or "")[:200]
        titles = await asyncio.to_thread(self.service.rec.resolver.complete, current,
                                         AUTOCOMPLETE_LIMIT)
        return [app_commands.Choice(name=t[:CHOICE_LIMIT], value=t[:CHOICE_LIMIT])
                for t in titles[:AUTOCOMPLETE_LIMIT] if t]

    # -- books --
    @hybrid("similar")
    @app_commands.describe(title="a book title", k="how many (1-25)")
    async def similar(self, ctx: commands.Context, *, title: str,
                      k: app_commands.Range[int, 1, MAX_K] | None = None) -> None:
        await ctx.defer()
        await self.answer(ctx, await self.service.similar(title, k, user_key(ctx.author)))

    @hybrid("info")
    async def info(self, ctx: commands.Context, *, title: str) -> None:
        await self.answer(ctx, await self.service.info(title))

    @hybrid("pages")
    async def pages(self, ctx: commands.Context, *, page: str) -> None:
        await self.answer(ctx, await self.service.pages(page))

    @hybrid("about")
    async def about(self, ctx: commands.Context, *, page: str) -> None:
        await self.answer(ctx, await self.service.about(page))

    @hybrid("map")
    async def map_(self, ctx: commands.Context, *, title: str) -> None:
        await ctx.defer()
        answer = await self.service.map(title)
        try:
            await self.answer(ctx, answer)
        finally:
            if isinstance(answer, a.MapImage):
                with contextlib.suppress(OSError):
                    answer.path.unlink()

    # -- the caller's shelf --
    @hybrid("read")
    @app_commands.describe(title="the book", rating="your rating, 1 to 5")
    async def read(self, ctx: commands.Context, *, title: str,
                   rating: app_commands.Range[int, 1, 5] | None = None) -> None:
        await self.answer(ctx, await self.service.read(user_key(ctx.author), title, rating))

    @hybrid("unread")
    async def unread(self, ctx: commands.Context, *, title: str) -> None:
        await self.answer(ctx, await self.service.unread(user_key(ctx.author), title))

    @hybrid("shelf")
    async def shelf(self, ctx: commands.Context, page: int = 1) -> None:
        await self.answer(ctx, await self.service.shelf(user_key(ctx.author), page))

    @hybrid("next")
    async def next_(self, ctx: commands.Context,
                    k: app_commands.Range[int, 1, MAX_K] | None = None) -> None:
        await ctx.defer()
        await self.answer(ctx, await self.service.next(user_key(ctx.author), k))

    @hybrid("undismiss")
    @app_commands.describe(title="a book you marked “not for me” (leave out to list them)")
    async def undismiss(self, ctx: commands.Context, *, title: str = "") -> None:
        await self.answer(ctx, await self.service.undismiss(user_key(ctx.author), title))

    @hybrid("import")
    @app_commands.describe(file="goodreads_library_export.csv from Goodreads → My Books → Export")
    async def import_(self, ctx: commands.Context, file: discord.Attachment) -> None:
        if file.size > MAX_BYTES:
            limit = MAX_BYTES // 1_000_000
            await self.answer(ctx, a.Problem(f"That file is larger than {limit} MB."))
            return
        await ctx.defer()
        data = await file.read()
        await self.answer(ctx, await self.service.import_goodreads(user_key(ctx.author), data))

    @hybrid("export")
    async def export(self, ctx: commands.Context) -> None:
        await self.answer(ctx, await self.service.export(user_key(ctx.author)))

    @hybrid("forget")
    async def forget(self, ctx: commands.Context, confirm: str = "") -> None:
        user = user_key(ctx.author)
        answer = await self.service.forget(user, confirm=confirm.strip().lower() == "confirm")
        if isinstance(answer, a.ForgetPrompt) and (answer.count or answer.dismissed):
            view = ConfirmForgetView(ctx.author.id, self.service, user)
            reply = render(answer, "!")
            view.message = await ctx.send(reply.content, view=view, allowed_mentions=NONE,
                                          ephemeral=ctx.interaction is not None)
            return
        await self.answer(ctx, answer)

    @hybrid("help")
    async def help_(self, ctx: commands.Context) -> None:
        await self.answer(ctx, await self.service.help())

    # -- book clubs: one per server, opt-in --
    @commands.hybrid_group(name="club", description=COMMANDS_BY_NAME["club"].description,
                           invoke_without_command=True)
    async def club(self, ctx: commands.Context) -> None:
        usage = COMMANDS_BY_NAME["club"].usage
        await self.answer(ctx, a.Problem(f"Which one? `!{usage}`"))

    async def _club_context(self, ctx: commands.Context):
        """(club key, joined members still here: key -> display name), or None after telling
        a DM that clubs live in servers."""
        if ctx.guild is None:
            await self.answer(ctx, IN_SERVERS_ONLY)
            return None
        joined = await self.service.store.club_members(guild_key(ctx.guild))
        here = await present_members(ctx.guild, joined)
        return guild_key(ctx.guild), here

    @club.command(name="join", description="join this server's book club (your shelf counts here)")
    @club_cooldown
    async def club_join(self, ctx: commands.Context) -> None:
        if ctx.guild is None:
            return await self.answer(ctx, IN_SERVERS_ONLY)
        await self.answer(ctx, await self.clubs.join(guild_key(ctx.guild), user_key(ctx.author)))

    @club.command(name="leave", description="leave this server's book club (at once)")
    @club_cooldown
    async def club_leave(self, ctx: commands.Context) -> None:
        if ctx.guild is None:
            return await self.answer(ctx, IN_SERVERS_ONLY)
        await self.answer(ctx, await self.clubs.leave(guild_key(ctx.guild), user_key(ctx.author)))

    @club.command(name="pick", description="picks for the club or the members named; add poll")
    @app_commands.describe(members="members or a role (mentions), a number of picks, `poll`")
    @club_cooldown
    async def club_pick(self, ctx: commands.Context, *, members: str = "") -> None:
        context = await self._club_context(ctx)
        if context is None:
            return
        guild, here = context
        words = read_pick_words(members, MAX_K)
        if words.problem:
            return await self.answer(ctx, a.Problem(words.problem))
        await ctx.defer()
        asked, named, problem = await asked_members(ctx.guild, words, here)
        if problem:
            return await self.answer(ctx, a.Problem(problem))
        # Those named but not joined are said by name, never pinged.
        names = {**named, **{key: m.display_name for key, m in here.items()}}
        answer = await self.clubs.pick(guild, user_key(ctx.author), names, asked, words.k)
        if words.poll and isinstance(answer, a.ClubPicks):
            await self.answer(ctx, answer)
            await ctx.send(poll=club_poll(answer, POLL_HOURS), allowed_mentions=NONE)
            return
        await self.answer(ctx, answer)

    @club.command(name="shelf", description="what the club has read: most read, best rated")
    @club_cooldown
    async def club_shelf(self, ctx: commands.Context) -> None:
        if (context := await self._club_context(ctx)) is not None:
            names = {key: m.display_name for key, m in context[1].items()}
            await self.answer(ctx, await self.clubs.shelf(context[0], user_key(ctx.author), names))

    @club.command(name="who", description="the members whose shelves sit closest to a book")
    @club_cooldown
    async def club_who(self, ctx: commands.Context, *, title: str) -> None:
        if (context := await self._club_context(ctx)) is not None:
            names = {key: m.display_name for key, m in context[1].items()}
            await self.answer(ctx, await self.clubs.who(context[0], user_key(ctx.author), names,
                                                        title))

    @club.command(name="current", description="the club's current book; with a title, set it")
    @club_cooldown
    async def club_current(self, ctx: commands.Context, *, title: str = "") -> None:
        if (context := await self._club_context(ctx)) is not None:
            names = {key: m.display_name for key, m in context[1].items()}
            await self.answer(ctx, await self.clubs.current(context[0], user_key(ctx.author),
                                                            names, title))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Discord posts a poll's result as a message from the poll's author: when it is one of
        this bot's club polls, the winner becomes the club's current book. The result message
        itself names the server and the winner, so this holds across restarts."""
        me = self.bot.user
        if (message.type is not discord.MessageType.poll_result or message.guild is None
                or me is None or message.author.id != me.id or not message.embeds):
            return
        fields = {field.name: field.value for field in message.embeds[0].fields}
        if fields.get("poll_question_text") != CLUB_POLL_QUESTION:
            return
        # No winner field when nobody voted or answers tied: the current book stays.
        title = unclip(fields.get("victor_answer_text") or "", self.service.rec.title_to_id)
        if title is not None:
            await self.clubs.poll_won(guild_key(message.guild), title, user_key(me))

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left a server (or was removed): its club goes with it."""
        await self.service.store.drop_club(guild_key(guild))

    # Slash-command title boxes autocomplete from the catalog.
    @similar.autocomplete("title")
    @info.autocomplete("title")
    @map_.autocomplete("title")
    @read.autocomplete("title")
    @unread.autocomplete("title")
    @undismiss.autocomplete("title")
    @club_who.autocomplete("title")
    @club_current.autocomplete("title")
    async def _title_autocomplete(self, interaction: discord.Interaction, current: str
                                  ) -> list[app_commands.Choice[str]]:
        return await self.title_choices(interaction, current)

    # -- owner only: publish slash commands (never automatically) --
    @commands.command(name=SYNC.name, description=SYNC.description, hidden=True)
    @commands.is_owner()
    async def sync(self, ctx: commands.Context) -> None:
        synced = await self.bot.tree.sync()
        await ctx.send(f"Synced {len(synced)} slash commands.", allowed_mentions=NONE)
