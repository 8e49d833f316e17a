"""RequestService against the fake Overseerr, on SQLite and PostgreSQL (and Redis for limits)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.clients.overseerr import OverseerrClient
from bot.errors import FeatureDisabled, InvalidInput, RateLimited, ServiceUnavailable
from bot.services.outbox import Outbox
from bot.services.ratelimit import RateLimiter
from bot.services.requests import (
    SEASON_HELP,
    AlreadyAvailable,
    AlreadyRequested,
    AlreadyResolved,
    Choice,
    InvalidWebhook,
    NoOverseerrAccount,
    RequestService,
    format_seasons,
    parse_seasons,
)
from bot.services.retry import RetryPolicy
from storage.models import MediaRequest, OutboxMessage, RequestStatus, TargetKind
from tests.conftest import REDIS_URL
from tests.fakes.overseerr import FakeOverseerr, Permission

KEY = "overseerr-key"
ALICE, BOB, CAROL, DAVE = 1001, 1002, 1003, 1004  # Discord ids
ALICE_PLEX, BOB_PLEX, CAROL_PLEX, DAVE_PLEX = 2002, 3003, 4004, 5005
ADMIN = 9001
NOTIFY, REVIEW = 7001, 7002
DUNE, MATRIX, ARRIVAL = 438631, 603, 329865
GOT, BREAKING_BAD = 1399, 1396
S = RequestStatus
SLOW = RetryPolicy(base=60.0, cap=60.0, jitter=0.0)  # tests make retries due by hand


class Crash(BaseException):
    """Stands for the process dying: nothing in the service may catch it."""


class CrashAfterPost(OverseerrClient):
    """A client whose process 'dies' right after Overseerr accepted the POST."""

    async def create_request(self, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        await super().create_request(*args, **kwargs)
        raise Crash()


class CrashBeforePost(OverseerrClient):
    """A client whose process 'dies' just before sending the POST."""

    async def create_request(self, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        raise Crash()


@dataclass
class World:
    """The fake Overseerr, a client on it and the service under test."""

    fake: FakeOverseerr
    http: aiohttp.ClientSession
    limiter: RateLimiter
    service: RequestService

    def build(
        self, client_class: type[OverseerrClient] = OverseerrClient, **kwargs: Any
    ) -> RequestService:
        """Another service on the same fake and database (a restarted bot, say)."""
        options: dict[str, Any] = dict(
            rate="5/hour", notify_channel_id=NOTIFY, review_channel_id=REVIEW, policy=SLOW
        )
        options.update(kwargs)
        client = client_class(self.http, self.fake.url, KEY, timeout=2)
        return RequestService(client, Outbox(), options.pop("limiter", self.limiter), **options)

    def posts(self) -> int:
        """How many POST /request calls the fake received."""
        return len(self.fake.seen("POST", "/api/v1/request"))

    async def request(
        self,
        title: str,
        seasons: str | None = None,
        *,
        who: int = ALICE,
        plex: int = ALICE_PLEX,
        is_4k: bool = False,
    ) -> MediaRequest:
        """`/request` as the cog runs it: prepare, then deliver."""
        row = await self.service.prepare(who, plex, title, seasons, is_4k)
        await self.service.deliver(row.id)
        return await MediaRequest.get(id=row.id)


def fresh_limiter(url: str | None = None) -> RateLimiter:
    return RateLimiter(url, prefix=f"test-{secrets.token_hex(4)}")


@pytest.fixture
async def fake() -> AsyncIterator[FakeOverseerr]:
    """Overseerr with four users and a small catalogue."""
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
        5,
        plex_id=DAVE_PLEX,
        plex_username="dave",
        permissions=Permission.REQUEST | Permission.REQUEST_4K,
        quota={"movie": {"limit": 1, "days": 7}},
    )
    server.add_movie(DUNE, "Dune", 2021)
    server.add_movie(MATRIX, "The Matrix", 1999, status=5)
    server.add_movie(ARRIVAL, "Arrival", 2016)
    server.add_tv(GOT, "Game of Thrones", 2011, [0, 1, 2, 3], season_statuses={1: 5})
    server.add_tv(BREAKING_BAD, "Breaking Bad", 2008, 5)
    server.add_person(500, "Tom Cruise")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def world(fake: FakeOverseerr) -> AsyncIterator[World]:
    """The service on the fake, with a fresh in-memory limiter (no database needed)."""
    async with aiohttp.ClientSession() as http:
        limiter = fresh_limiter()
        world = World(fake, http, limiter, None)  # type: ignore[arg-type]
        world.service = world.build()
        yield world


async def dms(user: int) -> list[str]:
    """The DMs queued for a user, oldest first."""
    rows = await OutboxMessage.filter(target_kind=TargetKind.DM, target_id=user).order_by("id")
    return [r.content for r in rows]


async def posts(channel: int) -> list[OutboxMessage]:
    """The posts queued for a channel, oldest first."""
    return await OutboxMessage.filter(target_kind=TargetKind.CHANNEL, target_id=channel).order_by(
        "id"
    )


async def make_due(row_id: int) -> None:
    """Time passes: the request's retry (or lease) is due now."""
    await MediaRequest.filter(id=row_id).update(next_attempt_at=datetime.now(UTC) - timedelta(1))


