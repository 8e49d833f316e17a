"""PlexSharing (plexapi's inviteFriend, updateFriend, removeFriend) against the fake plex.tv."""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncIterator

import pytest
from plexapi.myplex import MyPlexAccount, MyPlexInvite, MyPlexUser

from bot.clients.plex import in_thread, plex_tv_at
from bot.clients.plex_sharing import Library, PlexSharing, UnknownLibrary
from bot.errors import ServiceRejected, ServiceUnavailable
from tests.fakes.plex import FakePlexTV, PlexAccount

MID = "mid-1"


@pytest.fixture
async def tv() -> AsyncIterator[FakePlexTV]:
    fake = FakePlexTV()
    await fake.start()
    with plex_tv_at(fake.url):
        yield fake
    await fake.stop()


@pytest.fixture
def world(tv: FakePlexTV) -> tuple[PlexAccount, PlexAccount]:
    """The owner of MID with two libraries, and a stranger to invite."""
    owner = tv.add_account(1, "owner", token="owner-token")
    tv.share_server(owner, MID, owned=True, server_url="http://127.0.0.1:1")
    tv.add_library(MID, 1, "Movies", "movie")
    tv.add_library(MID, 2, "TV Shows", "show")
    return owner, tv.add_account(3, "stranger", email="s@example.com")


async def test_invite_sends_plex_tv_section_ids_and_the_share_follows(
    tv: FakePlexTV, world: tuple[PlexAccount, PlexAccount]
) -> None:
    """inviteFriend posts the plex.tv ids of the titles; the share is pending, then accepted."""
    _, stranger = world
    sharing = PlexSharing("owner-token", "cid")
    assert await sharing.libraries(MID) == [
        Library("1", "Movies", "movie"),
        Library("2", "TV Shows", "show"),
    ]
    await sharing.invite(MID, "S@example.com", ["TV Shows"])
    [posted] = tv.seen("POST", f"/api/servers/{MID}/shared_servers")
    assert posted.json["shared_server"] == {
        "library_section_ids": [9002],
        "invited_email": "S@example.com",
    }
    [share] = await sharing.shares(MID)
    assert (share.user_id, share.library_keys, share.accepted) == (3, ("2",), False)
    assert share.names("stranger") and share.names("s@example.com")
    tv.accept_invite(stranger)
    [share] = await sharing.shares(MID)
    assert share.accepted
    await sharing.update(MID, 3, ["Movies", "TV Shows"])
    [put] = tv.seen("PUT", f"/api/servers/{MID}/shared_servers/{share.id}")
    assert put.json["shared_server"] == {"library_section_ids": [9001, 9002]}
    await sharing.remove(3)
    assert tv.seen("DELETE", "/api/v2/sharings/3") and await sharing.shares(MID) == []
    sharing.close()


async def test_unknown_account_and_deleted_library_are_refused(
    tv: FakePlexTV, world: tuple[PlexAccount, PlexAccount]
) -> None:
    """No such account: plex.tv refuses (400); a title plex.tv no longer lists sends nothing."""
    sharing = PlexSharing("owner-token", "cid")
    with pytest.raises(ServiceRejected) as refused:
        await sharing.invite(MID, "nobody", ["Movies"])
    assert refused.value.status == 400 and tv.shares == {}
    tv.remove_library(MID, "Movies")
    before = len(tv.seen("POST", "/api"))
    with pytest.raises(UnknownLibrary):
        await sharing.invite(MID, "stranger", ["Movies"])
    assert len(tv.seen("POST", "/api")) == before
    await tv.stop()
    with pytest.raises(ServiceUnavailable):
        await sharing.shares(MID)
    sharing.close()


async def test_pending_invites_are_gone_as_on_plex_tv(
    tv: FakePlexTV, world: tuple[PlexAccount, PlexAccount]
) -> None:
    """plexapi's pendingInvites() meets 410 Gone, as on plex.tv since 2024: why we skip it."""
    account = await in_thread("plex.tv", lambda: MyPlexAccount(token="owner-token"))
    with pytest.raises(ServiceRejected) as gone:
        await in_thread("plex.tv", account.pendingInvites)
    assert gone.value.status == 410


# What plexapi's own source says each sharing call sends: (method, URL attribute, caller).
PLEXAPI_CALLS = [
    ("GET", "PLEXSERVERS", MyPlexAccount._getSectionIds),
    ("POST", "FRIENDINVITE", MyPlexAccount.inviteFriend),
    ("PUT", "FRIENDSERVERS", MyPlexAccount.updateFriend),
    ("DELETE", "FRIENDUPDATE", MyPlexAccount.removeFriend),
]


def shape(path: str) -> str:
    """A route with its placeholders blanked: `/api/servers/{mid}` → `/api/servers/{}`."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))


def test_the_fake_serves_exactly_what_plexapi_sends() -> None:
    """Each sharing call's URL and HTTP method, read from plexapi's myplex.py, is a fake route;
    the invite's JSON fields are the ones the fake reads."""
    routes = {
        (r.method, shape(r.resource.canonical))
        for r in FakePlexTV().build_app().router.routes()
        if r.resource is not None
    }
    for method, attribute, caller in PLEXAPI_CALLS:
        source = inspect.getsource(caller)
        assert f"self.{attribute}" in source, f"{caller.__name__} no longer uses {attribute}"
        assert f"self._session.{method.lower()}" in source, f"{caller.__name__}: {method}?"
        url = getattr(MyPlexAccount, attribute)
        assert url.startswith("https://plex.tv/")
        assert (method, shape(url.removeprefix("https://plex.tv"))) in routes, (method, url)
    invite = inspect.getsource(MyPlexAccount.inviteFriend)
    for field in ("'server_id'", "'library_section_ids'", "'invited_email'", "'sharing_settings'"):
        assert field in invite
    shares = inspect.getsource(MyPlexUser.get_token)
    assert "FRIENDINVITE" in shares and ("GET", "/api/servers/{}/shared_servers") in routes
    for url in (MyPlexInvite.REQUESTED, MyPlexInvite.REQUESTS):  # answered 410, as plex.tv does
        assert ("GET", shape(url.removeprefix("https://plex.tv"))) in routes
