"""Cancelling a job for good: its owner or an admin; a running one is stopped first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import InvalidInput, NotAllowed
from bot.i18n import N_
from bot.services.downloads.endings import JobEndings
from bot.services.downloads.folders import DownloadDir
from bot.services.downloads.notices import Notices
from bot.services.downloads.progress import ACTIVE, FINISHED
from bot.services.downloads.runs import Runs
from storage.models import DownloadJob, JobStatus

log = logging.getLogger(__name__)

NOT_YOURS = N_("Only the member who queued this download, or an admin, can cancel it.")


@dataclass
class Canceller:
    """Ends a queued, running or paused job as CANCELLED and removes its partial files."""

    runs: Runs
    endings: JobEndings
    folders: DownloadDir
    notices: Notices
    wait: float  # how long to wait for a running job to wind down

    async def cancel(self, job_id: int, by_discord_id: int, *, is_admin: bool) -> bool:
        """Cancel a queued or running job (its owner or an admin); False if it had ended."""
        async with self.runs.lock:
            job = await DownloadJob.get_or_none(id=job_id)
            if job is None:
                raise InvalidInput(N_("There's no download #{job_id}."), job_id=job_id)
            if job.discord_id != by_discord_id and not is_admin:
                raise NotAllowed(NOT_YOURS)
            if job.status in FINISHED:
                return False
            run = self.runs.get(job_id)
            if run is None:
                ended = await DownloadJob.filter(id=job_id, status__in=ACTIVE).update(
                    status=JobStatus.CANCELLED, error="Cancelled.", finished_at=datetime.now(UTC)
                )
                if not ended:
                    return False
        if run is not None:
            run.stop("cancel")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.finished.wait(), self.wait)
        else:
            await self.endings.discard_open_items(job, self.folders.folder_of(job))
            await job.refresh_from_db()
            await self.runs.feed.send(await self.runs.progress_of(job))
        log.info("youtube: job %s cancelled by %s", job_id, by_discord_id)
        if by_discord_id != job.discord_id:
            await self.notices.cancelled_by_admin(job)
        return True
