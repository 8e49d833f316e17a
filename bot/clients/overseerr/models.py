"""Pydantic models of the Overseerr answers and webhook bodies the bot reads.

Each model names only the fields we use and ignores the rest; a null counts as absent. A
field of the wrong type is one `ValidationError`: the client turns it into `BadAnswer`
(a clear message for the member), the webhook route into a 400.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic import model_validator as _model_validator

from bot.clients.overseerr.data import (
    FourK,
    MediaDetails,
    OverseerrRequest,
    OverseerrUser,
    Quota,
    QuotaEntry,
    SearchResult,
)
from bot.errors import ServiceRejected

SERVICE = "Overseerr"
M = TypeVar("M", bound=BaseModel)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# Overseerr writes ids in settings and webhooks as strings, "" when unset.
OptionalId = Annotated[int | None, BeforeValidator(_blank_is_none)]


class BadAnswer(ServiceRejected):
    """Overseerr answered with a body we cannot read; the message names the field."""

    def __init__(self, what: str, error: ValidationError) -> None:
        super().__init__(
            SERVICE,
            502,
            f"Overseerr sent {what} I couldn't read ({describe(error)}). "
            "Ask an admin to check Overseerr.",
        )


def describe(error: ValidationError) -> str:
    """The first problem of a validation error, as "field.path: what is wrong"."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


def read(model: type[M], body: Any, what: str) -> M:
    """The body as `model`; BadAnswer names the first malformed field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadAnswer(what, exc) from exc


class Wire(BaseModel):
    """Base of every Overseerr body: unknown fields ignored, nulls treated as absent."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    @_model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


def year_of(date: str | None) -> int | None:
    """The year of an Overseerr date string ("2021-10-22"), if it starts with one."""
    if date and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None


class SeasonNumber(Wire):
    season_number: int = Field(alias="seasonNumber")


class SeasonInfo(SeasonNumber):
    status: int | None = None
    status_4k: int | None = Field(None, alias="status4k")


class UserSettings(Wire):
    discord_id: OptionalId = Field(None, alias="discordId")
    discord_ids: list[int] = Field([], alias="discordIds")  # Seerr 3.3+ keeps a list


class UserRef(Wire):
    """A user as requests embed it (`requestedBy`, `modifiedBy`)."""

    id: int | None = None
    display_name: str | None = Field(None, alias="displayName")
    username: str | None = None
    plex_username: str | None = Field(None, alias="plexUsername")
    plex_id: OptionalId = Field(None, alias="plexId")
    settings: UserSettings | None = None

    @property
    def name(self) -> str | None:
        return self.display_name or self.username or self.plex_username or None


class UserBody(UserRef):
    id: int
    email: str | None = None
    permissions: int = 0

    def record(self) -> OverseerrUser:
        return OverseerrUser(
            id=self.id,
            plex_id=self.plex_id,
            display_name=self.name or "",
            email=self.email,
            plex_username=self.plex_username,
            permissions=self.permissions,
        )


def _ref_id(ref: UserRef | int | None) -> int | None:
    return ref.id if isinstance(ref, UserRef) else ref


def _ref_name(ref: UserRef | int | None) -> str | None:
    return ref.name if isinstance(ref, UserRef) else None


def _ref_discord(ref: UserRef | int | None) -> int | None:
    """The Discord id in a user's notification settings (only detail answers include them)."""
    if not isinstance(ref, UserRef) or ref.settings is None:
        return None
    value = ref.settings.discord_id or next(iter(ref.settings.discord_ids), None)
    return value if value and value > 0 else None


class MediaInfo(Wire):
    """Overseerr's own record of a movie or show (`mediaInfo`, a request's `media`)."""

    media_type: str | None = Field(None, alias="mediaType")
    tmdb_id: int | None = Field(None, alias="tmdbId")
    status: int | None = None
    status_4k: int | None = Field(None, alias="status4k")
    seasons: list[SeasonInfo] = []
    requests: list[RequestBody] = []

    def season_status(self, is_4k: bool) -> dict[int, int]:
        found = ((s.season_number, s.status_4k if is_4k else s.status) for s in self.seasons)
        return {number: status for number, status in found if status is not None}


class RequestBody(Wire):
    """A MediaRequest as `GET /request/{id}` and friends return it."""

    id: int
    status: int = 0
    type: str | None = None
    is_4k: bool = Field(False, alias="is4k")
    media: MediaInfo | None = None
    requested_by: UserRef | int | None = Field(None, alias="requestedBy")
    modified_by: UserRef | int | None = Field(None, alias="modifiedBy")
    seasons: list[SeasonNumber] = []
    created_at: datetime | None = Field(None, alias="createdAt")
    updated_at: datetime | None = Field(None, alias="updatedAt")

    def record(
        self,
        *,
        media_type: str | None = None,
        tmdb_id: int | None = None,
        media: MediaInfo | None = None,
    ) -> OverseerrRequest:
        """As an OverseerrRequest; `media` stands in when the body has no media of its own."""
        info = self.media or media or NO_MEDIA
        return OverseerrRequest(
            id=self.id,
            status=self.status,
            media_type=str(self.type or info.media_type or media_type or ""),
            tmdb_id=info.tmdb_id or tmdb_id,
            is_4k=self.is_4k,
            media_status=info.status_4k if self.is_4k else info.status,
            requested_by=_ref_id(self.requested_by),
            seasons=sorted(s.season_number for s in self.seasons),
            season_status=info.season_status(self.is_4k),
            created_at=self.created_at,
            updated_at=self.updated_at,
            requested_by_name=_ref_name(self.requested_by),
            requested_by_discord=_ref_discord(self.requested_by),
            requested_by_plex=(
                self.requested_by.plex_id if isinstance(self.requested_by, UserRef) else None
            ),
            modified_by=_ref_id(self.modified_by),
            modified_by_name=_ref_name(self.modified_by),
        )


