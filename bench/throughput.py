"""Throughput: the web server under load, outbox delivery to Discord, request submissions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from bench.world import FRIEND_PLEX_ID, ROOT, SUBMIT_TMDB, Stage
from tests.harness import GENERAL, WEBHOOK_TOKEN

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


async def load(
    port: int, path: str, seconds: float, concurrency: int, *extra: str
) -> dict[str, Any]:
    """Run bench/load.py in its own process against the bot's web server."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.load",
        str(port),
        path,
        str(seconds),
        str(concurrency),
        *extra,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out, _ = await asyncio.wait_for(proc.communicate(), seconds + 60)
    result: dict[str, Any] = json.loads(out)
    return result


async def web_server(stage: Stage, *, seconds: float, concurrency: int) -> dict[str, Any]:
    """Valid Overseerr webhooks and /healthz, each `concurrency` connections for `seconds`."""
    # A title available in Overseerr that no one asked for through the bot: the usual
    # webhook, since Overseerr reports requests made on its website as well.
    payload = stage.world.overseerr.webhook_payload("MEDIA_AVAILABLE", tmdb_id=424242)
    body = stage.tmp / "webhook.json"
    body.write_text(json.dumps(payload))
    port = stage.bot.web_port
    assert port is not None
    webhook = await load(
        port,
        "/webhooks/overseerr",
        seconds,
        concurrency,
        "POST",
        str(body),
        f"Authorization: {WEBHOOK_TOKEN}",
        "Content-Type: application/json",
    )
    healthz = await load(port, "/healthz", seconds, concurrency)
    return {"concurrency": concurrency, "webhook": webhook, "healthz": healthz}


async def _delivered(stage: Stage, count: int, prefix: str) -> dict[str, Any]:
    discord = stage.world.discord
    before = len(discord.channel_messages(GENERAL))
    start = time.perf_counter()
    await stage.bot.call("outbox_post", count=count, channel_id=GENERAL, prefix=prefix)
    async with asyncio.timeout(120):
        while len(discord.channel_messages(GENERAL)) - before < count:
            await asyncio.sleep(0.01)
    took = time.perf_counter() - start
    return {"messages": count, "seconds": round(took, 2), "per_second": round(count / took, 1)}


async def outbox(stage: Stage, *, messages: int, limited: int) -> dict[str, Any]:
    """Channel posts queued at once until Discord has them all; then again with 429s."""
    plain = await _delivered(stage, messages, "plain")
    errors_before = len(stage.world.discord.errors)
    stage.world.discord.rate_limit(
        "POST", rf"/channels/{GENERAL}/messages", retry_after=0.2, times=limited
    )
    with_429 = await _delivered(stage, messages, "limited")
    refused = sum(1 for e in stage.world.discord.errors[errors_before:] if e["status"] == 429)
    return {"without_429": plain, "with_429": {**with_429, "429s_sent": refused}}


async def submissions(stage: Stage, *, count: int, concurrency: int) -> dict[str, Any]:
    """/request's work (save, then submit to Overseerr) per second on this stage's database."""
    return await stage.bot.call(
        "submit",
        count=count,
        concurrency=concurrency,
        plex_user_id=FRIEND_PLEX_ID,
        first_tmdb=SUBMIT_TMDB,
        timeout=300,
    )


@contextlib.asynccontextmanager
async def postgres_url() -> AsyncIterator[str | None]:
    """A fresh schema in the test PostgreSQL (dropped afterwards), or None when unreachable."""
    try:
        conn = await asyncpg.connect(POSTGRES, timeout=3)
    except (OSError, asyncpg.PostgresError):
        yield None
        return
    schema = f"bench_{secrets.token_hex(4)}"
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?schema={schema}"
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
