"""Approval cards: posted once, decided by admins as their own Overseerr user or on the website."""

from __future__ import annotations

import pytest

from bot.errors import NotAllowed
from bot.services.outbox import Outbox
from bot.services.requests import AlreadyDecided
from storage.models import ApprovalCard, CardDecision, MediaRequest, OutboxMessage
from tests.services.requests import admins
from tests.services.requests.admins import (
    ADMIN,
    ALICE,
    APPROVALS,
    ARRIVAL,
    BOB,
    BOB_PLEX,
    BREAKING_BAD,
    CAROL,
    CAROL_PLEX,
    DUNE,
    HELPER_PLEX,
    KEY,
    MOD_OVERSEERR,
    MOD_PLEX,
    OTHER_ADMIN,
    REVIEW,
    Recorder,
    S,
    World,
    custom_ids,
)
from tests.services.requests.members import dms, posts

fake, world = admins.fake, admins.world  # the fixtures of this world


async def test_cards_posted_once_for_bot_and_website_requests(world: World) -> None:
    """Each pending request gets one card, found at delivery, by webhook or by the poll."""
    mine = await world.request(f"movie:{DUNE}")
    client = world.client()
    _, website = await client.create_request("movie", ARRIVAL, user_id=3)
    _, unseen = await client.create_request("tv", BREAKING_BAD, user_id=3, seasons=[1, 2])
    await world.request(f"tv:{BREAKING_BAD}", "3", who=CAROL, plex=CAROL_PLEX)  # auto-approved

    assert (
        await world.webhook("MEDIA_PENDING", website["id"]) == "MEDIA_PENDING: approval card posted"
    )
    assert (await world.webhook("MEDIA_PENDING", website["id"])).endswith("ignored")
    assert (await world.webhook("MEDIA_PENDING", mine.overseerr_request_id)).endswith("ignored")
    await world.service.reconcile()
    await world.service.reconcile()

    cards = await posts(APPROVALS)
    ids = [mine.overseerr_request_id, website["id"], unseen["id"]]
    assert [c.dedupe_key for c in cards] == [f"approval:{i}" for i in ids]
    assert cards[0].content == (
        f"**Dune (2021)** (movie) was requested by <@{ALICE}> and is waiting for approval. "
        f"Overseerr request #{ids[0]}."
    )
    assert "**Arrival (2016)** (movie) was requested by bob" in cards[1].content
    assert "**Breaking Bad (2008), seasons 1-2** (TV)" in cards[2].content
    assert custom_ids(cards[1]) == [f"approval:approve:{ids[1]}", f"approval:decline:{ids[1]}"]
    assert [c.overseerr_request_id for c in await world.service.pending_cards()] == ids
    assert await posts(REVIEW) == []

    # Without an approval channel, cards go where reviews go; a stale MEDIA_PENDING posts none.
    default = world.build(approval_channel_id=None)
    world.fake.add_movie(11, "Star Wars", 1977)
    world.fake.add_movie(12, "Alien", 1979)
    _, another = await client.create_request("movie", 11, user_id=2)
    _, decided = await client.create_request("movie", 12, user_id=3)
    world.fake.set_request_status(decided["id"], 2)
    stale = world.fake.webhook_payload("MEDIA_PENDING", decided["id"])
    assert (await default.handle_webhook(stale)).endswith("no longer pending, ignored")
    await default.handle_webhook(world.fake.webhook_payload("MEDIA_PENDING", another["id"]))
    (review,) = await posts(REVIEW)
    assert review.content.startswith(f"**Star Wars (1977)** (movie) was requested by <@{ALICE}>")


async def test_admin_approves_as_their_own_overseerr_user(world: World) -> None:
    """Approve goes to Overseerr with X-API-User; the card shows who; a second press is refused."""
    row = await world.request(f"movie:{DUNE}")
    rid = row.overseerr_request_id or 0
    decision = await world.service.decide(rid, True, ADMIN, MOD_PLEX)
    (sent,) = world.fake.seen("POST", f"/api/v1/request/{rid}/approve")
    assert sent.headers["X-API-User"] == str(MOD_OVERSEERR)
    assert world.fake.media_requests[rid]["status"] == 2
    assert world.fake.media_requests[rid]["modifiedBy"]["id"] == MOD_OVERSEERR
    assert decision.approved and decision.acted_as == MOD_OVERSEERR
    assert decision.card.decision == CardDecision.APPROVED and decision.card.buttons == ()
    assert f"\n\n✅ Approved by <@{ADMIN}> <t:" in decision.card.content.english()
    assert (await MediaRequest.get(id=row.id)).status == S.APPROVED
    with pytest.raises(AlreadyDecided) as info:
        await world.service.decide(rid, False, OTHER_ADMIN, None, "no")
    assert info.value.message.startswith(
        f"Overseerr request #{rid} was already approved by <@{ADMIN}>"
    )
    assert world.fake.seen("POST", f"/api/v1/request/{rid}/decline") == []
    await world.webhook("MEDIA_APPROVED", rid)  # Overseerr's own notice of it changes nothing
    assert await dms(ALICE) == [
        "Your request for **Dune (2021)** was approved. I'll tell you when it's on Plex."
    ]
    assert await world.service.cards_to_update() == []  # the cog edits it in its reply


