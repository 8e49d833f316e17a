"""Media requests: suggest titles, validate and save a request, deliver it to Overseerr once.

Flow: `prepare` validates (title, seasons, 4K, the user's Overseerr account, not already
there), spends a rate-limit use and saves the request as QUEUED; `deliver` submits it as
the user's own Overseerr user. Delivery is exactly-once effective: a delivery claims the
row (attempts + 1, a lease in next_attempt_at) before the POST, and a later delivery of a
row that had an attempt looks the request up in Overseerr before posting again. Webhooks
and `reconcile` only ever move a request forward (`FORWARD`), and every DM has a dedupe
key per (request, status), or per (request, season) for TV seasons that arrive one by one,
so nothing is announced twice.

Part two adds: "Notify me" subscriptions (`bot/services/subscriptions.py`, matched by
media), approval cards with Approve/Decline buttons for every request pending in Overseerr
(posted once per Overseerr request id, decided here as the admin's own Overseerr user or
on the website), and a quota check before anything is saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from bot.clients.overseerr import (
    MEDIA_AVAILABLE,
    MEDIA_BLOCKLISTED,
    MEDIA_DELETED,
    MEDIA_PARTIALLY_AVAILABLE,
    MEDIA_PENDING,
    MEDIA_PROCESSING,
    MEDIA_UNKNOWN,
    REQUEST_APPROVED,
    REQUEST_COMPLETED,
    REQUEST_DECLINED,
    REQUEST_FAILED,
    REQUEST_PENDING,
    FourK,
    MediaDetails,
    OverseerrClient,
    OverseerrRequest,
    OverseerrUser,
    QuotaEntry,
    SearchResult,
    parse_request,
)
from bot.errors import (
    DependencyError,
    FeatureDisabled,
    InvalidInput,
    MediaNestError,
    NotAllowed,
    ServiceRejected,
    ServiceUnavailable,
    UserError,
)
from bot.services.outbox import Button, Outbox
from bot.services.ratelimit import RateLimiter
from bot.services.retry import RetryPolicy
from bot.services.subscriptions import (
    Followed,
    Subscriptions,
    decline_reason,
    follow_id,
    parse_follow_id,
)
from storage.models import (
    ApprovalCard,
    CardDecision,
    MediaRequest,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
)

log = logging.getLogger(__name__)

S = RequestStatus
DELIVERY = RetryPolicy(base=30.0, cap=1800.0, jitter=0.25)
CLAIM_LEASE = timedelta(seconds=120)  # longer than any one POST can take
RECOVERY_GRACE = timedelta(seconds=30)  # a saved request no one delivered by then is the job's
LOOKUP_SLACK = timedelta(minutes=5)  # clock skew allowed when matching Overseerr's createdAt
SUGGEST_TIMEOUT = 2.5
SUGGEST_TTL = 60.0
SUGGEST_CACHE_SIZE = 256
USER_TTL = 600.0
FOUR_K_TTL = 300.0
MAX_CHOICES = 25
CHOICE_NAME_MAX = 100
RATE_NAME = "request"
UNKNOWN_TYPE = "unknown"
CARD_PAGE = 50  # pending requests fetched per page by the approval poll
CARD_PAGES = 20  # and at most this many pages per poll
QUOTA_PAGES = 20  # pages of the user's requests read to find when the quota frees up
REASON_MAX = 500

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

STATUS_TEXT = {
    S.NEEDS_REVIEW: "waiting for an admin",
    S.QUEUED: "queued",
    S.PENDING: "waiting for approval",
    S.APPROVED: "approved, on its way",
    S.PARTIALLY_AVAILABLE: "partly on Plex",
    S.AVAILABLE: "on Plex",
    S.DECLINED: "declined",
    S.FAILED: "stuck (it failed in Overseerr)",
    S.REJECTED: "refused by Overseerr",
}
MEDIA_STATUS_LABEL = {
    MEDIA_PENDING: "Requested",
    MEDIA_PROCESSING: "Processing",
    MEDIA_PARTIALLY_AVAILABLE: "Partially available",
    MEDIA_AVAILABLE: "Available",
    MEDIA_BLOCKLISTED: "Blocklisted",
}
WEBHOOK_TYPES = {
    "MEDIA_PENDING",
    "MEDIA_APPROVED",
    "MEDIA_AUTO_APPROVED",
    "MEDIA_AVAILABLE",
    "MEDIA_DECLINED",
    "MEDIA_FAILED",
    "MEDIA_AUTO_REQUESTED",
    "TEST_NOTIFICATION",
    "ISSUE_CREATED",
    "ISSUE_COMMENT",
    "ISSUE_RESOLVED",
    "ISSUE_REOPENED",
}
PENDING_TYPES = {"MEDIA_PENDING", "MEDIA_AUTO_REQUESTED"}  # may need an approval card
WEBHOOK_STATUS = {
    "MEDIA_APPROVED": S.APPROVED,
    "MEDIA_AUTO_APPROVED": S.APPROVED,
    "MEDIA_DECLINED": S.DECLINED,
    "MEDIA_FAILED": S.FAILED,
    "MEDIA_AVAILABLE": S.AVAILABLE,
}
CHOICE_VALUE = re.compile(r"(movie|tv):(\d{1,9})")
TITLE_YEAR = re.compile(r"(.+?)\s*\((\d{4})\)")
SEASON_PART = re.compile(r"(\d{1,4})(?:\s*-\s*(\d{1,4}))?")
SEASON_HELP = (
    "Seasons must be `all`, `latest`, `future` (all, and every new season later), "
    "or season numbers like `1,3-4`."
)
FUTURE_SPECS = {"future", "all future", "future seasons", "all future seasons"}


class InvalidWebhook(MediaNestError):
    """A webhook body we cannot use; the web route answers 400."""


class RequestNotFound(UserError):
    message = "That request doesn't exist any more."


class NoOverseerrAccount(UserError):
    message = (
        "You don't have an Overseerr account yet, so I can't request for you. "
        "Ask an admin to import your Plex user into Overseerr, then try again."
    )


class AlreadyResolved(UserError):
    """An admin action on a request that is no longer waiting for review."""


class AlreadyKnown(UserError):
    """Nothing to submit: the media is already available or requested. Carries what is known."""

    def __init__(
        self,
        message: str,
        *,
        media_type: str,
        tmdb_id: int,
        title: str,
        status: RequestStatus,
        is_4k: bool = False,
        seasons: Sequence[int] = (),
        own: bool = False,
        follow_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.media_type = media_type
        self.tmdb_id = tmdb_id
        self.title = title
        self.status = status
        self.is_4k = is_4k
        self.seasons = list(seasons)
        self.own = own
        self.follow_id = follow_id  # the custom id of a "Notify me" button, when one fits


class AlreadyAvailable(AlreadyKnown):
    """The media (or every asked season) is already on Plex."""


class AlreadyRequested(AlreadyKnown):
    """Someone (maybe the user) already asked for it; `status` says how far it got.

    `follow_id` is set when it is someone else's request: a "Notify me" button's custom id.
    """


class CardNotFound(UserError):
    message = "I have no approval card for that request any more."


class AlreadyDecided(UserError):
    """An Approve/Decline press on a request someone already decided (here or on the website)."""


@dataclass(frozen=True)
class QuotaPreview:
    """A user's Overseerr quota for one media type; `limit` None means unlimited.

    TV quotas count seasons. `resets_at` is when the oldest counted request stops counting.
    """

    media_type: str
    limit: int | None
    remaining: int | None
    used: int
    days: int | None
    resets_at: datetime | None = None

    @property
    def unlimited(self) -> bool:
        return self.limit is None

    @property
    def text(self) -> str:
        """One line for the confirmation, e.g. "You have 1 of 5 movie requests left …"."""
        units = "movie requests" if self.media_type == "movie" else "TV seasons"
        if self.limit is None:
            return f"Your {units} are unlimited."
        text = f"You have {self.remaining or 0} of {self.limit} {units} left"
        if self.days:
            text += f" (per {self.days} days)"
        if self.resets_at is not None and (self.remaining or 0) < self.limit:
            text += f"; the next one frees up <t:{int(self.resets_at.timestamp())}:R>"
        return text + "."


class QuotaExceeded(UserError):
    """The request would go over the user's Overseerr quota; `retry_at` is None if it never fits."""

    def __init__(self, preview: QuotaPreview, need: int, retry_at: datetime | None) -> None:
        self.preview = preview
        self.need = need
        self.retry_at = retry_at
        left = preview.remaining or 0
        per = f" per {preview.days} days" if preview.days else ""
        if preview.media_type == "movie":
            text = f"You've used your movie request quota ({preview.limit}{per})."
        elif preview.limit is not None and need > preview.limit:
            text = (
                f"That's {need} seasons, more than your TV quota allows ({preview.limit}{per}). "
                "Ask for fewer seasons at a time."
            )
        else:
            text = (
                f"That's {need} seasons, but your TV quota has {left} left "
                f"({preview.limit} seasons{per})."
            )
        if retry_at is not None:
            stamp = int(retry_at.timestamp())
            text += f" You can ask for it again <t:{stamp}:R> (on <t:{stamp}:D>)"
            text += ", or ask for fewer seasons now." if left and need > 1 else "."
        elif not (preview.limit is not None and need > preview.limit):
            text += " Ask an admin if you need more."
        super().__init__(text)


