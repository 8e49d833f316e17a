"""PlexTV and PlexClient against the fake plex.tv and Plex Media Server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from plexapi.exceptions import BadRequest
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin

from bot.clients.plex import (
    Pin,
    PlexAccountInfo,
    PlexClient,
    PlexTV,
    _access,
    in_thread,
    plex_tv_at,
)
from bot.errors import ServiceRejected, ServiceUnavailable
from tests.fakes.plex import FakePlexServer, FakePlexTV

CLIENT_ID = "medianest-client-test"


@pytest.fixture
async def tv() -> AsyncIterator[FakePlexTV]:
    """A running fake plex.tv with plexapi pointed at it, restored to plex.tv afterwards."""
    fake = FakePlexTV()
    await fake.start()
    with plex_tv_at(fake.url):
        yield fake
    await fake.stop()


@pytest.fixture
async def pms() -> AsyncIterator[FakePlexServer]:
    """A running fake Plex Media Server."""
    fake = FakePlexServer()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def plextv() -> Iterator[PlexTV]:
    """Our plex.tv client with a fixed client identifier."""
    client = PlexTV(CLIENT_ID, "MediaNest Test")
    yield client
    client.close()


def query_of(auth_url: str) -> dict[str, list[str]]:
    """The parameters of an app.plex.tv auth URL (they sit after `#!?`)."""
    return parse_qs(urlsplit(auth_url).fragment.removeprefix("!?"))


async def test_create_pin_is_strong_with_our_headers(tv: FakePlexTV, plextv: PlexTV) -> None:
    """create_pin posts strong=true with our client id and product, and reads id, code, expiry."""
    before = datetime.now(UTC)
    pin = await plextv.create_pin()
    stored = tv.pins[pin.id]
    assert stored["code"] == pin.code and len(pin.code) == 25 and stored["strong"] is True
    assert stored["clientIdentifier"] == CLIENT_ID and stored["product"] == "MediaNest Test"
    lifetime = pin.expires_at - before
    assert timedelta(seconds=890) < lifetime <= timedelta(seconds=901)


async def test_auth_url_without_network(tv: FakePlexTV, plextv: PlexTV) -> None:
    """auth_url builds the app.plex.tv URL from the pin alone, with forwardUrl only when given."""
    pin = await plextv.create_pin()
    sent = len(tv.requests)
    url = plextv.auth_url(pin, "https://bot.example/plex/callback?state=abc")
    bare = plextv.auth_url(pin)
    assert len(tv.requests) == sent
    assert url.startswith("https://app.plex.tv/auth/#!?")
    params = query_of(url)
    assert params["clientID"] == [CLIENT_ID] and params["code"] == [pin.code]
    assert params["forwardUrl"] == ["https://bot.example/plex/callback?state=abc"]
    assert params["context[device][product]"] == ["MediaNest Test"]
    assert "forwardUrl" not in query_of(bare)


async def test_check_pin_waits_then_gives_token(tv: FakePlexTV, plextv: PlexTV) -> None:
    """check_pin is None until the user signs in, then the account's token."""
    alice = tv.add_account(1, "alice")
    pin = await plextv.create_pin()
    assert await plextv.check_pin(pin) is None
    tv.authorize_pin(pin.id, alice)
    assert await plextv.check_pin(pin) == alice.token
    assert {r.headers["X-Plex-Client-Identifier"] for r in tv.requests} == {CLIENT_ID}


async def test_check_pin_expired_is_rejected_404(tv: FakePlexTV, plextv: PlexTV) -> None:
    """An expired pin, or one checked with another client id, is ServiceRejected 404."""
    pin = await plextv.create_pin()
    other = PlexTV("someone-else")
    with pytest.raises(ServiceRejected) as wrong_client:
        await other.check_pin(pin)
    tv.expire_pin(pin.id)
    with pytest.raises(ServiceRejected) as expired:
        await plextv.check_pin(pin)
    assert wrong_client.value.status == expired.value.status == 404
    other.close()


async def test_check_pin_outage_is_unavailable(tv: FakePlexTV, plextv: PlexTV) -> None:
    """plex.tv down during check_pin is ServiceUnavailable, and works again once it is back."""
    pin = await plextv.create_pin()
    await tv.stop()
    with pytest.raises(ServiceUnavailable):
        await plextv.check_pin(pin)
    with pytest.raises(ServiceUnavailable):
        await plextv.create_pin()
    await tv.start()
    assert await plextv.check_pin(pin) is None


async def test_account_reads_the_token_owner(tv: FakePlexTV, plextv: PlexTV) -> None:
    """account() returns the plex.tv account of a token, sent with our client id."""
    bob = tv.add_account(7, "bob", email="bob@home.lan")
    info = await plextv.account(bob.token)
    assert info == PlexAccountInfo(7, bob.uuid, "bob", "bob@home.lan", "bob")
    (seen,) = tv.seen("GET", "/api/v2/user")
    assert seen.headers["X-Plex-Client-Identifier"] == CLIENT_ID
    assert seen.headers["X-Plex-Token"] == bob.token


