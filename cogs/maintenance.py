"""/maintenance (mutes and maintenance windows) and the Acknowledge button on health alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_, WEEKDAYS
from bot.i18n.discord import lang_of
from bot.services.maintenance import Maintenance, Window
from bot.services.maintenance.acks import ACK_PREFIX
from cogs.checks import requires_admin
from cogs.components import AdminOnly
from cogs.help import ADMIN_ONLY

if TYPE_CHECKING:
    from bot.app import MediaNest

ADMIN = {ADMIN_ONLY: True}
DAY_CHOICES = [app_commands.Choice(name=day, value=i) for i, day in enumerate(WEEKDAYS)]
HOLDS = N_(
    "Checks go on and incidents are recorded; an outage still on when it ends is alerted then."
)


def stamp(window: Window) -> str:
    assert window.ends_at is not None
    until = int(window.ends_at.timestamp())
    return f"<t:{until}:f> (<t:{until}:R>)"


class AcknowledgeButton(
    AdminOnly, discord.ui.DynamicItem[discord.ui.Button], template=ACK_PREFIX + r"(?P<id>\d+)"
):
    """Acknowledge on a health alert: says who took the incident, and its reminders stop."""

    def __init__(self, incident_id: int) -> None:
        super().__init__(discord.ui.Button[Any](custom_id=f"{ACK_PREFIX}{incident_id}"))
        self.incident_id = incident_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        maintenance = interaction.client.services.maintenance
        incident = await maintenance.acknowledge(self.incident_id, interaction.user.id)
        alert = interaction.message.content if interaction.message else ""
        t = lang_of(interaction)
        taken = t._(
            "✅ Acknowledged by {admin}: no more reminders.", admin=f"<@{incident.acknowledged_by}>"
        )
        alert = alert[: 2000 - len(taken) - 1]  # Discord's limit; the alert came in at most that
        await interaction.response.edit_message(content=f"{alert}\n{taken}", view=None)


class MaintenanceCog(commands.Cog):
    """Receives /maintenance and Acknowledge presses; the maintenance service does the work."""

    group = app_commands.Group(
        name="maintenance", description=N_("Mute health alerts and plan maintenance"), extras=ADMIN
    )

    def __init__(self, bot: MediaNest, maintenance: Maintenance) -> None:
        self.bot = bot
        self.maintenance = maintenance

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AcknowledgeButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AcknowledgeButton)

    @group.command(name="mute", extras=ADMIN)
    @app_commands.describe(
        service=N_("The service whose alerts to hold back"),
        length=N_("How long: 30m, 2h, 1d, or until tomorrow 08:00 (server time)"),
    )
    @requires_admin()
    async def mute(self, interaction: discord.Interaction, service: str, length: str) -> None:
        """Hold back one service's health alerts for a while."""
        window = await self.maintenance.mute(service, length, interaction.user.id)
        t = lang_of(interaction)
        text = t._(
            "🔕 **{service}** alerts are muted until {until}.",
            service=window.service,
            until=stamp(window),
        )
        await interaction.response.send_message(f"{text} {t._(HOLDS)}", ephemeral=True)

    @group.command(name="unmute", extras=ADMIN)
    @app_commands.describe(service=N_("The service whose alerts to send again"))
    @requires_admin()
    async def unmute(self, interaction: discord.Interaction, service: str) -> None:
        """Send one service's health alerts again."""
        name = self.maintenance.known(service)
        t = lang_of(interaction)
        if await self.maintenance.unmute(name):
            text = t._("🔔 **{service}** alerts are back on.", service=name)
        else:
            text = t._("**{service}** was not muted.", service=name)
        await interaction.response.send_message(text, ephemeral=True)

    @group.command(name="once", extras=ADMIN)
    @app_commands.describe(
        service=N_("The service under maintenance"),
        start=N_("When it starts: now, HH:MM (today), tomorrow HH:MM or YYYY-MM-DD HH:MM"),
        end=N_("When it ends: HH:MM (the start's day) or YYYY-MM-DD HH:MM"),
    )
    @requires_admin()
    async def once(
        self, interaction: discord.Interaction, service: str, start: str, end: str
    ) -> None:
        """Plan one maintenance window (server time); no alerts during it."""
        window = await self.maintenance.add_once(service, start, end, interaction.user.id)
        t = lang_of(interaction)
        text = t._(
            "🔧 Window #{id} for **{service}**: {what}.",
            id=window.id,
            service=window.service,
            what=t.render(window.describe()),
        )
        await interaction.response.send_message(f"{text} {t._(HOLDS)}", ephemeral=True)

    @group.command(name="weekly", extras=ADMIN)
    @app_commands.describe(
        service=N_("The service under maintenance"),
        day=N_("The day of the week (server time)"),
        start=N_("When it starts, HH:MM, e.g. 03:00"),
        end=N_("When it ends, HH:MM (24:00 for midnight; earlier than start: the next day)"),
    )
    @app_commands.choices(day=DAY_CHOICES)
    @requires_admin()
    async def weekly(
        self, interaction: discord.Interaction, service: str, day: int, start: str, end: str
    ) -> None:
        """Plan a maintenance window every week (server time); no alerts during it."""
        window = await self.maintenance.add_weekly(service, day, start, end, interaction.user.id)
        t = lang_of(interaction)
        text = t._(
            "🔧 Window #{id} for **{service}**: {what} ({zone}).",
            id=window.id,
            service=window.service,
            what=t.render(window.describe()),
            zone=self.maintenance.zone.key,
        )
        await interaction.response.send_message(f"{text} {t._(HOLDS)}", ephemeral=True)

    @group.command(name="list", extras=ADMIN)
    @requires_admin()
    async def list_windows(self, interaction: discord.Interaction) -> None:
        """List the mutes and maintenance windows."""
        windows = self.maintenance.listed()
        t = lang_of(interaction)
        if not windows:
            text = t._(
                "No mutes or maintenance windows. "
                "Add one with `/maintenance mute`, `/maintenance once` or `/maintenance weekly`."
            )
        else:
            lines = [f"`#{w.id}` **{w.service}** · {t.render(w.describe())}" for w in windows]
            head = t._(
                "🔧 Mutes and maintenance windows (weekly times in {zone}):",
                zone=self.maintenance.zone.key,
            )
            text = "\n".join([head, *lines])[:2000]
        await interaction.response.send_message(text, ephemeral=True)

    @group.command(name="remove", extras=ADMIN)
    @app_commands.describe(number=N_("The window's number, as `/maintenance list` shows it"))
    @requires_admin()
    async def remove(self, interaction: discord.Interaction, number: int) -> None:
        """Remove a mute or maintenance window."""
        window = await self.maintenance.remove(number)
        t = lang_of(interaction)
        text = t._(
            "Removed #{id}: **{service}** · {what}.",
            id=window.id,
            service=window.service,
            what=t.render(window.describe()),
        )
        await interaction.response.send_message(text, ephemeral=True)

    @mute.autocomplete("service")
    @unmute.autocomplete("service")
    @once.autocomplete("service")
    @weekly.autocomplete("service")
    async def services(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The monitored services whose name holds what was typed."""
        typed = current.strip().lower()
        return [
            app_commands.Choice(name=name, value=name)
            for name in self.maintenance.names()
            if typed in name
        ][:25]


async def setup(bot: MediaNest) -> None:
    """Always on, with health: /maintenance and the Acknowledge button on health alerts."""
    await bot.services.maintenance.load()  # before the first health round asks it
    await bot.add_cog(MaintenanceCog(bot, bot.services.maintenance))
