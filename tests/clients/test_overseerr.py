"""OverseerrClient against the fake Overseerr (answers checked against the OpenAPI file)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.clients.overseerr import (
    MEDIA_AVAILABLE,
    MEDIA_PENDING,
    REQUEST_APPROVED,
    REQUEST_PENDING,
    BadAnswer,
    FourK,
    OverseerrClient,
)
from bot.errors import ServiceRejected, ServiceUnavailable
from tests.fakes.overseerr import FakeOverseerr, Permission

KEY = "overseerr-key"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOverseerr]:
    """A fake Overseerr with two users and a small catalogue."""
    server = FakeOverseerr(api_key=KEY)
    server.add_user(2, plex_id=2002, plex_username="alice", discord_id="111")
    server.add_user(
        3,
        plex_id=3003,
        plex_username="carol",
        permissions=Permission.REQUEST | Permission.AUTO_APPROVE,
        quota={"movie": {"limit": 2, "days": 7}},
    )
    server.add_movie(438631, "Dune", 2021)
    server.add_movie(603, "The Matrix", 1999, status=MEDIA_AVAILABLE)
    server.add_movie(604, "The Matrix: Reloaded (Director's Cut) & More", 2003)
    server.add_tv(1399, "Game of Thrones", 2011, [0, 1, 2, 3], season_statuses={1: 5})
    server.add_person(500, "Tom Cruise")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(fake: FakeOverseerr) -> AsyncIterator[OverseerrClient]:
    """A client on its own session, pointed at the fake."""
    async with aiohttp.ClientSession() as http:
        yield OverseerrClient(http, fake.url + "/", KEY, timeout=2)


async def test_status_and_me_still_work(client: OverseerrClient) -> None:
    """The probe calls keep working: /status without auth, /auth/me as the admin."""
    assert (await client.status())["version"]
    assert (await client.me())["id"] == 1


async def test_search_encodes_reserved_characters(
    fake: FakeOverseerr, client: OverseerrClient
) -> None:
    """Queries with ':', '(', '&', quotes and spaces reach Overseerr percent-encoded."""
    found = await client.search("Matrix: Reloaded (Director's Cut) & More")
    assert [(r.media_type, r.tmdb_id) for r in found] == [("movie", 604)]
    raw = fake.requests[-1]
    assert raw.query["query"] == "Matrix: Reloaded (Director's Cut) & More"
    by_id = await client.search("tmdb:603")
    assert [r.title for r in by_id] == ["The Matrix"]


async def test_search_keeps_movies_and_tv_with_status(client: OverseerrClient) -> None:
    """People are dropped; year and Overseerr's media status come with each result."""
    assert await client.search("Tom Cruise") == []
    matrix = await client.search("The Matrix")
    first = next(r for r in matrix if r.tmdb_id == 603)
    assert (first.title, first.year, first.status) == ("The Matrix", 1999, MEDIA_AVAILABLE)
    dune = (await client.search("dune"))[0]
    assert (dune.media_type, dune.status) == ("movie", None)


async def test_details_of_movie_and_tv(client: OverseerrClient) -> None:
    """A show's real seasons (specials included) and per-season statuses are read."""
    got = await client.tv(1399)
    assert (got.title, got.year, got.seasons) == ("Game of Thrones", 2011, [0, 1, 2, 3])
    assert got.season_status == {1: MEDIA_AVAILABLE}
    movie = await client.details("movie", 438631)
    assert (movie.media_type, movie.status, movie.requests) == ("movie", None, [])


async def test_unknown_tmdb_id_is_a_500(client: OverseerrClient) -> None:
    """Overseerr answers an unknown TMDB id with 500, which the client reports as unavailable."""
    with pytest.raises(ServiceUnavailable) as info:
        await client.movie(999999)
    assert info.value.detail == "HTTP 500"


async def test_find_user_pages_through_all_users(
    fake: FakeOverseerr, client: OverseerrClient
) -> None:
    """The user with a Plex id is found past the first page; an unknown Plex id gives None."""
    for n in range(10, 260):
        fake.add_user(n, plex_id=90000 + n, plex_username=f"user{n}")
    found = await client.find_user_by_plex_id(90000 + 255)
    assert found is not None and (found.id, found.display_name) == (255, "user255")
    assert len(fake.seen("GET", "/api/v1/user")) == 3
    assert await client.find_user_by_plex_id(424242) is None


