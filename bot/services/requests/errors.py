"""The errors of media requests; each user-facing one carries the message to show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.errors import MediaNestError, UserError
from bot.i18n import N_, Msg, PluralMsg
from bot.i18n.messages import joined
from bot.services.requests.summaries import QuotaPreview
from storage.models import RequestStatus


class InvalidWebhook(MediaNestError):
    """A webhook body we cannot use; the web route answers 400."""


class RequestNotFound(UserError):
    message = N_("That request doesn't exist any more.")


class NoOverseerrAccount(UserError):
    message = N_(
        "You don't have an Overseerr account yet, so I can't request for you. "
        "Ask an admin to import your Plex user into Overseerr, then try again."
    )


class RequestAlreadyHandled(UserError):
    """An admin action on a request that is no longer waiting for review."""


class AlreadyKnown(UserError):
    """Nothing to submit: the media is already available or requested. Carries what is known."""

    def __init__(
        self,
        message: str | Msg,
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
    message = N_("I have no approval card for that request any more.")


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
        limit = preview.limit or 0
        per: Msg | str = ""
        if preview.days:
            per = PluralMsg(" per day", " per {count} days", preview.days)
        if preview.media_type == "movie":
            text = Msg("You've used your movie request quota ({limit}{per}).", limit=limit, per=per)
        elif preview.limit is not None and need > preview.limit:
            text = Msg(
                "That's {need} seasons, more than your TV quota allows ({limit}{per}). "
                "Ask for fewer seasons at a time.",
                need=need,
                limit=limit,
                per=per,
            )
        else:
            text = PluralMsg(
                "That's {need} seasons, but your TV quota has {left} left ({count} season{per}).",
                "That's {need} seasons, but your TV quota has {left} left ({count} seasons{per}).",
                limit,
                need=need,
                left=left,
                per=per,
            )
        if retry_at is not None:
            stamp = int(retry_at.timestamp())
            again = {"soon": f"<t:{stamp}:R>", "day": f"<t:{stamp}:D>"}
            if left and need > 1:
                more = Msg(
                    "You can ask for it again {soon} (on {day}), or ask for fewer seasons now.",
                    **again,
                )
            else:
                more = Msg("You can ask for it again {soon} (on {day}).", **again)
            text = joined([text, more], " ")
        elif not (preview.limit is not None and need > preview.limit):
            text = joined([text, Msg("Ask an admin if you need more.")], " ")
        super().__init__(text)
