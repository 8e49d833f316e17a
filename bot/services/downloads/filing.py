"""Plex filing: scan a finished job's folder into the section and gather it in a collection.

Once Plex lists every file, each new video gets its real title, description, upload date
and thumbnail through the Plex API (locked, so Plex's agent never puts the file name back),
and the collection gets the playlist's summary, thumbnail and order. If Plex is down when
a job ends, `file_pending` (a scheduler job) tries again until `PLEX_GIVE_UP` has passed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clients.plex import PlexClient
from bot.clients.plex_library import CollectionMetadata, VideoMetadata
from bot.errors import DependencyError
from bot.services.downloads.folders import DownloadDir
from bot.services.downloads.notices import Notices
from bot.services.downloads.options import DownloadOptions
from bot.services.downloads.runs import Runs, counts
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus

if TYPE_CHECKING:
    from bot.clients.ytdlp import YtDlp

log = logging.getLogger(__name__)

# How long a finished job keeps being offered to Plex before we stop trying.
PLEX_GIVE_UP = timedelta(days=2)
PLAYLIST_POSTER = ".playlist"  # hidden, so Plex's scanner never takes it for a video


@dataclass
class PlexFiling:
    """Files jobs in the Plex section `options.section` (off when there is none)."""

    plex: PlexClient
    ytdlp: YtDlp
    folders: DownloadDir
    runs: Runs
    notices: Notices
    options: DownloadOptions
    _episodes: bool | None = None

    async def episode_numbers(self) -> bool:
        """Whether files need `S01E<n>` names: the section is a TV-type (show) library.

        Asked once; while Plex cannot say, files get plain names.
        """
        if self._episodes is None and self.options.section is not None:
            try:
                self._episodes = await self.plex.section_type(self.options.section) == "show"
            except DependencyError as exc:
                log.info("youtube: section type unknown for now: %s", exc)
                return False
        return bool(self._episodes)

    async def file(self, job: DownloadJob, interrupt: asyncio.Event | None = None) -> bool:
        """Scan the job's folder, wait for its files in Plex, gather them in the collection."""
        section = self.options.section
        if section is None:
            return False
        folder = self.folders.folder_of(job)
        done = await DownloadItem.filter(job_id=job.id, status=ItemStatus.DONE).order_by("position")
        by_path: dict[str, DownloadItem] = {}
        for item in done:  # a playlist may repeat a video: its first place counts
            path = self.folders.relative(str(item.file_path)) if item.file_path else None
            if path and path not in by_path:
                by_path[path] = item
        wanted = list(by_path)
        if folder is None or not wanted:
            return False
        mount = self.options.plex_download_dir
        scan = f"{mount.rstrip('/')}/{folder.name}" if mount else str(folder)
        try:
            await self.plex.refresh_section(section, scan)
            keys = await self._wait_in_plex(section, wanted, interrupt)
            if len(keys) == len(wanted):  # each key is then its item's, in the same order
                for key, item in zip(keys, by_path.values(), strict=True):
                    await self._describe(key, item)
            if keys:
                poster = await self._playlist_poster(job, folder)
                meta = CollectionMetadata(job.collection, job.description or "", poster)
                await self.plex.file_collection(section, keys, meta)
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

    async def _describe(self, key: str, item: DownloadItem) -> None:
        """Give the video its title, summary, date and poster in Plex, once per file."""
        if item.plex_filed:
            return
        if await DownloadItem.filter(file_path=item.file_path, plex_filed=True).exists():
            item.plex_filed = True  # an earlier job of the same list described this file
            await item.save(update_fields=["plex_filed"])
            return
        thumbnail = Path(item.thumbnail_path) if item.thumbnail_path else None
        if thumbnail is not None and not self.folders.inside(thumbnail):
            thumbnail = None
        if thumbnail is not None and not await asyncio.to_thread(thumbnail.is_file):
            thumbnail = None
        meta = VideoMetadata(item.title, item.description or "", item.upload_date, thumbnail)
        await self.plex.apply_metadata(key, meta)
        item.plex_filed = True
        await item.save(update_fields=["plex_filed"])

    async def _playlist_poster(self, job: DownloadJob, folder: Path) -> Path | None:
        """The playlist's thumbnail, fetched once into the folder; None without one."""
        found = await asyncio.to_thread(lambda: sorted(folder.glob(PLAYLIST_POSTER + ".*")))
        images = [p for p in found if not p.name.endswith(".part")]
        if images:
            return images[0]
        if not job.thumbnail_url:
            return None
        return await self.ytdlp.save_thumbnail(job.thumbnail_url, folder / PLAYLIST_POSTER)

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
