"""What the Overseerr client hands back: plain frozen records, with Overseerr's status numbers.

Status numbers are Overseerr's (see `MEDIA_*` and `REQUEST_*` below); Seerr adds request
status 5 and media statuses 6 and 7, and any other value is passed through untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

MEDIA_UNKNOWN, MEDIA_PENDING, MEDIA_PROCESSING = 1, 2, 3
MEDIA_PARTIALLY_AVAILABLE, MEDIA_AVAILABLE, MEDIA_BLOCKLISTED, MEDIA_DELETED = 4, 5, 6, 7
REQUEST_PENDING, REQUEST_APPROVED, REQUEST_DECLINED, REQUEST_FAILED = 1, 2, 3, 4
REQUEST_COMPLETED = 5  # Seerr only
MEDIA_TYPES = ("movie", "tv")


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
    requested_by_plex: int | None = None  # the requester's Plex id (how members are linked)
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
