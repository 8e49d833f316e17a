"""Following media: "Notify me" on titles someone else requested, and all future seasons.

Webhooks name only the requester, so subscriptions are matched to events by media (TMDB
id and type, the season for TV, and 4K), never by request id. `check` reads the media's
state from Overseerr (`GET /movie|tv/{id}`: its status, per-season statuses and requests)
and settles what it can: each subscriber is DMed once per event (the outbox key names the
subscription, its media, season and the event), then the subscription is deleted. A
"future seasons" subscription (season SEASON_FUTURE) stays until unsubscribed: it DMs each
season that did not exist when it was made, once that season is on Plex.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from bot.clients.overseerr import (
    MEDIA_AVAILABLE,
    REQUEST_DECLINED,
    REQUEST_FAILED,
    MediaDetails,
    OverseerrClient,
)
from bot.errors import DependencyError, InvalidInput, ServiceRejected
from bot.i18n import N_, Msg
from bot.services.outbox import Outbox
from bot.services.requests.cards import decline_reason
from bot.services.requests.errors import NothingToFollow
from bot.services.requests.follow_ids import parse_follow_id
from bot.services.requests.future import FutureSeasons
from bot.services.requests.prefs import Preferences
from bot.services.requests.summaries import label_msg
from storage.models import SEASON_FUTURE, SEASON_WHOLE, MediaRequest, RequestStatus, Subscription

log = logging.getLogger(__name__)

S = RequestStatus
# A user's own requests in these states already bring them the DMs a subscription would.
OWN_OPEN = (S.QUEUED, S.PENDING, S.APPROVED, S.PARTIALLY_AVAILABLE, S.FAILED)


@dataclass(frozen=True)
class Followed:
    """One subscription as `/following` shows it."""

    id: int
    media_type: str
    tmdb_id: int
    season: int | None  # None for a movie or for every future season
    future: bool
    is_4k: bool
    title: str
    year: int | None
    created_at: datetime

    @property
    def label(self) -> str:
        """ "Title (Year)", with the season (or "every new season") and "in 4K"."""
        text = f"{self.title} ({self.year})" if self.year else self.title
        if self.future:
            text += ", every new season"
        elif self.season is not None:
            text += f", season {self.season}"
        return text + (" in 4K" if self.is_4k else "")

    @property
    def label_msg(self) -> Msg:
        """`label` in the reader's language."""
        if self.future:
            text = Msg(
                "{title}, every new season", title=label_msg(self.title, self.year, False, None)
            )
        else:
            seasons = [self.season] if self.season is not None else None
            text = label_msg(self.title, self.year, False, seasons)
        return Msg("{title} in 4K", title=text) if self.is_4k else text


def followed(row: Subscription) -> Followed:
    """The plain view of a subscription."""
    season = row.season if row.season >= 0 else None
    return Followed(
        id=row.id,
        media_type=row.media_type,
        tmdb_id=row.tmdb_id,
        season=season,
        future=row.season == SEASON_FUTURE,
        is_4k=row.is_4k,
        title=row.title,
        year=row.year,
        created_at=row.created_at,
    )


