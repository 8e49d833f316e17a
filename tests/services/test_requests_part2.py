"""Requests, part two, against the fake Overseerr on SQLite and PostgreSQL: "Notify me",
per-season alerts, all future seasons, approval cards with admin decisions, quota preview."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.clients.overseerr import OverseerrClient
from bot.errors import NotAllowed
from bot.services.outbox import Button, Delivery, Outbox
from bot.services.ratelimit import RateLimiter
from bot.services.requests import (
    AlreadyAvailable,
    AlreadyDecided,
    AlreadyRequested,
    QuotaExceeded,
    RequestService,
)
from bot.services.retry import RetryPolicy
from bot.services.subscriptions import FollowTarget, NothingToFollow, follow_id, parse_follow_id
from storage.models import (
    ApprovalCard,
    CardDecision,
    MediaRequest,
    OutboxMessage,
    RequestStatus,
    Subscription,
)
from tests.fakes.overseerr import FakeOverseerr, Permission
from tests.services.test_requests import dms, posts

KEY = "overseerr-key"
ALICE, BOB, CAROL, DAVE, ERIN = 1001, 1002, 1003, 1004, 1005  # Discord ids
ALICE_PLEX, BOB_PLEX, CAROL_PLEX, DAVE_PLEX, ERIN_PLEX = 2002, 3003, 4004, 5005, 6006
ADMIN, OTHER_ADMIN = 9001, 9002  # Discord admins
MOD_PLEX, HELPER_PLEX = 7007, 8008  # their Plex accounts
MOD_OVERSEERR = 7  # the Overseerr user MOD_PLEX maps to (can manage requests)
NOTIFY, REVIEW, APPROVALS = 7001, 7002, 7003
DUNE, MATRIX, ARRIVAL = 438631, 603, 329865
BREAKING_BAD = 1396
S = RequestStatus
SLOW = RetryPolicy(base=60.0, cap=60.0, jitter=0.0)


@dataclass
class World:
    """The fake Overseerr, a client on it and the service under test."""

    fake: FakeOverseerr
    http: aiohttp.ClientSession
    limiter: RateLimiter
    service: RequestService

    def build(self, **kwargs: Any) -> RequestService:
        """Another service on the same fake and database."""
        options: dict[str, Any] = dict(
            rate="5/hour",
            notify_channel_id=NOTIFY,
            review_channel_id=REVIEW,
            approval_channel_id=APPROVALS,
            policy=SLOW,
        )
        options.update(kwargs)
        client = OverseerrClient(self.http, self.fake.url, KEY, timeout=2)
        return RequestService(client, Outbox(), self.limiter, **options)

    async def request(
        self, title: str, seasons: str | None = None, *, who: int = ALICE, plex: int = ALICE_PLEX
    ) -> MediaRequest:
        """`/request` as the cog runs it: prepare, then deliver."""
        row = await self.service.prepare(who, plex, title, seasons, False)
        await self.service.deliver(row.id)
        return await MediaRequest.get(id=row.id)

    def submissions(self) -> int:
        """How many requests were created with POST /request (decisions not counted)."""
        return len([r for r in self.fake.seen("POST", "/api/v1/request") if r.path.count("/") == 3])

    async def webhook(self, kind: str, request_id: int | None = None, **kwargs: Any) -> str:
        """Deliver one webhook as Overseerr would send it."""
        return await self.service.handle_webhook(
            self.fake.webhook_payload(kind, request_id, **kwargs)
        )


class Recorder:
    """A Sender that "posts" every delivery and hands out message ids."""

    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    async def send(self, delivery: Delivery) -> int:
        self.sent.append(delivery)
        return 880000 + len(self.sent)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOverseerr]:
    """Overseerr with requesters, two admins' accounts, quotas and a small catalogue."""
    server = FakeOverseerr(api_key=KEY)
    server.add_user(2, plex_id=ALICE_PLEX, plex_username="alice", discord_id=str(ALICE))
    server.add_user(3, plex_id=BOB_PLEX, plex_username="bob")
    server.add_user(
        4,
        plex_id=CAROL_PLEX,
        plex_username="carol",
        permissions=Permission.REQUEST | Permission.AUTO_APPROVE,
    )
    server.add_user(
        5, plex_id=DAVE_PLEX, plex_username="dave", quota={"movie": {"limit": 1, "days": 7}}
    )
    server.add_user(
        6, plex_id=ERIN_PLEX, plex_username="erin", quota={"tv": {"limit": 3, "days": 7}}
    )
    server.add_user(
        MOD_OVERSEERR,
        plex_id=MOD_PLEX,
        plex_username="moderator",
        permissions=Permission.REQUEST | Permission.MANAGE_REQUESTS,
    )
    server.add_user(8, plex_id=HELPER_PLEX, plex_username="helper")
    server.add_movie(DUNE, "Dune", 2021)
    server.add_movie(MATRIX, "The Matrix", 1999, status=5)
    server.add_movie(ARRIVAL, "Arrival", 2016)
    server.add_tv(BREAKING_BAD, "Breaking Bad", 2008, 5)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def world(db: str, fake: FakeOverseerr) -> AsyncIterator[World]:
    """The service on the fake and the test database, with a fresh in-memory limiter."""
    async with aiohttp.ClientSession() as http:
        limiter = RateLimiter(None, prefix=f"test-{secrets.token_hex(4)}")
        world = World(fake, http, limiter, None)  # type: ignore[arg-type]
        world.service = world.build()
        yield world


