"""LinkingService against the fake plex.tv and Plex Media Server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from tortoise import connections

from bot.clients.plex import PlexClient, PlexTV, plex_tv_at
from bot.errors import ServiceUnavailable
from bot.services.access import Access
from bot.services.crypto import InvalidToken, TokenCipher
from bot.services.keyvalue import kept_value
from bot.services.linking import (
    LinkAlreadyUsed,
    LinkError,
    LinkingService,
    LinkPending,
    LinkRefused,
    LinkStart,
    state_hash,
)
from bot.services.outbox import Outbox
from storage.models import KeyValue, LinkAttempt, OutboxMessage, PlexLink, Role
from tests.fakes.plex import FakePlexServer, FakePlexTV, PlexAccount

PUBLIC_URL = "https://bot.example"
ALICE, BOB, CAROL = 1001, 1002, 1003  # Discord ids
FRIEND_TOKEN = "plex-friend-token-7f3a9c5e1d"


@dataclass
class PlexWorld:
    """The fakes, the accounts on them and the service under test."""

    tv: FakePlexTV
    pms: FakePlexServer
    owner: PlexAccount
    friend: PlexAccount
    stranger: PlexAccount
    service: LinkingService
    cipher: TokenCipher

    async def sign_in(self, discord_id: int, account: PlexAccount) -> str:
        """Run /link for the member and sign in on "app.plex.tv"; returns the state."""
        start = await self.service.start(discord_id)
        self.tv.authorize_pin(max(self.tv.pins), account)
        return start.state

    def build(self, pms: FakePlexServer | None = None, **kwargs: object) -> LinkingService:
        """Another service on the same fakes (or another media server)."""
        pms = pms or self.pms
        return LinkingService(
            PlexTV("medianest-test"),
            PlexClient(pms.url, pms.owner_token, timeout=5),
            self.cipher,
            Outbox(),
            public_url=PUBLIC_URL,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture
async def world(db: str) -> AsyncIterator[PlexWorld]:
    """plex.tv with an owner, a friend the server is shared with and a stranger; the service."""
    tv, pms = FakePlexTV(), FakePlexServer()
    await tv.start()
    await pms.start()
    with plex_tv_at(tv.url):
        owner = tv.add_account(1, "owner", token=pms.owner_token)
        friend = tv.add_account(2, "friend", token=FRIEND_TOKEN)
        stranger = tv.add_account(3, "stranger")
        tv.share_server(owner, pms.machine_identifier, owned=True, server_url=pms.url)
        pms.allow_token(tv.share_server(friend, pms.machine_identifier, server_url=pms.url))
        cipher = TokenCipher("test-secret-key")
        world = PlexWorld(tv, pms, owner, friend, stranger, None, cipher)  # type: ignore[arg-type]
        world.service = world.build()
        yield world
    await tv.stop()
    await pms.stop()


async def dms(discord_id: int, key_prefix: str = "") -> list[str]:
    """The DMs queued in the outbox for a member, oldest first."""
    rows = await OutboxMessage.filter(target_id=discord_id).order_by("id")
    return [r.content for r in rows if r.dedupe_key.startswith(key_prefix)]


async def link_of(discord_id: int) -> PlexLink | None:
    return await PlexLink.get_or_none(member__discord_id=discord_id)


async def test_owner_links_as_admin(world: PlexWorld) -> None:
    """The server owner signs in through our pages and is linked as admin, token encrypted."""
    start = await world.service.start(ALICE)
    assert start.url == f"{PUBLIC_URL}/link/{start.state}" and len(start.state) >= 43
    sign_in = await world.service.sign_in_url(start.state)
    params = parse_qs(urlsplit(sign_in).fragment.removeprefix("!?"))
    assert params["forwardUrl"] == [f"{PUBLIC_URL}/plex/callback?state={start.state}"]
    assert params["clientID"] == ["medianest-test"]
    world.tv.authorize_pin(params["code"][0], world.owner)

    linked = await world.service.complete(start.state)
    assert (linked.discord_id, linked.plex_username, linked.role) == (ALICE, "owner", Role.ADMIN)
    link = await link_of(ALICE)
    assert link is not None and (link.plex_user_id, link.role) == (1, Role.ADMIN)
    assert link.plex_email == "owner@example.com"
    assert world.pms.owner_token not in link.token_encrypted
    assert world.cipher.decrypt(link.token_encrypted) == world.pms.owner_token
    (dm,) = await dms(ALICE)
    assert "owner" in dm and "admin" in dm


async def test_shared_user_links_as_user(world: PlexWorld) -> None:
    """A user the server is shared with is linked with the user role."""
    state = await world.sign_in(BOB, world.friend)
    linked = await world.service.complete(state)
    assert (linked.plex_username, linked.role) == ("friend", Role.USER)
    assert (await world.service.get_link(BOB)).role == Role.USER  # type: ignore[union-attr]
    assert len(await dms(BOB, "plex-linked:")) == 1


async def test_stranger_is_refused_with_a_dm(world: PlexWorld) -> None:
    """A Plex account without access links nothing, is told why, and the state is spent."""
    state = await world.sign_in(CAROL, world.stranger)
    with pytest.raises(LinkRefused) as refused:
        await world.service.complete(state)
    assert "doesn't have access" in refused.value.message
    assert await link_of(CAROL) is None
    (dm,) = await dms(CAROL)
    assert "stranger" in dm and "doesn't have access" in dm and "/link" in dm
    with pytest.raises(LinkError):
        await world.service.complete(state)


async def test_expired_state_links_nothing(world: PlexWorld) -> None:
    """A state past its expiry, or whose plex.tv pin expired, is refused and links nothing."""
    state = await world.sign_in(ALICE, world.friend)
    await LinkAttempt.filter(state_hash=state_hash(state)).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    with pytest.raises(LinkError):
        await world.service.sign_in_url(state)
    with pytest.raises(LinkError):
        await world.service.complete(state)

    state = await world.sign_in(BOB, world.friend)
    world.tv.expire_pin(max(world.tv.pins))
    with pytest.raises(LinkError):
        await world.service.complete(state)
    assert await PlexLink.all().count() == 0 and await OutboxMessage.all().count() == 0


async def test_attempt_expiry_is_capped_by_ttl(world: PlexWorld) -> None:
    """The attempt expires at the earlier of the pin's expiry and the configured TTL."""
    service = world.build(attempt_ttl=timedelta(minutes=5))
    start = await service.start(ALICE)
    left = start.expires_at - datetime.now(UTC)
    assert timedelta(minutes=4) < left <= timedelta(minutes=5)
    world.tv.pin_lifetime = 60
    start = await service.start(ALICE)
    assert start.expires_at - datetime.now(UTC) <= timedelta(seconds=61)