# -- autocomplete ---------------------------------------------------------------------------


async def test_suggest_formats_movies_and_tv_only(world: World) -> None:
    """Choices read "Title (Year) · Movie|TV · status", status only when Overseerr knows it."""
    world.fake.add_tv(1000, "The Matrix Resurrected", 2030, 1, status=2)
    choices = await world.service.suggest("  the   MATRIX ")
    assert Choice("The Matrix (1999) · Movie · Available", "movie:603") in choices
    assert Choice("The Matrix Resurrected (2030) · TV · Requested", "tv:1000") in choices
    assert await world.service.suggest("Tom Cruise") == []
    assert await world.service.suggest("   ") == []
    dune = await world.service.suggest("dune")
    assert dune == [Choice("Dune (2021) · Movie", "movie:438631")]


async def test_suggest_cuts_long_names_and_caps_at_25(world: World) -> None:
    """At most 25 choices, each name at most 100 characters with its suffix kept."""
    for n in range(30):
        world.fake.add_movie(10_000 + n, "Longtitle " + "x" * 120 + f" {n}", 2000 + n)
    page_one = await world.service.suggest("longtitle")
    assert 0 < len(page_one) <= 25
    assert all(len(c.name) <= 100 and c.name.endswith(" · Movie") for c in page_one)


async def test_suggest_caches_briefly(world: World) -> None:
    """The same query within the TTL is answered without asking Overseerr again."""
    await world.service.suggest("dune")
    await world.service.suggest("DUNE ")
    assert len(world.fake.seen("GET", "/api/v1/search")) == 1
    short = world.build(suggest_ttl=0.0)
    await short.suggest("dune")
    await short.suggest("dune")
    assert len(world.fake.seen("GET", "/api/v1/search")) == 3


async def test_suggest_outage_gives_empty_or_cached(world: World) -> None:
    """An outage or a slow Overseerr gives [] fast, or the last answer for that query."""
    service = world.build(suggest_timeout=0.2, suggest_ttl=0.0)
    world.fake.fail_next("GET", "/search", 503)
    assert await service.suggest("arrival") == []
    fresh = await service.suggest("arrival")
    assert fresh == [Choice("Arrival (2016) · Movie", "movie:329865")]
    world.fake.fail_next("GET", "/search", 200, delay=0.8)
    started = time.monotonic()
    assert await service.suggest("arrival") == fresh
    assert time.monotonic() - started < 0.6
    await world.fake.stop()
    assert await service.suggest("something new") == []
    await world.fake.start()


# -- prepare and deliver --------------------------------------------------------------------


