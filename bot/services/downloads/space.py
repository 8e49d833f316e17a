"""The disk-space pause: jobs stop when the download disk runs low and go on once it has room."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.services.downloads.clock import Clock
from bot.services.downloads.runs import Runs
from bot.services.downloads.text import human_bytes
from storage.models import DownloadJob, JobStatus

log = logging.getLogger(__name__)


@dataclass
class DiskSpace:
    """The free-space floor of the download disk, read through `free_space` in a thread."""

    root: Path
    min_free_bytes: int
    free_space: Callable[[Path], int]
    check_every: float
    clock: Clock

    async def free(self) -> int:
        """Free bytes now; OSError when the disk cannot be read."""
        return await asyncio.to_thread(self.free_space, self.root)

    async def ok(self) -> bool:
        """Whether there is room; a disk we cannot read does not stop downloads."""
        try:
            free = await self.free()
        except OSError:
            log.warning("youtube: cannot read free space of %s", self.root, exc_info=True)
            return True
        return free >= self.min_free_bytes

    def pause_message(self, free: int) -> str:
        return (
            f"Paused: the download disk has only {human_bytes(free)} free "
            f"(it needs {human_bytes(self.min_free_bytes)}). It will carry on by itself "
            "once there's room."
        )

    async def watch(self, runs: Runs) -> None:
        """While jobs run, pause them all when the disk runs low (the pool's long-lived task)."""
        while True:
            await self.clock.sleep(self.check_every)
            active = runs.all()
            try:
                low = bool(active) and not await self.ok()
            except Exception:  # a broken check must not end the watch
                log.exception("youtube: free-space check failed")
                continue
            for run in active if low else ():
                run.stop("pause")

    async def resume_paused(self, runs: Runs) -> int:
        """Queue paused jobs again when the disk has room; returns how many (scheduler job)."""
        if not await DownloadJob.filter(status=JobStatus.PAUSED).exists():
            return 0
        if not await self.ok():
            return 0
        resumed = await DownloadJob.filter(status=JobStatus.PAUSED).update(
            status=JobStatus.QUEUED, error=None
        )
        if resumed:
            log.info("youtube: disk has room again, %s paused jobs queued", resumed)
            runs.work.set()
        return resumed