async def test_reused_state_links_once(world: PlexWorld) -> None:
    """Replaying a used state is refused and changes nothing."""
    state = await world.sign_in(BOB, world.friend)
    await world.service.complete(state)
    with pytest.raises(LinkAlreadyUsed):
        await world.service.complete(state)
    with pytest.raises(LinkError):
        await world.service.sign_in_url(state)
    assert await PlexLink.all().count() == 1 and len(await dms(BOB)) == 1


async def test_forged_state_links_nothing(world: PlexWorld) -> None:
    """A made-up state (even while real attempts are signed in) is refused."""
    await world.sign_in(BOB, world.friend)
    for forged in (secrets.token_urlsafe(32), "", "../../etc", "x" * 5000):
        with pytest.raises(LinkError):
            await world.service.complete(forged)
        with pytest.raises(LinkError):
            await world.service.sign_in_url(forged)
    assert await PlexLink.all().count() == 0


async def test_state_is_bound_to_its_member(world: PlexWorld) -> None:
    """Each state links only the member who ran /link, with the account signed into its own pin."""
    alice = await world.service.start(ALICE)
    alice_pin = max(world.tv.pins)
    bob = await world.service.start(BOB)
    world.tv.authorize_pin(alice_pin, world.friend)
    with pytest.raises(LinkPending):
        await world.service.complete(bob.state)  # Bob's pin was never signed into
    linked = await world.service.complete(alice.state)
    assert linked.discord_id == ALICE
    assert await link_of(BOB) is None
    assert await LinkAttempt.filter(discord_id=BOB, used_at__isnull=True).count() == 1


