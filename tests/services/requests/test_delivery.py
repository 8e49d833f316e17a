"""Delivering saved requests exactly once, through outages, crashes and races."""

from __future__ import annotations

import asyncio

import pytest

from storage.models import MediaRequest
from tests.services.requests import members
from tests.services.requests.members import (
    ALICE,
    ALICE_PLEX,
    Crash,
    CrashAfterPost,
    CrashBeforePost,
    S,
    World,
    dms,
    make_due,
)

fake, world = members.fake, members.world  # the fixtures of this world


async def test_overseerr_down_then_up_delivers_once(db: str, world: World) -> None:
    """Down for the submission: queued with backoff, user told once; up: delivered once, told."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    await world.fake.stop()
    result = await world.service.deliver(row.id)
    assert (result.status, result.attempts) == (S.QUEUED, 1)
    assert result.next_attempt_at is not None
    assert await world.service.deliver_due() == 0  # not due yet: backoff
    await make_due(row.id)
    assert await world.service.deliver_due() == 0  # still down
    stored = await MediaRequest.get(id=row.id)
    assert stored.attempts == 2 and stored.last_error and "Overseerr" in stored.last_error
    assert len(await dms(ALICE)) == 1 and "queued" in (await dms(ALICE))[0]
    await world.fake.start()
    await make_due(row.id)
    assert await world.service.deliver_due() == 1
    assert await world.service.deliver_due() == 0
    assert world.posts() == 1 and len(world.fake.media_requests) == 1
    stored = await MediaRequest.get(id=row.id)
    assert stored.status == S.PENDING and stored.next_attempt_at is None
    assert (await dms(ALICE))[1:] == [
        "Your request for **Dune (2021)** went through: it's waiting for approval."
    ]


async def test_5xx_answer_is_retried(db: str, world: World) -> None:
    """A 503 from Overseerr (or its proxy) also leaves the request queued for the job."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    world.fake.fail_next("POST", "/request", 503, body="<html>Bad gateway</html>")
    assert (await world.service.deliver(row.id)).status == S.QUEUED
    await make_due(row.id)
    assert await world.service.deliver_due() == 1
    assert len(world.fake.media_requests) == 1


async def test_crash_between_post_and_save_submits_once(db: str, world: World) -> None:
    """Overseerr took the POST but the bot died before saving: the retry finds it, no 2nd POST."""
    crashing = world.build(CrashAfterPost)
    row = await crashing.submit(ALICE, ALICE_PLEX, "tv:1396", "1-2", False)
    with pytest.raises(Crash):
        await crashing.deliver(row.id)
    assert len(world.fake.media_requests) == 1
    (made,) = world.fake.media_requests
    restarted = world.build()
    assert await restarted.deliver_due() == 0  # the dead attempt's lease still holds
    assert (await restarted.deliver(row.id)).status == S.QUEUED
    await make_due(row.id)
    assert await restarted.deliver_due() == 1
    stored = await MediaRequest.get(id=row.id)
    assert (stored.status, stored.overseerr_request_id) == (S.PENDING, made)
    assert world.posts() == 1 and len(world.fake.media_requests) == 1
    assert len(await dms(ALICE)) == 1


async def test_crash_before_post_submits_on_restart(db: str, world: World) -> None:
    """The bot died after claiming but before posting: the retry looks, finds nothing, posts."""
    crashing = world.build(CrashBeforePost)
    row = await crashing.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    with pytest.raises(Crash):
        await crashing.deliver(row.id)
    await make_due(row.id)
    assert await world.build().deliver_due() == 1
    assert world.posts() == 1 and len(world.fake.media_requests) == 1


async def test_saved_but_never_delivered_is_picked_up(db: str, world: World) -> None:
    """A request saved right before a crash (no attempt) is delivered by the job later."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    assert await world.service.deliver_due() == 0  # the command is still expected to deliver
    await make_due(row.id)
    assert await world.build().deliver_due() == 1
    assert world.posts() == 1


async def test_concurrent_deliveries_post_once(db: str, world: World) -> None:
    """The command and the job racing for one request make one POST between them."""
    row = await world.service.submit(ALICE, ALICE_PLEX, "movie:438631", None, False)
    await make_due(row.id)
    results = await asyncio.gather(
        world.service.deliver(row.id), world.build().deliver_due(), world.build().deliver(row.id)
    )
    assert world.posts() == 1
    assert (await MediaRequest.get(id=row.id)).status == S.PENDING
    assert results[0].status in (S.QUEUED, S.PENDING)
