"""The Requests page's figures from seeded rows: exact for each period, and an empty one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.services.health import HealthMonitor
from bot.services.loop_lag import LoopLag
from bot.services.metrics import Metrics
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.stats import Period, window
from bot.services.stats.histogram import AVAILABLE_BUCKETS, AvailableTally, available_histograms
from bot.services.stats.period import median, percentile
from bot.services.stats.requests import request_stats
from bot.services.status import build_report
from storage.models import MediaRequest, RequestStatus
from tests.services.stats.seed import AT, DAY, HOUR, seed_requests, t

EXPECTED = {
    Period.DAY: dict(
        outcomes={"available": 1, "pending": 2, "declined": 1, "failed": 0, "queued": 0},
        funnel=(4, 2, 1),
        movie=[HOUR],
        tv=[],
        buckets={1: "declined", 12: "pending", 22: "available", 23: "pending"},
    ),
    Period.WEEK: dict(
        outcomes={"available": 2, "pending": 2, "declined": 1, "failed": 1, "queued": 1},
        funnel=(7, 3, 2),
        movie=[HOUR, 6 * DAY],
        tv=[2 * DAY],
        buckets=None,
    ),
    Period.MONTH: dict(
        outcomes={"available": 3, "pending": 3, "declined": 1, "failed": 1, "queued": 1},
        funnel=(9, 5, 3),
        movie=[HOUR, 6 * DAY, 33 * DAY],
        tv=[2 * DAY],
        buckets=None,
    ),
}


def test_windows_are_whole_hours_or_days_ending_now() -> None:
    """24 hours start on the hour 23 hours back; 7 and 30 days at midnight, today included."""
    assert window(Period.DAY, AT).start == t(11, 30, 22)
    assert window(Period.WEEK, AT).start == t(11, 25)
    assert window(Period.MONTH, AT).start == t(11, 2)
    assert len(window(Period.MONTH, AT).starts) == 30
    assert window(Period.WEEK, AT).bucket_of(AT) == 6


def test_median_and_nearest_rank_percentile() -> None:
    """The median averages the middle pair; the 90th percentile is a value that occurred."""
    assert median([]) is None and percentile([], 0.9) is None
    assert median([3.0, 1.0, 2.0]) == 2.0 and median([1.0, 2.0, 3.0, 10.0]) == 2.5
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.9) == 9.0 and percentile([*values, 11.0], 0.9) == 10.0


@pytest.mark.parametrize("period", list(Period))
async def test_outcomes_funnel_and_time_to_available_per_period(db: str, period: Period) -> None:
    """Each period counts exactly the requests made in it and those that became available."""
    await seed_requests()
    stats = await request_stats(period, AT)
    want = EXPECTED[period]
    assert stats.outcomes == want["outcomes"]
    assert stats.total == sum(want["outcomes"].values())
    assert (stats.funnel.requested, stats.funnel.approved, stats.funnel.available) == want["funnel"]
    assert stats.to_available["movie"].seconds == want["movie"]
    assert stats.to_available["tv"].seconds == want["tv"]
    summed = {o: sum(b[o] for b in stats.per_bucket) for o in want["outcomes"]}
    assert summed == want["outcomes"]  # every request lands in one bucket
    if want["buckets"]:
        filled = {i: o for i, b in enumerate(stats.per_bucket) for o, n in b.items() if n}
        assert filled == want["buckets"]
    assert not stats.empty


async def test_medians_and_90th_percentiles_keep_movies_and_tv_apart(db: str) -> None:
    """Over 30 days movies took 1 h, 6 d and 33 d (median 6 d, p90 33 d); TV once, 2 d."""
    await seed_requests()
    stats = await request_stats(Period.MONTH, AT)
    movie, tv = stats.to_available["movie"], stats.to_available["tv"]
    assert (movie.count, movie.median, movie.p90) == (3, 6 * DAY, 33 * DAY)
    assert (tv.count, tv.median, tv.p90) == (1, 2 * DAY, 2 * DAY)
    week = (await request_stats(Period.WEEK, AT)).to_available["movie"]
    assert (week.median, week.p90) == ((HOUR + 6 * DAY) / 2, 6 * DAY)


async def test_oldest_open_requests_come_first(db: str) -> None:
    """Open requests (not available, declined or failed) oldest first, whatever the period."""
    await seed_requests()
    stats = await request_stats(Period.DAY, AT, oldest=5)
    assert [r.id for r in stats.oldest_open] == [10, 8, 6, 2, 11]
    assert stats.oldest_open[0].created_at == t(10, 15)


async def test_an_empty_period_is_empty(db: str) -> None:
    """A day without requests has zero counts and says it is empty, old open ones still shown."""
    await seed_requests()
    stats = await request_stats(Period.DAY, AT + timedelta(days=3))
    assert stats.empty and stats.total == 0
    assert stats.funnel.requested == 0
    assert all(d.count == 0 for d in stats.to_available.values())
    assert [r.id for r in stats.oldest_open] == [10, 8, 6, 2, 11]


async def test_saving_a_request_as_available_stamps_the_moment(db: str) -> None:
    """A request created or saved as AVAILABLE gets available_at; an earlier stamp is kept."""
    row = await MediaRequest.create(
        discord_id=1, media_type="movie", title="Dune", status=RequestStatus.PENDING
    )
    assert row.available_at is None
    row.status = RequestStatus.AVAILABLE
    await row.save(update_fields=["status"])
    stored = await MediaRequest.get(id=row.id)
    assert stored.available_at is not None and stored.available_at >= stored.created_at
    stamped = stored.available_at
    await stored.save()
    assert (await MediaRequest.get(id=row.id)).available_at == stamped


async def test_time_to_available_histogram_on_metrics(db: str) -> None:
    """/metrics carries outcome gauges and a cumulative time-to-available histogram per type."""
    await seed_requests()
    histograms = await available_histograms()
    movie = dict(histograms["movie"].buckets)
    assert movie[HOUR] == 1 and movie[7 * DAY] == 2 and movie[30 * DAY] == 2
    assert histograms["movie"].count == 3
    assert histograms["movie"].total_seconds == pytest.approx(HOUR + 6 * DAY + 33 * DAY)
    assert dict(histograms["tv"].buckets)[DAY] == 0 and dict(histograms["tv"].buckets)[3 * DAY] == 1
    report = await build_report(HealthMonitor({}, Outbox(), Places({})), Outbox(), LoopLag(), AT)
    text = Metrics().exposition(report, refusals=0)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    outcomes = {
        s.labels["outcome"]: s.value for s in families["medianest_request_outcomes"].samples
    }
    assert outcomes == {"available": 4, "pending": 4, "declined": 1, "failed": 1, "queued": 1}
    family = families["medianest_time_to_available_seconds"]
    assert family.type == "histogram"
    tv = {s.labels.get("le"): s.value for s in family.samples if s.labels["media_type"] == "tv"}
    assert tv["86400.0"] == 0 and tv["259200.0"] == 1 and tv["+Inf"] == 1
    assert len([s for s in family.samples if s.name.endswith("_bucket")]) == 2 * (
        len(AVAILABLE_BUCKETS) + 1
    )


async def test_histogram_counts_each_request_once_as_rows_settle(db: str) -> None:
    """Rows stamped since the last scrape are counted; settled ones are not counted twice."""
    await seed_requests()
    tally = AvailableTally()
    assert (await tally.histograms(AT))["movie"].count == 3

    async def available(minutes: float) -> None:
        await MediaRequest.create(
            discord_id=1,
            media_type="movie",
            title="New",
            status=RequestStatus.AVAILABLE,
            created_at=AT - timedelta(hours=2),
            available_at=AT + timedelta(minutes=minutes),
        )

    await available(-1)  # after the settled mark: read again on every scrape
    assert (await tally.histograms(AT))["movie"].count == 4
    assert (await tally.histograms(AT + timedelta(minutes=10)))["movie"].count == 4
    await available(7)  # stamped after the mark moved to AT + 5 min
    later = await tally.histograms(AT + timedelta(minutes=20))
    assert later["movie"].count == 5
    assert dict(later["movie"].buckets)[6 * HOUR] == 3  # 1 h, and the two new ones of about 2 h
    assert later == await AvailableTally().histograms(AT + timedelta(minutes=20))
