"""Requesters, two admins with Overseerr accounts, quotas, and the services on the fake."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.clients.overseerr import OverseerrClient
from bot.services.outbox import Delivery, Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter
from bot.services.requests import RequestOptions, Requests, build_requests
from bot.services.retry import RetryPolicy
from storage.models import MediaRequest, OutboxMessage, RequestStatus
from tests.fakes.overseerr import FakeOverseerr, Permission

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
    service: Requests

    def client(self) -> OverseerrClient:
        """A client on the fake, as Overseerr's website or another app would use it."""
        return OverseerrClient(self.http, self.fake.url, KEY, timeout=2)

    def build(self, **kwargs: Any) -> Requests:
        """Another service on the same fake and database."""
        channels: dict[str, int | None] = dict(
            notify_channel_id=NOTIFY, health_channel_id=REVIEW, approval_channel_id=APPROVALS
        )
        channels.update((k, kwargs.pop(k)) for k in list(kwargs) if k.endswith("_channel_id"))
        options: dict[str, Any] = dict(rate="5/hour", policy=SLOW)
        options.update(kwargs)
        client = OverseerrClient(self.http, self.fake.url, KEY, timeout=2)
        places = Places(channels)
        return build_requests(client, Outbox(), self.limiter, places, RequestOptions(**options))

    async def request(
        self, title: str, seasons: str | None = None, *, who: int = ALICE, plex: int = ALICE_PLEX
    ) -> MediaRequest:
        """`/request` as the cog runs it: prepare, then deliver."""
        row = await self.service.submit(who, plex, title, seasons, False)
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
