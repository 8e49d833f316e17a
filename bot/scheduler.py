"""The one owner of periodic work: APScheduler jobs that record their failures and run again.

Every periodic job goes through `Jobs.every`. A job that raises is logged and stored as an
error event with its own correlation id (inside the job, so nothing is left unawaited) and
runs again at its next tick. `stop` lets running jobs finish before the database closes:
APScheduler's own shutdown would cancel them mid-write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services.downloads.subscriptions import TICK as SUBSCRIPTION_TICK
from bot.services.errors import ErrorLog

if TYPE_CHECKING:
    from bot.container import Services

log = logging.getLogger(__name__)
LINK_POLL_SECONDS = 3
Job = Callable[[], Awaitable[object]]


class Jobs:
    """Periodic jobs that never overlap, coalesce missed runs and record their errors."""

    def __init__(self, errors: ErrorLog) -> None:
        self.errors = errors
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        self._running: set[asyncio.Task[Any]] = set()

    def every(
        self, job_id: str, job: Job, *, first_run: datetime | None = None, **when: Any
    ) -> None:
        """Run `job` at this interval (seconds=, minutes=, ...), replacing a job of that id."""
        extra = {"next_run_time": first_run} if first_run else {}
        self.scheduler.add_job(
            self._guarded,
            "interval",
            args=(job_id, job),
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

    async def _guarded(self, job_id: str, job: Job) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await job()
        except Exception as exc:
            await self.errors.record(exc, command=f"job:{job_id}", discord_id=None)
        finally:
            if task is not None:
                self._running.discard(task)

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self, timeout: float = 5.0) -> None:
        """No new runs; wait for the running ones (up to `timeout`), then shut down."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)
        self.scheduler.shutdown(wait=False)


def add_jobs(jobs: Jobs, services: Services) -> None:
    """Register every periodic job of the features that are on."""
    if services.linking:
        jobs.every("link-poll", services.linking.poll_open_attempts, seconds=LINK_POLL_SECONDS)
        jobs.every("link-reverify", services.linking.reverify_all, days=1)
        jobs.every("link-purge", services.linking.purge_expired, hours=1)
    soon = datetime.now(UTC) + timedelta(seconds=5)
    interval = services.settings.health_check_interval
    jobs.every("health-check", services.health.check_round, seconds=interval, first_run=soon)
    jobs.every("health-prune", services.health.prune, hours=6)
    jobs.every("errors-flush", services.errors.flush, seconds=30)
    if services.requests:
        jobs.every("requests-deliver", services.requests.delivery.deliver_due, seconds=15)
        jobs.every("requests-reconcile", services.requests.tracking.reconcile, minutes=5)
    if services.issues:
        jobs.every("issues-poll", services.issues.tracking.poll, minutes=5)
    if services.mentions:
        jobs.once("overseerr-detect", services.mentions.detect)
        jobs.every("overseerr-discord-ids", services.mentions.sync_pending, minutes=5)
    if services.announcements:
        minutes = services.settings.new_on_plex_interval
        jobs.every("new-on-plex", services.announcements.check, minutes=minutes, first_run=soon)
        jobs.every("new-on-plex-digest", services.announcements.digest_if_due, minutes=1)
    if services.downloads:
        jobs.every("downloads-resume", services.downloads.resume_paused, minutes=1)
        jobs.every("downloads-plex-sync", services.downloads.sync_plex_pending, minutes=5)
        tick = SUBSCRIPTION_TICK.total_seconds()
        check = services.downloads.check_subscriptions
        jobs.every("youtube-subscriptions", check, seconds=tick, first_run=soon)
