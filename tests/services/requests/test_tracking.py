"""Webhooks and the reconciling poll move requests forward, once each."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.services.requests import InvalidWebhook
from storage.models import MediaRequest
from tests.services.requests import members
from tests.services.requests.members import (
    ALICE,
    ALICE_PLEX,
    ARRIVAL,
    BOB,
    BOB_PLEX,
    BREAKING_BAD,
    CAROL,
    CAROL_PLEX,
    DAVE,
    DAVE_PLEX,
    DUNE,
    KEY,
    NOTIFY,
    S,
    World,
    delivered,
    dms,
    posts,
)

fake, world = members.fake, members.world  # the fixtures of this world


async def test_webhook_approved_then_available(db: str, world: World) -> None:
    """Approval and availability update the request, DM the user and announce availability."""
    row = await delivered(world)
    rid = row.overseerr_request_id or 0
    world.fake.set_request_status(rid, 2)
    out = await world.service.handle_webhook(world.fake.webhook_payload("MEDIA_APPROVED", rid))
    assert out == "MEDIA_APPROVED: 1 request(s) updated"
    assert (await MediaRequest.get(id=row.id)).status == S.APPROVED
    world.fake.set_media_status(DUNE, "movie", 5)
    await world.service.handle_webhook(world.fake.webhook_payload("MEDIA_AVAILABLE", rid))
    available = await MediaRequest.get(id=row.id)
    assert available.status == S.AVAILABLE
    assert available.available_at is not None  # the dashboard's time to available
    assert await dms(ALICE) == [
        "Your request for **Dune (2021)** was approved. I'll tell you when it's on Plex.",
        "**Dune (2021)** is now on Plex. Enjoy!",
    ]
    assert await posts(NOTIFY) == []  # the public post is New on Plex's (tests/cogs)


async def test_webhook_decisions(db: str, world: World) -> None:
    """Auto-approved, declined and failed each set the status and DM the requester once."""
    cases = [
        ("MEDIA_AUTO_APPROVED", ALICE, ALICE_PLEX, S.APPROVED, "was approved"),
        ("MEDIA_DECLINED", BOB, BOB_PLEX, S.DECLINED, "was declined"),
        ("MEDIA_FAILED", DAVE, DAVE_PLEX, S.FAILED, "failed in Overseerr"),
    ]
    for (kind, who, plex, status, text), title in zip(
        cases, ("movie:438631", "movie:329865", "tv:1396"), strict=True
    ):
        row = await delivered(world, title, who=who, plex=plex)
        payload = world.fake.webhook_payload(kind, row.overseerr_request_id)
        await world.service.handle_webhook(payload)
        await world.service.handle_webhook(payload)
        assert (await MediaRequest.get(id=row.id)).status == status
        (message,) = await dms(who)
        assert text in message


async def test_webhook_partially_then_fully_available(db: str, world: World) -> None:
    """TV: "partially available" when some asked seasons arrived, then "available" once."""
    row = await delivered(world, "tv:1396", "1-2")
    rid = row.overseerr_request_id or 0
    world.fake.set_request_status(rid, 2)
    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={1: 5})
    payload = world.fake.webhook_payload("MEDIA_AVAILABLE", rid)
    assert payload["media"]["status"] == "PARTIALLY_AVAILABLE"
    await world.service.handle_webhook(payload)
    assert (await MediaRequest.get(id=row.id)).status == S.PARTIALLY_AVAILABLE
    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={2: 5})
    # Other seasons are missing, so the show is still "partially available"; ours are all there.
    await world.service.handle_webhook(world.fake.webhook_payload("MEDIA_AVAILABLE", rid))
    await world.service.handle_webhook(world.fake.webhook_payload("MEDIA_AVAILABLE", rid))
    assert (await MediaRequest.get(id=row.id)).status == S.AVAILABLE
    assert await dms(ALICE) == [
        "Part of **Breaking Bad (2008), seasons 1-2** is now on Plex: season 1.",
        "**Breaking Bad (2008), seasons 1-2** is now on Plex. Enjoy!",
    ]


async def test_webhooks_twice_and_out_of_order(db: str, world: World) -> None:
    """A late "approved" after "available" changes nothing; repeats notify nobody twice."""
    row = await delivered(world)
    rid = row.overseerr_request_id or 0
    world.fake.set_request_status(rid, 2)
    approved = world.fake.webhook_payload("MEDIA_APPROVED", rid)
    world.fake.set_media_status(DUNE, "movie", 5)
    available = world.fake.webhook_payload("MEDIA_AVAILABLE", rid)
    for payload in (available, available, approved, approved):
        await world.service.handle_webhook(payload)
    declined = world.fake.webhook_payload("MEDIA_DECLINED", rid)
    await world.service.handle_webhook(declined)
    assert (await MediaRequest.get(id=row.id)).status == S.AVAILABLE
    assert await dms(ALICE) == ["**Dune (2021)** is now on Plex. Enjoy!"]


async def test_webhook_for_a_request_we_dont_know(db: str, world: World) -> None:
    """Availability found by TMDB id settles our requests for that movie, queued ones too."""
    mine = await delivered(world)
    queued = await world.service.submit(BOB, BOB_PLEX, "movie:329865", None, False)
    world.fake.set_media_status(DUNE, "movie", 5)
    world.fake.set_media_status(ARRIVAL, "movie", 5)
    for tmdb in (DUNE, ARRIVAL):
        payload = world.fake.webhook_payload("MEDIA_AVAILABLE", tmdb_id=tmdb, media_type="movie")
        await world.service.handle_webhook(payload)
    assert (await MediaRequest.get(id=mine.id)).status == S.AVAILABLE
    assert (await MediaRequest.get(id=queued.id)).status == S.AVAILABLE
    assert (await world.service.deliver(queued.id)).status == S.AVAILABLE
    assert world.posts() == 1


async def test_webhooks_for_titles_only_followed_or_unknown_here(db: str, world: World) -> None:
    """A title only followed here tells its follower; one nobody asked for or follows: no-op."""
    assert await world.service.follow(BOB, "movie", ARRIVAL, None, False)
    world.fake.set_media_status(ARRIVAL, "movie", 5)
    world.fake.set_media_status(DUNE, "movie", 5)
    followed = world.fake.webhook_payload("MEDIA_AVAILABLE", tmdb_id=ARRIVAL, media_type="movie")
    nobodys = world.fake.webhook_payload("MEDIA_AVAILABLE", tmdb_id=DUNE, media_type="movie")
    assert await world.service.handle_webhook(followed) == (
        "MEDIA_AVAILABLE: 0 request(s) updated, 1 follower(s) told"
    )
    assert await world.service.handle_webhook(nobodys) == ("MEDIA_AVAILABLE: 0 request(s) updated")
    assert await dms(BOB) == ["**Arrival (2016)** is now on Plex. Enjoy!"]
    assert await MediaRequest.all().count() == 0
    assert await world.service.following(BOB) == []
    assert world.posts() == 0


async def test_webhooks_arriving_together_share_one_lookup(
    db: str, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Webhooks read in the same moment share one query, and each is answered as if alone."""
    row = await delivered(world)  # Alice's request for Dune
    assert await world.service.follow(BOB, "movie", ARRIVAL, None, False)
    for tmdb in (DUNE, ARRIVAL, 999):
        world.fake.set_media_status(tmdb, "movie", 5)
    payloads = [
        world.fake.webhook_payload("MEDIA_AVAILABLE", tmdb_id=tmdb, media_type="movie")
        for tmdb in (DUNE, ARRIVAL, 999)
    ]
    requests = world.service
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        results = await asyncio.gather(*(requests.handle_webhook(p) for p in payloads))
    lookups = [r for r in caplog.records if "FROM (VALUES" in r.getMessage()]
    assert len(lookups) == 1
    assert results == [
        "MEDIA_AVAILABLE: 1 request(s) updated",
        "MEDIA_AVAILABLE: 0 request(s) updated, 1 follower(s) told",
        "MEDIA_AVAILABLE: 0 request(s) updated",
    ]
    assert (await MediaRequest.get(id=row.id)).status == S.AVAILABLE


