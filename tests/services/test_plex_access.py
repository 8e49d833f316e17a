"""The Plex access service on SQLite and PostgreSQL: one request, one invite, clear removals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.clients.plex import PlexClient, PlexTV, plex_tv_at
from bot.clients.plex_sharing import PlexSharing
from bot.config import load_settings
from bot.errors import UserError
from bot.services.crypto import TokenCipher
from bot.services.linking import LinkingService
from bot.services.outbox import Outbox
from bot.services.plex_access import (
    AccessOffers,
    AccessOptions,
    AccessService,
    AlreadyHandled,
    build_plex_access,
)
from bot.services.retry import RetryPolicy
from storage.models import AccessEvent, AccessState, OutboxMessage, PlexAccess, PlexLink
from tests.fakes.plex import FakePlexServer, FakePlexTV, PlexAccount

BOB = 502
FAST = AccessOptions(retry=RetryPolicy(base=0.01, cap=0.02, jitter=0, max_attempts=2))


@dataclass
class Rig:
    tv: FakePlexTV
    stranger: PlexAccount
    linking: LinkingService
    access: AccessService

    def writes(self) -> list[str]:
        return [
            f"{r.method} {r.path}"
            for r in self.tv.requests
            if r.method in ("POST", "PUT", "DELETE")
            and r.path.startswith("/api/")
            and not r.path.startswith("/api/v2/pins")
        ]


@pytest.fixture
async def rig(db: str) -> AsyncIterator[Rig]:
    """plex.tv with an owner (two libraries) and a stranger; linking and access services."""
    tv, pms = FakePlexTV(), FakePlexServer()
    await tv.start()
    await pms.start()
    with plex_tv_at(tv.url):
        owner = tv.add_account(1, "owner", token=pms.owner_token)
        stranger = tv.add_account(3, "stranger")
        tv.share_server(owner, pms.machine_identifier, owned=True, server_url=pms.url)
        tv.add_library(pms.machine_identifier, 1, "Movies", "movie")
        tv.add_library(pms.machine_identifier, 2, "TV Shows", "show")
        cipher = TokenCipher("test-secret-key")
        outbox = Outbox()
        linking = LinkingService(
            PlexTV("medianest-test"),
            PlexClient(pms.url, pms.owner_token, timeout=5),
            cipher,
            outbox,
            public_url=None,
            refusals=AccessOffers(cipher),
        )
        access = build_plex_access(
            load_settings(discord_token="t"),
            PlexSharing(pms.owner_token, "medianest-test"),
            linking.machine_id,
            linking,
            cipher,
            outbox,
            lambda: 3001,
            options=FAST,
        )
        yield Rig(tv, stranger, linking, access)
        access.close()
    await tv.stop()
    await pms.stop()


async def refused_then_requested(rig: Rig) -> PlexAccess:
    await rig.linking.start(BOB)
    rig.tv.authorize_pin(max(rig.tv.pins), rig.stranger)
    assert await rig.linking.poll_open_attempts() == 0
    await rig.access.request(BOB)
    return await PlexAccess.get(discord_id=BOB)


async def test_one_request_two_racing_approvals_one_invite(rig: Rig) -> None:
    """A second Request is refused as pending; two admins approving at once send one invite."""
    row = await refused_then_requested(rig)
    with pytest.raises(UserError) as pending:
        await rig.access.request(BOB)
    assert pending.value.message == "Your request is pending: the admins will decide soon."
    results = await asyncio.gather(
        rig.access.approve(row.id, ["1"], 500),
        rig.access.approve(row.id, ["1"], 501),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["AlreadyHandled", "Msg"]
    assert rig.writes() == ["POST /api/servers/mid-1/shared_servers"]
    rig.tv.accept_invite(rig.stranger)
    assert await rig.access.sync() == 1
    link = await PlexLink.get(member__discord_id=BOB)
    assert link.plex_username == "stranger" and link.role.value == "user"
    actions = (
        await AccessEvent.filter(discord_id=BOB).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["requested", "invited", "accepted"]
    counts = await rig.access.counts()
    assert (counts.pending, counts.invited, counts.accepted) == (0, 1, 1)


async def test_an_invite_plex_tv_already_holds_is_not_sent_again(rig: Rig) -> None:
    """An invite whose answer was lost (plex.tv has it) is taken as sent: no second invite."""
    row = await refused_then_requested(rig)
    await rig.access.sharing.invite("mid-1", "stranger", ["Movies"])  # the lost first try
    sent = await rig.access.approve(row.id, ["1"], 500)
    assert sent.english() == "Invite sent to **stranger** for Movies."
    assert len(rig.writes()) == 1
    assert (await PlexAccess.get(id=row.id)).state == AccessState.INVITED
    with pytest.raises(AlreadyHandled):
        await rig.access.approve(row.id, ["1"], 500)


async def test_removal_waits_for_plex_tv_and_never_follows_a_failure(rig: Rig) -> None:
    """An expired, warned access is kept while plex.tv is down, and removed once it answers."""
    row = await refused_then_requested(rig)
    await rig.access.approve(row.id, ["1", "2"], 500)
    rig.tv.accept_invite(rig.stranger)
    assert await rig.access.sync() == 1
    past = await PlexAccess.get(id=row.id)
    await PlexAccess.filter(id=row.id).update(
        expires_at=past.updated_at - timedelta(days=1), warned_at=past.updated_at
    )
    await rig.tv.stop()
    assert await rig.access.sync() == 0
    assert (await PlexAccess.get(id=row.id)).state == AccessState.ACCEPTED
    await rig.tv.start()
    assert await rig.access.sync() == 1
    assert (await PlexAccess.get(id=row.id)).state == AccessState.REMOVED
    assert rig.writes()[-1] == "DELETE /api/v2/sharings/3"
    texts = (
        await OutboxMessage.filter(target_id=BOB).order_by("id").values_list("content", flat=True)
    )
    assert texts[-1] == (
        "Your access to the Plex server has ended (expired). Ask an admin if that's a mistake."
    )


async def test_an_invite_cut_off_mid_send_is_settled_by_the_round(rig: Rig) -> None:
    """A row left "inviting" by a restart becomes invited when plex.tv has the invite, else
    open again for an admin; fresh ones are left alone."""
    row = await refused_then_requested(rig)
    await PlexAccess.filter(id=row.id).update(state=AccessState.INVITING)
    assert await rig.access.sync() == 0  # could still be sending
    stale = (await PlexAccess.get(id=row.id)).updated_at - timedelta(minutes=11)
    await PlexAccess.filter(id=row.id).update(updated_at=stale)
    assert await rig.access.sync() == 1
    assert (await PlexAccess.get(id=row.id)).state == AccessState.REQUESTED
    await rig.access.sharing.invite("mid-1", "stranger", ["Movies"])
    await PlexAccess.filter(id=row.id).update(state=AccessState.INVITING, updated_at=stale)
    assert await rig.access.sync() == 1
    assert (await PlexAccess.get(id=row.id)).state == AccessState.INVITED


async def test_request_without_a_channel_for_the_admins_is_refused(rig: Rig) -> None:
    """With no approval or health channel, Request access says so and stays offered."""
    await rig.linking.start(BOB)
    rig.tv.authorize_pin(max(rig.tv.pins), rig.stranger)
    await rig.linking.poll_open_attempts()
    nowhere = build_plex_access(
        load_settings(discord_token="t"),
        rig.access.sharing,
        rig.linking.machine_id,
        rig.linking,
        rig.linking.cipher,
        Outbox(),
        lambda: None,  # neither APPROVAL_CHANNEL_ID nor HEALTH_CHANNEL_ID
        options=FAST,
    )
    with pytest.raises(UserError) as refused:
        await nowhere.request(BOB)
    assert refused.value.message == (
        "The admins haven't picked a channel for requests yet. Ask them to run `/setup`."
    )
    assert (await PlexAccess.get(discord_id=BOB)).state == AccessState.OFFERED


async def test_approving_someone_shared_meanwhile_sends_nothing_and_links(rig: Rig) -> None:
    """The owner shared the server by hand meanwhile: no invite, no "accept" DM; linked."""
    row = await refused_then_requested(rig)
    await rig.access.sharing.invite("mid-1", "stranger", ["Movies"])
    rig.tv.accept_invite(rig.stranger)
    before = len(rig.writes())
    answer = await rig.access.approve(row.id, ["1"], 500)
    assert answer.english() == "**stranger** already has access; I'll finish their link."
    assert len(rig.writes()) == before
    assert await rig.access.sync() == 1
    assert (await PlexLink.get(member__discord_id=BOB)).plex_username == "stranger"
    texts = (
        await OutboxMessage.filter(target_id=BOB).order_by("id").values_list("content", flat=True)
    )
    assert not any(t.startswith("You're invited") for t in texts)
    assert texts[-1].startswith("You're in!")


async def test_the_round_leaves_plex_tv_alone_when_nothing_is_due(rig: Rig) -> None:
    """Accepted access with no expiry near and no removal scheduled costs no plex.tv call."""
    row = await refused_then_requested(rig)
    await rig.access.approve(row.id, ["1"], 500)
    rig.tv.accept_invite(rig.stranger)
    assert await rig.access.sync() == 1
    asked = len(rig.tv.seen("GET", "/api/servers/mid-1/shared_servers"))
    assert await rig.access.sync() == 0
    assert len(rig.tv.seen("GET", "/api/servers/mid-1/shared_servers")) == asked
