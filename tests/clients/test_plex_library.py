"""PlexClient's library calls (refresh, find files, collections) against the fake Plex server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clients.plex import PlexClient
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