async def test_account_errors(tv: FakePlexTV, plextv: PlexTV) -> None:
    """A revoked token is ServiceRejected 401; plex.tv down is ServiceUnavailable."""
    bob = tv.add_account(7, "bob")
    tv.revoke(bob.token)
    with pytest.raises(ServiceRejected) as rejected:
        await plextv.account(bob.token)
    assert rejected.value.status == 401 and bob.token not in str(rejected.value)
    await tv.stop()
    with pytest.raises(ServiceUnavailable):
        await plextv.account("any")


async def test_server_access_owner_shared_none(
    tv: FakePlexTV, plextv: PlexTV, pms: FakePlexServer
) -> None:
    """server_access tells owner, shared and no access apart by the server's machine id."""
    owner = tv.add_account(1, "owner", token=pms.owner_token)
    friend = tv.add_account(2, "friend")
    stranger = tv.add_account(3, "stranger")
    tv.share_server(owner, pms.machine_identifier, owned=True, server_url=pms.url)
    tv.share_server(friend, pms.machine_identifier, server_url=pms.url)
    tv.share_server(stranger, "some-other-server", server_url=pms.url)
    mid = pms.machine_identifier
    assert await plextv.server_access(owner.token, mid) == "owner"
    assert await plextv.server_access(friend.token, mid) == "shared"
    assert await plextv.server_access(stranger.token, mid) is None
    info, access = await plextv.account_access(friend.token, mid)
    assert (info.username, access) == ("friend", "shared")
    tv.revoke(friend.token)
    with pytest.raises(ServiceRejected):
        await plextv.server_access(friend.token, mid)


async def test_identity_and_its_errors(pms: FakePlexServer) -> None:
    """identity() reads the machine id; a wrong token is 401, a stopped server unavailable."""
    plex = PlexClient(pms.url, pms.owner_token, timeout=5)
    identity = await plex.identity()
    assert (identity.machine_id, identity.name) == ("mid-1", "Home Plex")
    with pytest.raises(ServiceRejected) as rejected:
        await PlexClient(pms.url, "wrong").identity()
    assert rejected.value.status == 401
    await pms.stop()
    with pytest.raises(ServiceUnavailable):
        await plex.identity()
    plex.close()


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        ("(503) service_unavailable http://x; down", ServiceUnavailable, None),
        ("(429) too_many_requests http://x; slow down", ServiceUnavailable, None),
        ("(404) not_found http://x; gone", ServiceRejected, 404),
        ("(422) unprocessable http://x; no", ServiceRejected, 422),
        ("no status at all", ServiceRejected, 400),
    ],
)
async def test_bad_request_mapping(text: str, kind: type[Exception], status: int | None) -> None:
    """plexapi's BadRequest maps by its status: 5xx/429 unavailable, other 4xx rejected."""

    def fail() -> None:
        raise BadRequest(text)

    with pytest.raises(kind) as caught:
        await in_thread("plex.tv", fail)
    error = caught.value
    assert isinstance(error, ServiceRejected | ServiceUnavailable)
    if status is not None:
        assert isinstance(error, ServiceRejected) and error.status == status
    assert "http://x" not in error.message and "http://x" not in str(error)


async def test_plex_tv_at_points_plexapi_at_the_fake_and_restores_on_exit() -> None:
    """plex_tv_at swaps plexapi's plex.tv URLs for the block only, also after an error."""
    fake = FakePlexTV()
    await fake.start()
    try:
        with plex_tv_at(fake.url + "/"):
            assert f"{fake.url}/api/v2/pins" == MyPlexPinLogin.PINS
            assert MyPlexAccount.key == f"{fake.url}/api/v2/user"
        assert MyPlexPinLogin.PINS == "https://plex.tv/api/v2/pins"
        with pytest.raises(LookupError), plex_tv_at(fake.url):
            raise LookupError("boom")
        assert MyPlexAccount.key == "https://plex.tv/api/v2/user"
    finally:
        await fake.stop()


async def test_resumed_pin_from_stored_fields(tv: FakePlexTV, plextv: PlexTV) -> None:
    """A pin rebuilt from its stored id and code (as after a restart) still checks out."""
    alice = tv.add_account(1, "alice")
    pin = await plextv.create_pin()
    tv.authorize_pin(pin.code, alice)
    fresh = PlexTV(CLIENT_ID)
    stored = Pin(pin.id, pin.code, pin.expires_at)
    assert await asyncio.wait_for(fresh.check_pin(stored), 5) == alice.token


def test_a_resource_answer_that_is_no_list_is_plex_tv_failing_not_lost_access() -> None:
    """Re-verification must not end anyone's access because plex.tv answered oddly."""
    for odd in ({"errors": []}, None, ["server"]):
        with pytest.raises(ServiceUnavailable):
            _access(odd, "mid-1")
    assert _access([{"clientIdentifier": "mid-1", "owned": False}], "mid-1") == "shared"
    assert _access([{"clientIdentifier": "other", "owned": True}], "mid-1") is None
