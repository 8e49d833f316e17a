"""The plex.tv and Plex Media Server fakes, driven by the real plexapi."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests
from plexapi import myplex
from plexapi.exceptions import BadRequest, Unauthorized
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin
from plexapi.server import PlexServer

from tests.eventually import eventually
from tests.fakes.plex import FakePlexServer, FakePlexTV

CLIENT_ID = "medianest-test-client"
PIN_HEADERS = {"X-Plex-Client-Identifier": CLIENT_ID, "X-Plex-Product": "MediaNest"}


@pytest.fixture
async def plextv(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakePlexTV]:
    """A running fake plex.tv with every plexapi plex.tv URL pointed at it (restored after)."""
    fake = FakePlexTV()
    await fake.start()
    for _, cls in inspect.getmembers(myplex, inspect.isclass):
        if cls.__module__ != myplex.__name__:
            continue
        for name, value in list(vars(cls).items()):
            if isinstance(value, str) and value.startswith("https://plex.tv/"):
                monkeypatch.setattr(cls, name, value.replace("https://plex.tv", fake.url, 1))
    yield fake
    await fake.stop()


@pytest.fixture
async def pms(tmp_path: Path) -> AsyncIterator[FakePlexServer]:
    """A running fake Plex Media Server with a movie section rooted in a temp folder."""
    fake = FakePlexServer()
    fake.add_section(1, "movie", "Movies", str(tmp_path / "movies"))
    await fake.start()
    yield fake
    await fake.stop()


def new_pin_login(headers: dict[str, str] | None = None) -> MyPlexPinLogin:
    """A plexapi OAuth pin login sending our client headers."""
    return MyPlexPinLogin(oauth=True, headers=headers or PIN_HEADERS)


async def test_pin_login_authorized_gives_token(plextv: FakePlexTV) -> None:
    """A pin is created (strong), unauthorized at first, then checkLogin() returns the token."""
    alice = plextv.add_account(1, "alice")
    login = new_pin_login()
    url = await asyncio.to_thread(login.oauthUrl, forwardUrl="http://127.0.0.1:9/linked")
    assert url.startswith("https://app.plex.tv/auth/#!?")
    assert f"clientID={CLIENT_ID}" in url and "forwardUrl=" in url

    (pin,) = plextv.pins.values()
    assert pin["clientIdentifier"] == CLIENT_ID and pin["product"] == "MediaNest"
    assert len(pin["code"]) > 4 and f"code={pin['code']}" in url
    assert plextv.seen("POST", "/api/v2/pins")[0].query["strong"] == "True"
    assert await asyncio.to_thread(login.checkLogin) is False

    plextv.authorize_pin(pin["id"], alice)
    assert await asyncio.to_thread(login.checkLogin) is True
    assert login.token == alice.token


async def test_pin_needs_client_identifier_of_its_creator(plextv: FakePlexTV) -> None:
    """GET /api/v2/pins/{id} answers 404 to another client identifier, 200 to the creator."""
    login = new_pin_login()
    await asyncio.to_thread(login.oauthUrl)
    (pin_id,) = plextv.pins
    url = f"{plextv.url}/api/v2/pins/{pin_id}"

    other = await asyncio.to_thread(
        requests.get, url, headers={"X-Plex-Client-Identifier": "someone-else"}
    )
    mine = await asyncio.to_thread(
        requests.get, url, headers={**PIN_HEADERS, "Accept": "application/json"}
    )
    assert other.status_code == 404
    assert mine.status_code == 200 and mine.json()["authToken"] is None


async def test_pin_without_client_identifier_is_refused(plextv: FakePlexTV) -> None:
    """Creating a pin without X-Plex-Client-Identifier is a 400."""
    response = await asyncio.to_thread(
        requests.post, f"{plextv.url}/api/v2/pins", headers={"X-Plex-Product": "MediaNest"}
    )
    assert response.status_code == 400


async def test_expired_pin_fails_check(plextv: FakePlexTV) -> None:
    """An expired pin 404s: checkLogin() is False and plexapi marks the login expired."""
    alice = plextv.add_account(1, "alice")
    login = new_pin_login()
    await asyncio.to_thread(login.oauthUrl)
    (pin_id,) = plextv.pins
    plextv.expire_pin(pin_id)
    with pytest.raises(KeyError):
        plextv.authorize_pin(pin_id, alice)
    assert await asyncio.to_thread(login.checkLogin) is False
    assert login.expired is True


async def test_pin_run_and_wait_for_login(
    plextv: FakePlexTV, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run() polls in its thread; waitForLogin() returns True once the user signs in."""
    monkeypatch.setattr(MyPlexPinLogin, "POLLINTERVAL", 0.02)
    alice = plextv.add_account(1, "alice")
    login = new_pin_login()
    await asyncio.to_thread(login.run, timeout=10)
    await eventually(lambda: len(plextv.seen("GET", "/api/v2/pins/")) >= 2)
    (pin_id,) = plextv.pins
    plextv.authorize_pin(pin_id, alice)
    assert await asyncio.to_thread(login.waitForLogin) is True
    assert login.token == alice.token


