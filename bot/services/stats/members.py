"""The Members page: who is active, who joined, who asks most, who waits, who nears a quota."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from cachetools import TTLCache
from tortoise.functions import Count, Min

from bot.clients.overseerr import Quota
from bot.errors import DependencyError
from bot.services.stats.period import Period, Window, window
from bot.services.stats.requests import OPEN
from storage.models import (
    AccessEvent,
    AccessState,
    MediaRequest,
    MemberActivity,
    PlexAccess,
    PlexLink,
)

log = logging.getLogger(__name__)
NEAR_QUOTA = 0.8  # a member who used this share of a limited quota is near it
QUOTA_TTL = 600.0  # seconds a member's quota answer is reused
QUOTA_CACHE_SIZE = 1024  # members whose quota is kept
QUOTA_TIMEOUT = 3.0  # the page never waits longer than this for Overseerr
ReadQuota = Callable[[int], Awaitable[Quota]]


@dataclass(frozen=True)
class Requester:
    discord_id: int
    requests: int


@dataclass(frozen=True)
class Waiting:
    discord_id: int
    open_requests: int
    oldest_at: datetime


@dataclass(frozen=True)
class NearQuota:
    discord_id: int
    media_type: str
    used: int
    limit: int


@dataclass(frozen=True)
class MemberStats:
    window: Window
    active: int  # members who ran a command on a day of the window
    new_links: int
    top_requesters: list[Requester]
    longest_waiting: list[Waiting]
    near_quota: list[NearQuota] = field(default_factory=list)
    quotas_read: int = 0  # how many top requesters' quotas were known
    access: AccessFigures | None = None  # Plex access requests and invites

    @property
    def empty(self) -> bool:
        busy = self.access is not None and any(vars(self.access).values())
        return not (
            self.active or self.new_links or self.top_requesters or self.longest_waiting or busy
        )


@dataclass(frozen=True)
class AccessFigures:
    """Plex access: requests waiting now; invites sent, accepted and removed in the window."""

    pending: int
    invited: int
    accepted: int
    removed: int


async def access_figures(span: Window) -> AccessFigures:
    """Counted from the record of changes (`plex_access_event`)."""
    events = AccessEvent.filter(created_at__gte=span.start, created_at__lte=span.end)
    return AccessFigures(
        pending=await PlexAccess.filter(state=AccessState.REQUESTED).count(),
        invited=await events.filter(action="invited").count(),
        accepted=await events.filter(action="accepted").count(),
        removed=await events.filter(action="removed").count(),
    )


class QuotaCache:
    """Overseerr quotas of a few members, each kept for QUOTA_TTL so paging stays quick."""

    def __init__(self, read: ReadQuota, ttl: float = QUOTA_TTL) -> None:
        self.read = read
        self._kept: TTLCache[int, Quota] = TTLCache(QUOTA_CACHE_SIZE, ttl)

    async def quotas(self, overseerr_ids: list[int]) -> dict[int, Quota]:
        """The quota of each user that answers within QUOTA_TIMEOUT (cached ones at once)."""
        missing = [u for u in overseerr_ids if u not in self._kept]
        if missing:
            answers = await asyncio.wait_for(
                asyncio.gather(*(self.read(u) for u in missing), return_exceptions=True),
                QUOTA_TIMEOUT,
            )
            for user, answer in zip(missing, answers, strict=True):
                if isinstance(answer, Quota):
                    self._kept[user] = answer
                elif isinstance(answer, DependencyError):
                    log.info("stats: no quota for Overseerr user %s: %s", user, answer)
                elif isinstance(answer, BaseException):
                    raise answer
        found = {u: self._kept.get(u) for u in overseerr_ids}
        return {u: quota for u, quota in found.items() if quota is not None}


async def member_stats(
    period: Period, at: datetime | None = None, quotas: QuotaCache | None = None, top: int = 5
) -> MemberStats:
    """The Members page's figures for `period` ending at `at` (now)."""
    span = window(period, at)
    active = (
        await MemberActivity.filter(day__gte=span.first_day, day__lte=span.end.date())
        .distinct()
        .values_list("discord_id", flat=True)
    )
    new_links = await PlexLink.filter(linked_at__gte=span.start, linked_at__lte=span.end).count()
    requesters = [Requester(int(d), int(n)) for d, n in await top_requesters(span, top)]
    near: list[NearQuota] = []
    read = 0
    if quotas is not None and requesters:
        near, read = await near_quota(quotas, [r.discord_id for r in requesters])
    return MemberStats(
        window=span,
        active=len(set(active)),
        new_links=new_links,
        top_requesters=requesters,
        longest_waiting=await longest_waiting(top),
        near_quota=near,
        quotas_read=read,
        access=await access_figures(span),
    )


async def top_requesters(span: Window, top: int) -> list[tuple[int, int]]:
    """(discord id, requests made in the window), most first."""
    rows = (
        await MediaRequest.filter(created_at__gte=span.start, created_at__lte=span.end)
        .annotate(n=Count("id"))
        .group_by("discord_id")
        .order_by("-n", "discord_id")
        .limit(top)
        .values_list("discord_id", "n")
    )
    return [(int(d), int(n)) for d, n in rows]


async def longest_waiting(top: int) -> list[Waiting]:
    """Members with open requests, the one whose oldest open request is oldest first."""
    rows = (
        await MediaRequest.filter(status__in=OPEN)
        .annotate(oldest=Min("created_at"), n=Count("id"))
        .group_by("discord_id")
        .order_by("oldest", "discord_id")
        .limit(top)
        .values_list("discord_id", "n", "oldest")
    )
    return [Waiting(int(d), int(n), oldest) for d, n, oldest in rows]


async def near_quota(cache: QuotaCache, discord_ids: list[int]) -> tuple[list[NearQuota], int]:
    """Of these members, those at NEAR_QUOTA of a limited quota; and how many quotas were read."""
    known = (
        await MediaRequest.filter(discord_id__in=discord_ids, overseerr_user_id__isnull=False)
        .order_by("-id")
        .values_list("discord_id", "overseerr_user_id")
    )
    overseerr_of: dict[int, int] = {}
    for discord_id, user in known:
        overseerr_of.setdefault(int(discord_id), int(user))
    try:
        quotas = await cache.quotas(sorted(set(overseerr_of.values())))
    except TimeoutError:
        log.info("stats: Overseerr quotas took longer than %s s", QUOTA_TIMEOUT)
        quotas = {}
    near = []
    for discord_id in discord_ids:
        quota = quotas.get(overseerr_of.get(discord_id, -1))
        if quota is None:
            continue
        for media_type, entry in (("movie", quota.movie), ("tv", quota.tv)):
            if entry.limit and entry.used >= NEAR_QUOTA * entry.limit:
                near.append(NearQuota(discord_id, media_type, entry.used, entry.limit))
    read = sum(1 for d in discord_ids if overseerr_of.get(d, -1) in quotas)
    return near, read
