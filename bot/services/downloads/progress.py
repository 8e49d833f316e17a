"""Where a job stands (`JobProgress`), where that goes (`ProgressSink`) and how often.

A `ProgressPump` per running job sends its state at once, then at most once every
`ProgressFeed.every` seconds of the feed's clock; the end of a job is sent with
`send_now`, whatever the throttle says. `ProgressRelay` is the sink the service is built
with: the Discord side, which exists only once the bot does, attaches to it when its cog
loads and detaches when it unloads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from bot.clients.ytdlp import Progress
from bot.services.downloads.clock import Clock
from bot.services.tasks import stop_tasks
from storage.models import DownloadJob, JobStatus

log = logging.getLogger(__name__)

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED)
FINISHED = (JobStatus.COMPLETED, JobStatus.PARTIAL, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class JobProgress:
    """Where a job stands, for the progress message and `/downloads`."""

    job_id: int
    discord_id: int
    title: str
    collection: str
    status: JobStatus
    done: int
    failed: int
    total: int
    current_title: str | None = None
    downloaded: int | None = None  # bytes of the current video
    size: int | None = None  # total bytes of the current video, when known
    speed: float | None = None  # bytes per second
    eta: float | None = None  # seconds left on the current video
    channel_id: int | None = None
    progress_message_id: int | None = None
    message: str | None = None  # why it paused, failed or was cancelled
    plex_synced: bool = False

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def fraction(self) -> float:
        """How much of the job is behind us, 0..1 (the current video counts in part)."""
        if self.total <= 0:
            return 1.0
        current = 0.0
        if self.downloaded is not None and self.size:
            current = min(1.0, self.downloaded / self.size)
        return min(1.0, (self.done + self.failed + current) / self.total)

    def bar(self, width: int = 20) -> str:
        """A text progress bar such as `▰▰▰▱▱▱ 50%`."""
        filled = round(self.fraction * width)
        return "▰" * filled + "▱" * (width - filled) + f" {self.fraction:.0%}"


def job_progress(
    job: DownloadJob,
    *,
    total: int,
    done: int,
    failed: int,
    current: str | None = None,
    progress: Progress | None = None,
) -> JobProgress:
    """The JobProgress of a stored job with these counts (and the current download's state)."""
    return JobProgress(
        job_id=job.id,
        discord_id=job.discord_id,
        title=job.title,
        collection=job.collection,
        status=JobStatus(job.status),
        done=done,
        failed=failed,
        total=total,
        current_title=current,
        downloaded=progress.downloaded if progress else None,
        size=progress.total if progress else None,
        speed=progress.speed if progress else None,
        eta=progress.eta if progress else None,
        channel_id=job.channel_id,
        progress_message_id=job.progress_message_id,
        message=job.error,
        plex_synced=job.plex_synced,
    )


class ProgressSink(Protocol):
    async def job_progress(self, progress: JobProgress) -> None:
        """Show the job's progress (the Discord side edits the progress message)."""
        ...


class ProgressRelay:
    """A sink that forwards to the one attached later; with none attached, updates are dropped."""

    def __init__(self) -> None:
        self._target: ProgressSink | None = None

    def attach(self, sink: ProgressSink) -> None:
        """Send progress to `sink` from now on (once: detach before attaching another)."""
        if self._target is not None:
            raise RuntimeError("a progress sink is already attached")
        self._target = sink

    def detach(self) -> None:
        """Stop sending progress anywhere."""
        self._target = None

    async def job_progress(self, progress: JobProgress) -> None:
        if self._target is not None:
            await self._target.job_progress(progress)


@dataclass(frozen=True)
class ProgressFeed:
    """Where progress goes, how many seconds apart a job's updates are, and by which clock."""

    sink: ProgressSink
    every: float
    clock: Clock

    async def send(self, progress: JobProgress) -> None:
        """Hand one update to the sink; a sink that fails is logged, never the job's problem."""
        try:
            await self.sink.job_progress(progress)
        except Exception:
            log.exception("youtube: progress for job %s not shown", progress.job_id)


class ProgressPump:
    """Sends one job's state: at once, then at most once every `feed.every` seconds.

    Used as `async with pump:` around the job's run, which owns the pump's task.
    """

    def __init__(self, feed: ProgressFeed, snapshot: Callable[[], JobProgress]) -> None:
        self.feed = feed
        self.snapshot = snapshot
        self._pending = asyncio.Event()
        self._lock = asyncio.Lock()  # one send at a time, so updates arrive in order
        self._last = float("-inf")
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def __aenter__(self) -> ProgressPump:
        self._task = asyncio.create_task(self._pump(), name="youtube-progress")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def changed(self) -> None:
        """The job's state changed: send it when the throttle allows."""
        if not self._closed:
            self._pending.set()

    async def send_now(self) -> None:
        """Send the state now, after any send in flight; the throttle counts from here."""
        async with self._lock:
            self._pending.clear()
            self._last = self.feed.clock.now()
            await self.feed.send(self.snapshot())

    async def close(self) -> None:
        """Stop the pump after the send in flight; later changes are not sent."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            async with self._lock:
                await stop_tasks([task])

    async def _pump(self) -> None:
        while True:
            await self._pending.wait()
            delay = self._last + self.feed.every - self.feed.clock.now()
            if delay > 0:
                await self.feed.clock.sleep(delay)
                continue  # a send_now may have sent it meanwhile
            await self.send_now()
