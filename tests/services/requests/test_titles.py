"""Autocomplete suggestions through the fake Overseerr, and season specs."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput
from bot.services.requests import Choice, format_seasons, parse_seasons
from tests.services.requests import members
from tests.services.requests.members import World

fake, world = members.fake, members.world  # the fixtures of this world


async def test_suggest_formats_movies_and_tv_only(world: World) -> None:
    """Choices read "Title (Year) · Movie|TV · status", status only when Overseerr knows it."""
    world.fake.add_tv(1000, "The Matrix Resurrected", 2030, 1, status=2)
    choices = await world.service.suggest_titles("  the   MATRIX ")
    assert Choice("The Matrix (1999) · Movie · Available", "movie:603") in choices
    assert Choice("The Matrix Resurrected (2030) · TV · Requested", "tv:1000") in choices
    assert await world.service.suggest_titles("Tom Cruise") == []
    assert await world.service.suggest_titles("   ") == []
    dune = await world.service.suggest_titles("dune")
    assert dune == [Choice("Dune (2021) · Movie", "movie:438631")]


async def test_suggest_cuts_long_names_and_caps_at_25(world: World) -> None:
    """At most 25 choices, each name at most 100 characters with its suffix kept."""
    for n in range(30):
        world.fake.add_movie(10_000 + n, "Longtitle " + "x" * 120 + f" {n}", 2000 + n)
    page_one = await world.service.suggest_titles("longtitle")
    assert 0 < len(page_one) <= 25
    assert all(len(c.name) <= 100 and c.name.endswith(" · Movie") for c in page_one)


async def test_suggest_caches_briefly(world: World) -> None:
    """The same query within the TTL is answered without asking Overseerr again."""
    await world.service.suggest_titles("dune")
    await world.service.suggest_titles("DUNE ")
    assert len(world.fake.seen("GET", "/api/v1/search")) == 1
    short = world.build(suggest_ttl=0.0)
    await short.suggest_titles("dune")
    await short.suggest_titles("dune")
    assert len(world.fake.seen("GET", "/api/v1/search")) == 3


async def test_suggest_outage_gives_empty_or_cached(world: World) -> None:
    """An outage or a slow Overseerr gives [], or the last answer for that query."""
    service = world.build(suggest_timeout=2.0, suggest_ttl=0.0)
    world.fake.fail_next("GET", "/search", 503)
    assert await service.suggest_titles("arrival") == []
    fresh = await service.suggest_titles("arrival")
    assert fresh == [Choice("Arrival (2016) · Movie", "movie:329865")]
    world.fake.fail_next("GET", "/search", 200, delay=4)  # past the 2 s budget
    assert await service.suggest_titles("arrival") == fresh
    await world.fake.stop()
    assert await service.suggest_titles("something new") == []
    await world.fake.start()


def test_season_parsing_and_formatting() -> None:
    """Season specs and their display, without any service."""
    assert parse_seasons("1,3-4", [0, 1, 2, 3, 4], "X") == [1, 3, 4]
    assert parse_seasons("0", [0, 1], "X") == [0]
    assert parse_seasons(" LATEST ", [0, 1, 2], "X") == [2]
    with pytest.raises(InvalidInput, match="no seasons"):
        parse_seasons("all", [0], "X")
    with pytest.raises(InvalidInput):
        parse_seasons("4-2", [1, 2, 3, 4], "X")
    with pytest.raises(InvalidInput):
        parse_seasons("1-99999", [1], "X")
    assert format_seasons([1, 2, 3, 5, 7, 8]) == "seasons 1-3, 5, 7-8"
    assert format_seasons([4]) == "season 4"
