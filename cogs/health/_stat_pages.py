"""/status's Requests and Members pages, and the period summary line."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.i18n import Lang, Number, Size
from bot.services.stats.downloads import VideoStats
from bot.services.stats.members import MemberStats
from bot.services.stats.requests import OUTCOMES, RequestStats
from bot.services.stats.summary import PeriodSummary

if TYPE_CHECKING:
    pass

from cogs.health._pages import (
    BLURPLE,
    MEDIA_NAMES,
    OUTCOME_ICONS,
    OUTCOME_NAMES,
    duration,
    percent,
    when,
)


def summary_line(t: Lang, summary: PeriodSummary) -> str:
    """The dashboard's line for a period: requests, how fast they arrived, who was around."""
    if summary.requests:
        parts = [t.ngettext("{count} request", "{count} requests", summary.requests)]
    else:
        parts = [t._("no requests")]
    if summary.available:
        parts.append(
            t._(
                "{count} now on Plex (median {median})",
                count=summary.available,
                median=duration(t, summary.median_seconds),
            )
        )
    parts.append(t.ngettext("{count} active member", "{count} active members", summary.active))
    if summary.videos:
        parts.append(t.ngettext("{count} video", "{count} videos", summary.videos))
    return t._(
        "📊 Last {period}: {parts}", period=t._(summary.period.label), parts=", ".join(parts)
    )


def since(t: Lang, start: datetime) -> str:
    """The footer's "Since …" in the reader's date format (UTC)."""
    return t._("Since {day}, {time} UTC.", day=t.date(start), time=f"{start:%H:%M}")


def requests_embed(t: Lang, stats: RequestStats, videos: VideoStats) -> discord.Embed:
    """The Requests page: outcomes, funnel, time to available, oldest open and YouTube."""
    label = t._(stats.window.period.label)
    embed = discord.Embed(title=t._("Requests · last {period}", period=label), colour=BLURPLE)
    if stats.empty and videos.empty:
        embed.description = t._("No requests and no videos in the last {period}.", period=label)
    elif stats.total == 0:
        embed.description = t._("No new requests in the last {period}.", period=label)
    else:
        counts = " · ".join(
            f"{OUTCOME_ICONS[o]} {stats.outcomes[o]} {t._(OUTCOME_NAMES.get(o, o))}"
            for o in OUTCOMES
        )
        embed.description = t._("**{total}** requests: {counts}", total=stats.total, counts=counts)
        f = stats.funnel
        share = ""
        if f.requested:
            share = " ({})".format(
                t._("{value}%", value=Number(f.available / f.requested * 100, 0))
            )
        embed.add_field(
            name=t._("Funnel"),
            value=t._(
                "{requested} requested → {approved} approved → {available} available",
                requested=f.requested,
                approved=f.approved,
                available=f.available,
            )
            + share,
            inline=False,
        )
    if not stats.empty:
        lines = [
            t._(
                "{kind}: median {median} · 90th percentile {p90} ({count})",
                kind=t._(MEDIA_NAMES.get(kind, kind)),
                median=duration(t, d.median),
                p90=duration(t, d.p90),
                count=d.count,
            )
            for kind, d in stats.to_available.items()
        ]
        embed.add_field(name=t._("Time to available"), value="\n".join(lines), inline=False)
    oldest = [
        f"`#{r.id}` **{r.title[:60]}** · {t._(OUTCOME_NAMES.get(r.status, r.status))} · "
        f"<@{r.discord_id}> · {when(r.created_at)}"
        for r in stats.oldest_open
    ]
    embed.add_field(
        name=t._("Oldest open requests"),
        value="\n".join(oldest)[:1024] or t._("None open."),
        inline=False,
    )
    embed.add_field(name="YouTube", value=youtube_line(t, videos), inline=False)
    embed.set_footer(text=since(t, stats.window.start))
    return embed


def youtube_line(t: Lang, videos: VideoStats) -> str:
    if videos.empty:
        return t._(
            "No videos finished in the last {period}.", period=t._(videos.window.period.label)
        )
    return t.ngettext(
        "{count} video · {size} · {rate} succeeded · median {median} per video",
        "{count} videos · {size} · {rate} succeeded · median {median} per video",
        videos.done,
        size=Size(videos.bytes),
        rate=percent(t, videos.success_rate),
        median=duration(t, videos.median_seconds),
    )


def members_embed(t: Lang, stats: MemberStats) -> discord.Embed:
    """The Members page: active members, new links, top requesters, waiting, near quota."""
    label = t._(stats.window.period.label)
    embed = discord.Embed(title=t._("Members · last {period}", period=label), colour=BLURPLE)
    if stats.empty:
        embed.description = t._(
            "Nobody ran a command or made a request in the last {period}.", period=label
        )
        return embed
    embed.add_field(name=t._("Active members"), value=str(stats.active))
    embed.add_field(name=t._("New links"), value=str(stats.new_links))
    if stats.access is not None:
        a = stats.access
        embed.add_field(
            name=t._("Plex access"),
            value=t._(
                "{pending} pending · {invited} invited · {accepted} accepted · {removed} removed",
                pending=a.pending,
                invited=a.invited,
                accepted=a.accepted,
                removed=a.removed,
            ),
        )
    top = [f"{n}. <@{r.discord_id}> · {r.requests}" for n, r in enumerate(stats.top_requesters, 1)]
    embed.add_field(
        name=t._("Top requesters"), value="\n".join(top) or t._("No requests."), inline=False
    )
    waiting = [
        t._(
            "{member} · {count} open, oldest {when}",
            member=f"<@{w.discord_id}>",
            count=w.open_requests,
            when=when(w.oldest_at),
        )
        for w in stats.longest_waiting
    ]
    embed.add_field(
        name=t._("Waiting longest"), value="\n".join(waiting) or t._("Nobody."), inline=False
    )
    near = [
        f"<@{q.discord_id}> · {t._(MEDIA_NAMES[q.media_type]).lower()} {q.used}/{q.limit}"
        for q in stats.near_quota
    ]
    checked = t._(
        "{read} of {total} top requesters checked",
        read=stats.quotas_read,
        total=len(stats.top_requesters),
    )
    embed.add_field(
        name=t._("Near their quota"),
        value="\n".join(near) or t._("Nobody ({checked}).", checked=checked),
        inline=False,
    )
    start = stats.window.start
    embed.set_footer(
        text=t._(
            "Since {day}, {time} UTC; active counts whole days.",
            day=t.date(start),
            time=f"{start:%H:%M}",
        )
    )
    return embed
