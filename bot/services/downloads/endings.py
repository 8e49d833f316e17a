"""How a run ends: done, partial or failed (then filed in Plex), cancelled, or paused."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clients.ytdlp import Entry
from bot.services.downloads.block import PAUSED_MESSAGE
from bot.services.downloads.filing import PlexFiling
from bot.services.downloads.notices import Notices
from bot.services.downloads.progress import FINISHED
from bot.services.downloads.runs import JobRun
from bot.services.downloads.space import DiskSpace
from bot.services.downloads.text import human_bytes, plural
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus

if TYPE_CHECKING:
    from bot.clients.ytdlp import YtDlp

log = logging.getLogger(__name__)


@dataclass
class JobEndings:
    """Stores a run's final state, sends it, and does what that state calls for."""

    ytdlp: YtDlp
    filing: PlexFiling
    notices: Notices
    space: DiskSpace

    async def end(self, run: JobRun, status: JobStatus, message: str | None) -> None:
        """Store the job's new status and message, and show it at once."""
        job = run.job
        job.status = status
        job.error = message  # type: ignore[assignment]
        job.finished_at = datetime.now(UTC) if status in FINISHED else None
        await job.save(update_fields=["status", "error", "finished_at", "updated_at"])
        await run.pump.send_now()

    async def complete(self, run: JobRun) -> None:
        """Every item was tried: end the job, file it in Plex, tell the requester."""
        job = run.job
        failures = await DownloadItem.filter(job_id=job.id, status=ItemStatus.FAILED).order_by(
            "position"
        )
        if not failures:
            await self.end(run, JobStatus.COMPLETED, None)
        else:
            why = f"{plural(len(failures), 'video')} failed, e.g. {failures[0].error or '?'}"
            status = JobStatus.PARTIAL if run.done else JobStatus.FAILED
            await self.end(run, status, why[:1000])
        log.info("youtube: job %s %s (%s/%s)", job.id, job.status, run.done, run.total)
        if run.done and await self.filing.file(job, run.wake):
            await run.pump.send_now()
        await self.notices.finished(job, run.done, len(failures), run.total)

    async def cancelled(self, run: JobRun, folder: Path) -> None:
        await self.discard_open_items(run.job, folder)
        run.current = None
        await self.end(run, JobStatus.CANCELLED, "Cancelled.")
        log.info("youtube: job %s cancelled", run.job.id)

    async def paused(self, run: JobRun) -> None:
        try:
            free = await self.space.free()
        except OSError:
            free = 0
        await self.end(run, JobStatus.PAUSED, self.space.pause_message(free))
        log.warning("youtube: job %s paused, %s free", run.job.id, human_bytes(free))
        await self.notices.paused(run.job, free, self.space.min_free_bytes)

    async def blocked(self, run: JobRun) -> None:
        """YouTube refused the server: the job waits, PAUSED, for an admin to resume."""
        await self.end(run, JobStatus.PAUSED, PAUSED_MESSAGE)
        log.warning("youtube: job %s paused by a YouTube refusal", run.job.id)

    async def discard_open_items(self, job: DownloadJob, folder: Path | None) -> None:
        """Cancel unfinished items and delete their files, unless a done item shares them."""
        open_items = await DownloadItem.filter(
            job_id=job.id, status__in=(ItemStatus.QUEUED, ItemStatus.DOWNLOADING)
        )
        await DownloadItem.filter(id__in=[i.id for i in open_items]).update(
            status=ItemStatus.CANCELLED
        )
        if folder is None:
            return
        kept = set(
            await DownloadItem.filter(status=ItemStatus.DONE, job__folder=job.folder).values_list(
                "video_id", flat=True
            )
        )
        for item in open_items:
            if item.video_id not in kept:
                entry = Entry(item.video_id, item.title, item.url)
                for path in await self.ytdlp.discard(entry, folder):
                    log.info("youtube: removed partial file %s", path.name)
