"""Across machines: failover time (leader killed -> the standby answers /help) and videos
per hour with one and two download workers, on a PostgreSQL cluster of the bench's own.

Run: `python -m bench.cluster [--rounds N]` (needs PostgreSQL's server binaries).
Real `python -m bot` and `python -m bot worker` processes against the loopback fakes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from bot.clients.ytdlp import YtDlp
from bot.services.downloads import DownloadOptions
from bot.services.downloads.clock import LoopClock
from bot.services.downloads.folders import DownloadDir
from bot.services.downloads.progress import ProgressFeed, ProgressRelay
from bot.services.downloads.queue import DownloadQueue
from bot.services.downloads.runs import Runs
from bot.services.ratelimit import RateLimiter
from storage import db
from storage.models import DownloadJob, JobStatus
from tests.fakes.media import FakeMediaServer
from tests.fakes.plex import FakePlexServer, FakePlexTV
from tests.faults.servers import postgres_cluster
from tests.faults.test_failover import help_answered, role, start_bot
from tests.faults.test_workers import start_worker, worker_env
from tests.harness import World

VIDEOS = 8
VIDEO_BYTES = 300_000
RATE = 600_000  # bytes per second per video from the loopback media host


def spread(values: list[float]) -> str:
    return (
        f"min {min(values):.2f} · median {statistics.median(values):.2f} · "
        f"max {max(values):.2f} (n={len(values)})"
    )


async def failover(rounds: int) -> list[float]:
    """Seconds from kill -9 of the leader to the standby's first /help answer, per round."""
    took = []
    for _ in range(rounds):
        world = World(tmp=Path(tempfile.mkdtemp(prefix="bench-failover-")))
        await world.start()
        try:
            async with postgres_cluster() as pg:
                await db.migrate_database(pg.url)
                leader = await start_bot(world, pg.url)
                await role(leader, "leader")
                await world.discord.wait_ready(timeout=30)
                standby = await start_bot(world, pg.url)
                await role(standby, "standby")
                os.kill(leader.proc.pid, signal.SIGKILL)
                await leader.proc.wait()
                took.append(await help_answered(world, timeout=60))
                await standby.stop()
        finally:
            await world.stop()
    return took


async def videos_per_hour(workers: int) -> float:
    """Two playlists of VIDEOS videos in all through `workers` worker processes."""
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-")) / "youtube"
    folder.mkdir()
    media, pms, tv = FakeMediaServer(), FakePlexServer(), FakePlexTV()
    async with AsyncExitStack() as stack:
        pg = await stack.enter_async_context(postgres_cluster())
        for fake in (media, pms, tv):
            await stack.enter_async_context(fake)
        await db.migrate_database(pg.url)
        pms.add_section("7", "movie", "YouTube", str(folder))
        ids = [f"v{n}" for n in range(VIDEOS)]
        for vid in ids:
            media.add_video(vid, f"Clip {vid}", size=VIDEO_BYTES)
            media.throttle(vid, RATE)
        await stack.enter_async_context(db.database(pg.url))
        options = DownloadOptions(folder, "YouTube", [f"127.0.0.1:{media.port}"], min_free_bytes=0)
        queue = DownloadQueue(
            YtDlp(allowed_extractors=["generic", "html5"]),
            RateLimiter(None),
            Runs(ProgressFeed(ProgressRelay(), 1.0, LoopClock())),
            DownloadDir(folder),
            options,
        )
        half = VIDEOS // 2  # two jobs, so two workers have work to share
        for name, part in (("a", ids[:half]), ("b", ids[half:])):
            url = media.add_playlist(name, f"Playlist {name}", part)
            await queue.queue(1, url, None, None, exempt=True)
        env = worker_env(pg.url, folder, pms, tv, media)
        start = time.monotonic()
        procs = [await start_worker(env) for _ in range(workers)]
        try:
            active = [JobStatus.QUEUED, JobStatus.RUNNING]
            while await DownloadJob.filter(status__in=active).exists():
                await asyncio.sleep(0.1)
            took = time.monotonic() - start
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                await proc.communicate()
    return VIDEOS / took * 3600


async def main(rounds: int) -> None:
    load = os.getloadavg()
    print(f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores")
    took = await failover(rounds)
    print(f"failover (leader kill -9 -> /help answered), s: {spread(took)}")
    one = [await videos_per_hour(1) for _ in range(rounds)]
    two = [await videos_per_hour(2) for _ in range(rounds)]
    print(f"videos/hour, 1 worker:  {spread(one)}")
    print(f"videos/hour, 2 workers: {spread(two)}")
    ratios = [b / a for a, b in zip(one, two, strict=True)]
    print(f"2 workers / 1 worker:   {spread(ratios)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
