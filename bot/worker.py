"""`python -m bot worker`: download workers only, on the machine where the storage is.

A worker shares the bot's PostgreSQL (and Redis when set). It claims jobs under a lease,
downloads and files them; its DMs and posts are stored in the outbox and its progress in
the job's row, and the bot delivers both. It needs no Discord token.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
from contextlib import AsyncExitStack
from dataclasses import replace

from bot.clients.plex import PlexClient, plex_tv_at
from bot.clients.ytdlp import YtDlp
from bot.config import Settings
from bot.services.cluster.processes import Heartbeat, process_name
from bot.services.cluster.single import WORKER_NEEDS_POSTGRES
from bot.services.downloads import DownloadOptions, DownloadService, ProgressRelay
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.probes import youtube_result
from bot.services.ratelimit import RateLimiter
from bot.services.tasks import stop_tasks
from bot.startup import data_dir_problem
from storage import db

log = logging.getLogger(__name__)
IDLE_POLL = 5.0  # another process queues the jobs, so nothing wakes this one: look often


def worker_problems(settings: Settings) -> list[str]:
    """What a worker lacks to run, one line each (empty when it can start)."""
    problems = []
    if not settings.resolved_database_url.startswith("postgres"):
        problems.append(WORKER_NEEDS_POSTGRES)
    if settings.youtube_download_dir is None:
        problems.append("YOUTUBE_DOWNLOAD_DIR: set the folder this worker downloads into.")
    elif problem := data_dir_problem(settings.youtube_download_dir):
        problems.append(f"YOUTUBE_DOWNLOAD_DIR: {problem}")
    if not (settings.plex_url and settings.plex_token):
        problems.append("PLEX_URL and PLEX_TOKEN: a worker files its downloads into Plex.")
    return problems


def worker_warnings() -> list[str]:
    """What a worker can run without, but works less well for (one line each)."""
    if shutil.which("ffmpeg") is None:
        return [
            "ffmpeg is not installed: videos download as single files, not the best streams "
            "merged (apt-get install ffmpeg, or use the image)."
        ]
    return []


async def work(settings: Settings) -> int:
    """Run the download workers until SIGTERM/SIGINT; 1 with one line per missing thing."""
    problems = worker_problems(settings)
    for line in problems:
        print(line, flush=True)
    if problems:
        return 1
    found = await youtube_result()  # the JavaScript runtime and EJS scripts YouTube needs
    if not found.ok:
        print(f"youtube: {found.detail}", flush=True)
        return 1
    for line in worker_warnings() + ([found.detail] if found.warning else []):
        log.warning(line)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    name = process_name()
    async with AsyncExitStack() as stack:
        stack.enter_context(plex_tv_at(settings.plex_tv_url))
        await stack.enter_async_context(db.database(settings.resolved_database_url))
        places = Places(settings)
        await places.load()  # the channels chosen in /setup, for the notices it stores
        service = build_worker_downloads(settings, places, name)
        heartbeat = Heartbeat(name, "worker")
        beating = asyncio.create_task(heartbeat.run(), name="worker-heartbeat")
        await service.start()
        log.info("worker %s: downloading into %s", name, settings.youtube_download_dir)
        await stop.wait()
        log.info("worker %s: stopping; running jobs go back to the queue", name)
        await service.stop()
        await stop_tasks([beating])
        await heartbeat.leave()
    return 0


def build_worker_downloads(settings: Settings, places: Places, name: str) -> DownloadService:
    """The download service of a worker process: progress stored in the job's row, no Discord."""
    assert settings.plex_url and settings.plex_token  # checked by worker_problems
    plex = PlexClient(settings.plex_url, settings.plex_token.get_secret_value())
    options = replace(
        DownloadOptions.from_settings(settings),
        worker_name=name,
        idle_poll=IDLE_POLL,
        local_workers=True,
    )
    ytdlp = YtDlp(
        allowed_extractors=settings.youtube_extractors, cookies_file=settings.youtube_cookies_file
    )
    limiter = RateLimiter(settings.redis_url)
    return DownloadService(ytdlp, plex, Outbox(), limiter, options, ProgressRelay(), places)
