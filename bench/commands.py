"""Slash commands as members see them: /help against discord.py's floor, /request autocomplete."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.stats import ms, percentile, summary
from bench.timing import TimingDiscord, timed_slash
from bench.world import (
    BotProcess,
    SlowOverseerr,
    Stage,
    bot_process,
    members,
    started_world,
    timed_burst,
)
from tests.harness import World

MEMBERS_PER_SET = 15  # uses per member before a new set: below the 20-a-minute command guard
WARM_BURSTS = 2  # per bot, at the burst's size: connection pools and caches as in the steady state
IDLE_SECONDS = 2.0  # each bot's idle CPU is measured this long, to show what a burst includes
TAIL = 0.2  # seconds after a burst's last reply before CPU is read: the bot finishes its work


@dataclass
class Side:
    """One bot under test in the fair /help bench: its fake, its process, its figures."""

    name: str
    world: World
    bot: BotProcess
    latencies: list[list[float]] = field(default_factory=list)  # seconds, one list per burst
    cpu: list[float] = field(default_factory=list)  # CPU seconds per interaction, per burst

    @property
    def fake(self) -> TimingDiscord:
        assert isinstance(self.world.discord, TimingDiscord)
        return self.world.discord

    async def burst(self, ids: list[int]) -> list[float]:
        users = [self.world.discord.users[i] for i in ids]
        return await timed_slash(self.fake, users, "help")

    async def measured(self, ids: list[int]) -> None:
        before = (await self.bot.call("cpu"))["cpu_s"]
        self.latencies.append(await self.burst(ids))
        await asyncio.sleep(TAIL)
        self.cpu.append(((await self.bot.call("cpu"))["cpu_s"] - before) / len(ids))

    async def idle_cpu_ms_per_s(self) -> float:
        before = (await self.bot.call("cpu"))["cpu_s"]
        await asyncio.sleep(IDLE_SECONDS)
        return ms(((await self.bot.call("cpu"))["cpu_s"] - before) / IDLE_SECONDS)

    def report(self) -> dict[str, Any]:
        every = [x for one in self.latencies for x in one]
        p50s = [percentile(one, 50) for one in self.latencies]
        return {
            **summary(every),
            "burst_p50_ms": spread(p50s),
            "cpu_ms_per_interaction": spread(self.cpu),
        }


async def help_ack(tmp: Path, *, burst: int, rounds: int, settle: float) -> dict[str, Any]:
    """/help from `burst` members at once, on the floor bot and on ours, `rounds` bursts each.

    Fair by construction: the floor replies with our exact /help payload; both bots' pools
    are warmed by bursts of the same size; the same member ids run every burst on both (a new
    set before the spam guard would count them); the bursts alternate, floor first in even
    rounds and ours first in odd ones; latency runs from each interaction's creation to its
    callback's arrival at the light fake; CPU is the whole process's, all threads.
    """
    async with (
        started_world(tmp / "floor") as floor_world,
        started_world(tmp / "medianest") as our_world,
        bot_process("floor", floor_world.settings(), tmp / "floor.log") as floor_bot,
        bot_process("medianest", our_world.settings(), tmp / "medianest.log") as our_bot,
    ):
        floor, ours = Side("floor", floor_world, floor_bot), Side("medianest", our_world, our_bot)
        uses = 0
        ids: list[int] = []

        def next_members() -> list[int]:
            nonlocal uses, ids
            if not ids or uses == MEMBERS_PER_SET:
                first = 10_000 + len(floor_world.discord.users) * 10
                ids = [first + n for n in range(burst)]
                for world in (floor_world, our_world):
                    members(world, burst, first)
                uses = 0
            uses += 1
            return ids

        first_ids = next_members()
        sent = await our_world.discord.slash(our_world.discord.users[first_ids[0]], "help")
        payload = (await sent.response(timeout=30))["data"]
        await floor_bot.call("reply", data=payload)
        await floor.burst(first_ids)
        await ours.burst(first_ids[1:])
        for _ in range(WARM_BURSTS - 1):
            batch = next_members()
            for side in (floor, ours):
                await side.burst(batch)
        await asyncio.sleep(settle)  # start-up work (probes, first jobs) is done
        idle = {side.name: await side.idle_cpu_ms_per_s() for side in (floor, ours)}
        rss = {side.name: (await side.bot.call("rss"))["rss_mb"] for side in (floor, ours)}
        idle_loaded = (await our_bot.call("state"))["loaded"]  # heavy libraries held at idle
        for n in range(rounds):
            batch = next_members()
            for side in (floor, ours) if n % 2 == 0 else (ours, floor):
                await side.measured(batch)
        # Each of our scheduled rounds once, then both bots' memory after all of it.
        jobs = (await our_bot.call("jobs_once"))["ran"]
        after = {side.name: (await side.bot.call("rss"))["rss_mb"] for side in (floor, ours)}
        after_loaded = (await our_bot.call("state"))["loaded"]
        reply_bytes = {
            side.name: round(statistics.median(side.fake.reply_bytes.values()))
            for side in (floor, ours)
        }
    p50_ratios = [
        percentile(o, 50) / percentile(f, 50)
        for f, o in zip(floor.latencies, ours.latencies, strict=True)
    ]
    cpu_ratios = [o / f for f, o in zip(floor.cpu, ours.cpu, strict=True) if f]
    floor_all = [x for one in floor.latencies for x in one]
    our_all = [x for one in ours.latencies for x in one]
    return {
        "burst": burst,
        "rounds": rounds,
        "floor": floor.report(),
        "medianest": ours.report(),
        "ratio_p50": _ratio(percentile(our_all, 50), percentile(floor_all, 50)),
        "ratio_p99": _ratio(percentile(our_all, 99), percentile(floor_all, 99)),
        "ratio_p50_per_burst": spread(p50_ratios, digits=2, scale=1),
        # CPU per interaction does not depend on how busy the machine is, latency does.
        "cpu_ms_per_interaction": {
            "floor": ms(statistics.median(floor.cpu)),
            "medianest": ms(statistics.median(ours.cpu)),
        },
        "ratio_cpu": _ratio(statistics.median(ours.cpu), statistics.median(floor.cpu)),
        "ratio_cpu_per_burst": spread(cpu_ratios, digits=2, scale=1),
        "idle_cpu_ms_per_s": idle,
        "reply_bytes": reply_bytes,
        "idle_rss_mb": {**rss, "ratio": _ratio(rss["medianest"], rss["floor"])},
        "idle_heavy_libraries": idle_loaded,
        "after_jobs_rss_mb": {**after, "ratio": _ratio(after["medianest"], after["floor"])},
        "after_jobs": jobs,
        "after_jobs_heavy_libraries": after_loaded,
        # A reply the light fake got wrong would show up here, not as a faster bot.
        "tracebacks_logged": {
            name: (tmp / f"{name}.log").read_text(errors="replace").count("Traceback")
            for name in ("floor", "medianest")
        },
    }


def spread(values: Sequence[float], *, digits: int = 2, scale: float = 1000) -> dict[str, float]:
    """min / median / max of the values (seconds shown as ms unless `scale` says otherwise)."""
    if not values:
        return {}
    return {
        "min": round(min(values) * scale, digits),
        "median": round(statistics.median(values) * scale, digits),
        "max": round(max(values) * scale, digits),
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
