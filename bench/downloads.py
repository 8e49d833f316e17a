"""The bot while it downloads (event-loop lag) and over a long run (resident memory)."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.report import MEMORY_ALLOWANCE_MB
from bench.world import Stage, members, slash_burst
from bot.services.requests.titles import SUGGEST_CACHE_SIZE
from tests.fakes.media import FakeMediaServer
from tests.harness import World

DOWNLOADER = 900  # the Discord id the bench queues downloads as


def playlists(media: FakeMediaServer, count: int, videos: int, size: int, tag: str) -> list[str]:
    """`count` playlists of `videos` videos of `size` bytes each on the fake site."""
    urls = []
    for p in range(count):
        ids = [
            media.add_video(f"{tag}{p}v{v}", f"Clip {p}.{v}", size=size).id for v in range(videos)
        ]
        urls.append(media.add_playlist(f"{tag}{p}", f"Playlist {tag}{p}", ids))
    return urls


async def loop_lag(stage: Stage, *, videos: int, size: int, idle_seconds: float) -> dict[str, Any]:
    """The bot's event-loop lag (its own process) while two playlists download side by side."""
    urls = playlists(stage.media, 2, videos, size, "lag")
    # The same probe with nothing to do first: on a busy machine the OS, not the bot, is late.
    await stage.bot.call("lag_start")
    await asyncio.sleep(idle_seconds)
    idle = await stage.bot.call("lag_stop")
    await stage.bot.call("lag_start")
    jobs = await stage.bot.call(
        "youtube", urls=urls, discord_id=DOWNLOADER, within=240, timeout=300
    )
    lag = await stage.bot.call("lag_stop")
    return {
        "playlists": 2,
        "videos_each": videos,
        "video_bytes": size,
        "jobs": jobs,
        **lag,
        "idle_baseline": idle,
    }


async def _requests(world: World, count: int, first_id: int) -> None:
    """`count` interactions: half /help from distinct members, half new autocomplete queries."""
    chunk = 50
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        helpers = members(world, size // 2, first_id + start)
        await slash_burst(world, helpers, "help")
        await asyncio.gather(
            *(
                world.discord.autocomplete(
                    world.users["alice"],
                    "request",
                    {"title": f"film {first_id + start + n}"},
                    focused="title",
                    timeout=30,
                )
                for n in range(size - size // 2)
            )
        )


async def memory(stage: Stage, *, requests: int, downloads: int) -> dict[str, Any]:
    """Resident memory of the bot: idle, after two runs of `requests`, after `downloads` videos."""
    world, bot = stage.world, stage.bot
    per_job = 5
    urls = playlists(stage.media, max(1, downloads // per_job), per_job, 64_000, "mem")
    await _requests(world, 20, 1_000_000)  # warm-up: first imports and caches
    idle = (await bot.call("rss"))["rss_mb"]
    await _requests(world, requests, 2_000_000)
    first = (await bot.call("rss"))["rss_mb"]
    await _requests(world, requests, 3_000_000)
    second = (await bot.call("rss"))["rss_mb"]
    jobs = await bot.call("youtube", urls=urls, discord_id=DOWNLOADER, within=600, timeout=660)
    after_downloads = (await bot.call("rss"))["rss_mb"]
    growth = round(second - first, 1)
    # Half of each run are new autocomplete queries: more than the suggestion caches hold
    # fills them in the first run, so the second may only replace entries, not add them.
    queries = requests - requests // 2
    full = queries >= SUGGEST_CACHE_SIZE
    return {
        "requests_per_run": requests,
        "new_queries_per_run": queries,
        "suggestion_cache_cap": SUGGEST_CACHE_SIZE,
        "caches_full_after_first_run": full,
        "idle_mb": idle,
        "after_first_run_mb": first,
        "after_second_run_mb": second,
        "growth_second_run_mb": growth,
        "allowance_mb": MEMORY_ALLOWANCE_MB,
        "growth_within_caps": (growth <= MEMORY_ALLOWANCE_MB) if full else None,
        "downloads": len(urls) * per_job,
        "download_jobs": jobs,
        "after_downloads_mb": after_downloads,
    }
