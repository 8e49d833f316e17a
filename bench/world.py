"""The bench's world: the test harness's fakes in this process, the bot under test in another."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bench.timing import TimingDiscord
from bot.config import Settings
from tests.fakes.discord import FakeUser
from tests.fakes.media import FakeMediaServer
from tests.fakes.overseerr import API as OVERSEERR_API
from tests.fakes.overseerr import FakeOverseerr, Permission
from tests.harness import World

ROOT = Path(__file__).resolve().parents[1]


class SlowOverseerr(FakeOverseerr):
    """The fake Overseerr, answering every search after `search_delay` seconds."""

    def __init__(self, search_delay: float = 0.0) -> None:
        super().__init__()
        self.search_delay = search_delay

    def build_app(self) -> web.Application:
        app = super().build_app()
        app.middlewares.insert(0, self._slow_search)
        return app

    @web.middleware
    async def _slow_search(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.search_delay and request.path.startswith(OVERSEERR_API + "/search"):
            await asyncio.sleep(self.search_delay)
        response: web.StreamResponse = await handler(request)
        return response


@contextlib.asynccontextmanager
async def started_world(tmp: Path, search_delay: float = 0.0) -> AsyncIterator[World]:
    """Every fake of tests/harness.py started in `tmp`, Overseerr answering searches late.

    Discord is the light, timing fake (bench/timing.py): its work is not in the bot's time.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    world = World(tmp=tmp, discord=TimingDiscord(), overseerr=SlowOverseerr(search_delay))
    await world.start()
    # The fakes run in this process, which keeps what earlier sections left: unfrozen, a
    # full collection of it stalls the fakes for 50-140 ms and shows up as the bot's latency.
    gc.collect()
    gc.freeze()
    try:
        yield world
    finally:
        gc.unfreeze()
        await world.stop()


def members(world: World, count: int, first_id: int) -> list[FakeUser]:
    """`count` plain members (no admin, no roles) with ids from `first_id`."""
    return [world.discord.add_user(first_id + n, f"member{first_id + n}") for n in range(count)]


async def timed_burst(
    count: int, act: Callable[[int], Awaitable[object]], concurrency: int | None = None
) -> list[float]:
    """Start `count` actions at once (or `concurrency` at a time); seconds each took.

    In a burst every latency counts from the moment the burst started, as a member waiting
    behind forty-nine others would see it; with a concurrency limit, from its own start.
    """
    gate = asyncio.Semaphore(concurrency or count)
    burst_start = time.perf_counter()

    async def one(n: int) -> float:
        async with gate:
            start = burst_start if concurrency is None else time.perf_counter()
            await act(n)
            return time.perf_counter() - start

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def slash_burst(world: World, users: Sequence[FakeUser], name: str) -> list[float]:
    """Every user runs /name at the same moment; seconds until each acknowledgement."""

    async def act(n: int) -> None:
        interaction = await world.discord.slash(users[n], name)
        await interaction.response(timeout=30)

    return await timed_burst(len(users), act)


class BotProcess:
    """A running `bench.child`: the bot (or the floor bot) and its command channel."""

    def __init__(self, proc: asyncio.subprocess.Process, ready: dict[str, Any]) -> None:
        self.proc = proc
        self.ready = ready
        self.web_port: int | None = ready.get("web_port")

    async def call(self, op: str, timeout: float = 120, **args: Any) -> dict[str, Any]:
        """Run one command in the child and return its answer."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}).encode() + b"\n")
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"the bot process exited during {op}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{op} failed in the bot process: {answer['error']}")
        return answer


def settings_values(settings: Settings) -> dict[str, Any]:
    """The settings as plain JSON values, secrets included, for the child to load again."""
    return {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in settings.model_dump().items()
    }


@contextlib.asynccontextmanager
async def bot_process(kind: str, settings: Settings, log: Path) -> AsyncIterator[BotProcess]:
    """Start `python -m bench.child kind` on these settings; stop it when the block ends."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *os.environ.get("BENCH_CHILD", "-m bench.child").split(),
            kind,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            cwd=ROOT,
            env=env,
        )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(json.dumps(settings_values(settings), default=str).encode() + b"\n")
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        if not line:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the {kind} bot did not start; its log ends:\n{tail}")
        yield BotProcess(proc, json.loads(line))
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.write(b'{"op": "stop"}\n')
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


SUBMIT_TMDB = 5000  # the first of the movies the submissions section requests
FRIEND_PLEX_ID = 2  # the Plex account that Overseerr user 10 belongs to


@dataclasses.dataclass
class Stage:
    """A world with every feature on, and the bot running on it in its own process."""

    tmp: Path
    world: World
    media: FakeMediaServer
    settings: Settings
    bot: BotProcess


@contextlib.asynccontextmanager
async def stage(
    tmp: Path, *, search_delay: float, movies: int, database_url: str | None = None
) -> AsyncIterator[Stage]:
    """Fakes (the video site too), a catalogue of `movies` titles and the bot, started."""
    async with started_world(tmp, search_delay) as world, FakeMediaServer() as media:
        world.overseerr.add_user(
            10, plex_id=FRIEND_PLEX_ID, plex_username="friend", permissions=Permission.REQUEST
        )
        for n in range(50):
            world.overseerr.add_movie(100 + n, f"Film {n}", 2000 + n % 25)
        for n in range(movies):
            world.overseerr.add_movie(SUBMIT_TMDB + n, f"Bench Film {n}", 1990 + n % 30)
        folder = tmp / "youtube"
        folder.mkdir()
        world.pms.add_section("7", "movie", "YouTube", str(folder))
        settings = world.settings(
            database_url=database_url,
            youtube_download_dir=folder,
            youtube_plex_section="YouTube",
            youtube_allowed_hosts=f"127.0.0.1:{media.port}",
            youtube_extractors="generic,html5",
            youtube_min_free_gb=0,
        )
        async with bot_process("medianest", settings, tmp / "bot.log") as bot:
            yield Stage(tmp, world, media, settings, bot)  # type: ignore[arg-type]
