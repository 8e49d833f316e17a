"""/help: what the bot can do for this user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import Lang
from bot.i18n.discord import command_description, command_name, lang_of
from cogs import disabled_features
from cogs.checks import is_admin

if TYPE_CHECKING:
    from bot.app import MediaNest

ADMIN_ONLY = "admin_only"


class HelpCog(commands.Cog):
    """Lists the commands that are set up here, hiding admin ones from non-admins."""

    def __init__(self, bot: MediaNest) -> None:
        self.bot = bot
        # By language and admin flag, for these top-level commands (a later extension
        # starts afresh).
        self._embeds: dict[tuple[str, bool], discord.Embed] = {}
        self._built_for: tuple[object, ...] = ()

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Show what MediaNest can do for you."""
        admin = await is_admin(interaction)
        t = lang_of(interaction)
        commands_now = tuple(self.bot.tree.get_commands())
        if commands_now != self._built_for:
            self._embeds.clear()
            self._built_for = commands_now
        embed = self._embeds.get((t.code, admin))
        if embed is None:
            embed = self._embeds[(t.code, admin)] = self.build(t, admin)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    def build(self, t: Lang, admin: bool) -> discord.Embed:
        """The reply for an admin or for everyone else, in one language."""
        lines = [
            f"`/{command_name(t, cmd.qualified_name)}` — {command_description(t, cmd.description)}"
            for cmd in sorted(self.bot.tree.walk_commands(), key=lambda c: c.qualified_name)
            if isinstance(cmd, app_commands.Command) and (admin or not admin_only(cmd))
        ]
        embed = discord.Embed(
            title="MediaNest",
            description=t._("Here's what I can do for you:") + "\n" + "\n".join(lines),
            colour=discord.Colour(0xE5A00D),
        )
        off = disabled_features(self.bot.settings)
        if off and admin:
            value = "\n".join(t._(line) for line in off)[:1024]
            embed.add_field(name=t._("Not set up"), value=value, inline=False)
        return embed


def admin_only(command: app_commands.Command[Any, ..., Any]) -> bool:
    """Whether the command or a group it is in is marked admin-only."""
    found: app_commands.Command[Any, ..., Any] | app_commands.Group | None = command
    while found is not None:
        if found.extras.get(ADMIN_ONLY):
            return True
        found = found.parent
    return False


async def setup(bot: MediaNest) -> None:
    """/help is always on."""
    await bot.add_cog(HelpCog(bot))
