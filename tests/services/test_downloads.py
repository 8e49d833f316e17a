"""DownloadService with the real yt-dlp on the loopback media server and the fake Plex.

Runs on SQLite and PostgreSQL (the `db` fixture). Files are small and throttled just enough
to catch a download in the middle.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.clients.plex import PlexClient
from bot.clients.ytdlp import YtDlp
from bot.errors import InvalidInput, NotAllowed, RateLimited
from bot.services.downloads import FINISHED, NOT_YOUTUBE, DownloadService, JobProgress, check_url
from bot.services.health import LoopLag
from bot.services.outbox import Outbox
from bot.services.ratelimit import RateLimiter
from bot.services.retry import RetryPolicy
from storage.models import (
    DownloadItem,
    DownloadJob,
    ItemStatus,
    JobStatus,
    OutboxMessage,
    TargetKind,
)
from tests.fakes.media import FakeMediaServer
from tests.fakes.plex import FakePlexServer

ALICE, BOB, ADMIN = 1001, 1002, 9001
CHANNEL, NOTIFY, HEALTH = 5001, 7001, 7002
FAST = RetryPolicy(base=0.01, cap=0.02, jitter=0.0)
YOUTUBE_HOSTS = ["youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"]


class Recorder:
    """A progress sink that keeps every update with the time it came."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, JobProgress]] = []

    async def job_progress(self, progress: JobProgress) -> None:
        self.calls.append((time.monotonic(), progress))

    def of(self, job_id: int) -> list[tuple[float, JobProgress]]:
        return [(t, p) for t, p in self.calls if p.job_id == job_id]


@dataclass
class Rig:
    """The fakes, the clients on them, and services built on the same database."""

    media: FakeMediaServer
    pms: FakePlexServer
    plex: PlexClient
    root: Path
    free: list[int] = field(default_factory=lambda: [100 * 2**30])
    services: list[DownloadService] = field(default_factory=list)
    limiter: RateLimiter = field(
        default_factory=lambda: RateLimiter(prefix=f"test-{secrets.token_hex(4)}")
    )

    @property
    def download_dir(self) -> Path:
        return self.root / "youtube"

    def build(self, **options: Any) -> DownloadService:
        """A service as the bot builds it, with test-sized timings and the media host allowed."""
        settings: dict[str, Any] = dict(
            download_dir=self.download_dir,
            section="YouTube",
            allowed_hosts=[*YOUTUBE_HOSTS, f"127.0.0.1:{self.media.port}"],
            rate="50/day",
            per_user_queued=5,
            notify_channel_id=NOTIFY,
            health_channel_id=HEALTH,
            progress_every=0.3,
            plex_wait=2.0,
            plex_poll=0.05,
            retry_policy=FAST,
            ytdlp_retries=0,
            min_free_bytes=2**30,
            free_space=lambda _path: self.free[0],
            space_check_every=0.0,
            idle_poll=0.2,
            cancel_wait=5.0,
        )
        settings.update(options)
        ytdlp = YtDlp(allowed_extractors=["generic", "html5"], ffmpeg=False)
        service = DownloadService(
            ytdlp, self.plex, Outbox(notify_channel_id=NOTIFY), self.limiter, **settings
        )
        service.sink = Recorder()
        self.services.append(service)
        return service

    def playlist(
        self, name: str, count: int, *, size: int = 20_000, description: str = ""
    ) -> tuple[str, list[str]]:
        """Publish a feed of `count` new videos; returns its URL and the video ids."""
        ids = [f"{name}-v{n}" for n in range(1, count + 1)]
        for n, vid in enumerate(ids, start=1):
            self.media.add_video(vid, f"{name} video {n}", size=size)
        return self.media.add_playlist(name, f"{name} title", ids, description=description), ids


@pytest.fixture
async def rig(db: str, tmp_path: Path) -> AsyncIterator[Rig]:
    media = FakeMediaServer()
    pms = FakePlexServer()
    root = tmp_path / "disk"  # only downloads live here (the SQLite file sits in tmp_path)
    pms.add_section(1, "movie", "YouTube", str(root / "youtube"))
    await media.start()
    await pms.start()
    plex = PlexClient(pms.url, pms.owner_token, timeout=3)
    rig = Rig(media, pms, plex, root)
    try:
        yield rig
    finally:
        for service in rig.services:
            await service.stop()
        plex.close()
        await pms.stop()
        await media.stop()


