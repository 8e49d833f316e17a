"""The bot under test in its own process, so the fakes' work is not counted as the bot's.

The floor child imports discord.py and bench/floor.py only, our bot's child what the bot
imports (bot.app's `running`, as `python -m bot` does, not the test harness), so each
process's memory is that bot's.

`python -m bench.child medianest|floor` reads the settings as one JSON line on stdin, starts
the bot, prints `{"ready": ..., "web_port": ...}`, then answers one JSON command per line
(see `OPS`) until `stop` or the end of stdin. Logs go to stderr; stdout is the protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import gc
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bench.stats import GcPauses, LagProbe
from bench.stats import rss_mb as measure_rss

if TYPE_CHECKING:  # imported when run: the floor's process holds discord.py and nothing else
    from bench.floor import FloorBot
    from bot.app import MediaNest


# Libraries that only some commands need, and how big they are resident (README, issue 23).
HEAVY = (
    "matplotlib",
    "numpy",
    "PIL",
    "plexapi",
    "requests",
    "cryptography",
    "yt_dlp",
    "coredis",
    "asyncpg",
)


def limiter_keys(local: Any) -> dict[str, Any]:
    """The in-process limiter's keys: ours (`windows`), or `limits`' storage (older bots)."""
    windows = getattr(local, "windows", None)  # empty before the first command: still ours
    return windows if windows is not None else getattr(local.storage, "events", {})


class Session:
    """The commands the bench sends to the process holding the bot."""

    def __init__(self, bot: MediaNest | None, floor: FloorBot | None = None) -> None:
        self.bot = bot
        self.floor = floor
        self.lag: LagProbe | None = None
        self.gc: GcPauses | None = None
        self._lag_task: asyncio.Task[None] | None = None

    def _bot(self) -> MediaNest:
        assert self.bot is not None, "only the MediaNest child runs this"
        return self.bot

    async def reply(self, data: dict[str, Any]) -> dict[str, Any]:
        """The floor's /help answers with this message payload's (one) embed from now on."""
        assert self.floor is not None, "only the floor child runs this"
        self.floor.reply_with(data)
        return {}

    async def state(self) -> dict[str, Any]:
        """What the bot keeps: rate-limit windows, modules, which heavy libraries are loaded."""
        services = self._bot().services
        return {
            "limiter_windows": len(limiter_keys(services.limiter.local)),
            "rss_mb": measure_rss(),
            "modules": len(sys.modules),
            "loaded": sorted(m for m in HEAVY if m in sys.modules),
        }

    async def modules(self) -> dict[str, Any]:
        """Every module loaded, by top-level package: what the idle RSS is made of."""
        counts: dict[str, int] = {}
        for name in sys.modules:
            top = name.partition(".")[0]
            counts[top] = counts.get(top, 0) + 1
        return {"modules": counts}

    async def rss(self) -> dict[str, Any]:
        gc.collect()
        return {"rss_mb": measure_rss()}

    async def jobs_once(self, timeout: float = 30) -> dict[str, Any]:
        """Run each scheduled round once now, as its schedule would (errors recorded, not raised).

        What a bot holds once its rounds have run: the dashboard's numbers (Babel's CLDR data),
        New on Plex's poll, the probes. The long-running loops (interruptible) are skipped.
        """
        ran = []
        for job in self._bot().jobs.scheduler.get_jobs():
            if job.args[2:3] == (True,):
                continue
            await asyncio.wait_for(job.func(*job.args, **job.kwargs), timeout)
            ran.append(job.id)
        return {"ran": sorted(ran)}

    async def cpu(self) -> dict[str, Any]:
        """CPU seconds this process has used, all threads: load on the machine does not count."""
        return {"cpu_s": time.process_time()}

    async def lag_start(self, interval: float = 0.005) -> dict[str, Any]:
        self.lag = LagProbe(interval)
        self.gc = GcPauses()
        self.gc.start()
        self._lag_task = asyncio.create_task(self.lag.run(), name="bench-lag")
        return {}

    async def lag_stop(self) -> dict[str, Any]:
        assert self.lag is not None and self._lag_task is not None and self.gc is not None
        self._lag_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._lag_task
        self.gc.stop()
        return {**self.lag.report(), "gc": self.gc.report()}

    async def outbox_post(self, count: int, channel_id: int, prefix: str) -> dict[str, Any]:
        outbox = self._bot().services.outbox
        for n in range(count):
            await outbox.post(f"{prefix}:{n}", channel_id, f"Bench message {n}")
        return {"queued": count}

    async def submit(
        self, count: int, concurrency: int, plex_user_id: int, first_tmdb: int
    ) -> dict[str, Any]:
        """`count` movie requests saved and delivered to Overseerr, `concurrency` at a time."""
        from bot.services.requests import Requests

        service = self._bot().features.get(Requests)
        assert service is not None
        gate = asyncio.Semaphore(concurrency)
        failures: list[str] = []

        async def one(n: int) -> None:
            async with gate:
                try:
                    row = await service.submit(
                        20_000 + n,
                        plex_user_id,
                        f"movie:{first_tmdb + n}",
                        None,
                        False,
                        exempt=True,
                    )
                    await service.deliver(row.id)
                except Exception as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")

        start = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        took = time.perf_counter() - start
        return {
            "count": count,
            "seconds": round(took, 3),
            "per_second": round(count / took, 1),
            "failures": failures[:3],
            "failed": len(failures),
        }

    async def youtube(self, urls: list[str], discord_id: int, within: float) -> dict[str, Any]:
        """Queue these playlists and wait until every job has ended."""
        from bot.services.downloads import DownloadService
        from storage.models import DownloadJob, JobStatus

        done = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
        downloads = self._bot().features.get(DownloadService)
        assert downloads is not None
        start = time.perf_counter()
        ids = [(await downloads.queue(discord_id, url, None, None, exempt=True)).id for url in urls]
        async with asyncio.timeout(within):
            while True:
                jobs = await DownloadJob.filter(id__in=ids)
                if all(job.status in done for job in jobs):
                    break
                await asyncio.sleep(0.1)
        return {
            "jobs": len(ids),
            "seconds": round(time.perf_counter() - start, 2),
            "statuses": sorted(str(job.status) for job in jobs),
        }


OPS: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
    name: getattr(Session, name)
    for name in (
        "modules",
        "rss",
        "jobs_once",
        "cpu",
        "reply",
        "state",
        "lag_start",
        "lag_stop",
        "outbox_post",
        "submit",
        "youtube",
    )
}


async def serve(session: Session, ready: dict[str, Any]) -> None:
    """Answer commands from stdin until `stop` or end of input."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps(ready), flush=True)
    while line := await reader.readline():
        command = json.loads(line)
        op = command.pop("op")
        if op == "stop":
            break
        try:
            answer = await OPS[op](session, **command)
        except Exception as exc:
            logging.exception("bench child: %s failed", op)
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


async def main(kind: str) -> None:
    values = json.loads(sys.stdin.readline())
    if kind == "floor":
        from bench.floor import floor_running

        async with floor_running(values) as floor:
            await serve(Session(None, floor), {"ready": "floor", "rss_mb": measure_rss()})
        return
    from bot.app import running
    from bot.config import load_settings

    async with running(load_settings(**values), guild_ready_timeout=0.05) as bot:
        await asyncio.wait_for(bot.wait_until_ready(), 15)
        await serve(Session(bot), {"ready": "medianest", "web_port": bot.web_port})


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    profile_to = os.environ.get("BENCH_PROFILE")  # cProfile dumps, BENCH_PROFILE.<kind>
    if profile_to:
        cProfile.run(f"asyncio.run(main({sys.argv[1]!r}))", f"{profile_to}.{sys.argv[1]}")
    else:
        asyncio.run(main(sys.argv[1]))
