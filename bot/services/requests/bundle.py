"""The request services wired together in one place: `build_requests` and what it returns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clients.overseerr import OverseerrClient
from bot.i18n import Msg
from bot.services.outbox import Outbox
from bot.services.ratelimit import RateLimiter
from bot.services.requests.accounts import Accounts
from bot.services.requests.approvals import Approvals
from bot.services.requests.cards import Cards
from bot.services.requests.checks import Checks
from bot.services.requests.delivery import Deliveries
from bot.services.requests.elsewhere import Elsewhere
from bot.services.requests.follow_notices import FollowerNotices
from bot.services.requests.following import Subscriptions
from bot.services.requests.future import FutureSeasons
from bot.services.requests.listing import Listing
from bot.services.requests.prefs import Preferences
from bot.services.requests.progress import Progress
from bot.services.requests.quota import Quotas
from bot.services.requests.reviews import Reviews
from bot.services.requests.submission import Submission
from bot.services.requests.titles import Titles
from bot.services.requests.tracking import Tracking
from bot.services.retry import RetryPolicy

DELIVERY = RetryPolicy(base=30.0, cap=1800.0, jitter=0.25)


@dataclass(frozen=True)
class RequestOptions:
    """How media requests behave: rate, channels, retries and autocomplete limits."""

    rate: str
    notify_channel_id: int | None = None  # "now on Plex" announcements
    review_channel_id: int | None = None  # requests that match nothing
    approval_channel_id: int | None = None  # approval cards; the review channel when None
    policy: RetryPolicy = DELIVERY
    batch: int = 20  # queued requests delivered per run of the retry job
    suggest_timeout: float = 2.5
    suggest_ttl: float = 60.0


@dataclass(frozen=True)
class Requests:
    """Media requests from Discord to Overseerr and their status back to the requester."""

    overseerr: OverseerrClient
    titles: Titles
    accounts: Accounts
    quotas: Quotas
    submission: Submission
    reviews: Reviews
    delivery: Deliveries
    tracking: Tracking
    cards: Cards
    progress: Progress
    approvals: Approvals
    follows: Subscriptions
    listing: Listing
    prefs: Preferences

    def set_channels(self, notify: int | None, review: int | None, approvals: int | None) -> None:
        """Post announcements, reviews and approval cards to these channels from now on."""
        self.progress.notify_channel_id = notify
        self.reviews.channel_id = review
        self.cards.channel_id = approvals

    async def overseerr_account(self, plex_user_id: int) -> Msg:
        """How the Plex account maps to Overseerr, in words, for /account."""
        return await self.accounts.describe(plex_user_id)


def build_requests(
    overseerr: OverseerrClient, outbox: Outbox, limiter: RateLimiter, options: RequestOptions
) -> Requests:
    """Every request service, each given the collaborators it needs."""
    approval_channel = options.approval_channel_id
    if approval_channel is None:
        approval_channel = options.review_channel_id
    titles = Titles(overseerr, timeout=options.suggest_timeout, ttl=options.suggest_ttl)
    accounts = Accounts(overseerr)
    quotas = Quotas(overseerr, accounts)
    prefs = Preferences()
    progress = Progress(outbox, prefs, options.notify_channel_id)
    cards = Cards(outbox, approval_channel)
    follows = Subscriptions(
        overseerr, outbox, prefs, FutureSeasons(accounts, quotas, outbox, prefs)
    )
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
    reviews = Reviews(titles, progress, delivery, outbox, options.review_channel_id)
    approvals = Approvals(overseerr, cards, accounts, progress, follows)
    return Requests(
        overseerr=overseerr,
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
        prefs=prefs,
    )
