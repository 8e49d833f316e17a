"""APScheduler set-up. Jobs are thin calls into services, rebuilt at every start."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

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
    linking = services.linking
    if linking:
        scheduler.add_job(
            linking.poll_open_attempts,
            "interval",
            seconds=LINK_POLL_SECONDS,
            id="link-poll",
            replace_existing=True,
        )
        scheduler.add_job(
            linking.reverify_all, "interval", days=1, id="link-reverify", replace_existing=True
        )
        scheduler.add_job(
            linking.purge_expired, "interval", hours=1, id="link-purge", replace_existing=True
        )
    health = services.health
    if health:
        scheduler.add_job(
            health.check_round,
            "interval",
            seconds=services.settings.health_check_interval,
            next_run_time=datetime.now(UTC) + timedelta(seconds=5),
            id="health-check",
            replace_existing=True,
        )
        scheduler.add_job(
            health.prune, "interval", hours=6, id="health-prune", replace_existing=True
        )
    requests = services.requests
    if requests:
        scheduler.add_job(
            requests.deliver_due,
            "interval",
            seconds=15,
            id="requests-deliver",
            replace_existing=True,
        )
        scheduler.add_job(
            requests.reconcile,
            "interval",
            minutes=5,
            id="requests-reconcile",
            replace_existing=True,
        )
