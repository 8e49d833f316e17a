"""What Overseerr must confirm before a request is saved, or a queued one is sent.

Title, seasons and 4K, the member's Overseerr account, that it is not already there or
requested (`AlreadyAvailable`/`AlreadyRequested`), and the Overseerr quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.clients.overseerr import (
    MEDIA_AVAILABLE,
    MEDIA_BLOCKLISTED,
    MEDIA_DELETED,
    MEDIA_PARTIALLY_AVAILABLE,
    MEDIA_PENDING,
    MEDIA_PROCESSING,
    MEDIA_UNKNOWN,
    REQUEST_DECLINED,
    MediaDetails,
)
from bot.errors import InvalidInput
from bot.i18n import N_, Msg
from bot.services.requests.accounts import Accounts
from bot.services.requests.errors import AlreadyAvailable, AlreadyKnown, AlreadyRequested
from bot.services.requests.follow_ids import follow_id
from bot.services.requests.following import Follows
from bot.services.requests.quota import Quotas
from bot.services.requests.seasons import parse_seasons, wants_future
from bot.services.requests.statuses import from_media, progress, status_of
from bot.services.requests.summaries import STATUS_TEXT, label
from bot.services.requests.titles import Titles
from storage.models import MediaRequest, RequestStatus

S = RequestStatus


class Checks:
    """Runs the checks against Overseerr; raises the user-facing reason when one fails."""

    def __init__(
        self, titles: Titles, accounts: Accounts, quotas: Quotas, follows: Follows
    ) -> None:
        self.titles = titles
        self.accounts = accounts
        self.quotas = quotas
        self.follows = follows

    async def run(
        self,
        discord_id: int,
        plex_user_id: int,
        text: str,
        spec: str | None,
        is_4k: bool,
        *,
        queued_id: int | None = None,
    ) -> Checked:
        """Everything Overseerr must confirm before a request is saved (or, queued, sent).

        `queued_id`: the queued request being checked, which must not count as a duplicate.
        """
        details = await self.titles.resolve(text, spec is not None)
        wanted: list[int] | None = None
        future = False
        if details is not None:
            if details.media_type == "tv":
                wanted = parse_seasons(spec, details.seasons, details.title)
                future = wants_future(spec)
            if is_4k:
                await self.titles.check_4k(details.media_type)
        user = await self.accounts.user(plex_user_id)
        if details is not None:
            try:
                wanted = await _check_not_known(
                    details, wanted, is_4k, discord_id, user.id, queued_id
                )
            except AlreadyKnown as known:
                if future:
                    await self.follows.follow_future(details, discord_id, is_4k)
                    known.add(Msg("I'll DM you when a new season arrives."))
                raise
            need = len(wanted or []) if details.media_type == "tv" else 1
            await self.quotas.check(user.id, details.media_type, need)
        return Checked(details, wanted, future, user.id)


@dataclass(frozen=True)
class Checked:
    """What the checks found: the media (None: free text matching nothing) and the user."""

    details: MediaDetails | None
    seasons: list[int] | None
    future: bool
    user_id: int


async def _check_not_known(
    details: MediaDetails,
    wanted: list[int] | None,
    is_4k: bool,
    discord_id: int,
    overseerr_user_id: int,
    queued_id: int | None = None,
) -> list[int] | None:
    """Raise AlreadyAvailable/AlreadyRequested; for TV, return the seasons still to ask for."""
    name = label(details.title, details.year, is_4k, None)
    known: dict[str, Any] = {
        "media_type": details.media_type,
        "tmdb_id": details.tmdb_id,
        "is_4k": is_4k,
    }
    status = details.status_4k if is_4k else details.status
    if status == MEDIA_BLOCKLISTED:
        raise InvalidInput(
            N_("**{name}** is blocklisted on this server, so it can't be requested."), name=name
        )
    live = [r for r in details.requests if r.is_4k == is_4k and r.status != REQUEST_DECLINED]
    queued = await MediaRequest.filter(
        media_type=details.media_type, tmdb_id=details.tmdb_id, is_4k=is_4k, status=S.QUEUED
    ).exclude(id=queued_id or 0)
    if details.media_type == "movie":
        if status == MEDIA_AVAILABLE:
            raise AlreadyAvailable(
                Msg("**{name}** is already on Plex. Enjoy!", name=name),
                title=name,
                status=S.AVAILABLE,
                **known,
            )
        mine = any(r.requested_by == overseerr_user_id for r in live) or any(
            q.discord_id == discord_id for q in queued
        )
        if live or queued:
            current = status_of(live[-1]) if live else S.QUEUED
            raise _already_requested(name, current, mine, known)
        if status in (MEDIA_PENDING, MEDIA_PROCESSING, MEDIA_PARTIALLY_AVAILABLE):
            raise _already_requested(name, from_media(status), False, known)
        return None
    asked = list(wanted or [])
    seasons_status = details.season_status_4k if is_4k else details.season_status
    taken: dict[int, RequestStatus] = {}
    mine_seasons: set[int] = set()
    for number, season_status in seasons_status.items():
        if season_status not in (MEDIA_UNKNOWN, MEDIA_DELETED):
            taken[number] = from_media(season_status)
    if status == MEDIA_AVAILABLE and not seasons_status:
        taken.update(dict.fromkeys(asked, S.AVAILABLE))
    for r in live:
        for number in r.seasons:
            taken.setdefault(number, status_of(r))
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
    seasons_label = label(details.title, details.year, is_4k, asked)
    if states == {S.AVAILABLE}:
        raise AlreadyAvailable(
            Msg("**{name}** is already on Plex. Enjoy!", name=seasons_label),
            title=name,
            status=S.AVAILABLE,
            seasons=asked,
            **known,
        )
    current = min(states - {S.AVAILABLE}, key=progress)
    own = bool(mine_seasons & set(asked))
    raise _already_requested(seasons_label, current, own, known, seasons=asked)


def _already_requested(
    name: str,
    status: RequestStatus,
    own: bool,
    known: dict[str, Any],
    *,
    seasons: Sequence[int] = (),
) -> AlreadyRequested:
    text = Msg(STATUS_TEXT.get(status, str(status)))
    follow = None
    if own:
        message = Msg("You already requested **{name}**: it's {status}.", name=name, status=text)
    else:
        message = Msg(
            "**{name}** has already been requested: it's {status}.", name=name, status=text
        )
        follow = follow_id(known["media_type"], known["tmdb_id"], known["is_4k"], seasons)
    return AlreadyRequested(
        message, title=name, status=status, seasons=seasons, own=own, follow_id=follow, **known
    )
