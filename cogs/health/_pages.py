"""What /status shows: the one-line public status, and the admin pages behind three buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.i18n import N_, Lang, Number
from bot.i18n.discord import lang_of
from bot.services.cluster.processes import ProcessInfo
from bot.services.health_state import human
from bot.services.stats import Period
from bot.services.status import ServiceLine, StatusReport
from cogs.components import AdminView

if TYPE_CHECKING:
    from bot.app import MediaNest
    from storage.models import Incident

GREEN, RED, BLURPLE = discord.Colour(0x57F287), discord.Colour(0xED4245), discord.Colour(0x5865F2)
PAGES = {"services": N_("Services"), "requests": N_("Requests"), "members": N_("Members")}
OUTCOME_ICONS = {
    "available": "🟢",
    "pending": "🟡",
    "declined": "⚪",
    "failed": "🔴",
    "queued": "🔵",
}
ROLE_NAMES = {"leader": N_("leader"), "standby": N_("standby"), "worker": N_("worker")}
MEDIA_NAMES = {"movie": N_("Movies"), "tv": N_("TV")}
OUTCOME_NAMES = {
    "available": N_("available"),
    "pending": N_("pending"),
    "declined": N_("declined"),
    "failed": N_("failed"),
    "queued": N_("queued"),
}
Page = tuple[discord.Embed, list[discord.File]]
Render = Callable[[Lang, str, Period], Awaitable[Page]]


def percent(t: Lang, value: float | None) -> str:
    return "—" if value is None else t._("{value}%", value=Number(value * 100, 1))


def duration(t: Lang, seconds: float | None) -> str:
    """A short duration: 45 min, 5.5 h, 3.2 d; a dash for none."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return t._("{value} min", value=Number(seconds / 60, 0))
    if seconds < 2 * 86400:
        return t._("{value} h", value=Number(seconds / 3600, 1))
    return t._("{value} d", value=Number(seconds / 86400, 1))


def when(moment: object) -> str:
    return discord.utils.format_dt(moment, "R") if isinstance(moment, datetime) else "—"


def service_line(t: Lang, s: ServiceLine) -> str:
    icon = {True: "🟢", False: "🔴", None: "⚪"}[s.up]
    latency = f"{s.latency_ms:.0f} ms" if s.latency_ms is not None else "—"
    uptime = t._(
        "24 h {day} · 7 d {week}", day=percent(t, s.uptime_day), week=percent(t, s.uptime_week)
    )
    return f"{icon} **{s.name}** · {latency} · {uptime}"


def incident_line(t: Lang, incident: Incident) -> str:
    """An open incident: since when, why, and whether its alert is held or acknowledged."""
    marks = t._(" 🔕 muted") if incident.held else ""
    if incident.acknowledged_by is not None:
        marks += f" ✅ <@{incident.acknowledged_by}>"
    return t._(
        "**{service}** since {when}{marks}: {error}",
        service=incident.service,
        when=when(incident.opened_at),
        marks=marks,
        error=incident.last_error,
    )[:200]


def process_line(t: Lang, p: ProcessInfo, now: datetime) -> str:
    """A bot or worker of the cluster: its role and how long ago it last answered."""
    return t._(
        "{icon} `{name}` {role} · beat {ago} ago",
        icon="💤" if p.stale(now) else "🟢",
        name=p.name,
        role=t._(ROLE_NAMES[p.role]) if p.role in ROLE_NAMES else p.role,
        ago=t.render(human(now - p.heartbeat_at)),
    )


def status_embed(t: Lang, report: StatusReport) -> discord.Embed:
    """The Services page: every service, incidents, counts and the bot's own health."""
    embed = discord.Embed(
        title=t._("MediaNest status"),
        colour=GREEN if report.healthy else RED,
        description="\n".join(service_line(t, s) for s in report.services) or t._("No checks yet."),
    )
    if report.incidents:
        embed.add_field(
            name=t._("Open incidents"),
            value="\n".join(incident_line(t, i) for i in report.incidents)[:1024],
            inline=False,
        )
    none = t._("none")
    requests = ", ".join(f"{k} {v}" for k, v in sorted(report.requests.items())) or none
    downloads = ", ".join(f"{k} {v}" for k, v in sorted(report.downloads.items())) or none
    embed.add_field(name=t._("Linked users"), value=str(report.linked_users))
    embed.add_field(name=t._("Download queue"), value=str(report.queue_depth))
    embed.add_field(name=t._("Outbox backlog"), value=str(report.outbox_backlog))
    embed.add_field(name=t._("Requests"), value=requests, inline=False)
    embed.add_field(name=t._("Downloads"), value=downloads, inline=False)
    embed.add_field(
        name=t._("Bot"),
        value=t._(
            "up {uptime} · {memory} MiB · loop lag {lag} ms",
            uptime=t.render(human(report.bot_uptime)),
            memory=f"{report.memory_mb:.0f}",
            lag=Number(report.loop_lag_ms, 1),
        ),
        inline=False,
    )
    if report.processes:
        now = datetime.now(UTC)
        lines = [process_line(t, p, now) for p in report.processes]
        embed.add_field(name=t._("Processes"), value="\n".join(lines)[:1024], inline=False)
    if report.warnings:
        warnings = "\n".join(t.render(w) for w in report.warnings)[:1024]
        embed.add_field(name=t._("⚠️ Warnings"), value=warnings, inline=False)
    return embed


def public_status(t: Lang, report: StatusReport) -> str:
    """The short view for everyone: healthy or not, no details."""
    down = [s.name for s in report.services if s.up is False]
    if not down:
        return t._("🟢 All systems are working normally.")
    return t._(
        "🔴 Some services have problems right now: {services}. Admins have been told.",
        services=", ".join(down),
    )


class PageButton(discord.ui.Button["StatusPages"]):
    """Opens one page of the admin /status in place."""

    def __init__(self, t: Lang, page: str) -> None:
        super().__init__(label=t._(PAGES[page]), custom_id=f"status-page:{page}")
        self.page = page

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        pages = self.view
        assert pages is not None
        await interaction.response.defer()  # charts can take a moment: acknowledge first
        embed, files = await pages.render(lang_of(interaction), self.page, pages.period)
        pages.showing(self.page)
        await interaction.edit_original_response(embed=embed, attachments=files, view=pages)


class StatusPages(AdminView):
    """Services, Requests and Members buttons under an admin's /status; admins only, once."""

    def __init__(self, t: Lang, render: Render, period: Period, page: str) -> None:
        super().__init__(timeout=timedelta(minutes=15).total_seconds())
        self.render = render
        self.period = period
        self.buttons = [PageButton(t, name) for name in PAGES]
        for button in self.buttons:
            self.add_item(button)
        self.showing(page)

    def showing(self, page: str) -> None:
        """Mark the page on screen: its button highlighted and disabled."""
        for button in self.buttons:
            current = button.page == page
            button.disabled = current
            button.style = discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary
