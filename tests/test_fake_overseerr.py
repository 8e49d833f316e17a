"""The fake Overseerr speaks Overseerr's wire format and never answers outside its OpenAPI spec."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import yarl
from aiohttp import web

from tests.fakes import openapi, overseerr
from tests.fakes.openapi import OpenApiSpec, SpecViolation, load_spec, spec_path
from tests.fakes.overseerr import FakeOverseerr, Permission

KEY = "overseerr-key"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOverseerr]:
    server = FakeOverseerr(api_key=KEY)
    server.add_user(2, plex_id=2002, plex_username="alice", discord_id="111")
    server.add_user(3, plex_id=3003, plex_username="bob", permissions=Permission.NONE)
    server.add_user(
        4,
        plex_id=4004,
        plex_username="carol",
        permissions=Permission.REQUEST | Permission.AUTO_APPROVE,
    )
    server.add_movie(438631, "Dune", 2021)
    server.add_movie(603, "The Matrix", 1999, status=5)
    server.add_tv(1399, "Game of Thrones", 2011, [0, 1, 2, 3], season_statuses={1: 5})
    server.add_person(500, "Tom Cruise")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def headers(user: int | None = None, key: str = KEY) -> dict[str, str]:
    out = {"X-Api-Key": key}
    if user is not None:
        out["X-API-User"] = str(user)
    return out


async def call(
    http: aiohttp.ClientSession,
    fake: FakeOverseerr,
    method: str,
    path: str,
    *,
    user: int | None = None,
    json: Any = None,
) -> tuple[int, Any]:
    url = f"{fake.url}/api/v1{path}"
    async with http.request(method, url, headers=headers(user), json=json) as response:
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


def search_url(fake: FakeOverseerr, query: str) -> yarl.URL:
    # encoded=True: otherwise yarl turns %3A, %27, %28 ... back into ':', "'", '(' ...
    return yarl.URL(f"{fake.url}/api/v1/search?query={quote(query, safe='')}&page=1", encoded=True)


def test_validator_rejects_broken_bodies() -> None:
    """The spec checker accepts valid and nullable fields, rejects broken or undescribed answers."""
    spec = load_spec()
    good = {"id": 1, "status": 1, "modifiedBy": None, "media": {"id": 1, "tvdbId": None}}
    spec.check_response("GET", "/request/{requestId}", 200, good)
    with pytest.raises(SpecViolation, match="not of type 'number'"):
        spec.check_response("GET", "/request/{requestId}", 200, {"id": "one", "status": 1})
    with pytest.raises(SpecViolation, match="required"):
        spec.check_response("GET", "/request/{requestId}", 200, {"status": 1})
    with pytest.raises(SpecViolation, match="not described"):
        spec.check_response("GET", "/nowhere", 200, {})
    with pytest.raises(SpecViolation, match="error body"):
        spec.check_response("POST", "/request", 409, {"id": 1})
    with pytest.raises(SpecViolation, match="no body"):
        spec.check_response("DELETE", "/request/{requestId}", 204, {"ok": True})
    spec.check_response(
        "POST", "/request", 409, {"message": "Request for this media already exists."}
    )


def test_spec_path_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """OVERSEERR_OPENAPI overrides the spec location; the default sits beside the repo."""
    monkeypatch.setattr(openapi, "_SPEC_ENV_AT_IMPORT", None)
    monkeypatch.delenv("OVERSEERR_OPENAPI", raising=False)
    default = spec_path()
    assert default.parts[-3:] == ("shared", "reference", "overseerr-api.yml") and default.exists()
    copy = tmp_path / "spec.yml"
    copy.write_bytes(default.read_bytes())
    monkeypatch.setenv("OVERSEERR_OPENAPI", str(copy))
    assert spec_path() == copy and OpenApiSpec().path == copy


async def test_auth_rules(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """/status is public; no key is a 401, a wrong key or too few permissions a 403."""
    async with http.get(f"{fake.url}/api/v1/status") as response:
        assert response.status == 200
        assert (await response.json())["version"] == "1.33.2"
    async with http.get(f"{fake.url}/api/v1/request") as response:
        assert response.status == 401
        assert (await response.json())["message"] == "cookie 'connect.sid' required"
    async with http.get(f"{fake.url}/api/v1/request", headers=headers(key="wrong")) as response:
        assert response.status == 403
        assert await response.json() == {
            "status": 403,
            "error": "You do not have permission to access this endpoint",
        }
    assert (await call(http, fake, "GET", "/settings/main"))[0] == 200
    assert (await call(http, fake, "GET", "/settings/main", user=2))[0] == 403
    assert (await call(http, fake, "GET", "/auth/me", user=99))[0] == 403
    status, me = await call(http, fake, "GET", "/auth/me", user=2)
    assert status == 200 and me["plexUsername"] == "alice" and me["settings"]["discordId"] == "111"
    status, appdata = await call(http, fake, "GET", "/status/appdata")
    assert status == 200 and appdata["appData"] is True


async def test_4k_flags(http: aiohttp.ClientSession) -> None:
    """4K shows up as movie4kEnabled in /settings/public and as an is4k default server."""
    for enabled in (False, True):
        async with FakeOverseerr(enable_4k=enabled) as fake:
            assert isinstance(fake, FakeOverseerr)
            public = (await call(http, fake, "GET", "/settings/public"))[1]
            assert public["movie4kEnabled"] is enabled and public["series4kEnabled"] is enabled
            radarr = (await call(http, fake, "GET", "/settings/radarr"))[1]
            sonarr = (await call(http, fake, "GET", "/settings/sonarr"))[1]
            assert any(s["is4k"] and s["isDefault"] for s in radarr) is enabled
            assert any(s["is4k"] and s["isDefault"] for s in sonarr) is enabled


async def test_search_needs_percent_encoding(
    fake: FakeOverseerr, http: aiohttp.ClientSession
) -> None:
    """Overseerr rejects raw reserved characters ('+' from params=, ':'); encoded=True %XX works."""
    url = f"{fake.url}/api/v1/search"
    async with http.get(url, params={"query": "the matrix"}, headers=headers()) as response:
        assert response.status == 400
        body = await response.json()
        assert body["message"] == (
            "Parameter 'query' must be url encoded. Its value may not contain reserved characters."
        )
    async with http.get(search_url(fake, "the matrix"), headers=headers()) as response:
        assert response.status == 200
        body = await response.json()
    assert body["totalResults"] == 1
    assert body["results"][0]["mediaInfo"]["status"] == 5
    async with http.get(f"{url}?query=tmdb:603", headers=headers()) as response:
        assert response.status == 400
    # A quoted *string* URL is not enough: yarl decodes %3A back to ':' before sending.
    async with http.get(f"{url}?query=tmdb%3A603", headers=headers()) as response:
        assert response.status == 400
    async with http.get(search_url(fake, "tmdb:603"), headers=headers()) as response:
        assert [r["title"] for r in (await response.json())["results"]] == ["The Matrix"]
    async with http.get(url, headers=headers()) as response:
        assert response.status == 400
        assert "required property 'query'" in (await response.json())["message"]


async def test_search_result_kinds(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """Search returns movie, tv and person results; mediaInfo only for media Overseerr knows."""
    fake.add_movie(1, "Tom and Jerry", 2021)
    fake.add_tv(2, "Tom's Show", 2020, 1)
    async with http.get(search_url(fake, "tom"), headers=headers()) as response:
        results = (await response.json())["results"]
    kinds = {r["mediaType"]: r for r in results}
    assert set(kinds) == {"movie", "tv", "person"}
    assert kinds["movie"]["title"] == "Tom and Jerry" and "mediaInfo" not in kinds["movie"]
    assert kinds["tv"]["name"] == "Tom's Show" and kinds["tv"]["firstAirDate"] == "2020-01-15"
    async with http.get(search_url(fake, "thrones"), headers=headers()) as response:
        show = (await response.json())["results"][0]
    assert show["mediaInfo"]["seasons"][0]["status"] == 5


async def test_movie_and_tv_details(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """/movie and /tv give details, seasons and mediaInfo; an unknown TMDB id is a 500."""
    status, movie = await call(http, fake, "GET", "/movie/603")
    assert status == 200 and movie["title"] == "The Matrix" and movie["mediaInfo"]["status"] == 5
    status, movie = await call(http, fake, "GET", "/movie/438631")
    assert status == 200 and "mediaInfo" not in movie
    status, show = await call(http, fake, "GET", "/tv/1399")
    assert status == 200
    assert [(s["seasonNumber"], s["episodeCount"], s["name"]) for s in show["seasons"]][:2] == [
        (0, 10, "Specials"),
        (1, 10, "Season 1"),
    ]
    assert {s["seasonNumber"]: s["status"] for s in show["mediaInfo"]["seasons"]} == {1: 5}
    assert await call(http, fake, "GET", "/movie/999") == (
        500,
        {"message": "Unable to retrieve movie."},
    )


async def test_request_pending_then_duplicate(
    fake: FakeOverseerr, http: aiohttp.ClientSession
) -> None:
    """X-API-User makes a PENDING request in that user's name; a second one is a 409."""
    body = {"mediaType": "movie", "mediaId": 438631, "is4k": False}
    status, created = await call(http, fake, "POST", "/request", user=2, json=body)
    assert status == 201
    assert created["status"] == 1 and created["requestedBy"]["id"] == 2
    assert created["media"]["status"] == 2 and created["modifiedBy"] is None
    assert fake.media_requests[created["id"]]["requestedBy"]["plexId"] == 2002
    assert fake.seen("POST", "/api/v1/request")[0].headers["X-API-User"] == "2"
    status, error = await call(http, fake, "POST", "/request", user=4, json=body)
    assert (status, error) == (409, {"message": "Request for this media already exists."})


