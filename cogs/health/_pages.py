"""What /status shows: the one-line public status, and the admin pages behind three buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.formatting import duration as human
from bot.formatting import short_duration
from bot.services.stats import Period
from bot.services.stats.downloads import VideoStats
from bot.services.stats.members import MemberStats
from bot.services.stats.requests import OUTCOMES, RequestStats
from bot.services.stats.summary import PeriodSummary
from bot.services.status import ServiceLine, StatusReport
from cogs.components import AdminView

if TYPE_CHECKING:
    from bot.app import MediaNest
    from storage.models import Incident

GREEN, RED, BLURPLE = discord.Colour(0x57F287), discord.Colour(0xED4245), discord.Colour(0x5865F2)
PAGES = {"services": "Services", "requests": "Requests", "members": "Members"}
OUTCOME_ICONS = {
    "available": "🟢",
    "pending": "🟡",
    "declined": "⚪",
    "failed": "🔴",
    "queued": "🔵",
}
MEDIA_NAMES = {"movie": "Movies", "tv": "TV"}
Page = tuple[discord.Embed, list[discord.File]]
Render = Callable[[str, Period], Awaitable[Page]]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def when(moment: object) -> str:
    return discord.utils.format_dt(moment, "R") if isinstance(moment, datetime) else "—"


def service_line(s: ServiceLine) -> str:
    icon = {True: "🟢", False: "🔴", None: "⚪"}[s.up]
    latency = f"{s.latency_ms:.0f} ms" if s.latency_ms is not None else "—"
    return (
        f"{icon} **{s.name}** · {latency} · 24 h {percent(s.uptime_day)} · "
        f"7 d {percent(s.uptime_week)}"
    )


def incident_line(incident: Incident) -> str:
    """An open incident: since when, why, and whether its alert is held or acknowledged."""
    since = when(incident.opened_at)
    marks = " 🔕 muted" if incident.held else ""
    if incident.acknowledged_by is not None:
        marks += f" ✅ <@{incident.acknowledged_by}>"
    return f"**{incident.service}** since {since}{marks}: {incident.last_error}"[:200]


def status_embed(report: StatusReport) -> discord.Embed:
    """The Services page: every service, incidents, counts and the bot's own health."""
    embed = discord.Embed(
        title="MediaNest status",
        colour=GREEN if report.healthy else RED,
        description="\n".join(service_line(s) for s in report.services) or "No checks yet.",
    )
    if report.incidents:
        embed.add_field(
            name="Open incidents",
            value="\n".join(incident_line(i) for i in report.incidents)[:1024],
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
    if report.processes:
        now = datetime.now(UTC)
        lines = [
            f"{'💤' if p.stale(now) else '🟢'} `{p.name}` {p.role} · "
            f"beat {human(now - p.heartbeat_at)} ago"
            for p in report.processes
        ]
        embed.add_field(name="Processes", value="\n".join(lines)[:1024], inline=False)
    if report.warnings:
        embed.add_field(name="⚠️ Warnings", value="\n".join(report.warnings)[:1024], inline=False)
    return embed


def public_status(report: StatusReport) -> str:
    """The short view for everyone: healthy or not, no details."""
    down = [s.name for s in report.services if s.up is False]
    if not down:
        return "🟢 All systems are working normally."
    return f"🔴 Some services have problems right now: {', '.join(down)}. Admins have been told."


def summary_line(summary: PeriodSummary) -> str:
    """The dashboard's line for a period: requests, how fast they arrived, who was around."""
    parts = [f"{summary.requests} requests" if summary.requests else "no requests"]
    if summary.available:
        parts.append(
            f"{summary.available} now on Plex (median {short_duration(summary.median_seconds)})"
        )
    parts.append(f"{summary.active} active members")
    if summary.videos:
        parts.append(f"{summary.videos} videos")
    return f"📊 Last {summary.period.label}: " + ", ".join(parts)


def requests_embed(stats: RequestStats, videos: VideoStats) -> discord.Embed:
    """The Requests page: outcomes, funnel, time to available, oldest open and YouTube."""
    label = stats.window.period.label
    embed = discord.Embed(title=f"Requests · last {label}", colour=BLURPLE)
    if stats.empty and videos.empty:
        embed.description = f"No requests and no videos in the last {label}."
    elif stats.total == 0:
        embed.description = f"No new requests in the last {label}."
    else:
        counts = " · ".join(f"{OUTCOME_ICONS[o]} {stats.outcomes[o]} {o}" for o in OUTCOMES)
        embed.description = f"**{stats.total}** requests: {counts}"
        f = stats.funnel
        share = f" ({f.available / f.requested:.0%})" if f.requested else ""
        embed.add_field(
            name="Funnel",
            value=f"{f.requested} requested → {f.approved} approved → {f.available} available"
            + share,
            inline=False,
        )
    if not stats.empty:
        lines = [
            f"{MEDIA_NAMES.get(kind, kind)}: median {short_duration(d.median)} · "
            f"90th percentile {short_duration(d.p90)} ({d.count})"
            for kind, d in stats.to_available.items()
        ]
        embed.add_field(name="Time to available", value="\n".join(lines), inline=False)
    oldest = [
        f"`#{r.id}` **{r.title[:60]}** · {r.status} · <@{r.discord_id}> · {when(r.created_at)}"
        for r in stats.oldest_open
    ]
    embed.add_field(
        name="Oldest open requests", value="\n".join(oldest)[:1024] or "None open.", inline=False
    )
    embed.add_field(name="YouTube", value=youtube_line(videos), inline=False)
    embed.set_footer(text=f"Since {stats.window.start:%b %d, %H:%M} UTC.")
    return embed


def youtube_line(videos: VideoStats) -> str:
    if videos.empty:
        return f"No videos finished in the last {videos.window.period.label}."
    return (
        f"{videos.done} videos · {videos.bytes / 2**30:.1f} GB · "
        f"{percent(videos.success_rate)} succeeded · "
        f"median {short_duration(videos.median_seconds)} per video"
    )


def members_embed(stats: MemberStats) -> discord.Embed:
    """The Members page: active members, new links, top requesters, waiting, near quota."""
    label = stats.window.period.label
    embed = discord.Embed(title=f"Members · last {label}", colour=BLURPLE)
    if stats.empty:
        embed.description = f"Nobody ran a command or made a request in the last {label}."
        return embed
    embed.add_field(name="Active members", value=str(stats.active))
    embed.add_field(name="New links", value=str(stats.new_links))
    if stats.access is not None:
        a = stats.access
        embed.add_field(
            name="Plex access",
            value=f"{a.pending} pending · {a.invited} invited · {a.accepted} accepted · "
            f"{a.removed} removed",
        )
    top = [f"{n}. <@{r.discord_id}> · {r.requests}" for n, r in enumerate(stats.top_requesters, 1)]
    embed.add_field(name="Top requesters", value="\n".join(top) or "No requests.", inline=False)
    waiting = [
        f"<@{w.discord_id}> · {w.open_requests} open, oldest {when(w.oldest_at)}"
        for w in stats.longest_waiting
    ]
    embed.add_field(name="Waiting longest", value="\n".join(waiting) or "Nobody.", inline=False)
    near = [
        f"<@{q.discord_id}> · {MEDIA_NAMES[q.media_type].lower()} {q.used}/{q.limit}"
        for q in stats.near_quota
    ]
    checked = f"{stats.quotas_read} of {len(stats.top_requesters)} top requesters checked"
    embed.add_field(
        name="Near their quota", value="\n".join(near) or f"Nobody ({checked}).", inline=False
    )
    embed.set_footer(text=f"Since {stats.window.start:%b %d, %H:%M} UTC; active counts whole days.")
    return embed


class PageButton(discord.ui.Button["StatusPages"]):
    """Opens one page of the admin /status in place."""

    def __init__(self, page: str) -> None:
        super().__init__(label=PAGES[page], custom_id=f"status-page:{page}")
        self.page = page

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        pages = self.view
        assert pages is not None
        await interaction.response.defer()  # charts can take a moment: acknowledge first
        embed, files = await pages.render(self.page, pages.period)
        pages.showing(self.page)
        await interaction.edit_original_response(embed=embed, attachments=files, view=pages)


class StatusPages(AdminView):
    """Services, Requests and Members buttons under an admin's /status; admins only, once."""

    def __init__(self, render: Render, period: Period, page: str) -> None:
        super().__init__(timeout=timedelta(minutes=15).total_seconds())
        self.render = render
        self.period = period
        self.buttons = [PageButton(name) for name in PAGES]
        for button in self.buttons:
            self.add_item(button)
        self.showing(page)

    def showing(self, page: str) -> None:
        """Mark the page on screen: its button highlighted and disabled."""
        for button in self.buttons:
            current = button.page == page
            button.disabled = current
            button.style = discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary
