"""Following requests in Overseerr: its webhooks, and a poll for whatever they missed.

Webhooks and `reconcile` only ever move a request forward (`FORWARD`), and every DM has a
dedupe key per (request, status), or per (request, season) for TV seasons that arrive one
by one, so nothing is announced twice.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from bot.clients.overseerr import (
    MEDIA_AVAILABLE,
    MEDIA_PARTIALLY_AVAILABLE,
    OverseerrClient,
    WebhookBody,
)
from bot.clients.overseerr.models import WebhookMedia, describe
from bot.errors import DependencyError, ServiceRejected, ServiceUnavailable
from bot.services.requests.approvals import Approvals
from bot.services.requests.elsewhere import Elsewhere
from bot.services.requests.errors import InvalidWebhook
from bot.services.requests.follow_notices import FollowerNotices
from bot.services.requests.following import Follows
from bot.services.requests.progress import StatusUpdates
from bot.services.requests.statuses import TRACKED, from_media, seasons_status, status_for
from bot.services.requests.stored import StoredLookup
from storage.models import MediaRequest, RequestStatus

log = logging.getLogger(__name__)
S = RequestStatus

PENDING_TYPES = {"MEDIA_PENDING", "MEDIA_AUTO_REQUESTED"}  # may need an approval card
WEBHOOK_STATUS = {
    "MEDIA_APPROVED": S.APPROVED,
    "MEDIA_AUTO_APPROVED": S.APPROVED,
    "MEDIA_DECLINED": S.DECLINED,
    "MEDIA_FAILED": S.FAILED,
    "MEDIA_AVAILABLE": S.AVAILABLE,
}
Target = tuple[RequestStatus | None, dict[int, int] | None]


def webhook_body(payload: Any) -> WebhookBody:
    """The webhook body as a model; InvalidWebhook names the first malformed field."""
    try:
        return WebhookBody.model_validate(payload)
    except ValidationError as exc:
        raise InvalidWebhook(describe(exc)) from exc


class Tracking:
    """Applies Overseerr's webhooks and the reconciling poll to our stored requests."""

    def __init__(
        self,
        overseerr: OverseerrClient,
        progress: StatusUpdates,
        approvals: Approvals,
        follows: Follows,
        elsewhere: Elsewhere,
        notices: FollowerNotices,
    ) -> None:
        self.overseerr = overseerr
        self.progress = progress
        self.approvals = approvals
        self.follows = follows
        self.elsewhere = elsewhere
        self.notices = notices
        self.stored = StoredLookup()

    async def handle_webhook(self, payload: Any) -> str:
        """Apply one Overseerr webhook; raises InvalidWebhook for a body we cannot use."""
        body = payload if isinstance(payload, WebhookBody) else webhook_body(payload)
        kind = body.notification_type
        if kind == "TEST_NOTIFICATION":
            return "test notification received"
        if kind not in WEBHOOK_STATUS and kind not in PENDING_TYPES:
            return f"{kind} ignored"
        media = body.media
        if media is None:
            raise InvalidWebhook(f"{kind} without a media object")
        request_id = body.request_id
        if request_id is not None:
            await self._adopt(request_id)
        if kind in PENDING_TYPES:
            return await self.approvals.pending_webhook(kind, request_id)
        event_status = WEBHOOK_STATUS[kind]
        # Most webhooks name a title nobody here asked for or follows: one query says so.
        stored = await self.stored.stored_for(media.media_type, media.tmdb_id)
        ours = []
        if request_id is not None:
            ours = await MediaRequest.filter(overseerr_request_id=request_id).order_by("id")
        others = await _rows_for_media(media, event_status, bool(ours)) if stored.requests else []
        known = {o.id for o in ours}
        changed = 0
        for row in ours + [r for r in others if r.id not in known]:
            target: RequestStatus | None = event_status
            statuses: dict[int, int] | None = None
            if event_status == S.AVAILABLE:
                target, statuses = await self._available_target(row, media, by_id=row.id in known)
            if target is not None and await self.progress.advance(row, target, statuses):
                changed += 1
        result = f"{kind}: {changed} request(s) updated"
        if request_id is not None and event_status in (S.APPROVED, S.DECLINED):
            try:
                await self.approvals.decided_elsewhere(request_id)
            except DependencyError as exc:
                log.info("requests: can't check the card of request %s: %s", request_id, exc)
        if event_status in (S.AVAILABLE, S.DECLINED, S.FAILED) and stored.followers:
            told = await self.follows.try_check_media(media.media_type, media.tmdb_id)
            if told:
                result += f", {told} follower(s) told"
        return result

    async def _adopt(self, request_id: int) -> None:
        """A request a linked member made elsewhere becomes ours to track (the poll retries)."""
        try:
            await self.elsewhere.adopt_id(request_id)
        except DependencyError as exc:
            log.info("requests: can't look up Overseerr request %s: %s", request_id, exc)

    async def _available_target(
        self, row: MediaRequest, media: WebhookMedia, *, by_id: bool
    ) -> Target:
        """What MEDIA_AVAILABLE means for one request, and (TV) the seasons' statuses if read."""
        named = media.status_name(row.is_4k)
        if row.status == S.QUEUED:
            # Not in Overseerr yet: only the whole media being there makes delivery pointless.
            return (S.AVAILABLE if named == "AVAILABLE" else None), None
        if named == "PARTIALLY_AVAILABLE" and row.media_type == "tv" and row.tmdb_id is not None:
            # The webhook doesn't say which seasons arrived: ask Overseerr. If it doesn't
            # answer, the poll announces them later (a guess now could repeat a season).
            try:
                polled, statuses = await self._polled(row)
            except DependencyError as exc:
                log.info("requests: can't check the seasons of request %s: %s", row.id, exc)
                return None, None
            if polled in (S.AVAILABLE, S.PARTIALLY_AVAILABLE):
                return polled, statuses
            return None, statuses
        if named == "AVAILABLE" or by_id:
            return S.AVAILABLE, None
        return None, None

    async def reconcile(self) -> int:
        """Poll Overseerr for every open request and apply what webhooks missed; returns changes.

        Then posts approval cards for pending requests and settles cards and subscriptions
        (their counts are logged, not returned).
        """
        try:
            adopted = await self.elsewhere.poll()
        except DependencyError as exc:
            log.info("requests: can't list Overseerr's requests: %s", exc)
        else:
            if adopted:
                log.info("requests: %s request(s) made elsewhere adopted", adopted)
        rows = await MediaRequest.filter(status__in=TRACKED).order_by("id")
        changed = 0
        for row in rows:
            try:
                target, statuses = await self._polled(row)
            except ServiceUnavailable as exc:
                log.info("requests: reconciliation stopped: %s", exc)
                return changed
            except ServiceRejected as exc:
                log.warning("requests: can't check request %s: %s", row.id, exc)
                continue
            if target is not None and await self.progress.advance(row, target, statuses):
                changed += 1
        try:
            cards = await self.approvals.sync()
            told = await self.follows.check_all() + await self.notices.stale()
        except DependencyError as exc:
            log.info("requests: approval and follower checks stopped: %s", exc)
        else:
            if cards or told:
                log.info("requests: %s approval card change(s), %s follower DM(s)", cards, told)
        return changed

    async def _polled(self, row: MediaRequest) -> Target:
        """Our status for the request from Overseerr now, and (TV) its seasons' statuses."""
        assert row.tmdb_id is not None
        tv = row.media_type == "tv"
        if row.overseerr_request_id is not None:
            try:
                found = await self.overseerr.request(row.overseerr_request_id)
            except ServiceRejected as exc:
                if exc.status != 404:
                    raise
            else:
                return status_for(found, row.seasons), (found.season_status if tv else None)
        # No request to follow (or it was deleted): the media's own status still counts.
        details = await self.overseerr.details(row.media_type, row.tmdb_id)
        status = details.status_4k if row.is_4k else details.status
        statuses = (
            (details.season_status_4k if row.is_4k else details.season_status) if tv else None
        )
        if tv and row.seasons and statuses:
            return seasons_status(statuses, row.seasons), statuses
        if status in (MEDIA_AVAILABLE, MEDIA_PARTIALLY_AVAILABLE):
            return from_media(status), statuses
        return None, statuses


async def _rows_for_media(
    media: WebhookMedia, event_status: RequestStatus, id_known: bool
) -> list[MediaRequest]:
    """Other requests an event may concern, found by TMDB id and media type."""
    rows = MediaRequest.filter(media_type=media.media_type, tmdb_id=media.tmdb_id)
    if event_status == S.AVAILABLE:
        if id_known and media.media_type == "tv":
            return []  # a TV request's seasons are its own
        # A movie's availability settles every open request for it, queued ones included.
        return await rows.filter(status__in=(*TRACKED, S.QUEUED)).order_by("id")
    if id_known:
        return []
    # A decision on a request we don't know applies only to ours without an Overseerr id.
    return await rows.filter(status__in=TRACKED, overseerr_request_id__isnull=True).order_by("id")