class Follows:
    """Subscribe, list, unsubscribe, and tell subscribers what happened to their media."""

    def __init__(
        self, overseerr: OverseerrClient, outbox: Outbox, prefs: Preferences, future: FutureSeasons
    ) -> None:
        self.overseerr = overseerr
        self.outbox = outbox
        self.prefs = prefs
        self.future = future

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
        """Follow a movie, some seasons (None: every one not on Plex yet) and maybe future ones.

        False when nothing new was followed (already following, or it's the user's own
        request); NothingToFollow when it is all on Plex already.
        """
        if media_type not in ("movie", "tv"):
            raise InvalidInput(N_("Only movies and TV shows can be followed."))
        details = await self.overseerr.details(media_type, int(tmdb_id))
        return await self.subscribe_to(details, discord_id, seasons, is_4k, future=future)

    async def subscribe_to(
        self,
        details: MediaDetails,
        discord_id: int,
        seasons: Sequence[int] | None,
        is_4k: bool,
        *,
        future: bool = False,
    ) -> bool:
        """`subscribe` with the media already loaded from Overseerr."""
        name = f"{details.title} ({details.year})" if details.year else details.title
        mine = await self._own(discord_id, details, is_4k)
        if details.media_type == "movie":
            if (details.status_4k if is_4k else details.status) == MEDIA_AVAILABLE:
                raise NothingToFollow(
                    N_("**{name}** is already on Plex, so there's nothing to follow."), name=name
                )
            if SEASON_WHOLE in mine:
                return False
            return await self._add(discord_id, details, SEASON_WHOLE, is_4k)
        here = available_seasons(details, is_4k)
        regular = [n for n in details.seasons if n > 0]
        asked = sorted(set(seasons)) if seasons else regular
        unknown = sorted(set(asked) - set(details.seasons))
        if unknown:
            raise InvalidInput(
                N_("{title} has no season {number}."), title=details.title, number=unknown[0]
            )
        missing = [n for n in asked if n not in here]
        if not missing and not future:
            raise NothingToFollow(
                N_(
                    "**{name}** is already on Plex (those seasons at least), so there's nothing "
                    "to follow."
                ),
                name=name,
            )
        created = False
        for number in missing:
            if number not in mine:
                created = await self._add(discord_id, details, number, is_4k) or created
        if future:
            created = await self.follow_future(details, discord_id, is_4k) or created
        return created

    async def follow_future(self, details: MediaDetails, discord_id: int, is_4k: bool) -> bool:
        """Remember "all future seasons": DM each season that doesn't exist yet once it's on Plex.

        False when the user already follows the show's future seasons.
        """
        return await self._add(discord_id, details, SEASON_FUTURE, is_4k, details.seasons)

    async def _own(self, discord_id: int, details: MediaDetails, is_4k: bool) -> set[int]:
        """What the user's own open requests cover: seasons, or {SEASON_WHOLE} for a movie."""
        rows = await MediaRequest.filter(
            discord_id=discord_id,
            media_type=details.media_type,
            tmdb_id=details.tmdb_id,
            is_4k=is_4k,
            status__in=OWN_OPEN,
        )
        if details.media_type == "movie":
            return {SEASON_WHOLE} if rows else set()
        return {n for row in rows for n in row.seasons or []}

    async def _add(
        self,
        discord_id: int,
        details: MediaDetails,
        season: int,
        is_4k: bool,
        known: Sequence[int] | None = None,
    ) -> bool:
        try:
            await Subscription.create(
                discord_id=discord_id,
                media_type=details.media_type,
                tmdb_id=details.tmdb_id,
                season=season,
                is_4k=is_4k,
                title=details.title[:500],
                year=details.year,
                known_seasons=list(known) if known is not None else None,
            )
        except IntegrityError:
            return False
        log.info(
            "follow: %s follows %s:%s season %s",
            discord_id,
            details.media_type,
            details.tmdb_id,
            season,
        )
        return True

    async def subscribe_by_id(self, discord_id: int, custom_id: str) -> bool:
        """Follow what a "Notify me" button's custom id (`follow:…`) names."""
        target = parse_follow_id(custom_id)
        if target is None:
            raise InvalidInput(N_("That button doesn't name anything to follow."))
        return await self.subscribe(
            discord_id,
            target.media_type,
            target.tmdb_id,
            target.seasons,
            target.is_4k,
            future=target.future,
        )

    async def unsubscribe(self, discord_id: int, subscription_id: int) -> bool:
        """Stop following; False when there was no such subscription of this user."""
        deleted = await Subscription.filter(id=subscription_id, discord_id=discord_id).delete()
        return bool(deleted)

    async def following(self, discord_id: int) -> list[Followed]:
        """The user's subscriptions, oldest first."""
        rows = await Subscription.filter(discord_id=discord_id).order_by("created_at", "id")
        return [followed(r) for r in rows]

    async def check_media(self, media_type: str, tmdb_id: int) -> int:
        """After an event on this media: settle its subscriptions (no call when there are none)."""
        if not await Subscription.filter(media_type=media_type, tmdb_id=tmdb_id).exists():
            return 0
        return await self.check(await self.overseerr.details(media_type, tmdb_id))

    async def try_check_media(self, media_type: str, tmdb_id: int) -> int:
        """`check_media`, leaving it to the poll when Overseerr doesn't answer."""
        try:
            return await self.check_media(media_type, tmdb_id)
        except DependencyError as exc:
            log.info("follow: %s:%s waits for the poll: %s", media_type, tmdb_id, exc)
            return 0

    async def check_all(self) -> int:
        """The poll: settle every followed media from Overseerr's state; returns DMs queued."""
        pairs = await Subscription.all().distinct().values_list("media_type", "tmdb_id")
        told = 0
        for media_type, tmdb_id in sorted(set(pairs)):
            try:
                details = await self.overseerr.details(media_type, tmdb_id)
            except ServiceRejected as exc:
                log.warning("follow: can't check %s:%s: %s", media_type, tmdb_id, exc)
                continue
            told += await self.check(details)
        return told

    async def check(self, details: MediaDetails) -> int:
        """Tell the media's subscribers what happened, once each; returns DMs queued."""
        subs = await Subscription.filter(
            media_type=details.media_type, tmdb_id=details.tmdb_id
        ).order_by("id")
        if not subs:
            return 0
        queued = await MediaRequest.filter(
            media_type=details.media_type, tmdb_id=details.tmdb_id, status=S.QUEUED
        )
        told = 0
        for sub in subs:
            if sub.season == SEASON_FUTURE:
                told += await self.future.request_new(sub, details)
                told += await self._new_seasons(sub, details)
                continue
            outcome, request_id = _outcome(details, sub, queued)
            if outcome is None:
                continue
            # DM first, then delete: a crash in between repeats the DM's key, not the DM.
            told += await self._tell(sub, outcome, request_id)
            await Subscription.filter(id=sub.id).delete()
        return told

    async def _tell(self, sub: Subscription, outcome: RequestStatus, request_id: int | None) -> int:
        label = followed(sub).label_msg
        if outcome == S.AVAILABLE:
            text = Msg("**{name}** is now on Plex. Enjoy!", name=label)
        elif outcome == S.DECLINED:
            reason = await decline_reason(request_id)
            if reason:
                text = Msg(
                    "The request for **{name}** that you follow was declined: {reason}",
                    name=label,
                    reason=reason,
                )
            else:
                text = Msg("The request for **{name}** that you follow was declined.", name=label)
        else:
            text = Msg(
                "The request for **{name}** that you follow failed in Overseerr. "
                "An admin can retry it.",
                name=label,
            )
        if not await self.prefs.wants(sub.discord_id, "followed_media"):
            return 0
        return int(await self.outbox.dm(_key(sub, outcome), sub.discord_id, text))

    async def _new_seasons(self, sub: Subscription, details: MediaDetails) -> int:
        """DM each season that did not exist when the user subscribed and is now on Plex."""
        known = set(sub.known_seasons or [])
        name = f"{sub.title} ({sub.year})" if sub.year else sub.title
        quality = Msg(" in 4K") if sub.is_4k else ""
        # Only a season's own status counts: a show still marked available as a whole has
        # not been scanned since its new season was announced.
        statuses = details.season_status_4k if sub.is_4k else details.season_status
        told = 0
        if not await self.prefs.wants(sub.discord_id, "followed_media"):
            return 0
        for number, status in sorted(statuses.items()):
            if status == MEDIA_AVAILABLE and number > 0 and number not in known:
                text = Msg(
                    "A new season is on Plex: **{name}, season {number}{quality}**. Enjoy!",
                    name=name,
                    number=number,
                    quality=quality,
                )
                key = _key(sub, S.AVAILABLE, number)
                told += int(await self.outbox.dm(key, sub.discord_id, text))
        return told


