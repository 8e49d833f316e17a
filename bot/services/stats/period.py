"""The periods the dashboard offers, and the window of time and chart buckets each covers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


class Period(StrEnum):
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"

    @property
    def label(self) -> str:
        return {"24h": "24 hours", "7d": "7 days", "30d": "30 days"}[self.value]


# How many buckets each period has and how long one is: hours for a day, days otherwise.
BUCKETS = {
    Period.DAY: (24, timedelta(hours=1)),
    Period.WEEK: (7, timedelta(days=1)),
    Period.MONTH: (30, timedelta(days=1)),
}


@dataclass(frozen=True)
class Window:
    """From `start` (the first bucket's start, aligned) up to `end` (now)."""

    period: Period
    start: datetime
    end: datetime
    step: timedelta
    buckets: int

    @property
    def starts(self) -> list[datetime]:
        """When each chart bucket begins, oldest first."""
        return [self.start + i * self.step for i in range(self.buckets)]

    @property
    def first_day(self) -> date:
        return self.start.date()

    def bucket_of(self, moment: datetime) -> int | None:
        """The index of the bucket holding `moment`, or None outside the window."""
        if moment < self.start or moment > self.end:
            return None
        return min(int((moment - self.start) / self.step), self.buckets - 1)


def window(period: Period, at: datetime | None = None) -> Window:
    """The window of `period` ending at `at` (now): the current hour or day and those before."""
    end = (at or datetime.now(UTC)).astimezone(UTC)
    count, step = BUCKETS[period]
    if step == timedelta(hours=1):
        current = end.replace(minute=0, second=0, microsecond=0)
    else:
        current = end.replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(period, current - (count - 1) * step, end, step, count)


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with `share` of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
