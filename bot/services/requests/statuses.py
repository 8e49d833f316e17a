"""Overseerr's request and media statuses in our terms, and where a stored request may go."""

from __future__ import annotations

from collections.abc import Sequence

from bot.clients.overseerr import (
    MEDIA_AVAILABLE,
    MEDIA_PARTIALLY_AVAILABLE,
    MEDIA_PROCESSING,
    REQUEST_APPROVED,
    REQUEST_COMPLETED,
    REQUEST_DECLINED,
    REQUEST_FAILED,
    REQUEST_PENDING,
    MediaDetails,
    OverseerrRequest,
)
from storage.models import MediaRequest, RequestStatus

S = RequestStatus

# Where a stored request may go next. Anything else (a late, repeated or out-of-order
# webhook, a stale poll) is ignored, so a request never moves backwards.
FORWARD: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.NEEDS_REVIEW: frozenset({S.QUEUED, S.AVAILABLE, S.DECLINED}),
    S.QUEUED: frozenset(
        {
            S.PENDING,
            S.APPROVED,
            S.PARTIALLY_AVAILABLE,
            S.AVAILABLE,
            S.DECLINED,
            S.FAILED,
            S.REJECTED,
        }
    ),
    S.PENDING: frozenset({S.APPROVED, S.PARTIALLY_AVAILABLE, S.AVAILABLE, S.DECLINED, S.FAILED}),
    S.APPROVED: frozenset({S.PARTIALLY_AVAILABLE, S.AVAILABLE, S.DECLINED, S.FAILED}),
    S.FAILED: frozenset({S.PARTIALLY_AVAILABLE, S.AVAILABLE}),
    S.PARTIALLY_AVAILABLE: frozenset({S.AVAILABLE}),
}
# In Overseerr, waiting for something that webhooks or the poll can still change.
TRACKED = (S.PENDING, S.APPROVED, S.PARTIALLY_AVAILABLE, S.FAILED)


def from_media(status: int | None) -> RequestStatus:
    """A media status (how much is on Plex) in our terms."""
    return {
        MEDIA_AVAILABLE: S.AVAILABLE,
        MEDIA_PARTIALLY_AVAILABLE: S.PARTIALLY_AVAILABLE,
        MEDIA_PROCESSING: S.APPROVED,
    }.get(status or 0, S.PENDING)


def status_of(found: OverseerrRequest) -> RequestStatus:
    """An Overseerr request's status in our terms, ignoring availability."""
    return {
        REQUEST_PENDING: S.PENDING,
        REQUEST_APPROVED: S.APPROVED,
        REQUEST_DECLINED: S.DECLINED,
        REQUEST_FAILED: S.FAILED,
        REQUEST_COMPLETED: S.APPROVED,
    }.get(found.status, S.PENDING)


def status_for(found: OverseerrRequest, seasons: Sequence[int] | None) -> RequestStatus:
    """Our status for an Overseerr request: its decision, then how much of the media is there."""
    decided = status_of(found)
    if decided == S.DECLINED:
        return decided
    if found.media_type == "tv" and seasons and found.season_status:
        # A show is "partially available" as soon as any season is; ours may not be among them.
        return seasons_status(found.season_status, seasons) or decided
    if found.media_status in (MEDIA_AVAILABLE, MEDIA_PARTIALLY_AVAILABLE):
        return from_media(found.media_status)
    return decided


def status_of_existing(
    details: MediaDetails, row: MediaRequest
) -> tuple[RequestStatus, int | None, str | None]:
    """After a 409 or 202: follow the live request for the media, else its availability."""
    wanted = set(row.seasons or [])
    live = [
        r
        for r in details.requests
        if r.is_4k == row.is_4k
        and r.status != REQUEST_DECLINED
        and (row.media_type == "movie" or not wanted or wanted & set(r.seasons))
    ]
    mine = [r for r in live if r.requested_by == row.overseerr_user_id]
    if mine or live:
        found = (mine or live)[-1]
        return status_for(found, row.seasons), found.id, None
    status = details.status_4k if row.is_4k else details.status
    if row.media_type == "tv" and row.seasons:
        seasons = details.season_status_4k if row.is_4k else details.season_status
        return seasons_status(seasons, row.seasons) or from_media(status), None, None
    return from_media(status), None, None


def seasons_status(statuses: dict[int, int], seasons: Sequence[int]) -> RequestStatus | None:
    """AVAILABLE when every asked season is on Plex, PARTIALLY_AVAILABLE when some are."""
    here = [statuses.get(n) for n in seasons]
    if all(s == MEDIA_AVAILABLE for s in here):
        return S.AVAILABLE
    if any(s in (MEDIA_AVAILABLE, MEDIA_PARTIALLY_AVAILABLE) for s in here):
        return S.PARTIALLY_AVAILABLE
    return None


def progress(status: RequestStatus) -> int:
    """How far along a status is, for picking the least advanced of several."""
    order = [S.QUEUED, S.PENDING, S.FAILED, S.APPROVED, S.PARTIALLY_AVAILABLE, S.AVAILABLE]
    return order.index(status) if status in order else 0