def sink(service: DownloadService) -> Recorder:
    assert isinstance(service.sink, Recorder)
    return service.sink


async def until(check: Callable[[], Any], timeout: float = 15.0) -> None:
    """Wait until `check()` (sync or async) is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def finished(job_id: int, *statuses: JobStatus) -> DownloadJob:
    """Wait for the job to reach one of `statuses` (default: any final one)."""
    wanted = statuses or FINISHED

    async def reached() -> bool:
        return (await DownloadJob.get(id=job_id)).status in wanted

    await until(reached)
    return await DownloadJob.get(id=job_id)


async def settled(job_id: int) -> DownloadJob:
    """Wait until the job ended and its Plex step and DM are done (the DM comes last)."""

    async def told() -> bool:
        return await OutboxMessage.filter(dedupe_key=f"youtube:{job_id}:finished").exists()

    await until(told)
    return await DownloadJob.get(id=job_id)


async def items(job_id: int) -> list[DownloadItem]:
    return await DownloadItem.filter(job_id=job_id).order_by("position")


async def messages(kind: TargetKind, target: int) -> list[str]:
    rows = await OutboxMessage.filter(target_kind=kind, target_id=target).order_by("id")
    return [r.content for r in rows]


def partials(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.part")) if folder.exists() else []


def part_bytes(folder: Path, video_id: str = "") -> int:
    """Bytes in the folder's .part files (of one video when `video_id` is given)."""
    return sum(p.stat().st_size for p in partials(folder) if f"[{video_id}" in p.name)


# -- the whole path ---------------------------------------------------------------------


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
    assert post.startswith("📺 New in Plex: **trip title**") and f"<@{ALICE}>" in post

    calls = sink(service).of(job.id)
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


async def test_event_loop_stays_responsive(rig: Rig) -> None:
    """During a 1.5 s download the loop never stalls: LoopLag's max stays small."""
    url, ids = rig.playlist("lag", 3, size=50_000)
    for vid in ids:
        rig.media.throttle(vid, 100_000)
    lag = LoopLag(interval=0.01)
    ticker = asyncio.create_task(lag.run())
    service = rig.build()
    await service.start()
    try:
        job = await service.queue(ALICE, url, None, None)
        await settled(job.id)
    finally:
        ticker.cancel()
    print(f"max loop lag during download: {lag.max_ms:.1f} ms")
    assert lag.max_ms < 150


# -- failures ---------------------------------------------------------------------------


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


# -- cancel, stop, resume -----------------------------------------------------------------


async def test_cancel_mid_download_removes_partial_files(rig: Rig) -> None:
    """Cancelling a running job stops it promptly, deletes its .part files, keeps done files."""
    url, ids = rig.playlist("long", 2, size=300_000)
    rig.media.throttle(ids[1], 100_000)
    service = rig.build()
    await service.start()
    job = await service.queue(ALICE, url, None, None)
    folder = rig.download_dir / "long title"
    await until(lambda: part_bytes(folder, ids[1]) > 10_000)

    with pytest.raises(NotAllowed):
        await service.cancel(job.id, BOB, is_admin=False)
    started = time.monotonic()
    assert await service.cancel(job.id, ALICE, is_admin=False) is True
    assert time.monotonic() - started < 2

    job = await DownloadJob.get(id=job.id)
    assert job.status == JobStatus.CANCELLED
    rows = await items(job.id)
    assert [r.status for r in rows] == [ItemStatus.DONE, ItemStatus.CANCELLED]
    assert partials(folder) == []
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".mp4") == [
        Path(rows[0].file_path).name
    ]
    assert sink(service).of(job.id)[-1][1].status == JobStatus.CANCELLED
    assert await service.cancel(job.id, ALICE, is_admin=False) is False
    assert await messages(TargetKind.DM, ALICE) == []