async def test_account_is_read_from_token(plextv: FakePlexTV) -> None:
    """MyPlexAccount(token=…) reads id, uuid, username and email from /api/v2/user."""
    bob = plextv.add_account(7, "bob", email="bob@home.lan")
    account = await asyncio.to_thread(MyPlexAccount, token=bob.token)
    assert (account.id, account.uuid, account.username, account.email) == (
        7,
        bob.uuid,
        "bob",
        "bob@home.lan",
    )
    assert account.authToken == bob.token and account.subscriptionActive is False


async def test_account_as_json_when_asked(plextv: FakePlexTV) -> None:
    """With Accept: application/json plex.tv answers the account as JSON."""
    bob = plextv.add_account(7, "bob")
    response = await asyncio.to_thread(
        requests.get,
        f"{plextv.url}/api/v2/user",
        headers={"X-Plex-Token": bob.token, "Accept": "application/json"},
    )
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["username"] == "bob" and response.json()["id"] == 7


async def test_revoked_token_is_unauthorized(plextv: FakePlexTV) -> None:
    """A revoked or unknown token makes plexapi raise Unauthorized."""
    bob = plextv.add_account(7, "bob")
    plextv.revoke(bob.token)
    with pytest.raises(Unauthorized):
        await asyncio.to_thread(MyPlexAccount, token=bob.token)
    with pytest.raises(Unauthorized):
        await asyncio.to_thread(MyPlexAccount, token="nobody")


async def test_resources_show_owned_and_shared(plextv: FakePlexTV, pms: FakePlexServer) -> None:
    """The owner sees the server as owned, a friend as shared, and the friend can connect."""
    owner = plextv.add_account(1, "owner", token=pms.owner_token)
    friend = plextv.add_account(2, "friend")
    stranger = plextv.add_account(3, "stranger")
    plextv.share_server(owner, pms.machine_identifier, owned=True, server_url=pms.url)
    pms.allow_token(plextv.share_server(friend, pms.machine_identifier, server_url=pms.url))

    owner_account = await asyncio.to_thread(MyPlexAccount, token=owner.token)
    friend_account = await asyncio.to_thread(MyPlexAccount, token=friend.token)
    stranger_account = await asyncio.to_thread(MyPlexAccount, token=stranger.token)
    (mine,) = await asyncio.to_thread(owner_account.resources)
    (theirs,) = await asyncio.to_thread(friend_account.resources)
    assert mine.clientIdentifier == theirs.clientIdentifier == pms.machine_identifier
    assert mine.owned is True and theirs.owned is False
    assert theirs.ownerId == 1 and theirs.sourceTitle == "owner"
    assert await asyncio.to_thread(stranger_account.resources) == []

    server = await asyncio.to_thread(theirs.connect)
    assert server.machineIdentifier == pms.machine_identifier

    (user,) = await asyncio.to_thread(owner_account.users)
    assert (user.id, user.username) == (2, "friend")
    assert [s.machineIdentifier for s in user.servers] == [pms.machine_identifier]


async def test_server_connects_with_token_only(pms: FakePlexServer) -> None:
    """PlexServer(url, token) connects with the owner token; a wrong token is Unauthorized."""
    server = await asyncio.to_thread(PlexServer, pms.url, pms.owner_token)
    assert server.machineIdentifier == "mid-1" and server.friendlyName == "Home Plex"
    assert [s.title for s in await asyncio.to_thread(lambda: server.library.sections())] == [
        "Movies"
    ]
    with pytest.raises(Unauthorized):
        await asyncio.to_thread(PlexServer, pms.url, "wrong-token")


async def test_refresh_scans_folder_into_searchable_items(
    pms: FakePlexServer, tmp_path: Path
) -> None:
    """A section refresh turns video files on disk into items that title search finds."""
    movies = tmp_path / "movies"
    (movies / "Dune (2021)").mkdir(parents=True)
    (movies / "Dune (2021)" / "Dune (2021).mkv").write_bytes(b"\0")
    (movies / "notes.txt").write_text("not media")
    pms.add_item(1, "Arrival", guids=["tmdb://329865"])
    server = await asyncio.to_thread(PlexServer, pms.url, pms.owner_token)
    section = await asyncio.to_thread(lambda: server.library.section("Movies"))

    assert await asyncio.to_thread(section.search, title="dune") == []
    await asyncio.to_thread(section.update)
    (dune,) = await asyncio.to_thread(section.search, title="dune")
    assert dune.title == "Dune (2021)" and dune.locations == [
        str(movies / "Dune (2021)" / "Dune (2021).mkv")
    ]
    (arrival,) = await asyncio.to_thread(section.search, title="ARRIV")
    assert [g.id for g in arrival.guids] == ["tmdb://329865"]
    assert len(await asyncio.to_thread(section.all)) == 2

    (movies / "Heat.mp4").write_bytes(b"\0")
    await asyncio.to_thread(section.update, path=str(movies))
    assert pms.refreshes == ["1", f"1?path={movies}"]
    assert (await asyncio.to_thread(section.get, "heat")).title == "Heat"
    assert len(pms.items) == 3