async def test_movie_request_is_made_as_the_user(db: str, world: World) -> None:
    """A picked movie is saved QUEUED, then submitted with X-API-User and ends PENDING."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    assert (row.status, row.title, row.year, row.overseerr_user_id) == (S.QUEUED, "Dune", 2021, 2)
    result = await world.service.deliver(row.id)
    assert result.status == S.PENDING and result.overseerr_request_id is not None
    sent = world.fake.seen("POST", "/api/v1/request")
    assert len(sent) == 1 and sent[0].headers["X-API-User"] == "2"
    assert sent[0].json == {"mediaType": "movie", "mediaId": DUNE, "is4k": False}
    created = world.fake.media_requests[result.overseerr_request_id]
    assert created["requestedBy"]["id"] == 2
    assert await dms(ALICE) == []  # the command shows the outcome itself
    again = await world.service.deliver(row.id)
    assert again.status == S.PENDING and world.posts() == 1
    auto = await world.request("movie:329865", who=CAROL, plex=CAROL_PLEX)
    assert auto.status == S.APPROVED  # Overseerr's auto-approval applies to the user


async def test_free_text(db: str, world: World) -> None:
    """Text naming one title (or a pasted label) is taken; ambiguous text saves nothing."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "arrival", None, False)
    assert (row.media_type, row.tmdb_id) == ("movie", ARRIVAL)
    label = await world.service.prepare(BOB, BOB_PLEX, "Dune (2021) · Movie", None, False)
    assert label.tmdb_id == DUNE
    await MediaRequest.all().delete()
    world.fake.add_movie(841, "Dune", 1984)
    with pytest.raises(InvalidInput) as info:
        await world.service.prepare(ALICE, ALICE_PLEX, "Dune", None, False)
    assert "Several titles match “Dune”" in info.value.message
    assert await MediaRequest.all().count() == 0
    row = await world.service.prepare(ALICE, ALICE_PLEX, "Dune (1984)", None, False)
    assert (row.tmdb_id, row.year) == (841, 1984)


async def test_tv_seasons(db: str, world: World) -> None:
    """A list, latest and all are checked against the real seasons and sent as numbers."""
    listed = await world.request("tv:1396", "1, 3-4")
    latest = await world.request("tv:1396", "latest", who=BOB, plex=BOB_PLEX)
    everything = await world.request("tv:1396", None, who=CAROL, plex=CAROL_PLEX)
    assert (listed.seasons, latest.seasons) == ([1, 3, 4], [5])
    assert everything.seasons == [2]  # "all" asks only for what nobody asked for yet
    sent = [r.json["seasons"] for r in world.fake.seen("POST", "/api/v1/request")]
    assert sent == [[1, 3, 4], [5], [2]]
    assert (listed.status, everything.status) == (S.PENDING, S.APPROVED)


async def test_tv_invalid_seasons_save_nothing(db: str, world: World) -> None:
    """A season the show doesn't have, or a typo, is refused with an exact message."""
    with pytest.raises(InvalidInput) as info:
        await world.service.prepare(ALICE, ALICE_PLEX, "tv:1396", "2,7", False)
    assert info.value.message == "Breaking Bad has seasons 1-5; there is no season 7."
    with pytest.raises(InvalidInput) as info:
        await world.service.prepare(ALICE, ALICE_PLEX, "tv:1396", "1-3,x", False)
    assert info.value.message == SEASON_HELP
    assert await MediaRequest.all().count() == 0 and world.posts() == 0


async def test_tv_only_asks_for_missing_seasons(db: str, world: World) -> None:
    """Seasons already on Plex are left out; asking only for those says they are there."""
    row = await world.request("tv:1399", "all")
    assert row.seasons == [2, 3]
    with pytest.raises(AlreadyAvailable) as info:
        await world.service.prepare(BOB, BOB_PLEX, "tv:1399", "1", False)
    assert info.value.message == "**Game of Thrones (2011), season 1** is already on Plex. Enjoy!"
    with pytest.raises(AlreadyRequested) as requested:
        await world.service.prepare(BOB, BOB_PLEX, "tv:1399", "2-3", False)
    assert requested.value.status == S.PENDING and requested.value.seasons == [2, 3]


async def test_4k_when_enabled_and_refused_when_not(db: str, world: World) -> None:
    """4K goes through when the server has it on, and is refused (nothing saved) when off."""
    with pytest.raises(FeatureDisabled) as info:
        await world.service.prepare(DAVE, DAVE_PLEX, "movie:438631", None, True)
    assert info.value.message == "4K requests for movies aren't enabled on this server."
    assert await MediaRequest.all().count() == 0
    world.fake.enable_4k = True
    row = await world.build().prepare(DAVE, DAVE_PLEX, "movie:438631", None, True)
    result = await world.service.deliver(row.id)
    assert row.is_4k and result.status == S.PENDING
    assert world.fake.seen("POST", "/api/v1/request")[0].json["is4k"] is True
    created = world.fake.media_requests[result.overseerr_request_id or 0]
    assert created["is4k"] is True


