"""/setup's selects and its two further pages: a channel per kind, and New on Plex's mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_, WEEKDAYS, Lang
from bot.i18n.discord import lang_of
from bot.services.announce import Announcements, Schedule
from bot.services.setup import Chooser, PlaceState, SetupReport, SetupReview
from cogs.components import AdminView, GuardedModal
from cogs.setup._embeds import kinds_embed, new_on_plex_embed

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


class PlaceSelect(discord.ui.ChannelSelect[Any]):
    """A channel pick."""

    def __init__(self, t: Lang, state: PlaceState, row: int) -> None:
        super().__init__(channel_types=TEXT_CHANNELS, **select_options(t, state, row))
        self.name = state.choice.place.name

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        assert self.view is not None
        await self.view.choose(interaction, self.name, self.values[0].id if self.values else None)


class AdminRoleSelect(discord.ui.RoleSelect[Any]):
    """The admin role pick."""

    def __init__(self, t: Lang, state: PlaceState, row: int) -> None:
        super().__init__(**select_options(t, state, row))
        self.name = state.choice.place.name

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        assert self.view is not None
        await self.view.choose(interaction, self.name, self.values[0].id if self.values else None)


class KindsPanel(AdminView):
    """One channel select per kind of message; an empty pick falls back (see Places)."""

    def __init__(self, t: Lang, review: SetupReview, report: SetupReport) -> None:
        super().__init__(timeout=PANEL_TIMEOUT)
        self.review = review
        kinds = [s for s in report.places if s.choice.place.group == "kinds"]
        for row, state in enumerate(kinds):
            self.add_item(PlaceSelect(t, state, row))

    async def choose(
        self, interaction: discord.Interaction[MediaNest], name: str, value: int | None
    ) -> None:
        await self.review.choose(name, value, chooser(interaction))
        await interaction.response.defer()
        self.stop()
        report = await self.review.report(interaction.guild_id or 0)
        t = lang_of(interaction)
        await interaction.edit_original_response(
            embed=kinds_embed(t, report, self.review.places),
            view=KindsPanel(t, self.review, report),
        )


MODE_LABELS = {
    "arrival": N_("As it arrives"),
    "daily": N_("Daily digest"),
    "weekly": N_("Weekly digest"),
}


class ModeSelect(discord.ui.Select["NewOnPlexPanel"]):
    """As it arrives, daily digest or weekly digest."""

    def __init__(self, t: Lang, schedule: Schedule) -> None:
        options = [
            discord.SelectOption(label=t._(label), value=mode, default=mode == schedule.mode)
            for mode, label in MODE_LABELS.items()
        ]
        super().__init__(custom_id="nop:mode", options=options, row=0)

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        assert self.view is not None
        await self.view.pick(interaction, self.values[0])


class DaySelect(discord.ui.Select["NewOnPlexPanel"]):
    """The weekly digest's day (only weekly digests use it)."""

    def __init__(self, t: Lang, schedule: Schedule) -> None:
        options = [
            discord.SelectOption(label=t._(name), value=str(n), default=n == schedule.day)
            for n, name in enumerate(WEEKDAYS)
        ]
        super().__init__(
            custom_id="nop:day",
            placeholder=t._("Weekly digest: the day"),
            options=options,
            disabled=schedule.mode != "weekly",
            row=1,
        )

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        assert self.view is not None
        await self.view.pick(interaction, self.view.schedule.mode, self.values[0])


class NewOnPlexPanel(AdminView):
    """The mode, the digest's weekday, and a button for its time and time zone."""

    def __init__(self, t: Lang, announcements: Announcements, schedule: Schedule) -> None:
        super().__init__(timeout=PANEL_TIMEOUT)
        self.announcements = announcements
        self.schedule = schedule
        self.add_item(ModeSelect(t, schedule))
        self.add_item(DaySelect(t, schedule))
        self.when.label = t._("Time and time zone…")
        self.when.disabled = not schedule.digest

    async def pick(
        self, interaction: discord.Interaction[MediaNest], mode: str, day: str | None = None
    ) -> None:
        """Store the pick (the weekday keeps the mode) and redraw the page."""
        await self.redraw(interaction, await self.announcements.set_schedule(mode, day=day))

    async def redraw(self, interaction: discord.Interaction[MediaNest], chosen: Schedule) -> None:
        self.stop()
        t = lang_of(interaction)
        await interaction.response.edit_message(
            embed=new_on_plex_embed(t, chosen, interaction.client.settings),
            view=NewOnPlexPanel(t, self.announcements, chosen),
        )

    @discord.ui.button(
        label=N_("Time and time zone…"),
        style=discord.ButtonStyle.primary,
        custom_id="nop:when",
        row=2,
    )
    async def when(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        t = lang_of(interaction)
        await interaction.response.send_modal(DigestTime(t, self.announcements, self.schedule))


class DigestTime(GuardedModal):
    """The digest's local time (24-hour clock) and time zone; checked before anything is kept."""

    def __init__(self, t: Lang, announcements: Announcements, schedule: Schedule) -> None:
        super().__init__(title=t._("Digest time"), custom_id="nop:time", timeout=PANEL_TIMEOUT)
        self.announcements = announcements
        self.schedule = schedule
        self.at = discord.ui.TextInput[Any](
            label=t._("Time (24-hour clock)"),
            custom_id="at",
            default=schedule.at.strftime("%H:%M"),
            max_length=5,
        )
        self.zone = discord.ui.TextInput[Any](
            label=t._("Time zone (e.g. Europe/Paris)"),
            custom_id="zone",
            default=schedule.zone,
            max_length=64,
        )
        self.add_item(self.at)
        self.add_item(self.zone)

    async def on_submit(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        chosen = await self.announcements.set_schedule(
            self.schedule.mode, at=self.at.value, zone=self.zone.value
        )
        t = lang_of(interaction)
        text = t._("New on Plex now posts {when}.", when=t.render(chosen.describe()))
        await interaction.response.send_message(text, ephemeral=True)
