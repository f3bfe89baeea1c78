"""Message components. Buttons page through a long answer and confirm `forget`; they switch
themselves off when they time out. Menus offer "one tap instead of retyping": a "did you mean" or
"which one" answer carries a menu of its books that runs the same command on the one chosen, and
picks (`next`, `similar`) carry a "not for me" menu. Menus keep everything they need in their
custom ids (the command, the rating or count, the asker) and books as catalog keys
(bot/book_keys.py), so they work as long as the message exists, across restarts: they are
discord.py `DynamicItem`s, registered at start-up (bot/discord_bot.py).

Only the person who asked can use any of them, and every answer mentions nobody."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import discord

from bot import answers as a
from bot.book_keys import book_key
from bot.render_discord import Reply, clip
from bot.render_discord import render as render_discord
from bot.render_text import render
from bot.service import CHOOSABLE
from bot.store import StoreError

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
NOT_YOURS = "These controls belong to someone else's command."
DAMAGED = "That menu is damaged or out of date, so nothing was changed."
OPTION_LIMIT = 25  # Discord: options in one select menu
LABEL_LIMIT = 100  # Discord: an option's label and description
PLACEHOLDER_LIMIT = 150
CHOICE_ID = re.compile(r"(?P<command>[a-z]{1,20}):(?P<owner>[0-9]{1,20}):(?P<number>[0-9]{0,4})")
OWNER_ID = re.compile(r"[0-9]{1,20}")  # ASCII digits only


def user_key(user: discord.abc.User) -> str:
    """The store's key for a Discord user."""
    return f"discord:{user.id}"


class OwnedView(discord.ui.View):
    def __init__(self, owner_id: int, timeout: float = 180.0):
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True,
                                                    allowed_mentions=NONE)
            return False
        return True

    async def on_timeout(self) -> None:
        # Menus outlive the view's buttons: they keep working (see the module's docstring).
        for item in self.children:
            if not isinstance(item, discord.ui.DynamicItem):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass  # deleted or no longer editable: nothing to switch off


class PagerView(OwnedView):
    def __init__(self, owner_id: int, pages: list[discord.Embed]):
        super().__init__(owner_id)
        self.pages = pages
        self.index = 0
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.more.disabled = self.index >= len(self.pages) - 1

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self,
                                                allowed_mentions=NONE)

    @discord.ui.button(label="◀ Back", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button):
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="More ▶", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button):
        await self._show(interaction, self.index + 1)


class ConfirmForgetView(OwnedView):
    def __init__(self, owner_id: int, service, user: str):
        super().__init__(owner_id, timeout=60.0)
        self.service = service
        self.user = user

    async def _finish(self, interaction: discord.Interaction, text: str) -> None:
        for item in self.children:
            item.disabled = True
        self.stop()
        await interaction.response.edit_message(content=text, view=self, allowed_mentions=NONE)

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button):
        answer = await self.service.forget(self.user, confirm=True)
        await self._finish(interaction, render(answer))

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button):
        await self._finish(interaction, render(a.Problem("Cancelled: nothing was deleted.")))


# -- menus that outlive a restart --

@dataclass(frozen=True)
class ChoiceTarget:
    """What a "did you mean" menu runs: `command` again, for `owner`, with `number` (the rating
    or count typed after the title)."""
    command: str
    owner: int
    number: int | None = None

    @property
    def custom_id(self) -> str:
        return f"{ChoiceMenu.PREFIX}{self.command}:{self.owner}:" + \
            ("" if self.number is None else str(self.number))

    @classmethod
    def parse(cls, body: str) -> ChoiceTarget | None:
        match = CHOICE_ID.fullmatch(body)
        if match is None or match["command"] not in CHOOSABLE:
            return None
        number = match["number"]
        return cls(match["command"], int(match["owner"]), int(number) if number else None)


def _options(books: Sequence[tuple[str, str]]) -> list[discord.SelectOption]:
    """(title, description) as options whose values are book keys: at most 25, no repeats."""
    options, seen = [], set()
    for title, description in books:
        key = book_key(title)
        if key in seen:
            continue
        seen.add(key)
        options.append(discord.SelectOption(label=clip(title, LABEL_LIMIT), value=key,
                                            description=clip(description, LABEL_LIMIT) or None))
    return options[:OPTION_LIMIT]


class _OwnedMenu:
    """The checks every menu makes before it acts: the asker's, well-formed, not too fast."""
    owner: int | None
    item: discord.ui.Select

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.owner is not None and interaction.user.id != self.owner:
            await _tell(interaction, NOT_YOURS)
            return False
        return True

    def _chosen(self, interaction: discord.Interaction) -> list[str] | None:
        """The catalog titles chosen, or None if any value is not one of the menu's own options
        or names no catalog book (forged, or the catalog changed since)."""
        offered = {option.value for option in self.item.options}
        values = list(self.item.values)
        if not values or not set(values) <= offered:
            return None
        titles = [interaction.client.service.title_for_key(v) for v in values]
        return None if None in titles else titles

    async def _act(self, interaction: discord.Interaction, ephemeral: bool,
                   work: Callable[[], Awaitable[None]]) -> None:
        """Answer within Discord's 3 s (defer), then do `work`; failures get one short line."""
        service = interaction.client.service
        if problem := service.slow_down(user_key(interaction.user)):
            await _tell(interaction, problem.message)
            return
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        try:
            await work()
        except StoreError as exc:
            log.warning("menu: %s", exc)
            await _follow_up(interaction, a.STORE_DOWN.message)
        except Exception:
            log.exception("menu %s failed", self.item.custom_id)
            await _follow_up(interaction, "Something went wrong on the bot's side; nothing was changed.")