async def test_create_request_as_the_user(fake: FakeOverseerr, client: OverseerrClient) -> None:
    """POST /request carries X-API-User; 201 then 409 for the same movie, 202 for nothing left."""
    code, body = await client.create_request("movie", 438631, user_id=2)
    assert (code, body["status"], body["requestedBy"]["id"]) == (201, REQUEST_PENDING, 2)
    sent = fake.seen("POST", "/api/v1/request")[-1]
    assert sent.headers["X-API-User"] == "2"
    assert sent.json == {"mediaType": "movie", "mediaId": 438631, "is4k": False}
    code, body = await client.create_request("movie", 438631, user_id=3)
    assert code == 409 and "already exists" in body["message"]
    code, _ = await client.create_request("tv", 1399, user_id=3, seasons=[2])
    assert code == 201
    code, body = await client.create_request("tv", 1399, user_id=2, seasons=[1, 2])
    assert code == 202


async def test_create_request_refusals(fake: FakeOverseerr, client: OverseerrClient) -> None:
    """403 (permission, quota) raises ServiceRejected with Overseerr's message; 5xx unavailable."""
    fake.add_user(5, plex_id=5005, plex_username="nobody", permissions=Permission.NONE)
    with pytest.raises(ServiceRejected) as info:
        await client.create_request("movie", 438631, user_id=5)
    assert (info.value.status, info.value.message) == (
        403,
        "You do not have permission to make movie requests.",
    )
    fake.fail_next("POST", "/request", 503)
    with pytest.raises(ServiceUnavailable):
        await client.create_request("movie", 438631, user_id=2)


async def test_request_lookup_and_listing(fake: FakeOverseerr, client: OverseerrClient) -> None:
    """GET /request/{id} and GET /request?requestedBy= give parsed requests, newest first."""
    _, first = await client.create_request("movie", 438631, user_id=3)
    _, second = await client.create_request("tv", 1399, user_id=3, seasons=[2, 3])
    got = await client.request(first["id"])
    assert (got.status, got.media_type, got.tmdb_id, got.requested_by) == (
        REQUEST_APPROVED,
        "movie",
        438631,
        3,
    )
    assert got.created_at is not None and got.created_at.tzinfo is not None
    listed = await client.requests(requested_by=3)
    assert [r.id for r in listed] == [second["id"], first["id"]]
    assert listed[0].seasons == [2, 3] and listed[0].media_status in (MEDIA_PENDING, 3)
    assert await client.requests(requested_by=2) == []
    with pytest.raises(ServiceRejected) as info:
        await client.request(9999)
    assert info.value.status == 404


async def test_4k_settings_and_quota(fake: FakeOverseerr, client: OverseerrClient) -> None:
    """/settings/public tells whether 4K is on; /user/{id}/quota reads limits and use."""
    assert await client.settings_4k_enabled() == FourK(False, False)
    fake.enable_4k = True
    assert (await client.settings_4k_enabled()).enabled_for("tv")
    await client.create_request("movie", 438631, user_id=3)
    quota = await client.quota(3)
    assert (quota.movie.limit, quota.movie.used, quota.movie.remaining) == (2, 1, 1)
    assert quota.tv.limit is None and not quota.tv.restricted


async def test_a_malformed_answer_is_one_clear_error(
    fake: FakeOverseerr, client: OverseerrClient
) -> None:
    """A field of the wrong type or a missing id raises BadAnswer naming the field."""
    fake.fail_next("GET", "/user/3/quota", status=200, body={"movie": {"used": "several"}})
    with pytest.raises(BadAnswer) as quota:
        await client.quota(3)
    assert quota.value.status == 502
    assert quota.value.message.startswith("Overseerr sent a quota I couldn't read (movie.used: ")
    fake.fail_next("GET", "/request", status=200, body={"results": [{"status": 1}]})
    with pytest.raises(BadAnswer, match=r"results\.0\.id: Field required"):
        await client.requests()
