"""Slash commands as members see them: /help against discord.py's floor, /request autocomplete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.stats import percentile, summary
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


async def help_ack(tmp: Path, *, burst: int, rounds: int) -> dict[str, Any]:
    """/help from `burst` members at once, the floor bot and ours alternating, `rounds` times."""
    floor: list[float] = []
    ours: list[float] = []
    per_round: list[dict[str, Any]] = []
    async with started_world(tmp) as world:
        settings = world.settings()
        next_id = 10_000
        for _ in range(rounds):
            # New members each round, so the per-member command guard never refuses.
            warm, measured = members(world, WARM_UP, next_id), members(world, burst, next_id + 100)
            next_id += 1000
            async with bot_process("floor", settings, tmp / "floor.log"):
                await slash_burst(world, warm, "help")
                floor_round = await slash_burst(world, measured, "help")
            warm, measured = members(world, WARM_UP, next_id), members(world, burst, next_id + 100)
            next_id += 1000
            async with bot_process("medianest", settings, tmp / "bot.log"):
                await slash_burst(world, warm, "help")
                ours_round = await slash_burst(world, measured, "help")
            floor += floor_round
            ours += ours_round
            per_round.append({"floor": summary(floor_round), "medianest": summary(ours_round)})
    return {
        "burst": burst,
        "rounds": rounds,
        "floor": summary(floor),
        "medianest": summary(ours),
        "ratio_p50": _ratio(percentile(ours, 50), percentile(floor, 50)),
        "ratio_p99": _ratio(percentile(ours, 99), percentile(floor, 99)),
        "per_round": per_round,
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
