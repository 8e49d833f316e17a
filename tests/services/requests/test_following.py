""" "Notify me", per-season alerts and all future seasons, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.services.outbox import Button
from bot.services.requests import (
    AlreadyAvailable,
    AlreadyRequested,
    FollowTarget,
    NothingToFollow,
    follow_id,
    parse_follow_id,
)
from storage.models import MediaRequest, Subscription
from tests.services.requests import admins
from tests.services.requests.admins import (
    ALICE,
    ALICE_PLEX,
    ARRIVAL,
    BOB,
    BOB_PLEX,
    BREAKING_BAD,
    CAROL,
    DUNE,
    MATRIX,
    S,
    World,
)
from tests.services.requests.members import dms

fake, world = admins.fake, admins.world  # the fixtures of this world


async def test_notify_me_on_pending_media_then_available(world: World) -> None:
    """Someone else's pending request offers "Notify me"; on arrival both users get one DM."""
    row = await world.request(f"movie:{DUNE}")
    with pytest.raises(AlreadyRequested) as info:
        await world.service.submit(BOB, BOB_PLEX, f"movie:{DUNE}", None, False)
    assert not info.value.own and info.value.follow_id == f"follow:movie:{DUNE}:0:all"
    with pytest.raises(AlreadyRequested) as own:
        await world.service.submit(ALICE, ALICE_PLEX, f"movie:{DUNE}", None, False)
    assert own.value.follow_id is None  # the requester hears anyway
    assert await world.service.follow_by_id(BOB, info.value.follow_id)
    (followed,) = await world.service.following(BOB)
    assert (followed.label, followed.media_type, followed.tmdb_id) == ("Dune (2021)", "movie", DUNE)

    rid = row.overseerr_request_id or 0
    world.fake.set_request_status(rid, 2)
    await world.webhook("MEDIA_APPROVED", rid)
    world.fake.set_media_status(DUNE, "movie", 5)
    assert await world.webhook("MEDIA_AVAILABLE", rid) == (
        "MEDIA_AVAILABLE: 1 request(s) updated, 1 follower(s) told"
    )
    assert await world.webhook("MEDIA_AVAILABLE", rid) == "MEDIA_AVAILABLE: 0 request(s) updated"
    await world.service.reconcile()
    assert await dms(ALICE) == [
        "Your request for **Dune (2021)** was approved. I'll tell you when it's on Plex.",
        "**Dune (2021)** is now on Plex. Enjoy!",
    ]
    assert await dms(BOB) == ["**Dune (2021)** is now on Plex. Enjoy!"]
    assert await world.service.following(BOB) == []


async def test_duplicate_subscription_and_unsubscribe(world: World) -> None:
    """Following twice says False; own requests and media on Plex offer nothing to follow."""
    await world.request(f"movie:{ARRIVAL}")
    assert await world.service.follow(BOB, "movie", ARRIVAL, None, False)
    assert not await world.service.follow(BOB, "movie", ARRIVAL, None, False)
    assert not await world.service.follow(ALICE, "movie", ARRIVAL, None, False)  # her own
    assert await Subscription.all().count() == 1
    with pytest.raises(AlreadyAvailable) as available:
        await world.service.submit(BOB, BOB_PLEX, f"movie:{MATRIX}", None, False)
    assert available.value.follow_id is None
    with pytest.raises(NothingToFollow):
        await world.service.follow(BOB, "movie", MATRIX, None, False)
    (sub,) = await world.service.following(BOB)
    assert not await world.service.unfollow(CAROL, sub.id)
    assert await world.service.unfollow(BOB, sub.id)
    assert await world.service.following(BOB) == []
    world.fake.set_media_status(ARRIVAL, "movie", 5)
    await world.service.reconcile()
    assert await dms(BOB) == []


async def test_followers_hear_of_a_decline_found_by_the_poll(world: World) -> None:
    """A decline on the website with no webhook reaches requester and follower once each."""
    row = await world.request(f"movie:{DUNE}")
    assert await world.service.follow(BOB, "movie", DUNE, None, False)
    world.fake.set_request_status(row.overseerr_request_id or 0, 3)
    assert await world.service.reconcile() == 1
    await world.service.reconcile()
    assert await dms(ALICE) == ["Your request for **Dune (2021)** was declined."]
    assert await dms(BOB) == ["The request for **Dune (2021)** that you follow was declined."]
    assert await Subscription.all().count() == 0


# -- per-season alerts ----------------------------------------------------------------------


