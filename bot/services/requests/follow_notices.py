"""What followers hear beyond available, declined and failed: a refusal, or a long queue.

A follower pressed "Notify me" on a request that may never reach Overseerr: Overseerr can
refuse it (403: permission or quota), or it can wait in our queue while Overseerr is down.
Each is told once per follower and request; the subscription stays, in case it comes anyway.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.i18n import Msg
from bot.services.outbox import Outbox
from bot.services.requests.prefs import Preferences
from bot.services.requests.summaries import label_msg_of, now
from storage.models import SEASON_FUTURE, SEASON_WHOLE, MediaRequest, RequestStatus, Subscription

log = logging.getLogger(__name__)
S = RequestStatus
STALE_AFTER = timedelta(days=1)


class FollowerNotices:
    """DMs the followers of a request that was refused or is stuck in the queue."""

    def __init__(self, outbox: Outbox, prefs: Preferences) -> None:
        self.outbox = outbox
        self.prefs = prefs

    async def refused(self, row: MediaRequest) -> int:
        """Overseerr refused the request for good: tell its followers why; returns DMs queued."""
        text = Msg(
            "The request for **{name}** that you follow was refused by Overseerr: "
            "{reason}. I'll still DM you if it comes to Plex.",
            name=label_msg_of(row),
            reason=row.last_error or Msg("no reason given"),
        )
        return await self._tell(row, "refused", text)

    async def stale(self) -> int:
        """The poll: tell followers of requests queued for over a day; returns DMs queued."""
        rows = await MediaRequest.filter(
            status=S.QUEUED, created_at__lte=now() - STALE_AFTER, tmdb_id__isnull=False
        ).order_by("id")
        told = 0
        for row in rows:
            text = Msg(
                "The request for **{name}** that you follow is still queued: "
                "Overseerr hasn't taken it for a day. I'll keep trying and DM you when it's "
                "on Plex.",
                name=label_msg_of(row),
            )
            told += await self._tell(row, "stale", text)
        return told

    async def _tell(self, row: MediaRequest, event: str, text: Msg) -> int:
        subs = await Subscription.filter(
            media_type=row.media_type, tmdb_id=row.tmdb_id, is_4k=row.is_4k
        ).exclude(discord_id=row.discord_id)
        told = 0
        for sub in subs:
            if sub.season == SEASON_FUTURE or not _covers(row, sub.season):
                continue
            if not await self.prefs.wants(sub.discord_id, "followed_media"):
                continue
            key = f"follow:{sub.id}:request:{row.id}:{event}"
            told += int(await self.outbox.dm(key, sub.discord_id, text))
        if told:
            log.info("follow: %s follower(s) told request %s is %s", told, row.id, event)
        return told


def _covers(row: MediaRequest, season: int) -> bool:
    """Whether the request covers what the subscription follows (a season, or everything)."""
    return season == SEASON_WHOLE or row.media_type == "movie" or season in (row.seasons or [])
