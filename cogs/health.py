"""/status, /admin errors and the live dashboard in the health channel."""

from __future__ import annotations

import hashlib
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.charts import in_thread, uptime_chart
from bot.services.health import HealthMonitor, human
from bot.services.keyvalue import kept_value
from bot.services.status import ServiceLine, StatusReport, build_report, hourly_uptime
from cogs.checks import is_admin, requires_admin
from cogs.help import ADMIN_ONLY
from storage.models import KeyValue

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)

DASHBOARD_KEY = "health_dashboard_message_id"
DASHBOARD_JOB = "health-dashboard"
GREEN, RED = discord.Colour(0x57F287), discord.Colour(0xED4245)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def service_line(s: ServiceLine) -> str:
    icon = {True: "🟢", False: "🔴", None: "⚪"}[s.up]
    latency = f"{s.latency_ms:.0f} ms" if s.latency_ms is not None else "—"
    return (
        f"{icon} **{s.name}** · {latency} · 24 h {percent(s.uptime_day)} · "
        f"7 d {percent(s.uptime_week)}"
    )


def status_embed(report: StatusReport) -> discord.Embed:
    """The admin view: every service, incidents, counts and the bot's own health."""
    embed = discord.Embed(
        title="MediaNest status",
        colour=GREEN if report.healthy else RED,
        description="\n".join(service_line(s) for s in report.services) or "No checks yet.",
    )
    if report.incidents:
        embed.add_field(
            name="Open incidents",
            value="\n".join(
                f"**{i.service}** since <t:{int(i.opened_at.timestamp())}:R>: {i.last_error}"[:200]
                for i in report.incidents
            )[:1024],
            inline=False,
        )
    requests = ", ".join(f"{k} {v}" for k, v in sorted(report.requests.items())) or "none"
    downloads = ", ".join(f"{k} {v}" for k, v in sorted(report.downloads.items())) or "none"
    embed.add_field(name="Linked users", value=str(report.linked_users))
    embed.add_field(name="Download queue", value=str(report.queue_depth))
    embed.add_field(name="Outbox backlog", value=str(report.outbox_backlog))
    embed.add_field(name="Requests", value=requests, inline=False)
    embed.add_field(name="Downloads", value=downloads, inline=False)
    embed.add_field(
        name="Bot",
        value=f"up {human(report.bot_uptime)} · {report.memory_mb:.0f} MiB · "
        f"loop lag {report.loop_lag_ms:.1f} ms",
        inline=False,
    )
    if report.warnings:
        embed.add_field(name="⚠️ Warnings", value="\n".join(report.warnings)[:1024], inline=False)
    return embed


def public_status(report: StatusReport) -> str:
    """The short view for everyone: healthy or not, no details."""
    down = [s.name for s in report.services if s.up is False]
    if not down:
        return "🟢 All systems are working normally."
    return f"🔴 Some services have problems right now: {', '.join(down)}. Admins have been told."


class HealthCog(commands.Cog):
    """Shows the health monitor's state and keeps the dashboard message current."""

    admin = app_commands.Group(name="admin", description="Admin tools", extras={ADMIN_ONLY: True})

    def __init__(self, bot: MediaNest, monitor: HealthMonitor) -> None:
        self.bot = bot
        self.monitor = monitor
        self.warnings: list[str] = []
        self._shown = ""

    async def cog_load(self) -> None:
        self.bot.jobs.every(DASHBOARD_JOB, self.dashboard, seconds=60)

    async def cog_unload(self) -> None:
        self.bot.jobs.remove(DASHBOARD_JOB)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.warnings = self.channel_warnings()

    async def report(self) -> StatusReport:
        services = self.bot.services
        return await build_report(
            self.monitor, services.outbox, services.lag, services.started_at, self.warnings
        )

    @app_commands.command(name="status")
    async def status(self, interaction: discord.Interaction) -> None:
        """See whether Plex, Overseerr and the bot are working."""
        report = await self.report()
        if not await is_admin(interaction):  # type: ignore[arg-type]
            await interaction.response.send_message(public_status(report), ephemeral=True)
            return
        # Drawing the chart can take a while on a busy host: answer within Discord's 3 s first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        uptime = await hourly_uptime(self.monitor, report)
        png = await in_thread(uptime_chart, uptime.rows, uptime.last_hour)
        chart = discord.File(io.BytesIO(png), filename="uptime.png")
        embed = status_embed(report).set_image(url="attachment://uptime.png")
        embed.set_footer(text="Chart: uptime per hour over the last 24 h, one row per service.")
        await interaction.edit_original_response(embed=embed, attachments=[chart])

    @admin.command(name="errors")
    @requires_admin()
    async def errors(self, interaction: discord.Interaction) -> None:
        """List the most frequent unexpected errors of the last day."""
        bursts = await self.monitor.frequent_errors()
        if not bursts:
            await interaction.response.send_message(
                "No unexpected errors today. 🎉", ephemeral=True
            )
            return
        lines = [
            f"**{b.count}×** `{b.error_type}` at `{b.place}` · "
            f"ids {', '.join(b.correlation_ids[:3])}"
            for b in bursts[:10]
        ]
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True)

    async def dashboard(self) -> None:
        """Edit the pinned dashboard in the health channel when something changed."""
        channel_id = self.bot.settings.health_channel_id
        if channel_id is None or not self.bot.is_ready():
            return
        report = await self.report()
        fingerprint = hashlib.sha256(
            repr(
                [(s.name, s.up) for s in report.services] + [i.id for i in report.incidents]
            ).encode()
        ).hexdigest()
        if fingerprint == self._shown:
            return
        embed = status_embed(report)
        channel = self.bot.get_partial_messageable(channel_id)
        stored = await KeyValue.get_or_none(key=DASHBOARD_KEY)
        try:
            if stored is not None:
                await channel.get_partial_message(int(stored.value)).edit(embed=embed)
            else:
                message = await channel.send(embed=embed)
                await kept_value(DASHBOARD_KEY, lambda: str(message.id))
                await message.pin()
        except discord.NotFound:
            await KeyValue.filter(key=DASHBOARD_KEY).delete()  # deleted by someone: post anew
            return
        except discord.HTTPException:
            log.warning("could not update the health dashboard", exc_info=True)
            return
        self._shown = fingerprint

    def channel_warnings(self) -> list[str]:
        """Warn when the health channel is missing or visible to @everyone."""
        channel_id = self.bot.settings.health_channel_id
        if channel_id is None:
            return ["HEALTH_CHANNEL_ID is not set: alerts have nowhere to go."]
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel):
            return [f"The health channel {channel_id} was not found."]
        if channel.permissions_for(channel.guild.default_role).view_channel:
            log.warning("the health channel #%s is visible to @everyone", channel.name)
            return [f"#{channel.name} is visible to @everyone: make it admin-only."]
        return []
