"""The Requests page: outcomes, the funnel, time to available and the oldest open requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.services.stats.period import Period, Window, median, percentile, window
from bot.services.stats.sql import Sql, bucket_key
from storage.models import MediaRequest, RequestStatus

S = RequestStatus
OUTCOMES = ("available", "pending", "declined", "failed", "queued")
# What each stored status counts as: anything still on its way to Plex is pending.
OUTCOME_OF: dict[str, str] = {
    S.AVAILABLE: "available",
    S.PARTIALLY_AVAILABLE: "pending",
    S.APPROVED: "pending",
    S.PENDING: "pending",
    S.NEEDS_REVIEW: "pending",
    S.DECLINED: "declined",
    S.REJECTED: "declined",
    S.FAILED: "failed",
    S.QUEUED: "queued",
}
# Statuses that passed approval (or needed none); FAILED may have, but the row can't say.
APPROVED_OR_LATER = frozenset({S.APPROVED, S.PARTIALLY_AVAILABLE, S.AVAILABLE})
OPEN = (S.NEEDS_REVIEW, S.QUEUED, S.PENDING, S.APPROVED, S.PARTIALLY_AVAILABLE)
MEDIA_TYPES = ("movie", "tv")


@dataclass(frozen=True)
class Funnel:
    requested: int
    approved: int
    available: int


@dataclass(frozen=True)
class Durations:
    """Times from request to available of one media type, in seconds."""

    seconds: list[float]

    @property
    def count(self) -> int:
        return len(self.seconds)

    @property
    def median(self) -> float | None:
        return median(self.seconds)

    @property
    def p90(self) -> float | None:
        return percentile(self.seconds, 0.9)


@dataclass(frozen=True)
class OpenRequest:
    id: int
    title: str
    media_type: str
    discord_id: int
    status: str
    created_at: datetime


@dataclass(frozen=True)
class RequestStats:
    """Requests made in the window, and those that became available in it."""

    window: Window
    outcomes: dict[str, int]
    per_bucket: list[dict[str, int]]  # outcome counts for each of window.starts
    funnel: Funnel
    to_available: dict[str, Durations] = field(default_factory=dict)  # by media type
    oldest_open: list[OpenRequest] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def empty(self) -> bool:
        return self.total == 0 and not any(d.count for d in self.to_available.values())


async def request_stats(
    period: Period, at: datetime | None = None, oldest: int = 5
) -> RequestStats:
    """The Requests page's figures for `period` ending at `at` (now)."""
    span = window(period, at)
    sql = Sql()
    hourly = span.step == timedelta(hours=1)
    rows = await sql.rows(
        f"SELECT status, {sql.bucket('created_at', hourly)} AS bucket, COUNT(*) AS n "
        "FROM media_request WHERE created_at >= ? AND created_at <= ? GROUP BY status, bucket",
        sql.time(span.start),
        sql.time(span.end),
    )
    index = {bucket_key(start, hourly): i for i, start in enumerate(span.starts)}
    outcomes = dict.fromkeys(OUTCOMES, 0)
    per_bucket = [dict.fromkeys(OUTCOMES, 0) for _ in range(span.buckets)]
    requested = approved = available = 0
    for row in rows:
        status, count = row["status"], int(row["n"])
        outcome = OUTCOME_OF[status]
        outcomes[outcome] += count
        if row["bucket"] in index:
            per_bucket[index[row["bucket"]]][outcome] += count
        requested += count
        approved += count if status in APPROVED_OR_LATER else 0
        available += count if status == S.AVAILABLE else 0
    return RequestStats(
        window=span,
        outcomes=outcomes,
        per_bucket=per_bucket,
        funnel=Funnel(requested, approved, available),
        to_available=await time_to_available(span),
        oldest_open=await oldest_open(oldest),
    )


async def time_to_available(span: Window) -> dict[str, Durations]:
    """Seconds from request to available of the requests that became available in `span`."""
    sql = Sql()
    rows = await sql.rows(
        f"SELECT media_type, {sql.seconds('available_at', 'created_at')} AS d "
        "FROM media_request WHERE available_at >= ? AND available_at <= ?",
        sql.time(span.start),
        sql.time(span.end),
    )
    found: dict[str, list[float]] = {kind: [] for kind in MEDIA_TYPES}
    for row in rows:
        found.setdefault(str(row["media_type"]), []).append(max(0.0, float(row["d"])))
    return {kind: Durations(sorted(values)) for kind, values in found.items()}


async def oldest_open(limit: int) -> list[OpenRequest]:
    """The requests waiting longest to reach Plex, oldest first."""
    rows = (
        await MediaRequest.filter(status__in=OPEN)
        .order_by("created_at", "id")
        .limit(limit)
        .values_list("id", "title", "media_type", "discord_id", "status", "created_at")
    )
    return [OpenRequest(*row) for row in rows]


def outcome_counts(by_status: dict[str, int]) -> dict[str, int]:
    """Counts by status folded into the dashboard's outcomes (unknown statuses are skipped)."""
    outcomes = dict.fromkeys(OUTCOMES, 0)
    for status, count in by_status.items():
        if status in OUTCOME_OF:
            outcomes[OUTCOME_OF[status]] += count
    return outcomes
