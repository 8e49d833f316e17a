"""The one line the pinned dashboard shows for a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.stats.period import Period, median, window
from bot.services.stats.requests import time_to_available
from storage.models import DownloadItem, ItemStatus, MediaRequest, MemberActivity


@dataclass(frozen=True)
class PeriodSummary:
    period: Period
    requests: int  # made in the period
    available: int  # became available in the period
    median_seconds: float | None  # their median time to available
    active: int
    videos: int  # downloaded in the period


async def period_summary(period: Period, at: datetime | None = None) -> PeriodSummary:
    """A handful of counts for `period`, each one indexed query."""
    span = window(period, at)
    durations = await time_to_available(span)
    seconds = [s for d in durations.values() for s in d.seconds]
    active = (
        await MemberActivity.filter(day__gte=span.first_day, day__lte=span.end.date())
        .distinct()
        .values_list("discord_id", flat=True)
    )
    return PeriodSummary(
        period=period,
        requests=await MediaRequest.filter(
            created_at__gte=span.start, created_at__lte=span.end
        ).count(),
        available=len(seconds),
        median_seconds=median(seconds),
        active=len(set(active)),
        videos=await DownloadItem.filter(
            finished_at__gte=span.start, finished_at__lte=span.end, status=ItemStatus.DONE
        ).count(),
    )
