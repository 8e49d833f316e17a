"""The one owner of periodic work: APScheduler jobs that record their failures and run again.

Every periodic job goes through `Jobs.every`. A job that raises is logged and stored as an
error event with its own correlation id (inside the job, so nothing is left unawaited) and
runs again at its next tick. Each feature's extension registers its own jobs. `stop` lets
running jobs finish before the database closes (APScheduler's own shutdown would cancel them
mid-write), except those registered `interruptible`, which only read and are cancelled at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services.error_log import ErrorLog

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]


class Jobs:
    """Periodic jobs that never overlap, coalesce missed runs and record their errors."""

    def __init__(self, errors: ErrorLog) -> None:
        self.errors = errors
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        self._running: dict[asyncio.Task[Any], bool] = {}  # task -> interruptible
        self._stopping = False

    def every(
        self,
        job_id: str,
        job: Job,
        *,
        first_run: datetime | None = None,
        interruptible: bool = False,
        **when: Any,
    ) -> None:
        """Run `job` at this interval (seconds=, minutes=, ...), replacing a job of that id.

        An `interruptible` job is cancelled as soon as the bot stops instead of awaited.
        """
        extra = {"next_run_time": first_run} if first_run else {}
        self.scheduler.add_job(
            self._guarded,
            "interval",
            args=(job_id, job, interruptible),
            id=job_id,
            replace_existing=True,
            **extra,
            **when,
        )

    def once(self, job_id: str, job: Job) -> None:
        """Run `job` once, now, with the same failure recording."""
        self.scheduler.add_job(
            self._guarded, "date", args=(job_id, job), id=job_id, replace_existing=True
        )

    def remove(self, job_id: str) -> None:
        """Stop a job; a job that is not registered is fine."""
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(job_id)

    def ids(self) -> set[str]:
        return {job.id for job in self.scheduler.get_jobs()}

    async def _guarded(self, job_id: str, job: Job, interruptible: bool = False) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running[task] = interruptible
        try:
            await job()
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.info("scheduler: %s stopped with the bot", job_id)  # not a job failure
        except Exception as exc:
            await self.errors.record(exc, command=f"job:{job_id}", discord_id=None)
        finally:
            if task is not None:
                self._running.pop(task, None)

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self, timeout: float = 5.0) -> None:
        """No new runs; cancel the interruptible ones, wait for the others (up to `timeout`).

        What is still running after `timeout` is cancelled too, and awaited, so no job is
        left for APScheduler's shutdown to cancel (which logs it as a failure).
        """
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        self._stopping = True
        for task, interruptible in list(self._running.items()):
            if interruptible:
                task.cancel()
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)
        late = set(self._running)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
        self.scheduler.shutdown(wait=False)
