"""The download service on the loopback media server and the fake Plex, and what tests read.

Files are small and throttled just enough to catch a download in the middle.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.clients.plex import PlexClient
from bot.clients.ytdlp import YtDlp
from bot.services.downloads import (
    FINISHED,
    DownloadOptions,
    DownloadService,
    JobProgress,
    ProgressRelay,
)
from bot.services.downloads.clock import LoopClock
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter
from bot.services.retry import RetryPolicy
from storage.models import DownloadItem, DownloadJob, JobStatus, OutboxMessage, TargetKind
from tests.eventually import eventually
from tests.fakes.media import FakeMediaServer
from tests.fakes.plex import FakePlexServer

ALICE, BOB, ADMIN = 1001, 1002, 9001
CHANNEL, NOTIFY, HEALTH = 5001, 7001, 7002
FAST = RetryPolicy(base=0.01, cap=0.02, jitter=0.0)
YOUTUBE_HOSTS = ["youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"]
CLOCK = LoopClock()


class Recorder:
    """A progress sink that keeps every update with the time it came, by the service's clock."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, JobProgress]] = []

    async def job_progress(self, progress: JobProgress) -> None:
        self.calls.append((CLOCK.now(), progress))

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
    sinks: dict[DownloadService, Recorder] = field(default_factory=dict)
    limiter: RateLimiter = field(
        default_factory=lambda: RateLimiter(prefix=f"test-{secrets.token_hex(4)}")
    )

    @property
    def download_dir(self) -> Path:
        return self.root / "youtube"

    def build(self, **overrides: Any) -> DownloadService:
        """A service as the bot builds it, with test-sized timings and the media host allowed."""
        options = DownloadOptions(
            download_dir=self.download_dir,
            section="YouTube",
            allowed_hosts=[*YOUTUBE_HOSTS, f"127.0.0.1:{self.media.port}"],
            rate="50/day",
            per_user_queued=5,
            progress_every=0.3,
            plex_wait=2.0,
            plex_poll=0.05,
            retry_policy=FAST,
            ytdlp_retries=0,
            min_free_bytes=2**30,
            free_space=lambda _path: self.free[0],
            space_check_every=0.05,
            idle_poll=0.2,
            cancel_wait=5.0,
            clock=CLOCK,
        )
        relay = ProgressRelay()
        recorder = Recorder()
        relay.attach(recorder)
        ytdlp = YtDlp(allowed_extractors=["generic", "html5"], ffmpeg=False)
        places = Places({"notify_channel_id": NOTIFY, "health_channel_id": HEALTH})
        service = DownloadService(
            ytdlp,
            self.plex,
            Outbox(places=places),
            self.limiter,
            replace(options, **overrides),
            relay,
            places,
        )
        self.services.append(service)
        self.sinks[service] = recorder
        return service

    async def halfway(self, name: str) -> tuple[DownloadService, DownloadJob, Path, list[str]]:
        """A started service on a two-video job: the first video done, the second part-way."""
        url, ids = self.playlist(name, 2, size=300_000)
        self.media.throttle(ids[1], 100_000)
        service = self.build()
        await service.start()
        job = await service.queue(ALICE, url, None, None)
        folder = self.download_dir / f"{name} title"
        await eventually(lambda: part_bytes(folder, ids[1]) > 10_000, SLOW)
        return service, job, folder, ids

    def playlist(
        self, name: str, count: int, *, size: int = 20_000, description: str = ""
    ) -> tuple[str, list[str]]:
        """Publish a feed of `count` new videos; returns its URL and the video ids."""
        ids = [f"{name}-v{n}" for n in range(1, count + 1)]
        for n, vid in enumerate(ids, start=1):
            self.media.add_video(vid, f"{name} video {n}", size=size)
        return self.media.add_playlist(name, f"{name} title", ids, description=description), ids


SLOW = 15.0  # seconds a download step may take on a busy machine


async def finished(job_id: int, *statuses: JobStatus) -> DownloadJob:
    """Wait for the job to reach one of `statuses` (default: any final one)."""
    wanted = statuses or FINISHED

    async def reached() -> bool:
        return (await DownloadJob.get(id=job_id)).status in wanted

    await eventually(reached, SLOW)
    return await DownloadJob.get(id=job_id)


async def settled(job_id: int) -> DownloadJob:
    """Wait until the job ended and its Plex step and DM are done (the DM comes last)."""

    async def told() -> bool:
        return await OutboxMessage.filter(dedupe_key=f"youtube:{job_id}:finished").exists()

    await eventually(told, SLOW)
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
