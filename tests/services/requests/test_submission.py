"""Validating and saving requests, on SQLite and PostgreSQL (and Redis for limits)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import FeatureDisabled, InvalidInput, RateLimited, ServiceUnavailable
from bot.services.ratelimit import RateLimiter
from bot.services.requests import (
    SEASON_HELP,
    AlreadyAvailable,
    AlreadyRequested,
    NoOverseerrAccount,
)
from storage.models import MediaRequest
from tests.conftest import REDIS_URL
from tests.services.requests import members
from tests.services.requests.members import (
    ALICE,
    ALICE_PLEX,
    ARRIVAL,
    BOB,
    BOB_PLEX,
    BREAKING_BAD,
    CAROL,
    CAROL_PLEX,
    DAVE,
    DAVE_PLEX,
    DUNE,
    MATRIX,
    S,
    World,
    dms,
    fresh_limiter,
    make_due,
)

fake, world = members.fake, members.world  # the fixtures of this world


async def test_movie_request_is_made_as_the_user(db: str, world: World) -> None:
    """A picked movie is saved QUEUED, then submitted with X-API-User and ends PENDING."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    assert (row.status, row.title, row.year, row.overseerr_user_id) == (S.QUEUED, "Dune", 2021, 2)
    result = await world.service.deliver(row.id)
    assert result.status == S.PENDING and result.overseerr_request_id is not None
    sent = world.fake.seen("POST", "/api/v1/request")
    assert len(sent) == 1 and sent[0].headers["X-API-User"] == "2"
    assert sent[0].json == {"mediaType": "movie", "mediaId": DUNE, "is4k": False}
    created = world.fake.media_requests[result.overseerr_request_id]
    assert created["requestedBy"]["id"] == 2
    assert await dms(ALICE) == []  # the command shows the outcome itself
    again = await world.service.deliver(row.id)
    assert again.status == S.PENDING and world.posts() == 1
    auto = await world.request("movie:329865", who=CAROL, plex=CAROL_PLEX)
    assert auto.status == S.APPROVED  # Overseerr's auto-approval applies to the user


async def test_free_text(db: str, world: World) -> None:
    """Text naming one title (or a pasted label) is taken; ambiguous text saves nothing."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "arrival", None, False)
    assert (row.media_type, row.tmdb_id) == ("movie", ARRIVAL)
    label = await world.service.submit(BOB, BOB_PLEX, "Dune (2021) · Movie", None, False)
    assert label.tmdb_id == DUNE
    await MediaRequest.all().delete()
    world.fake.add_movie(841, "Dune", 1984)
    with pytest.raises(InvalidInput) as info:
        await world.service.submit(ALICE, ALICE_PLEX, "Dune", None, False)
    assert "Several titles match “Dune”" in info.value.message
    assert await MediaRequest.all().count() == 0
    row = await world.service.submit(ALICE, ALICE_PLEX, "Dune (1984)", None, False)
    assert (row.tmdb_id, row.year) == (841, 1984)


async def test_tv_seasons(db: str, world: World) -> None:
    """A list, latest and all are checked against the real seasons and sent as numbers."""
    listed = await world.request("tv:1396", "1, 3-4")
    latest = await world.request("tv:1396", "latest", who=BOB, plex=BOB_PLEX)
    everything = await world.request("tv:1396", None, who=CAROL, plex=CAROL_PLEX)
    assert (listed.seasons, latest.seasons) == ([1, 3, 4], [5])
    assert everything.seasons == [2]  # "all" asks only for what nobody asked for yet
    sent = [r.json["seasons"] for r in world.fake.seen("POST", "/api/v1/request")]
    assert sent == [[1, 3, 4], [5], [2]]
    assert (listed.status, everything.status) == (S.PENDING, S.APPROVED)


async def test_tv_invalid_seasons_save_nothing(db: str, world: World) -> None:
    """A season the show doesn't have, or a typo, is refused with an exact message."""
    with pytest.raises(InvalidInput) as info:
        await world.service.submit(ALICE, ALICE_PLEX, "tv:1396", "2,7", False)
    assert info.value.message == "Breaking Bad has seasons 1-5; there is no season 7."
    with pytest.raises(InvalidInput) as info:
        await world.service.submit(ALICE, ALICE_PLEX, "tv:1396", "1-3,x", False)
    assert info.value.message == SEASON_HELP
    assert await MediaRequest.all().count() == 0 and world.posts() == 0


