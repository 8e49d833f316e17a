"""Media requests: suggest titles, validate and save a request, deliver it to Overseerr once.

Each module has one job: `titles` (autocomplete and what text names), `accounts`
(Overseerr users), `quota`, `submission` (validate and save), `reviews` (requests that
match nothing), `delivery` (exactly-once submission), `tracking` (webhooks and the poll),
`progress` (moving a request forward and its DMs), `cards` and `approvals` (Approve and
Decline), `following` ("Notify me"), `listing`, `summaries` (what the cogs show), and
`bundle`, which wires them together.
"""

from __future__ import annotations

from bot.services.requests.bundle import RequestOptions, Requests, build_requests
from bot.services.requests.errors import (
    AlreadyAvailable,
    AlreadyDecided,
    AlreadyKnown,
    AlreadyRequested,
    CardNotFound,
    InvalidWebhook,
    NoOverseerrAccount,
    NothingToFollow,
    QuotaExceeded,
    RequestAlreadyHandled,
    RequestNotFound,
)
from bot.services.requests.follow_ids import FollowTarget, follow_id, parse_follow_id
from bot.services.requests.seasons import SEASON_HELP, format_seasons, parse_seasons
from bot.services.requests.summaries import (
    ApprovalCardView,
    Choice,
    Decision,
    QuotaPreview,
    RequestView,
)

__all__ = [
    "SEASON_HELP",
    "AlreadyAvailable",
    "AlreadyDecided",
    "AlreadyKnown",
    "AlreadyRequested",
    "ApprovalCardView",
    "CardNotFound",
    "Choice",
    "Decision",
    "FollowTarget",
    "InvalidWebhook",
    "NoOverseerrAccount",
    "NothingToFollow",
    "QuotaExceeded",
    "QuotaPreview",
    "RequestAlreadyHandled",
    "RequestNotFound",
    "RequestOptions",
    "RequestView",
    "Requests",
    "build_requests",
    "follow_id",
    "format_seasons",
    "parse_follow_id",
    "parse_seasons",
]
