"""Download jobs claimed under a lease: never twice at once, taken over when a worker dies."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.services.downloads.lease import Leases, now
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus


async def make_job(title: str, items: int = 2) -> DownloadJob:
    job = await DownloadJob.create(
        discord_id=1,
        url="https://youtube.com/playlist?list=x",
        title=title,
        collection=title,
        folder="/tmp/x",
        status=JobStatus.QUEUED,
    )
    for n in range(1, items + 1):
        await DownloadItem.create(
            job_id=job.id,
            position=n,
            video_id=f"{title}{n}",
            title=f"{title} {n}",
            url=f"https://youtube.com/watch?v={title}{n}",
            status=ItemStatus.QUEUED,
        )
    return job


def leases(db: str, owner: str, seconds: float = 30) -> Leases:
    return Leases(owner, timedelta(seconds=seconds), postgres=not db.startswith("sqlite"))


async def test_two_workers_claiming_at_once_take_different_jobs(db: str) -> None:
    """Concurrent claims never hand one job to two workers, oldest first."""
    first, second = await make_job("a"), await make_job("b")
    a, b = leases(db, "host-a:1"), leases(db, "host-b:1")
    got = await asyncio.gather(a.claim(), b.claim())
    ids = sorted(j.id for j in got if j is not None)
    assert ids == [first.id, second.id]
    assert await a.claim() is None and await b.claim() is None
    owners = set(await DownloadJob.all().values_list("lease_owner", flat=True))
    assert owners == {"host-a:1", "host-b:1"}


async def test_a_lapsed_lease_is_taken_over_and_its_video_starts_again(db: str) -> None:
    """A worker that stopped renewing loses the job; the next claim resets its video."""
    job = await make_job("a")
    dead, alive = leases(db, "dead:1"), leases(db, "alive:1")
    assert (await dead.claim()).id == job.id  # type: ignore[union-attr]
    await DownloadItem.filter(job_id=job.id, position=1).update(status=ItemStatus.DOWNLOADING)
    assert await alive.claim() is None  # the lease still runs
    await DownloadJob.filter(id=job.id).update(lease_until=now() - timedelta(seconds=1))
    taken = await alive.claim()
    assert taken is not None and taken.id == job.id and taken.lease_owner == "alive:1"
    statuses = await DownloadItem.filter(job_id=job.id).values_list("status", flat=True)
    assert set(statuses) == {ItemStatus.QUEUED}
    assert not await dead.renew(job.id)  # the old worker learns the job is gone
    assert await alive.renew(job.id)


async def test_release_and_requeue_own(db: str) -> None:
    """A clean stop queues this worker's jobs again; a released job holds no lease."""
    one, two = await make_job("a"), await make_job("b")
    worker = leases(db, "w:1")
    await worker.claim()
    await worker.claim()
    await worker.release(one.id)
    row = await DownloadJob.get(id=one.id)
    assert row.lease_owner is None and row.lease_until is None
    assert await worker.requeue_own() == 1
    row = await DownloadJob.get(id=two.id)
    assert row.status == JobStatus.QUEUED and row.lease_owner is None