async def test_decision_on_someone_elses_request_is_not_ours(db: str, world: World) -> None:
    """A decline of another request for the same media leaves ours alone."""
    ours = await delivered(world, "tv:1396", "1")
    _, theirs = await world.client().create_request("tv", BREAKING_BAD, user_id=3, seasons=[2])
    world.fake.set_request_status(theirs["id"], 3)
    await world.service.handle_webhook(world.fake.webhook_payload("MEDIA_DECLINED", theirs["id"]))
    assert (await MediaRequest.get(id=ours.id)).status == S.PENDING
    assert await dms(ALICE) == []


async def test_test_and_other_notifications(db: str, world: World) -> None:
    """TEST_NOTIFICATION and issue or pending events are accepted and change nothing."""
    out = await world.service.handle_webhook(world.fake.webhook_payload("TEST_NOTIFICATION"))
    assert out == "test notification received"
    row = await delivered(world)
    for kind in ("MEDIA_PENDING", "ISSUE_CREATED", "MEDIA_AUTO_REQUESTED"):
        payload = world.fake.webhook_payload(kind, row.overseerr_request_id)
        assert (await world.service.handle_webhook(payload)).endswith("ignored")
    assert await dms(ALICE) == []


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "MEDIA_AVAILABLE",
        {},
        {"notification_type": "MEDIA_EXPLODED"},
        {"notification_type": 5},
        {"notification_type": "MEDIA_AVAILABLE", "media": None},
        {"notification_type": "MEDIA_AVAILABLE", "media": {"media_type": "movie", "tmdbId": "x"}},
        {"notification_type": "MEDIA_APPROVED", "media": {"media_type": "book", "tmdbId": "1"}},
        {
            "notification_type": "MEDIA_APPROVED",
            "media": {"media_type": "movie", "tmdbId": "603"},
            "request": {"request_id": "twelve"},
        },
        {
            "notification_type": "MEDIA_APPROVED",
            "media": {"media_type": "movie", "tmdbId": "603"},
            "request": ["12"],
        },
    ],
)
async def test_bad_webhook_bodies(world: World, payload: Any) -> None:
    """Malformed or unknown bodies raise InvalidWebhook, which the route answers with 400."""
    with pytest.raises(InvalidWebhook):
        await world.service.handle_webhook(payload)