async def test_collection_create_add_and_edit_summary(pms: FakePlexServer) -> None:
    """A collection is created from items, gets more items, and its summary is edited."""
    first = pms.add_item(1, "Alien")
    second = pms.add_item(1, "Aliens")
    server = await asyncio.to_thread(PlexServer, pms.url, pms.owner_token)
    section = await asyncio.to_thread(lambda: server.library.section("Movies"))
    alien, aliens = await asyncio.to_thread(section.search, title="alien")

    collection = await asyncio.to_thread(server.createCollection, "Alien", section, items=[alien])
    assert pms.collections[str(collection.ratingKey)]["items"] == [first["ratingKey"]]
    await asyncio.to_thread(collection.addItems, [aliens])
    await asyncio.to_thread(collection.editSummary, "Space horror.")
    await asyncio.to_thread(collection.reload)

    stored = pms.collections[str(collection.ratingKey)]
    assert stored["items"] == [first["ratingKey"], second["ratingKey"]]
    assert stored["summary"] == collection.summary == "Space horror."
    assert [i.title for i in await asyncio.to_thread(collection.items)] == ["Alien", "Aliens"]
    (listed,) = await asyncio.to_thread(section.collections)
    assert listed.title == "Alien" and listed.childCount == 2
    assert (await asyncio.to_thread(section.collection, "alien")).ratingKey == collection.ratingKey


async def test_item_fetched_by_rating_key_and_edited(pms: FakePlexServer) -> None:
    """fetchItem(ratingKey) reads /library/metadata; editSummary on a movie reaches the fake."""
    heat = pms.add_item(1, "Heat", guids=["imdb://tt0113277"], year=1995)
    server = await asyncio.to_thread(PlexServer, pms.url, pms.owner_token)
    movie = await asyncio.to_thread(server.fetchItem, int(heat["ratingKey"]))
    assert (movie.title, movie.year, movie.librarySectionID) == ("Heat", 1995, 1)
    await asyncio.to_thread(lambda: movie.editSummary("A heist.").reload())
    assert pms.items[heat["ratingKey"]]["summary"] == movie.summary == "A heist."
    assert movie.isLocked("summary") is True


async def test_plextv_outage_and_recovery(plextv: FakePlexTV) -> None:
    """plex.tv stopped gives requests' ConnectionError; started again it answers on the same URL."""
    bob = plextv.add_account(7, "bob")
    url = plextv.url
    await plextv.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        await asyncio.to_thread(MyPlexAccount, token=bob.token)
    await plextv.start()
    assert plextv.url == url
    account = await asyncio.to_thread(MyPlexAccount, token=bob.token)
    assert account.username == "bob"


async def test_collection_sort_moves_and_posters(pms: FakePlexServer, tmp_path: Path) -> None:
    """sortUpdate, moveItem and uploadPoster reach the fake and plexapi reads them back."""
    keys = [pms.add_item(1, title)["ratingKey"] for title in ("A", "B", "C")]
    server = await asyncio.to_thread(PlexServer, pms.url, pms.owner_token)
    section = await asyncio.to_thread(lambda: server.library.section("Movies"))
    a, b, c = await asyncio.to_thread(server.fetchItems, [int(k) for k in keys])
    collection = await asyncio.to_thread(server.createCollection, "Set", section, items=[a, b, c])
    image = tmp_path / "p.jpg"
    image.write_bytes(b"\xff\xd8 p \xff\xd9")

    await asyncio.to_thread(collection.sortUpdate, "custom")
    await asyncio.to_thread(collection.moveItem, c)  # no `after`: to the front
    await asyncio.to_thread(collection.moveItem, a, b)
    await asyncio.to_thread(collection.uploadPoster, filepath=str(image))
    await asyncio.to_thread(collection.lockPoster)
    await asyncio.to_thread(collection.reload)

    assert collection.collectionSort == 2
    assert [i.title for i in await asyncio.to_thread(collection.items)] == ["C", "B", "A"]
    assert collection.isLocked("thumb") and collection.thumb.endswith("/thumb/1")
    served = await asyncio.to_thread(server._session.get, server.url(collection.thumb, True))
    assert served.content == image.read_bytes() == pms.poster(str(collection.ratingKey))
    with pytest.raises(BadRequest):  # the fake checks values as PMS does
        put = server._session.put
        await asyncio.to_thread(server.query, f"{collection.key}/prefs?collectionSort=7", put)
    with pytest.raises(BadRequest):  # a URL poster would need the fake to fetch it
        await asyncio.to_thread(collection.uploadPoster, url="http://127.0.0.1:9/x.jpg")
