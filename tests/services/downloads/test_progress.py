"""The progress throttle on a clock the test steps by hand, the relay, and JobProgress."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.services.downloads import JobProgress, ProgressRelay
from bot.services.downloads.progress import ProgressFeed, ProgressPump
from storage.models import JobStatus


class FakeClock:
    """Time moves only when the test calls `advance`; sleepers wake when their time comes."""

    def __init__(self) -> None:
        self.time = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.time + seconds, wake))
        await wake

    async def advance(self, seconds: float) -> None:
        self.time += seconds
        due = [(t, f) for t, f in self._sleepers if t <= self.time]
        self._sleepers = [s for s in self._sleepers if s not in due]
        for _, wake in due:
            if not wake.done():
                wake.set_result(None)
        await settle()


async def settle() -> None:
    """Let every task that can run, run (no wall-clock time passes in these tests)."""
    for _ in range(20):
        await asyncio.sleep(0)


class Sink:
    def __init__(self) -> None:
        self.sent: list[JobProgress] = []

    async def job_progress(self, progress: JobProgress) -> None:
        self.sent.append(progress)


class State:
    """A job whose `done` count the test moves on, seen through `snapshot`."""

    def __init__(self) -> None:
        self.done = 0

    def snapshot(self) -> JobProgress:
        return progress(done=self.done)


def progress(**changes: object) -> JobProgress:
    fields: dict[str, object] = dict(
        job_id=1,
        discord_id=2,
        title="t",
        collection="c",
        status=JobStatus.RUNNING,
        done=0,
        failed=0,
        total=4,
    )
    fields.update(changes)
    return JobProgress(**fields)  # type: ignore[arg-type]


async def sent_then_changed(throttle: ProgressPump, state: State) -> None:
    """A first change (sent at once), then a second one (left to the throttle)."""
    throttle.changed()
    await settle()
    state.done += 1
    throttle.changed()


def pump(every: float = 3.0) -> tuple[ProgressPump, Sink, State, FakeClock]:
    sink, state, clock = Sink(), State(), FakeClock()
    return ProgressPump(ProgressFeed(sink, every, clock), state.snapshot), sink, state, clock


async def test_first_change_goes_at_once_then_one_per_interval() -> None:
    """The first change is sent at once; later ones wait out the interval and the latest
    state is sent once; with no change nothing more is sent."""
    throttle, sink, state, clock = pump(every=3.0)
    async with throttle:
        throttle.changed()
        await settle()
        assert [p.done for p in sink.sent] == [0]
        for n in range(1, 6):
            state.done = n
            throttle.changed()
        await clock.advance(2.9)
        assert [p.done for p in sink.sent] == [0]
        await clock.advance(0.1)
        assert [p.done for p in sink.sent] == [0, 5]
        await clock.advance(30)
        assert [p.done for p in sink.sent] == [0, 5]


async def test_send_now_skips_the_throttle_and_restarts_it() -> None:
    """send_now goes out at once, takes the pending change with it, and the next change
    waits a full interval from then."""
    throttle, sink, state, clock = pump(every=3.0)
    async with throttle:
        throttle.changed()
        await settle()
        await clock.advance(1.0)
        state.done = 1
        throttle.changed()
        await throttle.send_now()
        assert [p.done for p in sink.sent] == [0, 1]
        await clock.advance(2.5)  # t=3.5: the pending change went with send_now
        assert len(sink.sent) == 2
        state.done = 2
        throttle.changed()
        await clock.advance(0.4)  # t=3.9, the interval from send_now ends at 4.0
        assert len(sink.sent) == 2
        await clock.advance(0.1)
        assert [p.done for p in sink.sent] == [0, 1, 2]


async def test_closed_pump_drops_changes_but_sends_the_final_state() -> None:
    """After close, changes are no longer sent and the pump's task is gone; send_now still
    sends (the final state of a job)."""
    throttle, sink, state, clock = pump(every=3.0)
    async with throttle:
        await sent_then_changed(throttle, state)
    await clock.advance(10)
    throttle.changed()
    await clock.advance(10)
    assert [p.done for p in sink.sent] == [0]
    state.done = 4
    await throttle.send_now()
    assert [p.done for p in sink.sent] == [0, 4]


async def test_failing_sink_is_logged_and_the_pump_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sink that raises is logged with the job id; the next update is still sent."""
    calls: list[int] = []

    class Broken:
        async def job_progress(self, progress: JobProgress) -> None:
            calls.append(progress.done)
            if len(calls) == 1:
                raise RuntimeError("Discord is gone")

    state, clock = State(), FakeClock()
    throttle = ProgressPump(ProgressFeed(Broken(), 1.0, clock), state.snapshot)
    with caplog.at_level(logging.ERROR):
        async with throttle:
            await sent_then_changed(throttle, state)
            await clock.advance(1.0)
    assert calls == [0, 1]
    assert "progress for job 1 not shown" in caplog.text


async def test_relay_forwards_to_the_attached_sink_only() -> None:
    """Before attach and after detach updates are dropped; a second attach is refused."""
    relay, sink = ProgressRelay(), Sink()
    await relay.job_progress(progress(done=1))
    relay.attach(sink)
    await relay.job_progress(progress(done=2))
    with pytest.raises(RuntimeError):
        relay.attach(Sink())
    relay.detach()
    await relay.job_progress(progress(done=3))
    relay.attach(Sink())
    assert [p.done for p in sink.sent] == [2]


def test_fraction_and_bar_count_the_current_video_in_part() -> None:
    """Done and failed videos count whole, the current one by its bytes; no items is 100%."""
    half = progress(done=1, failed=1, downloaded=50, size=100)
    assert half.fraction == pytest.approx(2.5 / 4)
    assert half.bar(8) == "▰▰▰▰▰▱▱▱ 62%"
    assert progress(total=0).fraction == 1.0
    assert progress(done=4, status=JobStatus.COMPLETED).finished
