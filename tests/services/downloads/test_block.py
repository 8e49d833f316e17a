"""When YouTube pushes back: the queue pauses without retries, admins are told once."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import InvalidInput
from storage.models import DownloadJob, ItemStatus, JobStatus, TargetKind
from tests.services.downloads.rig import ALICE, HEALTH, Rig, finished, items, messages


async def test_bot_check_pauses_queue_until_an_admin_resumes(rig: Rig) -> None:
    """A video whose extractor answers with the bot check: no retries, one admin alert naming
    both remedies (cookies, PO tokens) one line each, the whole queue paused (across a
    restart), and resumed by an admin."""
    url, ids = rig.playlist("bot", 2)
    later, _ = rig.playlist("later", 1)
    rig.media.bot_check(ids[0])
    service = rig.build(item_retries=3, max_concurrent=1)
    await service.start()
    blocked = await service.queue(ALICE, url, None, None)
    waiting = await service.queue(ALICE, later, None, None)  # behind it in the queue

    job = await finished(blocked.id, JobStatus.PAUSED)

    first, second = await items(job.id)
    assert (first.status, first.attempts, second.status) == (
        ItemStatus.QUEUED,
        0,
        ItemStatus.QUEUED,
    )
    assert len([r for r in rig.media.ranges if r[0] == ids[0]]) == 1  # tried once, not 4 times
    assert "refusing this server" in (job.error or "")
    (alert,) = await messages(TargetKind.CHANNEL, HEALTH)
    assert "not a bot" in alert and "/youtube resume" in alert
    remedies = [line for line in alert.splitlines() if line.startswith("• ")]
    assert [line.split(":")[0] for line in remedies] == ["• Cookies", "• PO tokens"]
    assert "YOUTUBE_COOKIES_FILE" in remedies[0] and "bgutil-ytdlp-pot-provider" in remedies[1]

    with pytest.raises(InvalidInput, match="downloads are paused"):
        await service.queue(ALICE, later, None, None)
    await service.resume_paused()  # the disk-space resume leaves a blocked queue alone
    await asyncio.sleep(0.5)  # a few idle polls: nothing is claimed while blocked
    assert (await DownloadJob.get(id=waiting.id)).status == JobStatus.QUEUED
    assert (await DownloadJob.get(id=job.id)).status == JobStatus.PAUSED

    await service.stop()  # a restart keeps the block
    service = rig.build(item_retries=3)
    await service.start()
    assert service.paused_by_youtube

    rig.media.fail(ids[0], times=0)  # YouTube lets the server in again
    assert await service.resume_blocked() == 1
    for done in (job.id, waiting.id):
        assert (await finished(done)).status == JobStatus.COMPLETED
    assert len(await messages(TargetKind.CHANNEL, HEALTH)) == 1


async def test_refused_listing_pauses_and_tells_the_member(rig: Rig) -> None:
    """A bot check while listing pauses the queue and tells the member; while paused, /youtube
    download refuses at once without asking YouTube again; admins are alerted once."""
    rig.media.add_video("solo", "Solo")
    rig.media.bot_check("solo")
    service = rig.build()
    await service.start()

    with pytest.raises(InvalidInput, match="refusing this server"):
        await service.queue(ALICE, rig.media.video_url("solo"), None, None)
    assert service.paused_by_youtube
    asked = len(rig.media.ranges)
    with pytest.raises(InvalidInput, match="refusing this server"):
        await service.queue(ALICE, rig.media.video_url("solo"), None, None)
    assert len(rig.media.ranges) == asked
    assert len(await messages(TargetKind.CHANNEL, HEALTH)) == 1
    assert await DownloadJob.all().count() == 0
