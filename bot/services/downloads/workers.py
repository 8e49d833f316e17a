"""The worker pool: takes queued jobs in order and downloads each item, retrying with backoff.

`start()` and `stop()` are a pair: start launches the workers and the disk-space watch,
stop ends them all and awaits them. Stopping leaves running jobs resumable (RUNNING →
QUEUED, `.part` files kept); the next start takes them up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clients.ytdlp import Cancelled, Downloaded, DownloadFailed, Entry, Progress, YouTubeBlocked
from bot.services.downloads.block import QueueBlock
from bot.services.downloads.endings import JobEndings
from bot.services.downloads.folders import DownloadDir
from bot.services.downloads.lease import Leases
from bot.services.downloads.options import DownloadOptions
from bot.services.downloads.runs import JobRun, Runs
from bot.services.downloads.space import DiskSpace
from bot.services.error_log import is_database_error
from bot.services.retry import DATABASE_RETURN
from bot.services.tasks import stop_tasks
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus

if TYPE_CHECKING:
    from bot.clients.ytdlp import YtDlp

log = logging.getLogger(__name__)

ARCHIVE = ".yt-dlp-archive.txt"
_SETTLED = (ItemStatus.DONE, ItemStatus.FAILED, ItemStatus.CANCELLED)


@dataclass
class WorkerPool:
    """`options.max_concurrent` workers, each running one job at a time."""

    ytdlp: YtDlp
    runs: Runs
    folders: DownloadDir
    space: DiskSpace
    endings: JobEndings
    block: QueueBlock
    options: DownloadOptions
    leases: Leases
    _workers: list[asyncio.Task[None]] = field(default_factory=list, init=False)
    _watch: asyncio.Task[None] | None = field(default=None, init=False)
    _stopping: bool = field(default=False, init=False)

    async def start(self) -> None:
        """Start the workers; jobs a crash left RUNNING here are queued again first.

        With one process (SQLite) every RUNNING job was ours; on a shared queue only the
        ones this worker's name held, the others are taken over when their lease lapses.
        """
        if self._workers:
            return
        root = self.options.download_dir
        await asyncio.to_thread(root.mkdir, parents=True, exist_ok=True)
        if self.leases.postgres:
            resumed = await self.leases.requeue_own()
        else:
            resumed = await DownloadJob.filter(status=JobStatus.RUNNING).update(
                status=JobStatus.QUEUED, lease_owner=None, lease_until=None
            )
            await DownloadItem.filter(status=ItemStatus.DOWNLOADING).update(
                status=ItemStatus.QUEUED
            )
        if resumed:
            log.info("youtube: resuming %s interrupted jobs", resumed)
        await self.block.load()
        self._stopping = False
        self._workers = [
            asyncio.create_task(self._worker(), name=f"youtube-worker-{n}")
            for n in range(self.options.max_concurrent)
        ]
        self._watch = asyncio.create_task(self.space.watch(self.runs), name="youtube-space-watch")

    async def stop(self) -> None:
        """Stop the workers promptly; running jobs go back to QUEUED with their .part files."""
        self._stopping = True
        for run in self.runs.all():
            run.stop("stop")
        self.runs.work.set()
        workers, self._workers = self._workers, []
        watch, self._watch = self._watch, None
        await stop_tasks(workers, grace=self.options.stop_timeout)
        await stop_tasks([watch] if watch else [])

    async def _worker(self) -> None:
        while not self._stopping:
            try:
                run = await self._claim()
            except Exception:
                log.exception("youtube: could not claim a job")
                run = None
            if run is not None:
                await self._run_safely(run)
                continue
            # Paused jobs are resumed by the scheduler's downloads-resume job, their one owner.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.runs.work.wait(), self.options.idle_poll)
            self.runs.work.clear()

    async def _claim(self) -> JobRun | None:
        """Take the oldest queued job (or one whose worker's lease lapsed), if any."""
        async with self.runs.lock:
            if self._stopping or self.block.active:
                return None
            job = await self.leases.claim()
            return None if job is None else await self.runs.open(job)

    async def _keep_lease(self, run: JobRun) -> None:
        """Renew the job's lease while it runs; another worker took it when renewal fails."""
        every = self.leases.length.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                kept = await self.leases.renew(run.job.id)
            except Exception as exc:  # the database is away: the lease may lapse meanwhile
                log.warning("youtube: could not renew the lease of job %s: %r", run.job.id, exc)
                continue
            if not kept:
                log.warning("youtube: job %s was taken over by another worker", run.job.id)
                run.stop("lost")
                return

    async def _run_safely(self, run: JobRun) -> None:
        lease = asyncio.create_task(self._keep_lease(run), name=f"youtube-lease-{run.job.id}")
        try:
            async with run.pump:
                try:
                    await self._run(run)
                except asyncio.CancelledError:
                    raise  # stop() gave up waiting: start() queues the job again
                except Exception as exc:
                    if not is_database_error(exc):
                        log.exception("youtube: job %s failed unexpectedly", run.job.id)
                        await self._fail(run)
                    else:
                        await self._queue_again_when_database_returns(run, exc)
        finally:
            await stop_tasks([lease])
            self.runs.close(run)
        if run.reason != "lost":
            with contextlib.suppress(Exception):  # a lease left behind lapses by itself
                await self.leases.release(run.job.id)

    async def _queue_again_when_database_returns(self, run: JobRun, exc: BaseException) -> None:
        """The database went away mid-job: once it answers, the job goes back in the queue.

        Finished videos are not fetched again and `.part` files resume, as after a restart.
        """
        log.warning(
            "youtube: job %s lost the database (%r); queued again when back", run.job.id, exc
        )
        attempts = 0
        while not self._stopping:
            try:
                await DownloadItem.filter(job_id=run.job.id, status=ItemStatus.DOWNLOADING).update(
                    status=ItemStatus.QUEUED
                )
                await DownloadJob.filter(id=run.job.id, status=JobStatus.RUNNING).update(
                    status=JobStatus.QUEUED
                )
            except Exception as again:
                if not is_database_error(again):
                    raise
                attempts += 1
                if DATABASE_RETURN.gives_up_after(attempts):
                    log.error(
                        "youtube: job %s still has no database; the next start queues it again",
                        run.job.id,
                    )
                    return
                await asyncio.sleep(DATABASE_RETURN.delay(attempts))
                continue
            self.runs.work.set()
            return

    async def _fail(self, run: JobRun) -> None:
        try:
            await self.endings.end(run, JobStatus.FAILED, "Something went wrong on our side.")
        except Exception:  # e.g. the database is gone: start() queues the job again
            log.exception("youtube: could not mark job %s failed", run.job.id)

    async def _run(self, run: JobRun) -> None:
        job = run.job
        folder = self.folders.folder_of(job)
        if folder is None:
            await self.endings.end(
                run, JobStatus.FAILED, "Its folder is outside the download folder."
            )
            return
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        if job.error:  # a pause message from before
            job.error = None  # type: ignore[assignment]
            await job.save(update_fields=["error"])
        run.changed()
        episodes = await self.endings.filing.episode_numbers()
        for item in await DownloadItem.filter(job_id=job.id).order_by("position"):
            if item.status in _SETTLED:
                continue
            if run.reason is None and not await self.space.ok():
                run.stop("pause")
            if run.reason is not None:
                break
            await self._fetch(run, item, folder, episodes)
        if run.reason == "lost":
            return  # another worker has the job now: nothing here is ours to write
        if run.reason == "cancel":
            await self.endings.cancelled(run, folder)
        elif run.reason == "stop":
            await DownloadJob.filter(id=job.id, status=JobStatus.RUNNING).update(
                status=JobStatus.QUEUED
            )
            log.info("youtube: job %s stopped, will resume", job.id)
        elif run.reason == "pause":
            await self.endings.paused(run)
        elif run.reason == "blocked":
            await self.endings.blocked(run)
        else:
            await self.endings.complete(run)

    async def _fetch(self, run: JobRun, item: DownloadItem, folder: Path, episodes: bool) -> None:
        """Download one item, retrying with backoff; leaves it DONE, FAILED or QUEUED.

        A refusal of the whole server (YouTubeBlocked) is no failed attempt: the item goes
        back to QUEUED and the queue pauses until an admin resumes it.
        """
        o = self.options
        entry = Entry(
            item.video_id,
            item.title,
            item.url,
            item.description or "",
            item.upload_date,
            item.thumbnail_url,
            episode=item.position if episodes else None,
        )
        run.current = item.title
        fields = ["status", "attempts", "error", "file_path"]
        while True:
            run.progress = None
            item.status = ItemStatus.DOWNLOADING
            item.attempts += 1
            await item.save(update_fields=fields)
            run.changed()
            try:
                downloaded = await self.ytdlp.download(
                    entry,
                    folder,
                    archive=folder / ARCHIVE,
                    on_progress=lambda p: self._on_progress(run, p),
                    cancel=run.cancel,
                    retries=o.ytdlp_retries,
                )
                path = downloaded.path
            except (Cancelled, YouTubeBlocked) as exc:
                item.attempts -= 1  # neither an interruption nor a refusal is a failed attempt
                item.status = ItemStatus.QUEUED
                await item.save(update_fields=fields)
                if isinstance(exc, YouTubeBlocked):
                    await self.block.block(exc)
                return
            except DownloadFailed as exc:
                reason = exc.reason
            except Exception as exc:  # a bug or an OS error must not stop the whole queue
                log.exception("youtube: item %s of job %s broke", item.id, run.job.id)
                reason = f"unexpected error ({type(exc).__name__})"
            else:
                if not self.folders.inside(path):
                    await asyncio.to_thread(path.unlink, True)
                    reason = "its file name would leave the download folder"
                    item.attempts = o.item_retries + 1  # never worth retrying
                else:
                    await self._done(item, downloaded, fields)
                    run.done += 1
                    run.progress = None
                    run.changed()
                    return
            item.error = reason[:1000]
            if item.attempts > o.item_retries:
                item.status = ItemStatus.FAILED
                await item.save(update_fields=fields)
                run.failed += 1
                log.info("youtube: item %s of job %s failed: %s", item.id, run.job.id, reason)
                run.changed()
                return
            item.status = ItemStatus.QUEUED
            await item.save(update_fields=fields)
            delay = o.retry_policy.delay(item.attempts)
            log.info("youtube: item %s failed (%s), retry in %.1fs", item.id, reason, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.wake.wait(), delay)
            if run.reason is not None:
                return

    @staticmethod
    async def _done(item: DownloadItem, downloaded: Downloaded, fields: list[str]) -> None:
        """Store the finished item with what the download said about the video."""
        item.status = ItemStatus.DONE
        item.file_path = str(downloaded.path)
        item.error = None  # type: ignore[assignment]
        item.description = downloaded.description[:5000] or item.description
        item.upload_date = downloaded.upload_date or item.upload_date
        thumbnail = downloaded.thumbnail
        item.thumbnail_path = str(thumbnail) if thumbnail else None  # type: ignore[assignment]
        more = ["description", "upload_date", "thumbnail_path"]
        await item.save(update_fields=[*fields, *more])

    def _on_progress(self, run: JobRun, progress: Progress) -> None:
        """Called on the loop for each progress report of the current download."""
        run.progress = progress
        run.changed()
