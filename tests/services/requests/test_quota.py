"""Quota preview and the seasons a TV quota counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.services.requests import QuotaExceeded
from storage.models import MediaRequest
from tests.services.requests import admins
from tests.services.requests.admins import (
    ALICE_PLEX,
    ARRIVAL,
    BREAKING_BAD,
    DAVE,
    DAVE_PLEX,
    DUNE,
    ERIN,
    ERIN_PLEX,
    S,
    World,
)

fake, world = admins.fake, admins.world  # the fixtures of this world


async def test_quota_preview_with_quota_left_and_exhausted(world: World) -> None:
    """Remaining quota is shown; a request over it is refused up front with the reset date."""
    unlimited = await world.service.quota_preview(ALICE_PLEX, "movie")
    assert unlimited.unlimited and unlimited.text.english() == "Your movie requests are unlimited."
    fresh = await world.service.quota_preview(DAVE_PLEX, "movie")
    assert (fresh.limit, fresh.remaining, fresh.days, fresh.resets_at) == (1, 1, 7, None)
    assert fresh.text.english() == "You have 1 of 1 movie request left (per 7 days)."

    row = await world.request(f"movie:{DUNE}", who=DAVE, plex=DAVE_PLEX)
    created = datetime.fromisoformat(
        world.fake.media_requests[row.overseerr_request_id or 0]["createdAt"]
    )
    used = await world.service.quota_preview(DAVE_PLEX, "movie")
    assert (used.remaining, used.resets_at) == (0, created + timedelta(days=7))
    with pytest.raises(QuotaExceeded) as info:
        await world.service.submit(DAVE, DAVE_PLEX, f"movie:{ARRIVAL}", None, False)
    stamp = int((created + timedelta(days=7)).timestamp())
    assert info.value.retry_at == created + timedelta(days=7)
    assert info.value.message == (
        "You've used your movie request quota (1 per 7 days). "
        f"You can ask for it again <t:{stamp}:R> (on <t:{stamp}:D>)."
    )
    assert await MediaRequest.all().count() == 1 and world.submissions() == 1
    assert await world.limiter.remaining("request", "5/hour", DAVE) == 4  # only Dune's use


async def test_tv_quota_counts_seasons(world: World) -> None:
    """TV quotas count seasons: too many waits for a date, more than the limit never fits."""
    with pytest.raises(QuotaExceeded) as never:
        await world.service.submit(ERIN, ERIN_PLEX, f"tv:{BREAKING_BAD}", "1-4", False)
    assert (
        never.value.retry_at is None and "more than your TV quota allows (3" in never.value.message
    )
    await world.request(f"tv:{BREAKING_BAD}", "1-2", who=ERIN, plex=ERIN_PLEX)
    preview = await world.service.quota_preview(ERIN_PLEX, "tv")
    assert (preview.limit, preview.remaining, preview.used) == (3, 1, 2)
    assert preview.resets_at is not None and "TV seasons left" in preview.text.english()
    with pytest.raises(QuotaExceeded) as later:
        await world.service.submit(ERIN, ERIN_PLEX, f"tv:{BREAKING_BAD}", "3-4", False)
    assert later.value.retry_at == preview.resets_at
    assert later.value.message.endswith(", or ask for fewer seasons now.")
    third = await world.request(f"tv:{BREAKING_BAD}", "3", who=ERIN, plex=ERIN_PLEX)
    assert third.status == S.PENDING and world.submissions() == 2
