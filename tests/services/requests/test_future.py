""" "All future seasons": a new season is requested for a linked member, once, within quota."""

from __future__ import annotations

from storage.models import MediaRequest
from tests.services.requests import members
from tests.services.requests.members import (
    ALICE,
    ALICE_PLEX,
    BREAKING_BAD,
    DAVE,
    DAVE_PLEX,
    S,
    World,
    dms,
    make_due,
)
from tests.services.requests.test_elsewhere import link

fake, world = members.fake, members.world  # the fixtures of this world


async def test_new_season_is_requested_as_the_member(db: str, world: World) -> None:
    """Season 6 appears: one request as Alice's Overseerr user, one DM, one POST."""
    await link(ALICE, ALICE_PLEX)
    row = await world.request(f"tv:{BREAKING_BAD}", "future")
    assert row.seasons == [1, 2, 3, 4, 5] and world.posts() == 1
    world.fake.add_tv(BREAKING_BAD, "Breaking Bad", 2008, 6)  # season 6 is announced
    await world.service.reconcile()
    await world.service.reconcile()
    [new] = await MediaRequest.exclude(id=row.id)
    assert (new.seasons, new.status, new.overseerr_user_id) == ([6], S.QUEUED, 2)
    await make_due(new.id)
    assert await world.service.deliver_due() == 1
    posted = world.fake.seen("POST", "/api/v1/request")
    assert len(posted) == 2 and posted[1].json["seasons"] == [6]
    assert posted[1].headers["X-API-User"] == "2"
    told = await dms(ALICE)
    assert told[0] == (
        "A new season of **Breaking Bad (2008)** is out (season 6): I've requested it for you. "
        "I'll DM you when it's on Plex."
    )
    await world.service.reconcile()
    assert world.posts() == 2 and await MediaRequest.all().count() == 2


async def test_new_season_over_quota_is_told_not_requested(db: str, world: World) -> None:
    """Over the member's TV quota: nothing is requested, the member hears why once."""
    await link(DAVE, DAVE_PLEX)
    world.fake.users[5]["tvQuotaLimit"] = 1
    world.fake.users[5]["tvQuotaDays"] = 7
    assert await world.service.follow(DAVE, "tv", BREAKING_BAD, None, False, future=True)
    world.fake.add_tv(BREAKING_BAD, "Breaking Bad", 2008, 7)  # seasons 6 and 7 at once
    await world.service.reconcile()
    await world.service.reconcile()
    assert world.posts() == 0 and await MediaRequest.all().count() == 0
    told = await dms(DAVE)
    assert len(told) == 1 and "couldn't request it" in told[0]
