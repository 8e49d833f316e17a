"""The recently-added half of the Plex client: what arrived in a library, newest first.

Plain synchronous plexapi calls on a `PlexServer`; `PlexClient` (plex.py) runs each in a
thread. Movies are listed as movies and shows as episodes (Plex's own recently-added rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plexapi.server import PlexServer

# What each library type lists as "arrived": the playable items, not their containers.
ARRIVING = {"movie": "movie", "show": "episode"}


@dataclass(frozen=True)
class Section:
    """A library section: its key, type (movie, show, artist, photo) and title."""

    key: str
    type: str
    title: str


@dataclass(frozen=True)
class RecentItem:
    """One item Plex lists as recently added; episodes carry their show and season."""

    rating_key: str
    section_key: str
    kind: str  # movie | episode
    title: str
    year: int | None
    summary: str
    thumb: str | None
    added_at: int  # seconds since the epoch, as Plex sends it
    tmdb_id: int | None = None  # an episode has its show's
    show_title: str | None = None
    show_key: str | None = None
    season: int | None = None
    season_key: str | None = None
    episode: int | None = None
    show_thumb: str | None = None


def sections(server: PlexServer) -> list[Section]:
    """Every library section of the server."""
    return [Section(str(s.key), str(s.type), str(s.title)) for s in server.library.sections()]


def recently_added(server: PlexServer, section_key: str, limit: int) -> list[RecentItem]:
    """The section's newest `limit` arrivals, newest first; [] for a type never announced."""
    section = server.library.sectionByID(int(section_key))
    libtype = ARRIVING.get(str(section.type))
    if libtype is None:
        return []
    found = section.recentlyAdded(maxresults=limit, libtype=libtype)
    shows = {int(i.grandparentRatingKey) for i in found if i.TYPE == "episode"}
    # An episode's own guids name the episode; requests name the show: one call for all.
    show_ids = (
        {str(s.ratingKey): _tmdb(s) for s in server.fetchItems(sorted(shows))} if shows else {}
    )
    return [_item(i, section_key, show_ids) for i in found]


def _tmdb(item: Any) -> int | None:
    found = next((g.id for g in getattr(item, "guids", []) if g.id.startswith("tmdb://")), None)
    return _int(found.removeprefix("tmdb://")) if found else None


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") and str(value).lstrip("-").isdigit() else None


def _item(item: Any, section_key: str, show_ids: dict[str, int | None]) -> RecentItem:
    attrib = item._data.attrib  # addedAt as sent: plexapi turns it into a naive local time
    episode = item.TYPE == "episode"
    show_key = attrib.get("grandparentRatingKey") if episode else None
    return RecentItem(
        rating_key=str(item.ratingKey),
        section_key=section_key,
        kind=str(item.TYPE),
        title=str(item.title or ""),
        year=_int(attrib.get("year")) or (_int(attrib.get("parentYear")) if episode else None),
        summary=str(item.summary or ""),
        thumb=attrib.get("thumb") or None,
        added_at=_int(attrib.get("addedAt")) or 0,
        tmdb_id=show_ids.get(show_key or "") if episode else _tmdb(item),
        show_title=attrib.get("grandparentTitle") if episode else None,
        show_key=show_key,
        season=_int(attrib.get("parentIndex")) if episode else None,
        season_key=attrib.get("parentRatingKey") if episode else None,
        episode=_int(attrib.get("index")) if episode else None,
        show_thumb=_show_thumb(attrib) if episode else None,
    )


def _show_thumb(attrib: dict[str, str]) -> str | None:
    """An episode's season poster, else its show's."""
    return attrib.get("parentThumb") or attrib.get("grandparentThumb") or None


def image(server: PlexServer, path: str, timeout: float) -> bytes:
    """An image the server holds (a poster's `thumb` path), fetched with the owner's token."""
    response = server._session.get(server.url(path, includeToken=True), timeout=timeout)
    response.raise_for_status()
    return bytes(response.content)
