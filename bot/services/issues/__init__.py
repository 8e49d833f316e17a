"""Issues: members report a problem with something on Plex; admins resolve it from Discord.

`reporting` validates a report and makes it in Overseerr as the member's own user;
`tracking` follows every issue (ISSUE_* webhooks, the poll as fallback), DMs the reporter
once per comment and per resolve or reopen, and keeps the admin cards with their Resolve
button; `summaries` holds what the cogs show. Nothing here knows about Discord.
"""

from __future__ import annotations

from typing import Any

from bot.clients.overseerr import OverseerrClient
from bot.clients.overseerr.issues import is_issue_webhook
from bot.services.issues.reporting import IssueReporter
from bot.services.issues.summaries import PROBLEMS, IssueCardView, IssueView
from bot.services.issues.tracking import FindUser, IssueAlreadyResolved, IssueNotFound, IssueTracker
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter
from bot.services.requests import Choice


class Issues:
    """The issue services, built together by `build_issues`; cogs call its methods."""

    def __init__(self, reporting: IssueReporter, tracking: IssueTracker) -> None:
        self._reporting = reporting
        self._tracking = tracking

    @property
    def approval_channel_id(self) -> int | None:
        """Where issue cards go: the issues channel, else the approval or health channel."""
        return self._tracking.approval_channel_id

    async def report(
        self,
        discord_id: int,
        plex_user_id: int,
        title: str,
        problem: str,
        message: str | None,
        *,
        exempt: bool = False,
    ) -> IssueView:
        """Make the issue in Overseerr as the member's own user and follow it."""
        return await self._reporting.report(
            discord_id, plex_user_id, title, problem, message, exempt=exempt
        )

    async def suggest(self, query: str) -> list[Choice]:
        """Autocomplete choices for /issue's title."""
        return await self._reporting.suggest(query)

    async def open_issues(self, discord_id: int | None) -> list[IssueView]:
        """Open issues of a member (None: everyone's), newest first."""
        return await self._reporting.open_issues(discord_id)

    async def resolve(
        self, issue_id: int, admin_discord_id: int, admin_plex_user_id: int | None
    ) -> IssueCardView:
        """An admin's Resolve press on an issue card."""
        return await self._tracking.resolve(issue_id, admin_discord_id, admin_plex_user_id)

    async def cards_to_update(self) -> list[IssueCardView]:
        """Issue cards whose message should show a change."""
        return await self._tracking.cards_to_update()

    async def card_edited(self, card_id: int) -> None:
        """The card's message now shows the change."""
        await self._tracking.card_edited(card_id)

    async def poll(self) -> int:
        """The scheduler job: follow issues changed in Overseerr (webhooks' fallback)."""
        return await self._tracking.poll()

    async def handle_webhook(self, payload: Any) -> str:
        """One ISSUE_* webhook from Overseerr; returns what was done, for the log."""
        return await self._tracking.handle_webhook(payload)


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
    "IssueAlreadyResolved",
    "IssueCardView",
    "IssueNotFound",
    "IssueReporter",
    "IssueTracker",
    "IssueView",
    "Issues",
    "build_issues",
    "is_issue_webhook",
]
