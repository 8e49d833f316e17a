"""/setup: a private panel where an admin picks the bot's channels and admin role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotAllowed
from bot.services.setup import Chooser, PlaceState, SetupReport, SetupReview
from cogs.checks import is_admin, requires_admin
from cogs.components import GuardedView
from cogs.help import ADMIN_ONLY

if TYPE_CHECKING:
    from bot.app import MediaNest

PANEL_TIMEOUT = 15 * 60
TEXT_CHANNELS = [discord.ChannelType.text, discord.ChannelType.news]


def place_text(state: PlaceState) -> str:
    """One place's value, who set it and what the bot found there."""
    choice = state.choice
    if choice.value is None:
        return f"not set · {choice.place.purpose}"
    mention = f"<#{choice.value}>" if choice.place.kind == "channel" else f"<@&{choice.value}>"
    lines = [mention + (f" · 🔒 set by {choice.locked_by}" if choice.locked_by else "")]
    found = state.check
    if found is not None:
        lines.append(("✅ " if found.ok else "❌ ") + found.detail())
        if found.public and choice.place.name == "health_channel_id":
            lines.append("⚠️ visible to @everyone: alerts are for admins, make it private")
    return "\n".join(lines)


def panel_embed(report: SetupReport) -> discord.Embed:
    """The panel: each place, then every service's state."""
    embed = discord.Embed(
        title="MediaNest set-up",
        description="Pick the channels and the admin role below; changes apply at once.",
        colour=discord.Colour.blurple(),
    )
    for state in report.places:
        embed.add_field(name=state.choice.place.label, value=place_text(state), inline=False)
    if report.discord_problem:
        embed.add_field(name="Channel checks", value=f"❌ {report.discord_problem}", inline=False)
    services = [
        f"{'✅' if r.ok else '❌'} **{r.name}** {r.detail}"
        + (f" ({r.latency_ms:.0f} ms)" if r.latency_ms is not None else "")
        for r in report.services
    ]
    embed.add_field(name="Services", value="\n".join(services)[:1024] or "none", inline=False)
    return embed


def chooser(interaction: discord.Interaction[MediaNest]) -> Chooser:
    roles = tuple(r.id for r in getattr(interaction.user, "roles", []))
    guild = interaction.guild
    return Chooser(
        interaction.user.id, roles, interaction.guild_id or 0, guild.owner_id if guild else None
    )


class PlaceSelect(discord.ui.ChannelSelect["SetupPanel"]):
    """A channel pick; picking nothing forgets the stored channel."""

    def __init__(self, state: PlaceState, row: int) -> None:
        choice = state.choice
        place = choice.place
        locked = choice.locked_by is not None
        super().__init__(
            custom_id=f"setup:{place.name}",
            channel_types=TEXT_CHANNELS,
            placeholder=f"{place.label}: "
            + (f"set by {choice.locked_by}" if locked else place.purpose),
            min_values=0,
            max_values=1,
            default_values=[discord.Object(choice.value)] if choice.value else [],
            disabled=locked,
            row=row,
        )
        self.name = place.name

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        picked = self.values[0].id if self.values else None
        assert self.view is not None
        await self.view.choose(interaction, self.name, picked)


class AdminRoleSelect(discord.ui.RoleSelect["SetupPanel"]):
    """The admin role pick; picking nothing forgets the stored role."""

    def __init__(self, state: PlaceState, row: int) -> None:
        choice = state.choice
        locked = choice.locked_by is not None
        super().__init__(
            custom_id="setup:admin_role_id",
            placeholder="Admin role: " + (f"set by {choice.locked_by}" if locked else "none"),
            min_values=0,
            max_values=1,
            default_values=[discord.Object(choice.value)] if choice.value else [],
            disabled=locked,
            row=row,
        )

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        picked = self.values[0].id if self.values else None
        assert self.view is not None
        await self.view.choose(interaction, "admin_role_id", picked)


class SetupPanel(GuardedView):
    """The panel's selects and buttons; only admins may use them."""

    def __init__(self, review: SetupReview, report: SetupReport) -> None:
        super().__init__(timeout=PANEL_TIMEOUT)
        self.review = review
        for row, state in enumerate(report.places):
            if state.choice.place.kind == "channel":
                self.add_item(PlaceSelect(state, row))
            else:
                self.add_item(AdminRoleSelect(state, row))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if not await is_admin(interaction):
            raise NotAllowed()
        return True

    async def choose(
        self, interaction: discord.Interaction[MediaNest], name: str, value: int | None
    ) -> None:
        await self.review.choose(name, value, chooser(interaction))
        await interaction.response.defer()
        await self.refresh(interaction)

    async def refresh(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Check everything again and redraw the panel in place."""
        report = await self.review.report(interaction.guild_id or 0)
        self.stop()
        await interaction.edit_original_response(
            embed=panel_embed(report), view=SetupPanel(self.review, report)
        )

    @discord.ui.button(
        label="Re-check", style=discord.ButtonStyle.secondary, custom_id="setup:recheck", row=4
    )
    async def recheck(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        await self.refresh(interaction)


class SetupCog(commands.Cog):
    """Finishes an install from Discord."""

    def __init__(self, bot: MediaNest, review: SetupReview) -> None:
        self.bot = bot
        self.review = review

    @app_commands.command(name="setup", extras={ADMIN_ONLY: True})
    @app_commands.guild_only()
    @requires_admin()
    async def setup(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Choose the bot's channels and admin role, and check every service."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.review.report(interaction.guild_id or 0)
        await interaction.followup.send(
            embed=panel_embed(report), view=SetupPanel(self.review, report), ephemeral=True
        )
