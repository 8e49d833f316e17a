"""The bot under test in its own process, so the fakes' work is not counted as the bot's.

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
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bench.stats import GcPauses, LagProbe
from bench.stats import rss_mb as measure_rss
from bot.app import MediaNest, discord_endpoints
from bot.config import Settings, load_settings
from bot.services.downloads import DownloadService
from bot.services.requests import Requests
from storage.models import DownloadJob, JobStatus
from tests.harness import bot_running

FLOOR_TEXT = "MediaNest can link your Plex account and take media requests."
DONE = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class FloorBot(discord.Client):
    """The floor: discord.py alone, with a /help that answers a static private message."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=0.05,
        )
        self.tree = app_commands.CommandTree(self)
        self.guild = discord.Object(guild_id)

        @self.tree.command(name="help")
        async def help_command(interaction: discord.Interaction) -> None:
            """Show what this bot can do."""
            await interaction.response.send_message(FLOOR_TEXT, ephemeral=True)

    async def setup_hook(self) -> None:
        self.tree.copy_global_to(guild=self.guild)
        await self.tree.sync(guild=self.guild)


@contextlib.asynccontextmanager
async def floor_running(settings: Settings) -> AsyncIterator[FloorBot]:
    """The floor bot connected to the fake Discord, closed afterwards."""
    assert settings.discord_guild_id is not None
    with discord_endpoints(settings):
        client = FloorBot(settings.discord_guild_id)
        await client.login(settings.discord_token.get_secret_value())
        task = asyncio.create_task(client.connect(reconnect=False), name="floor-bot")
        try:
            await asyncio.wait_for(client.wait_until_ready(), 15)
            yield client
        finally:
            await client.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task


class Session:
    """The commands the bench sends to the process holding the bot."""

    def __init__(self, bot: MediaNest | None) -> None:
        self.bot = bot
        self.lag: LagProbe | None = None
        self.gc: GcPauses | None = None
        self._lag_task: asyncio.Task[None] | None = None

    def _bot(self) -> MediaNest:
        assert self.bot is not None, "only the MediaNest child runs this"
        return self.bot

    async def rss(self) -> dict[str, Any]:
        gc.collect()
        return {"rss_mb": measure_rss()}

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
        service = self._bot().features.get(Requests)
        assert service is not None
        gate = asyncio.Semaphore(concurrency)
        failures: list[str] = []

        async def one(n: int) -> None:
            async with gate:
                try:
                    row = await service.submission.prepare(
                        20_000 + n,
                        plex_user_id,
                        f"movie:{first_tmdb + n}",
                        None,
                        False,
                        exempt=True,
                    )
                    await service.delivery.deliver(row.id)
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
        downloads = self._bot().features.get(DownloadService)
        assert downloads is not None
        start = time.perf_counter()
        ids = [(await downloads.queue(discord_id, url, None, None, exempt=True)).id for url in urls]
        async with asyncio.timeout(within):
            while True:
                jobs = await DownloadJob.filter(id__in=ids)
                if all(job.status in DONE for job in jobs):
                    break
                await asyncio.sleep(0.1)
        return {
            "jobs": len(ids),
            "seconds": round(time.perf_counter() - start, 2),
            "statuses": sorted(str(job.status) for job in jobs),
        }


OPS: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
    name: getattr(Session, name)
    for name in ("rss", "cpu", "lag_start", "lag_stop", "outbox_post", "submit", "youtube")
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
    settings = load_settings(**json.loads(sys.stdin.readline()))
    if kind == "floor":
        async with floor_running(settings):
            await serve(Session(None), {"ready": "floor", "rss_mb": measure_rss()})
        return
    async with bot_running(settings) as bot:
        await serve(Session(bot), {"ready": "medianest", "web_port": bot.web_port})


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    profile_to = os.environ.get("BENCH_PROFILE")  # a cProfile dump of the run, when set
    if profile_to:
        cProfile.run(f"asyncio.run(main({sys.argv[1]!r}))", profile_to)
    else:
        asyncio.run(main(sys.argv[1]))