async def test_already_available_saves_and_spends_nothing(db: str, world: World) -> None:
    """Media on Plex is reported with its status; nothing saved, submitted or counted."""
    with pytest.raises(AlreadyAvailable) as info:
        await world.service.prepare(ALICE, ALICE_PLEX, "movie:603", None, False)
    assert info.value.message == "**The Matrix (1999)** is already on Plex. Enjoy!"
    assert (info.value.media_type, info.value.tmdb_id, info.value.status) == (
        "movie",
        MATRIX,
        S.AVAILABLE,
    )
    assert await MediaRequest.all().count() == 0 and world.posts() == 0
    assert await world.limiter.remaining("request", "5/hour", ALICE) == 5


async def test_duplicate_requests_are_refused_with_status(db: str, world: World) -> None:
    """Queued or in Overseerr, a second request (own or someone else's) is refused with status."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    with pytest.raises(AlreadyRequested) as queued:
        await world.service.prepare(BOB, BOB_PLEX, "movie:438631", None, False)
    assert queued.value.status == S.QUEUED and not queued.value.own
    await world.service.deliver(row.id)
    with pytest.raises(AlreadyRequested) as own:
        await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    assert own.value.message == "You already requested **Dune (2021)**: it's waiting for approval."
    with pytest.raises(AlreadyRequested) as other:
        await world.service.prepare(BOB, BOB_PLEX, "movie:438631", None, False)
    assert other.value.message == (
        "**Dune (2021)** has already been requested: it's waiting for approval."
    )
    assert world.posts() == 1 and await MediaRequest.all().count() == 1


async def test_conflict_at_delivery_follows_the_existing_request(db: str, world: World) -> None:
    """Someone requesting on the website in between: Overseerr's 409 counts as success."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    _, body = await world.service.overseerr.create_request("movie", DUNE, user_id=3)
    result = await world.service.deliver(row.id)
    assert (result.status, result.overseerr_request_id) == (S.PENDING, body["id"])
    assert len(world.fake.media_requests) == 1


async def test_nothing_left_at_delivery_counts_as_success(db: str, world: World) -> None:
    """Overseerr's 202 (no seasons left to request) counts as success too."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "tv:1396", "2", False)
    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={2: 5})
    result = await world.service.deliver(row.id)
    assert result.status == S.AVAILABLE
    assert world.fake.media_requests == {}


async def test_no_overseerr_account(db: str, world: World) -> None:
    """A linked user without an Overseerr account is told so clearly; nothing saved."""
    with pytest.raises(NoOverseerrAccount) as info:
        await world.service.prepare(ALICE, 777777, "movie:438631", None, False)
    assert "don't have an Overseerr account" in info.value.message
    assert await MediaRequest.all().count() == 0


async def test_unknown_tmdb_id_is_invalid_input(db: str, world: World) -> None:
    """A hand-made choice value naming no title is refused, not treated as an outage."""
    with pytest.raises(InvalidInput):
        await world.service.prepare(ALICE, ALICE_PLEX, "movie:999999", None, False)


async def test_overseerr_down_while_validating(db: str, world: World) -> None:
    """Overseerr unreachable during validation: a friendly outage error, no use spent."""
    await world.fake.stop()
    with pytest.raises(ServiceUnavailable) as info:
        await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    await world.fake.start()
    assert "isn't answering" in info.value.message
    assert await world.limiter.remaining("request", "5/hour", ALICE) == 5


async def test_quota_refusal_shows_overseerrs_message(db: str, world: World) -> None:
    """Overseerr's 403 (quota) at delivery is final: REJECTED with its message kept."""
    first = await world.service.prepare(DAVE, DAVE_PLEX, "movie:438631", None, False)
    row = await world.service.prepare(DAVE, DAVE_PLEX, "movie:329865", None, False)
    assert (await world.service.deliver(first.id)).status == S.PENDING
    result = await world.service.deliver(row.id)
    assert (result.status, result.message) == (S.REJECTED, "Movie Quota exceeded.")
    await make_due(row.id)
    assert await world.service.deliver_due() == 0
    assert world.posts() == 2


