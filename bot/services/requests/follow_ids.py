"""The custom id of a "Notify me" button: what it follows, in at most 100 characters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.requests.seasons import parse_runs, season_runs

CUSTOM_ID_MAX = 100  # Discord's limit for a component's custom id
FOLLOW_ID = re.compile(r"follow:(movie|tv):(\d{1,9}):([01]):(all|future|[\d,\-]{1,80})")


@dataclass(frozen=True)
class FollowTarget:
    """What a "Notify me" button follows; `seasons` None means every season not on Plex yet."""

    media_type: str
    tmdb_id: int
    is_4k: bool = False
    seasons: tuple[int, ...] | None = None
    future: bool = False

    @property
    def custom_id(self) -> str:
        return follow_id(
            self.media_type, self.tmdb_id, self.is_4k, self.seasons, future=self.future
        )


def follow_id(
    media_type: str,
    tmdb_id: int,
    is_4k: bool,
    seasons: Sequence[int] | None = None,
    *,
    future: bool = False,
) -> str:
    """`follow:{movie|tv}:{tmdb id}:{4k 0|1}:{seasons|all|future}`, at most 100 characters.

    Seasons too scattered to fit become "all" (every season not on Plex yet).
    """
    head = f"follow:{media_type}:{int(tmdb_id)}:{int(bool(is_4k))}:"
    part = "all"
    if future:
        part = "future"
    elif media_type == "tv" and seasons:
        runs = season_runs(seasons)
        if len(head) + len(runs) <= CUSTOM_ID_MAX and len(runs) <= 80:
            part = runs
    return head + part


def parse_follow_id(custom_id: str) -> FollowTarget | None:
    """The target a `follow:` custom id names; None when it is not one."""
    match = FOLLOW_ID.fullmatch(custom_id)
    if not match:
        return None
    media_type, tmdb_id, quality, part = match.groups()
    seasons: tuple[int, ...] | None = None
    if part not in ("all", "future"):
        if media_type != "tv" or not parse_runs(part):
            return None
        seasons = tuple(parse_runs(part))
    return FollowTarget(media_type, int(tmdb_id), quality == "1", seasons, part == "future")