async def test_plex_account_linked_elsewhere_is_refused(world: PlexWorld) -> None:
    """A Plex account already linked to one member cannot be linked to another."""
    await world.service.complete(await world.sign_in(ALICE, world.friend))
    state = await world.sign_in(BOB, world.friend)
    with pytest.raises(LinkRefused) as refused:
        await world.service.complete(state)
    assert "already linked" in refused.value.message
    assert await link_of(BOB) is None
    assert (await link_of(ALICE)).plex_username == "friend"  # type: ignore[union-attr]
    assert "already linked" in (await dms(BOB))[0]


async def test_plextv_down_during_complete(world: PlexWorld) -> None:
    """plex.tv down: ServiceUnavailable, the attempt stays open and completes once it is back."""
    state = await world.sign_in(BOB, world.friend)
    await world.tv.stop()
    with pytest.raises(ServiceUnavailable):
        await world.service.complete(state)
    assert await link_of(BOB) is None
    assert await LinkAttempt.filter(used_at__isnull=True).count() == 1
    await world.tv.start()
    assert (await world.service.complete(state)).role == Role.USER


async def test_plex_server_down_during_complete(world: PlexWorld) -> None:
    """The media server down (machine id unknown) is ServiceUnavailable; the attempt survives."""
    state = await world.sign_in(BOB, world.friend)
    await world.pms.stop()
    with pytest.raises(ServiceUnavailable):
        await world.service.complete(state)
    await world.pms.start()
    assert (await world.service.complete(state)).plex_username == "friend"


async def test_pending_sign_in_keeps_attempt(world: PlexWorld) -> None:
    """A callback before plex.tv confirms the sign-in is LinkPending; the state still works."""
    start = await world.service.start(BOB)
    with pytest.raises(LinkPending):
        await world.service.complete(start.state)
    world.tv.authorize_pin(max(world.tv.pins), world.friend)
    assert (await world.service.complete(start.state)).discord_id == BOB


async def test_polling_links_without_callback(world: PlexWorld) -> None:
    """When the browser never reaches the callback, polling the pins links the account."""
    waiting = await world.service.start(CAROL)
    state = await world.sign_in(BOB, world.friend)
    assert await world.service.poll_open_attempts() == 1
    assert (await link_of(BOB)).role == Role.USER  # type: ignore[union-attr]
    assert await world.service.poll_open_attempts() == 0
    with pytest.raises(LinkAlreadyUsed):
        await world.service.complete(state)
    assert await LinkAttempt.filter(state_hash=state_hash(waiting.state)).count() == 1
    assert len(await dms(BOB)) == 1


async def test_polling_during_outage_changes_nothing(world: PlexWorld) -> None:
    """A poll while plex.tv is down links nothing and keeps the attempts."""
    await world.sign_in(BOB, world.friend)
    await world.tv.stop()
    assert await world.service.poll_open_attempts() == 0
    await world.tv.start()
    assert await world.service.poll_open_attempts() == 1


async def test_complete_and_poll_race(world: PlexWorld) -> None:
    """Callback and poll at once: one of them links, the other is a no-op; one link, one DM."""
    for discord_id in (ALICE, BOB, CAROL, 1004):
        await PlexLink.all().delete()
        state = await world.sign_in(discord_id, world.friend)
        other = world.build()  # a second service: no shared in-memory state
        # The poll goes first so that both usually get past plex.tv and meet at the claim.
        polled, completed = await asyncio.gather(
            other.poll_open_attempts(), world.service.complete(state), return_exceptions=True
        )
        if isinstance(completed, BaseException):
            assert isinstance(completed, LinkAlreadyUsed) and polled == 1
        else:
            assert completed.discord_id == discord_id and polled == 0
        assert await PlexLink.all().count() == 1
        assert len(await dms(discord_id, "plex-linked:")) == 1


