"""Small measuring tools: percentiles, event-loop lag, collector pauses, resident memory."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


def ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded for the report."""
    return round(seconds * 1000, 2)


def summary(latencies: Sequence[float]) -> dict[str, float]:
    """p50/p99/max in milliseconds and the sample count."""
    return {
        "n": len(latencies),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies, default=0.0)),
    }


def rss_mb() -> float:
    """This process's resident memory in MiB (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        return round(int(statm.read().split()[1]) * PAGE / 2**20, 1)


@dataclass
class LagProbe:
    """How late the event loop wakes a task that asked to sleep `interval` seconds."""

    interval: float = 0.005
    lags: list[float] = field(default_factory=list)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval)
            self.lags.append(max(0.0, loop.time() - start - self.interval))

    def report(self) -> dict[str, float]:
        return {
            "samples": len(self.lags),
            "p99_ms": ms(percentile(self.lags, 99)),
            "max_ms": ms(max(self.lags, default=0.0)),
        }


@dataclass
class GcPauses:
    """How long each run of the cyclic garbage collector held the interpreter, while watched.

    A full collection (generation 2) walks every tracked object and stops all threads while
    it does: with the bot's ~175,000 start-up objects that is the event loop's longest stall.
    """

    pauses: dict[int, list[float]] = field(default_factory=lambda: {0: [], 1: [], 2: []})
    _started: float = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)

    def start(self) -> None:
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        gc.callbacks.remove(self._callback)

    def report(self) -> dict[str, float]:
        full, young = self.pauses[2], self.pauses[0] + self.pauses[1]
        return {
            "full_collections": len(full),
            "full_max_ms": ms(max(full, default=0.0)),
            "young_collections": len(young),
            "young_max_ms": ms(max(young, default=0.0)),
            "frozen_objects": gc.get_freeze_count(),
        }
