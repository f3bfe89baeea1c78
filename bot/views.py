"""Buttons: page through a long answer, and confirm `forget`. Only the person who asked can
press them; they switch themselves off when they time out."""

from __future__ import annotations

import discord

from bot import answers as a
from bot.render_text import render

NONE = discord.AllowedMentions.none()


class OwnedView(discord.ui.View):
    def __init__(self, owner_id: int, timeout: float = 180.0):
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("These buttons belong to someone else's "
                                                    "command.", ephemeral=True,
                                                    allowed_mentions=NONE)
            return False
        return True

    async def on_timeout(self) -> None:
        for item in self.children:
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
