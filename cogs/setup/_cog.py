"""/setup: a private panel where an admin picks the bot's channels and admin role."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_, Lang
from bot.i18n.discord import lang_of
from bot.services.setup import Chooser, PlaceState, SetupReport, SetupReview
from bot.services.webhook_agent import AgentState, DeliveryReport
from cogs.checks import requires_admin
from cogs.components import AdminView
from cogs.help import ADMIN_ONLY
from cogs.setup._embeds import panel_embed, replace_embed

if TYPE_CHECKING:
    from bot.app import MediaNest

PANEL_TIMEOUT = 15 * 60
TEXT_CHANNELS = [discord.ChannelType.text, discord.ChannelType.news]


def chooser(interaction: discord.Interaction[MediaNest]) -> Chooser:
    roles = tuple(r.id for r in getattr(interaction.user, "roles", []))
    guild = interaction.guild
    return Chooser(
        interaction.user.id, roles, interaction.guild_id or 0, guild.owner_id if guild else None
    )


def select_options(t: Lang, state: PlaceState, row: int) -> dict[str, Any]:
    """What a place's select shows: its value, or that the environment sets it."""
    choice = state.choice
    place = choice.place
    locked = choice.locked_by is not None
    why = t._("set by {variable}", variable=choice.locked_by) if locked else t._(place.purpose)
    return dict(
        custom_id=f"setup:{place.name}",
        placeholder=t._("{place}: {why}", place=t._(place.label), why=why)[:150],
        min_values=0,  # picking nothing forgets the stored value
        max_values=1,
        default_values=[discord.Object(choice.value)] if choice.value else [],
        disabled=locked,
        row=row,
    )


class PlaceSelect(discord.ui.ChannelSelect["SetupPanel"]):
    """A channel pick."""

    def __init__(self, t: Lang, state: PlaceState, row: int) -> None:
        super().__init__(channel_types=TEXT_CHANNELS, **select_options(t, state, row))
        self.name = state.choice.place.name

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        assert self.view is not None
        await self.view.choose(interaction, self.name, self.values[0].id if self.values else None)


class AdminRoleSelect(discord.ui.RoleSelect["SetupPanel"]):
    """The admin role pick."""

    def __init__(self, t: Lang, state: PlaceState, row: int) -> None:
        super().__init__(**select_options(t, state, row))
        self.name = state.choice.place.name

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        assert self.view is not None
        await self.view.choose(interaction, self.name, self.values[0].id if self.values else None)


class SetupPanel(AdminView):
    """The panel's selects and buttons; only admins may use them."""

    def __init__(self, t: Lang, review: SetupReview, report: SetupReport) -> None:
        super().__init__(timeout=PANEL_TIMEOUT)
        self.review = review
        self.report = report
        for row, state in enumerate(report.places):
            if state.choice.place.kind == "channel":
                self.add_item(PlaceSelect(t, state, row))
            else:
                self.add_item(AdminRoleSelect(t, state, row))
        self.recheck.label = t._("Re-check")
        self.set_up_webhook.label = t._("Set up webhook")
        self.test_webhook.label = t._("Send test")
        plan = report.webhook
        if plan is None:
            self.remove_item(self.set_up_webhook)
            self.remove_item(self.test_webhook)
        elif plan.up_to_date:
            self.remove_item(self.set_up_webhook)
        elif plan.state not in (AgentState.INCOMPLETE,):
            self.remove_item(self.test_webhook)

    async def choose(
        self, interaction: discord.Interaction[MediaNest], name: str, value: int | None
    ) -> None:
        await self.review.choose(name, value, chooser(interaction))
        await interaction.response.defer()
        await self.refresh(interaction)

    async def refresh(
        self, interaction: discord.Interaction[MediaNest], tested: DeliveryReport | None = None
    ) -> None:
        """Check everything again and redraw the panel in place."""
        self.stop()  # first: the new panel reuses this message and these custom ids
        await redraw(interaction, self.review, tested)

    @discord.ui.button(
        label=N_("Re-check"), style=discord.ButtonStyle.secondary, custom_id="setup:recheck", row=4
    )
    async def recheck(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        await self.refresh(interaction)

    @discord.ui.button(
        label=N_("Set up webhook"),
        style=discord.ButtonStyle.primary,
        custom_id="setup:webhook",
        row=4,
    )
    async def set_up_webhook(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        plan = self.report.webhook
        await interaction.response.defer()
        if plan is not None and plan.needs_confirmation:
            self.stop()
            t = lang_of(interaction)
            await interaction.edit_original_response(
                embed=replace_embed(t, plan), view=ReplaceWebhook(t, self.review)
            )
            return
        applied = await self.review.apply_webhook()
        await self.refresh(interaction, applied.test)

    @discord.ui.button(
        label=N_("Send test"), style=discord.ButtonStyle.secondary, custom_id="setup:test", row=4
    )
    async def test_webhook(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        await self.refresh(interaction, await self.review.test_webhook())


async def redraw(
    interaction: discord.Interaction[MediaNest],
    review: SetupReview,
    tested: DeliveryReport | None = None,
) -> None:
    """Check everything and show the panel in the message the interaction came from."""
    report = await review.report(interaction.guild_id or 0)
    report = dataclasses.replace(report, webhook_test=tested)
    t = lang_of(interaction)
    await interaction.edit_original_response(
        embed=panel_embed(t, report), view=SetupPanel(t, review, report)
    )


class ReplaceWebhook(AdminView):
    """Asks before the bot takes over a webhook agent that points elsewhere."""

    def __init__(self, t: Lang, review: SetupReview) -> None:
        super().__init__(timeout=PANEL_TIMEOUT)
        self.review = review
        self.replace.label = t._("Replace it")
        self.keep.label = t._("Keep it")

    @discord.ui.button(
        label=N_("Replace it"), style=discord.ButtonStyle.danger, custom_id="setup:replace"
    )
    async def replace(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        applied = await self.review.apply_webhook(replace_elsewhere=True)
        self.stop()
        await redraw(interaction, self.review, applied.test)

    @discord.ui.button(
        label=N_("Keep it"), style=discord.ButtonStyle.secondary, custom_id="setup:keep"
    )
    async def keep(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        self.stop()
        await redraw(interaction, self.review)


class SetupCog(commands.Cog):
    """Finishes an install from Discord."""

    def __init__(self, bot: MediaNest, review: SetupReview) -> None:
        self.bot = bot
        self.review = review

    @app_commands.command(name="setup", extras={ADMIN_ONLY: True})
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members; see checks.py
    @requires_admin()
    async def setup(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Choose the bot's channels and admin role, check services, set Overseerr's webhook."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.review.report(interaction.guild_id or 0)
        t = lang_of(interaction)
        await interaction.followup.send(
            embed=panel_embed(t, report), view=SetupPanel(t, self.review, report), ephemeral=True
        )
