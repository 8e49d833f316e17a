"""Requests a linked member made outside Discord get the same DMs, once; prefs turn them off."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.requests.prefs import Preferences
from storage.models import MediaRequest, Member, PlexLink, Role
from tests.services.requests import members
from tests.services.requests.members import (
    ALICE,
    ALICE_PLEX,
    ARRIVAL,
    BOB,
    DUNE,
    S,
    World,
    dms,
    make_due,
)

fake, world = members.fake, members.world  # the fixtures of this world


async def link(discord_id: int, plex_id: int) -> None:
    """The member linked their Plex account in the bot."""
    member = await Member.create(discord_id=discord_id)
    moment = datetime.now(UTC)
    await PlexLink.create(
        member=member,
        plex_user_id=plex_id,
        plex_username=f"user{plex_id}",
        role=Role.USER,
        token_encrypted="x",
        linked_at=moment,
        verified_at=moment,
    )


async def on_website(world: World, tmdb_id: int, user_id: int = 2) -> int:
    """The member asks on Overseerr's website (as their own Overseerr user)."""
    code, body = await world.client().create_request("movie", tmdb_id, user_id=user_id)
    assert code == 201
    return int(body["id"])


async def test_website_request_by_webhook_then_poll(db: str, world: World) -> None:
    """Found by webhook: approved and available are DMed once each, by webhook or poll."""
    await link(ALICE, ALICE_PLEX)
    rid = await on_website(world, DUNE)
    requests = world.service
    await requests.handle_webhook(world.fake.webhook_payload("MEDIA_PENDING", rid))
    [row] = await MediaRequest.filter(elsewhere=True)
    assert (row.discord_id, row.status, row.title) == (ALICE, S.PENDING, "Dune")
    assert await dms(ALICE) == []  # pending is not news, as for our own requests
    world.fake.set_request_status(rid, 2)
    await requests.handle_webhook(world.fake.webhook_payload("MEDIA_APPROVED", rid))
    await requests.handle_webhook(world.fake.webhook_payload("MEDIA_APPROVED", rid))
    await requests.reconcile()
    assert await dms(ALICE) == [
        "Your request for **Dune (2021)** was approved. I'll tell you when it's on Plex."
    ]
    world.fake.set_media_status(DUNE, "movie", 5)
    await requests.reconcile()  # the available webhook was missed
    await requests.reconcile()
    assert (await dms(ALICE))[1:] == ["**Dune (2021)** is now on Plex. Enjoy!"]
    assert await MediaRequest.filter(elsewhere=True).count() == 1


async def test_missed_webhook_found_by_the_poll(db: str, world: World) -> None:
    """No webhook at all: the poll adopts it, and a decline is told once with its status."""
    await link(ALICE, ALICE_PLEX)
    rid = await on_website(world, ARRIVAL)
    world.fake.set_request_status(rid, 3)
    await world.service.reconcile()
    await world.service.reconcile()
    [row] = await MediaRequest.filter(elsewhere=True)
    assert row.status == S.DECLINED
    told = await dms(ALICE)
    assert len(told) == 1 and told[0].startswith("Your request for **Arrival (2016)** was declined")


async def test_unlinked_and_bot_requests_are_not_adopted(db: str, world: World) -> None:
    """A requester with no link is left alone; the bot's own request is not adopted twice."""
    await on_website(world, DUNE, user_id=3)  # bob's Overseerr user: bob is not linked
    await link(ALICE, ALICE_PLEX)
    row = await world.request(f"movie:{ARRIVAL}")
    await world.service.reconcile()
    assert await MediaRequest.all().count() == 1 and not row.elsewhere


async def test_queued_while_posting_is_not_adopted(db: str, world: World) -> None:
    """A delivery that posted but has not saved the id yet is the bot's, not elsewhere."""
    await link(ALICE, ALICE_PLEX)
    row = await world.service.submit(ALICE, ALICE_PLEX, f"movie:{DUNE}", None, False)
    rid = await on_website(world, DUNE)  # stands for the POST of a delivery still in flight
    await world.service.reconcile()
    assert await MediaRequest.filter(elsewhere=True).count() == 0
    await make_due(row.id)
    await world.service.deliver_due()
    assert (await MediaRequest.get(id=row.id)).overseerr_request_id == rid


async def test_prefs_turn_dms_off_per_kind(db: str, world: World) -> None:
    """Turning off "made elsewhere" stops those DMs; Discord requests still get theirs."""
    await link(ALICE, ALICE_PLEX)
    prefs = Preferences()  # the choices are stored, so any instance reads them
    assert (await prefs.of(ALICE)).elsewhere_requests
    assert not (await prefs.toggle(ALICE, "elsewhere_requests")).elsewhere_requests
    assert (await prefs.of(BOB)).elsewhere_requests  # others keep the default
    rid = await on_website(world, DUNE)
    world.fake.set_request_status(rid, 2)
    await world.service.reconcile()
    assert await MediaRequest.filter(elsewhere=True, status=S.APPROVED).count() == 1
    assert await dms(ALICE) == []
    mine = await world.request(f"movie:{ARRIVAL}")
    world.fake.set_request_status(mine.overseerr_request_id or 0, 2)
    await world.service.reconcile()
    assert len(await dms(ALICE)) == 1


async def test_malformed_requester_writes_nothing(db: str, world: World) -> None:
    """A requester with a malformed plexId, by webhook or poll: logged, nothing adopted."""
    await link(ALICE, ALICE_PLEX)
    rid = await on_website(world, DUNE)
    bad = {
        "id": rid,
        "status": 1,
        "type": "movie",
        "is4k": False,
        "requestedBy": {"id": 2, "plexId": "not-a-number"},
    }
    world.fake.fail_next("GET", f"/request/{rid}", 200, body=bad)
    out = await world.service.handle_webhook(world.fake.webhook_payload("MEDIA_PENDING", rid))
    assert out.startswith("MEDIA_PENDING")
    page = {"pageInfo": {"pages": 1, "pageSize": 50, "results": 1, "page": 1}, "results": [bad]}
    world.fake.fail_next("GET", "/request", 200, body=page)
    await world.service.reconcile()
    assert await MediaRequest.filter(elsewhere=True).count() == 0
    assert await dms(ALICE) == []
