"""APScheduler set-up. Jobs are thin calls into services, rebuilt at every start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

if TYPE_CHECKING:
    from bot.container import Services

LINK_POLL_SECONDS = 3


def build_scheduler() -> AsyncIOScheduler:
    """A scheduler whose jobs never overlap and coalesce missed runs."""
    return AsyncIOScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
    )


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