def custom_ids(message: OutboxMessage) -> list[str]:
    return [b["custom_id"] for b in message.buttons or []]


# -- "Notify me" ----------------------------------------------------------------------------


async def test_notify_me_on_pending_media_then_available(world: World) -> None:
    """Someone else's pending request offers "Notify me"; on arrival both users get one DM."""
    row = await world.request(f"movie:{DUNE}")
    with pytest.raises(AlreadyRequested) as info:
        await world.service.prepare(BOB, BOB_PLEX, f"movie:{DUNE}", None, False)
    assert not info.value.own and info.value.follow_id == f"follow:movie:{DUNE}:0:all"
    with pytest.raises(AlreadyRequested) as own:
        await world.service.prepare(ALICE, ALICE_PLEX, f"movie:{DUNE}", None, False)
    assert own.value.follow_id is None  # the requester hears anyway
    assert await world.service.subscribe_by_id(BOB, info.value.follow_id)
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
    assert await world.service.subscribe(BOB, "movie", ARRIVAL, None, False)
    assert not await world.service.subscribe(BOB, "movie", ARRIVAL, None, False)
    assert not await world.service.subscribe(ALICE, "movie", ARRIVAL, None, False)  # her own
    assert await Subscription.all().count() == 1
    with pytest.raises(AlreadyAvailable) as available:
        await world.service.prepare(BOB, BOB_PLEX, f"movie:{MATRIX}", None, False)
    assert available.value.follow_id is None
    with pytest.raises(NothingToFollow):
        await world.service.subscribe(BOB, "movie", MATRIX, None, False)
    (sub,) = await world.service.following(BOB)
    assert not await world.service.unsubscribe(CAROL, sub.id)
    assert await world.service.unsubscribe(BOB, sub.id)
    assert await world.service.following(BOB) == []
    world.fake.set_media_status(ARRIVAL, "movie", 5)
    await world.service.reconcile()
    assert await dms(BOB) == []


async def test_followers_hear_of_a_decline_found_by_the_poll(world: World) -> None:
    """A decline on the website with no webhook reaches requester and follower once each."""
    row = await world.request(f"movie:{DUNE}")
    assert await world.service.subscribe(BOB, "movie", DUNE, None, False)
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
        await world.service.prepare(BOB, BOB_PLEX, f"tv:{BREAKING_BAD}", "2-3", False)
    assert info.value.follow_id == f"follow:tv:{BREAKING_BAD}:0:2-3"
    assert await world.service.subscribe_by_id(BOB, info.value.follow_id)
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
        await world.service.prepare(BOB, BOB_PLEX, f"tv:{BREAKING_BAD}", "all future", False)
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


# -- approval cards -------------------------------------------------------------------------


