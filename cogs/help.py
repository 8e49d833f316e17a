"""/help: what the bot can do for this user."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n.discord import command_description, command_name, lang_of
from cogs.checks import is_admin

if TYPE_CHECKING:
    from bot.app import MediaNest

ADMIN_ONLY = "admin_only"


class HelpCog(commands.Cog):
    """Lists the commands that are set up here, hiding admin ones from non-admins."""

    def __init__(self, bot: MediaNest) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Show what MediaNest can do for you."""
        admin = await is_admin(interaction)
        t = lang_of(interaction)
        lines = [
            f"`/{command_name(t, cmd.qualified_name)}` — {command_description(t, cmd.description)}"
            for cmd in sorted(self.bot.tree.walk_commands(), key=lambda c: c.qualified_name)
            if isinstance(cmd, app_commands.Command) and (admin or not cmd.extras.get(ADMIN_ONLY))
        ]
        embed = discord.Embed(
            title="MediaNest",
            description=t._("Here's what I can do for you:") + "\n" + "\n".join(lines),
            colour=discord.Colour(0xE5A00D),
        )
        off = self.bot.settings.disabled_features()
        if off and admin:
            value = "\n".join(t._(line) for line in off)[:1024]
            embed.add_field(name=t._("Not set up"), value=value, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: MediaNest) -> None:
    """/help is always on."""
    await bot.add_cog(HelpCog(bot))
