"""All-time time to available for /metrics, counted from stored rows without rescanning them.

Reading every available request on each scrape costs a second on a large SQLite database, and
the rows never change once available. So rows stamped more than SETTLE ago are counted once
and kept; only the last few minutes are read again on each scrape. A new database (or a
restart) counts everything once, from the table.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.services.stats.sql import Sql

# Prometheus buckets for time to available, in seconds: an hour up to a month.
AVAILABLE_BUCKETS = (
    3600.0,
    6 * 3600.0,
    86400.0,
    3 * 86400.0,
    7 * 86400.0,
    14 * 86400.0,
    30 * 86400.0,
)
SETTLE = timedelta(minutes=5)  # far longer than any write takes to commit


@dataclass(frozen=True)
class AvailableHistogram:
    """All-time time to available of one media type, as cumulative Prometheus buckets."""

    buckets: list[tuple[float, int]]  # (upper bound in seconds, requests at or below it)
    count: int
    total_seconds: float


@dataclass
class Tally:
    """Requests per bucket (the last one open-ended) and their summed seconds, by media type."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            kind = str(row["media_type"])
            per_bucket = self.counts.setdefault(kind, [0] * (len(AVAILABLE_BUCKETS) + 1))
            per_bucket[int(row["bucket"])] += int(row["n"])
            self.seconds[kind] = self.seconds.get(kind, 0.0) + float(row["total"] or 0)

    def plus(self, other: Tally) -> Tally:
        both = Tally({k: list(v) for k, v in self.counts.items()}, dict(self.seconds))
        for kind, per_bucket in other.counts.items():
            mine = both.counts.setdefault(kind, [0] * len(per_bucket))
            both.counts[kind] = [a + b for a, b in zip(mine, per_bucket, strict=True)]
            both.seconds[kind] = both.seconds.get(kind, 0.0) + other.seconds.get(kind, 0.0)
        return both

    def histograms(self) -> dict[str, AvailableHistogram]:
        found = {}
        for kind, per_bucket in self.counts.items():
            cumulative = list(itertools.accumulate(per_bucket))
            found[kind] = AvailableHistogram(
                list(zip(AVAILABLE_BUCKETS, cumulative, strict=False)),
                cumulative[-1],
                self.seconds.get(kind, 0.0),
            )
        return found


class AvailableTally:
    """The settled part of the histogram for one database, advanced on each read."""

    def __init__(self) -> None:
        self._connection: object = None
        self._settled = Tally()
        self._until: datetime | None = None

    async def histograms(self, at: datetime | None = None) -> dict[str, AvailableHistogram]:
        """Every available request's time to available, by media type."""
        sql = Sql()
        if sql.connection is not self._connection:  # another database: start over
            self._connection, self._settled, self._until = sql.connection, Tally(), None
        until = (at or datetime.now(UTC)) - SETTLE
        if self._until is None:
            self._settled.add(await tallied(sql, "available_at <= ?", sql.time(until)))
        elif until > self._until:
            self._settled.add(
                await tallied(
                    sql,
                    "available_at > ? AND available_at <= ?",
                    sql.time(self._until),
                    sql.time(until),
                )
            )
        self._until = max(until, self._until or until)
        recent = Tally()
        recent.add(await tallied(sql, "available_at > ?", sql.time(self._until)))
        return self._settled.plus(recent).histograms()


async def tallied(sql: Sql, where: str, *params: Any) -> list[dict[str, Any]]:
    """Bucket, count and sum the times to available of the rows matching `where`."""
    which = " ".join(f"WHEN d <= {bound} THEN {i}" for i, bound in enumerate(AVAILABLE_BUCKETS))
    # MATERIALIZED: otherwise the backend may inline d and subtract once per WHEN.
    return await sql.rows(
        f"WITH done AS MATERIALIZED (SELECT media_type, "
        f"{sql.seconds('available_at', 'created_at')} AS d FROM media_request "
        f"WHERE {where}) "
        f"SELECT media_type, CASE {which} ELSE {len(AVAILABLE_BUCKETS)} END AS bucket, "
        "COUNT(*) AS n, SUM(d) AS total FROM done GROUP BY media_type, bucket",
        *params,
    )


_tally = AvailableTally()


async def available_histograms(at: datetime | None = None) -> dict[str, AvailableHistogram]:
    """The process's tally: counted in full once per database, then only what is new."""
    return await _tally.histograms(at)
