"""Requests made while Overseerr is down: kept, checked and sent once it answers."""

from __future__ import annotations

import pytest

from bot.errors import RateLimited
from storage.models import MediaRequest
from tests.services.requests import members
from tests.services.requests.members import (
    ALICE,
    ALICE_PLEX,
    ARRIVAL,
    BREAKING_BAD,
    S,
    World,
    dms,
    make_due,
)

fake, world = members.fake, members.world  # the fixtures of this world


async def queue_while_down(world: World, value: str, seasons: str | None = None) -> MediaRequest:
    """The autocomplete answered while Overseerr was up; `/request` is sent once it is down."""
    await world.service.suggest_titles("arrival")
    await world.fake.stop()
    row = await world.service.submit(ALICE, ALICE_PLEX, value, seasons, False)
    assert (row.status, row.unchecked) == (S.QUEUED, True)
    return row


async def test_down_restart_back_posts_once_and_tells_once(db: str, world: World) -> None:
    """Down at /request, bot restarted, Overseerr back: one POST, one outcome DM."""
    row = await queue_while_down(world, f"movie:{ARRIVAL}")
    assert (row.title, row.year) == ("Arrival", 2016)  # the suggestion's label, from the cache
    assert await world.limiter.remaining("request", "5/hour", ALICE) == 4
    assert await world.service.deliver_due() == 0  # still down: stays queued
    assert await dms(ALICE) == []  # the command's reply already said "queued"
    await world.fake.start()
    restarted = world.build()
    await make_due(row.id)
    assert await restarted.deliver_due() == 1
    saved = await MediaRequest.get(id=row.id)
    assert (saved.status, saved.unchecked, saved.overseerr_user_id) == (S.PENDING, False, 2)
    assert saved.overseerr_request_id is not None
    assert world.posts() == 1
    assert world.fake.seen("POST", "/api/v1/request")[0].headers["X-API-User"] == "2"
    await make_due(row.id)
    assert await restarted.deliver_due() == 0
    assert world.posts() == 1
    told = await dms(ALICE)
    assert len(told) == 1 and "Arrival (2016)" in told[0] and "went through" in told[0]


async def test_back_and_already_available(db: str, world: World) -> None:
    """Overseerr comes back saying it is on Plex already: no POST, one DM saying so."""
    row = await queue_while_down(world, f"movie:{ARRIVAL}")
    world.fake.set_media_status(ARRIVAL, "movie", 5)
    await world.fake.start()
    await make_due(row.id)
    assert await world.service.deliver_due() == 1
    saved = await MediaRequest.get(id=row.id)
    assert (saved.status, saved.unchecked) == (S.AVAILABLE, False)
    assert world.posts() == 0
    assert await dms(ALICE) == ["**Arrival (2016)** is already on Plex. Enjoy!"]
    assert await world.service.deliver_due() == 0
    assert len(await dms(ALICE)) == 1


async def test_back_and_already_requested_by_someone(db: str, world: World) -> None:
    """Someone asked on the website meanwhile: no second POST; the member hears why, once."""
    row = await queue_while_down(world, f"movie:{ARRIVAL}")
    await world.fake.start()
    code, _ = await world.client().create_request("movie", ARRIVAL, user_id=3)
    assert code == 201 and world.posts() == 1
    await make_due(row.id)
    await world.service.deliver_due()
    saved = await MediaRequest.get(id=row.id)
    assert saved.status == S.REJECTED and world.posts() == 1
    told = await dms(ALICE)
    assert len(told) == 1 and "has already been requested" in told[0]


async def test_queued_seasons_checked_when_back(db: str, world: World) -> None:
    """A show queued with seasons gets them checked against the real show, then sent."""
    row = await queue_while_down(world, f"tv:{BREAKING_BAD}", "1-2")
    assert row.seasons is None and row.title == f"Show #{BREAKING_BAD}"  # nothing cached
    await world.fake.start()
    await make_due(row.id)
    assert await world.service.deliver_due() == 1
    saved = await MediaRequest.get(id=row.id)
    assert (saved.title, saved.seasons, saved.status) == ("Breaking Bad", [1, 2], S.PENDING)
    assert world.fake.seen("POST", "/api/v1/request")[0].json["seasons"] == [1, 2]


async def test_queued_bad_seasons_refused_when_back(db: str, world: World) -> None:
    """Seasons the show doesn't have: nothing is sent, the member is told why."""
    row = await queue_while_down(world, f"tv:{BREAKING_BAD}", "9")
    await world.fake.start()
    await make_due(row.id)
    await world.service.deliver_due()
    assert (await MediaRequest.get(id=row.id)).status == S.REJECTED
    assert world.posts() == 0
    told = await dms(ALICE)
    assert len(told) == 1 and told[0].startswith("I couldn't send your queued request")


async def test_down_requests_count_against_the_rate_limit(db: str, world: World) -> None:
    """Queued requests spend uses like any other, so an outage doesn't lift the limit."""
    await world.fake.stop()
    for _ in range(5):
        await world.service.submit(ALICE, ALICE_PLEX, f"movie:{ARRIVAL}", None, False)
    with pytest.raises(RateLimited):
        await world.service.submit(ALICE, ALICE_PLEX, f"movie:{ARRIVAL}", None, False)
    await world.fake.start()


async def test_outage_at_submission_is_told_once(db: str, world: World) -> None:
    """Overseerr fails at the command's own POST: the reply says queued, no extra DM."""
    row = await world.service.submit(ALICE, ALICE_PLEX, f"movie:{ARRIVAL}", None, False)
    world.fake.fail_next("POST", "/request", 503)
    result = await world.service.deliver(row.id)
    assert result.status == S.QUEUED
    assert await dms(ALICE) == []
    await make_due(row.id)
    assert await world.service.deliver_due() == 1
    told = await dms(ALICE)
    assert len(told) == 1 and "went through" in told[0]
    assert world.posts() == 2  # the refused one and the one that went through
