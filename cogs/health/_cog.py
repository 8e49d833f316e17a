"""/status, /admin errors and the live dashboard in the health channel."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_, Lang, Msg
from bot.i18n.discord import channel_lang, lang_of
from bot.services.charts import in_thread, requests_chart, uptime_chart
from bot.services.dashboard import Dashboard, dashboard_state
from bot.services.health import HealthMonitor
from bot.services.stats import Period
from bot.services.stats.activity import ActivityLog
from bot.services.stats.downloads import video_stats
from bot.services.stats.members import QuotaCache, member_stats
from bot.services.stats.requests import OUTCOMES, RequestStats, request_stats
from bot.services.stats.summary import period_summary
from bot.services.status import StatusReport, build_report, hourly_uptime
from bot.tree import command_tree
from cogs.checks import is_admin, requires_admin
from cogs.health._board import ChannelBoard, health_channel_check
from cogs.health._pages import Page, StatusPages, public_status, status_embed
from cogs.health._stat_pages import members_embed, requests_embed, summary_line
from cogs.help import ADMIN_ONLY

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)

DASHBOARD_JOB = "health-dashboard"
ACTIVITY_JOB = "member-activity"
DASHBOARD_PERIOD = Period.WEEK
PERIOD_CHOICES = [app_commands.Choice(name=p.label, value=p.value) for p in Period]


class HealthCog(commands.Cog):
    """Shows the health monitor's state and keeps the dashboard message current."""

    # Hidden from members without Manage Server; requires_admin() stays the authority.
    admin = app_commands.Group(
        name="admin",
        description=N_("Admin tools"),
        extras={ADMIN_ONLY: True},
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: MediaNest, monitor: HealthMonitor) -> None:
        self.bot = bot
        self.monitor = monitor
        self.board = Dashboard()
        self.activity = ActivityLog()
        overseerr = bot.services.overseerr
        self.quotas = QuotaCache(overseerr.quota) if overseerr else None

    async def cog_load(self) -> None:
        self.bot.jobs.every(DASHBOARD_JOB, self.dashboard, seconds=60)
        self.bot.jobs.every(ACTIVITY_JOB, self.activity.flush, seconds=60)
        command_tree(self.bot).completion_hooks.append(self._seen)

    async def cog_unload(self) -> None:
        self.bot.jobs.remove(DASHBOARD_JOB)
        self.bot.jobs.remove(ACTIVITY_JOB)
        command_tree(self.bot).completion_hooks.remove(self._seen)
        try:
            await self.activity.flush()  # the bot closes before the database does
        except Exception:
            log.warning("could not write the last member activity", exc_info=True)

    def _seen(self, interaction: discord.Interaction) -> None:
        self.activity.seen(interaction.user.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        for warning in self.channel_warnings():
            log.warning("%s", warning.english())

    async def report(self) -> StatusReport:
        services = self.bot.services
        return await build_report(
            self.monitor,
            services.outbox,
            services.lag,
            services.started_at,
            self.channel_warnings(),  # from the cache: follows /setup's changes
            histograms=False,  # only /metrics shows them
        )

    @app_commands.command(name="status")
    @app_commands.describe(period=N_("Admins: the period the Requests and Members pages cover"))
    @app_commands.choices(period=PERIOD_CHOICES)
    async def status(
        self, interaction: discord.Interaction, period: str = DASHBOARD_PERIOD.value
    ) -> None:
        """See whether Plex, Overseerr and the bot are working."""
        if not await is_admin(interaction):  # type: ignore[arg-type]
            report = await self.report()
            text = public_status(lang_of(interaction), report)
            await interaction.response.send_message(text, ephemeral=True)
            return
        # Drawing the chart can take a while on a busy host: answer within Discord's 3 s first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        chosen = Period(period)
        t = lang_of(interaction)
        embed, files = await self.page(t, "services", chosen)
        view = StatusPages(t, self.page, chosen, "services")
        await interaction.edit_original_response(embed=embed, attachments=files, view=view)

    async def page(self, t: Lang, name: str, period: Period) -> Page:
        """One admin page of /status: its embed and chart."""
        if name == "requests":
            stats = await request_stats(period)
            embed = requests_embed(t, stats, await video_stats(period))
            if stats.empty:
                return embed, []
            png = await in_thread(requests_chart, *chart_inputs(stats))
            embed.set_image(url="attachment://requests.png")
            return embed, [discord.File(io.BytesIO(png), filename="requests.png")]
        if name == "members":
            return members_embed(t, await member_stats(period, quotas=self.quotas)), []
        report = await self.report()
        uptime = await hourly_uptime(self.monitor, report)
        png = await in_thread(uptime_chart, uptime.rows, uptime.last_hour)
        embed = status_embed(t, report).set_image(url="attachment://uptime.png")
        embed.set_footer(
            text=t._("Chart: uptime per hour over the last 24 h, one row per service.")
        )
        return embed, [discord.File(io.BytesIO(png), filename="uptime.png")]

    @admin.command(name="errors")
    @requires_admin()
    async def errors(self, interaction: discord.Interaction) -> None:
        """List the most frequent unexpected errors of the last day."""
        t = lang_of(interaction)
        bursts = await self.monitor.frequent_errors()
        if not bursts:
            await interaction.response.send_message(
                t._("No unexpected errors today. 🎉"), ephemeral=True
            )
            return
        lines = [
            t._(
                "**{count}×** `{error}` at `{place}` · ids {ids}",
                count=b.count,
                error=b.error_type,
                place=b.place,
                ids=", ".join(b.correlation_ids[:3]),
            )
            for b in bursts[:10]
        ]
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True)

    async def dashboard(self) -> None:
        """Edit the pinned dashboard in the health channel when something changed."""
        channel_id = self.bot.settings.health_channel_id
        if channel_id is None or not self.bot.is_ready():
            return
        report = await self.report()
        t = channel_lang(self.bot, channel_id)
        summary = summary_line(t, await period_summary(DASHBOARD_PERIOD))
        state = dashboard_state(report, summary, channel_id)
        if not self.board.changed(state):
            return
        embed = status_embed(t, report)
        embed.add_field(name=t._("Dashboard"), value=summary, inline=False)
        await self.board.show(channel_id, state, ChannelBoard(self.bot, embed))

    def channel_warnings(self) -> list[Msg]:
        """Warn when the health channel is missing or visible to @everyone."""
        channel_id = self.bot.settings.health_channel_id
        if channel_id is None:
            return [Msg("No health channel: alerts have nowhere to go. Pick one in `/setup`.")]
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel):
            return [Msg("The health channel {channel} was not found.", channel=channel_id)]
        if health_channel_check(channel).too_public:
            return [
                Msg(
                    "{channel} is visible to @everyone: make it admin-only.",
                    channel=f"#{channel.name}",
                )
            ]
        return []


def chart_inputs(
    stats: RequestStats,
) -> tuple[list[str], dict[str, list[int]], dict[str, list[float]], str]:
    """What the requests chart draws: bucket labels, stacks by outcome, hours to available."""
    hourly = stats.window.period is Period.DAY
    labels = [f"{s:%H}h" if hourly else f"{s:%b} {s.day}" for s in stats.window.starts]
    stacks = {o: [bucket[o] for bucket in stats.per_bucket] for o in OUTCOMES}
    hours = {kind: [s / 3600 for s in d.seconds] for kind, d in stats.to_available.items()}
    return labels, stacks, hours, "hour" if hourly else "day"
