"""APScheduler set-up. Jobs are thin calls into services, rebuilt at every start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services.errors import new_correlation_id, record_error

if TYPE_CHECKING:
    from bot.container import Services

log = logging.getLogger(__name__)
LINK_POLL_SECONDS = 3


def build_scheduler() -> AsyncIOScheduler:
    """A scheduler whose jobs never overlap, coalesce missed runs, and record their errors."""
    scheduler = AsyncIOScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
    )
    scheduler.add_listener(_job_failed, EVENT_JOB_ERROR)
    return scheduler


_recording: set[asyncio.Task[object]] = set()


def _job_failed(event: JobExecutionEvent) -> None:
    """A job raised: store it as an error event, like a failed command, with its own id."""
    if event.exception is None:
        return
    cid = new_correlation_id()
    log.error("job %s failed [cid=%s]: %r", event.job_id, cid, event.exception)
    task = asyncio.get_running_loop().create_task(
        record_error(cid, event.exception, command=f"job:{event.job_id}", discord_id=None)
    )
    _recording.add(task)
    task.add_done_callback(_recording.discard)


def add_jobs(scheduler: AsyncIOScheduler, services: Services) -> None:
    """Register every periodic job of the features that are on (replacing old definitions)."""

    def every(job: Callable[[], Awaitable[object]], job_id: str, **when: Any) -> None:
        scheduler.add_job(job, "interval", id=job_id, replace_existing=True, **when)

    if services.linking:
        every(services.linking.poll_open_attempts, "link-poll", seconds=LINK_POLL_SECONDS)
        every(services.linking.reverify_all, "link-reverify", days=1)
        every(services.linking.purge_expired, "link-purge", hours=1)
    if services.health:
        soon = datetime.now(UTC) + timedelta(seconds=5)
        interval = services.settings.health_check_interval
        every(services.health.check_round, "health-check", seconds=interval, next_run_time=soon)
        every(services.health.prune, "health-prune", hours=6)
    if services.requests:
        every(services.requests.deliver_due, "requests-deliver", seconds=15)
        every(services.requests.reconcile, "requests-reconcile", minutes=5)
    if services.downloads:
        every(services.downloads.resume_paused, "downloads-resume", minutes=1)
        every(services.downloads.sync_plex_pending, "downloads-plex-sync", minutes=5)
