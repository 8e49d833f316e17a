"""The jobs this process is working on now, each with its stop reason and progress pump."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.clients.ytdlp import Progress
from bot.services.downloads.progress import JobProgress, ProgressFeed, ProgressPump, job_progress
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus

_STOP_RANK = {"pause": 1, "blocked": 2, "stop": 3, "cancel": 4, "lost": 5}


class Counts(NamedTuple):
    total: int
    done: int
    failed: int


async def counts(job: DownloadJob) -> Counts:
    """How many items the job has, and how many of them are done and failed, as stored."""
    statuses = await DownloadItem.filter(job_id=job.id).values_list("status", flat=True)
    return Counts(
        len(statuses),
        sum(s == ItemStatus.DONE for s in statuses),
        sum(s == ItemStatus.FAILED for s in statuses),
    )


@dataclass(eq=False)
class JobRun:
    """A job being worked on in this process."""

    job: DownloadJob
    total: int
    done: int
    failed: int
    feed: ProgressFeed
    cancel: threading.Event = field(default_factory=threading.Event)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str | None = None  # pause | blocked | stop | cancel | lost (to another worker)
    current: str | None = None
    progress: Progress | None = None
    pump: ProgressPump = field(init=False)

    def __post_init__(self) -> None:
        self.pump = ProgressPump(self.feed, self.snapshot)

    def stop(self, reason: str) -> None:
        """Ask the run to stop; a cancel outranks a stop, which outranks a pause."""
        if self.reason is None or _STOP_RANK[reason] > _STOP_RANK[self.reason]:
            self.reason = reason
        self.cancel.set()
        self.wake.set()

    def changed(self) -> None:
        """Something shown in the progress changed."""
        self.pump.changed()

    def snapshot(self) -> JobProgress:
        running = self.job.status == JobStatus.RUNNING
        return job_progress(
            self.job,
            total=self.total,
            done=self.done,
            failed=self.failed,
            current=self.current if running else None,
            progress=self.progress if running else None,
        )


class Runs:
    """The runs by job id, the lock for claiming and cancelling, the event that wakes workers."""

    def __init__(self, feed: ProgressFeed) -> None:
        self.feed = feed
        self.lock = asyncio.Lock()
        self.work = asyncio.Event()  # a job may be waiting
        self._runs: dict[int, JobRun] = {}

    def get(self, job_id: int) -> JobRun | None:
        return self._runs.get(job_id)

    def all(self) -> list[JobRun]:
        return list(self._runs.values())

    async def open(self, job: DownloadJob) -> JobRun:
        """Register a run for a job just claimed, counting its items as stored."""
        total, done, failed = await counts(job)
        run = JobRun(job, total, done, failed, self.feed)
        self._runs[job.id] = run
        return run

    def close(self, run: JobRun) -> None:
        self._runs.pop(run.job.id, None)
        run.finished.set()

    async def progress_of(self, job: DownloadJob) -> JobProgress:
        """The job's progress: live while it runs here, else from the stored items."""
        run = self._runs.get(job.id)
        if run is not None:
            return run.snapshot()
        total, done, failed = await counts(job)
        return job_progress(job, total=total, done=done, failed=failed)
