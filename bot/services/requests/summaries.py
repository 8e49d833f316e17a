"""What the request services hand back: plain views of requests, quotas and approval cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from bot.i18n import N_, Msg, PluralMsg
from bot.i18n.messages import joined
from bot.services.outbox import Button
from bot.services.requests.seasons import format_seasons, season_runs
from storage.models import CardDecision, MediaRequest, RequestStatus

S = RequestStatus

STATUS_TEXT = {
    S.NEEDS_REVIEW: N_("waiting for an admin"),
    S.QUEUED: N_("queued"),
    S.PENDING: N_("waiting for approval"),
    S.APPROVED: N_("approved, on its way"),
    S.PARTIALLY_AVAILABLE: N_("partly on Plex"),
    S.AVAILABLE: N_("on Plex"),
    S.DECLINED: N_("declined"),
    S.FAILED: N_("stuck (it failed in Overseerr)"),
    S.REJECTED: N_("refused by Overseerr"),
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


def label_msg(title: str, year: int | None, is_4k: bool, seasons: Sequence[int] | None) -> Msg:
    """`label` as a message, so "season", "seasons" and "in 4K" are in the reader's language."""
    text = Msg("{title} ({year})", title=title, year=str(year)) if year else joined([title])
    if seasons:
        runs = season_runs(seasons, ", ")
        which = PluralMsg("season {runs}", "seasons {runs}", len(set(seasons)), runs=runs)
        text = Msg("{title}, {seasons}", title=text, seasons=which)
    return Msg("{title} in 4K", title=text) if is_4k else text


def label_msg_of(row: MediaRequest) -> Msg:
    return label_msg(row.title, row.year, row.is_4k, row.seasons)


@dataclass(frozen=True)
class Choice:
    """An autocomplete choice; `value` is "movie:<tmdb id>" or "tv:<tmdb id>".

    `name` is "Title (Year) · Movie · Available" in English; `label` and `tags` (catalog
    message ids) let the Discord side show it in the member's language.
    """

    name: str
    value: str
    label: str = field(default="", compare=False)
    tags: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def tagged(cls, label: str, value: str, tags: tuple[str, ...]) -> Choice:
        return cls(choice_name(label, tags), value, label, tags)


CHOICE_NAME_MAX = 100  # Discord's limit for a choice's name


def choice_name(label: str, tags: Sequence[str]) -> str:
    """ "Title (Year) · tag · tag", the title shortened to fit Discord's 100 characters."""
    suffix = "".join(f" · {tag}" for tag in tags)
    if len(label) + len(suffix) > CHOICE_NAME_MAX:
        label = label[: CHOICE_NAME_MAX - len(suffix) - 1] + "…"
    return label + suffix


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
    def label_msg(self) -> Msg:
        """`label` in the reader's language."""
        return label_msg(self.title, self.year, self.is_4k, self.seasons)

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
    def text(self) -> Msg:
        """One line for the confirmation, e.g. "You have 1 of 5 movie requests left …"."""
        movie = self.media_type == "movie"
        if self.limit is None:
            if movie:
                return Msg("Your movie requests are unlimited.")
            return Msg("Your TV seasons are unlimited.")
        left = self.remaining or 0
        if movie:
            quota = PluralMsg(
                "You have {left} of {count} movie request left",
                "You have {left} of {count} movie requests left",
                self.limit,
                left=left,
            )
        else:
            quota = PluralMsg(
                "You have {left} of {count} TV season left",
                "You have {left} of {count} TV seasons left",
                self.limit,
                left=left,
            )
        period = PluralMsg(" (per day)", " (per {count} days)", self.days) if self.days else ""
        resets: Msg | str = ""
        if self.resets_at is not None and left < self.limit:
            when = f"<t:{int(self.resets_at.timestamp())}:R>"
            resets = Msg("; the next one frees up {when}", when=when)
        return Msg("{quota}{period}{resets}.", quota=quota, period=period, resets=resets)


@dataclass(frozen=True)
class ApprovalCardView:
    """An approval card: the message's text and buttons now, and what was decided."""

    id: int
    overseerr_request_id: int
    channel_id: int
    message_id: int | None  # None until the outbox has posted it
    content: Msg  # the text to show now, with the decision once there is one
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
