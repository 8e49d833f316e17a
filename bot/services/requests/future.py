""" "All future seasons": a season that appears in Overseerr is requested for the member.

The request is made as the member's own Overseerr user through the usual delivery (saved
QUEUED, then submitted exactly once), after the quota check; each new season is claimed
once, so the webhook and the poll can't both request it.
"""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError

from bot.clients.overseerr import MEDIA_DELETED, MEDIA_UNKNOWN, REQUEST_DECLINED, MediaDetails
from bot.errors import DependencyError
from bot.i18n import Msg
from bot.services.outbox import Outbox
from bot.services.requests.accounts import Accounts
from bot.services.requests.errors import NoOverseerrAccount, QuotaExceeded
from bot.services.requests.prefs import Preferences
from bot.services.requests.quota import Quotas
from bot.services.requests.seasons import format_seasons
from bot.services.requests.summaries import now
from storage.models import KeyValue, MediaRequest, PlexLink, RequestStatus, Subscription

log = logging.getLogger(__name__)
S = RequestStatus


class FutureSeasons:
    """Requests the new seasons of a show a member follows "for every future season"."""

    def __init__(
        self, accounts: Accounts, quotas: Quotas, outbox: Outbox, prefs: Preferences
    ) -> None:
        self.accounts = accounts
        self.quotas = quotas
        self.outbox = outbox
        self.prefs = prefs

    async def request_new(self, sub: Subscription, details: MediaDetails) -> int:
        """Request the seasons that did not exist when the member subscribed; returns DMs."""
        known = set(sub.known_seasons or [])
        new = [n for n in details.seasons if n > 0 and n not in known]
        wanted = [n for n in new if n not in await _taken(details, sub.is_4k)]
        if not wanted:
            return 0
        link = await PlexLink.filter(member__discord_id=sub.discord_id).first()
        if link is None:
            return 0  # not linked: the DM on arrival is all we can do
        name = f"{sub.title} ({sub.year})" if sub.year else sub.title
        seasons = format_seasons(wanted)
        try:
            user = await self.accounts.user(link.plex_user_id)
            await self.quotas.check(user.id, "tv", len(wanted))
        except NoOverseerrAccount:
            return 0
        except QuotaExceeded as exc:
            if not await self.prefs.wants(sub.discord_id, "followed_media"):
                return 0
            text = Msg(
                "A new season of **{name}** is out ({seasons}), but I couldn't request it: "
                "{reason}",
                name=name,
                seasons=seasons,
                reason=exc.msg,
            )
            key = f"future:{sub.id}:{seasons}:quota"
            return int(await self.outbox.dm(key, sub.discord_id, text))
        except DependencyError as exc:
            log.info("follow: new seasons of %s wait for Overseerr: %s", sub.tmdb_id, exc)
            return 0
        try:
            claim = f"future:{sub.id}:{'-'.join(map(str, wanted))}"[:64]
            await KeyValue.create(key=claim, value=str(sub.discord_id))
        except IntegrityError:
            return 0
        row = await MediaRequest.create(
            discord_id=sub.discord_id,
            media_type="tv",
            tmdb_id=details.tmdb_id,
            title=details.title[:500],
            year=details.year,
            seasons=wanted,
            season_spec="future",
            is_4k=sub.is_4k,
            status=S.QUEUED,
            overseerr_user_id=user.id,
            plex_user_id=link.plex_user_id,
            next_attempt_at=now(),
        )
        await Subscription.filter(id=sub.id).update(known_seasons=sorted(known | set(wanted)))
        sub.known_seasons = sorted(known | set(wanted))
        log.info("follow: requested %s of %s for %s as %s", seasons, name, sub.discord_id, row.id)
        if not await self.prefs.wants(sub.discord_id, "followed_media"):
            return 0
        text = Msg(
            "A new season of **{name}** is out ({seasons}): I've requested it for you. "
            "I'll DM you when it's on Plex.",
            name=name,
            seasons=seasons,
        )
        return int(await self.outbox.dm(f"future:{sub.id}:{row.id}", sub.discord_id, text))


async def _taken(details: MediaDetails, is_4k: bool) -> set[int]:
    """Seasons already there, requested in Overseerr, or queued here: not to request again."""
    statuses = details.season_status_4k if is_4k else details.season_status
    taken = {n for n, s in statuses.items() if s not in (MEDIA_UNKNOWN, MEDIA_DELETED)}
    for r in details.requests:
        if r.is_4k == is_4k and r.status != REQUEST_DECLINED:
            taken.update(r.seasons)
    queued = await MediaRequest.filter(
        media_type="tv", tmdb_id=details.tmdb_id, is_4k=is_4k, status=S.QUEUED
    )
    for row in queued:
        taken.update(row.seasons or [])
    return taken