async def test_tv_only_asks_for_missing_seasons(db: str, world: World) -> None:
    """Seasons already on Plex are left out; asking only for those says they are there."""
    row = await world.request("tv:1399", "all")
    assert row.seasons == [2, 3]
    with pytest.raises(AlreadyAvailable) as info:
        await world.service.submit(BOB, BOB_PLEX, "tv:1399", "1", False)
    assert info.value.message == "**Game of Thrones (2011), season 1** is already on Plex. Enjoy!"
    with pytest.raises(AlreadyRequested) as requested:
        await world.service.submit(BOB, BOB_PLEX, "tv:1399", "2-3", False)
    assert requested.value.status == S.PENDING and requested.value.seasons == [2, 3]


async def test_4k_when_enabled_and_refused_when_not(db: str, world: World) -> None:
    """4K goes through when the server has it on, and is refused (nothing saved) when off."""
    with pytest.raises(FeatureDisabled) as info:
        await world.service.submit(DAVE, DAVE_PLEX, "movie:438631", None, True)
    assert info.value.message == "4K requests for movies aren't enabled on this server."
    assert await MediaRequest.all().count() == 0
    world.fake.enable_4k = True
    row = await world.build().submit(DAVE, DAVE_PLEX, "movie:438631", None, True)
    result = await world.service.deliver(row.id)
    assert row.is_4k and result.status == S.PENDING
    assert world.fake.seen("POST", "/api/v1/request")[0].json["is4k"] is True
    created = world.fake.media_requests[result.overseerr_request_id or 0]
    assert created["is4k"] is True


async def test_already_available_saves_and_spends_nothing(db: str, world: World) -> None:
    """Media on Plex is reported with its status; nothing saved, submitted or counted."""
    with pytest.raises(AlreadyAvailable) as info:
        await world.service.submit(ALICE, ALICE_PLEX, "movie:603", None, False)
    assert info.value.message == "**The Matrix (1999)** is already on Plex. Enjoy!"
    assert (info.value.media_type, info.value.tmdb_id, info.value.status) == (
        "movie",
        MATRIX,
        S.AVAILABLE,
    )
    assert await MediaRequest.all().count() == 0 and world.posts() == 0
    assert await world.limiter.remaining("request", "5/hour", ALICE) == 5


async def test_duplicate_requests_are_refused_with_status(db: str, world: World) -> None:
    """Queued or in Overseerr, a second request (own or someone else's) is refused with status."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    with pytest.raises(AlreadyRequested) as queued:
        await world.service.submit(BOB, BOB_PLEX, "movie:438631", None, False)
    assert queued.value.status == S.QUEUED and not queued.value.own
    await world.service.deliver(row.id)
    with pytest.raises(AlreadyRequested) as own:
        await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    assert own.value.message == "You already requested **Dune (2021)**: it's waiting for approval."
    with pytest.raises(AlreadyRequested) as other:
        await world.service.submit(BOB, BOB_PLEX, "movie:438631", None, False)
    assert other.value.message == (
        "**Dune (2021)** has already been requested: it's waiting for approval."
    )
    assert world.posts() == 1 and await MediaRequest.all().count() == 1


async def test_conflict_at_delivery_follows_the_existing_request(db: str, world: World) -> None:
    """Someone requesting on the website in between: Overseerr's 409 counts as success."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    _, body = await world.client().create_request("movie", DUNE, user_id=3)
    result = await world.service.deliver(row.id)
    assert (result.status, result.overseerr_request_id) == (S.PENDING, body["id"])
    assert len(world.fake.media_requests) == 1


