"""Requests a linked member made outside Discord (Overseerr's website, Plex watchlist, apps).

Each one is adopted once as a `MediaRequest` marked `elsewhere`, found by webhook or by the
poll, so tracking and its DMs (approved, declined, available, failed) treat it like a
request made through the bot. Only recent requests are adopted: a new install must not
announce a member's old history.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from bot.clients.overseerr import OverseerrClient, OverseerrRequest
from bot.services.requests.progress import StatusUpdates
from bot.services.requests.statuses import status_for
from bot.services.requests.summaries import now
from storage.models import KeyValue, MediaRequest, PlexLink, RequestStatus

log = logging.getLogger(__name__)
S = RequestStatus
WINDOW = timedelta(days=2)  # older requests are history, not news
POLL_PAGE = 50


class Elsewhere:
    """Finds linked members' requests made outside Discord and tracks them like ours."""

    def __init__(self, overseerr: OverseerrClient, progress: StatusUpdates) -> None:
        self.overseerr = overseerr
        self.progress = progress

    async def poll(self) -> int:
        """Adopt the newest requests made elsewhere (webhooks may have missed them)."""
        adopted = 0
        for found in await self.overseerr.requests(take=POLL_PAGE, sort="added"):
            if await self.adopt(found) is not None:
                adopted += 1
        return adopted

    async def adopt_id(self, request_id: int) -> MediaRequest | None:
        """Adopt the Overseerr request a webhook named, when a linked member made it elsewhere."""
        # One we track already (ours, or adopted): the poll covers a rare second requester.
        if await MediaRequest.exists(overseerr_request_id=request_id):
            return None
        return await self.adopt(await self.overseerr.request(request_id))

    async def adopt(self, found: OverseerrRequest) -> MediaRequest | None:
        """Save the request for its linked member and bring it to its status (DMs); once."""
        if found.tmdb_id is None or found.requested_by_plex is None:
            return None
        if found.created_at is not None and found.created_at < now() - WINDOW:
            return None
        link = await PlexLink.filter(plex_user_id=found.requested_by_plex).first()
        if link is None:
            return None
        member = await link.member
        discord_id = member.discord_id
        if await _made_here(found, discord_id):
            return None
        details = await self.overseerr.details(found.media_type, found.tmdb_id)
        try:  # the claim: a webhook and the poll may both see it at once
            await KeyValue.create(key=f"elsewhere:{found.id}", value=str(discord_id))
        except IntegrityError:
            return None
        row = await MediaRequest.create(
            discord_id=discord_id,
            media_type=found.media_type,
            tmdb_id=found.tmdb_id,
            title=details.title[:500],
            year=details.year,
            seasons=found.seasons or None,
            is_4k=found.is_4k,
            status=S.PENDING,
            overseerr_user_id=found.requested_by,
            overseerr_request_id=found.id,
            plex_user_id=found.requested_by_plex,
            elsewhere=True,
        )
        log.info("requests: adopted Overseerr request %s of %s as %s", found.id, discord_id, row.id)
        target = status_for(found, row.seasons)
        statuses = found.season_status if found.media_type == "tv" else None
        if target != S.PENDING:
            await self.progress.advance(row, target, statuses)
        return row


async def _made_here(found: OverseerrRequest, discord_id: int) -> bool:
    """Whether the bot made it (or is making it) for this member: theirs is not news."""
    if await MediaRequest.exists(overseerr_request_id=found.id, discord_id=discord_id):
        return True
    # A delivery in flight has posted but not yet saved the Overseerr id.
    return await MediaRequest.exists(
        discord_id=discord_id,
        media_type=found.media_type,
        tmdb_id=found.tmdb_id,
        is_4k=found.is_4k,
        status=S.QUEUED,
    )