# -- manual review --------------------------------------------------------------------------


async def test_no_match_goes_to_manual_review(db: str, world: World) -> None:
    """Free text matching nothing is saved for review and admins get buttons to resolve it."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "Zzyzx Road Trip", "1-2", True)
    assert (row.status, row.title, row.season_spec, row.media_type) == (
        S.NEEDS_REVIEW,
        "Zzyzx Road Trip",
        "1-2",
        "unknown",
    )
    (post,) = await posts(REVIEW)
    assert "Zzyzx Road Trip" in post.content and f"<@{ALICE}>" in post.content
    assert [b["custom_id"] for b in post.buttons or []] == [
        f"review:pick:{row.id}",
        f"review:decline:{row.id}",
    ]
    assert world.posts() == 0
    assert (await world.service.deliver(row.id)).status == S.NEEDS_REVIEW
    assert await world.limiter.remaining("request", "5/hour", ALICE) == 4


async def test_review_resolved_by_picking_a_title(db: str, world: World) -> None:
    """An admin's TMDB id turns it into a real request, delivered, and the user is told."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "that desert film", "latest", False)
    result = await world.service.resolve_review(row.id, BREAKING_BAD, "tv", ADMIN)
    assert (result.status, result.title, result.seasons) == (S.PENDING, "Breaking Bad", [5])
    stored = await MediaRequest.get(id=row.id)
    assert stored.resolved_by == ADMIN and world.posts() == 1
    assert await dms(ALICE) == [
        "Your request for **Breaking Bad (2008), season 5** went through: "
        "it's waiting for approval."
    ]
    with pytest.raises(AlreadyResolved):
        await world.service.resolve_review(row.id, None, None, ADMIN)


async def test_review_declined(db: str, world: World) -> None:
    """Declining tells the user once; a second admin click finds it already handled."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "qwertyuiop", None, False)
    result = await world.service.resolve_review(row.id, None, None, ADMIN)
    assert result.status == S.DECLINED
    (message,) = await dms(ALICE)
    assert "declined it" in message and "qwertyuiop" in message
    with pytest.raises(AlreadyResolved):
        await world.service.resolve_review(row.id, None, None, ADMIN)


async def test_review_picking_available_media(db: str, world: World) -> None:
    """Picking a title that is already on Plex closes the request as available."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "green code rain", None, False)
    result = await world.service.resolve_review(row.id, MATRIX, "movie", ADMIN)
    assert result.status == S.AVAILABLE and world.posts() == 0
    assert await dms(ALICE) == ["**The Matrix (1999)** is now on Plex. Enjoy!"]


# -- durable delivery -----------------------------------------------------------------------


async def test_overseerr_down_then_up_delivers_once(db: str, world: World) -> None:
    """Down for the submission: queued with backoff, user told once; up: delivered once, told."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    await world.fake.stop()
    result = await world.service.deliver(row.id)
    assert (result.status, result.attempts) == (S.QUEUED, 1)
    assert result.next_attempt_at is not None
    assert await world.service.deliver_due() == 0  # not due yet: backoff
    await make_due(row.id)
    assert await world.service.deliver_due() == 0  # still down
    stored = await MediaRequest.get(id=row.id)
    assert stored.attempts == 2 and stored.last_error and "Overseerr" in stored.last_error
    assert len(await dms(ALICE)) == 1 and "queued" in (await dms(ALICE))[0]
    await world.fake.start()
    await make_due(row.id)
    assert await world.service.deliver_due() == 1
    assert await world.service.deliver_due() == 0
    assert world.posts() == 1 and len(world.fake.media_requests) == 1
    stored = await MediaRequest.get(id=row.id)
    assert stored.status == S.PENDING and stored.next_attempt_at is None
    assert (await dms(ALICE))[1:] == [
        "Your request for **Dune (2021)** went through: it's waiting for approval."
    ]


async def test_5xx_answer_is_retried(db: str, world: World) -> None:
    """A 503 from Overseerr (or its proxy) also leaves the request queued for the job."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    world.fake.fail_next("POST", "/request", 503, body="<html>Bad gateway</html>")
    assert (await world.service.deliver(row.id)).status == S.QUEUED
    await make_due(row.id)
    assert await world.service.deliver_due() == 1
    assert len(world.fake.media_requests) == 1