async def test_seasons_arriving_one_by_one(world: World) -> None:
    """One DM per season that arrives (webhook or poll), never repeated, and one final DM."""
    row = await world.request(f"tv:{BREAKING_BAD}", "1-3")
    rid = row.overseerr_request_id or 0
    with pytest.raises(AlreadyRequested) as info:
        await world.service.submit(BOB, BOB_PLEX, f"tv:{BREAKING_BAD}", "2-3", False)
    assert info.value.follow_id == f"follow:tv:{BREAKING_BAD}:0:2-3"
    assert await world.service.follow_by_id(BOB, info.value.follow_id)
    world.fake.set_request_status(rid, 2)

    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={1: 5})
    await world.webhook("MEDIA_AVAILABLE", rid)
    await world.webhook("MEDIA_AVAILABLE", rid)
    assert (await MediaRequest.get(id=row.id)).status == S.PARTIALLY_AVAILABLE
    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={2: 5})
    assert await world.service.reconcile() == 1  # no webhook for season 2
    assert await world.service.reconcile() == 0
    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={3: 5})
    await world.webhook("MEDIA_AVAILABLE", rid)
    await world.webhook("MEDIA_AVAILABLE", rid)
    await world.service.reconcile()

    assert (await MediaRequest.get(id=row.id)).status == S.AVAILABLE
    assert await dms(ALICE) == [
        "Part of **Breaking Bad (2008), seasons 1-3** is now on Plex: season 1.",
        "Part of **Breaking Bad (2008), seasons 1-3** is now on Plex: season 2.",
        "**Breaking Bad (2008), seasons 1-3** is now on Plex. Enjoy!",
    ]
    assert await dms(BOB) == [
        "**Breaking Bad (2008), season 2** is now on Plex. Enjoy!",
        "**Breaking Bad (2008), season 3** is now on Plex. Enjoy!",
    ]
    assert await world.service.following(BOB) == []


async def test_all_future_seasons(world: World) -> None:
    """Seasons `future` requests every season and DMs each new season once it is on Plex."""
    row = await world.request(f"tv:{BREAKING_BAD}", "future")
    assert row.seasons == [1, 2, 3, 4, 5]
    (wish,) = await world.service.following(ALICE)
    assert (wish.future, wish.label) == (True, "Breaking Bad (2008), every new season")
    world.fake.set_request_status(row.overseerr_request_id or 0, 2)
    world.fake.set_media_status(BREAKING_BAD, "tv", 5, seasons=dict.fromkeys(range(1, 6), 5))
    await world.service.reconcile()
    assert await dms(ALICE) == ["**Breaking Bad (2008), seasons 1-5** is now on Plex. Enjoy!"]

    with pytest.raises(AlreadyAvailable) as info:  # Bob wants only what comes next
        await world.service.submit(BOB, BOB_PLEX, f"tv:{BREAKING_BAD}", "all future", False)
    assert info.value.message.endswith("I'll DM you when a new season arrives.")
    assert await world.limiter.remaining("request", "5/hour", BOB) == 5

    world.fake.add_tv(BREAKING_BAD, "Breaking Bad", 2008, 6)  # season 6 is announced
    await world.service.reconcile()
    assert await dms(BOB) == []  # announced is not on Plex
    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={6: 5})
    await world.service.reconcile()
    await world.service.reconcile()
    new = "A new season is on Plex: **Breaking Bad (2008), season 6**. Enjoy!"
    assert (await dms(ALICE))[1:] == [new]
    assert await dms(BOB) == [new]
    assert len(await world.service.following(BOB)) == 1  # the wish stays


def test_follow_ids_round_trip_and_fit_discord() -> None:
    """Follow custom ids parse back, never pass 100 characters, and junk is refused."""
    assert follow_id("tv", 1396, True, [1, 2, 3, 5]) == "follow:tv:1396:1:1-3,5"
    assert parse_follow_id("follow:tv:1396:1:1-3,5") == FollowTarget("tv", 1396, True, (1, 2, 3, 5))
    assert parse_follow_id("follow:movie:603:0:all") == FollowTarget("movie", 603, False)
    assert parse_follow_id("follow:tv:1:0:future") == FollowTarget("tv", 1, False, None, True)
    scattered = follow_id("tv", 123456789, False, range(1, 200, 2))
    assert scattered == "follow:tv:123456789:0:all" and len(scattered) <= 100
    for junk in ("follow:book:1:0:all", "follow:tv:1:2:all", "follow:movie:1:0:1-2", "x"):
        assert parse_follow_id(junk) is None
    assert Button("Notify me", custom_id=follow_id("movie", DUNE, False)).custom_id