@dataclass(frozen=True)
class ApprovalCardView:
    """An approval card: the message's text and buttons now, and what was decided."""

    id: int
    overseerr_request_id: int
    channel_id: int
    message_id: int | None  # None until the outbox has posted it
    content: str  # the text to show now, with the decision once there is one
    buttons: tuple[Button, ...]  # Approve and Decline while undecided, none after
    decision: CardDecision | None
    decided_by: int | None  # the admin's Discord id when decided here
    decided_by_name: str | None  # the Overseerr user when decided on the website
    decided_at: datetime | None
    reason: str | None


@dataclass(frozen=True)
class Decision:
    """What `decide` did: the card as it now reads, and who Overseerr saw acting."""

    card: ApprovalCardView
    approved: bool
    acted_as: int | None  # the admin's Overseerr user id; None: the API key (Overseerr's admin)


@dataclass(frozen=True)
class Choice:
    """An autocomplete choice; `value` is "movie:<tmdb id>" or "tv:<tmdb id>"."""

    name: str
    value: str


@dataclass(frozen=True)
class RequestView:
    """A stored request as the cogs show it."""

    id: int
    discord_id: int
    title: str
    year: int | None
    media_type: str
    tmdb_id: int | None
    status: RequestStatus
    seasons: list[int] | None
    is_4k: bool
    created_at: datetime
    updated_at: datetime
    overseerr_request_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    message: str | None = None  # Overseerr's own reason when it refused the request

    @property
    def label(self) -> str:
        """ "Title (Year)" with "4K" and the seasons when they apply."""
        return _label(self.title, self.year, self.is_4k, self.seasons)

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.status, str(self.status))


def now() -> datetime:
    return datetime.now(UTC)


def view(row: MediaRequest) -> RequestView:
    """The plain view of a stored request."""
    message = row.last_error if row.status == S.REJECTED else None
    return RequestView(
        id=row.id,
        discord_id=row.discord_id,
        title=row.title,
        year=row.year,
        media_type=row.media_type,
        tmdb_id=row.tmdb_id,
        status=RequestStatus(row.status),
        seasons=list(row.seasons) if row.seasons is not None else None,
        is_4k=row.is_4k,
        created_at=row.created_at,
        updated_at=row.updated_at,
        overseerr_request_id=row.overseerr_request_id,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        message=message,
    )


