"""`python -m bench [--quick] [--out FILE] [--only SECTION ...]`: measure, print, write JSON.

Every section starts its own loopback fakes (tests/fakes) in this process and the bot under
test in a child process, so the fakes' work is not counted as the bot's. Everything stops by
itself: counts and durations are fixed, and every wait has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import commands, dashboard, downloads, scale, throughput
from bench.report import render, targets
from bench.world import Stage, stage

OVERSEERR_DELAY = 0.1
SUBMIT_CONCURRENCY = 8
SCALE_CONCURRENCY = 10
SECTIONS = (
    "help_ack",
    "autocomplete",
    "scale",
    "web",
    "outbox",
    "loop_lag",
    "memory",
    "submissions",
    "dashboard",
)


@dataclass(frozen=True)
class Sizes:
    """How much each section does: the full run, or a quick smoke run."""

    help_burst: int = 50
    help_rounds: int = 12
    help_settle: float = 3.0
    suggest_queries: int = 100
    scale_checkpoints: tuple[int, ...] = (50, 500, 5000)
    scale_window: int = 50
    web_seconds: float = 5.0
    outbox_messages: int = 200
    outbox_429s: int = 10
    lag_videos: int = 10
    lag_video_bytes: int = 1_000_000
    lag_idle: float = 5.0
    memory_requests: int = 1000
    memory_downloads: int = 100
    submissions: int = 100


QUICK = Sizes(
    help_burst=20,
    help_rounds=2,
    help_settle=0.0,
    suggest_queries=10,
    scale_checkpoints=(10, 20, 40),
    scale_window=10,
    web_seconds=0.5,
    outbox_messages=20,
    outbox_429s=2,
    lag_videos=2,
    lag_video_bytes=50_000,
    lag_idle=0.2,
    memory_requests=40,
    memory_downloads=5,
    submissions=10,
)


StageSection = Callable[[Stage], Awaitable[dict[str, Any]]]


def stage_sections(sizes: Sizes) -> dict[str, StageSection]:
    """The sections that run on a stage (a world and a running bot), in report order."""
    return {
        "autocomplete": lambda s: commands.autocomplete(
            s, queries=sizes.suggest_queries, concurrency=5
        ),
        "scale": lambda s: scale.scale(
            s,
            checkpoints=sizes.scale_checkpoints,
            window=sizes.scale_window,
            concurrency=SCALE_CONCURRENCY,
        ),
        "web": lambda s: throughput.web_server(s, seconds=sizes.web_seconds, concurrency=16),
        "outbox": lambda s: throughput.outbox(
            s, messages=sizes.outbox_messages, limited=sizes.outbox_429s
        ),
        "loop_lag": lambda s: downloads.loop_lag(
            s, videos=sizes.lag_videos, size=sizes.lag_video_bytes, idle_seconds=sizes.lag_idle
        ),
        "memory": lambda s: downloads.memory(
            s, requests=sizes.memory_requests, downloads=sizes.memory_downloads
        ),
        "submissions": lambda s: throughput.submissions(
            s, count=sizes.submissions, concurrency=SUBMIT_CONCURRENCY
        ),
    }


def machine() -> dict[str, Any]:
    """Where the figures come from: cores, CPU model, Python, and how busy the machine was."""
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


async def run(sizes: Sizes, only: list[str], quick: bool) -> dict[str, Any]:
    """Measure the chosen sections; a quick run shares one bot and runs groups side by side."""
    started = time.time()
    result: dict[str, Any] = {"quick": quick, "machine": machine()}
    wanted = [*SECTIONS] if not only else [name for name in SECTIONS if name in only]
    on_stage = {k: v for k, v in stage_sections(sizes).items() if k in wanted}
    with tempfile.TemporaryDirectory(prefix="medianest-bench-") as tmp_name:
        tmp = Path(tmp_name)

        def at(name: str, database_url: str | None = None) -> Any:
            return stage(
                tmp / name,
                search_delay=OVERSEERR_DELAY,
                movies=sizes.submissions,
                database_url=database_url,
            )

        async def help_group() -> None:
            if "help_ack" in wanted:
                result["help_ack"] = await commands.help_ack(
                    tmp / "help",
                    burst=sizes.help_burst,
                    rounds=sizes.help_rounds,
                    settle=sizes.help_settle,
                )

        async def stage_group() -> None:
            if quick:  # one bot for every section: the smoke run checks that each one works
                async with at("submissions") as shared:
                    for name, measure in on_stage.items():
                        result[name] = await measure(shared)
                return
            for name, measure in on_stage.items():
                print(f"… {name}", file=sys.stderr, flush=True)
                async with at(name) as own:
                    result[name] = await measure(own)

        async def postgres_group() -> None:
            if "submissions" not in wanted:
                return
            async with throughput.postgres_url() as url:
                if url is None:
                    postgres: dict[str, Any] = {"skipped": "PostgreSQL is unreachable"}
                else:
                    async with at("submissions-postgres", url) as pg:
                        postgres = await on_stage["submissions"](pg)
            result["submissions_postgres"] = postgres

        groups = (help_group, stage_group, postgres_group)
        if quick:
            await asyncio.gather(*(group() for group in groups))
        else:
            for group in groups:
                await group()
    if "dashboard" in wanted:  # the /status queries on 100,000 stored requests
        result["dashboard"] = await dashboard.run(quick)
    if "submissions" in result:
        result["submissions"] = {
            "count": sizes.submissions,
            "concurrency": SUBMIT_CONCURRENCY,
            "sqlite": result.pop("submissions"),
            "postgres": result.pop("submissions_postgres", None),
        }
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.time() - started, 1)
    result["targets"] = targets(result, OVERSEERR_DELAY)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts, one shared bot")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--only", nargs="*", default=[], choices=SECTIONS, help="sections to run")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    result = asyncio.run(run(QUICK if args.quick else Sizes(), args.only, args.quick))
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(render(result))
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
