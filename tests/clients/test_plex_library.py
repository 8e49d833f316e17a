"""PlexClient's library calls (refresh, find files, metadata, collections) against the fake Plex."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.clients.plex import PlexClient
from bot.clients.plex_library import CollectionMetadata, VideoMetadata
from bot.errors import ServiceRejected, ServiceUnavailable
from tests.fakes.plex import FakePlexServer


@pytest.fixture
async def pms(tmp_path: Path) -> AsyncIterator[FakePlexServer]:
    """A fake Plex with a "YouTube" movie section on tmp_path/youtube and a show section."""
    fake = FakePlexServer()
    fake.add_section(1, "movie", "YouTube", str(tmp_path / "youtube"))
    fake.add_section(2, "show", "Shows", str(tmp_path / "shows"))
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def plex(pms: FakePlexServer) -> PlexClient:
    return PlexClient(pms.url, pms.owner_token, timeout=5)


async def fetch_item(plex: PlexClient, key: str) -> Any:
    """The item as plexapi reads it back (in a thread: the fake serves on this loop)."""
    return await asyncio.to_thread(lambda: plex._server().fetchItem(int(key)))


def put_files(folder: Path, *names: str) -> list[Path]:
    """Create small media files in a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in names]
    for path in paths:
        path.write_bytes(b"\0")
    return paths


async def test_refresh_by_title_or_key_with_path(
    pms: FakePlexServer, plex: PlexClient, tmp_path: Path
) -> None:
    """refresh_section takes a title or a key, and an optional folder to scan."""
    folder = tmp_path / "youtube" / "Playlist"
    put_files(folder, "A [a].mp4")
    await plex.refresh_section("YouTube", str(folder))
    await plex.refresh_section("1")
    assert pms.refreshes == [f"1?path={folder}", "1"]
    assert [i["title"] for i in pms.items.values()] == ["A [a]"]


async def test_find_files_matches_path_tails_in_order(
    pms: FakePlexServer, plex: PlexClient, tmp_path: Path
) -> None:
    """Files are found by their trailing components, whatever the mount, in the order asked."""
    a, b = put_files(tmp_path / "youtube" / "Playlist", "A [a].mp4", "B [b].mp4")
    put_files(tmp_path / "youtube" / "Other", "C [c].mp4")
    await plex.refresh_section("YouTube")
    by_file = {i["file"]: i["ratingKey"] for i in pms.items.values()}

    keys = await plex.find_files("YouTube", ["Playlist/B [b].mp4", "Playlist/A [a].mp4"])
    assert keys == [by_file[str(b)], by_file[str(a)]]
    assert await plex.find_files("YouTube", [str(a), "Playlist/missing.mp4"]) == [by_file[str(a)]]
    assert await plex.find_files("YouTube", ["Other/A [a].mp4", "C [c].mp4"]) == [
        by_file[str(tmp_path / "youtube" / "Other" / "C [c].mp4")]
    ]


async def test_find_files_in_a_show_section_looks_at_episodes(
    pms: FakePlexServer, plex: PlexClient, tmp_path: Path
) -> None:
    """In a show section the files belong to episodes, which are what find_files returns."""
    (ep,) = put_files(tmp_path / "shows" / "Clips", "Ep [e1].mp4")
    await plex.refresh_section("Shows")
    (key,) = [k for k, i in pms.items.items() if i["file"] == str(ep)]
    assert await plex.find_files("2", ["Clips/Ep [e1].mp4"]) == [key]


async def test_ensure_collection_creates_then_adds(pms: FakePlexServer, plex: PlexClient) -> None:
    """The first call creates the collection with a summary; the next adds only what is missing."""
    one, two, three = (pms.add_item(1, title)["ratingKey"] for title in ("One", "Two", "Three"))

    key = await plex.ensure_collection("YouTube", "My Playlist", [one, two], "About it")
    stored = pms.collections[key]
    assert (stored["title"], stored["items"], stored["summary"]) == (
        "My Playlist",
        [one, two],
        "About it",
    )

    again = await plex.ensure_collection("1", "my playlist", [two, three], "New words")
    assert again == key and len(pms.collections) == 1
    assert pms.collections[key]["items"] == [one, two, three]
    assert pms.collections[key]["summary"] == "New words"


async def test_ensure_collection_without_items_refused(plex: PlexClient) -> None:
    """A new collection needs items: ServiceRejected, nothing created."""
    with pytest.raises(ServiceRejected):
        await plex.ensure_collection("YouTube", "Empty", [], "")


async def test_unknown_section_and_outage(pms: FakePlexServer, plex: PlexClient) -> None:
    """An unknown section is ServiceRejected (404); a stopped server is ServiceUnavailable."""
    with pytest.raises(ServiceRejected) as caught:
        await plex.refresh_section("Nope")
    assert caught.value.status == 404
    await pms.stop()
    with pytest.raises(ServiceUnavailable):
        await plex.find_files("YouTube", ["x.mp4"])
    await pms.start()
    assert await plex.find_files("YouTube", ["x.mp4"]) == []


