"""Overseerr request quotas: what a member has left, and refusing up front what would not fit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.clients.overseerr import REQUEST_DECLINED, OverseerrClient, QuotaEntry
from bot.errors import ServiceRejected
from bot.services.requests.accounts import Accounts
from bot.services.requests.errors import QuotaExceeded
from bot.services.requests.summaries import QuotaPreview, now

log = logging.getLogger(__name__)

PAGE = 50  # the user's requests read per page
PAGES = 20  # and at most this many pages to find when the quota frees up


class Quotas:
    """Reads a user's quota and their counted requests from Overseerr."""

    def __init__(self, overseerr: OverseerrClient, accounts: Accounts) -> None:
        self.overseerr = overseerr
        self.accounts = accounts

    async def preview(self, plex_user_id: int, media_type: str) -> QuotaPreview:
        """The user's Overseerr quota for movies or TV (seasons), with when a slot frees up."""
        user = await self.accounts.user(plex_user_id)
        quota = await self.overseerr.quota(user.id)
        entry = quota.movie if media_type == "movie" else quota.tv
        preview = _preview(media_type, entry)
        if preview.limit is None or not preview.used or not preview.days:
            return preview
        window = await self._window(user.id, media_type, preview.days)
        return _preview(media_type, entry, _frees_at(window, 1, preview.days))

    async def check(self, overseerr_user_id: int, media_type: str, need: int) -> None:
        """Refuse up front (QuotaExceeded, with when it fits) what Overseerr would refuse (403)."""
        try:
            quota = await self.overseerr.quota(overseerr_user_id)
        except ServiceRejected as exc:
            log.info("requests: can't read the quota of %s: %s", overseerr_user_id, exc)
            return  # Overseerr still checks at submission
        entry = quota.movie if media_type == "movie" else quota.tv
        preview = _preview(media_type, entry)
        if preview.limit is None or need <= (preview.remaining or 0):
            return
        retry_at = None
        if preview.days and need <= preview.limit:
            window = await self._window(overseerr_user_id, media_type, preview.days)
            retry_at = _frees_at(window, need - (preview.remaining or 0), preview.days)
            preview = _preview(media_type, entry, _frees_at(window, 1, preview.days))
        log.info(
            "requests: quota refuses %s %s for Overseerr user %s",
            need,
            media_type,
            overseerr_user_id,
        )
        raise QuotaExceeded(preview, need, retry_at)

    async def _window(
        self, overseerr_user_id: int, media_type: str, days: int
    ) -> list[tuple[datetime, int]]:
        """The user's requests that count against the quota now: (created, weight), oldest first.

        Overseerr counts requests made in the last `days` days that were not declined; a TV
        request weighs as many seasons as it asks for.
        """
        since = now() - timedelta(days=days)
        counted: list[tuple[datetime, int]] = []
        for page_number in range(PAGES):
            page = await self.overseerr.requests(
                requested_by=overseerr_user_id, take=PAGE, skip=page_number * PAGE, sort="added"
            )
            for found in page:
                created = found.created_at
                if created is None or created <= since or found.status == REQUEST_DECLINED:
                    continue
                if found.media_type == media_type:
                    weight = len(found.seasons) if media_type == "tv" else 1
                    counted.append((created, max(weight, 1)))
            oldest = page[-1].created_at if page else None
            if len(page) < PAGE or oldest is None or oldest <= since:
                break
        return sorted(counted)


def _preview(media_type: str, entry: QuotaEntry, resets_at: datetime | None = None) -> QuotaPreview:
    remaining = entry.remaining
    if entry.limit is not None and remaining is None:
        remaining = max(0, entry.limit - entry.used)
    return QuotaPreview(
        media_type=media_type,
        limit=entry.limit,
        remaining=remaining if entry.limit is not None else None,
        used=entry.used,
        days=entry.days,
        resets_at=resets_at,
    )


def _frees_at(window: Sequence[tuple[datetime, int]], slots: int, days: int) -> datetime | None:
    """When `slots` more quota units are free: the oldest counted requests age out first."""
    freed = 0
    for created, weight in window:
        freed += weight
        if freed >= slots:
            return created + timedelta(days=days)
    return None
