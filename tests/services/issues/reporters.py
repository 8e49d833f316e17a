"""Two reporters, an admin, a small catalogue, and the issue services on the fake Overseerr."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from bot.clients.overseerr import OverseerrClient
from bot.services.issues import Issues, IssueTracker, build_issues
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter
from bot.services.requests.accounts import Accounts
from storage.models import OutboxMessage, TargetKind
from tests.fakes.overseerr import FakeOverseerr, Permission

KEY = "overseerr-key"
ALICE, BOB, ADMIN = 1001, 1002, 9001  # Discord ids
ALICE_PLEX, BOB_PLEX, ADMIN_PLEX = 2002, 3003, 1
ALICE_OVERSEERR, BOB_OVERSEERR, MOD_OVERSEERR = 2, 3, 4
CARDS = 7003
MATRIX, DUNE, GOT = 603, 438631, 1399
REPORT = Permission.REQUEST | Permission.CREATE_ISSUES


@dataclass
class World:
    """The fake Overseerr, a client on it and the issue services under test."""

    fake: FakeOverseerr
    http: aiohttp.ClientSession
    issues: Issues

    def build(self, rate: str = "5/hour") -> Issues:
        """Issue services on the same fake and database, with a fresh limiter."""
        client = OverseerrClient(self.http, self.fake.url, KEY, timeout=2)
        limiter = RateLimiter(None, prefix=f"test-{secrets.token_hex(4)}")
        accounts = Accounts(client)
        return build_issues(
            client,
            Outbox(),
            limiter,
            accounts.user,
            rate=rate,
            places=Places({"approval_channel_id": CARDS}),
        )

    def tracker(self) -> IssueTracker:
        """The tracker alone on the same fake and database: what a report hands its issue to."""
        client = OverseerrClient(self.http, self.fake.url, KEY, timeout=2)
        places = Places({"approval_channel_id": CARDS})
        return IssueTracker(client, Outbox(), Accounts(client).user, places)

    async def report(
        self, title: str = f"movie:{MATRIX}", problem: str = "audio", message: str | None = "Hiss"
    ) -> int:
        """Alice reports a problem; the Overseerr issue id."""
        made = await self.issues.report(ALICE, ALICE_PLEX, title, problem, message)
        return made.id


@pytest.fixture
async def fake() -> AsyncIterator[FakeOverseerr]:
    """Overseerr with two reporters and a moderator; The Matrix and Game of Thrones on Plex."""
    server = FakeOverseerr(api_key=KEY)
    server.add_user(ALICE_OVERSEERR, plex_id=ALICE_PLEX, plex_username="alice", permissions=REPORT)
    server.add_user(BOB_OVERSEERR, plex_id=BOB_PLEX, plex_username="bob")
    server.add_user(
        MOD_OVERSEERR,
        plex_id=5005,
        plex_username="mod",
        permissions=Permission.MANAGE_ISSUES | Permission.VIEW_ISSUES,
    )
    server.add_movie(MATRIX, "The Matrix", 1999, status=5)
    server.add_movie(DUNE, "Dune", 2021)
    server.add_tv(GOT, "Game of Thrones", 2011, [1, 2], status=4, season_statuses={1: 5})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def world(fake: FakeOverseerr) -> AsyncIterator[World]:
    """The issue services on the fake."""
    async with aiohttp.ClientSession() as http:
        world = World(fake, http, None)  # type: ignore[arg-type]
        world.issues = world.build()
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


async def delivered_cards() -> None:
    """The outbox has posted every queued channel message (each gets a message id)."""
    for row in await OutboxMessage.filter(target_kind=TargetKind.CHANNEL, message_id=None):
        row.message_id = 800_000 + row.id
        await row.save(update_fields=["message_id"])