async def test_cards_posted_once_for_bot_and_website_requests(world: World) -> None:
    """Each pending request gets one card, found at delivery, by webhook or by the poll."""
    mine = await world.request(f"movie:{DUNE}")
    client = world.service.overseerr
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
    assert [c.overseerr_request_id for c in await world.service.pending_for_approval()] == ids
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
    assert f"\n\n✅ Approved by <@{ADMIN}> <t:" in decision.card.content
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
    assert await world.service.subscribe(BOB, "movie", ARRIVAL, None, False)
    decision = await world.service.decide(rid, False, ADMIN, 999999, "  Not on   our list ")
    (sent,) = world.fake.seen("POST", f"/api/v1/request/{rid}/decline")
    assert "X-API-User" not in sent.headers
    assert decision.acted_as is None and decision.card.reason == "Not on our list"
    assert decision.card.content.endswith(": Not on our list")
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
    (card,) = await world.service.pending_for_approval()
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
    assert "\n\n✅ Approved on Overseerr by admin <t:" in updates[first].content
    assert "❌ Declined on Overseerr by admin" in updates[second].content
    assert "Withdrawn: it's no longer in Overseerr" in updates[fourth].content
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


# -- quota preview --------------------------------------------------------------------------


async def test_quota_preview_with_quota_left_and_exhausted(world: World) -> None:
    """Remaining quota is shown; a request over it is refused up front with the reset date."""
    unlimited = await world.service.quota_preview(ALICE_PLEX, "movie")
    assert unlimited.unlimited and unlimited.text == "Your movie requests are unlimited."
    fresh = await world.service.quota_preview(DAVE_PLEX, "movie")
    assert (fresh.limit, fresh.remaining, fresh.days, fresh.resets_at) == (1, 1, 7, None)
    assert fresh.text == "You have 1 of 1 movie requests left (per 7 days)."

    row = await world.request(f"movie:{DUNE}", who=DAVE, plex=DAVE_PLEX)
    created = datetime.fromisoformat(
        world.fake.media_requests[row.overseerr_request_id or 0]["createdAt"]
    )
    used = await world.service.quota_preview(DAVE_PLEX, "movie")
    assert (used.remaining, used.resets_at) == (0, created + timedelta(days=7))
    with pytest.raises(QuotaExceeded) as info:
        await world.service.prepare(DAVE, DAVE_PLEX, f"movie:{ARRIVAL}", None, False)
    stamp = int((created + timedelta(days=7)).timestamp())
    assert info.value.retry_at == created + timedelta(days=7)
    assert info.value.message == (
        "You've used your movie request quota (1 per 7 days). "
        f"You can ask for it again <t:{stamp}:R> (on <t:{stamp}:D>)."
    )
    assert await MediaRequest.all().count() == 1 and world.submissions() == 1
    assert await world.limiter.remaining("request", "5/hour", DAVE) == 4  # only Dune's use


async def test_tv_quota_counts_seasons(world: World) -> None:
    """TV quotas count seasons: too many waits for a date, more than the limit never fits."""
    with pytest.raises(QuotaExceeded) as never:
        await world.service.prepare(ERIN, ERIN_PLEX, f"tv:{BREAKING_BAD}", "1-4", False)
    assert (
        never.value.retry_at is None and "more than your TV quota allows (3" in never.value.message
    )
    await world.request(f"tv:{BREAKING_BAD}", "1-2", who=ERIN, plex=ERIN_PLEX)
    preview = await world.service.quota_preview(ERIN_PLEX, "tv")
    assert (preview.limit, preview.remaining, preview.used) == (3, 1, 2)
    assert preview.resets_at is not None and "TV seasons left" in preview.text
    with pytest.raises(QuotaExceeded) as later:
        await world.service.prepare(ERIN, ERIN_PLEX, f"tv:{BREAKING_BAD}", "3-4", False)
    assert later.value.retry_at == preview.resets_at
    assert later.value.message.endswith(", or ask for fewer seasons now.")
    third = await world.request(f"tv:{BREAKING_BAD}", "3", who=ERIN, plex=ERIN_PLEX)
    assert third.status == S.PENDING and world.submissions() == 2


# -- follow ids -----------------------------------------------------------------------------


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
