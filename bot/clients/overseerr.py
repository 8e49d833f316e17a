"""Overseerr / Jellyseerr / Seerr API v1. Knows nothing of Discord or our database.

Status numbers are Overseerr's (see `MEDIA_*` and `REQUEST_*` below); Seerr adds request
status 5 and media statuses 6 and 7, and any other value is passed through untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote, urlencode

import aiohttp
import yarl

from bot.clients.http import request_json
from bot.errors import ServiceRejected

SERVICE = "Overseerr"

MEDIA_UNKNOWN, MEDIA_PENDING, MEDIA_PROCESSING = 1, 2, 3
MEDIA_PARTIALLY_AVAILABLE, MEDIA_AVAILABLE, MEDIA_BLOCKLISTED, MEDIA_DELETED = 4, 5, 6, 7
REQUEST_PENDING, REQUEST_APPROVED, REQUEST_DECLINED, REQUEST_FAILED = 1, 2, 3, 4
REQUEST_COMPLETED = 5  # Seerr only
MEDIA_TYPES = ("movie", "tv")
USER_PAGE = 100


@dataclass(frozen=True)
class SearchResult:
    """One movie or TV show from a search; `status` is Overseerr's media status, if it knows it."""

    media_type: str
    tmdb_id: int
    title: str
    year: int | None
    status: int | None = None
    status_4k: int | None = None


@dataclass(frozen=True)
class OverseerrRequest:
    """A request as Overseerr holds it; statuses are Overseerr's numbers."""

    id: int
    status: int
    media_type: str
    tmdb_id: int | None
    is_4k: bool
    media_status: int | None
    requested_by: int | None
    seasons: list[int] = field(default_factory=list)
    season_status: dict[int, int] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    requested_by_name: str | None = None
    requested_by_discord: int | None = None  # the requester's Discord id, when Overseerr has it
    modified_by: int | None = None  # who last changed the status (approved or declined it)
    modified_by_name: str | None = None


@dataclass(frozen=True)
class MediaDetails:
    """A movie or show with what Overseerr knows of it (statuses are None when it knows nothing)."""

    media_type: str
    tmdb_id: int
    title: str
    year: int | None
    status: int | None
    seasons: list[int]
    season_status: dict[int, int]
    status_4k: int | None = None
    season_status_4k: dict[int, int] = field(default_factory=dict)
    requests: list[OverseerrRequest] = field(default_factory=list)


@dataclass(frozen=True)
class OverseerrUser:
    """An Overseerr account; `plex_id` links it to a Plex account."""

    id: int
    plex_id: int | None
    display_name: str
    email: str | None = None
    plex_username: str | None = None
    permissions: int = 0


@dataclass(frozen=True)
class FourK:
    """Whether the server takes 4K requests, per media type."""

    movie: bool
    tv: bool

    def enabled_for(self, media_type: str) -> bool:
        return self.movie if media_type == "movie" else self.tv


@dataclass(frozen=True)
class QuotaEntry:
    """One media type's quota; `limit` None means unlimited."""

    used: int
    limit: int | None
    days: int | None
    remaining: int | None
    restricted: bool


@dataclass(frozen=True)
class Quota:
    movie: QuotaEntry
    tv: QuotaEntry


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
        results = body.get("results") if isinstance(body, dict) else None
        found = []
        for item in results or []:
            if isinstance(item, dict) and item.get("mediaType") in MEDIA_TYPES:
                result = _search_result(item)
                if result is not None:
                    found.append(result)
        return found

    async def movie(self, tmdb_id: int) -> MediaDetails:
        """`GET /movie/{id}`: a movie and its Overseerr media info."""
        _, body = await self.call("GET", f"/movie/{int(tmdb_id)}")
        return _details("movie", tmdb_id, body)

    async def tv(self, tmdb_id: int) -> MediaDetails:
        """`GET /tv/{id}`: a show, its real seasons and its Overseerr media info."""
        _, body = await self.call("GET", f"/tv/{int(tmdb_id)}")
        return _details("tv", tmdb_id, body)

    async def details(self, media_type: str, tmdb_id: int) -> MediaDetails:
        """`movie()` or `tv()` by media type."""
        return await (self.movie(tmdb_id) if media_type == "movie" else self.tv(tmdb_id))

    async def users(self, take: int = USER_PAGE, skip: int = 0) -> tuple[list[OverseerrUser], int]:
        """`GET /user`: one page of users and the number of pages."""
        _, body = await self.call("GET", "/user", query={"take": take, "skip": skip})
        body = body if isinstance(body, dict) else {}
        users = [_user(u) for u in body.get("results") or [] if isinstance(u, dict)]
        pages = _int((body.get("pageInfo") or {}).get("pages")) or 0
        return [u for u in users if u is not None], pages

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
        parsed = parse_request(body)
        if parsed is None:
            raise ServiceRejected(SERVICE, 502, "Overseerr sent a request without an id.")
        return parsed

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
        results = body.get("results") if isinstance(body, dict) else None
        parsed = [parse_request(r) for r in results or []]
        return [r for r in parsed if r is not None]

    async def decide_request(
        self, request_id: int, approve: bool, *, user_id: int | None = None
    ) -> OverseerrRequest:
        """`POST /request/{id}/approve|decline`, as `user_id` (None: the API key's admin)."""
        action = "approve" if approve else "decline"
        _, body = await self.call("POST", f"/request/{int(request_id)}/{action}", user_id=user_id)
        parsed = parse_request(body)
        if parsed is None:
            raise ServiceRejected(SERVICE, 502, "Overseerr sent a request without an id.")
        return parsed

    async def settings_4k_enabled(self) -> FourK:
        """`GET /settings/public`: whether 4K movie and series requests are enabled."""
        _, body = await self.call("GET", "/settings/public")
        body = body if isinstance(body, dict) else {}
        return FourK(bool(body.get("movie4kEnabled")), bool(body.get("series4kEnabled")))

    async def quota(self, user_id: int) -> Quota:
        """`GET /user/{id}/quota`: the user's movie and TV request quotas."""
        _, body = await self.call("GET", f"/user/{int(user_id)}/quota")
        body = body if isinstance(body, dict) else {}
        return Quota(_quota_entry(body.get("movie")), _quota_entry(body.get("tv")))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _year(date: Any) -> int | None:
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _title(item: dict[str, Any]) -> str:
    return str(item.get("title") or item.get("name") or item.get("originalTitle") or "")


