"""Progress of jobs that run in another process: stored by their worker, relayed by the bot.

A worker has no Discord connection. Its progress sink writes each update into the job's
row; the bot reads rows changed since it last looked and hands them to the same relay its
own workers use, so the progress message is edited alike wherever the job runs.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from bot.services.downloads.progress import JobProgress, ProgressSink
from storage.models import DownloadJob, JobStatus

# Rows updated longer ago than this are not looked at (a margin for clocks that differ).
WINDOW = timedelta(minutes=15)


def now() -> datetime:
    return datetime.now(UTC)


class StoredProgress:
    """The progress sink of a worker process: the job's row holds the latest update."""

    async def job_progress(self, progress: JobProgress) -> None:
        await DownloadJob.filter(id=progress.job_id).update(
            progress=dataclasses.asdict(progress), progress_at=now()
        )


class RemoteProgress:
    """Relays the stored progress of jobs run elsewhere, each update once (a scheduler job)."""

    def __init__(self, sink: ProgressSink) -> None:
        self.sink = sink
        self._seen: dict[int, datetime] = {}

    async def relay(self) -> int:
        """Send every update stored since the last look; returns how many were sent."""
        rows = await DownloadJob.filter(
            progress_at__gte=now() - WINDOW, progress__not_isnull=True
        ).order_by("progress_at")
        sent = 0
        for row in rows:
            if row.progress_at is None or self._seen.get(row.id) == row.progress_at:
                continue
            self._seen[row.id] = row.progress_at
            stored = dict(row.progress or {})
            stored["status"] = JobStatus(stored["status"])
            update = JobProgress(**stored)
            # The progress message may have been posted after the worker read the job.
            update = dataclasses.replace(
                update, channel_id=row.channel_id, progress_message_id=row.progress_message_id
            )
            await self.sink.job_progress(update)
            sent += 1
        live = {row.id for row in rows}
        self._seen = {k: v for k, v in self._seen.items() if k in live}
        return sent
