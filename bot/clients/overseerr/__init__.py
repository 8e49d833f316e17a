"""Overseerr / Jellyseerr / Seerr API v1: the client, what it returns, and the wire models."""

from __future__ import annotations

from bot.clients.overseerr.client import USER_PAGE, OverseerrClient, parse_request
from bot.clients.overseerr.data import (
    MEDIA_AVAILABLE,
    MEDIA_BLOCKLISTED,
    MEDIA_DELETED,
    MEDIA_PARTIALLY_AVAILABLE,
    MEDIA_PENDING,
    MEDIA_PROCESSING,
    MEDIA_TYPES,
    MEDIA_UNKNOWN,
    REQUEST_APPROVED,
    REQUEST_COMPLETED,
    REQUEST_DECLINED,
    REQUEST_FAILED,
    REQUEST_PENDING,
    FourK,
    MediaDetails,
    OverseerrRequest,
    OverseerrUser,
    Quota,
    QuotaEntry,
    SearchResult,
)
from bot.clients.overseerr.models import SERVICE, BadAnswer, WebhookBody

__all__ = [
    "MEDIA_AVAILABLE",
    "MEDIA_BLOCKLISTED",
    "MEDIA_DELETED",
    "MEDIA_PARTIALLY_AVAILABLE",
    "MEDIA_PENDING",
    "MEDIA_PROCESSING",
    "MEDIA_TYPES",
    "MEDIA_UNKNOWN",
    "REQUEST_APPROVED",
    "REQUEST_COMPLETED",
    "REQUEST_DECLINED",
    "REQUEST_FAILED",
    "REQUEST_PENDING",
    "SERVICE",
    "USER_PAGE",
    "BadAnswer",
    "FourK",
    "MediaDetails",
    "OverseerrClient",
    "OverseerrRequest",
    "OverseerrUser",
    "Quota",
    "QuotaEntry",
    "SearchResult",
    "WebhookBody",
    "parse_request",
]
