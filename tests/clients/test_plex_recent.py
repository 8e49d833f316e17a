"""Plex's recently-added lists, read as plexapi reads them, against the fake media server."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from bot.clients.plex import PlexClient
from bot.clients.plex_recent import Section
from bot.errors import ServiceRejected
from tests.fakes.plex import FakePlexServer

MOVIES, SHOWS, MUSIC = (
    Section("1", "movie", "Movies"),
    Section("2", "show", "TV Shows"),
    Section("3", "artist", "Music"),
)


@pytest.fixture
async def pms() -> AsyncIterator[FakePlexServer]:
    server = FakePlexServer()
    await server.start()
    server.add_section(1, "movie", "Movies", "/media/movies")
    server.add_section(2, "show", "TV Shows", "/media/tv")
    server.add_section(3, "artist", "Music", "/media/music")
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def plex(pms: FakePlexServer) -> AsyncIterator[PlexClient]:
    client = PlexClient(pms.url, "owner-token")
    try:
        yield client
    finally:
        client.close()


async def test_movies_newest_first_with_tmdb_and_poster(
    pms: FakePlexServer, plex: PlexClient
) -> None:
    """recentlyAdded lists movies by addedAt, newest first, with their TMDB id and poster path."""
    old = pms.add_item(1, "Heat", year=1995, added_at=100)
    new = pms.add_item(1, "Dune", year=2021, added_at=200, guids=["tmdb://438631"], summary="S")
    out = io.BytesIO()
    Image.new("RGB", (10, 15), "red").save(out, "PNG")
    pms.set_poster(new["ratingKey"], out.getvalue())
    dune, heat = await plex.recently_added(MOVIES, 50)
    assert (dune.rating_key, dune.title, dune.year, dune.tmdb_id) == (
        new["ratingKey"],
        "Dune",
        2021,
        438631,
    )
    assert (dune.added_at, dune.summary, heat.rating_key) == (200, "S", old["ratingKey"])
    assert dune.thumb is not None and await plex.image(dune.thumb) == out.getvalue()
    assert len(await plex.recently_added(MOVIES, 1)) == 1


async def test_episodes_carry_show_and_season(pms: FakePlexServer, plex: PlexClient) -> None:
    """A show library lists episodes, each with its show, season and their rating keys."""
    show = pms.add_show(2, "Severance", year=2022, guids=["tmdb://95396"])
    pms.add_episode(show, 2, 1, "Hello, Ms. Cobel", added_at=300)
    pms.add_episode(show, 2, 2, "Goodbye, Mrs. Selvig", added_at=301)
    second, first = await plex.recently_added(SHOWS, 50)
    assert (second.kind, second.show_title, second.show_key) == (
        "episode",
        "Severance",
        show["ratingKey"],
    )
    assert (second.season, second.episode, first.episode) == (2, 2, 1)
    assert second.season_key == first.season_key and second.season_key != show["ratingKey"]
    assert second.tmdb_id == first.tmdb_id == 95396  # the show's: requests name shows


async def test_sections_and_libraries_never_announced(plex: PlexClient) -> None:
    """Every section is listed; a music library has no arrivals to announce."""
    assert [(s.key, s.type) for s in await plex.sections()] == [
        ("1", "movie"),
        ("2", "show"),
        ("3", "artist"),
    ]
    assert await plex.recently_added(MUSIC, 50) == []


async def test_a_wrong_token_is_our_error(pms: FakePlexServer) -> None:
    """Plex refusing the token is ServiceRejected (401), not a plexapi exception."""
    client = PlexClient(pms.url, "wrong")
    try:
        with pytest.raises(ServiceRejected) as caught:
            await client.recently_added(MOVIES, 50)
        assert caught.value.status == 401
    finally:
        client.close()