async def test_admin_cancels_a_queued_job(rig: Rig) -> None:
    """A queued job cancelled by an admin never starts, and its owner is told by DM."""
    url, ids = rig.playlist("slow", 1, size=200_000)
    rig.media.throttle(ids[0], 50_000)
    url2, _ = rig.playlist("later", 1)
    service = rig.build(max_concurrent=1)
    await service.start()
    first = await service.queue(ALICE, url, None, None)
    second = await service.queue(BOB, url2, None, None)
    await until(lambda: part_bytes(rig.download_dir / "slow title") > 0)

    assert await service.cancel(second.id, ADMIN, is_admin=True) is True

    assert (await DownloadJob.get(id=second.id)).status == JobStatus.CANCELLED
    assert [r.status for r in await items(second.id)] == [ItemStatus.CANCELLED]
    (dm,) = await messages(TargetKind.DM, BOB)
    assert "An admin cancelled" in dm
    await service.cancel(first.id, ALICE, is_admin=False)
    assert rig.media.ranges.count(("later-v1", None)) == 0


async def test_stop_then_restart_resumes_with_range(rig: Rig) -> None:
    """stop() leaves the job queued with its .part; a new service resumes it with a Range
    request and does not fetch the finished item again."""
    url, ids = rig.playlist("resume", 2, size=300_000)
    rig.media.throttle(ids[1], 100_000)
    first = rig.build()
    await first.start()
    job = await first.queue(ALICE, url, None, None)
    folder = rig.download_dir / "resume title"
    await until(lambda: part_bytes(folder, ids[1]) > 10_000)

    started = time.monotonic()
    await first.stop()
    assert time.monotonic() - started < 2
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


# -- what goes in -------------------------------------------------------------------------


HOSTILE_URLS = [
    "https://evil.example.com/watch?v=dQw4w9WgXcQ",
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "file:///etc/passwd",
    "ftp://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "javascript:alert(1)",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1/feeds/x.xml",
    "http://[::1]/x",
    "http://2130706433/",
    "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/feed/history",
    "https://www.youtube.com/@somechannel",
    "https://www.youtube.com/watch?v=short",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ&v=aaaaaaaaaaa",
    "https://www.youtube.com/redirect?q=http://127.0.0.1/",
    "https://youtu.be/dQw4w9WgXcQ/../../x",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ\nHost: evil",
    "https://www.youtube.com\\@evil.example/watch?v=dQw4w9WgXcQ",
    "//www.youtube.com/watch?v=dQw4w9WgXcQ",
    "",
]


async def test_hostile_urls_refused_with_nothing_fetched(rig: Rig) -> None:
    """Other hosts, IP literals, file:, userinfo, ports and odd paths: refused, no request."""
    service = rig.build()
    for url in HOSTILE_URLS:
        with pytest.raises(InvalidInput) as caught:
            await service.queue(ALICE, url, None, None)
        assert caught.value.message == NOT_YOUTUBE, url
    assert rig.media.requests == []
    assert await DownloadJob.all().count() == 0


async def test_media_host_needs_its_exact_port(rig: Rig) -> None:
    """The test host is allowed only on the port it is listed with; the fake sees no request."""
    url, _ = rig.playlist("ports", 1)
    other_port = url.replace(f":{rig.media.port}/", f":{rig.media.port + 1}/")
    for allowed in (["127.0.0.1"], [f"127.0.0.1:{rig.media.port + 1}"], ["localhost"]):
        with pytest.raises(InvalidInput):
            await rig.build(allowed_hosts=allowed).queue(ALICE, url, None, None)
    with pytest.raises(InvalidInput):
        await rig.build().queue(ALICE, other_port, None, None)
    assert rig.media.requests == []


