"""Issues: members report a problem with something on Plex; admins resolve it from Discord.

`reporting` validates a report and makes it in Overseerr as the member's own user;
`tracking` follows every issue (ISSUE_* webhooks, the poll as fallback), DMs the reporter
once per comment and per resolve or reopen, and keeps the admin cards with their Resolve
button; `views` holds what the cogs show. Nothing here knows about Discord.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clients.overseerr import OverseerrClient
from bot.clients.overseerr.issues import is_issue_webhook
from bot.services.issues.reporting import IssueReporter
from bot.services.issues.tracking import AlreadyResolved, FindUser, IssueNotFound, IssueTracker
from bot.services.issues.views import PROBLEMS, IssueCardView, IssueView
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter


@dataclass(frozen=True)
class Issues:
    """The issue services, built together by `build_issues`."""

    reporting: IssueReporter
    tracking: IssueTracker


def build_issues(
    overseerr: OverseerrClient,
    outbox: Outbox,
    limiter: RateLimiter,
    find_user: FindUser,
    *,
    rate: str,
    places: Places,
) -> Issues:
    """The issue services; `find_user` maps a Plex user id to its Overseerr user."""
    tracking = IssueTracker(overseerr, outbox, find_user, places)
    reporting = IssueReporter(overseerr, tracking, limiter, find_user, rate=rate)
    return Issues(reporting, tracking)


__all__ = [
    "PROBLEMS",
    "AlreadyResolved",
    "IssueCardView",
    "IssueNotFound",
    "IssueReporter",
    "IssueTracker",
    "IssueView",
    "Issues",
    "build_issues",
    "is_issue_webhook",
]
