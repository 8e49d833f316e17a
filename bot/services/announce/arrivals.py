"""What arrived in Plex since the last check, from each library's recently-added list.

Each library keeps a mark in `key_value` (`new_on_plex.seen.<key>`: the newest `addedAt`
seen and the items added in that same second), so a restart announces nothing twice. The
first check of a library only sets its mark: what is there at install is not news.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.clients.plex import PlexClient
from bot.clients.plex_recent import ARRIVING, RecentItem, Section
from storage.models import KeyValue, NewMedia

log = logging.getLogger(__name__)
PAGE = 50  # a usual check reads this many of a library's newest items
CAP = 2000  # when all of them are new (a big scan), read up to this many


class Arrivals:
    """Stores each new item once as a `NewMedia` row (not yet announced)."""

    def __init__(self, plex: PlexClient, libraries: list[str], exclude: list[str]) -> None:
        self.plex = plex
        self.libraries = {name.strip().lower() for name in libraries if name.strip()}
        self.exclude = {name.strip().lower() for name in exclude if name.strip()}
        self.titles: dict[str, str] = {}  # section key -> title, from the last check

    def included(self, section: Section) -> bool:
        """Movie and show libraries, limited to NEW_ON_PLEX_LIBRARIES (titles or keys) if set.

        `exclude` (the YouTube downloads' library: they have their own post) always is.
        """
        names = {section.key, section.title.lower()}
        if section.type not in ARRIVING or names & self.exclude:
            return False
        return not self.libraries or bool(names & self.libraries)

    async def collect(self) -> list[NewMedia]:
        """Check every announced library; returns the new items stored (ids not loaded)."""
        sections = await self.plex.sections()
        self.titles = {s.key: s.title for s in sections}
        stored: list[NewMedia] = []
        for section in sections:
            if self.included(section):
                stored += await self._collect(section)
        return stored

    async def _collect(self, section: Section) -> list[NewMedia]:
        key = f"new_on_plex.seen.{section.key}"
        kept = await KeyValue.get_or_none(key=key)
        items = await self.plex.recently_added(section, PAGE)
        if kept is None:
            await KeyValue.create(key=key, value=_mark(items, 0, set()))
            log.info("new on plex: %s taken as it is (%d recent items)", section.title, len(items))
            return []
        newest, at_newest = _read_mark(kept.value)
        fresh = _after(items, newest, at_newest)
        if len(items) == PAGE and len(fresh) == PAGE:  # maybe more: a scan added many at once
            items = await self.plex.recently_added(section, CAP)
            fresh = _after(items, newest, at_newest)
        if not fresh:
            return []
        keys = [i.rating_key for i in fresh]
        known = set(await NewMedia.filter(rating_key__in=keys).values_list("rating_key", flat=True))
        stored = [NewMedia(**_fields(i)) for i in fresh if i.rating_key not in known]
        # One statement for a big scan; a row another check stored meanwhile is skipped.
        await NewMedia.bulk_create(stored, ignore_conflicts=True)
        await KeyValue.filter(key=key).update(value=_mark(fresh, newest, at_newest))
        log.info("new on plex: %d new in %s", len(stored), section.title)
        return stored


def _read_mark(value: str) -> tuple[int, set[str]]:
    newest, _, keys = value.partition(" ")
    return int(newest or 0), set(keys.split())


def _mark(items: list[RecentItem], newest: int, at_newest: set[str]) -> str:
    """The mark after seeing `items`: the newest time and the keys added in that second."""
    top = max((i.added_at for i in items), default=newest)
    if top > newest:
        newest, at_newest = top, set()
    at_newest = at_newest | {i.rating_key for i in items if i.added_at == newest}
    return f"{newest} {' '.join(sorted(at_newest))}".strip()


def _after(items: list[RecentItem], newest: int, at_newest: set[str]) -> list[RecentItem]:
    return [
        i
        for i in items
        if i.added_at > newest or (i.added_at == newest and i.rating_key not in at_newest)
    ]


def _fields(item: RecentItem) -> dict[str, object]:
    episode = item.kind == "episode"
    parent = item.season_key or item.show_key
    return {
        "rating_key": item.rating_key,
        "section_key": item.section_key,
        "kind": item.kind,
        "group_key": f"season:{parent}:{item.season}" if episode else f"movie:{item.rating_key}",
        "title": item.title[:500],
        "show_title": item.show_title[:500] if item.show_title else None,
        "season": item.season,
        "episode": item.episode,
        "year": item.year,
        "summary": item.summary,
        "thumb": ((item.show_thumb or item.thumb) if episode else item.thumb),
        "link_key": (parent or item.rating_key) if episode else item.rating_key,
        "tmdb_id": item.tmdb_id,
        "added_at": datetime.fromtimestamp(item.added_at, UTC),
    }
