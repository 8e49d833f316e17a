"""What linking answers: the link it made or started, and why it could not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserError
from bot.i18n import N_
from storage.models import Role


# These messages end up on plain HTML pages as well as in Discord: no markdown in them.
class LinkError(UserError):
    """The link attempt cannot be used: unknown, expired or already used."""

    message = N_("This sign-in link isn't valid any more. Run /link in Discord to get a new one.")


class LinkAlreadyUsed(LinkError):
    message = N_(
        "This sign-in link has already been used. If you just signed in, you're all set: "
        "check your DMs from the bot, or run /account in Discord."
    )


class LinkPending(LinkError):
    """The callback came before plex.tv confirmed the sign-in; the attempt stays open."""

    message = N_(
        "Plex hasn't confirmed your sign-in yet. Finish signing in, then reload this page."
    )


class LinkRefused(UserError):
    """The Plex account signed in fine but may not be linked; the user gets a DM saying why."""


@dataclass(frozen=True)
class LinkStart:
    state: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class Linked:
    discord_id: int
    plex_username: str
    role: Role
