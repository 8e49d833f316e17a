"""/notifications: a private panel of toggles for the request DMs a member gets, and whether
public posts may name them as the one who asked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserError
from bot.services.outbox import SHOW_PREFIX
from bot.services.requests import Requests
from bot.services.requests.prefs import TOGGLES, Preferences, Prefs
from cogs.components import Guarded, GuardedView

if TYPE_CHECKING:
    from bot.app import MediaNest

LABELS = {
    "discord_requests": "My requests made in Discord",
    "elsewhere_requests": "My requests made elsewhere",
    "followed_media": "Media I follow",
    "name_in_public": "Name me in public posts",
}
INTRO = (
    "Which DMs do you want? Press a button to turn it on or off. "
    '"Elsewhere" means Overseerr\'s website, your Plex watchlist or another app. '
    '"Name me" lets posts everyone sees (New on Plex, YouTube) say you asked for it.'
)


def panel(prefs: Prefs) -> tuple[str, discord.ui.View]:
    """The panel's text and its toggle buttons (green: on)."""
    view = GuardedView(timeout=None)
    lines = [INTRO]
    for kind in TOGGLES:
        on = bool(getattr(prefs, kind))
        lines.append(f"{'🔔' if on else '🔕'} {LABELS[kind]}: **{'on' if on else 'off'}**")
        style = discord.ButtonStyle.success if on else discord.ButtonStyle.secondary
        view.add_item(NotifyToggle(kind, LABELS[kind], style))
    view.stop()
    return "\n".join(lines), view


class NotifyToggle(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"notify:(?P<kind>discord_requests|elsewhere_requests|followed_media|name_in_public)",
):
    """One toggle; it changes the presser's own choices, so anyone may press it."""

    def __init__(
        self,
        kind: str,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"notify:{kind}"))
        self.kind = kind

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        prefs = await Preferences().toggle(interaction.user.id, self.kind)
        text, view = panel(prefs)
        await interaction.response.edit_message(content=text, view=view)


class NotForYou(UserError):
    message = "That message is for someone else."


class ShowHidden(
    Guarded, discord.ui.DynamicItem[discord.ui.Button], template=SHOW_PREFIX + r"(?P<outbox_id>\d+)"
):
    """Shows a DM that could not be sent, privately, to the member it was for."""

    def __init__(self, outbox_id: int) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Show me", custom_id=f"{SHOW_PREFIX}{outbox_id}"
        )
        super().__init__(button)
        self.outbox_id = outbox_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        outbox = interaction.client.services.outbox
        row = await outbox.hidden_message(self.outbox_id, interaction.user.id)
        if row is None:
            raise NotForYou()
        embed = discord.Embed.from_dict(row.embed) if row.embed else discord.utils.MISSING
        await interaction.response.send_message(row.content, embed=embed, ephemeral=True)


class NotificationsCog(commands.Cog):
    """Receives /notifications and the toggle presses; the choices live in `Preferences`."""

    def __init__(self, bot: MediaNest, prefs: Preferences) -> None:
        self.bot = bot
        self.prefs = prefs

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(NotifyToggle, ShowHidden)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(NotifyToggle, ShowHidden)

    @app_commands.command(name="notifications")
    async def notifications(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Choose which request DMs you get, and whether public posts may name you."""
        text, view = panel(await self.prefs.of(interaction.user.id))
        await interaction.response.send_message(text, view=view, ephemeral=True)


async def setup(bot: MediaNest) -> None:
    """On with media requests: /notifications chooses which request DMs a member gets."""
    requests = bot.features.get(Requests)
    if requests is not None:
        await bot.add_cog(NotificationsCog(bot, requests.prefs))
