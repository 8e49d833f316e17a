"""The YouTube figures of the Requests page: videos finished in the period and how fast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.stats.period import Period, Window, median, window
from bot.services.stats.sql import Sql
from storage.models import ItemStatus


@dataclass(frozen=True)
class VideoStats:
    """Videos that finished (done or failed) in the window."""

    window: Window
    jobs: int
    done: int
    failed: int
    bytes: int
    seconds_per_video: list[float]  # of the done ones that carry both stamps

    @property
    def success_rate(self) -> float | None:
        finished = self.done + self.failed
        return self.done / finished if finished else None

    @property
    def median_seconds(self) -> float | None:
        return median(self.seconds_per_video)

    @property
    def empty(self) -> bool:
        return self.done + self.failed == 0


async def video_stats(period: Period, at: datetime | None = None) -> VideoStats:
    """How many videos finished in `period`, their size, success rate and time per video."""
    span = window(period, at)
    sql = Sql()
    rows = await sql.rows(
        f"SELECT job_id, status, size_bytes, {sql.seconds('finished_at', 'started_at')} AS d "
        "FROM download_item WHERE finished_at >= ? AND finished_at <= ? AND status IN (?, ?)",
        sql.time(span.start),
        sql.time(span.end),
        ItemStatus.DONE.value,
        ItemStatus.FAILED.value,
    )
    done = [r for r in rows if r["status"] == ItemStatus.DONE]
    return VideoStats(
        window=span,
        jobs=len({r["job_id"] for r in rows}),
        done=len(done),
        failed=len(rows) - len(done),
        bytes=sum(int(r["size_bytes"] or 0) for r in done),
        seconds_per_video=sorted(max(0.0, float(r["d"])) for r in done if r["d"] is not None),
    )
