"""Cancelling: a running job stops and loses its partial files; a queued one never starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import NotAllowed
from storage.models import DownloadJob, ItemStatus, JobStatus, TargetKind
from tests.eventually import eventually
from tests.services.downloads.rig import (
    ADMIN,
    ALICE,
    BOB,
    SLOW,
    Rig,
    items,
    messages,
    part_bytes,
    partials,
)


async def test_cancel_mid_download_removes_partial_files(rig: Rig) -> None:
    """Cancelling a running job stops it promptly, deletes its .part files, keeps done files."""
    service, job, folder, _ = await rig.halfway("long")

    with pytest.raises(NotAllowed):
        await service.cancel(job.id, BOB, is_admin=False)
    assert await service.cancel(job.id, ALICE, is_admin=False) is True

    job = await DownloadJob.get(id=job.id)
    assert job.status == JobStatus.CANCELLED
    rows = await items(job.id)
    assert [r.status for r in rows] == [ItemStatus.DONE, ItemStatus.CANCELLED]
    assert partials(folder) == []
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".mp4") == [
        Path(rows[0].file_path).name
    ]
    assert rig.sinks[service].of(job.id)[-1][1].status == JobStatus.CANCELLED
    assert await service.cancel(job.id, ALICE, is_admin=False) is False
    assert await messages(TargetKind.DM, ALICE) == []


async def test_admin_cancels_a_queued_job(rig: Rig) -> None:
    """A queued job cancelled by an admin never starts, and its owner is told by DM."""
    url, ids = rig.playlist("slow", 1, size=200_000)
    rig.media.throttle(ids[0], 50_000)
    url2, _ = rig.playlist("later", 1)
    service = rig.build(max_concurrent=1)
    await service.start()
    first = await service.queue(ALICE, url, None, None)
    second = await service.queue(BOB, url2, None, None)
    await eventually(lambda: part_bytes(rig.download_dir / "slow title") > 0, SLOW)

    assert await service.cancel(second.id, ADMIN, is_admin=True) is True

    assert (await DownloadJob.get(id=second.id)).status == JobStatus.CANCELLED
    assert [r.status for r in await items(second.id)] == [ItemStatus.CANCELLED]
    (dm,) = await messages(TargetKind.DM, BOB)
    assert "An admin cancelled" in dm
    await service.cancel(first.id, ALICE, is_admin=False)
    assert rig.media.ranges.count(("later-v1", None)) == 0
