"""Finding titles: autocomplete suggestions, what a member's text names, and 4K settings."""

from __future__ import annotations

import asyncio
import logging
import re

from cachetools import LRUCache, TTLCache

from bot.clients.overseerr import (
    MEDIA_AVAILABLE,
    MEDIA_BLOCKLISTED,
    MEDIA_PARTIALLY_AVAILABLE,
    MEDIA_PENDING,
    MEDIA_PROCESSING,
    FourK,
    MediaDetails,
    OverseerrClient,
    SearchResult,
)
from bot.errors import FeatureDisabled, InvalidInput, ServiceRejected, ServiceUnavailable
from bot.i18n import N_
from bot.services.requests.summaries import Choice

log = logging.getLogger(__name__)

SUGGEST_CACHE_SIZE = 256
FOUR_K_TTL = 300.0
MAX_CHOICES = 25
CHOICE_VALUE = re.compile(r"(movie|tv):(\d{1,9})")
TITLE_YEAR = re.compile(r"(.+?)\s*\((\d{4})\)")
MEDIA_STATUS_LABEL = {
    MEDIA_PENDING: N_("Requested"),
    MEDIA_PROCESSING: N_("Processing"),
    MEDIA_PARTIALLY_AVAILABLE: N_("Partially available"),
    MEDIA_AVAILABLE: N_("Available"),
    MEDIA_BLOCKLISTED: N_("Blocklisted"),
}


class Titles:
    """Suggests and resolves titles through Overseerr, with short-lived caches."""

    def __init__(self, overseerr: OverseerrClient, *, timeout: float, ttl: float) -> None:
        self.overseerr = overseerr
        self.timeout = timeout
        self._fresh: TTLCache[str, list[Choice]] = TTLCache(SUGGEST_CACHE_SIZE, ttl)
        # The last answer per query, kept past its TTL for when Overseerr is slow or down.
        self._last: LRUCache[str, list[Choice]] = LRUCache(SUGGEST_CACHE_SIZE)
        self._four_k: TTLCache[str, FourK] = TTLCache(1, FOUR_K_TTL)

    async def suggest(self, query: str) -> list[Choice]:
        """Up to 25 movies and shows for the query; [] (or the last answer) if Overseerr is slow."""
        key = " ".join(query.split()).casefold()
        if not key:
            return []
        fresh = self._fresh.get(key)
        if fresh is not None:
            self._last[key] = fresh
            return fresh
        try:
            results = await asyncio.wait_for(self.overseerr.search(key), self.timeout)
        except (TimeoutError, ServiceUnavailable, ServiceRejected) as exc:
            log.info("requests: suggestions for %r failed: %s", key, exc)
            return self._last.get(key, [])
        choices = [_choice(r) for r in results][:MAX_CHOICES]
        self._fresh[key] = self._last[key] = choices
        return choices

    def remembered(self, value: str) -> tuple[str, int | None] | None:
        """(title, year) of a choice value the autocomplete offered lately, if it is cached."""
        for choices in list(self._last.values()):
            for choice in choices:
                if choice.value == value:
                    name, year, _ = _parse_label(choice.name)
                    return name, year
        return None

    async def resolve(self, text: str, has_seasons: bool) -> MediaDetails | None:
        """The media a choice value or free text names; None when free text matches nothing."""
        match = CHOICE_VALUE.fullmatch(text)
        if match:
            return await self.details(match.group(1), int(match.group(2)))
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
            return await self.details(picked[0].media_type, picked[0].tmdb_id)
        names = ", ".join(_choice_label(r) for r in picked[:3])
        raise InvalidInput(
            N_(
                "Several titles match “{name}”: {names}. "
                "Pick one from the suggestions (or add the year)."
            ),
            name=name,
            names=names,
        )

    async def details(self, media_type: str, tmdb_id: int) -> MediaDetails:
        """The movie or show; an id TMDB doesn't know is InvalidInput."""
        try:
            return await self.overseerr.details(media_type, tmdb_id)
        except ServiceUnavailable as exc:
            # Overseerr answers an unknown TMDB id with a 500, like an outage of TMDB itself.
            if exc.detail != "HTTP 500":
                raise
            if media_type == "movie":
                text = N_(
                    "Overseerr couldn't load that movie (TMDB id {tmdb_id}). "
                    "Pick a title from the suggestions."
                )
            else:
                text = N_(
                    "Overseerr couldn't load that show (TMDB id {tmdb_id}). "
                    "Pick a title from the suggestions."
                )
            raise InvalidInput(text, tmdb_id=tmdb_id) from exc

    async def check_4k(self, media_type: str) -> None:
        """FeatureDisabled unless the server takes 4K requests for this media type."""
        four_k = self._four_k.get("settings")
        if four_k is None:
            four_k = self._four_k["settings"] = await self.overseerr.settings_4k_enabled()
        if not four_k.enabled_for(media_type):
            if media_type == "movie":
                raise FeatureDisabled(N_("4K requests for movies aren't enabled on this server."))
            raise FeatureDisabled(N_("4K requests for TV shows aren't enabled on this server."))


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
    kind = N_("Movie") if result.media_type == "movie" else N_("TV")
    status = MEDIA_STATUS_LABEL.get(result.status or 0)
    tags = (kind, status) if status else (kind,)
    return Choice.tagged(_choice_label(result), f"{result.media_type}:{result.tmdb_id}", tags)