def test_check_url_canonical_youtube_forms() -> None:
    """Video and playlist shapes come back canonical, without anything else the user sent."""
    vid, lst = "dQw4w9WgXcQ", "PLabcdefghijklmnopqrstuvwxyz012345"
    watch = f"https://www.youtube.com/watch?v={vid}"
    cases = {
        f"https://youtube.com/watch?v={vid}&t=42s#frag": watch,
        f"  http://m.youtube.com/watch?feature=share&v={vid}  ": watch,
        f"https://youtu.be/{vid}?si=abc": watch,
        f"https://www.youtube.com/shorts/{vid}": watch,
        f"https://WWW.YouTube.com:443/playlist?list={lst}": (
            f"https://www.youtube.com/playlist?list={lst}"
        ),
        f"https://music.youtube.com/watch?v={vid}&list={lst}": f"{watch}&list={lst}",
    }
    for given, expected in cases.items():
        assert check_url(given, YOUTUBE_HOSTS) == expected
    assert (
        check_url("http://127.0.0.1:8080/feeds/a.xml?x=1#y", ["127.0.0.1:8080"])
        == "http://127.0.0.1:8080/feeds/a.xml?x=1"
    )
    with pytest.raises(InvalidInput):  # a listed metadata address is still refused
        check_url("http://169.254.169.254/", ["169.254.169.254"])
    with pytest.raises(InvalidInput):  # not in this deployment's list
        check_url(watch, ["youtu.be"])


async def test_hostile_titles_stay_inside_the_download_dir(rig: Rig) -> None:
    """Titles with `../`, slashes and control characters give safe names under the folder."""
    rig.media.add_video("../../x/evil", '../../../etc/passwd\x07/"<b>"')
    rig.media.add_video("v2", "..")
    url = rig.media.add_playlist("bad", "../../Bad/<Playlist>\x01", ["../../x/evil", "v2"])
    service = rig.build()
    await service.start()

    job = await settled((await service.queue(ALICE, url, None, None)).id)

    assert job.status == JobStatus.COMPLETED
    folder = rig.download_dir / "Bad-Playlist"
    assert Path(job.folder) == folder
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".mp4") == [
        "etc-passwd-'b' [x-evil].mp4",
        "video [v2].mp4",
    ]
    for path in rig.root.rglob("*"):
        if path.is_file():
            assert path.resolve().is_relative_to(rig.download_dir)
    assert rig.pms.collections[next(iter(rig.pms.collections))]["title"] == "../../Bad/<Playlist>"


async def test_collection_option_and_max_items(rig: Rig) -> None:
    """The collection option names the collection; a playlist over the cap is refused."""
    url, _ = rig.playlist("named", 2)
    big, _ = rig.playlist("big", 4)
    service = rig.build(max_items=3)
    with pytest.raises(InvalidInput, match="has 4 videos; I can take at most 3"):
        await service.queue(ALICE, big, None, None)
    assert not [r for r in rig.media.ranges if r[0].startswith("big")]
    await service.start()

    job = await settled((await service.queue(ALICE, url, " Road\x00 Trip ", None)).id)

    assert job.collection == "Road Trip"
    assert [c["title"] for c in rig.pms.collections.values()] == ["Road Trip"]


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


async def test_rate_limit_and_per_user_cap(rig: Rig) -> None:
    """The per-user cap refuses before the rate limit is spent; the rate limit refuses after;
    an exempt (admin) call passes both."""
    urls = [rig.playlist(f"p{n}", 1)[0] for n in range(4)]
    service = rig.build(rate="2/day", per_user_queued=1)  # not started: jobs stay queued

    await service.queue(ALICE, urls[0], None, None)
    listed = len(rig.media.requests)
    with pytest.raises(InvalidInput, match="already have 1 YouTube download"):
        await service.queue(ALICE, urls[1], None, None)
    assert len(rig.media.requests) == listed  # refused before listing

    await service.queue(BOB, urls[1], None, None)
    await DownloadJob.filter(discord_id=BOB).update(status=JobStatus.COMPLETED)
    await service.queue(BOB, urls[2], None, None)
    await DownloadJob.filter(discord_id=BOB).update(status=JobStatus.COMPLETED)
    with pytest.raises(RateLimited):
        await service.queue(BOB, urls[3], None, None)
    await service.queue(BOB, urls[3], None, None, exempt=True)
    assert await DownloadJob.filter(discord_id=BOB).count() == 3


