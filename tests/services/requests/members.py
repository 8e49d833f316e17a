"""Four members, a small catalogue, and the request services on the fake Overseerr."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.clients.overseerr import OverseerrClient
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter
from bot.services.requests import RequestOptions, Requests, build_requests
from bot.services.retry import RetryPolicy
from storage.models import MediaRequest, OutboxMessage, RequestStatus, TargetKind
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
    service: Requests

    def client(self) -> OverseerrClient:
        """A client on the fake, as Overseerr's website or another app would use it."""
        return OverseerrClient(self.http, self.fake.url, KEY, timeout=2)

    def build(
        self, client_class: type[OverseerrClient] = OverseerrClient, **kwargs: Any
    ) -> Requests:
        """Another service on the same fake and database (a restarted bot, say)."""
        options: dict[str, Any] = dict(rate="5/hour", policy=SLOW)
        options.update(kwargs)
        client = client_class(self.http, self.fake.url, KEY, timeout=2)
        limiter = options.pop("limiter", self.limiter)
        places = Places({"notify_channel_id": NOTIFY, "health_channel_id": REVIEW})
        return build_requests(client, Outbox(), limiter, places, RequestOptions(**options))

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
        row = await self.service.submit(who, plex, title, seasons, is_4k)
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


async def delivered(
    world: World, title: str = "movie:438631", seasons: str | None = None, **kwargs: Any
) -> MediaRequest:
    """A request made and accepted by Overseerr."""
    row = await world.request(title, seasons, **kwargs)
    assert row.overseerr_request_id is not None
    return row