MediaInfo.model_rebuild()
NO_MEDIA = MediaInfo.model_validate({})


class Titled(Wire):
    """A TMDB movie or show: its title under one of three names, and its release date."""

    title: str | None = None
    name: str | None = None
    original_title: str | None = Field(None, alias="originalTitle")
    release_date: str | None = Field(None, alias="releaseDate")
    first_air_date: str | None = Field(None, alias="firstAirDate")

    @property
    def shown_title(self) -> str:
        return self.title or self.name or self.original_title or ""

    @property
    def year(self) -> int | None:
        return year_of(self.release_date or self.first_air_date)


class SearchItem(Titled):
    id: int
    media_type: str = Field(alias="mediaType")
    media_info: MediaInfo | None = Field(None, alias="mediaInfo")

    def record(self) -> SearchResult:
        info = self.media_info or NO_MEDIA
        return SearchResult(
            media_type=self.media_type,
            tmdb_id=self.id,
            title=self.shown_title,
            year=self.year,
            status=info.status,
            status_4k=info.status_4k,
        )


class SearchBody(Wire):
    results: list[SearchItem] = []


class DetailsBody(Titled):
    """`GET /movie/{id}` or `GET /tv/{id}`."""

    id: int | None = None
    media_info: MediaInfo | None = Field(None, alias="mediaInfo")
    seasons: list[SeasonNumber] = []

    def record(self, media_type: str, tmdb_id: int) -> MediaDetails:
        info = self.media_info or NO_MEDIA
        return MediaDetails(
            media_type=media_type,
            tmdb_id=self.id or int(tmdb_id),
            title=self.shown_title,
            year=self.year,
            status=info.status,
            seasons=sorted(s.season_number for s in self.seasons),
            season_status=info.season_status(False),
            status_4k=info.status_4k,
            season_status_4k=info.season_status(True),
            requests=[
                r.record(media_type=media_type, tmdb_id=int(tmdb_id), media=info)
                for r in info.requests
            ],
        )


class PageInfo(Wire):
    pages: int = 0


class UsersBody(Wire):
    results: list[UserBody] = []
    page_info: PageInfo = Field(default_factory=PageInfo, alias="pageInfo")


class RequestsBody(Wire):
    results: list[RequestBody] = []


class PublicSettings(Wire):
    movie_4k: bool = Field(False, alias="movie4kEnabled")
    series_4k: bool = Field(False, alias="series4kEnabled")

    def record(self) -> FourK:
        return FourK(self.movie_4k, self.series_4k)


class QuotaPart(Wire):
    used: int = 0
    limit: int | None = None
    days: int | None = None
    remaining: int | None = None
    restricted: bool = False

    def record(self) -> QuotaEntry:
        # A limit of 0 is Overseerr's "unlimited".
        return QuotaEntry(self.used, self.limit or None, self.days, self.remaining, self.restricted)


class QuotaBody(Wire):
    movie: QuotaPart = Field(default_factory=QuotaPart)
    tv: QuotaPart = Field(default_factory=QuotaPart)

    def record(self) -> Quota:
        return Quota(self.movie.record(), self.tv.record())


# -- webhooks -------------------------------------------------------------------------------

WebhookType = Literal[
    "MEDIA_PENDING",
    "MEDIA_APPROVED",
    "MEDIA_AUTO_APPROVED",
    "MEDIA_AVAILABLE",
    "MEDIA_DECLINED",
    "MEDIA_FAILED",
    "MEDIA_AUTO_REQUESTED",
    "TEST_NOTIFICATION",
    "ISSUE_CREATED",
    "ISSUE_COMMENT",
    "ISSUE_RESOLVED",
    "ISSUE_REOPENED",
]


class WebhookMedia(Wire):
    """The webhook agent's `{{media}}` block; every value arrives as a string."""

    media_type: Literal["movie", "tv"]
    tmdb_id: int = Field(alias="tmdbId")
    status: str = ""
    status_4k: str = Field("", alias="status4k")

    def status_name(self, is_4k: bool) -> str:
        """ "AVAILABLE", "PARTIALLY_AVAILABLE", … for the HD or 4K copy."""
        return (self.status_4k if is_4k else self.status).upper()


class WebhookRequest(Wire):
    request_id: OptionalId = None


class WebhookBody(Wire):
    """One call of Overseerr's webhook agent with its default JSON template."""

    notification_type: WebhookType
    media: WebhookMedia | None = None
    request: WebhookRequest | None = None

    @property
    def request_id(self) -> int | None:
        return self.request.request_id if self.request is not None else None
