"""The recently-added half of the Plex client: what arrived in a library, newest first.

New on Plex polls this every few minutes, so it reads Plex's XML with aiohttp (`PlexClient`
in plex.py makes the requests) instead of loading plexapi and requests for it: the requests
are the ones plexapi's `LibrarySection.recentlyAdded` and `fetchItems` make. Movies are
listed as movies and shows as episodes (Plex's own recently-added rows).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

# What each library type lists as "arrived": the playable items, not their containers.
ARRIVING = {"movie": "movie", "show": "episode"}
# Plex's numbers for those types (`?type=` of a section's `/all`).
TYPE_NUMBERS = {"movie": 1, "episode": 4}


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


def sections(root: ET.Element) -> list[Section]:
    """Every library section in `/library/sections`."""
    return [
        Section(d.get("key", ""), d.get("type", ""), d.get("title", ""))
        for d in root.iter("Directory")
    ]


def recent_query(section: Section, limit: int) -> tuple[str, dict[str, str]] | None:
    """The path and query of the section's newest `limit` arrivals (None: never announced).

    plexapi's `recentlyAdded` search, in one page: `includeGuids=1` (PMS 1.24.3 and later)
    puts each item's TMDB id in the list.
    """
    libtype = ARRIVING.get(section.type)
    if libtype is None:
        return None
    return f"/library/sections/{section.key}/all", {
        "type": str(TYPE_NUMBERS[libtype]),
        "sort": f"{libtype}.addedAt:desc",  # as plexapi's _validateSortField writes it
        "includeGuids": "1",
        "X-Plex-Container-Start": "0",
        "X-Plex-Container-Size": str(limit),
    }


def listed(root: ET.Element) -> list[ET.Element]:
    """The items of a MediaContainer (movies and episodes are `Video`, shows `Directory`)."""
    return [e for e in root if e.get("ratingKey")]


def shows_of(items: list[ET.Element]) -> list[str]:
    """The rating keys of the episodes' shows, for one `/library/metadata/a,b` request."""
    keys = {e.get("grandparentRatingKey", "") for e in items if e.get("type") == "episode"}
    return sorted((k for k in keys if k.isdigit()), key=int)


def tmdb(element: ET.Element) -> int | None:
    """The TMDB id among an item's `<Guid id="tmdb://…"/>`."""
    found = next(
        (g.get("id", "") for g in element.iter("Guid") if g.get("id", "").startswith("tmdb://")),
        None,
    )
    return _int(found.removeprefix("tmdb://")) if found else None


def recent_item(
    element: ET.Element, section_key: str, show_ids: dict[str, int | None]
) -> RecentItem:
    """One row of the list; an episode takes its show's TMDB id from `show_ids`."""
    get = element.attrib.get
    kind = get("type", "")
    episode = kind == "episode"
    show_key = get("grandparentRatingKey") if episode else None
    return RecentItem(
        rating_key=get("ratingKey", ""),
        section_key=section_key,
        kind=kind,
        title=get("title", ""),
        year=_int(get("year")) or (_int(get("parentYear")) if episode else None),
        summary=get("summary", ""),
        thumb=get("thumb") or None,
        added_at=_int(get("addedAt")) or 0,
        tmdb_id=show_ids.get(show_key or "") if episode else tmdb(element),
        show_title=get("grandparentTitle") if episode else None,
        show_key=show_key,
        season=_int(get("parentIndex")) if episode else None,
        season_key=get("parentRatingKey") if episode else None,
        episode=_int(get("index")) if episode else None,
        show_thumb=(get("parentThumb") or get("grandparentThumb") or None) if episode else None,
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None
