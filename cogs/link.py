"""/link, /unlink, /account: the Discord side of Plex account linking."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.i18n.discord import lang_of

if TYPE_CHECKING:
    from bot.app import MediaNest
    from bot.services.linking import LinkingService

PLEX_ORANGE = discord.Colour(0xE5A00D)
ROLES = {"admin": N_("Admin"), "user": N_("User")}


def stamp(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp that each reader sees in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


class LinkCog(commands.Cog):
    """Receives the linking commands and defers the work to the linking service."""

    def __init__(self, bot: MediaNest, linking: LinkingService) -> None:
        self.bot = bot
        self.linking = linking

    @app_commands.command(name="link")
    async def link(self, interaction: discord.Interaction) -> None:
        """Link your Plex account so you can request media and more."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        t = lang_of(interaction)
        start = await self.linking.start(interaction.user.id)
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label=t._("Sign in with Plex"), url=start.url))
        await interaction.followup.send(
            t._(
                "Sign in with Plex to link your account. This link is only for you and works "
                "until {time}. I'll DM you when it's done.",
                time=stamp(start.expires_at, "t"),
            ),
            view=view,
            ephemeral=True,
        )

    @app_commands.command(name="unlink")
    async def unlink(self, interaction: discord.Interaction) -> None:
        """Forget your Plex link and its token."""
        t = lang_of(interaction)
        if await self.linking.unlink(interaction.user.id):
            text = t._(
                "Your Plex account is unlinked and its token deleted. Run `/link` to link again."
            )
        else:
            text = t._("You have no Plex account linked.")
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="account")
    async def account(self, interaction: discord.Interaction) -> None:
        """Show which Plex account you are linked to."""
        t = lang_of(interaction)
        link = await self.linking.get_link(interaction.user.id)
        if link is None:
            await interaction.response.send_message(
                t._("You have no Plex account linked. Run `/link` to link one."), ephemeral=True
            )
            return
        embed = discord.Embed(title=t._("Your Plex link"), colour=PLEX_ORANGE)
        embed.add_field(name=t._("Plex user"), value=link.plex_username)
        embed.add_field(name=t._("Role"), value=t._(ROLES.get(link.role.value, link.role.value)))
        embed.add_field(name=t._("Linked since"), value=stamp(link.linked_at, "D"))
        embed.add_field(name=t._("Last verified"), value=stamp(link.verified_at, "R"))
        requests = self.bot.services.requests
        if requests is not None:
            account = await requests.overseerr_account(link.plex_user_id)
            embed.add_field(name=t._("Overseerr user"), value=t.render(account), inline=False)
        mentions = self.bot.services.mentions
        if mentions is not None:
            mention = await mentions.describe(interaction.user.id, link.plex_user_id)
            embed.add_field(
                name=t._("Overseerr notifications"), value=t.render(mention), inline=False
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)
