"""YouTube figures from seeded items, and the stamps an item's saves leave for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.stats import Period
from bot.services.stats.downloads import video_stats
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus
from tests.services.stats.seed import AT, GIB, seed_videos


@pytest.mark.parametrize(
    ("period", "jobs", "done", "failed", "size", "rate", "median"),
    [
        (Period.DAY, 1, 1, 1, GIB, 0.5, 120.0),
        (Period.WEEK, 1, 2, 1, GIB + GIB // 2, 2 / 3, 360.0),
        (Period.MONTH, 2, 3, 1, 3 * GIB + GIB // 2, 0.75, 300.0),
    ],
)
async def test_videos_finished_in_each_period(
    db: str,
    period: Period,
    jobs: int,
    done: int,
    failed: int,
    size: int,
    rate: float,
    median: float,
) -> None:
    """Videos count when they finish: done, failed, bytes, success rate and median time."""
    await seed_videos()
    stats = await video_stats(period, AT)
    assert (stats.jobs, stats.done, stats.failed, stats.bytes) == (jobs, done, failed, size)
    assert stats.success_rate == pytest.approx(rate)
    assert stats.median_seconds == median


async def test_no_videos_is_empty(db: str) -> None:
    """A period without finished videos is empty, with no rate and no median."""
    stats = await video_stats(Period.WEEK, AT)
    assert stats.empty and stats.success_rate is None and stats.median_seconds is None


async def test_saves_stamp_start_finish_and_size(db: str, tmp_path: Path) -> None:
    """Downloading stamps the start (kept across retries); done stamps the end and file size."""
    job = await DownloadJob.create(
        discord_id=1, url="u", title="t", collection="c", folder="f", status=JobStatus.RUNNING
    )
    item = await DownloadItem.create(
        job=job, position=0, video_id="v", title="v", url="u", status=ItemStatus.QUEUED
    )
    fields = ["status", "attempts", "error", "file_path"]
    item.status = ItemStatus.DOWNLOADING
    await item.save(update_fields=fields)
    started = (await DownloadItem.get(id=item.id)).started_at
    assert started is not None
    item.status = ItemStatus.QUEUED  # a failed attempt, retried
    await item.save(update_fields=fields)
    item.status = ItemStatus.DOWNLOADING
    await item.save(update_fields=fields)
    video = tmp_path / "video.mp4"
    video.write_bytes(b"x" * 1234)
    item.status, item.file_path = ItemStatus.DONE, str(video)
    await item.save(update_fields=fields)
    assert fields == ["status", "attempts", "error", "file_path"]  # the caller's list untouched
    stored = await DownloadItem.get(id=item.id)
    assert stored.started_at == started
    assert stored.finished_at is not None and stored.finished_at >= started
    assert stored.size_bytes == 1234
