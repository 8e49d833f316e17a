"""Overseerr / Jellyseerr / Seerr API v1. Knows nothing of Discord or our database."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import quote, urlencode

import aiohttp
import yarl

from bot.clients.http import request_json
from bot.clients.overseerr.data import (
    MEDIA_TYPES,
    FourK,
    MediaDetails,
    OverseerrRequest,
    OverseerrUser,
    Quota,
    SearchResult,
)
from bot.clients.overseerr.models import (
    SERVICE,
    DetailsBody,
    PublicSettings,
    QuotaBody,
    RequestBody,
    RequestsBody,
    SearchBody,
    UsersBody,
    read,
)
from bot.errors import ServiceRejected

USER_PAGE = 100


def parse_request(body: Any) -> OverseerrRequest:
    """An Overseerr MediaRequest body as an OverseerrRequest; BadAnswer when malformed."""
    return read(RequestBody, body, "a request").record()


class OverseerrClient:
    """A thin async client; `user_id` makes a call act as that Overseerr user."""

    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, api_key: str, timeout: float = 10.0
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.api_key = api_key
        self.timeout = timeout

    async def call(
        self,
        method: str,
        path: str,
        *,
        user_id: int | None = None,
        query: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[int, Any]:
        """One API call; returns (status, body). `query` values are fully percent-encoded."""
        headers = {"X-Api-Key": self.api_key, "Accept": "application/json"}
        if user_id is not None:
            headers["X-API-User"] = str(user_id)
        url = self.base_url + path
        if query:
            url += "?" + urlencode({k: str(v) for k, v in query.items()}, quote_via=quote, safe="")
        # encoded=True: yarl would otherwise decode %3A, %28, ... back into characters that
        # Overseerr's request validator refuses in a query.
        target = yarl.URL(url, encoded=True)
        return await request_json(
            self.http,
            SERVICE,
            method,
            cast(str, target),
            headers=headers,
            timeout=self.timeout,
            **kwargs,
        )

    async def status(self) -> dict[str, Any]:
        """`GET /status`: version and update info (no auth needed)."""
        _, body = await self.call("GET", "/status")
        return body

    async def me(self) -> dict[str, Any]:
        """`GET /auth/me`: proves the API key works (it acts as the admin)."""
        _, body = await self.call("GET", "/auth/me")
        return body

    async def search(self, query: str, page: int = 1) -> list[SearchResult]:
        """`GET /search`: the movies and TV shows matching the query (people are left out)."""
        _, body = await self.call("GET", "/search", query={"query": query, "page": page})
        results = read(SearchBody, body, "search results").results
        return [item.record() for item in results if item.media_type in MEDIA_TYPES]

    async def movie(self, tmdb_id: int) -> MediaDetails:
        """`GET /movie/{id}`: a movie and its Overseerr media info."""
        _, body = await self.call("GET", f"/movie/{int(tmdb_id)}")
        return read(DetailsBody, body, "a movie").record("movie", tmdb_id)

    async def tv(self, tmdb_id: int) -> MediaDetails:
        """`GET /tv/{id}`: a show, its real seasons and its Overseerr media info."""
        _, body = await self.call("GET", f"/tv/{int(tmdb_id)}")
        return read(DetailsBody, body, "a show").record("tv", tmdb_id)

    async def details(self, media_type: str, tmdb_id: int) -> MediaDetails:
        """`movie()` or `tv()` by media type."""
        return await (self.movie(tmdb_id) if media_type == "movie" else self.tv(tmdb_id))

    async def users(self, take: int = USER_PAGE, skip: int = 0) -> tuple[list[OverseerrUser], int]:
        """`GET /user`: one page of users and the number of pages."""
        _, body = await self.call("GET", "/user", query={"take": take, "skip": skip})
        page = read(UsersBody, body, "a user list")
        return [u.record() for u in page.results], page.page_info.pages

    async def find_user_by_plex_id(self, plex_id: int) -> OverseerrUser | None:
        """The Overseerr user with this Plex id; Overseerr has no filter, so page through all."""
        skip = 0
        while True:
            users, pages = await self.users(USER_PAGE, skip)
            for user in users:
                if user.plex_id == int(plex_id):
                    return user
            skip += USER_PAGE
            if not users or skip >= pages * USER_PAGE:
                return None

    async def create_request(
        self,
        media_type: str,
        tmdb_id: int,
        *,
        user_id: int,
        seasons: list[int] | None = None,
        is_4k: bool = False,
    ) -> tuple[int, Any]:
        """`POST /request` as the user; (201, request) made, (202, …) nothing left, (409, …) exists.

        Other refusals (403 permission or quota) raise ServiceRejected; outages ServiceUnavailable.
        """
        body: dict[str, Any] = {"mediaType": media_type, "mediaId": int(tmdb_id), "is4k": is_4k}
        if media_type == "tv":
            body["seasons"] = list(seasons or [])
        try:
            return await self.call("POST", "/request", user_id=user_id, json=body)
        except ServiceRejected as exc:
            if exc.status == 409:
                return 409, {"message": exc.message}
            raise

    async def request(self, request_id: int) -> OverseerrRequest:
        """`GET /request/{id}`; a deleted request raises ServiceRejected (404)."""
        _, body = await self.call("GET", f"/request/{int(request_id)}")
        return parse_request(body)

    async def requests(
        self,
        *,
        requested_by: int | None = None,
        take: int = 20,
        skip: int = 0,
        sort: str = "added",
        filter: str | None = None,
    ) -> list[OverseerrRequest]:
        """`GET /request`: one page of requests, newest first (sort "added" or "modified")."""
        query: dict[str, Any] = {"take": take, "skip": skip, "sort": sort}
        if requested_by is not None:
            query["requestedBy"] = requested_by
        if filter is not None:
            query["filter"] = filter
        _, body = await self.call("GET", "/request", query=query)
        return [r.record() for r in read(RequestsBody, body, "a request list").results]

    async def decide_request(
        self, request_id: int, approve: bool, *, user_id: int | None = None
    ) -> OverseerrRequest:
        """`POST /request/{id}/approve|decline`, as `user_id` (None: the API key's admin)."""
        action = "approve" if approve else "decline"
        _, body = await self.call("POST", f"/request/{int(request_id)}/{action}", user_id=user_id)
        return parse_request(body)

    async def settings_4k_enabled(self) -> FourK:
        """`GET /settings/public`: whether 4K movie and series requests are enabled."""
        _, body = await self.call("GET", "/settings/public")
        return read(PublicSettings, body, "its public settings").record()

    async def quota(self, user_id: int) -> Quota:
        """`GET /user/{id}/quota`: the user's movie and TV request quotas."""
        _, body = await self.call("GET", f"/user/{int(user_id)}/quota")
        return read(QuotaBody, body, "a quota").record()