async def test_crash_between_post_and_save_submits_once(db: str, world: World) -> None:
    """Overseerr took the POST but the bot died before saving: the retry finds it, no 2nd POST."""
    crashing = world.build(CrashAfterPost)
    row = await crashing.prepare(ALICE, ALICE_PLEX, "tv:1396", "1-2", False)
    with pytest.raises(Crash):
        await crashing.deliver(row.id)
    assert len(world.fake.media_requests) == 1
    (made,) = world.fake.media_requests
    restarted = world.build()
    assert await restarted.deliver_due() == 0  # the dead attempt's lease still holds
    assert (await restarted.deliver(row.id)).status == S.QUEUED
    await make_due(row.id)
    assert await restarted.deliver_due() == 1
    stored = await MediaRequest.get(id=row.id)
    assert (stored.status, stored.overseerr_request_id) == (S.PENDING, made)
    assert world.posts() == 1 and len(world.fake.media_requests) == 1
    assert len(await dms(ALICE)) == 1


async def test_crash_before_post_submits_on_restart(db: str, world: World) -> None:
    """The bot died after claiming but before posting: the retry looks, finds nothing, posts."""
    crashing = world.build(CrashBeforePost)
    row = await crashing.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    with pytest.raises(Crash):
        await crashing.deliver(row.id)
    await make_due(row.id)
    assert await world.build().deliver_due() == 1
    assert world.posts() == 1 and len(world.fake.media_requests) == 1


