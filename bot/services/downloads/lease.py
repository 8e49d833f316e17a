"""Download jobs claimed under a lease, so several worker processes can share one queue.

A worker takes the oldest queued job, or a running one whose lease lapsed (its worker died),
and renews the lease while it works. On PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`,
so two workers never take the same job; SQLite serves one process, where the same query
without the lock is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus

LEASE = timedelta(seconds=30)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Leases:
    """Claims and renews jobs for one worker process (`owner` names it)."""

    owner: str
    length: timedelta = LEASE
    postgres: bool = False

    async def claim(self) -> DownloadJob | None:
        """Take the next job: queued, or running under a lapsed lease; None when there is none."""
        at = now()
        takeable = Q(status=JobStatus.QUEUED) | Q(
            Q(status=JobStatus.RUNNING) & Q(Q(lease_until__lt=at) | Q(lease_until__isnull=True))
        )
        async with in_transaction():
            query = DownloadJob.filter(takeable).order_by("id").limit(1)
            if self.postgres:
                query = query.select_for_update(skip_locked=True)
            found = await query
            if not found:
                return None
            job = found[0]
            orphaned = job.status == JobStatus.RUNNING
            job.status = JobStatus.RUNNING
            job.lease_owner = self.owner
            job.lease_until = at + self.length
            await job.save(update_fields=["status", "lease_owner", "lease_until"])
            if orphaned:  # its worker died mid-video: that video starts again (its .part resumes)
                await DownloadItem.filter(job_id=job.id, status=ItemStatus.DOWNLOADING).update(
                    status=ItemStatus.QUEUED
                )
        return job

    async def renew(self, job_id: int) -> bool:
        """Extend the lease; False when the job is no longer this worker's (it lapsed)."""
        renewed = await DownloadJob.filter(id=job_id, lease_owner=self.owner).update(
            lease_until=now() + self.length
        )
        return renewed > 0

    async def release(self, job_id: int) -> None:
        """The job left RUNNING here (done, paused, stopped): nobody holds it now."""
        await DownloadJob.filter(id=job_id, lease_owner=self.owner).update(
            lease_owner=None, lease_until=None
        )

    async def requeue_own(self) -> int:
        """Jobs this worker held when it stopped go back to the queue (same name restarted)."""
        await DownloadItem.filter(
            job__lease_owner=self.owner, status=ItemStatus.DOWNLOADING
        ).update(status=ItemStatus.QUEUED)
        return await DownloadJob.filter(lease_owner=self.owner, status=JobStatus.RUNNING).update(
            status=JobStatus.QUEUED, lease_owner=None, lease_until=None
        )
