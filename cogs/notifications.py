"""/notifications: a private panel of three toggles for the request DMs a member gets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.requests import Requests
from bot.services.requests.prefs import KINDS, Preferences, Prefs
from cogs.components import Guarded, GuardedView

if TYPE_CHECKING:
    from bot.app import MediaNest

LABELS = {
    "discord_requests": "My requests made in Discord",
    "elsewhere_requests": "My requests made elsewhere",
    "followed_media": "Media I follow",
}
INTRO = (
    "Which DMs do you want? Press a button to turn it on or off. "
    '"Elsewhere" means Overseerr\'s website, your Plex watchlist or another app.'
)


def panel(prefs: Prefs) -> tuple[str, discord.ui.View]:
    """The panel's text and its three toggle buttons (green: on)."""
    view = GuardedView(timeout=None)
    lines = [INTRO]
    for kind in KINDS:
        on = prefs.wants(kind)
        lines.append(f"{'🔔' if on else '🔕'} {LABELS[kind]}: **{'on' if on else 'off'}**")
        style = discord.ButtonStyle.success if on else discord.ButtonStyle.secondary
        view.add_item(NotifyToggle(kind, LABELS[kind], style))
    view.stop()
    return "\n".join(lines), view


class NotifyToggle(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"notify:(?P<kind>discord_requests|elsewhere_requests|followed_media)",
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


class NotificationsCog(commands.Cog):
    """Receives /notifications and the toggle presses; the choices live in `Preferences`."""

    def __init__(self, bot: MediaNest, requests: Requests) -> None:
        self.bot = bot
        self.requests = requests

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(NotifyToggle)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(NotifyToggle)

    @app_commands.command(name="notifications")
    async def notifications(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Choose which request DMs you get."""
        text, view = panel(await self.requests.notification_prefs(interaction.user.id))
        await interaction.response.send_message(text, view=view, ephemeral=True)


async def setup(bot: MediaNest) -> None:
    """On with media requests: /notifications chooses which request DMs a member gets."""
    requests = bot.features.get(Requests)
    if requests is not None:
        await bot.add_cog(NotificationsCog(bot, requests))