class RequestService:
    """Media requests from Discord to Overseerr and their status back to the requester."""

    def __init__(
        self,
        overseerr: OverseerrClient,
        outbox: Outbox,
        limiter: RateLimiter,
        *,
        rate: str,
        notify_channel_id: int | None,
        review_channel_id: int | None,
        approval_channel_id: int | None = None,
        policy: RetryPolicy = DELIVERY,
        batch: int = 20,
        suggest_timeout: float = SUGGEST_TIMEOUT,
        suggest_ttl: float = SUGGEST_TTL,
    ) -> None:
        self.overseerr = overseerr
        self.outbox = outbox
        self.limiter = limiter
        self.rate = rate
        self.notify_channel_id = notify_channel_id
        self.review_channel_id = review_channel_id
        # Approval cards go to their own channel when one is set, else where reviews go.
        self.approval_channel_id = (
            approval_channel_id if approval_channel_id is not None else review_channel_id
        )
        self.follows = Subscriptions(overseerr, outbox)
        self.policy = policy
        self.batch = batch
        self.suggest_timeout = suggest_timeout
        self.suggest_ttl = suggest_ttl
        self._suggestions: OrderedDict[str, tuple[float, list[Choice]]] = OrderedDict()
        self._users: dict[int, tuple[float, OverseerrUser]] = {}
        self._four_k: tuple[float, FourK] | None = None

    # -- autocomplete ---------------------------------------------------------------------

    async def suggest(self, query: str) -> list[Choice]:
        """Up to 25 movies and shows for the query; [] (or the last answer) if Overseerr is slow."""
        key = " ".join(query.split()).casefold()
        if not key:
            return []
        cached = self._suggestions.get(key)
        if cached is not None and cached[0] > time.monotonic():
            self._suggestions.move_to_end(key)
            return cached[1]
        try:
            results = await asyncio.wait_for(self.overseerr.search(key), self.suggest_timeout)
        except (TimeoutError, ServiceUnavailable, ServiceRejected) as exc:
            log.info("requests: suggestions for %r failed: %s", key, exc)
            return cached[1] if cached is not None else []
        choices = [_choice(r) for r in results][:MAX_CHOICES]
        self._suggestions[key] = (time.monotonic() + self.suggest_ttl, choices)
        self._suggestions.move_to_end(key)
        while len(self._suggestions) > SUGGEST_CACHE_SIZE:
            self._suggestions.popitem(last=False)
        return choices

    # -- making a request -----------------------------------------------------------------

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
        new season (a subscription), even when the current ones are already there.
        """
        text = " ".join(title.split())
        if not text:
            raise InvalidInput("Tell me which title you want.")
        spec = seasons.strip() if seasons and seasons.strip() else None
        if spec is not None and len(spec) > 100:
            raise InvalidInput(SEASON_HELP)
        details = await self._resolve_title(text, spec is not None)
        wanted: list[int] | None = None
        future = False
        if details is not None:
            if details.media_type == "tv":
                wanted = parse_seasons(spec, details.seasons, details.title)
                future = wants_future(spec)
            if is_4k:
                await self._check_4k(details.media_type)
        user = await self._overseerr_user(plex_user_id)
        if details is not None:
            try:
                wanted = await self._check_not_known(details, wanted, is_4k, discord_id, user.id)
            except AlreadyKnown as known:
                if future:
                    await self.follows.follow_future(details, discord_id, is_4k)
                    known.message += " I'll DM you when a new season arrives."
                raise
            need = len(wanted or []) if details.media_type == "tv" else 1
            await self._check_quota(user.id, details.media_type, need)
        if not exempt:
            await self.limiter.hit(RATE_NAME, self.rate, discord_id)
        if details is None:
            return await self._save_for_review(discord_id, text, spec, is_4k, user.id)
        row = await MediaRequest.create(
            discord_id=discord_id,
            media_type=details.media_type,
            tmdb_id=details.tmdb_id,
            title=details.title[:500],
            year=details.year,
            seasons=wanted,
            season_spec=spec,
            is_4k=is_4k,
            status=S.QUEUED,
            overseerr_user_id=user.id,
            next_attempt_at=now() + RECOVERY_GRACE,
        )
        log.info("requests: %s saved request %s for %s", discord_id, row.id, _label_of(row))
        if future:
            await self.follows.follow_future(details, discord_id, is_4k)
        return row

    async def _resolve_title(self, text: str, has_seasons: bool) -> MediaDetails | None:
        """The media a choice value or free text names; None when free text matches nothing."""
        match = CHOICE_VALUE.fullmatch(text)
        if match:
            return await self._details(match.group(1), int(match.group(2)))
        name, year, media_type = _parse_label(text)
        results = await self.overseerr.search(name)
        if media_type is not None:
            results = [r for r in results if r.media_type == media_type]
        if not results:
            return None
        folded = _fold(name)
        exact = [r for r in results if _fold(r.title) == folded]
        if year is not None:
            exact = [r for r in exact if r.year == year] or [
                r for r in results if r.year == year and folded in _fold(r.title)
            ]
        if len(exact) > 1 and has_seasons:
            exact = [r for r in exact if r.media_type == "tv"] or exact
        picked = exact if exact else results
        if len(picked) == 1:
            return await self._details(picked[0].media_type, picked[0].tmdb_id)
        names = ", ".join(_choice_label(r) for r in picked[:3])
        raise InvalidInput(
            f"Several titles match “{name}”: {names}. Pick one from the suggestions "
            "(or add the year)."
        )

    async def _details(self, media_type: str, tmdb_id: int) -> MediaDetails:
        try:
            return await self.overseerr.details(media_type, tmdb_id)
        except ServiceUnavailable as exc:
            # Overseerr answers an unknown TMDB id with a 500, like an outage of TMDB itself.
            if exc.detail != "HTTP 500":
                raise
            kind = "movie" if media_type == "movie" else "show"
            raise InvalidInput(
                f"Overseerr couldn't load that {kind} (TMDB id {tmdb_id}). "
                "Pick a title from the suggestions."
            ) from exc

    async def _check_4k(self, media_type: str) -> None:
        if self._four_k is None or self._four_k[0] <= time.monotonic():
            self._four_k = (
                time.monotonic() + FOUR_K_TTL,
                await self.overseerr.settings_4k_enabled(),
            )
        if not self._four_k[1].enabled_for(media_type):
            noun = "movies" if media_type == "movie" else "TV shows"
            raise FeatureDisabled(f"4K requests for {noun} aren't enabled on this server.")

    async def overseerr_account(self, plex_user_id: int) -> str:
        """How the Plex account maps to Overseerr, in words, for /account."""
        try:
            user = await self._overseerr_user(plex_user_id)
        except NoOverseerrAccount:
            return "none yet: ask an admin to import your Plex user into Overseerr"
        except ServiceUnavailable:
            return "unknown right now (Overseerr isn't answering)"
        return f"{user.display_name} (#{user.id})"

    async def _overseerr_user(self, plex_user_id: int) -> OverseerrUser:
        cached = self._users.get(plex_user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        user = await self.overseerr.find_user_by_plex_id(plex_user_id)
        if user is None:
            raise NoOverseerrAccount()
        self._users[plex_user_id] = (time.monotonic() + USER_TTL, user)
        return user

    # -- quota ----------------------------------------------------------------------------

    async def quota_preview(self, plex_user_id: int, media_type: str) -> QuotaPreview:
        """The user's Overseerr quota for movies or TV (seasons), with when a slot frees up."""
        user = await self._overseerr_user(plex_user_id)
        quota = await self.overseerr.quota(user.id)
        entry = quota.movie if media_type == "movie" else quota.tv
        preview = _preview(media_type, entry)
        if preview.limit is None or not preview.used or not preview.days:
            return preview
        window = await self._quota_window(user.id, media_type, preview.days)
        return _preview(media_type, entry, _frees_at(window, 1, preview.days))

    async def _check_quota(self, overseerr_user_id: int, media_type: str, need: int) -> None:
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
            window = await self._quota_window(overseerr_user_id, media_type, preview.days)
            retry_at = _frees_at(window, need - (preview.remaining or 0), preview.days)
            preview = _preview(media_type, entry, _frees_at(window, 1, preview.days))
        log.info(
            "requests: quota refuses %s %s for Overseerr user %s",
            need,
            media_type,
            overseerr_user_id,
        )
        raise QuotaExceeded(preview, need, retry_at)

    async def _quota_window(
        self, overseerr_user_id: int, media_type: str, days: int
    ) -> list[tuple[datetime, int]]:
        """The user's requests that count against the quota now: (created, weight), oldest first.

        Overseerr counts requests made in the last `days` days that were not declined; a TV
        request weighs as many seasons as it asks for.
        """
        since = now() - timedelta(days=days)
        counted: list[tuple[datetime, int]] = []
        for page_number in range(QUOTA_PAGES):
            page = await self.overseerr.requests(
                requested_by=overseerr_user_id,
                take=CARD_PAGE,
                skip=page_number * CARD_PAGE,
                sort="added",
            )
            for found in page:
                created = found.created_at
                if created is None or created <= since or found.status == REQUEST_DECLINED:
                    continue
                if found.media_type == media_type:
                    weight = len(found.seasons) if media_type == "tv" else 1
                    counted.append((created, max(weight, 1)))
            oldest = page[-1].created_at if page else None
            if len(page) < CARD_PAGE or oldest is None or oldest <= since:
                break
        return sorted(counted)

    async def _check_not_known(
        self,
        details: MediaDetails,
        wanted: list[int] | None,
        is_4k: bool,
        discord_id: int,
        overseerr_user_id: int,
    ) -> list[int] | None:
        """Raise AlreadyAvailable/AlreadyRequested; for TV, return the seasons still to ask for."""
        label = _label(details.title, details.year, is_4k, None)
        known: dict[str, Any] = {
            "media_type": details.media_type,
            "tmdb_id": details.tmdb_id,
            "is_4k": is_4k,
        }
        status = details.status_4k if is_4k else details.status
        if status == MEDIA_BLOCKLISTED:
            raise InvalidInput(
                f"**{label}** is blocklisted on this server, so it can't be requested."
            )
        live = [r for r in details.requests if r.is_4k == is_4k and r.status != REQUEST_DECLINED]
        queued = await MediaRequest.filter(
            media_type=details.media_type, tmdb_id=details.tmdb_id, is_4k=is_4k, status=S.QUEUED
        )
        if details.media_type == "movie":
            if status == MEDIA_AVAILABLE:
                raise AlreadyAvailable(
                    f"**{label}** is already on Plex. Enjoy!",
                    title=label,
                    status=S.AVAILABLE,
                    **known,
                )
            mine = any(r.requested_by == overseerr_user_id for r in live) or any(
                q.discord_id == discord_id for q in queued
            )
            if live or queued:
                current = _status_of(live[-1]) if live else S.QUEUED
                raise _already_requested(label, current, mine, known)
            if status in (MEDIA_PENDING, MEDIA_PROCESSING, MEDIA_PARTIALLY_AVAILABLE):
                raise _already_requested(label, _from_media(status), False, known)
            return None
        asked = list(wanted or [])
        seasons_status = details.season_status_4k if is_4k else details.season_status
        taken: dict[int, RequestStatus] = {}
        mine_seasons: set[int] = set()
        for number, season_status in seasons_status.items():
            if season_status not in (MEDIA_UNKNOWN, MEDIA_DELETED):
                taken[number] = _from_media(season_status)
        if status == MEDIA_AVAILABLE and not seasons_status:
            taken.update(dict.fromkeys(asked, S.AVAILABLE))
        for r in live:
            for number in r.seasons:
                taken.setdefault(number, _status_of(r))
                if r.requested_by == overseerr_user_id:
                    mine_seasons.add(number)
        for q in queued:
            for number in q.seasons or []:
                taken.setdefault(number, S.QUEUED)
                if q.discord_id == discord_id:
                    mine_seasons.add(number)
        left = [n for n in asked if n not in taken]
        if left:
            return left
        states = {taken[n] for n in asked}
        seasons_label = _label(details.title, details.year, is_4k, asked)
        if states == {S.AVAILABLE}:
            raise AlreadyAvailable(
                f"**{seasons_label}** is already on Plex. Enjoy!",
                title=label,
                status=S.AVAILABLE,
                seasons=asked,
                **known,
            )
        current = min(states - {S.AVAILABLE}, key=_progress)
        own = bool(mine_seasons & set(asked))
        raise _already_requested(seasons_label, current, own, known, seasons=asked)

    async def _save_for_review(
        self, discord_id: int, text: str, spec: str | None, is_4k: bool, overseerr_user_id: int
    ) -> MediaRequest:
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
        if self.review_channel_id is None:
            log.warning("requests: no review channel, request %s waits unseen", row.id)
            return row
        extra = []
        if spec:
            extra.append(f"seasons: {spec}")
        if is_4k:
            extra.append("4K")
        details = f" ({', '.join(extra)})" if extra else ""
        await self.outbox.post(
            f"request:{row.id}:review",
            self.review_channel_id,
            f"<@{discord_id}> asked for “{text[:300]}”{details}, which matches nothing in "
            f"Overseerr. Pick the right title (a TMDB id) or decline it. Request #{row.id}.",
            buttons=[
                Button("Pick a title", custom_id=f"review:pick:{row.id}", style="primary"),
                Button("Decline", custom_id=f"review:decline:{row.id}", style="danger"),
            ],
        )
        return row

    async def resolve_review(
        self, request_id: int, tmdb_id: int | None, media_type: str | None, admin_discord_id: int
    ) -> RequestView:
        """An admin's answer to a request needing review: a TMDB id to submit, None to decline."""
        row = await MediaRequest.get_or_none(id=request_id)
        if row is None:
            raise RequestNotFound()
        if row.status != S.NEEDS_REVIEW:
            raise AlreadyResolved(
                f"Request #{row.id} was already handled: it is {STATUS_TEXT[row.status]}."
            )
        if tmdb_id is None:
            if not await self._move(row, S.DECLINED, resolved_by=admin_discord_id):
                raise AlreadyResolved(f"Request #{row.id} was already handled.")
            await self._tell(row, S.DECLINED)
            return view(row)
        if media_type not in ("movie", "tv"):
            raise InvalidInput("Choose whether it is a movie or a TV show.")
        details = await self._details(media_type, tmdb_id)
        if row.is_4k:
            await self._check_4k(media_type)
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
        if not await self._move(row, target, **update):
            raise AlreadyResolved(f"Request #{row.id} was already handled.")
        log.info(
            "requests: admin %s resolved review %s as %s:%s",
            admin_discord_id,
            row.id,
            media_type,
            tmdb_id,
        )
        if available:
            await self._tell(row, S.AVAILABLE)
            return view(row)
        result, _ = await self._deliver(row.id, background=True)
        return result

    # -- delivery -------------------------------------------------------------------------

    async def deliver(self, request_id: int) -> RequestView:
        """Submit a saved request to Overseerr as the user; the caller shows the outcome.

        An outage leaves it QUEUED for `deliver_due` (and DMs the user once that it is queued).
        """
        result, _ = await self._deliver(request_id, background=False)
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
                result, down = await self._deliver(row.id, background=True)
            except Exception:
                # The row keeps its lease, so it is tried again later; the others go on.
                log.exception("requests: delivering request %s failed", row.id)
                continue
            if down:
                break  # Overseerr is down: leave the rest for the next run
            if result.status != S.QUEUED:
                delivered += 1
        return delivered

    async def _deliver(self, request_id: int, *, background: bool) -> tuple[RequestView, bool]:
        """One delivery attempt: (the request now, whether Overseerr was unreachable)."""
        row = await MediaRequest.get_or_none(id=request_id)
        if row is None:
            raise RequestNotFound()
        if row.status != S.QUEUED or row.tmdb_id is None or row.overseerr_user_id is None:
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
        own = False
        try:
            status, overseerr_id, message, own = await self._submit(
                row, earlier_attempt=attempt > 1
            )
        except ServiceUnavailable as exc:
            return await self._queue_again(row, attempt, str(exc)), True
        except ServiceRejected as exc:
            if exc.status in (401, 429):  # a bad API key or throttling: fixable, so retry
                return await self._queue_again(row, attempt, str(exc)), True
            status, overseerr_id, message = S.REJECTED, None, exc.message
        update: dict[str, Any] = {"last_error": message, "next_attempt_at": None}
        update["updated_at"] = now()
        if overseerr_id is not None:
            update["overseerr_request_id"] = overseerr_id
        moved = await MediaRequest.filter(id=row.id, status=S.QUEUED, attempts=attempt).update(
            status=status, **update
        )
        row = await MediaRequest.get(id=row.id)
        if not moved:
            return view(row), False
        log.info("requests: request %s delivered: %s", row.id, status)
        if own and status == S.PENDING:
            await self._post_card_for_row(row)
        if background:
            await self._tell_delivered(row, status)
        return view(row), False

    async def _queue_again(self, row: MediaRequest, attempt: int, error: str) -> RequestView:
        wait = self.policy.delay(attempt)
        await MediaRequest.filter(id=row.id, status=S.QUEUED, attempts=attempt).update(
            next_attempt_at=now() + timedelta(seconds=wait),
            last_error=error[:500],
            updated_at=now(),
        )
        log.info("requests: request %s not delivered (%s), retry in %.0fs", row.id, error, wait)
        await self.outbox.dm(
            f"request:{row.id}:queued",
            row.discord_id,
            f"Overseerr isn't answering right now, so your request for **{_label_of(row)}** is "
            "queued. I'll keep trying and tell you when it goes through.",
        )
        return view(await MediaRequest.get(id=row.id))

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
                return _status_for(found, row.seasons), found.id, None, True
        code, body = await self.overseerr.create_request(
            row.media_type,
            row.tmdb_id,
            user_id=row.overseerr_user_id,
            seasons=row.seasons,
            is_4k=row.is_4k,
        )
        if code == 201:
            created = parse_request(body)
            if created is not None:
                return _status_for(created, row.seasons), created.id, None, True
        # 409 or 202: the media is already requested or there; follow the request that is.
        details = await self.overseerr.details(row.media_type, row.tmdb_id)
        return (*_status_of_existing(details, row), False)

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
        label = _label_of(row)
        if status == S.REJECTED:
            text = f"Overseerr refused your request for **{label}**: {row.last_error}"
        elif status in (S.AVAILABLE, S.PARTIALLY_AVAILABLE, S.DECLINED, S.FAILED):
            await self._tell(row, status)
            return
        else:
            text = f"Your request for **{label}** went through: it's {STATUS_TEXT[status]}."
        await self.outbox.dm(f"request:{row.id}:delivered", row.discord_id, text)

    # -- status updates -------------------------------------------------------------------

    async def handle_webhook(self, payload: Any) -> str:
        """Apply one Overseerr webhook; raises InvalidWebhook for a body we cannot use."""
        if not isinstance(payload, dict):
            raise InvalidWebhook("the body is not a JSON object")
        kind = payload.get("notification_type")
        if not isinstance(kind, str) or kind not in WEBHOOK_TYPES:
            raise InvalidWebhook(f"unknown notification_type {kind!r}")
        if kind == "TEST_NOTIFICATION":
            return "test notification received"
        if kind not in WEBHOOK_STATUS and kind not in PENDING_TYPES:
            return f"{kind} ignored"
        media = payload.get("media")
        if not isinstance(media, dict):
            raise InvalidWebhook(f"{kind} without a media object")
        media_type = media.get("media_type")
        tmdb_id = _digits(media.get("tmdbId"))
        if media_type not in ("movie", "tv") or tmdb_id is None:
            raise InvalidWebhook(f"{kind} with a bad media_type or tmdbId")
        request = payload.get("request")
        request_id: int | None = None
        if request is not None:
            if not isinstance(request, dict):
                raise InvalidWebhook(f"{kind} with a bad request object")
            request_id = _digits(request.get("request_id"))
            if request.get("request_id") not in (None, "") and request_id is None:
                raise InvalidWebhook(f"{kind} with a bad request_id")
        if kind in PENDING_TYPES:
            return await self._pending_webhook(kind, request_id)
        event_status = WEBHOOK_STATUS[kind]
        ours = []
        if request_id is not None:
            ours = await MediaRequest.filter(overseerr_request_id=request_id).order_by("id")
        others = await self._rows_for_media(media_type, tmdb_id, event_status, bool(ours))
        others = [r for r in others if r.id not in {o.id for o in ours}]
        changed = 0
        for row in ours:
            target: RequestStatus | None = event_status
            statuses: dict[int, int] | None = None
            if event_status == S.AVAILABLE:
                target, statuses = await self._available_target(row, media, by_id=True)
            if target is not None and await self._advance(row, target, statuses):
                changed += 1
        for row in others:
            target, statuses = event_status, None
            if event_status == S.AVAILABLE:
                target, statuses = await self._available_target(row, media, by_id=False)
            if target is not None and await self._advance(row, target, statuses):
                changed += 1
        result = f"{kind}: {changed} request(s) updated"
        if request_id is not None and event_status in (S.APPROVED, S.DECLINED):
            try:
                await self._card_decided_elsewhere(request_id)
            except DependencyError as exc:
                log.info("requests: can't check the card of request %s: %s", request_id, exc)
        if event_status in (S.AVAILABLE, S.DECLINED, S.FAILED):
            try:
                told = await self.follows.check_media(media_type, tmdb_id)
            except DependencyError as exc:
                # The poll tells them later.
                log.info("requests: can't check followers of %s:%s: %s", media_type, tmdb_id, exc)
                told = 0
            if told:
                result += f", {told} follower(s) told"
        return result

    async def _rows_for_media(
        self, media_type: str, tmdb_id: int, event_status: RequestStatus, id_known: bool
    ) -> list[MediaRequest]:
        """Other requests an event may concern, found by TMDB id and media type."""
        rows = MediaRequest.filter(media_type=media_type, tmdb_id=tmdb_id)
        if event_status == S.AVAILABLE:
            if id_known and media_type == "tv":
                return []  # a TV request's seasons are its own
            # A movie's availability settles every open request for it, queued ones included.
            return await rows.filter(status__in=(*TRACKED, S.QUEUED)).order_by("id")
        if id_known:
            return []
        # A decision on a request we don't know applies only to ours without an Overseerr id.
        return await rows.filter(status__in=TRACKED, overseerr_request_id__isnull=True).order_by(
            "id"
        )

    async def _available_target(
        self, row: MediaRequest, media: dict[str, Any], *, by_id: bool
    ) -> tuple[RequestStatus | None, dict[int, int] | None]:
        """What MEDIA_AVAILABLE means for one request, and (TV) the seasons' statuses if read."""
        named = str(media.get("status4k" if row.is_4k else "status") or "").upper()
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
            if target is not None and await self._advance(row, target, statuses):
                changed += 1
        try:
            cards = await self.sync_approvals()
            told = await self.follows.check_all()
        except DependencyError as exc:
            log.info("requests: approval and follower checks stopped: %s", exc)
        else:
            if cards or told:
                log.info("requests: %s approval card change(s), %s follower DM(s)", cards, told)
        return changed

    async def _polled(
        self, row: MediaRequest
    ) -> tuple[RequestStatus | None, dict[int, int] | None]:
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
                return _status_for(found, row.seasons), (found.season_status if tv else None)
        # No request to follow (or it was deleted): the media's own status still counts.
        details = await self.overseerr.details(row.media_type, row.tmdb_id)
        status = details.status_4k if row.is_4k else details.status
        statuses = (
            (details.season_status_4k if row.is_4k else details.season_status) if tv else None
        )
        if tv and row.seasons and statuses:
            return _seasons_status(statuses, row.seasons), statuses
        if status in (MEDIA_AVAILABLE, MEDIA_PARTIALLY_AVAILABLE):
            return _from_media(status), statuses
        return None, statuses

    async def _advance(
        self, row: MediaRequest, target: RequestStatus, statuses: dict[int, int] | None = None
    ) -> bool:
        """Move the request forward to `target` and tell the requester; False when not allowed.

        A TV request partly there is told each asked season that arrived, once per season.
        """
        if target == S.PARTIALLY_AVAILABLE and row.status == S.PARTIALLY_AVAILABLE:
            return await self._announce_seasons(row, statuses)
        if target == row.status or target not in FORWARD.get(RequestStatus(row.status), ()):
            return False
        if not await self._move(row, target):
            return False
        log.info("requests: request %s is now %s", row.id, target)
        if target == S.PARTIALLY_AVAILABLE and await self._announce_seasons(row, statuses):
            return True
        await self._tell(row, target)
        return True

    async def _announce_seasons(self, row: MediaRequest, statuses: dict[int, int] | None) -> bool:
        """DM each asked season that is on Plex now, once per season; True if any DM is new."""
        if row.media_type != "tv" or not row.seasons or not statuses:
            return False
        told = False
        for number in row.seasons:
            if statuses.get(number) == MEDIA_AVAILABLE:
                text = f"Part of **{_label_of(row)}** is now on Plex: season {number}."
                key = f"request:{row.id}:season:{number}"
                told = await self.outbox.dm(key, row.discord_id, text) or told
        return told

    async def _move(self, row: MediaRequest, target: RequestStatus, **fields: Any) -> bool:
        """A conditional update from the row's status, so concurrent updaters can't both win."""
        old = RequestStatus(row.status)
        if target not in FORWARD.get(old, ()):
            return False
        fields["updated_at"] = now()
        updated = await MediaRequest.filter(id=row.id, status=old).update(status=target, **fields)
        if updated:
            for name, value in fields.items():
                setattr(row, name, value)
            row.status = target
        return bool(updated)

    async def _tell(self, row: MediaRequest, status: RequestStatus) -> None:
        """DM the requester about a status, once per (request, status); announce availability."""
        label = _label_of(row)
        texts = {
            S.APPROVED: (
                f"Your request for **{label}** was approved. I'll tell you when it's on Plex."
            ),
            S.DECLINED: f"Your request for **{label}** was declined.",
            S.FAILED: f"Your request for **{label}** failed in Overseerr. An admin can retry it.",
            S.PARTIALLY_AVAILABLE: f"Part of **{label}** is now on Plex.",
            S.AVAILABLE: f"**{label}** is now on Plex. Enjoy!",
        }
        if row.status == S.DECLINED and row.resolved_by is not None and row.tmdb_id is None:
            texts[S.DECLINED] = (
                f"An admin looked at your request for “{row.title}” and declined it. "
                "Try `/request` again and pick a title from the suggestions."
            )
        elif status == S.DECLINED:
            reason = await decline_reason(row.overseerr_request_id)
            if reason:
                texts[S.DECLINED] = f"Your request for **{label}** was declined: {reason}"
        text = texts.get(status)
        if text is None:
            return
        await self.outbox.dm(f"request:{row.id}:{status}", row.discord_id, text)
        if status == S.AVAILABLE and self.notify_channel_id is not None and row.tmdb_id:
            quality = "4k" if row.is_4k else "hd"
            await self.outbox.post(
                f"media:{row.media_type}:{row.tmdb_id}:{quality}:available",
                self.notify_channel_id,
                f"**{_label(row.title, row.year, row.is_4k, None)}** is now on Plex.",
            )

    # -- following ------------------------------------------------------------------------

    async def subscribe(
        self,
        discord_id: int,
        media_type: str,
        tmdb_id: int,
        seasons: Sequence[int] | None,
        is_4k: bool,
        *,
        future: bool = False,
    ) -> bool:
        """Follow media (see `Subscriptions.subscribe`); False when already following it."""
        return await self.follows.subscribe(
            discord_id, media_type, tmdb_id, seasons, is_4k, future=future
        )

    async def subscribe_by_id(self, discord_id: int, custom_id: str) -> bool:
        """Follow what a "Notify me" button's custom id (`follow:…`) names."""
        target = parse_follow_id(custom_id)
        if target is None:
            raise InvalidInput("That button doesn't name anything to follow.")
        return await self.subscribe(
            discord_id,
            target.media_type,
            target.tmdb_id,
            target.seasons,
            target.is_4k,
            future=target.future,
        )

    async def unsubscribe(self, discord_id: int, subscription_id: int) -> bool:
        """Stop following; False when the user had no such subscription."""
        return await self.follows.unsubscribe(discord_id, subscription_id)

    async def following(self, discord_id: int) -> list[Followed]:
        """What the user follows, oldest first."""
        return await self.follows.following(discord_id)

    # -- approval cards -------------------------------------------------------------------

    async def _post_card_for_row(self, row: MediaRequest) -> None:
        """The card for a request the bot just made and Overseerr left pending."""
        assert row.overseerr_request_id is not None
        await self._post_card(
            row.overseerr_request_id,
            row.media_type,
            row.tmdb_id,
            _label_of(row),
            f"<@{row.discord_id}>",
        )

    async def _post_card(
        self, request_id: int, media_type: str, tmdb_id: int | None, label: str, who: str
    ) -> bool:
        """Post (once) and record the approval card of a pending request; True when new."""
        channel = self.approval_channel_id
        if channel is None:
            return False
        kind = "movie" if media_type == "movie" else "TV"
        content = (
            f"**{label}** ({kind}) was requested by {who} and is waiting for approval. "
            f"Overseerr request #{request_id}."
        )
        key = f"approval:{request_id}"
        posted = await self.outbox.post(key, channel, content, buttons=approval_buttons(request_id))
        # An earlier (or concurrent) post of the same card may have recorded it already.
        with contextlib.suppress(IntegrityError):
            await ApprovalCard.create(
                overseerr_request_id=request_id,
                channel_id=channel,
                dedupe_key=key,
                content=content,
                media_type=media_type,
                tmdb_id=tmdb_id,
            )
        if posted:
            log.info("requests: approval card posted for Overseerr request %s", request_id)
        return posted

    async def _post_card_for(
        self, found: OverseerrRequest, titles: dict[tuple[str, int], MediaDetails]
    ) -> bool:
        """The card for a pending request found in Overseerr (made here or on the website)."""
        rows = await MediaRequest.filter(overseerr_request_id=found.id).order_by("id")
        if rows and rows[0].tmdb_id is not None:
            row = rows[0]
            return await self._post_card(
                found.id, row.media_type, row.tmdb_id, _label_of(row), f"<@{row.discord_id}>"
            )
        label = f"Overseerr request #{found.id}"
        if found.tmdb_id is not None and found.media_type in ("movie", "tv"):
            key = (found.media_type, found.tmdb_id)
            if key not in titles:
                titles[key] = await self.overseerr.details(*key)
            details = titles[key]
            seasons = found.seasons if found.media_type == "tv" else None
            label = _label(details.title, details.year, found.is_4k, seasons)
        if found.requested_by_discord is not None:
            who = f"<@{found.requested_by_discord}>"
        else:
            who = found.requested_by_name or "someone"
        return await self._post_card(found.id, found.media_type, found.tmdb_id, label, who)

    async def _pending_webhook(self, kind: str, request_id: int | None) -> str:
        """MEDIA_PENDING (or an auto-request): post the approval card if it is still pending."""
        if request_id is None or self.approval_channel_id is None:
            return f"{kind} ignored"
        if await ApprovalCard.exists(overseerr_request_id=request_id):
            return f"{kind}: request {request_id} already has an approval card, ignored"
        try:
            found = await self.overseerr.request(request_id)
            if found.status != REQUEST_PENDING:
                return f"{kind}: request {request_id} is no longer pending, ignored"
            posted = await self._post_card_for(found, {})
        except DependencyError as exc:
            log.info("requests: can't post the card of request %s now: %s", request_id, exc)
            return f"{kind}: Overseerr didn't answer, the poll will post the card"
        return f"{kind}: approval card posted" if posted else f"{kind} ignored"

    async def sync_approvals(self) -> int:
        """The poll: a card for every pending request, and settle cards decided elsewhere.

        Returns how many cards were posted or marked decided.
        """
        if self.approval_channel_id is None:
            return 0
        pending: dict[int, OverseerrRequest] = {}
        for page_number in range(CARD_PAGES):
            page = await self.overseerr.requests(
                take=CARD_PAGE, skip=page_number * CARD_PAGE, sort="added", filter="pending"
            )
            pending.update((r.id, r) for r in page if r.status == REQUEST_PENDING)
            if len(page) < CARD_PAGE:
                break
        carded = set(
            await ApprovalCard.filter(overseerr_request_id__in=list(pending)).values_list(
                "overseerr_request_id", flat=True
            )
        )
        changes = 0
        titles: dict[tuple[str, int], MediaDetails] = {}
        for found in pending.values():
            if found.id not in carded and await self._post_card_for(found, titles):
                changes += 1
        for card in await ApprovalCard.filter(decision__isnull=True).order_by("id"):
            if card.overseerr_request_id not in pending:
                changes += int(await self._card_decided_elsewhere(card.overseerr_request_id))
        return changes

    async def _card_decided_elsewhere(self, request_id: int) -> bool:
        """Mark an undecided card with what Overseerr says now; True when it changed."""
        card = await ApprovalCard.get_or_none(overseerr_request_id=request_id, decision=None)
        if card is None:
            return False
        try:
            found = await self.overseerr.request(request_id)
        except ServiceRejected as exc:
            if exc.status != 404:
                raise
            return await self._settle_card(card, CardDecision.WITHDRAWN, None)
        decision = _card_decision(found)
        if decision is None:
            return False  # still pending: a late or out-of-order event
        return await self._settle_card(card, decision, found)

    async def _settle_card(
        self, card: ApprovalCard, decision: CardDecision, found: OverseerrRequest | None
    ) -> bool:
        """Record a decision made outside Discord (the cog edits the message later)."""
        settled = await ApprovalCard.filter(id=card.id, decision=None).update(
            decision=decision,
            decided_by_name=found.modified_by_name if found is not None else None,
            decided_at=(found.updated_at if found is not None else None) or now(),
            edited_at=None,
        )
        if settled:
            log.info(
                "requests: Overseerr request %s was %s outside Discord",
                card.overseerr_request_id,
                decision,
            )
        return bool(settled)

    async def decide(
        self,
        overseerr_request_id: int,
        approve: bool,
        admin_discord_id: int,
        admin_plex_user_id: int | None,
        reason: str | None = None,
    ) -> Decision:
        """Approve or decline a pending request from its card, as the admin's Overseerr user.

        Acts with `X-API-User` when the admin's Plex account maps to an Overseerr user, else
        with the API key alone (Overseerr's admin). Raises AlreadyDecided (saying by whom)
        when it was decided already, here or on the website. The returned card text is what
        the message should now show; the card counts as edited (the cog edits it in its
        reply), so it does not come back from `cards_to_update`.
        """
        card = await ApprovalCard.get_or_none(overseerr_request_id=overseerr_request_id)
        if card is None:
            raise CardNotFound()
        if card.decision is not None:
            raise AlreadyDecided(_already_decided(card))
        acting = await self._acting_user(admin_plex_user_id)
        try:
            current = await self.overseerr.request(overseerr_request_id)
        except ServiceRejected as exc:
            if exc.status != 404:
                raise
            await self._settle_card(card, CardDecision.WITHDRAWN, None)
            raise AlreadyDecided(_already_decided(await card_row(card.id))) from exc
        elsewhere = _card_decision(current)
        if elsewhere is not None:
            await self._settle_card(card, elsewhere, current)
            raise AlreadyDecided(_already_decided(await card_row(card.id)))
        decision = CardDecision.APPROVED if approve else CardDecision.DECLINED
        note = None if approve else " ".join((reason or "").split())[:REASON_MAX] or None
        claimed = await ApprovalCard.filter(id=card.id, decision=None).update(
            decision=decision,
            decided_by=admin_discord_id,
            decided_by_name=None,
            acted_as=acting,
            decided_at=now(),
            reason=note,
            edited_at=now(),
        )
        if not claimed:
            raise AlreadyDecided(_already_decided(await card_row(card.id)))
        try:
            found = await self.overseerr.decide_request(
                overseerr_request_id, approve, user_id=acting
            )
        except DependencyError as exc:
            # Undo the claim so the buttons work again.
            await ApprovalCard.filter(id=card.id, decided_by=admin_discord_id).update(
                decision=None, decided_by=None, acted_as=None, decided_at=None, reason=None
            )
            if isinstance(exc, ServiceRejected) and exc.status in (401, 403):
                raise NotAllowed(
                    "Overseerr refused: your Overseerr account can't approve or decline "
                    "requests. Ask an Overseerr admin for the Manage Requests permission."
                ) from exc
            raise
        log.info(
            "requests: admin %s %s Overseerr request %s (as Overseerr user %s)",
            admin_discord_id,
            decision,
            overseerr_request_id,
            acting if acting is not None else "of the API key",
        )
        await self._apply_decision(found)
        card = await card_row(card.id)
        return Decision(card_view(card, await _message_id(card)), approve, acting)

    async def _acting_user(self, plex_user_id: int | None) -> int | None:
        """The Overseerr user an admin acts as: theirs when linked, else None (the API key)."""
        if plex_user_id is None:
            return None
        try:
            return (await self._overseerr_user(plex_user_id)).id
        except NoOverseerrAccount:
            return None

    async def _apply_decision(self, found: OverseerrRequest) -> None:
        """Move our requests for a decided Overseerr request and tell followers of a decline."""
        for row in await MediaRequest.filter(overseerr_request_id=found.id).order_by("id"):
            await self._advance(row, _status_for(found, row.seasons))
        if found.status == REQUEST_DECLINED and found.tmdb_id is not None:
            try:
                await self.follows.check_media(found.media_type, found.tmdb_id)
            except DependencyError as exc:
                log.info("requests: followers of request %s wait for the poll: %s", found.id, exc)

    async def card(self, overseerr_request_id: int) -> ApprovalCardView:
        """One approval card as it should read now."""
        card = await ApprovalCard.get_or_none(overseerr_request_id=overseerr_request_id)
        if card is None:
            raise CardNotFound()
        return card_view(card, await _message_id(card))

    async def pending_for_approval(self) -> list[ApprovalCardView]:
        """Cards still waiting for a decision, oldest first."""
        cards = await ApprovalCard.filter(decision=None).order_by("id")
        ids = await _message_ids(cards)
        return [card_view(c, ids.get(c.dedupe_key)) for c in cards]

    async def cards_to_update(self) -> list[ApprovalCardView]:
        """Decided cards whose posted message doesn't show it yet (decided elsewhere).

        Call `card_edited` after editing each. A card whose message was never delivered has
        nothing to edit and is marked edited here.
        """
        cards = await ApprovalCard.filter(decision__not_isnull=True, edited_at=None).order_by("id")
        if not cards:
            return []
        keys = [c.dedupe_key for c in cards]
        messages = {m.dedupe_key: m for m in await OutboxMessage.filter(dedupe_key__in=keys)}
        out = []
        for card in cards:
            message = messages.get(card.dedupe_key)
            if message is None or message.status in (
                OutboxStatus.UNDELIVERABLE,
                OutboxStatus.REDIRECTED,
            ):
                await self.card_edited(card.id)
            elif message.message_id is not None:
                out.append(card_view(card, message.message_id))
        return out

    async def card_edited(self, card_id: int) -> None:
        """The card's message now shows its decision."""
        await ApprovalCard.filter(id=card_id).update(edited_at=now())

    # -- listing --------------------------------------------------------------------------

    async def get(self, request_id: int) -> RequestView:
        """One stored request."""
        row = await MediaRequest.get_or_none(id=request_id)
        if row is None:
            raise RequestNotFound()
        return view(row)

    async def list_requests(
        self, discord_id: int | None, page: int, per_page: int = 10
    ) -> tuple[list[RequestView], int]:
        """One page (1-based) of requests, newest first, and how many pages there are.

        `discord_id` None lists everyone's (for admins).
        """
        per_page = max(1, min(per_page, 25))
        query = (
            MediaRequest.all() if discord_id is None else MediaRequest.filter(discord_id=discord_id)
        )
        total = await query.count()
        pages = max(1, math.ceil(total / per_page))
        page = min(max(1, page), pages)
        rows = (
            await query.order_by("-created_at", "-id").offset((page - 1) * per_page).limit(per_page)
        )
        return [view(r) for r in rows], pages


