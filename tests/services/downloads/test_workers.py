"""The worker pool with the real yt-dlp: the whole path, per-item retries, stop and resume."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path

from bot.services.downloads import JobProgress
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus, TargetKind
from tests.services.downloads.rig import (
    ALICE,
    CHANNEL,
    NOTIFY,
    Rig,
    items,
    messages,
    partials,
    settled,
)


async def test_playlist_end_to_end(rig: Rig) -> None:
    """Three videos land on disk, Plex scans the folder, the collection gets the summary,
    progress is throttled and the requester gets a DM and the channel an announcement."""
    url, ids = rig.playlist("trip", 3, size=60_000, description="Our summer trip.")
    for vid in ids:
        rig.media.throttle(vid, 100_000)
    service = rig.build()
    await service.start()

    job = await service.queue(ALICE, url, None, CHANNEL)
    await service.set_progress_message(job.id, 42)
    job = await settled(job.id)

    assert job.status == JobStatus.COMPLETED and job.plex_synced
    folder = rig.download_dir / "trip title"
    assert Path(job.folder) == folder
    rows = await items(job.id)
    assert [r.status for r in rows] == [ItemStatus.DONE] * 3
    for row, vid in zip(rows, ids, strict=True):
        assert Path(row.file_path).parent == folder
        assert Path(row.file_path).read_bytes() == rig.media.videos[vid].data
    assert partials(folder) == []

    assert rig.pms.refreshes == [f"1?path={folder}"]
    (collection,) = rig.pms.collections.values()
    assert collection["title"] == "trip title"
    assert collection["summary"] == "Our summer trip."
    files = [rig.pms.items[key]["file"] for key in collection["items"]]
    assert files == [r.file_path for r in rows]

    (dm,) = await messages(TargetKind.DM, ALICE)
    assert "**trip title** is done: 3 videos" in dm and "collection **trip title**" in dm
    (post,) = await messages(TargetKind.CHANNEL, NOTIFY)
    assert post.startswith("📺 New in Plex: **trip title**")
    assert f"<@{ALICE}>" not in post  # public: not named unless Alice allowed it

    calls = rig.sinks[service].of(job.id)
    running = [(t, p) for t, p in calls if p.status == JobStatus.RUNNING]
    assert len(running) >= 3
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(running)]
    assert min(gaps) >= 0.29, gaps
    assert any(p.current_title and p.speed for _, p in running)
    assert all(p.progress_message_id == 42 for _, p in calls[1:])
    final = calls[-1][1]
    assert (final.status, final.done, final.total, final.plex_synced) == (
        JobStatus.COMPLETED,
        3,
        3,
        True,
    )
    assert final.fraction == 1.0 and final.bar(4) == "▰▰▰▰ 100%"


async def test_progress_arrives_while_a_video_downloads(rig: Rig) -> None:
    """yt-dlp runs off the loop: a video's progress reaches the sink while it downloads, and
    other tasks on the loop keep running between those updates (lag is measured in bench/)."""
    url, ids = rig.playlist("lag", 3, size=50_000)
    for vid in ids:
        rig.media.throttle(vid, 100_000)
    ticks = [0]
    seen: list[tuple[int, JobProgress]] = []

    async def tick() -> None:
        while True:
            ticks[0] += 1
            await asyncio.sleep(0.005)

    class Ticked:
        async def job_progress(self, progress: JobProgress) -> None:
            seen.append((ticks[0], progress))

    service = rig.build()
    service.hide_progress()
    service.show_progress(Ticked())
    ticker = asyncio.create_task(tick())
    await service.start()
    try:
        job = await service.queue(ALICE, url, None, None)
        await settled(job.id)
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    mid = [
        (n, p)
        for n, p in seen
        if p.status == JobStatus.RUNNING and p.downloaded and p.size and p.downloaded < p.size
    ]
    assert len(mid) >= 2, "updates should come in the middle of downloads"
    assert all(a < b for (a, _), (b, _) in itertools.pairwise(mid))


async def test_item_failing_then_recovering(rig: Rig) -> None:
    """An item that fails twice is retried with backoff and the job still completes."""
    url, ids = rig.playlist("flaky", 3)
    rig.media.fail(ids[1], times=2)  # the extractor's GET: yt-dlp itself does not retry it
    service = rig.build(item_retries=3)
    await service.start()

    job = await settled((await service.queue(ALICE, url, None, None)).id)

    assert job.status == JobStatus.COMPLETED
    rows = await items(job.id)
    assert [r.status for r in rows] == [ItemStatus.DONE] * 3
    assert [r.attempts for r in rows] == [1, 3, 1]
    assert rows[1].error is None


async def test_item_failing_for_good_gives_partial(rig: Rig) -> None:
    """An item that keeps failing ends FAILED with its reason; the job ends PARTIAL."""
    url, ids = rig.playlist("broken", 3)
    rig.media.fail(ids[1], times=None)
    service = rig.build(item_retries=2)
    await service.start()

    job = await settled((await service.queue(ALICE, url, None, None)).id)

    assert job.status == JobStatus.PARTIAL
    assert job.error and "1 video failed" in job.error
    rows = await items(job.id)
    assert [r.status for r in rows] == [ItemStatus.DONE, ItemStatus.FAILED, ItemStatus.DONE]
    assert rows[1].attempts == 3 and "HTTP Error 500" in (rows[1].error or "")
    (collection,) = rig.pms.collections.values()
    assert len(collection["items"]) == 2
    (dm,) = await messages(TargetKind.DM, ALICE)
    assert "finished with 2 of 3 videos; 1 couldn't be downloaded" in dm


async def test_every_item_failing_fails_the_job(rig: Rig) -> None:
    """When nothing downloads the job is FAILED, Plex is left alone and the DM says so."""
    url, ids = rig.playlist("dead", 2)
    for vid in ids:
        rig.media.fail(vid, times=None)
    service = rig.build(item_retries=0)
    await service.start()

    job = await settled((await service.queue(ALICE, url, None, None)).id)

    assert job.status == JobStatus.FAILED
    assert rig.pms.refreshes == [] and rig.pms.collections == {}
    (dm,) = await messages(TargetKind.DM, ALICE)
    assert dm.startswith("❌") and "none of its 2 videos" in dm


async def test_stop_then_restart_resumes_with_range(rig: Rig) -> None:
    """stop() leaves the job queued with its .part; a new service resumes it with a Range
    request and does not fetch the finished item again."""
    first, job, folder, ids = await rig.halfway("resume")

    await first.stop()
    assert (await DownloadJob.get(id=job.id)).status == JobStatus.QUEUED
    rows = await items(job.id)
    assert [r.status for r in rows] == [ItemStatus.DONE, ItemStatus.QUEUED]
    assert rows[1].attempts == 0
    (part,) = partials(folder)
    size = part.stat().st_size
    # A crash would have left these behind instead: start() must cope with them too.
    await DownloadJob.filter(id=job.id).update(status=JobStatus.RUNNING)
    await DownloadItem.filter(id=rows[1].id).update(status=ItemStatus.DOWNLOADING)

    rig.media.throttle(ids[1], None)
    rig.media.ranges.clear()
    second = rig.build()
    await second.start()
    job = await settled(job.id)

    assert job.status == JobStatus.COMPLETED
    assert (ids[1], f"bytes={size}-") in rig.media.ranges
    assert all(vid == ids[1] for vid, _ in rig.media.ranges)
    done = await items(job.id)
    assert Path(done[1].file_path).read_bytes() == rig.media.videos[ids[1]].data
    assert partials(folder) == []


async def test_video_listed_twice_is_fetched_once(rig: Rig) -> None:
    """A playlist that repeats a video downloads it once and files it once in Plex."""
    rig.media.add_video("dup", "Twice")
    rig.media.add_video("one", "Once")
    url = rig.media.add_playlist("dups", "Dups", ["dup", "one", "dup"])
    service = rig.build()
    await service.start()

    job = await settled((await service.queue(ALICE, url, None, None)).id)

    assert job.status == JobStatus.COMPLETED and job.plex_synced
    rows = await items(job.id)
    assert rows[0].file_path == rows[2].file_path
    assert rig.media.ranges.count(("dup", None)) == 3  # sniff + download, then a sniff only
    assert len(next(iter(rig.pms.collections.values()))["items"]) == 2
