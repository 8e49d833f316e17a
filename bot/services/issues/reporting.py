"""Reporting a problem with something on Plex: titles to pick from, and the report itself."""

from __future__ import annotations

import asyncio
import logging
import re

from bot.clients.overseerr import (
    MEDIA_AVAILABLE,
    MEDIA_PARTIALLY_AVAILABLE,
    OverseerrClient,
    SearchResult,
)
from bot.clients.overseerr.issues import OverseerrIssues
from bot.errors import InvalidInput, NotAllowed, ServiceRejected, ServiceUnavailable
from bot.i18n import N_
from bot.services.issues.summaries import PROBLEMS, IssueView, label, view
from bot.services.issues.tracking import FindUser, IssueTracker, Known
from bot.services.ratelimit import RateLimiter
from bot.services.requests import Choice, NoOverseerrAccount
from storage.models import ReportedIssue

log = logging.getLogger(__name__)

ON_PLEX = (MEDIA_AVAILABLE, MEDIA_PARTIALLY_AVAILABLE)
RATE_NAME = "issue"
SUGGEST_TIMEOUT = 2.5
MAX_CHOICES = 25
MESSAGE_MAX = 1000
CHOICE_VALUE = re.compile(r"(movie|tv):(\d{1,9})")
TITLE_YEAR = re.compile(r"(.+?)\s*\((\d{4})\)")
NO_ACCOUNT = (
    "You don't have an Overseerr account yet, so I can't report issues for you. "
    "Ask an admin to import your Plex user into Overseerr, then try again."
)


class IssueReporter:
    """Validates a member's report and makes it in Overseerr as their own user."""

    def __init__(
        self,
        overseerr: OverseerrClient,
        tracker: IssueTracker,
        limiter: RateLimiter,
        find_user: FindUser,
        *,
        rate: str,
        suggest_timeout: float = SUGGEST_TIMEOUT,
    ) -> None:
        self.overseerr = overseerr
        self.issues = OverseerrIssues(overseerr)
        self.tracker = tracker
        self.limiter = limiter
        self.find_user = find_user
        self.rate = rate
        self.suggest_timeout = suggest_timeout

    async def suggest(self, query: str) -> list[Choice]:
        """Up to 25 movies and shows on Plex matching the query; [] when Overseerr is slow."""
        text = " ".join(query.split())
        if not text:
            return []
        try:
            results = await asyncio.wait_for(self.overseerr.search(text), self.suggest_timeout)
        except (TimeoutError, ServiceUnavailable, ServiceRejected) as exc:
            log.info("issues: suggestions for %r failed: %s", text, exc)
            return []
        return [_choice(r) for r in results if r.status in ON_PLEX][:MAX_CHOICES]

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
        """Make the issue in Overseerr as the member's Overseerr user and follow it.

        Raises InvalidInput (nothing on Plex by that name, unknown problem), NoOverseerrAccount,
        NotAllowed (their Overseerr user may not report issues), RateLimited, or a
        DependencyError; nothing is stored unless Overseerr made the issue.
        """
        issue_type = PROBLEMS.get(problem.strip().casefold())
        if issue_type is None:
            raise InvalidInput(N_("The problem must be video, audio, subtitles or other."))
        text = " ".join((message or "").split())[:MESSAGE_MAX]
        media_type, tmdb_id, found_title, year = await self._on_plex(title)
        try:
            user = await self.find_user(plex_user_id)
        except NoOverseerrAccount as exc:
            raise NoOverseerrAccount(NO_ACCOUNT) from exc
        ref = await self.issues.media(media_type, tmdb_id)
        if ref is None or ref.status not in ON_PLEX:
            raise InvalidInput(
                N_(
                    "**{title}** isn't on Plex, so there's nothing to report. "
                    "Use `/request` to ask for it."
                ),
                title=label(found_title, year),
            )
        if not exempt:
            await self.limiter.hit(RATE_NAME, self.rate, discord_id, what="reports")
        body = text or f"A {problem.strip().casefold()} problem, reported from Discord."
        try:
            created = await self.issues.create(ref.id, issue_type, body, user_id=user.id)
        except ServiceRejected as exc:
            if exc.status in (401, 403):
                raise NotAllowed(
                    N_(
                        "Your Overseerr account isn't allowed to report issues. "
                        "Ask an admin to give it the “Report Issues” permission."
                    )
                ) from exc
            raise
        known = Known(discord_id=discord_id, title=found_title, year=year)
        row = await self.tracker.track(created, known)
        log.info("issues: %s reported issue %s on %s", discord_id, created.id, row.title)
        return view(row)

    async def _on_plex(self, text: str) -> tuple[str, int, str, int | None]:
        """(media type, TMDB id, title, year) of a picked choice or of typed text on Plex."""
        value = " ".join(text.split())
        if not value:
            raise InvalidInput(N_("Tell me which title has the problem."))
        match = CHOICE_VALUE.fullmatch(value)
        if match:
            kind, tmdb_id = match.group(1), int(match.group(2))
            details = await self.overseerr.details(kind, tmdb_id)
            return kind, tmdb_id, details.title or value, details.year
        name = value.split(" · ")[0]  # a suggestion's text, typed out
        dated = TITLE_YEAR.fullmatch(name)
        query, year = (dated.group(1), int(dated.group(2))) if dated else (name, None)
        results = [r for r in await self.overseerr.search(query) if r.status in ON_PLEX]
        if year is not None:
            results = [r for r in results if r.year == year]
        exact = [r for r in results if r.title.casefold() == query.casefold()]
        picked = exact if exact else results
        if len(picked) != 1:
            if picked:
                raise InvalidInput(
                    N_("Several titles on Plex match “{name}”. Pick one from the suggestions."),
                    name=name,
                )
            raise InvalidInput(
                N_("Nothing on Plex matches “{name}”. Pick one from the suggestions."), name=name
            )
        found = picked[0]
        return found.media_type, found.tmdb_id, found.title, found.year

    async def open_issues(self, discord_id: int | None) -> list[IssueView]:
        """The open issues a member reported (everyone's for None), newest first."""
        query = ReportedIssue.filter(resolved=False)
        if discord_id is not None:
            query = query.filter(discord_id=discord_id)
        return [view(r) for r in await query.order_by("-overseerr_issue_id").limit(25)]


def _choice_label(result: SearchResult) -> str:
    return f"{result.title} ({result.year})" if result.year else result.title


def _choice(result: SearchResult) -> Choice:
    kind = N_("Movie") if result.media_type == "movie" else N_("TV")
    return Choice.tagged(_choice_label(result), f"{result.media_type}:{result.tmdb_id}", (kind,))