async def test_request_auto_approve(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """AUTO_APPROVE makes the request APPROVED and moves the media to PROCESSING right after."""
    body = {"mediaType": "movie", "mediaId": 438631}
    status, created = await call(http, fake, "POST", "/request", user=4, json=body)
    assert status == 201 and created["status"] == 2 and created["modifiedBy"]["id"] == 4
    assert created["media"]["status"] == 2  # Overseerr answers before updateParentStatus runs
    _, movie = await call(http, fake, "GET", "/movie/438631")
    assert movie["mediaInfo"]["status"] == 3
    assert movie["mediaInfo"]["requests"][0]["id"] == created["id"]


async def test_request_on_behalf_by_admin(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """The admin key with userId files the request for that user, approved by the admin."""
    body = {"mediaType": "movie", "mediaId": 438631, "userId": 2}
    status, created = await call(http, fake, "POST", "/request", json=body)
    assert status == 201 and created["requestedBy"]["id"] == 2 and created["status"] == 2
    status, error = await call(
        http, fake, "POST", "/request", user=4, json={**body, "mediaId": 603}
    )
    assert status == 403
    assert error["message"] == "You do not have permission to modify the request user."


async def test_request_tv_seasons(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """'all' skips specials and available seasons; nothing left to request is a 202."""
    body = {"mediaType": "tv", "mediaId": 1399, "seasons": "all"}
    status, created = await call(http, fake, "POST", "/request", user=2, json=body)
    assert status == 201
    assert [s["seasonNumber"] for s in created["seasons"]] == [2, 3]
    status, answer = await call(http, fake, "POST", "/request", user=4, json=body)
    assert (status, answer) == (202, {"message": "No seasons available to request"})
    status, _ = await call(http, fake, "POST", "/request", user=4, json={**body, "seasons": [0]})
    assert status == 201


async def test_request_permission_denied(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """A user without REQUEST gets Overseerr's 403 message; a bad body is a 400."""
    body = {"mediaType": "movie", "mediaId": 438631}
    status, error = await call(http, fake, "POST", "/request", user=3, json=body)
    assert (status, error) == (
        403,
        {"message": "You do not have permission to make movie requests."},
    )
    status, error = await call(http, fake, "POST", "/request", user=3, json={**body, "is4k": True})
    assert error["message"] == "You do not have permission to make 4K movie requests."
    status, error = await call(http, fake, "POST", "/request", json={**body, "mediaType": "show"})
    assert status == 400
    assert error["message"].startswith("request/body/mediaType must be equal to one of")
    assert fake.media_requests == {}


async def test_quota_moves_and_blocks(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """Quota numbers move after a request; past the limit Overseerr answers 403."""
    fake.add_user(
        5,
        plex_id=5005,
        plex_username="dave",
        quota={"movie": {"limit": 1, "days": 7}, "tv": {"limit": 2}},
    )
    status, quota = await call(http, fake, "GET", "/user/5/quota", user=5)
    assert status == 200
    assert quota["movie"] == {"limit": 1, "days": 7, "used": 0, "remaining": 1, "restricted": False}
    assert (await call(http, fake, "GET", "/user/5/quota", user=2))[0] == 403
    movie = {"mediaType": "movie", "mediaId": 438631}
    assert (await call(http, fake, "POST", "/request", user=5, json=movie))[0] == 201
    _, quota = await call(http, fake, "GET", "/user/5/quota")
    assert quota["movie"] == {"limit": 1, "days": 7, "used": 1, "remaining": 0, "restricted": True}
    status, error = await call(
        http, fake, "POST", "/request", user=5, json={**movie, "mediaId": 603}
    )
    assert (status, error) == (403, {"message": "Movie Quota exceeded."})
    tv = {"mediaType": "tv", "mediaId": 1399, "seasons": [2, 3, 0]}
    status, error = await call(http, fake, "POST", "/request", user=5, json=tv)
    assert (status, error) == (403, {"message": "Series Quota exceeded."})
    assert (await call(http, fake, "POST", "/request", user=5, json={**tv, "seasons": [2]}))[
        0
    ] == 201
    _, quota = await call(http, fake, "GET", "/user/5/quota")
    assert quota["tv"]["used"] == 1 and quota["tv"]["remaining"] == 1
    _, admin = await call(http, fake, "GET", "/user/1/quota")
    assert admin["movie"]["limit"] == 0 and admin["movie"]["restricted"] is False
    fake.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    _, quota = await call(http, fake, "GET", "/user/5/quota")
    assert quota["movie"]["used"] == 0 and quota["tv"]["used"] == 1  # tv quota has no days


async def test_approve_decline_delete(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """Approve/decline are admin-only and move the media status; DELETE is a 204."""
    body = {"mediaType": "movie", "mediaId": 438631}
    _, created = await call(http, fake, "POST", "/request", user=2, json=body)
    rid = created["id"]
    assert (await call(http, fake, "POST", f"/request/{rid}/approve", user=2))[0] == 403
    status, approved = await call(http, fake, "POST", f"/request/{rid}/approve")
    assert status == 200 and approved["status"] == 2 and approved["media"]["status"] == 3
    status, declined = await call(http, fake, "POST", f"/request/{rid}/decline")
    assert status == 200 and declined["status"] == 3 and declined["media"]["status"] == 1
    fake.set_request_status(rid, 1)
    assert fake.media_requests[rid]["status"] == 1
    status, fetched = await call(http, fake, "GET", f"/request/{rid}", user=2)
    assert status == 200 and fetched["requestedBy"]["settings"]["discordId"] == "111"
    assert (await call(http, fake, "GET", f"/request/{rid}", user=3))[0] == 403
    assert (await call(http, fake, "DELETE", f"/request/{rid}", user=2)) == (204, None)
    assert await call(http, fake, "GET", f"/request/{rid}") == (
        404,
        {"message": "Request not found."},
    )
    assert fake.media[("movie", 438631)]["status"] == 1


async def test_request_listing(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """GET /request pages, filters and limits non-managers to their own requests."""
    await call(
        http, fake, "POST", "/request", user=2, json={"mediaType": "movie", "mediaId": 438631}
    )
    await call(http, fake, "POST", "/request", user=4, json={"mediaType": "movie", "mediaId": 603})
    _, page = await call(http, fake, "GET", "/request?take=1&skip=0&sort=added")
    assert page["pageInfo"] == {"pages": 2, "pageSize": 1, "results": 2, "page": 1}
    assert page["results"][0]["media"]["tmdbId"] == 603
    _, pending = await call(http, fake, "GET", "/request?filter=pending")
    assert [r["requestedBy"]["id"] for r in pending["results"]] == [2]
    assert "settings" not in pending["results"][0]["requestedBy"]
    _, by_carol = await call(http, fake, "GET", "/request?requestedBy=4")
    assert [r["media"]["tmdbId"] for r in by_carol["results"]] == [603]
    _, own = await call(http, fake, "GET", "/request", user=2)
    assert [r["requestedBy"]["id"] for r in own["results"]] == [2]
    assert (await call(http, fake, "GET", "/request?requestedBy=4", user=2))[0] == 403
    assert (await call(http, fake, "GET", "/request?filter=bogus"))[0] == 400
    _, counts = await call(http, fake, "GET", "/request/count")
    assert counts["total"] == 2 and counts["pending"] == 1 and counts["available"] == 1
    _, mine = await call(http, fake, "GET", "/user/2/requests", user=2)
    assert mine["pageInfo"]["results"] == 1


async def test_user_paging(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """GET /user pages by take/skip (no plexId filter); GET /user/{id} has settings.discordId."""
    seen: dict[int, int] = {}
    skip = 0
    while True:
        _, page = await call(http, fake, "GET", f"/user?take=2&skip={skip}")
        seen.update({u["plexId"]: u["id"] for u in page["results"]})
        assert all("settings" not in u for u in page["results"])
        skip += 2
        if skip >= page["pageInfo"]["results"]:
            break
    assert seen == {1: 1, 2002: 2, 3003: 3, 4004: 4}
    status, error = await call(http, fake, "GET", "/user?plexId=2002")
    assert (status, error["message"]) == (400, "Unknown query parameter 'plexId'")
    status, alice = await call(http, fake, "GET", "/user/2")
    assert status == 200 and alice["settings"]["discordId"] == "111" and alice["email"]
    assert alice["displayName"] == "alice"
    assert await call(http, fake, "GET", "/user/42") == (404, {"message": "User not found."})


async def test_media_listing(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """GET /media lists media Overseerr knows, filtered by availability."""
    fake.set_media_status(438631, "movie", 4)
    _, everything = await call(http, fake, "GET", "/media?take=10&skip=0")
    assert everything["pageInfo"]["results"] == 3
    _, available = await call(http, fake, "GET", "/media?filter=available")
    assert [m["tmdbId"] for m in available["results"]] == [603]
    _, partial = await call(http, fake, "GET", "/media?filter=allavailable")
    assert {m["tmdbId"] for m in partial["results"]} == {603, 438631}


async def test_fail_next_and_outage(fake: FakeOverseerr, http: aiohttp.ClientSession) -> None:
    """fail_next injects errors for a number of calls; stop()/start() is an outage on one URL."""
    fake.fail_next("GET", "/status", status=503, times=2, body="<html>Bad gateway</html>")
    fake.fail_next("POST", "/request", status=500, body={"message": "boom"})
    for _ in range(2):
        async with http.get(f"{fake.url}/api/v1/status") as response:
            assert response.status == 503 and "Bad gateway" in await response.text()
    assert (await call(http, fake, "GET", "/status"))[0] == 200
    body = {"mediaType": "movie", "mediaId": 438631}
    assert await call(http, fake, "POST", "/request", user=2, json=body) == (
        500,
        {"message": "boom"},
    )
    url = fake.url
    await fake.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await call(http, fake, "GET", "/status")
    await fake.start()
    assert fake.url == url
    assert (await call(http, fake, "POST", "/request", user=2, json=body))[0] == 201
    fake.fail_next("*", "/status", status=504, delay=0.5)
    with pytest.raises(TimeoutError):
        async with http.get(f"{fake.url}/api/v1/status", timeout=aiohttp.ClientTimeout(total=0.1)):
            pass


async def test_spec_violation_fails_loudly(http: aiohttp.ClientSession) -> None:
    """An answer that breaks the spec reaches the client as a 500 and stop() raises it."""

    class Broken(FakeOverseerr):
        async def _status(self, request: Any, user: Any, body: Any) -> tuple[int, Any]:
            return 200, {"version": 133}

    fake = Broken()
    await fake.start()
    async with http.get(f"{fake.url}/api/v1/status") as response:
        assert response.status == 500
    with pytest.raises(SpecViolation, match="version"):
        await fake.stop()


async def test_undescribed_operation_needs_extension_entry(
    monkeypatch: pytest.MonkeyPatch, http: aiohttp.ClientSession
) -> None:
    """Serving an operation the spec lacks fails unless SEERR_EXTENSIONS lists it."""

    class WithBlocklist(FakeOverseerr):
        async def _blocklist(self, request: Any, user: Any, body: Any) -> tuple[int, Any]:
            return 200, {"pageInfo": {}, "results": []}

        def _routes(self) -> list[Any]:
            return [*super()._routes(), ("GET", "/blocklist", self._blocklist, 0)]

    with pytest.raises(SpecViolation, match="neither in the spec nor an extension"):
        await WithBlocklist().start()
    monkeypatch.setitem(overseerr.SEERR_EXTENSIONS, ("GET", "/blocklist"), "Seerr's blocklist")
    fake = WithBlocklist()
    await fake.start()
    assert (await call(http, fake, "GET", "/blocklist"))[0] == 200
    await fake.stop()


def all_strings(node: Any) -> bool:
    if isinstance(node, dict):
        return all(all_strings(v) for v in node.values())
    if isinstance(node, list):
        return all(all_strings(v) for v in node)
    return isinstance(node, str)


async def test_webhook_payload_is_all_strings(
    fake: FakeOverseerr, http: aiohttp.ClientSession
) -> None:
    """The webhook template arrives with every value a string, sections null when absent."""
    body = {"mediaType": "tv", "mediaId": 1399, "seasons": [2, 3]}
    _, created = await call(http, fake, "POST", "/request", user=2, json=body)
    payload = fake.webhook_payload("MEDIA_PENDING", created["id"])
    assert payload["event"] == "New Series Request"
    assert payload["subject"] == "Game of Thrones (2011)"
    assert payload["media"] == {
        "media_type": "tv",
        "tmdbId": "1399",
        "tvdbId": "101399",
        "status": "PENDING",
        "status4k": "UNKNOWN",
    }
    assert payload["request"]["request_id"] == str(created["id"])
    assert payload["request"]["requestedBy_settings_discordId"] == "111"
    assert payload["request"]["requestedBy_username"] == "alice"
    assert payload["extra"] == [{"name": "Requested Seasons", "value": "2, 3"}]
    assert payload["issue"] is None and payload["comment"] is None
    assert all_strings({k: v for k, v in payload.items() if v is not None})
    fake.set_media_status(603, "movie", 5)
    available = fake.webhook_payload("MEDIA_AVAILABLE", tmdb_id=603, media_type="movie")
    assert available["media"]["status"] == "AVAILABLE" and available["request"] is None
    test = fake.webhook_payload("TEST_NOTIFICATION")
    assert test["subject"] == "Test Notification" and test["media"] is None


async def test_send_webhook_delivers_verbatim(fake: FakeOverseerr) -> None:
    """send_webhook POSTs the JSON with the Authorization header exactly as configured."""
    received: list[tuple[str | None, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("Authorization"), await request.json()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        payload = fake.webhook_payload("TEST_NOTIFICATION")
        status = await fake.send_webhook(f"http://127.0.0.1:{port}/hook", payload, "Bearer  a=b c")
        assert status == 204
        assert received == [("Bearer  a=b c", payload)]
    finally:
        await runner.cleanup()


async def test_concurrent_requests_are_serialised(
    fake: FakeOverseerr, http: aiohttp.ClientSession
) -> None:
    """Two simultaneous requests for one movie give exactly one 201 and one 409."""
    body = {"mediaType": "movie", "mediaId": 438631}
    results = await asyncio.gather(
        call(http, fake, "POST", "/request", user=2, json=body),
        call(http, fake, "POST", "/request", user=4, json=body),
    )
    assert sorted(status for status, _ in results) == [201, 409]


# ----- notification settings and server kinds (issue 11: Discord ids) ----------------------


async def test_notification_settings_post_replaces_every_field(
    http: aiohttp.ClientSession, fake: FakeOverseerr
) -> None:
    """Like Overseerr, a POST sets each field from the body: one left out is unset."""
    fake.users[2]["settings"]["pushoverUserKey"] = "alice-pushover"
    status, body = await call(http, fake, "GET", "/user/2/settings/notifications")
    assert status == 200 and body["discordId"] == "111"
    status, body = await call(
        http, fake, "POST", "/user/2/settings/notifications", json={"discordId": "222"}
    )
    assert status == 200 and body["discordId"] == "222"
    assert fake.users[2]["settings"]["pushoverUserKey"] is None


async def test_notification_settings_of_others_need_manage_users(
    http: aiohttp.ClientSession, fake: FakeOverseerr
) -> None:
    """A user without MANAGE_USERS may read only their own notification settings."""
    status, _ = await call(http, fake, "GET", "/user/2/settings/notifications", user=3)
    assert status == 403
    status, _ = await call(http, fake, "GET", "/user/3/settings/notifications", user=3)
    assert status == 200


async def test_seerr_answers_with_a_list_and_a_media_server_type(
    http: aiohttp.ClientSession, fake: FakeOverseerr
) -> None:
    """As Seerr 3.3 the settings hold `discordIds` and /settings/public has mediaServerType."""
    fake.use_server("seerr", "3.3.0", discord_ids=True)
    status, body = await call(http, fake, "GET", "/user/2/settings/notifications")
    assert status == 200 and body["discordIds"] == ["111"] and "discordId" not in body
    status, body = await call(http, fake, "GET", "/settings/public")
    assert body["mediaServerType"] == 1
    status, body = await call(http, fake, "GET", "/status")
    assert body["version"] == "3.3.0"


# ----- the webhook agent's settings and test notification (issue 15: /setup) ---------------

TEST_BODY = {
    "notification_type": "TEST_NOTIFICATION",
    "event": "",
    "subject": "Test Notification",
    "message": "Check check, 1, 2, 3. Are we coming in clear?",
    "image": "",
    "media": None,
    "request": None,
    "issue": None,
    "comment": None,
    "extra": [],
}


@asynccontextmanager
async def receiver(status: int = 204) -> AsyncIterator[tuple[str, list[tuple[Any, Any]]]]:
    """A webhook receiver on 127.0.0.1 answering `status`; yields its URL and what it got."""
    received: list[tuple[Any, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    finally:
        await runner.cleanup()


def agent_body(url: str, header: str, payload: Any, *, types: int = 8158) -> dict[str, Any]:
    options = {"webhookUrl": url, "authHeader": header, "jsonPayload": payload}
    return {"enabled": True, "embedPoster": True, "types": types, "options": options}


async def test_webhook_agent_starts_as_overseerr_ships_it(
    fake: FakeOverseerr, http: aiohttp.ClientSession
) -> None:
    """GET answers the real defaults (off, no types, no URL, the default template as text)."""
    status, body = await call(http, fake, "GET", "/settings/notifications/webhook")
    assert status == 200
    template = body["options"].pop("jsonPayload")
    assert body == {
        "enabled": False,
        "embedPoster": True,
        "types": 0,
        "options": {"webhookUrl": ""},
    }
    assert json.loads(template) == overseerr.FAKE_DEFAULT_TEMPLATE
    assert template.startswith('{\n  "notification_type": "{{notification_type}}",\n  "event"')
    status, body = await call(http, fake, "GET", "/settings/notifications/webhook", user=2)
    assert (status, body) == (403, overseerr.NO_PERMISSION)


async def test_webhook_agent_saved_double_encoded_and_tested(
    fake: FakeOverseerr, http: aiohttp.ClientSession
) -> None:
    """A double-encoded template is kept; /test POSTs the TEST body with the header verbatim."""
    template = json.dumps(overseerr.FAKE_DEFAULT_TEMPLATE, indent=2)
    async with receiver() as (url, received):
        body = agent_body(url, "Bearer  a=b", json.dumps(template))
        status, saved = await call(http, fake, "POST", "/settings/notifications/webhook", json=body)
        assert status == 200
        assert base64.b64decode(saved["options"]["jsonPayload"]).decode() == json.dumps(template)
        assert fake.webhook_json_payload == json.dumps(template)
        status, shown = await call(http, fake, "GET", "/settings/notifications/webhook")
        assert shown["options"] == {
            "webhookUrl": url,
            "authHeader": "Bearer  a=b",
            "jsonPayload": template,
        }
        assert (shown["enabled"], shown["types"]) == (True, 8158)
        test = "/settings/notifications/webhook/test"
        assert await call(http, fake, "POST", test, json=body) == (204, None)
        [(headers, sent)] = received
        assert headers["Authorization"] == "Bearer  a=b"
        assert headers["Content-Type"] == "application/json"
        assert headers["Accept"] == "application/json, text/plain, */*"
        assert sent == json.dumps(TEST_BODY, separators=(",", ":")).encode()
        # /test uses the body it is given, not the saved settings; no header when empty.
        assert await call(
            http, fake, "POST", test, json=agent_body(url, "", json.dumps(template))
        ) == (204, None)
        assert "Authorization" not in received[1][0]
    assert fake.webhook_deliveries == [(url, 204), (url, 204)]


async def test_webhook_test_fails_when_the_receiver_refuses_or_is_gone(
    fake: FakeOverseerr, http: aiohttp.ClientSession
) -> None:
    """A non-2xx answer or no receiver at all: /test answers 500 with Overseerr's message."""
    test = "/settings/notifications/webhook/test"
    payload = json.dumps(json.dumps(overseerr.FAKE_DEFAULT_TEMPLATE))
    failed = (500, {"message": "Failed to send webhook notification."})
    async with receiver(401) as (url, received):
        assert await call(http, fake, "POST", test, json=agent_body(url, "x", payload)) == failed
        assert len(received) == 1
    assert await call(http, fake, "POST", test, json=agent_body(url, "x", payload)) == failed
    assert fake.webhook_deliveries[0] == (url, 401)
    assert fake.webhook_deliveries[1][1].startswith("ClientConnectorError")


async def test_webhook_template_sent_once_encoded_is_stored_but_never_sent(
    fake: FakeOverseerr, http: aiohttp.ClientSession
) -> None:
    """Template text sent as is: saved (200), but /test fails; an object is a 400."""
    template = json.dumps(overseerr.FAKE_DEFAULT_TEMPLATE)
    async with receiver() as (url, received):
        body = agent_body(url, "x", template)
        path = "/settings/notifications/webhook"
        assert (await call(http, fake, "POST", path, json=body))[0] == 200
        failed = (500, {"message": "Failed to send webhook notification."})
        assert await call(http, fake, "POST", path + "/test", json=body) == failed
        assert received == []
        assert fake.webhook_deliveries == [(url, 'ValueError: "[object Object]" is not valid JSON')]
        as_object = agent_body(url, "x", overseerr.FAKE_DEFAULT_TEMPLATE)
        status, refused = await call(http, fake, "POST", path, json=as_object)
        assert status == 400
        assert refused["message"] == "request/body/options/jsonPayload must be string"
        status, refused = await call(http, fake, "POST", path, json=agent_body(url, "x", "{no"))
        assert status == 500