async def test_apply_metadata_sets_and_locks_every_field(
    pms: FakePlexServer, plex: PlexClient, tmp_path: Path
) -> None:
    """Title, summary, date and poster go through plexapi's edit and upload calls, locked."""
    put_files(tmp_path / "youtube" / "Cooking", "Episode 1 - The Road [ep1].mp4")
    poster = tmp_path / "poster.jpg"
    poster.write_bytes(b"\xff\xd8 poster \xff\xd9")
    await plex.refresh_section("YouTube")
    (key,) = await plex.find_files("YouTube", ["Cooking/Episode 1 - The Road [ep1].mp4"])

    meta = VideoMetadata(
        'Episode 1: The ../Road? "1"', "How to boil water.", date(2024, 5, 17), poster
    )
    await plex.apply_metadata(key, meta)

    item = pms.items[key]
    assert (item["title"], item["summary"], item["originallyAvailableAt"]) == (
        'Episode 1: The ../Road? "1"',
        "How to boil water.",
        "2024-05-17",
    )
    assert pms.poster(key) == poster.read_bytes()
    assert pms.locked(key) == {"title", "summary", "originallyAvailableAt", "thumb"}
    edits = pms.seen("PUT", "/library/sections/1/all")
    assert len(edits) == 2  # the batched fields, then the poster lock
    assert len(pms.seen("POST", f"/library/metadata/{key}/posters")) == 1

    # What plexapi reads back: the values, the locks and the poster.
    read: Any = await fetch_item(plex, key)
    assert read.title == meta.title and read.summary == meta.summary
    assert read.originallyAvailableAt.date() == date(2024, 5, 17)
    assert all(read.isLocked(f) for f in ("title", "summary", "originallyAvailableAt", "thumb"))
    assert read.thumb == f"/library/metadata/{key}/thumb/1"


async def test_apply_metadata_without_date_or_poster(pms: FakePlexServer, plex: PlexClient) -> None:
    """A video with no date or thumbnail gets only its title and summary, both locked."""
    key = pms.add_item(1, "raw [x]")["ratingKey"]
    await plex.apply_metadata(key, VideoMetadata("Real title", ""))
    assert pms.items[key]["title"] == "Real title"
    assert pms.locked(key) == {"title", "summary"}
    assert pms.poster(key) is None


async def test_episodes_in_a_show_section(
    pms: FakePlexServer, plex: PlexClient, tmp_path: Path
) -> None:
    """In a TV-type section the S01E<n> name gives season 1 and the episode; edits still apply."""
    put_files(tmp_path / "shows" / "Cooking", "S01E02 - Eggs [e2].mp4", "S01E01 - Water [e1].mp4")
    assert await plex.section_type("Shows") == "show"
    assert await plex.section_type("YouTube") == "movie"
    await plex.refresh_section("2")
    keys = await plex.find_files(
        "2", ["Cooking/S01E01 - Water [e1].mp4", "Cooking/S01E02 - Eggs [e2].mp4"]
    )
    assert [(pms.items[k]["parentIndex"], pms.items[k]["index"]) for k in keys] == [(1, 1), (1, 2)]

    await plex.apply_metadata(keys[0], VideoMetadata("Water", "Boil it.", date(2024, 1, 2)))
    assert pms.items[keys[0]]["title"] == "Water"
    assert pms.locked(keys[0]) == {"title", "summary", "originallyAvailableAt"}
    await plex.file_collection("Shows", keys, CollectionMetadata("Cooking", "All of it"))
    (collection,) = pms.collections.values()
    assert collection["items"] == keys and collection["subtype"] == "episode"


async def test_file_collection_poster_summary_and_custom_order(
    pms: FakePlexServer, plex: PlexClient, tmp_path: Path
) -> None:
    """The collection gets the summary and poster, a custom sort, and the items in given order;
    a later run appends its items after the earlier ones and leaves the locked poster alone."""
    one, two, three, four = (pms.add_item(1, title)["ratingKey"] for title in ("D", "C", "B", "A"))
    poster = tmp_path / ".playlist.jpg"
    poster.write_bytes(b"\xff\xd8 playlist \xff\xd9")
    meta = CollectionMetadata("Cooking Basics", "Learn to cook.", poster)

    key = await plex.file_collection("YouTube", [three, one, two], meta)

    stored = pms.collections[key]
    assert stored["items"] == [three, one, two]
    assert (stored["summary"], stored["collectionSort"]) == ("Learn to cook.", 2)
    assert pms.poster(key) == poster.read_bytes()
    assert {"summary", "thumb"} <= pms.locked(key)
    assert pms.seen("PUT", f"/library/collections/{key}/prefs")[0].query == {"collectionSort": "2"}

    other = tmp_path / "other.jpg"
    other.write_bytes(b"\xff\xd8 other \xff\xd9")
    again = await plex.file_collection(
        "YouTube", [four, one], CollectionMetadata("Cooking Basics", "Learn to cook.", other)
    )
    assert again == key
    assert pms.collections[key]["items"] == [three, two, four, one]
    assert pms.posters[key] == [poster.read_bytes()]  # locked: the first poster stays
    assert len(pms.seen("PUT", f"/library/collections/{key}/prefs")) == 1

    read: Any = await fetch_item(plex, key)
    assert read.collectionSort == 2
    children = await asyncio.to_thread(read.items)
    assert [str(i.ratingKey) for i in children] == [three, two, four, one]