async def test_admin_declines_with_a_reason(world: World) -> None:
    """Declining with no Overseerr account uses the API key; both users get the reason."""
    row = await world.request(f"movie:{ARRIVAL}")
    rid = row.overseerr_request_id or 0
    assert await world.service.follow(BOB, "movie", ARRIVAL, None, False)
    decision = await world.service.decide(rid, False, ADMIN, 999999, "  Not on   our list ")
    (sent,) = world.fake.seen("POST", f"/api/v1/request/{rid}/decline")
    assert "X-API-User" not in sent.headers
    assert decision.acted_as is None and decision.card.reason == "Not on our list"
    assert decision.card.content.english().endswith(": Not on our list")
    assert world.fake.media_requests[rid]["status"] == 3
    assert await dms(ALICE) == ["Your request for **Arrival (2016)** was declined: Not on our list"]
    assert await dms(BOB) == [
        "The request for **Arrival (2016)** that you follow was declined: Not on our list"
    ]
    await world.webhook("MEDIA_DECLINED", rid)
    await world.service.reconcile()
    assert len(await dms(ALICE)) == len(await dms(BOB)) == 1


async def test_admin_whose_overseerr_account_cannot_manage_requests(world: World) -> None:
    """Overseerr refuses that admin's own user: a clear error and the card stays undecided."""
    row = await world.request(f"movie:{DUNE}")
    rid = row.overseerr_request_id or 0
    with pytest.raises(NotAllowed) as info:
        await world.service.decide(rid, True, ADMIN, HELPER_PLEX)
    assert "Manage Requests" in info.value.message
    assert world.fake.media_requests[rid]["status"] == 1
    (card,) = await world.service.pending_cards()
    assert card.decision is None and len(card.buttons) == 2
    assert (await world.service.decide(rid, True, ADMIN, None)).approved


async def test_request_decided_on_the_website(world: World) -> None:
    """Webhook and poll both mark the card; the lead edits each message once; presses refused."""
    dune = await world.request(f"movie:{DUNE}")
    arrival = await world.request(f"movie:{ARRIVAL}", who=BOB, plex=BOB_PLEX)
    show = await world.request(f"tv:{BREAKING_BAD}", "1")
    gone = await world.request(f"tv:{BREAKING_BAD}", "2", who=BOB, plex=BOB_PLEX)
    first, second, third, fourth = (
        r.overseerr_request_id or 0 for r in (dune, arrival, show, gone)
    )
    recorder = Recorder()
    assert await Outbox().deliver_due(recorder) == 4

    world.fake.set_request_status(first, 2)
    await world.webhook("MEDIA_APPROVED", first)
    world.fake.set_request_status(second, 3)  # no webhook: the poll finds it
    async with world.http.delete(
        f"{world.fake.url}/api/v1/request/{fourth}", headers={"X-Api-Key": KEY}
    ) as response:
        assert response.status == 204
    await world.service.reconcile()

    updates = {c.overseerr_request_id: c for c in await world.service.cards_to_update()}
    assert sorted(updates) == sorted([first, second, fourth])
    assert "\n\n✅ Approved on Overseerr by admin <t:" in updates[first].content.english()
    assert "❌ Declined on Overseerr by admin" in updates[second].content.english()
    assert "Withdrawn: it's no longer in Overseerr" in updates[fourth].content.english()
    assert all(c.buttons == () and c.message_id for c in updates.values())
    posted = await OutboxMessage.get(dedupe_key=f"approval:{first}")
    assert updates[first].message_id == posted.message_id
    assert posted.message_id in range(880001, 880001 + len(recorder.sent))
    for card in updates.values():
        await world.service.card_edited(card.id)
    assert await world.service.cards_to_update() == []

    with pytest.raises(AlreadyDecided) as info:
        await world.service.decide(second, True, ADMIN, MOD_PLEX)
    assert "was already declined on Overseerr by admin" in info.value.message
    # Decided on the website and neither webhook nor poll saw it yet: the press finds out.
    world.fake.set_request_status(third, 3)
    with pytest.raises(AlreadyDecided):
        await world.service.decide(third, True, ADMIN, MOD_PLEX)
    assert world.fake.seen("POST", "/api/v1/request/" + str(third)) == []
    assert (await ApprovalCard.get(overseerr_request_id=third)).decision == CardDecision.DECLINED
    assert [c.overseerr_request_id for c in await world.service.cards_to_update()] == [third]
