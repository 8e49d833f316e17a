"""The errors of media requests; each user-facing one carries the message to show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.errors import MediaNestError, UserError
from bot.services.requests.summaries import QuotaPreview
from storage.models import RequestStatus


class InvalidWebhook(MediaNestError):
    """A webhook body we cannot use; the web route answers 400."""


class RequestNotFound(UserError):
    message = "That request doesn't exist any more."


class NoOverseerrAccount(UserError):
    message = (
        "You don't have an Overseerr account yet, so I can't request for you. "
        "Ask an admin to import your Plex user into Overseerr, then try again."
    )


class RequestAlreadyHandled(UserError):
    """An admin action on a request that is no longer waiting for review."""


class AlreadyKnown(UserError):
    """Nothing to submit: the media is already available or requested. Carries what is known."""

    def __init__(
        self,
        message: str,
        *,
        media_type: str,
        tmdb_id: int,
        title: str,
        status: RequestStatus,
        is_4k: bool = False,
        seasons: Sequence[int] = (),
        own: bool = False,
        follow_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.media_type = media_type
        self.tmdb_id = tmdb_id
        self.title = title
        self.status = status
        self.is_4k = is_4k
        self.seasons = list(seasons)
        self.own = own
        self.follow_id = follow_id  # the custom id of a "Notify me" button, when one fits


class AlreadyAvailable(AlreadyKnown):
    """The media (or every asked season) is already on Plex."""


class AlreadyRequested(AlreadyKnown):
    """Someone (maybe the user) already asked for it; `status` says how far it got.

    `follow_id` is set when it is someone else's request: a "Notify me" button's custom id.
    """


class CardNotFound(UserError):
    message = "I have no approval card for that request any more."


class AlreadyDecided(UserError):
    """An Approve/Decline press on a request someone already decided (here or on the website)."""


class NothingToFollow(UserError):
    """Everything the user would follow is already on Plex."""


class QuotaExceeded(UserError):
    """The request would go over the user's Overseerr quota; `retry_at` is None if it never fits."""

    def __init__(self, preview: QuotaPreview, need: int, retry_at: datetime | None) -> None:
        self.preview = preview
        self.need = need
        self.retry_at = retry_at
        left = preview.remaining or 0
        per = f" per {preview.days} days" if preview.days else ""
        if preview.media_type == "movie":
            text = f"You've used your movie request quota ({preview.limit}{per})."
        elif preview.limit is not None and need > preview.limit:
            text = (
                f"That's {need} seasons, more than your TV quota allows ({preview.limit}{per}). "
                "Ask for fewer seasons at a time."
            )
        else:
            text = (
                f"That's {need} seasons, but your TV quota has {left} left "
                f"({preview.limit} seasons{per})."
            )
        if retry_at is not None:
            stamp = int(retry_at.timestamp())
            text += f" You can ask for it again <t:{stamp}:R> (on <t:{stamp}:D>)"
            text += ", or ask for fewer seasons now." if left and need > 1 else "."
        elif not (preview.limit is not None and need > preview.limit):
            text += " Ask an admin if you need more."
        super().__init__(text)