async def test_two_callbacks_race(world: PlexWorld) -> None:
    """The same callback twice at once (double click): exactly one links."""
    state = await world.sign_in(BOB, world.friend)
    results = await asyncio.gather(
        world.service.complete(state), world.service.complete(state), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["LinkAlreadyUsed", "Linked"]
    assert await PlexLink.all().count() == 1 and len(await dms(BOB)) == 1


async def test_revoked_token_clears_link(world: PlexWorld) -> None:
    """A token plex.tv later rejects: reverify_all removes the link and DMs the member."""
    await world.service.complete(await world.sign_in(BOB, world.friend))
    await world.service.complete(await world.sign_in(ALICE, world.owner))
    world.tv.revoke(FRIEND_TOKEN)
    assert await world.service.reverify_all() == 1
    assert await link_of(BOB) is None and await link_of(ALICE) is not None
    (dm,) = await dms(BOB, "plex-unlinked:")
    assert "/link" in dm
    assert await world.service.reverify(BOB) is False


async def test_lost_access_clears_link(world: PlexWorld) -> None:
    """A member whose account no longer reaches the configured server is unlinked on reverify."""
    await world.service.complete(await world.sign_in(BOB, world.friend))
    other = FakePlexServer(machine_identifier="mid-2", owner_token=world.pms.owner_token)
    await other.start()
    try:
        moved = world.build(other)
        assert await moved.reverify(BOB) is False
    finally:
        await other.stop()
    assert await link_of(BOB) is None
    assert "no longer has access" in (await dms(BOB, "plex-unlinked:"))[0]


async def test_outage_during_reverify_changes_nothing(world: PlexWorld) -> None:
    """plex.tv down: reverify keeps the link (True), reverify_all removes nothing, no DM."""
    await world.service.complete(await world.sign_in(BOB, world.friend))
    before = await link_of(BOB)
    await world.tv.stop()
    assert await world.service.reverify(BOB) is True
    assert await world.service.reverify_all() == 0
    after = await link_of(BOB)
    assert after is not None and before is not None and after.verified_at == before.verified_at
    assert await dms(BOB, "plex-unlinked:") == []


async def test_reverify_respects_max_age(world: PlexWorld) -> None:
    """A recent check is trusted without asking plex.tv; an old one is refreshed."""
    await world.service.complete(await world.sign_in(BOB, world.friend))
    asked = len(world.tv.seen("GET", "/api/v2/resources"))
    assert await world.service.reverify(BOB, max_age=timedelta(days=1)) is True
    assert len(world.tv.seen("GET", "/api/v2/resources")) == asked
    old = datetime.now(UTC) - timedelta(days=2)
    await PlexLink.filter(plex_user_id=2).update(verified_at=old)
    assert await world.service.reverify(BOB, max_age=timedelta(days=1)) is True
    assert len(world.tv.seen("GET", "/api/v2/resources")) == asked + 1
    assert (await link_of(BOB)).verified_at > old  # type: ignore[union-attr]
    assert await world.service.reverify(CAROL) is False


async def test_undecryptable_token_clears_link(world: PlexWorld) -> None:
    """A link whose token no longer decrypts (SECRET_KEY changed) is removed on reverify."""
    await world.service.complete(await world.sign_in(BOB, world.friend))
    world.service.cipher = TokenCipher("another-secret")
    assert await world.service.reverify(BOB) is False
    assert await link_of(BOB) is None


async def test_relink_replaces_old_link(world: PlexWorld) -> None:
    """Linking again replaces the member's link (account, role, token) and older open attempts."""
    await world.service.complete(await world.sign_in(ALICE, world.friend))
    first = await world.service.start(ALICE)
    second = await world.sign_in(ALICE, world.owner)
    with pytest.raises(LinkError):
        await world.service.sign_in_url(first.state)
    assert (await world.service.complete(second)).role == Role.ADMIN
    links = await PlexLink.filter(member__discord_id=ALICE)
    assert [(lk.plex_username, lk.role) for lk in links] == [("owner", Role.ADMIN)]
    assert world.cipher.decrypt(links[0].token_encrypted) == world.pms.owner_token


async def test_start_without_public_url_gives_plex_url(world: PlexWorld) -> None:
    """Without PUBLIC_URL the link goes straight to Plex, without forwardUrl; polling completes."""
    service = LinkingService(
        PlexTV("medianest-test"),
        PlexClient(world.pms.url, world.pms.owner_token),
        world.cipher,
        Outbox(),
        public_url=None,
    )
    start = await service.start(BOB)
    assert isinstance(start, LinkStart) and start.url.startswith("https://app.plex.tv/auth/#!?")
    assert "forwardUrl" not in start.url and start.state not in start.url
    world.tv.authorize_pin(max(world.tv.pins), world.friend)
    assert await service.poll_open_attempts() == 1


async def test_unlink(world: PlexWorld) -> None:
    """unlink forgets the link and token; a second unlink reports there was none."""
    await world.service.complete(await world.sign_in(BOB, world.friend))
    assert await world.service.unlink(BOB) is True
    assert await world.service.get_link(BOB) is None
    assert await world.service.unlink(BOB) is False


async def test_purge_expired(world: PlexWorld) -> None:
    """purge_expired deletes expired and used attempts and keeps open ones."""
    await world.service.complete(await world.sign_in(ALICE, world.friend))  # used
    expired = await world.service.start(BOB)
    await LinkAttempt.filter(state_hash=state_hash(expired.state)).update(
        expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    open_ = await world.service.start(CAROL)
    assert await world.service.purge_expired() == 2
    assert [a.state_hash for a in await LinkAttempt.all()] == [state_hash(open_.state)]


async def test_state_is_stored_hashed(world: PlexWorld) -> None:
    """Only the SHA-256 of a state is stored, never the state itself."""
    start = await world.service.start(BOB)
    (attempt,) = await LinkAttempt.all()
    assert attempt.state_hash == state_hash(start.state) != start.state


# Only SQLite keeps the database in a file this test can read, so it runs on SQLite alone.
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_token_not_in_sqlite_file(world: PlexWorld, db: str) -> None:
    """A byte scan of the SQLite database file and its WAL finds no token text."""
    await world.service.complete(await world.sign_in(BOB, world.friend))
    await world.service.complete(await world.sign_in(ALICE, world.owner))
    path = Path(urlsplit(db).netloc + urlsplit(db).path)

    def scan() -> None:
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert path in files
        for file in files:
            data = file.read_bytes()
            for token in (FRIEND_TOKEN, world.pms.owner_token):
                assert token.encode() not in data, file.name
                assert token.encode("utf-16-le") not in data, file.name
        assert any(b"plex_link" in f.read_bytes() for f in files)  # the scan sees real data

    scan()
    await connections.get("default").execute_query("PRAGMA wal_checkpoint(TRUNCATE)")
    scan()


async def test_kept_value_created_once(db: str) -> None:
    """kept_value stores a value on first use, even when callers race, and returns it after."""
    made: list[str] = []

    def make() -> str:
        made.append(secrets.token_hex(8))
        return made[-1]

    values = await asyncio.gather(*(kept_value("plex_client_id", make) for _ in range(5)))
    assert len(set(values)) == 1 and values[0] in made
    assert await kept_value("plex_client_id", make) == values[0]
    assert await KeyValue.filter(key="plex_client_id").count() == 1


def test_token_cipher_round_trip() -> None:
    """TokenCipher decrypts its own blobs, never shows the text, and rejects other keys."""
    cipher = TokenCipher("any string at all")
    blob = cipher.encrypt("tok-123")
    assert "tok-123" not in blob and blob != cipher.encrypt("tok-123")
    assert cipher.decrypt(blob) == "tok-123"
    assert TokenCipher("any string at all").decrypt(blob) == "tok-123"
    with pytest.raises(InvalidToken):
        TokenCipher("another").decrypt(blob)


async def test_admin_cache_follows_unlink_removal_and_role_change(world: PlexWorld) -> None:
    """The cached admin set forgets an unlinked or dropped owner and learns a promoted member."""
    access = Access()
    service = world.build(access=access)
    await service.complete(await world.sign_in(ALICE, world.owner))
    await service.complete(await world.sign_in(BOB, world.friend))
    assert await access.is_admin(ALICE) and not await access.is_admin(BOB)
    world.tv.share_server(world.friend, world.pms.machine_identifier, owned=True)
    assert await service.reverify(BOB) is True
    assert (await link_of(BOB)).role == Role.ADMIN  # type: ignore[union-attr]
    assert await access.is_admin(BOB)
    assert await service.unlink(ALICE) is True
    assert not await access.is_admin(ALICE)
    world.tv.revoke(FRIEND_TOKEN)
    assert await service.reverify(BOB) is False
    assert not await access.is_admin(BOB)
    assert await access.linked_admins() == frozenset()