async def test_saved_but_never_delivered_is_picked_up(db: str, world: World) -> None:
    """A request saved right before a crash (no attempt) is delivered by the job later."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    assert await world.service.deliver_due() == 0  # the command is still expected to deliver
    await make_due(row.id)
    assert await world.build().deliver_due() == 1
    assert world.posts() == 1


async def test_concurrent_deliveries_post_once(db: str, world: World) -> None:
    """The command and the job racing for one request make one POST between them."""
    row = await world.service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    await make_due(row.id)
    results = await asyncio.gather(
        world.service.deliver(row.id), world.build().deliver_due(), world.build().deliver(row.id)
    )
    assert world.posts() == 1
    assert (await MediaRequest.get(id=row.id)).status == S.PENDING
    assert results[0].status in (S.QUEUED, S.PENDING)


# -- webhooks and reconciliation ------------------------------------------------------------


async def delivered(
    world: World, title: str = "movie:438631", seasons: str | None = None, **kwargs: Any
) -> MediaRequest:
    """A request made and accepted by Overseerr."""
    row = await world.request(title, seasons, **kwargs)
    assert row.overseerr_request_id is not None
    return row


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
    assert (await MediaRequest.get(id=row.id)).status == S.AVAILABLE
    assert await dms(ALICE) == [
        "Your request for **Dune (2021)** was approved. I'll tell you when it's on Plex.",
        "**Dune (2021)** is now on Plex. Enjoy!",
    ]
    (announced,) = await posts(NOTIFY)
    assert announced.content == "**Dune (2021)** is now on Plex."


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
    assert len(await posts(NOTIFY)) == 1


async def test_webhook_for_a_request_we_dont_know(db: str, world: World) -> None:
    """Availability found by TMDB id settles our requests for that movie, queued ones too."""
    mine = await delivered(world)
    queued = await world.service.prepare(BOB, BOB_PLEX, "movie:329865", None, False)
    world.fake.set_media_status(DUNE, "movie", 5)
    world.fake.set_media_status(ARRIVAL, "movie", 5)
    for tmdb in (DUNE, ARRIVAL):
        payload = world.fake.webhook_payload("MEDIA_AVAILABLE", tmdb_id=tmdb, media_type="movie")
        await world.service.handle_webhook(payload)
    assert (await MediaRequest.get(id=mine.id)).status == S.AVAILABLE
    assert (await MediaRequest.get(id=queued.id)).status == S.AVAILABLE
    assert (await world.service.deliver(queued.id)).status == S.AVAILABLE
    assert world.posts() == 1


async def test_decision_on_someone_elses_request_is_not_ours(db: str, world: World) -> None:
    """A decline of another request for the same media leaves ours alone."""
    ours = await delivered(world, "tv:1396", "1")
    _, theirs = await world.service.overseerr.create_request(
        "tv", BREAKING_BAD, user_id=3, seasons=[2]
    )
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
    assert len(await posts(NOTIFY)) == 2


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


# -- rate limits and listing ----------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    """A fresh limiter in memory or on Redis (skipped with a reason when Redis is down)."""
    if request.param == "memory":
        return fresh_limiter()
    candidate = fresh_limiter(REDIS_URL)
    try:
        healthy = await candidate.healthy()
    except Exception:
        healthy = False
    if not healthy:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    return candidate


async def test_rate_limit_counts_only_valid_requests(
    db: str, world: World, limiter: RateLimiter
) -> None:
    """Typos don't cost a use; the extra valid request is refused with a time; exempt skips."""
    service = world.build(rate="2/hour", limiter=limiter)
    with pytest.raises(InvalidInput):
        await service.prepare(ALICE, ALICE_PLEX, "tv:1396", "9", False)
    await service.prepare(ALICE, ALICE_PLEX, "movie:438631", None, False)
    await service.prepare(ALICE, ALICE_PLEX, "movie:329865", None, False)
    with pytest.raises(RateLimited) as info:
        await service.prepare(ALICE, ALICE_PLEX, "tv:1396", "1", False)
    assert info.value.retry_at > datetime.now(UTC)
    assert f"<t:{int(info.value.retry_at.timestamp())}:R>" in info.value.message
    await service.prepare(ALICE, ALICE_PLEX, "tv:1396", "1", False, exempt=True)
    await service.prepare(BOB, BOB_PLEX, "tv:1396", "2", False)
    await limiter.reset("request", "2/hour", ALICE)
    await service.prepare(ALICE, ALICE_PLEX, "tv:1396", "3", False)
    assert await MediaRequest.filter(discord_id=ALICE).count() == 4


async def test_list_requests_newest_first_paginated(db: str, world: World) -> None:
    """A user's requests, newest first, in pages; None lists everyone's."""
    ids = []
    for spec in ("1", "2", "3", "4", "5"):
        ids.append((await world.service.prepare(ALICE, ALICE_PLEX, "tv:1396", spec, False)).id)
    await world.service.prepare(BOB, BOB_PLEX, "movie:438631", None, False)
    page, pages = await world.service.list_requests(ALICE, 1, per_page=2)
    assert pages == 3 and [v.id for v in page] == ids[::-1][:2]
    last, _ = await world.service.list_requests(ALICE, 9, per_page=2)
    assert [v.id for v in last] == ids[:1]
    assert last[0].label == "Breaking Bad (2008), season 1"
    everyone, pages = await world.service.list_requests(None, 1)
    assert len(everyone) == 6 and pages == 1
    nobody, pages = await world.service.list_requests(CAROL, 1)
    assert (nobody, pages) == ([], 1)


def test_season_parsing_and_formatting() -> None:
    """Season specs and their display, without any service."""
    assert parse_seasons("1,3-4", [0, 1, 2, 3, 4], "X") == [1, 3, 4]
    assert parse_seasons("0", [0, 1], "X") == [0]
    assert parse_seasons(" LATEST ", [0, 1, 2], "X") == [2]
    with pytest.raises(InvalidInput, match="no seasons"):
        parse_seasons("all", [0], "X")
    with pytest.raises(InvalidInput):
        parse_seasons("4-2", [1, 2, 3, 4], "X")
    with pytest.raises(InvalidInput):
        parse_seasons("1-99999", [1], "X")
    assert format_seasons([1, 2, 3, 5, 7, 8]) == "seasons 1-3, 5, 7-8"
    assert format_seasons([4]) == "season 4"