# -- pure helpers ---------------------------------------------------------------------------


def parse_seasons(spec: str | None, real: Sequence[int], title: str) -> list[int]:
    """The seasons `spec` names ("all", "latest", "future", "1,3-4"; None = all), checked.

    "future" asks for all seasons now; the caller also remembers every new one (`wants_future`).
    """
    regular = sorted(n for n in real if n > 0)
    if not regular:
        raise InvalidInput(f"{title} has no seasons to request yet.")
    text = (spec or "all").strip().casefold()
    if text == "all" or wants_future(text):
        return regular
    if text == "latest":
        return [regular[-1]]
    wanted: set[int] = set()
    for part in text.replace(" ", "").split(","):
        match = SEASON_PART.fullmatch(part)
        if not match:
            raise InvalidInput(SEASON_HELP)
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first or last - first > 500:
            raise InvalidInput(SEASON_HELP)
        wanted.update(range(first, last + 1))
    missing = sorted(wanted - set(real))
    if missing:
        which = "season" if len(missing) == 1 else "seasons"
        raise InvalidInput(
            f"{title} has {format_seasons(regular)}; there is no {which} "
            f"{', '.join(map(str, missing[:5]))}."
        )
    return sorted(wanted)


def format_seasons(numbers: Sequence[int]) -> str:
    """ "season 1", "seasons 1-3" or "seasons 1, 3-4"."""
    ordered = sorted(set(numbers))
    runs: list[str] = []
    start = prev = None
    for n in [*ordered, None]:
        if start is not None and (n is None or prev is None or n != prev + 1):
            runs.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if n is not None and start is None:
            start = n
        prev = n
    word = "season" if len(ordered) == 1 else "seasons"
    return f"{word} {', '.join(runs)}"


