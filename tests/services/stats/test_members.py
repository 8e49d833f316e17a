"""The Members page's figures from seeded rows, and quotas read from a fake Overseerr."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.clients.overseerr import OverseerrClient
from bot.services.stats import Period
from bot.services.stats.members import NearQuota, QuotaCache, member_stats
from tests.fakes.overseerr import FakeOverseerr
from tests.services.stats.seed import ANN, AT, BEN, CAL, seed_members, seed_requests, t

KEY = "stats-key"
DUNE, ARRIVAL = 438631, 329865


@pytest.mark.parametrize(
    ("period", "active", "links", "top"),
    [
        (Period.DAY, 2, 1, [(ANN, 2), (BEN, 2)]),
        (Period.WEEK, 3, 2, [(BEN, 4), (ANN, 3)]),
        (Period.MONTH, 4, 3, [(BEN, 4), (ANN, 3), (CAL, 2)]),
    ],
)
async def test_active_links_and_top_requesters_per_period(
    db: str, period: Period, active: int, links: int, top: list[tuple[int, int]]
) -> None:
    """Active counts distinct members per whole day; links and requests count in the window."""
    await seed_requests()
    await seed_members()
    stats = await member_stats(period, AT)
    assert stats.active == active
    assert stats.new_links == links
    assert [(r.discord_id, r.requests) for r in stats.top_requesters] == top
    assert not stats.empty


async def test_members_waiting_longest_by_their_oldest_open_request(db: str) -> None:
    """Ann's oldest open request is from Oct 15, Cal's Nov 10, Ben's Nov 26."""
    await seed_requests()
    stats = await member_stats(Period.WEEK, AT)
    waiting = [(w.discord_id, w.open_requests, w.oldest_at) for w in stats.longest_waiting]
    assert waiting == [(ANN, 2, t(10, 15)), (CAL, 1, t(11, 10)), (BEN, 2, t(11, 26, 8))]


async def test_an_empty_period_has_no_members(db: str) -> None:
    """With nothing stored the page is empty; far after the seeds only the waiting remain."""
    empty = await member_stats(Period.DAY, AT)
    assert empty.empty and empty.active == 0 and empty.top_requesters == []
    await seed_requests()
    await seed_members()
    later = await member_stats(Period.DAY, AT + timedelta(days=60))
    assert (later.active, later.new_links, later.top_requesters) == (0, 0, [])
    assert len(later.longest_waiting) == 3


@pytest.fixture
async def overseerr() -> AsyncIterator[FakeOverseerr]:
    """Overseerr users 11-13 (Ann, Ben, Cal): Ben has used his one movie, Cal has no limits."""
    server = FakeOverseerr(api_key=KEY)
    server.add_user(11, plex_id=ANN, plex_username="ann", quota={"movie": {"limit": 5, "days": 7}})
    server.add_user(12, plex_id=BEN, plex_username="ben", quota={"movie": {"limit": 1, "days": 7}})
    server.add_user(13, plex_id=CAL, plex_username="cal")
    server.add_movie(DUNE, "Dune", 2021)
    server.add_movie(ARRIVAL, "Arrival", 2016)
    await server.start()
    yield server
    await server.stop()


async def test_members_near_their_quota_from_overseerr(db: str, overseerr: FakeOverseerr) -> None:
    """Of the top requesters, Ben (1 of 1 movie) is near his quota; answers are cached."""
    await seed_requests()
    async with aiohttp.ClientSession() as http:
        client = OverseerrClient(http, overseerr.url, KEY)
        await client.create_request("movie", DUNE, user_id=12)
        await client.create_request("movie", ARRIVAL, user_id=11)
        cache = QuotaCache(client.quota)
        stats = await member_stats(Period.MONTH, AT, quotas=cache)
        assert stats.near_quota == [NearQuota(BEN, "movie", 1, 1)]
        assert stats.quotas_read == 3
        await overseerr.stop()  # a second page view within the TTL needs no Overseerr
        again = await member_stats(Period.MONTH, AT, quotas=cache)
        assert again.near_quota == stats.near_quota


async def test_quota_outage_still_shows_the_page(db: str, overseerr: FakeOverseerr) -> None:
    """With Overseerr down the page still answers, saying no quota was read."""
    await seed_requests()
    await overseerr.stop()
    async with aiohttp.ClientSession() as http:
        cache = QuotaCache(OverseerrClient(http, overseerr.url, KEY).quota)
        stats = await member_stats(Period.WEEK, AT, quotas=cache)
    assert stats.near_quota == [] and stats.quotas_read == 0
    assert [r.discord_id for r in stats.top_requesters] == [BEN, ANN]