async def test_reconcile_applies_missed_webhooks(db: str, world: World) -> None:
    """The poll applies decisions and availability that no webhook reported, once."""
    dune = await delivered(world)
    show = await delivered(world, "tv:1396", "3", who=BOB, plex=BOB_PLEX)
    arrival = await delivered(world, "movie:329865", who=CAROL, plex=CAROL_PLEX)
    world.fake.set_request_status(dune.overseerr_request_id or 0, 3)
    world.fake.set_request_status(show.overseerr_request_id or 0, 2)
    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={3: 5})
    world.fake.set_media_status(ARRIVAL, "movie", 5)
    assert await world.service.reconcile() == 3
    assert await world.service.reconcile() == 0
    statuses = {r.id: r.status for r in await MediaRequest.all()}
    assert statuses == {dune.id: S.DECLINED, show.id: S.AVAILABLE, arrival.id: S.AVAILABLE}
    assert len(await dms(ALICE)) == len(await dms(BOB)) == len(await dms(CAROL)) == 1


async def test_reconcile_survives_an_outage_and_deleted_requests(db: str, world: World) -> None:
    """Overseerr down: the poll stops and changes nothing; a deleted request falls back to media."""
    row = await delivered(world)
    await world.fake.stop()
    assert await world.service.reconcile() == 0
    await world.fake.start()
    rid = row.overseerr_request_id or 0
    async with world.http.delete(
        f"{world.fake.url}/api/v1/request/{rid}", headers={"X-Api-Key": KEY}
    ) as response:
        assert response.status == 204
    assert await world.service.reconcile() == 0
    world.fake.set_media_status(DUNE, "movie", 5)
    assert await world.service.reconcile() == 1
    assert (await MediaRequest.get(id=row.id)).status == S.AVAILABLE
