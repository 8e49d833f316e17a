"""The disk-space pause: a job pauses below the floor and carries on once there is room."""

from __future__ import annotations

from storage.models import JobStatus, TargetKind
from tests.eventually import eventually
from tests.services.downloads.rig import (
    ALICE,
    HEALTH,
    SLOW,
    Rig,
    finished,
    messages,
    part_bytes,
    settled,
)


async def test_low_disk_pauses_then_resumes(rig: Rig) -> None:
    """Below the free-space floor the job pauses with a message and an admin alert, and carries
    on from where it was once `resume_paused` sees room again."""
    url, ids = rig.playlist("disk", 2, size=200_000)
    rig.media.throttle(ids[0], 200_000)
    service = rig.build(idle_poll=60.0)  # only this test calls resume_paused
    await service.start()
    job = await service.queue(ALICE, url, None, None)
    await eventually(lambda: part_bytes(rig.download_dir / "disk title") > 10_000, SLOW)

    rig.free[0] = 2**20
    job = await finished(job.id, JobStatus.PAUSED)
    assert job.error and job.error.startswith("Paused: the download disk has only 1.0 MB free")
    # posted just after the pause
    await eventually(lambda: messages(TargetKind.CHANNEL, HEALTH), SLOW)
    (alert,) = await messages(TargetKind.CHANNEL, HEALTH)
    assert f"#{job.id}" in alert and "paused" in alert
    assert rig.sinks[service].of(job.id)[-1][1].status == JobStatus.PAUSED
    assert await service.resume_paused() == 0  # still no room

    rig.free[0] = 100 * 2**30
    rig.media.throttle(ids[0], None)
    assert await service.resume_paused() == 1
    job = await settled(job.id)
    assert job.status == JobStatus.COMPLETED and job.error is None
    assert any(r[1] and r[1].startswith("bytes=") for r in rig.media.ranges if r[0] == ids[0])
