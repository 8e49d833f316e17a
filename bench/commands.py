"""Slash commands as members see them: /help against discord.py's floor, /request autocomplete."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bench.stats import ms, percentile, summary
from bench.world import (
    SlowOverseerr,
    Stage,
    bot_process,
    members,
    slash_burst,
    started_world,
    timed_burst,
)
from tests.harness import World

WARM_UP = 5  # interactions each bot answers before a measured burst: imports, caches, JIT-free


async def help_ack(tmp: Path, *, burst: int, rounds: int, settle: float) -> dict[str, Any]:
    """/help from `burst` members at once, the floor bot and ours alternating, `rounds` times."""
    floor: list[float] = []
    ours: list[float] = []
    floor_cpu: list[float] = []  # CPU seconds per interaction, one figure per round
    our_cpu: list[float] = []
    async with started_world(tmp) as world:
        settings = world.settings()
        next_id = 10_000
        for _ in range(rounds):
            for kind, latencies, cpu in (("floor", floor, floor_cpu), ("medianest", ours, our_cpu)):
                # New members each round, so the per-member command guard never refuses.
                warm = members(world, WARM_UP, next_id)
                measured = members(world, burst, next_id + 100)
                next_id += 1000
                async with bot_process(kind, settings, tmp / f"{kind}.log") as bot:
                    await slash_burst(world, warm, "help")
                    await asyncio.sleep(settle)  # start-up work (probes, first jobs) is done
                    before = (await bot.call("cpu"))["cpu_s"]
                    latencies += await slash_burst(world, measured, "help")
                    cpu.append(((await bot.call("cpu"))["cpu_s"] - before) / burst)
    return {
        "burst": burst,
        "rounds": rounds,
        "floor": summary(floor),
        "medianest": summary(ours),
        "ratio_p50": _ratio(percentile(ours, 50), percentile(floor, 50)),
        "ratio_p99": _ratio(percentile(ours, 99), percentile(floor, 99)),
        # CPU per interaction does not depend on how busy the machine is, latency does.
        "cpu_ms_per_interaction": {
            "floor": ms(sum(floor_cpu) / len(floor_cpu)),
            "medianest": ms(sum(our_cpu) / len(our_cpu)),
        },
        "ratio_cpu": _ratio(sum(our_cpu), sum(floor_cpu)),
    }


def _ratio(value: float, floor: float) -> float:
    return round(value / floor, 2) if floor else 0.0


async def autocomplete(stage: Stage, *, queries: int, concurrency: int) -> dict[str, Any]:
    """/request title suggestions while Overseerr answers searches late: cold, then warm."""
    typed = [f"film {n}" for n in range(queries)]
    await _suggest(stage.world, "warm-up")
    cold = await timed_burst(
        queries, lambda n: _suggest(stage.world, typed[n]), concurrency=concurrency
    )
    warm = await timed_burst(
        queries, lambda n: _suggest(stage.world, typed[n]), concurrency=concurrency
    )
    overseerr = stage.world.overseerr
    assert isinstance(overseerr, SlowOverseerr)
    return {
        "overseerr_delay_ms": round(overseerr.search_delay * 1000),
        "concurrency": concurrency,
        "cold": summary(cold),
        "warm": summary(warm),
    }


async def _suggest(world: World, text: str) -> None:
    await world.discord.autocomplete(
        world.users["alice"], "request", {"title": text}, focused="title", timeout=30
    )
