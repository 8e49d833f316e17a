"""/link, /unlink, /account: the Discord side of Plex account linking."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import MediaNest
    from bot.services.linking import LinkingService

PLEX_ORANGE = discord.Colour(0xE5A00D)


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
        start = await self.linking.start(interaction.user.id)
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Sign in with Plex", url=start.url))
        await interaction.followup.send(
            "Sign in with Plex to link your account. This link is only for you and works "
            f"until {stamp(start.expires_at, 't')}. I'll DM you when it's done.",
            view=view,
            ephemeral=True,
        )

    @app_commands.command(name="unlink")
    async def unlink(self, interaction: discord.Interaction) -> None:
        """Forget your Plex link and its token."""
        if await self.linking.unlink(interaction.user.id):
            text = "Your Plex account is unlinked and its token deleted. Run `/link` to link again."
        else:
            text = "You have no Plex account linked."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="account")
    async def account(self, interaction: discord.Interaction) -> None:
        """Show which Plex account you are linked to."""
        link = await self.linking.get_link(interaction.user.id)
        if link is None:
            await interaction.response.send_message(
                "You have no Plex account linked. Run `/link` to link one.", ephemeral=True
            )
            return
        embed = discord.Embed(title="Your Plex link", colour=PLEX_ORANGE)
        embed.add_field(name="Plex user", value=link.plex_username)
        embed.add_field(name="Role", value=link.role.value.capitalize())
        embed.add_field(name="Linked since", value=stamp(link.linked_at, "D"))
        embed.add_field(name="Last verified", value=stamp(link.verified_at, "R"))
        requests = self.bot.services.requests
        if requests is not None:
            account = await requests.overseerr_account(link.plex_user_id)
            embed.add_field(name="Overseerr user", value=account, inline=False)
        mentions = self.bot.services.mentions
        if mentions is not None:
            mention = await mentions.describe(interaction.user.id, link.plex_user_id)
            embed.add_field(name="Overseerr notifications", value=mention, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)
