"""The scheduler: jobs never overlap, and a failing job is stored as an error event."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.errors import CriticalError
from bot.scheduler import build_scheduler
from storage.models import ErrorEvent


async def run_failing_job(job: Callable[[], Awaitable[None]], job_id: str) -> ErrorEvent:
    """Run one job that raises through a real scheduler; return the error event it left."""
    scheduler = build_scheduler()
    scheduler.add_job(job, "date", run_date=datetime.now(UTC), id=job_id)
    scheduler.start()
    try:
        async with asyncio.timeout(5):
            while not await ErrorEvent.exists():
                await asyncio.sleep(0.02)
    finally:
        scheduler.shutdown(wait=False)
    return await ErrorEvent.get()


async def test_a_failing_job_is_recorded_with_a_correlation_id(db: str) -> None:
    """An exception in a job becomes an error event naming the job, like a failed command."""

    async def broken() -> None:
        raise LookupError("no such playlist")

    event = await run_failing_job(broken, "broken-job")
    assert event.command == "job:broken-job"
    assert event.error_type == "builtins.LookupError"
    assert event.message == "no such playlist"
    assert event.critical is False
    assert len(event.correlation_id) == 8


async def test_a_critical_job_failure_is_marked_critical(db: str) -> None:
    """A CriticalError from a job is stored as critical, so the health monitor alerts at once."""

    async def losing_data() -> None:
        raise CriticalError("outbox row could not be saved")

    event = await run_failing_job(losing_data, "critical-job")
    assert event.critical is True
    assert event.error_type == "bot.errors.CriticalError"


async def test_jobs_never_overlap() -> None:
    """A job still running when its next run is due is skipped, not run twice at once."""
    running = 0
    most = 0

    async def slow() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.3)
        running -= 1

    scheduler = build_scheduler()
    scheduler.add_job(slow, "interval", seconds=0.05, id="slow")
    scheduler.start()
    await asyncio.sleep(0.8)
    scheduler.shutdown(wait=False)
    assert most == 1
