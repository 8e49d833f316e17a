"""Download workers in processes of their own, sharing one PostgreSQL queue.

Real `python -m bot worker` processes on a PostgreSQL cluster of the test's own, the real
yt-dlp downloading from the loopback media host, filing into the fake Plex.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clients.ytdlp import YtDlp
from bot.services.downloads import DownloadOptions
from bot.services.downloads.clock import LoopClock
from bot.services.downloads.folders import DownloadDir
from bot.services.downloads.progress import ProgressFeed, ProgressRelay
from bot.services.downloads.queue import DownloadQueue
from bot.services.downloads.runs import Runs
from bot.services.ratelimit import RateLimiter
from storage import db
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus
from tests.eventually import eventually
from tests.fakes.media import FakeMediaServer
from tests.fakes.plex import FakePlexServer, FakePlexTV
from tests.faults.servers import PostgresCluster, postgres_cluster

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
async def cluster() -> AsyncIterator[PostgresCluster]:
    async with postgres_cluster() as running:
        yield running


def worker_env(
    url: str, folder: Path, pms: FakePlexServer, tv: FakePlexTV, media: FakeMediaServer
) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PLEX_", "YOUTUBE_"))
    }
    env.update(
        DATABASE_URL=url,
        DATA_DIR=str(folder.parent / "data"),
        PLEX_URL=pms.url,
        PLEX_TOKEN="owner-token",
        PLEX_TV_URL=tv.url,
        YOUTUBE_DOWNLOAD_DIR=str(folder),
        YOUTUBE_PLEX_SECTION="YouTube",
        YOUTUBE_ALLOWED_HOSTS=f"127.0.0.1:{media.port}",
        YOUTUBE_EXTRACTORS="generic,html5",
        YOUTUBE_MIN_FREE_GB="0",
        YOUTUBE_MAX_CONCURRENT="1",
        CLUSTER_LEASE_SECONDS="3",
    )
    return env


async def start_worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "worker",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


async def test_a_killed_worker_s_job_is_finished_by_the_other_each_video_once(
    cluster: PostgresCluster, tmp_path: Path
) -> None:
    """kill -9 the worker mid-video: the other takes the job when its lease lapses, finishes
    it, every video is filed once, and progress goes on being stored."""
    url = cluster.url
    await db.migrate_database(url)
    folder = tmp_path / "youtube"
    folder.mkdir()
    async with FakeMediaServer() as media, FakePlexServer() as pms, FakePlexTV() as tv:
        pms.add_section("7", "movie", "YouTube", str(folder))
        videos = [media.add_video(f"v{i}", f"Clip {i}", size=200_000) for i in range(4)]
        for video in videos:
            media.throttle(video.id, 150_000)  # about 1.3 s a video
        playlist = media.add_playlist("pl", "Woodwork", [v.id for v in videos])
        async with db.database(url):
            options = DownloadOptions(
                folder, "YouTube", [f"127.0.0.1:{media.port}"], min_free_bytes=0
            )
            queue = DownloadQueue(
                YtDlp(allowed_extractors=["generic", "html5"]),
                RateLimiter(None),
                Runs(ProgressFeed(ProgressRelay(), 1.0, LoopClock())),
                DownloadDir(folder),
                options,
            )
            job = await queue.queue(1, playlist, None, None, exempt=True)
            env = worker_env(url, folder, pms, tv, media)
            workers = [await start_worker(env), await start_worker(env)]
            try:
                holder = await eventually(lambda: _holder(job.id, workers), timeout=60)
                await eventually(lambda: _downloading(job.id), timeout=60)
                first_progress = (await DownloadJob.get(id=job.id)).progress_at
                os.kill(holder.pid, signal.SIGKILL)
                await holder.wait()
                survivor = next(w for w in workers if w is not holder)
                done = await eventually(lambda: _finished(job.id), timeout=120)
                assert done.status == JobStatus.COMPLETED, done.error
                assert done.progress_at is not None and first_progress is not None
                assert done.progress_at > first_progress  # progress kept coming after the takeover
                files = sorted(folder.rglob("*.mp4"))
                assert len(files) == len(videos), files
                assert sorted(p.read_bytes() for p in files) == sorted(v.data for v in videos)
                statuses = await DownloadItem.filter(job_id=job.id).values_list("status", flat=True)
                assert set(statuses) == {ItemStatus.DONE}
                assert survivor.returncode is None
            finally:
                for proc in workers:
                    if proc.returncode is None:
                        proc.send_signal(signal.SIGTERM)
                outputs = [(await p.communicate())[0].decode() for p in workers]
            assert all("Traceback" not in out for out in outputs), outputs


async def _holder(job_id: int, workers: list[asyncio.subprocess.Process]):  # type: ignore[no-untyped-def]
    owner = (await DownloadJob.get(id=job_id)).lease_owner
    if not owner:
        return None
    pid = int(owner.rsplit(":", 1)[1])
    return next((w for w in workers if w.pid == pid), None)


async def _downloading(job_id: int) -> bool:
    return await DownloadItem.filter(job_id=job_id, status=ItemStatus.DOWNLOADING).exists()


async def _finished(job_id: int) -> DownloadJob | None:
    job = await DownloadJob.get(id=job_id)
    ended = job.status not in (JobStatus.QUEUED, JobStatus.RUNNING)
    return job if ended and job.lease_owner is None else None  # released once the run is over
