"""The scheduler: jobs never overlap, a failing job is stored and runs again, stop waits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from tortoise.exceptions import OperationalError

from bot.errors import CriticalError
from bot.scheduler import Jobs
from bot.services.error_log import ErrorLog
from storage.db import database
from storage.models import ErrorEvent
from tests.eventually import eventually


async def run_failing_job(job: Callable[[], Awaitable[None]], job_id: str) -> ErrorEvent:
    """Run one job that raises through the real scheduler; return the error event it left."""
    jobs = Jobs(ErrorLog())
    jobs.once(job_id, job)
    jobs.start()
    try:
        await eventually(ErrorEvent.exists)
    finally:
        await jobs.stop()
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


async def test_a_job_that_hits_a_database_error_runs_again_on_its_next_tick(db: str) -> None:
    """A periodic job raising a database error is stored as critical and keeps its schedule."""
    runs = 0

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise OperationalError("database is locked")

    jobs = Jobs(ErrorLog())
    jobs.every("flaky", flaky, seconds=0.05)
    jobs.start()
    try:
        await eventually(lambda: runs >= 3)
        assert "flaky" in jobs.ids()
    finally:
        await jobs.stop()
    event = await ErrorEvent.get()
    assert event.command == "job:flaky"
    assert event.critical is True


async def test_errors_are_kept_while_the_database_is_down_and_written_when_it_is_back(
    sqlite_url: str,
) -> None:
    """An error recorded with no database is kept in memory, then stored by `flush`."""
    errors = ErrorLog(keep=2)
    for n in range(3):
        await errors.record(ValueError(f"oops {n}"), command="job:x", discord_id=None)
    assert [p.exc.args[0] for p in errors.pending] == ["oops 1", "oops 2"]  # bounded
    async with database(sqlite_url):
        assert await errors.flush() == 2
        stored = await ErrorEvent.all().order_by("id").values_list("message", flat=True)
    assert stored == ["oops 1", "oops 2"]
    assert not errors.pending


async def test_jobs_never_overlap() -> None:
    """A job still running when its next run is due is skipped, not run twice at once."""
    running = 0
    most = 0
    finished = 0

    async def slow() -> None:
        nonlocal running, most, finished
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.3)
        running -= 1
        finished += 1

    jobs = Jobs(ErrorLog())
    jobs.every("slow", slow, seconds=0.05)
    jobs.start()
    await eventually(lambda: finished >= 2)
    await jobs.stop()
    assert most == 1


async def test_stop_waits_for_a_running_job_to_finish() -> None:
    """Shutdown lets a job that is mid-way finish (before the database closes under it)."""
    started = asyncio.Event()
    finished = False

    async def writing() -> None:
        nonlocal finished
        started.set()
        await asyncio.sleep(0.2)
        finished = True

    jobs = Jobs(ErrorLog())
    jobs.once("writing", writing)
    jobs.start()
    await asyncio.wait_for(started.wait(), 5)
    await jobs.stop()
    assert finished


async def test_stop_cancels_an_interruptible_job_at_once_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A health round that only reads is cancelled when the bot stops: no waiting, no error."""
    started = asyncio.Event()

    async def slow_probe() -> None:
        started.set()
        await asyncio.sleep(60)  # a probe that would hang until its timeout

    jobs = Jobs(ErrorLog())
    jobs.every(
        "health-check", slow_probe, seconds=30, first_run=datetime.now(UTC), interruptible=True
    )
    jobs.start()
    await asyncio.wait_for(started.wait(), 5)
    async with asyncio.timeout(1):  # the 5 s grace is for jobs that write
        await jobs.stop()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_stop_cancels_a_job_still_running_after_the_grace_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A writing job that outlives the grace period is cancelled and awaited, and logged once."""
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    started = asyncio.Event()

    async def stuck() -> None:
        started.set()
        await asyncio.sleep(60)

    jobs = Jobs(ErrorLog())
    jobs.once("stuck", stuck)
    jobs.start()
    await asyncio.wait_for(started.wait(), 5)
    await jobs.stop(timeout=0.1)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("stuck stopped with the bot" in r.getMessage() for r in caplog.records)