def _search_result(item: dict[str, Any]) -> SearchResult | None:
    tmdb_id = _int(item.get("id"))
    if tmdb_id is None:
        return None
    info = _dict(item.get("mediaInfo"))
    return SearchResult(
        media_type=item["mediaType"],
        tmdb_id=tmdb_id,
        title=_title(item),
        year=_year(item.get("releaseDate") or item.get("firstAirDate")),
        status=_int(info.get("status")),
        status_4k=_int(info.get("status4k")),
    )


def _season_statuses(info: dict[str, Any], key: str) -> dict[int, int]:
    out = {}
    for season in info.get("seasons") or []:
        if isinstance(season, dict):
            number, status = _int(season.get("seasonNumber")), _int(season.get(key))
            if number is not None and status is not None:
                out[number] = status
    return out


def _details(media_type: str, tmdb_id: int, body: Any) -> MediaDetails:
    body = _dict(body)
    info = _dict(body.get("mediaInfo"))
    seasons = []
    for season in body.get("seasons") or []:
        number = _int(season.get("seasonNumber")) if isinstance(season, dict) else None
        if number is not None:
            seasons.append(number)
    requests = []
    for raw in info.get("requests") or []:
        parsed = parse_request(raw, media_type=media_type, tmdb_id=int(tmdb_id), media=info)
        if parsed is not None:
            requests.append(parsed)
    return MediaDetails(
        media_type=media_type,
        tmdb_id=_int(body.get("id")) or int(tmdb_id),
        title=_title(body),
        year=_year(body.get("releaseDate") or body.get("firstAirDate")),
        status=_int(info.get("status")),
        seasons=sorted(seasons),
        season_status=_season_statuses(info, "status"),
        status_4k=_int(info.get("status4k")),
        season_status_4k=_season_statuses(info, "status4k"),
        requests=requests,
    )


def parse_request(
    raw: Any,
    *,
    media_type: str | None = None,
    tmdb_id: int | None = None,
    media: dict[str, Any] | None = None,
) -> OverseerrRequest | None:
    """An Overseerr MediaRequest body as an OverseerrRequest (None without an id)."""
    if not isinstance(raw, dict) or _int(raw.get("id")) is None:
        return None
    info = _dict(raw.get("media")) or (media or {})
    is_4k = bool(raw.get("is4k"))
    requester = raw.get("requestedBy")
    requested_by = _int(requester.get("id")) if isinstance(requester, dict) else _int(requester)
    modifier = raw.get("modifiedBy")
    modified_by = _int(modifier.get("id")) if isinstance(modifier, dict) else _int(modifier)
    seasons = []
    for season in raw.get("seasons") or []:
        number = _int(season.get("seasonNumber")) if isinstance(season, dict) else None
        if number is not None:
            seasons.append(number)
    return OverseerrRequest(
        id=_int(raw["id"]) or 0,
        status=_int(raw.get("status")) or 0,
        media_type=str(raw.get("type") or info.get("mediaType") or media_type or ""),
        tmdb_id=_int(info.get("tmdbId")) or tmdb_id,
        is_4k=is_4k,
        media_status=_int(info.get("status4k" if is_4k else "status")),
        requested_by=requested_by,
        seasons=sorted(seasons),
        season_status=_season_statuses(info, "status4k" if is_4k else "status"),
        created_at=_when(raw.get("createdAt")),
        updated_at=_when(raw.get("updatedAt")),
        requested_by_name=_name(requester),
        requested_by_discord=_discord_id(requester),
        modified_by=modified_by,
        modified_by_name=_name(modifier),
    )


def _name(user: Any) -> str | None:
    """A user object's display name, if it is an object with one."""
    if not isinstance(user, dict):
        return None
    name = user.get("displayName") or user.get("username") or user.get("plexUsername")
    return str(name) if name else None


def _discord_id(user: Any) -> int | None:
    """The Discord id in a user's notification settings (only detail answers include them)."""
    settings = _dict(user.get("settings")) if isinstance(user, dict) else {}
    value = _int(settings.get("discordId"))
    return value if value and value > 0 else None


def _user(raw: dict[str, Any]) -> OverseerrUser | None:
    user_id = _int(raw.get("id"))
    if user_id is None:
        return None
    return OverseerrUser(
        id=user_id,
        plex_id=_int(raw.get("plexId")),
        display_name=str(
            raw.get("displayName") or raw.get("username") or raw.get("plexUsername") or ""
        ),
        email=raw.get("email"),
        plex_username=raw.get("plexUsername"),
        permissions=_int(raw.get("permissions")) or 0,
    )


def _quota_entry(raw: Any) -> QuotaEntry:
    raw = raw if isinstance(raw, dict) else {}
    return QuotaEntry(
        used=_int(raw.get("used")) or 0,
        limit=_int(raw.get("limit")) or None,
        days=_int(raw.get("days")),
        remaining=_int(raw.get("remaining")),
        restricted=bool(raw.get("restricted")),
    )
