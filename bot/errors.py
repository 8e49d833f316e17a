"""Our exception tree. Each user-facing error carries a message that is safe to show.

MediaNestError
├── UserError                 the user can fix it; `message` is shown privately
│   ├── NotLinked
│   ├── NotAllowed
│   ├── RateLimited           carries `retry_at`
│   ├── InvalidInput
│   └── FeatureDisabled
├── CriticalError             needs an admin now; alerted at once, not only when repeated
└── DependencyError           an outside service failed; worth retrying later
    ├── ServiceUnavailable    unreachable, timed out, or answered 5xx
    └── ServiceRejected       answered with a final refusal (4xx); `message` is safe to show
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.i18n.catalogs import ENGLISH
from bot.i18n.messages import N_, Msg, joined


class MediaNestError(Exception):
    """Base of every error the bot raises on purpose.

    `message` is the English text; `msg` is the message id and values, which the Discord
    side renders in the reader's language (`bot/tree.py`).
    """

    message = N_("Something went wrong.")

    def __init__(self, message: str | Msg | None = None, /, **values: Any) -> None:
        if isinstance(message, Msg):
            self.msg = message
        else:
            self.msg = Msg(message if message is not None else type(self).message, **values)
        self.message = ENGLISH.render(self.msg)
        super().__init__(self.message)

    def add(self, more: Msg) -> None:
        """Say one more sentence after the message."""
        self.msg = joined([self.msg, more], " ")
        self.message = ENGLISH.render(self.msg)


class UserError(MediaNestError):
    """Caused by the user's input or state; shown to them as it is."""


class NotLinked(UserError):
    message = N_("You need to link your Plex account first: run `/link`.")


class NotAllowed(UserError):
    message = N_("Only admins can do that.")


class InvalidInput(UserError):
    message = N_("That input isn't valid.")


class FeatureDisabled(UserError):
    message = N_("That feature isn't set up on this server.")


class RateLimited(UserError):
    """The user hit a rate limit; `retry_at` says when they may try again."""

    def __init__(self, retry_at: datetime, what: str = "that") -> None:
        self.retry_at = retry_at
        stamp = int(retry_at.timestamp())
        super().__init__(RATE_TEXTS.get(what, RATE_TEXTS["that"]), when=f"<t:{stamp}:R>")


RATE_TEXTS = {
    "that": N_("You're doing that too often. Try again {when}."),
    "commands": N_("You're sending commands too fast. Try again {when}."),
    "requests": N_("You've made a lot of requests lately. Try again {when}."),
    "reports": N_("You've reported a lot of problems lately. Try again {when}."),
    "YouTube downloads": N_("You've queued a lot of YouTube downloads lately. Try again {when}."),
}


class CriticalError(MediaNestError):
    """Something an admin must look at now (e.g. data could be lost)."""


class DependencyError(MediaNestError):
    """An outside service failed."""

    def __init__(self, service: str, detail: str, message: str | None = None) -> None:
        self.service = service
        self.detail = detail
        if message is not None:
            super().__init__(message)
        else:
            super().__init__(
                N_("{service} isn't answering right now. Please try again later."), service=service
            )

    def __str__(self) -> str:
        return f"{self.service}: {self.detail}"


class ServiceUnavailable(DependencyError):
    """Unreachable, timed out or 5xx (`status`, None when nothing answered): retry later."""

    def __init__(
        self, service: str, detail: str, message: str | None = None, *, status: int | None = None
    ) -> None:
        self.status = status
        super().__init__(service, detail, message)


class ServiceRejected(DependencyError):
    """A final 4xx refusal; `message` is the service's own reason, safe to show."""

    def __init__(self, service: str, status: int, message: str) -> None:
        self.status = status
        super().__init__(service, f"HTTP {status}: {message}", message)