def _label(title: str, year: int | None, is_4k: bool, seasons: Sequence[int] | None) -> str:
    text = f"{title} ({year})" if year else title
    if seasons:
        text += f", {format_seasons(seasons)}"
    return text + (" in 4K" if is_4k else "")


def _label_of(row: MediaRequest) -> str:
    return _label(row.title, row.year, row.is_4k, row.seasons)


def _fold(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.casefold()).strip()


def _parse_label(text: str) -> tuple[str, int | None, str | None]:
    """Free text, or a suggestion's label pasted back: (title, year, media type)."""
    parts = [p.strip() for p in text.split(" · ")]
    media_type = None
    if len(parts) > 1 and parts[1] in ("Movie", "TV"):
        media_type = "movie" if parts[1] == "Movie" else "tv"
        text = parts[0]
    match = TITLE_YEAR.fullmatch(text)
    if match:
        return match.group(1), int(match.group(2)), media_type
    return text, None, media_type


def _choice_label(result: SearchResult) -> str:
    return f"{result.title} ({result.year})" if result.year else result.title


def _choice(result: SearchResult) -> Choice:
    kind = "Movie" if result.media_type == "movie" else "TV"
    suffix = f" · {kind}"
    status = MEDIA_STATUS_LABEL.get(result.status or 0)
    if status:
        suffix += f" · {status}"
    name = _choice_label(result)
    if len(name) + len(suffix) > CHOICE_NAME_MAX:
        name = name[: CHOICE_NAME_MAX - len(suffix) - 1] + "…"
    return Choice(name + suffix, f"{result.media_type}:{result.tmdb_id}")


