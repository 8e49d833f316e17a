"""The YouTube figures of the Requests page: videos finished in the period and how fast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.stats.period import Period, Window, median, window
from storage.models import DownloadItem, ItemStatus


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
    rows = await DownloadItem.filter(
        finished_at__gte=span.start,
        finished_at__lte=span.end,
        status__in=(ItemStatus.DONE, ItemStatus.FAILED),
    ).values_list("job_id", "status", "size_bytes", "started_at", "finished_at")
    done = [r for r in rows if r[1] == ItemStatus.DONE]
    seconds = [
        max(0.0, (finished - started).total_seconds())
        for _, _, _, started, finished in done
        if started is not None
    ]
    return VideoStats(
        window=span,
        jobs=len({r[0] for r in rows}),
        done=len(done),
        failed=len(rows) - len(done),
        bytes=sum(r[2] or 0 for r in done),
        seconds_per_video=sorted(seconds),
    )
