"""Making a request: validate it, check it is not already there, spend a use and save it.

`prepare` runs the checks (`checks`), spends a rate-limit use and saves the request as
QUEUED for delivery. When Overseerr is down, a picked suggestion (type and TMDB id) is
still saved, `unchecked`: delivery runs the checks once Overseerr answers.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.errors import InvalidInput, ServiceUnavailable
from bot.i18n import N_
from bot.services.ratelimit import RateLimiter
from bot.services.requests.checks import Checks
from bot.services.requests.following import Follows
from bot.services.requests.reviews import Reviews
from bot.services.requests.seasons import SEASON_HELP
from bot.services.requests.summaries import label_of, now
from bot.services.requests.titles import CHOICE_VALUE, Titles
from storage.models import MediaRequest, RequestStatus

log = logging.getLogger(__name__)
S = RequestStatus
RATE_NAME = "request"
RECOVERY_GRACE = timedelta(seconds=30)  # a saved request no one delivered by then is the job's
FREE_TEXT_DOWN = (
    "Overseerr isn't answering, so I can't look that title up right now. Pick a title from "
    "the suggestions and I'll queue it, or try again later."
)


class Submission:
    """Turns a member's `/request` into a saved request, or says why not."""

    def __init__(
        self,
        checks: Checks,
        titles: Titles,
        reviews: Reviews,
        follows: Follows,
        limiter: RateLimiter,
        rate: str,
    ) -> None:
        self.checks = checks
        self.titles = titles
        self.reviews = reviews
        self.follows = follows
        self.limiter = limiter
        self.rate = rate

    async def prepare(
        self,
        discord_id: int,
        plex_user_id: int,
        title: str,
        seasons: str | None,
        is_4k: bool,
        *,
        exempt: bool = False,
    ) -> MediaRequest:
        """Validate, spend a rate-limit use and save the request (QUEUED, or NEEDS_REVIEW).

        Raises InvalidInput/FeatureDisabled for bad input, NoOverseerrAccount, AlreadyAvailable
        or AlreadyRequested (nothing saved), QuotaExceeded (nothing saved or spent),
        RateLimited, or ServiceUnavailable. Seasons `future` also remembers the wish for every
        new season (a subscription), even when the current ones are already there. A picked
        suggestion that Overseerr can't check now is saved `unchecked`: delivery checks it.
        """
        text = " ".join(title.split())
        if not text:
            raise InvalidInput(N_("Tell me which title you want."))
        spec = seasons.strip() if seasons and seasons.strip() else None
        if spec is not None and len(spec) > 100:
            raise InvalidInput(SEASON_HELP)
        try:
            checked = await self.checks.run(discord_id, plex_user_id, text, spec, is_4k)
        except ServiceUnavailable as exc:
            choice = CHOICE_VALUE.fullmatch(text)
            if choice is None:
                raise ServiceUnavailable(exc.service, exc.detail, FREE_TEXT_DOWN) from exc
            if not exempt:
                await self.limiter.hit(RATE_NAME, self.rate, discord_id, what="requests")
            return await self._save_unchecked(
                discord_id, plex_user_id, choice.group(1), int(choice.group(2)), spec, is_4k
            )
        if not exempt:
            await self.limiter.hit(RATE_NAME, self.rate, discord_id, what="requests")
        if checked.details is None:
            return await self.reviews.save(discord_id, text, spec, is_4k, checked.user_id)
        details = checked.details
        row = await MediaRequest.create(
            discord_id=discord_id,
            media_type=details.media_type,
            tmdb_id=details.tmdb_id,
            title=details.title[:500],
            year=details.year,
            seasons=checked.seasons,
            season_spec=spec,
            is_4k=is_4k,
            status=S.QUEUED,
            overseerr_user_id=checked.user_id,
            plex_user_id=plex_user_id,
            next_attempt_at=now() + RECOVERY_GRACE,
        )
        log.info("requests: %s saved request %s for %s", discord_id, row.id, label_of(row))
        if checked.future:
            await self.follows.follow_future(details, discord_id, is_4k)
        return row

    async def _save_unchecked(
        self,
        discord_id: int,
        plex_user_id: int,
        media_type: str,
        tmdb_id: int,
        spec: str | None,
        is_4k: bool,
    ) -> MediaRequest:
        """Keep a picked suggestion Overseerr can't check now; delivery checks and sends it."""
        remembered = self.titles.remembered(f"{media_type}:{tmdb_id}")
        name, year = remembered or (
            f"{'Movie' if media_type == 'movie' else 'Show'} #{tmdb_id}",
            None,
        )
        row = await MediaRequest.create(
            discord_id=discord_id,
            media_type=media_type,
            tmdb_id=tmdb_id,
            title=name[:500],
            year=year,
            season_spec=spec,
            is_4k=is_4k,
            status=S.QUEUED,
            unchecked=True,
            plex_user_id=plex_user_id,
            next_attempt_at=now(),
        )
        log.info("requests: %s queued unchecked request %s (Overseerr down)", discord_id, row.id)
        return row
