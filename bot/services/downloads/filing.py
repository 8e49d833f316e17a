"""Plex filing: scan a finished job's folder into the section and gather it in a collection.

If Plex is down when a job ends, `file_pending` (a scheduler job) tries again until
`PLEX_GIVE_UP` has passed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.clients.plex import PlexClient
from bot.errors import DependencyError
from bot.services.downloads.folders import DownloadDir
from bot.services.downloads.notices import Notices
from bot.services.downloads.options import DownloadOptions
from bot.services.downloads.runs import Runs, counts
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus

log = logging.getLogger(__name__)

# How long a finished job keeps being offered to Plex before we stop trying.
PLEX_GIVE_UP = timedelta(days=2)


@dataclass
class PlexFiling:
    """Files jobs in the Plex section `options.section` (off when there is none)."""

    plex: PlexClient
    folders: DownloadDir
    runs: Runs
    notices: Notices
    options: DownloadOptions

    async def file(self, job: DownloadJob, interrupt: asyncio.Event | None = None) -> bool:
        """Scan the job's folder, wait for its files in Plex, gather them in the collection."""
        section = self.options.section
        if section is None:
            return False
        folder = self.folders.folder_of(job)
        paths = (
            await DownloadItem.filter(job_id=job.id, status=ItemStatus.DONE)
            .order_by("position")
            .values_list("file_path", flat=True)
        )
        relative = [self.folders.relative(str(p)) for p in paths if p]
        wanted = list(dict.fromkeys(p for p in relative if p))  # a playlist may repeat a video
        if folder is None or not wanted:
            return False
        mount = self.options.plex_download_dir
        scan = f"{mount.rstrip('/')}/{folder.name}" if mount else str(folder)
        try:
            await self.plex.refresh_section(section, scan)
            keys = await self._wait_in_plex(section, wanted, interrupt)
            if keys:
                summary = job.description or ""
                await self.plex.ensure_collection(section, job.collection, keys, summary)
        except DependencyError as exc:
            log.info("youtube: job %s not filed in Plex yet: %s", job.id, exc)
            return False
        if len(keys) < len(wanted):
            log.info("youtube: job %s: Plex shows %s of %s files", job.id, len(keys), len(wanted))
            return False
        job.plex_synced = True
        await job.save(update_fields=["plex_synced", "updated_at"])
        log.info("youtube: job %s filed in Plex as %r", job.id, job.collection)
        return True

    async def _wait_in_plex(
        self, section: str, wanted: list[str], interrupt: asyncio.Event | None
    ) -> list[str]:
        """ratingKeys of the files once Plex lists them all, or of those it lists in time."""
        clock = self.options.clock
        deadline = clock.now() + self.options.plex_wait
        while True:
            keys = await self.plex.find_files(section, wanted)
            if len(keys) >= len(wanted) or clock.now() >= deadline:
                return keys
            if interrupt is not None and interrupt.is_set():
                return keys
            await clock.sleep(self.options.plex_poll)

    async def file_pending(self) -> int:
        """File finished jobs that Plex missed (it was down) into Plex; returns how many."""
        jobs = await DownloadJob.filter(
            status__in=(JobStatus.COMPLETED, JobStatus.PARTIAL),
            plex_synced=False,
            finished_at__gte=datetime.now(UTC) - PLEX_GIVE_UP,
        ).order_by("id")
        filed = 0
        for job in jobs:
            if self.runs.get(job.id) is not None:
                continue
            if await self.file(job):
                filed += 1
                _, done, failed = await counts(job)
                await self.notices.finished(job, done, failed, done + failed)  # once per job
                await self.runs.feed.send(await self.runs.progress_of(job))
            elif not await self._plex_up():
                break
        return filed

    async def _plex_up(self) -> bool:
        try:
            await self.plex.identity()
        except DependencyError:
            return False
        return True