# -- disk and Plex ------------------------------------------------------------------------


async def test_low_disk_pauses_then_resumes(rig: Rig) -> None:
    """Below the free-space floor the job pauses with a message and an admin alert, and carries
    on from where it was once `resume_paused` sees room again."""
    url, ids = rig.playlist("disk", 2, size=200_000)
    rig.media.throttle(ids[0], 200_000)
    service = rig.build(idle_poll=60.0)  # only this test calls resume_paused
    await service.start()
    job = await service.queue(ALICE, url, None, None)
    await until(lambda: part_bytes(rig.download_dir / "disk title") > 10_000)

    rig.free[0] = 2**20
    job = await finished(job.id, JobStatus.PAUSED)
    assert job.error and job.error.startswith("Paused: the download disk has only 1.0 MB free")
    (alert,) = await messages(TargetKind.CHANNEL, HEALTH)
    assert f"#{job.id}" in alert and "paused" in alert
    assert sink(service).of(job.id)[-1][1].status == JobStatus.PAUSED
    assert await service.resume_paused() == 0  # still no room

    rig.free[0] = 100 * 2**30
    rig.media.throttle(ids[0], None)
    assert await service.resume_paused() == 1
    job = await settled(job.id)
    assert job.status == JobStatus.COMPLETED and job.error is None
    assert any(r[1] and r[1].startswith("bytes=") for r in rig.media.ranges if r[0] == ids[0])


async def test_plex_down_at_the_end_is_synced_later(rig: Rig) -> None:
    """Plex being down when the job ends leaves it COMPLETED but unsynced; sync_plex_pending
    files it once Plex is back, and only once."""
    url, _ = rig.playlist("offline", 2, description="Later.")
    await rig.pms.stop()
    service = rig.build()
    await service.start()

    job = await settled((await service.queue(ALICE, url, None, None)).id)

    assert job.status == JobStatus.COMPLETED and not job.plex_synced
    (dm,) = await messages(TargetKind.DM, ALICE)
    assert "show up in Plex" in dm
    assert await service.sync_plex_pending() == 0  # still down

    await rig.pms.start()
    assert await service.sync_plex_pending() == 1
    assert (await DownloadJob.get(id=job.id)).plex_synced
    (collection,) = rig.pms.collections.values()
    assert (collection["title"], collection["summary"], len(collection["items"])) == (
        "offline title",
        "Later.",
        2,
    )
    assert await service.sync_plex_pending() == 0
    assert len(await messages(TargetKind.DM, ALICE)) == 1


async def test_synced_later_after_restart_uses_the_stored_description(rig: Rig) -> None:
    """After a restart the summary comes from the stored description, with no new listing."""
    url, _ = rig.playlist("restart", 1, description="From the feed.")
    await rig.pms.stop()
    first = rig.build()
    await first.start()
    job = await settled((await first.queue(ALICE, url, None, None)).id)
    await first.stop()

    await rig.pms.start()
    fetched = len(rig.media.requests)
    assert await rig.build().sync_plex_pending() == 1
    assert len(rig.media.requests) == fetched
    (collection,) = rig.pms.collections.values()
    assert collection["summary"] == "From the feed."
    assert (await DownloadJob.get(id=job.id)).plex_synced


async def test_list_jobs_for_owner_and_admin(rig: Rig) -> None:
    """A member sees their own jobs, None (admins) sees everyone's, active ones first."""
    a, _ = rig.playlist("alice", 2)
    b, _ = rig.playlist("bob", 1)
    service = rig.build()
    job_a = await service.queue(ALICE, a, None, CHANNEL)
    job_b = await service.queue(BOB, b, None, None)

    mine = await service.list_jobs(ALICE)
    assert [(p.job_id, p.status, p.total, p.channel_id) for p in mine] == [
        (job_a.id, JobStatus.QUEUED, 2, CHANNEL)
    ]
    assert [p.job_id for p in await service.list_jobs(None)] == [job_a.id, job_b.id]
    progress = await service.progress(job_b.id)
    assert progress is not None and progress.fraction == 0.0 and progress.bar(4) == "▱▱▱▱ 0%"
