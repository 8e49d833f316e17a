"""Followers hear when a request they follow is refused by Overseerr or stuck in the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import MediaRequest
from tests.services.requests import members
from tests.services.requests.members import (
    ALICE,
    ALICE_PLEX,
    ARRIVAL,
    BOB,
    DAVE,
    DAVE_PLEX,
    DUNE,
    S,
    World,
    dms,
)

fake, world = members.fake, members.world  # the fixtures of this world


async def test_follower_told_once_of_a_403(db: str, world: World) -> None:
    """Dave's request is refused for quota: Bob, who follows it, hears why, once."""
    first = await world.service.submit(DAVE, DAVE_PLEX, f"movie:{DUNE}", None, False)
    row = await world.service.submit(DAVE, DAVE_PLEX, f"movie:{ARRIVAL}", None, False)
    assert await world.service.follow(BOB, "movie", ARRIVAL, None, False)
    assert (await world.service.deliver(first.id)).status == S.PENDING
    assert (await world.service.deliver(row.id)).status == S.REJECTED
    await world.service.deliver(row.id)
    told = await dms(BOB)
    assert len(told) == 1
    assert "refused by Overseerr: Movie Quota exceeded." in told[0]
    assert await world.service.following(BOB)  # still followed, in case it comes


async def test_follower_told_once_when_queued_for_a_day(db: str, world: World) -> None:
    """A followed request still queued after a day is told to its follower once."""
    row = await world.service.submit(ALICE, ALICE_PLEX, f"movie:{ARRIVAL}", None, False)
    assert await world.service.follow(BOB, "movie", ARRIVAL, None, False)
    await world.service.reconcile()
    assert await dms(BOB) == []  # a fresh queue is not news
    day_ago = datetime.now(UTC) - timedelta(days=1, minutes=1)
    await MediaRequest.filter(id=row.id).update(created_at=day_ago)
    await world.service.reconcile()
    await world.service.reconcile()
    told = await dms(BOB)
    assert len(told) == 1 and "is still queued" in told[0]
    assert await dms(ALICE) == []
