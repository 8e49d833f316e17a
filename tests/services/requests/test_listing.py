"""Listing stored requests, newest first, in pages."""

from __future__ import annotations

from tests.services.requests import members
from tests.services.requests.members import ALICE, ALICE_PLEX, BOB, BOB_PLEX, CAROL, World

fake, world = members.fake, members.world  # the fixtures of this world


async def test_list_requests_newest_first_paginated(db: str, world: World) -> None:
    """A user's requests, newest first, in pages; None lists everyone's."""
    ids = []
    for spec in ("1", "2", "3", "4", "5"):
        ids.append((await world.service.submit(ALICE, ALICE_PLEX, "tv:1396", spec, False)).id)
    await world.service.submit(BOB, BOB_PLEX, "movie:438631", None, False)
    page, pages = await world.service.page(ALICE, 1, per_page=2)
    assert pages == 3 and [v.id for v in page] == ids[::-1][:2]
    last, _ = await world.service.page(ALICE, 9, per_page=2)
    assert [v.id for v in last] == ids[:1]
    assert last[0].label == "Breaking Bad (2008), season 1"
    everyone, pages = await world.service.page(None, 1)
    assert len(everyone) == 6 and pages == 1
    nobody, pages = await world.service.page(CAROL, 1)
    assert (nobody, pages) == ([], 1)
