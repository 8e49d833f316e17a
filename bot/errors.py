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


class MediaNestError(Exception):
    """Base of every error the bot raises on purpose."""

    message = "Something went wrong."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class UserError(MediaNestError):
    """Caused by the user's input or state; shown to them as it is."""


class NotLinked(UserError):
    message = "You need to link your Plex account first: run `/link`."


class NotAllowed(UserError):
    message = "Only admins can do that."


class InvalidInput(UserError):
    message = "That input isn't valid."


class FeatureDisabled(UserError):
    message = "That feature isn't set up on this server."


class RateLimited(UserError):
    """The user hit a rate limit; `retry_at` says when they may try again."""

    def __init__(self, retry_at: datetime, what: str = "that") -> None:
        self.retry_at = retry_at
        stamp = int(retry_at.timestamp())
        super().__init__(f"You're doing {what} too often. Try again <t:{stamp}:R>.")


class CriticalError(MediaNestError):
    """Something an admin must look at now (e.g. data could be lost)."""


class DependencyError(MediaNestError):
    """An outside service failed."""

    def __init__(self, service: str, detail: str, message: str | None = None) -> None:
        self.service = service
        self.detail = detail
        super().__init__(message or f"{service} isn't answering right now. Please try again later.")

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
