"""Requests that match nothing: the review post, and an admin picking or declining."""

from __future__ import annotations

import pytest

from bot.services.requests import RequestAlreadyHandled
from storage.models import MediaRequest
from tests.services.requests import members
from tests.services.requests.members import (
    ADMIN,
    ALICE,
    ALICE_PLEX,
    BREAKING_BAD,
    MATRIX,
    REVIEW,
    S,
    World,
    dms,
    posts,
)

fake, world = members.fake, members.world  # the fixtures of this world


async def test_no_match_goes_to_manual_review(db: str, world: World) -> None:
    """Free text matching nothing is saved for review and admins get buttons to resolve it."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "Zzyzx Road Trip", "1-2", True)
    assert (row.status, row.title, row.season_spec, row.media_type) == (
        S.NEEDS_REVIEW,
        "Zzyzx Road Trip",
        "1-2",
        "unknown",
    )
    (post,) = await posts(REVIEW)
    assert "Zzyzx Road Trip" in post.content and f"<@{ALICE}>" in post.content
    assert [b["custom_id"] for b in post.buttons or []] == [
        f"review:pick:{row.id}",
        f"review:decline:{row.id}",
    ]
    assert world.posts() == 0
    assert (await world.service.deliver(row.id)).status == S.NEEDS_REVIEW
    assert await world.limiter.remaining("request", "5/hour", ALICE) == 4


async def test_review_resolved_by_picking_a_title(db: str, world: World) -> None:
    """An admin's TMDB id turns it into a real request, delivered, and the user is told."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "that desert film", "latest", False)
    result = await world.service.resolve_review(row.id, BREAKING_BAD, "tv", ADMIN)
    assert (result.status, result.title, result.seasons) == (S.PENDING, "Breaking Bad", [5])
    stored = await MediaRequest.get(id=row.id)
    assert stored.resolved_by == ADMIN and world.posts() == 1
    assert await dms(ALICE) == [
        "Your request for **Breaking Bad (2008), season 5** went through: "
        "it's waiting for approval."
    ]
    with pytest.raises(RequestAlreadyHandled):
        await world.service.resolve_review(row.id, None, None, ADMIN)


async def test_review_declined(db: str, world: World) -> None:
    """Declining tells the user once; a second admin click finds it already handled."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "qwertyuiop", None, False)
    result = await world.service.resolve_review(row.id, None, None, ADMIN)
    assert result.status == S.DECLINED
    (message,) = await dms(ALICE)
    assert "declined it" in message and "qwertyuiop" in message
    with pytest.raises(RequestAlreadyHandled):
        await world.service.resolve_review(row.id, None, None, ADMIN)


async def test_review_picking_available_media(db: str, world: World) -> None:
    """Picking a title that is already on Plex closes the request as available."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "green code rain", None, False)
    result = await world.service.resolve_review(row.id, MATRIX, "movie", ADMIN)
    assert result.status == S.AVAILABLE and world.posts() == 0
    assert await dms(ALICE) == ["**The Matrix (1999)** is now on Plex. Enjoy!"]