def available_seasons(details: MediaDetails, is_4k: bool) -> set[int]:
    """The seasons on Plex (all of them when the whole show is and no seasons are listed)."""
    statuses = details.season_status_4k if is_4k else details.season_status
    if not statuses and (details.status_4k if is_4k else details.status) == MEDIA_AVAILABLE:
        return set(details.seasons)
    return {n for n, status in statuses.items() if status == MEDIA_AVAILABLE}


def _outcome(
    details: MediaDetails, sub: Subscription, queued: Sequence[MediaRequest]
) -> tuple[RequestStatus | None, int | None]:
    """(available | declined | failed, the deciding request id) or (None, None) to keep waiting."""
    if sub.season == SEASON_WHOLE:
        status = details.status_4k if sub.is_4k else details.status
        if status == MEDIA_AVAILABLE:
            return S.AVAILABLE, None
        covering = [r for r in details.requests if r.is_4k == sub.is_4k]
        waiting = any(q.is_4k == sub.is_4k for q in queued)
    else:
        if sub.season in available_seasons(details, sub.is_4k):
            return S.AVAILABLE, None
        covering = [r for r in details.requests if r.is_4k == sub.is_4k and sub.season in r.seasons]
        waiting = any(q.is_4k == sub.is_4k and sub.season in (q.seasons or []) for q in queued)
    # Someone's request is still alive (or ours is on its way): keep waiting.
    if waiting or not covering:
        return None, None
    if any(r.status not in (REQUEST_DECLINED, REQUEST_FAILED) for r in covering):
        return None, None
    newest = max(covering, key=lambda r: r.id)
    return (S.DECLINED if newest.status == REQUEST_DECLINED else S.FAILED), newest.id


def _key(sub: Subscription, event: RequestStatus, season: int | None = None) -> str:
    """The outbox key: one DM per subscriber, media, season and event."""
    which = season if season is not None else sub.season
    quality = "4k" if sub.is_4k else "hd"
    return (
        f"follow:{sub.id}:{sub.discord_id}:{sub.media_type}:{sub.tmdb_id}:{which}:{quality}:{event}"
    )
