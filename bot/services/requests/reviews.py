"""Requests that match nothing in Overseerr: an admin picks the title, or declines them."""

from __future__ import annotations

import logging
from typing import Any

from bot.clients.overseerr import MEDIA_AVAILABLE
from bot.errors import InvalidInput
from bot.i18n import N_, Msg
from bot.i18n.messages import joined
from bot.services.outbox import Button, Outbox
from bot.services.places import Places
from bot.services.requests.delivery import Deliveries
from bot.services.requests.errors import RequestAlreadyHandled, RequestNotFound
from bot.services.requests.progress import StatusUpdates
from bot.services.requests.seasons import parse_seasons
from bot.services.requests.summaries import STATUS_TEXT, RequestView, now, view
from bot.services.requests.titles import Titles
from storage.models import MediaRequest, RequestStatus

log = logging.getLogger(__name__)
S = RequestStatus
UNKNOWN_TYPE = "unknown"


class Reviews:
    """Saves unmatched requests for review, posts them to admins, and applies their answer."""

    def __init__(
        self,
        titles: Titles,
        progress: StatusUpdates,
        delivery: Deliveries,
        outbox: Outbox,
        places: Places,
    ) -> None:
        self.titles = titles
        self.progress = progress
        self.delivery = delivery
        self.outbox = outbox
        self.places = places

    @property
    def channel_id(self) -> int | None:
        """Requests that match nothing go to the health channel."""
        return self.places.health_channel

    async def save(
        self, discord_id: int, text: str, spec: str | None, is_4k: bool, overseerr_user_id: int
    ) -> MediaRequest:
        """Save a request that matches nothing as NEEDS_REVIEW and post it to the admins."""
        row = await MediaRequest.create(
            discord_id=discord_id,
            media_type=UNKNOWN_TYPE,
            title=text[:500],
            season_spec=spec,
            is_4k=is_4k,
            status=S.NEEDS_REVIEW,
            overseerr_user_id=overseerr_user_id,
        )
        log.info(
            "requests: %s asked for %r, which matches nothing: review %s", discord_id, text, row.id
        )
        channel = self.channel_id
        if channel is None:
            log.warning("requests: no review channel, request %s waits unseen", row.id)
            return row
        extra: list[Msg | str] = []
        if spec:
            extra.append(Msg("seasons: {spec}", spec=spec))
        if is_4k:
            extra.append("4K")
        details = Msg(" ({details})", details=joined(extra, ", ")) if extra else ""
        await self.outbox.post(
            f"request:{row.id}:review",
            channel,
            Msg(
                "{member} asked for “{text}”{details}, which matches nothing in "
                "Overseerr. Pick the right title (a TMDB id) or decline it. Request #{id}.",
                member=f"<@{discord_id}>",
                text=text[:300],
                details=details,
                id=row.id,
            ),
            buttons=[
                Button(N_("Pick a title"), custom_id=f"review:pick:{row.id}", style="primary"),
                Button(N_("Decline"), custom_id=f"review:decline:{row.id}", style="danger"),
            ],
        )
        return row

    async def resolve(
        self, request_id: int, tmdb_id: int | None, media_type: str | None, admin_discord_id: int
    ) -> RequestView:
        """An admin's answer to a request needing review: a TMDB id to submit, None to decline."""
        row = await MediaRequest.get_or_none(id=request_id)
        if row is None:
            raise RequestNotFound()
        if row.status != S.NEEDS_REVIEW:
            raise RequestAlreadyHandled(
                N_("Request #{id} was already handled: it is {status}."),
                id=row.id,
                status=Msg(STATUS_TEXT[row.status]),
            )
        if tmdb_id is None:
            if not await self.progress.move(row, S.DECLINED, resolved_by=admin_discord_id):
                raise RequestAlreadyHandled(N_("Request #{id} was already handled."), id=row.id)
            await self.progress.tell(row, S.DECLINED)
            return view(row)
        if media_type not in ("movie", "tv"):
            raise InvalidInput(N_("Choose whether it is a movie or a TV show."))
        details = await self.titles.details(media_type, tmdb_id)
        if row.is_4k:
            await self.titles.check_4k(media_type)
        wanted = None
        if media_type == "tv":
            wanted = parse_seasons(row.season_spec, details.seasons, details.title)
        status = details.status_4k if row.is_4k else details.status
        available = status == MEDIA_AVAILABLE
        update: dict[str, Any] = dict(
            media_type=media_type,
            tmdb_id=details.tmdb_id,
            title=details.title[:500],
            year=details.year,
            seasons=wanted,
            resolved_by=admin_discord_id,
            next_attempt_at=now(),
        )
        target = S.AVAILABLE if available else S.QUEUED
        if not await self.progress.move(row, target, **update):
            raise RequestAlreadyHandled(N_("Request #{id} was already handled."), id=row.id)
        log.info(
            "requests: admin %s resolved review %s as %s:%s",
            admin_discord_id,
            row.id,
            media_type,
            tmdb_id,
        )
        if available:
            await self.progress.tell(row, S.AVAILABLE)
            return view(row)
        result, _ = await self.delivery.attempt(row.id, background=True)
        return result
