"""Flat with community size: the cost of an interaction after 50, 500 and 5,000 members.

Distinct members each run /help, type into /request's title (autocomplete) and run /account,
`concurrency` members at a time. The members just before each checkpoint are the measured
window: CPU per interaction (the bot's whole process, all threads), latency from creation
to callback, and what the bot keeps (rate-limit windows, resident memory) at that point.
The members in between are driven the same way, unmeasured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from bench.stats import ms, summary
from bench.timing import TimingDiscord, timed_autocomplete, timed_slash
from bench.world import Stage, members

FIRST_ID = 100_000
TITLES = 20  # members type one of the popular titles: the suggestion cache answers
PER_MEMBER = 3  # /help, the /request autocomplete, /account


async def scale(
    stage: Stage, *, checkpoints: Sequence[int], window: int, concurrency: int
) -> dict[str, Any]:
    """Drive `checkpoints[-1]` distinct members; measure the `window` before each checkpoint."""
    fake = stage.world.discord
    assert isinstance(fake, TimingDiscord)
    users = members(stage.world, checkpoints[-1], FIRST_ID)
    # One pass over the titles first, so the cold Overseerr searches are not in any window.
    await timed_autocomplete(
        fake, users[:TITLES], "request", [{"title": f"film {n}"} for n in range(TITLES)]
    )
    done = 0
    rows = []
    for checkpoint in checkpoints:
        start = max(done, checkpoint - window)
        await _drive(fake, users[done:start], concurrency)
        before = (await stage.bot.call("cpu"))["cpu_s"]
        latencies = await _drive(fake, users[start:checkpoint], concurrency)
        await asyncio.sleep(0.2)  # the replies' tails
        cpu = (await stage.bot.call("cpu"))["cpu_s"] - before
        state = await stage.bot.call("state")
        done = checkpoint
        rows.append(
            {
                "members_seen": checkpoint,
                "interactions": len(latencies),
                "cpu_ms_per_interaction": ms(cpu / len(latencies)),
                **summary(latencies),
                "limiter_windows": state["limiter_windows"],
                "rss_mb": state["rss_mb"],
                "loaded": state["loaded"],  # the heavy libraries the interactions have needed
            }
        )
    first, last = rows[0]["cpu_ms_per_interaction"], rows[-1]["cpu_ms_per_interaction"]
    return {
        "window": window,
        "concurrency": concurrency,
        "checkpoints": rows,
        "cpu_last_over_first": round(last / first, 2) if first else 0.0,
        "rss_growth_mb": round(rows[-1]["rss_mb"] - rows[0]["rss_mb"], 1),
    }


async def _drive(fake: TimingDiscord, users: Sequence[Any], concurrency: int) -> list[float]:
    """Each member's three interactions, `concurrency` members at a time; every latency."""
    latencies: list[float] = []
    for at in range(0, len(users), concurrency):
        group = users[at : at + concurrency]
        typed = [{"title": f"film {(at + n) % TITLES}"} for n in range(len(group))]
        latencies += await timed_slash(fake, group, "help")
        latencies += await timed_autocomplete(fake, group, "request", typed)
        latencies += await timed_slash(fake, group, "account")
    return latencies
