"""The library half of the Plex client: filing downloads as titled, dated, postered items.

Plain synchronous plexapi calls on a `PlexServer`; `PlexClient` (plex.py) runs each in a
thread. Every field we set is locked, so a later refresh by Plex's agent keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import ServiceRejected

if TYPE_CHECKING:  # plexapi is imported by the first call (through PlexClient, plex.py)
    from plexapi.collection import Collection
    from plexapi.library import LibrarySection
    from plexapi.server import PlexServer

CUSTOM_SORT = 2  # plexapi's collectionSort value for "custom"


@dataclass(frozen=True)
class VideoMetadata:
    """What a video shows in Plex instead of its file name."""

    title: str
    summary: str
    originally_available: date | None = None
    poster: Path | None = None  # an image file next to the video


@dataclass(frozen=True)
class CollectionMetadata:
    """A collection's summary and poster; its items keep the order they are given in."""

    title: str
    summary: str = ""
    poster: Path | None = None


def section(server: PlexServer, name: str) -> LibrarySection:
    """A library section by key (all digits) or title."""
    if name.isdigit():
        return server.library.sectionByID(int(name))
    return server.library.section(name)


def apply_metadata(server: PlexServer, rating_key: str, meta: VideoMetadata) -> None:
    """Set and lock an item's title, summary, date and poster (one edit, one upload)."""
    item: Any = server.fetchItem(int(rating_key))
    item.batchEdits()
    item.editTitle(meta.title[:255]).editSummary(meta.summary)
    if meta.originally_available is not None:
        item.editOriginallyAvailable(meta.originally_available.isoformat())
    item.saveEdits()
    if meta.poster is not None:
        item.uploadPoster(filepath=str(meta.poster))
        item.lockPoster()


def file_collection(
    server: PlexServer, section_name: str, rating_keys: list[str], meta: CollectionMetadata
) -> str:
    """Create or extend the collection with the items, in their order; returns its ratingKey.

    Items already in it from an earlier run stay first, the given ones follow in order, and
    the collection is switched to a custom sort so Plex shows that order. The poster is
    uploaded only while the poster field is unlocked, so a poster an admin chose stays.
    """
    from plexapi.exceptions import NotFound

    library = section(server, section_name)
    items = server.fetchItems([int(key) for key in rating_keys]) if rating_keys else []
    try:
        collection: Collection | None = library.collection(meta.title)
    except NotFound:
        collection = None
    if collection is None:
        if not items:
            raise ServiceRejected("Plex", 400, "A new collection needs at least one item.")
        collection = server.createCollection(meta.title, library, items=items)
    else:
        present = {str(item.ratingKey) for item in collection.items()}
        missing = [item for item in items if str(item.ratingKey) not in present]
        if missing:
            collection.addItems(missing)
    if meta.summary and (collection.summary or "") != meta.summary:
        collection.editSummary(meta.summary)
    if collection.collectionSort != CUSTOM_SORT:
        collection.sortUpdate("custom")
    collection.reload()  # plexapi caches the item list; ours just changed
    _order(collection, rating_keys)
    if meta.poster is not None and not collection.isLocked("thumb"):
        collection.uploadPoster(filepath=str(meta.poster))
        collection.lockPoster()
    return str(collection.ratingKey)


def _order(collection: Collection, rating_keys: list[str]) -> None:
    """Move the given items, in order, after the collection's other items."""
    current = list(collection.items())
    wanted = list(dict.fromkeys(rating_keys))
    by_key = {str(item.ratingKey): item for item in current}
    others = [key for key in by_key if key not in wanted]
    desired = others + [key for key in wanted if key in by_key]
    if list(by_key) == desired:
        return
    previous = by_key[others[-1]] if others else None
    for key in desired[len(others) :]:
        collection.moveItem(by_key[key], after=previous)
        previous = by_key[key]
