"""Moving a stored request forward, and telling its requester once per step."""

from __future__ import annotations

import logging
from typing import Any

from bot.clients.overseerr import MEDIA_AVAILABLE
from bot.i18n import Msg
from bot.services.outbox import Outbox
from bot.services.requests.cards import decline_reason
from bot.services.requests.prefs import Kind, Preferences
from bot.services.requests.statuses import FORWARD
from bot.services.requests.summaries import label_msg_of, now
from storage.models import MediaRequest, RequestStatus

log = logging.getLogger(__name__)
S = RequestStatus


class StatusUpdates:
    """Conditional status updates (so concurrent updaters can't both win) and their DMs."""

    def __init__(self, outbox: Outbox, prefs: Preferences) -> None:
        self.outbox = outbox
        self.prefs = prefs

    async def wanted(self, row: MediaRequest) -> bool:
        """Whether the requester wants DMs about this request (made here or elsewhere)."""
        kind: Kind = "elsewhere_requests" if row.elsewhere else "discord_requests"
        return await self.prefs.wants(row.discord_id, kind)

    async def move(self, row: MediaRequest, target: RequestStatus, **fields: Any) -> bool:
        """A conditional update from the row's status; False when not allowed or lost."""
        old = RequestStatus(row.status)
        if target not in FORWARD.get(old, ()):
            return False
        fields["updated_at"] = now()
        if target == RequestStatus.AVAILABLE:  # the dashboard's time to available
            fields.setdefault("available_at", fields["updated_at"])
        updated = await MediaRequest.filter(id=row.id, status=old).update(status=target, **fields)
        if updated:
            for name, value in fields.items():
                setattr(row, name, value)
            row.status = target
        return bool(updated)

    async def advance(
        self, row: MediaRequest, target: RequestStatus, statuses: dict[int, int] | None = None
    ) -> bool:
        """Move the request forward to `target` and tell the requester; False when not allowed.

        A TV request partly there is told each asked season that arrived, once per season.
        """
        if target == S.PARTIALLY_AVAILABLE and row.status == S.PARTIALLY_AVAILABLE:
            return await self.announce_seasons(row, statuses)
        if target == row.status or target not in FORWARD.get(RequestStatus(row.status), ()):
            return False
        if not await self.move(row, target):
            return False
        log.info("requests: request %s is now %s", row.id, target)
        if target == S.PARTIALLY_AVAILABLE and await self.announce_seasons(row, statuses):
            return True
        await self.tell(row, target)
        return True

    async def announce_seasons(self, row: MediaRequest, statuses: dict[int, int] | None) -> bool:
        """DM each asked season that is on Plex now, once per season; True if any DM is new."""
        if row.media_type != "tv" or not row.seasons or not statuses:
            return False
        if not await self.wanted(row):
            return False
        told = False
        for number in row.seasons:
            if statuses.get(number) == MEDIA_AVAILABLE:
                text = Msg(
                    "Part of **{name}** is now on Plex: season {number}.",
                    name=label_msg_of(row),
                    number=number,
                )
                key = f"request:{row.id}:season:{number}"
                told = await self.outbox.dm(key, row.discord_id, text) or told
        return told

    async def tell(self, row: MediaRequest, status: RequestStatus) -> None:
        """DM the requester about a status, once per (request, status).

        What arrives on Plex is announced publicly by New on Plex (bot/services/announce).
        """
        name = label_msg_of(row)
        texts = {
            S.APPROVED: Msg(
                "Your request for **{name}** was approved. I'll tell you when it's on Plex.",
                name=name,
            ),
            S.DECLINED: Msg("Your request for **{name}** was declined.", name=name),
            S.FAILED: Msg(
                "Your request for **{name}** failed in Overseerr. An admin can retry it.", name=name
            ),
            S.PARTIALLY_AVAILABLE: Msg("Part of **{name}** is now on Plex.", name=name),
            S.AVAILABLE: Msg("**{name}** is now on Plex. Enjoy!", name=name),
        }
        if row.status == S.DECLINED and row.resolved_by is not None and row.tmdb_id is None:
            texts[S.DECLINED] = Msg(
                "An admin looked at your request for “{title}” and declined it. "
                "Try `/request` again and pick a title from the suggestions.",
                title=row.title,
            )
        elif status == S.DECLINED:
            reason = await decline_reason(row.overseerr_request_id)
            if reason:
                texts[S.DECLINED] = Msg(
                    "Your request for **{name}** was declined: {reason}", name=name, reason=reason
                )
        text = texts.get(status)
        if text is not None and await self.wanted(row):
            await self.outbox.dm(f"request:{row.id}:{status}", row.discord_id, text)
