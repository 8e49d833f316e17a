"""What the request services hand back: plain views of requests, quotas and approval cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from bot.services.outbox import Button
from bot.services.requests.seasons import format_seasons
from storage.models import CardDecision, MediaRequest, RequestStatus

S = RequestStatus

STATUS_TEXT = {
    S.NEEDS_REVIEW: "waiting for an admin",
    S.QUEUED: "queued",
    S.PENDING: "waiting for approval",
    S.APPROVED: "approved, on its way",
    S.PARTIALLY_AVAILABLE: "partly on Plex",
    S.AVAILABLE: "on Plex",
    S.DECLINED: "declined",
    S.FAILED: "stuck (it failed in Overseerr)",
    S.REJECTED: "refused by Overseerr",
}


def now() -> datetime:
    return datetime.now(UTC)


def label(title: str, year: int | None, is_4k: bool, seasons: Sequence[int] | None) -> str:
    """ "Title (Year)", with the seasons and "in 4K" when they apply."""
    text = f"{title} ({year})" if year else title
    if seasons:
        text += f", {format_seasons(seasons)}"
    return text + (" in 4K" if is_4k else "")


def label_of(row: MediaRequest) -> str:
    return label(row.title, row.year, row.is_4k, row.seasons)


@dataclass(frozen=True)
class Choice:
    """An autocomplete choice; `value` is "movie:<tmdb id>" or "tv:<tmdb id>"."""

    name: str
    value: str


class RequestView(BaseModel):
    """A stored request as the cogs show it, copied from its row by field name."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    discord_id: int
    title: str
    year: int | None
    media_type: str
    tmdb_id: int | None
    status: RequestStatus
    seasons: list[int] | None
    is_4k: bool
    created_at: datetime
    updated_at: datetime
    overseerr_request_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    message: str | None = None  # Overseerr's own reason when it refused the request

    @property
    def label(self) -> str:
        """ "Title (Year)" with "4K" and the seasons when they apply."""
        return label(self.title, self.year, self.is_4k, self.seasons)

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.status, str(self.status))


def view(row: MediaRequest) -> RequestView:
    """The plain view of a stored request."""
    message = row.last_error if row.status == S.REJECTED else None
    return RequestView.model_validate(row).model_copy(update={"message": message})


@dataclass(frozen=True)
class QuotaPreview:
    """A user's Overseerr quota for one media type; `limit` None means unlimited.

    TV quotas count seasons. `resets_at` is when the oldest counted request stops counting.
    """

    media_type: str
    limit: int | None
    remaining: int | None
    used: int
    days: int | None
    resets_at: datetime | None = None

    @property
    def unlimited(self) -> bool:
        return self.limit is None

    @property
    def text(self) -> str:
        """One line for the confirmation, e.g. "You have 1 of 5 movie requests left …"."""
        units = "movie requests" if self.media_type == "movie" else "TV seasons"
        if self.limit is None:
            return f"Your {units} are unlimited."
        text = f"You have {self.remaining or 0} of {self.limit} {units} left"
        if self.days:
            text += f" (per {self.days} days)"
        if self.resets_at is not None and (self.remaining or 0) < self.limit:
            text += f"; the next one frees up <t:{int(self.resets_at.timestamp())}:R>"
        return text + "."


@dataclass(frozen=True)
class ApprovalCardView:
    """An approval card: the message's text and buttons now, and what was decided."""

    id: int
    overseerr_request_id: int
    channel_id: int
    message_id: int | None  # None until the outbox has posted it
    content: str  # the text to show now, with the decision once there is one
    buttons: tuple[Button, ...]  # Approve and Decline while undecided, none after
    decision: CardDecision | None
    decided_by: int | None  # the admin's Discord id when decided here
    decided_by_name: str | None  # the Overseerr user when decided on the website
    decided_at: datetime | None
    reason: str | None


@dataclass(frozen=True)
class Decision:
    """What `decide` did: the card as it now reads, and who Overseerr saw acting."""

    card: ApprovalCardView
    approved: bool
    acted_as: int | None  # the admin's Overseerr user id; None: the API key (Overseerr's admin)