def _digits(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    return None


def _from_media(status: int | None) -> RequestStatus:
    return {
        MEDIA_AVAILABLE: S.AVAILABLE,
        MEDIA_PARTIALLY_AVAILABLE: S.PARTIALLY_AVAILABLE,
        MEDIA_PROCESSING: S.APPROVED,
    }.get(status or 0, S.PENDING)


def _status_of(found: OverseerrRequest) -> RequestStatus:
    """An Overseerr request's status in our terms, ignoring availability."""
    return {
        REQUEST_PENDING: S.PENDING,
        REQUEST_APPROVED: S.APPROVED,
        REQUEST_DECLINED: S.DECLINED,
        REQUEST_FAILED: S.FAILED,
        REQUEST_COMPLETED: S.APPROVED,
    }.get(found.status, S.PENDING)


def _status_for(found: OverseerrRequest, seasons: Sequence[int] | None) -> RequestStatus:
    """Our status for an Overseerr request: its decision, then how much of the media is there."""
    decided = _status_of(found)
    if decided == S.DECLINED:
        return decided
    if found.media_type == "tv" and seasons and found.season_status:
        # A show is "partially available" as soon as any season is; ours may not be among them.
        return _seasons_status(found.season_status, seasons) or decided
    if found.media_status in (MEDIA_AVAILABLE, MEDIA_PARTIALLY_AVAILABLE):
        return _from_media(found.media_status)
    return decided


def _status_of_existing(
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
        return _status_for(found, row.seasons), found.id, None
    status = details.status_4k if row.is_4k else details.status
    if row.media_type == "tv" and row.seasons:
        seasons = details.season_status_4k if row.is_4k else details.season_status
        return _seasons_status(seasons, row.seasons) or _from_media(status), None, None
    return _from_media(status), None, None


def _seasons_status(statuses: dict[int, int], seasons: Sequence[int]) -> RequestStatus | None:
    """AVAILABLE when every asked season is on Plex, PARTIALLY_AVAILABLE when some are."""
    here = [statuses.get(n) for n in seasons]
    if all(s == MEDIA_AVAILABLE for s in here):
        return S.AVAILABLE
    if any(s in (MEDIA_AVAILABLE, MEDIA_PARTIALLY_AVAILABLE) for s in here):
        return S.PARTIALLY_AVAILABLE
    return None


def _progress(status: RequestStatus) -> int:
    order = [S.QUEUED, S.PENDING, S.FAILED, S.APPROVED, S.PARTIALLY_AVAILABLE, S.AVAILABLE]
    return order.index(status) if status in order else 0


def _already_requested(
    label: str,
    status: RequestStatus,
    own: bool,
    known: dict[str, Any],
    *,
    seasons: Sequence[int] = (),
) -> AlreadyRequested:
    text = STATUS_TEXT.get(status, str(status))
    follow = None
    if own:
        message = f"You already requested **{label}**: it's {text}."
    else:
        message = f"**{label}** has already been requested: it's {text}."
        follow = follow_id(known["media_type"], known["tmdb_id"], known["is_4k"], seasons)
    return AlreadyRequested(
        message, title=label, status=status, seasons=seasons, own=own, follow_id=follow, **known
    )


def wants_future(spec: str | None) -> bool:
    """Whether a seasons option asks for every future season too ("future")."""
    return " ".join((spec or "").replace("+", " ").casefold().split()) in FUTURE_SPECS


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


# -- approval cards -------------------------------------------------------------------------


def approval_buttons(overseerr_request_id: int) -> list[Button]:
    """Approve and Decline, with the stable custom ids the persistent handler matches."""
    return [
        Button("Approve", custom_id=f"approval:approve:{overseerr_request_id}", style="success"),
        Button("Decline", custom_id=f"approval:decline:{overseerr_request_id}", style="danger"),
    ]


async def card_row(card_id: int) -> ApprovalCard:
    return await ApprovalCard.get(id=card_id)


def card_view(card: ApprovalCard, message_id: int | None) -> ApprovalCardView:
    """A card as the message should read now: the decision appended, buttons gone once decided."""
    decision = CardDecision(card.decision) if card.decision is not None else None
    content = card.content
    buttons: tuple[Button, ...] = tuple(approval_buttons(card.overseerr_request_id))
    if decision is not None:
        content = f"{content}\n\n{_decision_line(card)}"[:2000]
        buttons = ()
    return ApprovalCardView(
        id=card.id,
        overseerr_request_id=card.overseerr_request_id,
        channel_id=card.channel_id,
        message_id=message_id,
        content=content,
        buttons=buttons,
        decision=decision,
        decided_by=card.decided_by,
        decided_by_name=card.decided_by_name,
        decided_at=card.decided_at,
        reason=card.reason,
    )


def _decided_how(card: ApprovalCard) -> str:
    """ "approved by <@1> <t:…:R>", "declined on Overseerr by alice <t:…:R>", …"""
    when = f" <t:{int(card.decided_at.timestamp())}:R>" if card.decided_at else ""
    if card.decision == CardDecision.WITHDRAWN:
        return f"withdrawn: it's no longer in Overseerr{when}"
    verb = "approved" if card.decision == CardDecision.APPROVED else "declined"
    if card.decided_by is not None:
        return f"{verb} by <@{card.decided_by}>{when}"
    if card.decided_by_name:
        return f"{verb} on Overseerr by {card.decided_by_name}{when}"
    return f"{verb} on Overseerr{when}"


def _decision_line(card: ApprovalCard) -> str:
    marks = {CardDecision.APPROVED: "✅", CardDecision.DECLINED: "❌"}
    how = _decided_how(card)
    line = f"{marks.get(CardDecision(card.decision), '🗑️')} {how[0].upper()}{how[1:]}"
    return f"{line}: {card.reason}" if card.reason else f"{line}."


def _already_decided(card: ApprovalCard) -> str:
    return f"Overseerr request #{card.overseerr_request_id} was already {_decided_how(card)}."


def _card_decision(found: OverseerrRequest) -> CardDecision | None:
    """What Overseerr's status means for a card; None while it is still pending."""
    if found.status == REQUEST_PENDING:
        return None
    if found.status == REQUEST_DECLINED:
        return CardDecision.DECLINED
    return CardDecision.APPROVED  # approved, completed, or failed after approval


async def _message_ids(cards: Sequence[ApprovalCard]) -> dict[str, int]:
    """The Discord message id of each card's outbox message that was delivered."""
    keys = [c.dedupe_key for c in cards]
    if not keys:
        return {}
    rows = await OutboxMessage.filter(dedupe_key__in=keys, message_id__not_isnull=True)
    return {r.dedupe_key: r.message_id for r in rows if r.message_id is not None}


async def _message_id(card: ApprovalCard) -> int | None:
    return (await _message_ids([card])).get(card.dedupe_key)