class ChoiceMenu(_OwnedMenu, discord.ui.DynamicItem[discord.ui.Select],
                 template=re.compile(r"ws:pick:(?P<body>.*)", re.S)):
    """One book of a "did you mean" / "which one" answer: runs the same command on it."""
    PREFIX = "ws:pick:"

    def __init__(self, target: ChoiceTarget | None, select: discord.ui.Select):
        super().__init__(select)
        self.target = target
        self.owner = target.owner if target is not None else None

    @classmethod
    def offer(cls, target: ChoiceTarget, answer: a.NoMatch) -> ChoiceMenu:
        placeholder = f"Which book of {answer.series}?" if answer.series else \
            "Choose the book you meant"
        return cls(target, discord.ui.Select(
            custom_id=target.custom_id, placeholder=clip(placeholder, PLACEHOLDER_LIMIT),
            options=_options([(title, "") for title in answer.options])))

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ChoiceMenu:
        return cls(ChoiceTarget.parse(match["body"]), item)

    async def callback(self, interaction: discord.Interaction) -> None:
        titles = self._chosen(interaction) if self.target is not None else None
        if titles is None or len(titles) != 1:
            await _tell(interaction, DAMAGED)
            return
        target = self.target

        async def work() -> None:
            answer = await interaction.client.service.choose(
                target.command, user_key(interaction.user), titles[0], target.number)
            try:
                await post_answer(_followup_sender(interaction), answer, target.command,
                                  interaction.user.id)
            finally:
                if isinstance(answer, a.MapImage):
                    with contextlib.suppress(OSError):
                        answer.path.unlink()
        await self._act(interaction, False, work)


class NotForMeMenu(_OwnedMenu, discord.ui.DynamicItem[discord.ui.Select],
                   template=re.compile(r"ws:nfm:(?P<body>.*)", re.S)):
    """Books of a `next` or `similar` list the asker never wants picked again."""
    PREFIX = "ws:nfm:"

    def __init__(self, owner: int | None, select: discord.ui.Select):
        super().__init__(select)
        self.owner = owner

    @classmethod
    def offer(cls, owner: int, books: Sequence[a.Book]) -> NotForMeMenu:
        options = _options([(book.title, book.author) for book in books])
        return cls(owner, discord.ui.Select(
            custom_id=f"{cls.PREFIX}{owner}", placeholder="Not for me: never pick these again",
            options=options, min_values=1, max_values=len(options)))

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> NotForMeMenu:
        body = match["body"]
        return cls(int(body) if OWNER_ID.fullmatch(body) else None, item)

    async def callback(self, interaction: discord.Interaction) -> None:
        titles = self._chosen(interaction) if self.owner is not None else None
        if titles is None:
            await _tell(interaction, DAMAGED)
            return

        async def work() -> None:
            answer = await interaction.client.service.dismiss(user_key(interaction.user), titles)
            await _follow_up(interaction, render(answer))
        await self._act(interaction, True, work)


MENUS = (ChoiceMenu, NotForMeMenu)  # registered with the bot at start-up


def controls(answer: a.Answer, command: str, owner: int) -> list[discord.ui.Item]:
    """The menus an answer carries in Discord."""
    if isinstance(answer, a.NoMatch) and answer.options and command in CHOOSABLE:
        return [ChoiceMenu.offer(ChoiceTarget(command, owner, answer.number), answer)]
    if isinstance(answer, a.Picks) and answer.items:
        return [NotForMeMenu.offer(owner, [pick.book for pick in answer.items])]
    if isinstance(answer, a.SimilarBooks) and answer.items:
        return [NotForMeMenu.offer(owner, [book for book, _ in answer.items])]
    return []


Sender = Callable[..., Awaitable[discord.Message | None]]


async def post(send: Sender, reply: Reply, owner: int, items: Sequence[discord.ui.Item] = (),
               ephemeral: bool = False) -> discord.Message | None:
    """Send one rendered answer with `send` (a context's or an interaction follow-up's), with
    its pager buttons and menus."""
    kwargs: dict = {"allowed_mentions": NONE}
    if ephemeral:
        kwargs["ephemeral"] = True
    if reply.content:
        kwargs["content"] = reply.content
    if reply.embed is not None:
        kwargs["embed"] = reply.embed
    if reply.file is not None:
        kwargs["file"] = reply.file
    view = PagerView(owner, reply.pages) if reply.pages else \
        discord.ui.View(timeout=None) if items else None
    for item in items:
        view.add_item(item)
    if view is not None:
        kwargs["view"] = view
    message = await send(**kwargs)
    if isinstance(view, OwnedView):
        view.message = message
    return message


async def post_answer(send: Sender, answer: a.Answer, command: str, owner: int
                      ) -> discord.Message | None:
    return await post(send, render_discord(answer, "!"), owner, controls(answer, command, owner))


def _followup_sender(interaction: discord.Interaction) -> Sender:
    async def send(**kwargs):
        return await interaction.followup.send(wait=True, **kwargs)
    return send


async def _tell(interaction: discord.Interaction, text: str) -> None:
    """A first, private answer to a component interaction."""
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)


async def _follow_up(interaction: discord.Interaction, text: str) -> None:
    await interaction.followup.send(render_discord(a.Problem(text)).content, ephemeral=True,
                                    allowed_mentions=NONE)
