"""Overseerr's issues: report a problem with media, read its comments, resolve or reopen it.

`OverseerrIssues` wraps the client's `call`; answers and ISSUE_* webhook bodies are read
through the pydantic models here, so a malformed field is one `BadAnswer` (or, for a
webhook, one `ValidationError`) naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from bot.clients.overseerr.client import OverseerrClient
from bot.clients.overseerr.models import OptionalId, UserRef, WebhookMedia, Wire, read

ISSUE_VIDEO, ISSUE_AUDIO, ISSUE_SUBTITLES, ISSUE_OTHER = 1, 2, 3, 4
ISSUE_TYPES = {
    "video": ISSUE_VIDEO,
    "audio": ISSUE_AUDIO,
    "subtitles": ISSUE_SUBTITLES,
    "other": ISSUE_OTHER,
}
ISSUE_OPEN, ISSUE_RESOLVED = 1, 2
ISSUE_WEBHOOKS = ("ISSUE_CREATED", "ISSUE_COMMENT", "ISSUE_RESOLVED", "ISSUE_REOPENED")


@dataclass(frozen=True)
class IssueComment:
    """One comment of an issue; the first one is the reporter's own description."""

    id: int
    message: str
    user_id: int | None
    user_name: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class OverseerrIssue:
    """An issue as Overseerr holds it; `issue_type` and `status` are Overseerr's numbers."""

    id: int
    issue_type: int
    status: int
    media_type: str | None
    tmdb_id: int | None
    created_by: int | None
    created_by_name: str | None
    modified_by_name: str | None  # who last changed it (resolved or reopened it)
    comments: tuple[IssueComment, ...]
    updated_at: datetime | None

    @property
    def resolved(self) -> bool:
        return self.status == ISSUE_RESOLVED


@dataclass(frozen=True)
class MediaRef:
    """Overseerr's own media record of a TMDB title: its id (what issues point at), status."""

    id: int
    status: int | None


class CommentBody(Wire):
    id: int
    message: str = ""
    user: UserRef | None = None
    created_at: datetime | None = Field(None, alias="createdAt")

    def record(self) -> IssueComment:
        user = self.user
        return IssueComment(
            self.id,
            self.message,
            user.id if user else None,
            user.name if user else None,
            self.created_at,
        )


class IssueMedia(Wire):
    media_type: str | None = Field(None, alias="mediaType")
    tmdb_id: int | None = Field(None, alias="tmdbId")


class IssueBody(Wire):
    """An Issue as `GET /issue/{id}` and friends return it."""

    id: int
    issue_type: Literal[1, 2, 3, 4] = Field(alias="issueType")
    status: Literal[1, 2] = 1  # ISSUE_OPEN
    media: IssueMedia | None = None
    created_by: UserRef | None = Field(None, alias="createdBy")
    modified_by: UserRef | None = Field(None, alias="modifiedBy")
    comments: list[CommentBody] = []
    updated_at: datetime | None = Field(None, alias="updatedAt")

    def record(self) -> OverseerrIssue:
        media, by = self.media, self.created_by
        return OverseerrIssue(
            id=self.id,
            issue_type=self.issue_type,
            status=self.status,
            media_type=media.media_type if media else None,
            tmdb_id=media.tmdb_id if media else None,
            created_by=by.id if by else None,
            created_by_name=by.name if by else None,
            modified_by_name=self.modified_by.name if self.modified_by else None,
            comments=tuple(sorted((c.record() for c in self.comments), key=lambda c: c.id)),
            updated_at=self.updated_at,
        )


class IssuesBody(Wire):
    results: list[IssueBody] = []


class MediaRefBody(Wire):
    id: int
    status: int | None = None


class TitleMedia(Wire):
    """`GET /movie/{id}` or `/tv/{id}`, only for its `mediaInfo`."""

    media_info: MediaRefBody | None = Field(None, alias="mediaInfo")


# -- webhooks -------------------------------------------------------------------------------


class WebhookIssue(Wire):
    """The default template's `{{issue}}` block; every value arrives as a string."""

    issue_id: int
    issue_type: str = ""
    issue_status: str = ""
    reported_by_discord: OptionalId = Field(None, alias="reportedBy_settings_discordId")


class WebhookComment(Wire):
    comment_message: str = ""
    commented_by: str = Field("", alias="commentedBy_username")


class IssueWebhookBody(Wire):
    """An ISSUE_* call of Overseerr's webhook agent: the issue block is required."""

    notification_type: Literal["ISSUE_CREATED", "ISSUE_COMMENT", "ISSUE_RESOLVED", "ISSUE_REOPENED"]
    media: WebhookMedia | None = None
    issue: WebhookIssue
    comment: WebhookComment | None = None


def is_issue_webhook(payload: Any) -> bool:
    """Whether a webhook body says it is about an issue (then `IssueWebhookBody` reads it)."""
    return isinstance(payload, dict) and payload.get("notification_type") in ISSUE_WEBHOOKS


class OverseerrIssues:
    """The issue endpoints, through one `OverseerrClient` (`user_id` acts as that user)."""

    def __init__(self, client: OverseerrClient) -> None:
        self.client = client

    async def media(self, media_type: str, tmdb_id: int) -> MediaRef | None:
        """Overseerr's media record of a title; None when Overseerr has none (not on Plex)."""
        kind = "movie" if media_type == "movie" else "tv"
        _, body = await self.client.call("GET", f"/{kind}/{int(tmdb_id)}")
        info = read(TitleMedia, body, f"a {'movie' if kind == 'movie' else 'show'}").media_info
        return MediaRef(info.id, info.status) if info is not None else None

    async def create(
        self, media_id: int, issue_type: int, message: str, *, user_id: int
    ) -> OverseerrIssue:
        """`POST /issue` as the reporter's own Overseerr user."""
        body = {"issueType": int(issue_type), "message": message, "mediaId": int(media_id)}
        _, answer = await self.client.call("POST", "/issue", user_id=user_id, json=body)
        return read(IssueBody, answer, "an issue").record()

    async def get(self, issue_id: int) -> OverseerrIssue:
        """`GET /issue/{id}` with its comments; a deleted issue raises ServiceRejected (404)."""
        _, body = await self.client.call("GET", f"/issue/{int(issue_id)}")
        return read(IssueBody, body, "an issue").record()

    async def list(
        self, *, filter: str = "open", take: int = 20, skip: int = 0, sort: str = "modified"
    ) -> list[OverseerrIssue]:
        """`GET /issue`: one page of issues (filter "open", "resolved" or "all")."""
        query = {"take": take, "skip": skip, "sort": sort, "filter": filter}
        _, body = await self.client.call("GET", "/issue", query=query)
        return [i.record() for i in read(IssuesBody, body, "an issue list").results]

    async def comment(self, issue_id: int, message: str, *, user_id: int) -> OverseerrIssue:
        """`POST /issue/{id}/comment` as this user; the issue with the new comment."""
        _, body = await self.client.call(
            "POST", f"/issue/{int(issue_id)}/comment", user_id=user_id, json={"message": message}
        )
        return read(IssueBody, body, "an issue").record()

    async def set_resolved(
        self, issue_id: int, resolved: bool, *, user_id: int | None = None
    ) -> OverseerrIssue:
        """`POST /issue/{id}/resolved|open` as `user_id` (None: the API key's admin)."""
        status = "resolved" if resolved else "open"
        _, body = await self.client.call(
            "POST", f"/issue/{int(issue_id)}/{status}", user_id=user_id
        )
        return read(IssueBody, body, "an issue").record()
