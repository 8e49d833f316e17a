"""The request services wired together in one place: `build_requests` and what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.clients.overseerr import OverseerrClient, OverseerrUser
from bot.i18n import Msg
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter
from bot.services.requests.accounts import Accounts
from bot.services.requests.approvals import Approvals
from bot.services.requests.cards import Cards
from bot.services.requests.checks import Checks
from bot.services.requests.delivery import Deliveries
from bot.services.requests.elsewhere import Elsewhere
from bot.services.requests.follow_notices import FollowerNotices
from bot.services.requests.following import Followed, Follows
from bot.services.requests.future import FutureSeasons
from bot.services.requests.listing import Listing
from bot.services.requests.prefs import Preferences
from bot.services.requests.progress import StatusUpdates
from bot.services.requests.quota import Quotas
from bot.services.requests.reviews import Reviews
from bot.services.requests.submission import Submission
from bot.services.requests.summaries import (
    ApprovalCardView,
    Choice,
    Decision,
    QuotaPreview,
    RequestView,
)
from bot.services.requests.titles import Titles
from bot.services.requests.tracking import Tracking
from bot.services.retry import RetryPolicy
from storage.models import MediaRequest

DELIVERY = RetryPolicy(base=30.0, cap=1800.0, jitter=0.25)


@dataclass(frozen=True)
class RequestOptions:
    """How media requests behave: rate, retries and autocomplete limits."""

    rate: str
    policy: RetryPolicy = DELIVERY
    batch: int = 20  # queued requests delivered per run of the retry job
    suggest_timeout: float = 2.5
    suggest_ttl: float = 60.0


@dataclass(frozen=True)
class RequestParts:
    """The services one Requests is made of, each given the collaborators it needs."""

    titles: Titles
    accounts: Accounts
    quotas: Quotas
    submission: Submission
    reviews: Reviews
    delivery: Deliveries
    tracking: Tracking
    cards: Cards
    progress: StatusUpdates
    approvals: Approvals
    follows: Follows
    listing: Listing


def wire_requests(
    overseerr: OverseerrClient,
    outbox: Outbox,
    limiter: RateLimiter,
    places: Places,
    options: RequestOptions,
) -> RequestParts:
    """Every request service, each given the collaborators it needs."""
    titles = Titles(overseerr, timeout=options.suggest_timeout, ttl=options.suggest_ttl)
    accounts = Accounts(overseerr)
    quotas = Quotas(overseerr, accounts)
    prefs = Preferences()
    progress = StatusUpdates(outbox, prefs)
    cards = Cards(outbox, places)
    follows = Follows(overseerr, outbox, prefs, FutureSeasons(accounts, quotas, outbox, prefs))
    checks = Checks(titles, accounts, quotas, follows)
    notices = FollowerNotices(outbox, prefs)
    delivery = Deliveries(
        overseerr,
        outbox,
        progress,
        cards,
        checks,
        notices,
        policy=options.policy,
        batch=options.batch,
    )
    reviews = Reviews(titles, progress, delivery, outbox, places)
    approvals = Approvals(overseerr, cards, accounts, progress, follows)
    return RequestParts(
        titles=titles,
        accounts=accounts,
        quotas=quotas,
        submission=Submission(checks, titles, reviews, follows, limiter, options.rate),
        reviews=reviews,
        delivery=delivery,
        tracking=Tracking(
            overseerr, progress, approvals, follows, Elsewhere(overseerr, progress), notices
        ),
        cards=cards,
        progress=progress,
        approvals=approvals,
        follows=follows,
        listing=Listing(),
    )


class Requests:
    """Media requests from Discord to Overseerr and their status back to the requester.

    Its parts are its own business: cogs, jobs, routes and tests call the methods below.
    """

    def __init__(self, parts: RequestParts) -> None:
        self._titles = parts.titles
        self._accounts = parts.accounts
        self._quotas = parts.quotas
        self._submission = parts.submission
        self._reviews = parts.reviews
        self._delivery = parts.delivery
        self._tracking = parts.tracking
        self._cards = parts.cards
        self._approvals = parts.approvals
        self._follows = parts.follows
        self._listing = parts.listing

    # What cogs, jobs and routes call: one level deep (the fields above are this feature's own).

    async def overseerr_account(self, plex_user_id: int) -> Msg:
        """How the Plex account maps to Overseerr, in words, for /account."""
        return await self._accounts.describe(plex_user_id)

    async def overseerr_user(self, plex_user_id: int) -> OverseerrUser:
        """The member's Overseerr user (cached); NoOverseerrAccount when there is none."""
        return await self._accounts.user(plex_user_id)

    async def submit(
        self,
        discord_id: int,
        plex_user_id: int,
        title: str,
        seasons: str | None,
        is_4k: bool,
        *,
        exempt: bool = False,
    ) -> MediaRequest:
        """Check and save a /request (QUEUED, or NEEDS_REVIEW); `deliver` sends it."""
        return await self._submission.prepare(
            discord_id, plex_user_id, title, seasons, is_4k, exempt=exempt
        )

    async def deliver(self, request_id: int) -> RequestView:
        """Send a saved request to Overseerr now (an outage leaves it queued)."""
        return await self._delivery.deliver(request_id)

    async def deliver_due(self) -> int:
        """The scheduler job: retry the queued requests that are due."""
        return await self._delivery.deliver_due()

    async def reconcile(self) -> int:
        """The scheduler job: catch up with Overseerr when webhooks were missed."""
        return await self._tracking.reconcile()

    async def handle_webhook(self, payload: Any) -> str:
        """One webhook from Overseerr (not ISSUE_*); returns what was done, for the log."""
        return await self._tracking.handle_webhook(payload)

    async def quota_preview(self, plex_user_id: int, media_type: str) -> QuotaPreview:
        """What one more request of this type leaves of the member's Overseerr quota."""
        return await self._quotas.preview(plex_user_id, media_type)

    async def suggest_titles(self, query: str) -> list[Choice]:
        """Autocomplete choices for /request."""
        return await self._titles.suggest(query)

    async def page(
        self, discord_id: int | None, page: int, per_page: int = 10
    ) -> tuple[list[RequestView], int]:
        """One page of /requests and the page count; None lists everyone's."""
        return await self._listing.page(discord_id, page, per_page)

    async def resolve_review(
        self, request_id: int, tmdb_id: int | None, media_type: str | None, admin_discord_id: int
    ) -> RequestView:
        """An admin's answer to a request that matched nothing (None: declined)."""
        return await self._reviews.resolve(request_id, tmdb_id, media_type, admin_discord_id)

    async def decide(
        self,
        overseerr_request_id: int,
        approve: bool,
        admin_discord_id: int,
        admin_plex_user_id: int | None,
        reason: str | None = None,
    ) -> Decision:
        """Approve or decline a pending request from its approval card."""
        return await self._approvals.decide(
            overseerr_request_id, approve, admin_discord_id, admin_plex_user_id, reason
        )

    async def cards_to_update(self) -> list[ApprovalCardView]:
        """Approval cards whose decision is not shown on their message yet."""
        return await self._cards.to_update()

    async def card_edited(self, card_id: int) -> None:
        """The card's message now shows its decision."""
        await self._cards.edited(card_id)

    async def pending_cards(self) -> list[ApprovalCardView]:
        """Approval cards still waiting for a decision, oldest first."""
        return await self._cards.pending()

    async def follow(
        self,
        discord_id: int,
        media_type: str,
        tmdb_id: int,
        seasons: Sequence[int] | None,
        is_4k: bool,
        *,
        future: bool = False,
    ) -> bool:
        """Follow a title (None: every season not on Plex yet); False when nothing was new."""
        return await self._follows.subscribe(
            discord_id, media_type, tmdb_id, seasons, is_4k, future=future
        )

    async def following(self, discord_id: int) -> list[Followed]:
        """What the member follows, for /following."""
        return await self._follows.following(discord_id)

    async def follow_by_id(self, discord_id: int, custom_id: str) -> bool:
        """A "Notify me" press; False when the member already followed it."""
        return await self._follows.subscribe_by_id(discord_id, custom_id)

    async def unfollow(self, discord_id: int, subscription_id: int) -> bool:
        """A Stop press in /following; False when it was already gone."""
        return await self._follows.unsubscribe(discord_id, subscription_id)


def build_requests(
    overseerr: OverseerrClient,
    outbox: Outbox,
    limiter: RateLimiter,
    places: Places,
    options: RequestOptions,
) -> Requests:
    """The request feature, built complete."""
    return Requests(wire_requests(overseerr, outbox, limiter, places, options))
