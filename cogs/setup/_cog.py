"""/setup: a private panel where an admin picks the bot's channels and admin role."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_, Lang
from bot.i18n.discord import lang_of
from bot.services.announce import Announcements
from bot.services.setup import SetupReport, SetupReview
from bot.services.webhook_agent import AgentState, DeliveryReport
from cogs.checks import requires_admin
from cogs.components import AdminView
from cogs.help import ADMIN_ONLY
from cogs.setup._embeds import kinds_embed, new_on_plex_embed, panel_embed, replace_embed
from cogs.setup._pages import (
    PANEL_TIMEOUT,
    AdminRoleSelect,
    KindsPanel,
    NewOnPlexPanel,
    PlaceSelect,
    chooser,
)

if TYPE_CHECKING:
    from bot.app import MediaNest


class SetupPanel(AdminView):
    """The panel's selects and buttons; only admins may use them."""

    def __init__(
        self, t: Lang, review: SetupReview, report: SetupReport, announcements: Announcements | None
    ) -> None:
        super().__init__(timeout=PANEL_TIMEOUT)
        self.review = review
        self.report = report
        self.announcements = announcements
        main = [s for s in report.places if s.choice.place.group == "main"]
        for row, state in enumerate(main):
            if state.choice.place.kind == "channel":
                self.add_item(PlaceSelect(t, state, row))
            else:
                self.add_item(AdminRoleSelect(t, state, row))
        self.recheck.label = t._("Re-check")
        self.set_up_webhook.label = t._("Set up webhook")
        self.test_webhook.label = t._("Send test")
        self.kinds.label = t._("Channels per kind")
        self.new_on_plex.label = t._("New on Plex")
        plan = report.webhook
        if plan is None:
            self.remove_item(self.set_up_webhook)
            self.remove_item(self.test_webhook)
        elif plan.up_to_date:
            self.remove_item(self.set_up_webhook)
        elif plan.state not in (AgentState.INCOMPLETE,):
            self.remove_item(self.test_webhook)
        if announcements is None:
            self.remove_item(self.new_on_plex)

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
        await redraw(interaction, self.review, self.announcements, tested)

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
                embed=replace_embed(t, plan),
                view=ReplaceWebhook(t, self.review, self.announcements),
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

    @discord.ui.button(
        label=N_("Channels per kind"),
        style=discord.ButtonStyle.secondary,
        custom_id="setup:kinds",
        row=4,
    )
    async def kinds(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        """A second private panel: one channel per kind of message."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.review.report(interaction.guild_id or 0)
        t = lang_of(interaction)
        await interaction.followup.send(
            embed=kinds_embed(t, report, self.review.places),
            view=KindsPanel(t, self.review, report),
            ephemeral=True,
        )

    @discord.ui.button(
        label=N_("New on Plex"), style=discord.ButtonStyle.secondary, custom_id="setup:nop", row=4
    )
    async def new_on_plex(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        """A private panel for how New on Plex posts: as it arrives, daily or weekly."""
        assert self.announcements is not None
        schedule = await self.announcements.schedule()
        t = lang_of(interaction)
        await interaction.response.send_message(
            embed=new_on_plex_embed(t, schedule, interaction.client.settings),
            view=NewOnPlexPanel(t, self.announcements, schedule),
            ephemeral=True,
        )


async def redraw(
    interaction: discord.Interaction[MediaNest],
    review: SetupReview,
    announcements: Announcements | None,
    tested: DeliveryReport | None = None,
) -> None:
    """Check everything and show the panel in the message the interaction came from."""
    report = await review.report(interaction.guild_id or 0)
    report = dataclasses.replace(report, webhook_test=tested)
    t = lang_of(interaction)
    await interaction.edit_original_response(
        embed=panel_embed(t, report), view=SetupPanel(t, review, report, announcements)
    )


class ReplaceWebhook(AdminView):
    """Asks before the bot takes over a webhook agent that points elsewhere."""

    def __init__(self, t: Lang, review: SetupReview, announcements: Announcements | None) -> None:
        super().__init__(timeout=PANEL_TIMEOUT)
        self.review = review
        self.announcements = announcements
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
        await redraw(interaction, self.review, self.announcements, applied.test)

    @discord.ui.button(
        label=N_("Keep it"), style=discord.ButtonStyle.secondary, custom_id="setup:keep"
    )
    async def keep(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        self.stop()
        await redraw(interaction, self.review, self.announcements)


class SetupCog(commands.Cog):
    """Finishes an install from Discord."""

    def __init__(
        self, bot: MediaNest, review: SetupReview, announcements: Announcements | None = None
    ) -> None:
        self.bot = bot
        self.review = review
        self.announcements = announcements

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
            embed=panel_embed(t, report),
            view=SetupPanel(t, self.review, report, self.announcements),
            ephemeral=True,
        )