async def test_nothing_left_at_delivery_counts_as_success(db: str, world: World) -> None:
    """Overseerr's 202 (no seasons left to request) counts as success too."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "tv:1396", "2", False)
    world.fake.set_media_status(BREAKING_BAD, "tv", 4, seasons={2: 5})
    result = await world.service.deliver(row.id)
    assert result.status == S.AVAILABLE
    assert world.fake.media_requests == {}


async def test_no_overseerr_account(db: str, world: World) -> None:
    """A linked user without an Overseerr account is told so clearly; nothing saved."""
    with pytest.raises(NoOverseerrAccount) as info:
        await world.service.submit(ALICE, 777777, "movie:438631", None, False)
    assert "don't have an Overseerr account" in info.value.message
    assert await MediaRequest.all().count() == 0


async def test_unknown_tmdb_id_is_invalid_input(db: str, world: World) -> None:
    """A hand-made choice value naming no title is refused, not treated as an outage."""
    with pytest.raises(InvalidInput):
        await world.service.submit(ALICE, ALICE_PLEX, "movie:999999", None, False)


async def test_overseerr_down_while_validating(db: str, world: World) -> None:
    """Overseerr unreachable: free text is refused (no use spent), a picked title is kept."""
    await world.fake.stop()
    with pytest.raises(ServiceUnavailable) as info:
        await world.service.submit(ALICE, ALICE_PLEX, "arrival", None, False)
    assert "Pick a title from the suggestions" in info.value.message
    assert await world.limiter.remaining("request", "5/hour", ALICE) == 5
    row = await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    await world.fake.start()
    assert (row.status, row.unchecked, row.overseerr_user_id) == (S.QUEUED, True, None)
    assert await world.limiter.remaining("request", "5/hour", ALICE) == 4


async def test_quota_refusal_shows_overseerrs_message(db: str, world: World) -> None:
    """Overseerr's 403 (quota) at delivery is final: REJECTED with its message kept."""
    first = await world.service.submit(DAVE, DAVE_PLEX, "movie:438631", None, False)
    row = await world.service.submit(DAVE, DAVE_PLEX, "movie:329865", None, False)
    assert (await world.service.deliver(first.id)).status == S.PENDING
    result = await world.service.deliver(row.id)
    assert (result.status, result.message) == (S.REJECTED, "Movie Quota exceeded.")
    await make_due(row.id)
    assert await world.service.deliver_due() == 0
    assert world.posts() == 2


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    """A fresh limiter in memory or on Redis (skipped with a reason when Redis is down)."""
    if request.param == "memory":
        return fresh_limiter()
    candidate = fresh_limiter(REDIS_URL)
    try:
        healthy = await candidate.healthy()
    except Exception:
        healthy = False
    if not healthy:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    return candidate


async def test_rate_limit_counts_only_valid_requests(
    db: str, world: World, limiter: RateLimiter
) -> None:
    """Typos don't cost a use; the extra valid request is refused with a time; exempt skips."""
    service = world.build(rate="2/hour", limiter=limiter)
    with pytest.raises(InvalidInput):
        await service.submit(ALICE, ALICE_PLEX, "tv:1396", "9", False)
    await service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    await service.submit(ALICE, ALICE_PLEX, "movie:329865", None, False)
    with pytest.raises(RateLimited) as info:
        await service.submit(ALICE, ALICE_PLEX, "tv:1396", "1", False)
    assert info.value.retry_at > datetime.now(UTC)
    assert f"<t:{int(info.value.retry_at.timestamp())}:R>" in info.value.message
    await service.submit(ALICE, ALICE_PLEX, "tv:1396", "1", False, exempt=True)
    await service.submit(BOB, BOB_PLEX, "tv:1396", "2", False)
    await limiter.reset("request", "2/hour", ALICE)
    await service.submit(ALICE, ALICE_PLEX, "tv:1396", "3", False)
    assert await MediaRequest.filter(discord_id=ALICE).count() == 4
