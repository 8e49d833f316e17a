"""Delivering saved requests to Overseerr, as the member's own Overseerr user, exactly once.

A delivery claims the row (attempts + 1, a lease in next_attempt_at) before the POST, and
a later delivery of a row that had an attempt looks the request up in Overseerr before
posting again, so a crash between the POST and the save never makes a second request.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.clients.overseerr import BadAnswer, OverseerrClient, OverseerrRequest, parse_request
from bot.errors import ServiceRejected, ServiceUnavailable, UserError
from bot.i18n import Msg
from bot.services.outbox import Outbox
from bot.services.requests.cards import Cards
from bot.services.requests.checks import Checks
from bot.services.requests.errors import AlreadyAvailable, RequestNotFound
from bot.services.requests.follow_notices import FollowerNotices
from bot.services.requests.progress import StatusUpdates
from bot.services.requests.statuses import status_for, status_of_existing
from bot.services.requests.summaries import (
    STATUS_TEXT,
    RequestView,
    label_msg_of,
    label_of,
    now,
    view,
)
from bot.services.retry import RetryPolicy
from storage.models import MediaRequest, RequestStatus

log = logging.getLogger(__name__)
S = RequestStatus
CLAIM_LEASE = timedelta(seconds=120)  # longer than any one POST can take
LOOKUP_SLACK = timedelta(minutes=5)  # clock skew allowed when matching Overseerr's createdAt


class Deliveries:
    """Submits QUEUED requests, retries outages with backoff, and tells the outcome."""

    def __init__(
        self,
        overseerr: OverseerrClient,
        outbox: Outbox,
        progress: StatusUpdates,
        cards: Cards,
        checks: Checks,
        notices: FollowerNotices,
        *,
        policy: RetryPolicy,
        batch: int,
    ) -> None:
        self.overseerr = overseerr
        self.outbox = outbox
        self.progress = progress
        self.cards = cards
        self.checks = checks
        self.notices = notices
        self.policy = policy
        self.batch = batch

    async def deliver(self, request_id: int) -> RequestView:
        """Submit a saved request to Overseerr as the user; the caller shows the outcome.

        An outage leaves it QUEUED for `deliver_due` (and DMs the user once that it is queued).
        """
        result, _ = await self.attempt(request_id, background=False)
        return result

    async def deliver_due(self) -> int:
        """The retry job: deliver the due queued requests, DM each outcome; returns how many."""
        due = (
            await MediaRequest.filter(status=S.QUEUED, next_attempt_at__lte=now())
            .order_by("next_attempt_at", "id")
            .limit(self.batch)
        )
        delivered = 0
        for row in due:
            try:
                result, down = await self.attempt(row.id, background=True)
            except Exception:
                # The row keeps its lease, so it is tried again later; the others go on.
                log.exception("requests: delivering request %s failed", row.id)
                continue
            if down:
                break  # Overseerr is down: leave the rest for the next run
            if result.status != S.QUEUED:
                delivered += 1
        return delivered

    async def attempt(self, request_id: int, *, background: bool) -> tuple[RequestView, bool]:
        """One delivery attempt: (the request now, whether Overseerr was unreachable).

        `background`: nobody watches it happen, so the outcome is DMed.
        """
        row = await MediaRequest.get_or_none(id=request_id)
        if row is None:
            raise RequestNotFound()
        if row.status != S.QUEUED or row.tmdb_id is None:
            return view(row), False
        if row.overseerr_user_id is None and not row.unchecked:
            return view(row), False
        attempt = row.attempts + 1
        mine = MediaRequest.filter(id=row.id, status=S.QUEUED, attempts=row.attempts)
        if row.attempts:
            # After an attempt, wait out its lease (or backoff): it may still be in flight.
            mine = mine.filter(next_attempt_at__lte=now())
        claimed = await mine.update(
            attempts=attempt, next_attempt_at=now() + CLAIM_LEASE, updated_at=now()
        )
        if not claimed:
            return view(await MediaRequest.get(id=row.id)), False  # not due, or claimed already
        row.attempts = attempt
        if row.unchecked:
            try:
                row = await self._check_queued(row)
            except ServiceUnavailable as exc:
                return await self._queue_again(row, attempt, str(exc), background), True
            except UserError as exc:
                return await self._refuse_queued(row, exc), False
        own = False
        try:
            status, overseerr_id, message, own = await self._submit(
                row, earlier_attempt=attempt > 1
            )
        except ServiceUnavailable as exc:
            return await self._queue_again(row, attempt, str(exc), background), True
        except ServiceRejected as exc:
            if exc.status in (401, 429):  # a bad API key or throttling: fixable, so retry
                return await self._queue_again(row, attempt, str(exc), background), True
            status, overseerr_id, message = S.REJECTED, None, exc.message
        update: dict[str, Any] = {"last_error": message, "next_attempt_at": None}
        update["updated_at"] = now()
        if status == S.AVAILABLE:  # the dashboard's time to available
            update["available_at"] = update["updated_at"]
        if overseerr_id is not None:
            update["overseerr_request_id"] = overseerr_id
        moved = await MediaRequest.filter(id=row.id, status=S.QUEUED, attempts=attempt).update(
            status=status, **update
        )
        row = await MediaRequest.get(id=row.id)
        if not moved:
            return view(row), False
        log.info("requests: request %s delivered: %s", row.id, status)
        if status == S.REJECTED:
            await self.notices.refused(row)
        if own and status == S.PENDING:
            await self.cards.post_for_row(row)
        if background:
            await self._tell_delivered(row, status)
        return view(row), False

    async def _queue_again(
        self, row: MediaRequest, attempt: int, error: str, background: bool
    ) -> RequestView:
        wait = self.policy.delay(attempt)
        await MediaRequest.filter(id=row.id, status=S.QUEUED, attempts=attempt).update(
            next_attempt_at=now() + timedelta(seconds=wait),
            last_error=error[:500],
            updated_at=now(),
        )
        log.info("requests: request %s not delivered (%s), retry in %.0fs", row.id, error, wait)
        # The command's own reply says "queued"; only a request no one watched is DMed.
        if background and not row.unchecked:
            await self.outbox.dm(
                f"request:{row.id}:queued",
                row.discord_id,
                Msg(
                    "Overseerr isn't answering right now, so your request for **{name}** "
                    "is queued. I'll keep trying and tell you when it goes through.",
                    name=label_msg_of(row),
                ),
            )
        return view(await MediaRequest.get(id=row.id))

    async def _check_queued(self, row: MediaRequest) -> MediaRequest:
        """Run the `/request` checks on a request saved while Overseerr was down; save them."""
        assert row.tmdb_id is not None and row.plex_user_id is not None
        checked = await self.checks.run(
            row.discord_id,
            row.plex_user_id,
            f"{row.media_type}:{row.tmdb_id}",
            row.season_spec,
            row.is_4k,
            queued_id=row.id,
        )
        assert checked.details is not None  # a choice value always names media
        details = checked.details
        fields: dict[str, Any] = {
            "title": details.title[:500],
            "year": details.year,
            "seasons": checked.seasons,
            "overseerr_user_id": checked.user_id,
            "unchecked": False,
        }
        await MediaRequest.filter(id=row.id, attempts=row.attempts).update(**fields)
        for name, value in fields.items():
            setattr(row, name, value)
        if checked.future:
            await self.checks.follows.follow_future(details, row.discord_id, row.is_4k)
        log.info("requests: queued request %s checked: %s", row.id, label_of(row))
        return row

    async def _refuse_queued(self, row: MediaRequest, reason: UserError) -> RequestView:
        """A queued request the checks refused: settle it and tell the member why, once."""
        status = S.AVAILABLE if isinstance(reason, AlreadyAvailable) else S.REJECTED
        moved = await MediaRequest.filter(id=row.id, status=S.QUEUED, attempts=row.attempts).update(
            status=status,
            unchecked=False,
            last_error=reason.message[:500],
            next_attempt_at=None,
            updated_at=now(),
        )
        row = await MediaRequest.get(id=row.id)
        if moved:
            log.info("requests: queued request %s not sent: %s", row.id, reason.message)
            if status == S.AVAILABLE:
                text = reason.msg
            else:
                text = Msg(
                    "I couldn't send your queued request for **{name}**: {reason}",
                    name=label_msg_of(row),
                    reason=reason.msg,
                )
            await self.outbox.dm(f"request:{row.id}:delivered", row.discord_id, text)
        return view(row)

    async def _submit(
        self, row: MediaRequest, *, earlier_attempt: bool
    ) -> tuple[RequestStatus, int | None, str | None, bool]:
        """Find (after an earlier attempt) or create the Overseerr request.

        Returns (status, Overseerr id, why, whether that Overseerr request is the user's own).
        """
        assert row.tmdb_id is not None and row.overseerr_user_id is not None
        if earlier_attempt:
            found = await self._find_submitted(row)
            if found is not None:
                log.info("requests: request %s was already in Overseerr as %s", row.id, found.id)
                return status_for(found, row.seasons), found.id, None, True
        code, body = await self.overseerr.create_request(
            row.media_type,
            row.tmdb_id,
            user_id=row.overseerr_user_id,
            seasons=row.seasons,
            is_4k=row.is_4k,
        )
        if code == 201:
            try:
                created = parse_request(body)
            except BadAnswer as exc:
                log.warning(
                    "requests: request %s made, but its answer is unreadable: %s", row.id, exc
                )
            else:
                return status_for(created, row.seasons), created.id, None, True
        # 409 or 202: the media is already requested or there; follow the request that is.
        details = await self.overseerr.details(row.media_type, row.tmdb_id)
        return (*status_of_existing(details, row), False)

    async def _find_submitted(self, row: MediaRequest) -> OverseerrRequest | None:
        """The user's Overseerr request for this media made since this row was saved, if any."""
        assert row.overseerr_user_id is not None
        since = row.created_at - LOOKUP_SLACK
        wanted = set(row.seasons or [])
        skip, take = 0, 20
        while True:
            page = await self.overseerr.requests(
                requested_by=row.overseerr_user_id, take=take, skip=skip, sort="added"
            )
            for found in page:
                same = (
                    found.media_type == row.media_type
                    and found.tmdb_id == row.tmdb_id
                    and found.is_4k == row.is_4k
                    and (row.media_type == "movie" or not wanted or wanted & set(found.seasons))
                )
                if same and (found.created_at is None or found.created_at >= since):
                    return found
            oldest = page[-1].created_at if page else None
            if len(page) < take or oldest is None or oldest < since:
                return None
            skip += take

    async def _tell_delivered(self, row: MediaRequest, status: RequestStatus) -> None:
        """DM the outcome of a delivery the user did not watch happen."""
        name = label_msg_of(row)
        if status == S.REJECTED:
            text = Msg(
                "Overseerr refused your request for **{name}**: {reason}",
                name=name,
                reason=row.last_error,
            )
        elif status in (S.AVAILABLE, S.PARTIALLY_AVAILABLE, S.DECLINED, S.FAILED):
            await self.progress.tell(row, status)
            return
        else:
            text = Msg(
                "Your request for **{name}** went through: it's {status}.",
                name=name,
                status=Msg(STATUS_TEXT[status]),
            )
        await self.outbox.dm(f"request:{row.id}:delivered", row.discord_id, text)
