"""The admin dashboard's queries on a database with 100,000 requests: SQLite and PostgreSQL.

`run(quick)` seeds a year of requests, member activity, links and videos into a fresh
database, then times every query each /status page makes (the median of several runs) and
reads SQLite's query plans to show which index each query uses.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import connections

from bot.services.stats import Period
from bot.services.stats.downloads import video_stats
from bot.services.stats.histogram import AvailableTally, available_histograms
from bot.services.stats.members import member_stats
from bot.services.stats.requests import request_stats
from bot.services.stats.summary import period_summary
from storage.db import database
from storage.models import (
    DownloadItem,
    DownloadJob,
    ItemStatus,
    JobStatus,
    MediaRequest,
    Member,
    MemberActivity,
    PlexLink,
    RequestStatus,
    Role,
)

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
MEMBERS = 300
DAYS = 365
BATCH = 2000
S = RequestStatus
# A year's mix of outcomes: most requests end up on Plex.
STATUSES = [
    (S.AVAILABLE, 60),
    (S.PENDING, 10),
    (S.APPROVED, 8),
    (S.PARTIALLY_AVAILABLE, 3),
    (S.DECLINED, 8),
    (S.REJECTED, 1),
    (S.FAILED, 4),
    (S.QUEUED, 5),
    (S.NEEDS_REVIEW, 1),
]
PLANS = {
    "requests in window": "SELECT status, created_at FROM media_request "
    "WHERE created_at >= ? AND created_at <= ?",
    "available in window": "SELECT media_type, created_at, available_at FROM media_request "
    "WHERE available_at >= ? AND available_at <= ?",
    "oldest open": "SELECT id FROM media_request WHERE status IN ('pending', 'queued') "
    "ORDER BY created_at LIMIT 5",
    "videos in window": "SELECT status FROM download_item "
    "WHERE finished_at >= ? AND finished_at <= ? AND status IN ('done', 'failed')",
    "active members": "SELECT DISTINCT discord_id FROM member_activity WHERE day >= ?",
}


async def seed(requests: int, now: datetime, rng: random.Random) -> dict[str, int]:
    """A year of rows: `requests` requests, a tenth as many videos, daily member activity."""
    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    rows = []
    for n in range(requests):
        created = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
        status = rng.choices(statuses, weights)[0]
        available = None
        if status == S.AVAILABLE:
            available = min(now, created + timedelta(hours=rng.lognormvariate(3, 1.5)))
        rows.append(
            MediaRequest(
                discord_id=10_000 + rng.randrange(MEMBERS),
                media_type=rng.choice(("movie", "tv")),
                tmdb_id=n,
                title=f"Title {n}",
                status=status,
                overseerr_user_id=rng.randrange(MEMBERS),
                created_at=created,
                available_at=available,
            )
        )
    await MediaRequest.bulk_create(rows, batch_size=BATCH)
    today = now.date()
    activity = [
        MemberActivity(discord_id=10_000 + m, day=today - timedelta(days=d))
        for m in range(MEMBERS)
        for d in range(DAYS)
        if rng.random() < 0.2
    ]
    await MemberActivity.bulk_create(activity, batch_size=BATCH)
    for m in range(MEMBERS):
        member = await Member.create(discord_id=10_000 + m)
        linked = now - timedelta(days=rng.uniform(0, DAYS))
        await PlexLink.create(
            member=member,
            plex_user_id=m,
            plex_username=f"user{m}",
            role=Role.USER,
            token_encrypted="-",
            linked_at=linked,
            verified_at=linked,
        )
    videos = await seed_videos(requests // 10, now, rng)
    return {"requests": requests, "activity_rows": len(activity), "videos": videos}


async def seed_videos(count: int, now: datetime, rng: random.Random) -> int:
    per_job = 50
    items = []
    for j in range(max(1, count // per_job)):
        job = await DownloadJob.create(
            discord_id=10_000 + rng.randrange(MEMBERS),
            url=f"https://youtube.example/playlist?list={j}",
            title=f"Playlist {j}",
            collection=f"Playlist {j}",
            folder=f"/videos/{j}",
            status=JobStatus.COMPLETED,
        )
        for p in range(per_job):
            started = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
            done = rng.random() < 0.95
            items.append(
                DownloadItem(
                    job=job,
                    position=p,
                    video_id=f"{j}-{p}",
                    title=f"Video {p}",
                    url=f"https://youtube.example/watch?v={j}-{p}",
                    status=ItemStatus.DONE if done else ItemStatus.FAILED,
                    started_at=started,
                    finished_at=started + timedelta(seconds=rng.uniform(20, 600)),
                    size_bytes=rng.randrange(50, 2000) * 2**20 if done else None,
                )
            )
    await DownloadItem.bulk_create(items, batch_size=BATCH)
    return len(items)


async def timed(work: Callable[[], Awaitable[object]], repeats: int) -> float:
    """The median wall time of `work` in milliseconds, after one warm-up run."""
    await work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


async def measure(repeats: int) -> dict[str, float]:
    """Each page's queries for each period, in milliseconds."""
    found: dict[str, float] = {}
    for period in Period:
        found[f"requests_page_{period}"] = await timed(partial(request_stats, period), repeats)
        found[f"members_page_{period}"] = await timed(partial(member_stats, period), repeats)
        found[f"videos_{period}"] = await timed(partial(video_stats, period), repeats)
    found["dashboard_summary_7d"] = await timed(partial(period_summary, Period.WEEK), repeats)
    started = time.perf_counter()
    await AvailableTally().histograms()  # a fresh process counts every available row once
    found["metrics_histogram_first"] = round((time.perf_counter() - started) * 1000, 2)
    found["metrics_histogram"] = await timed(available_histograms, repeats)
    return found


async def sqlite_plans(now: datetime) -> dict[str, str]:
    """SQLite's plan for each main query: which index answers it."""
    connection = connections.get("default")
    start, end = (now - timedelta(days=30)).isoformat(sep=" "), now.isoformat(sep=" ")
    plans = {}
    for name, sql in PLANS.items():
        params: list[Any] = [start, end][: sql.count("?")]
        if name == "active members":
            params = [str(date.today() - timedelta(days=30))]
        rows = await connection.execute_query_dict(f"EXPLAIN QUERY PLAN {sql}", params)
        plans[name] = "; ".join(str(r["detail"]) for r in rows)
    return plans


async def on(url: str, requests: int, repeats: int, plans: bool) -> dict[str, Any]:
    rng = random.Random(16)
    now = datetime.now(UTC)
    async with database(url):
        started = time.perf_counter()
        sizes = await seed(requests, now, rng)
        result: dict[str, Any] = {
            "seeded": sizes,
            "seed_s": round(time.perf_counter() - started, 1),
        }
        result["ms"] = await measure(repeats)
        if plans:
            result["plans"] = await sqlite_plans(now)
    return result


async def postgres_schema() -> str | None:
    try:
        conn = await asyncpg.connect(POSTGRES, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return None
    schema = f"bench_{secrets.token_hex(6)}"
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    return schema


async def drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(POSTGRES, timeout=3)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def run(quick: bool) -> dict[str, Any]:
    """Seed 100,000 requests (2,000 when quick) and time the dashboard queries on each backend."""
    requests, repeats = (2_000, 1) if quick else (100_000, 9)
    out: dict[str, Any] = {"requests": requests, "repeats": repeats}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        out["sqlite"] = await on(url, requests, repeats, plans=True)
    schema = await postgres_schema()
    if schema is None:
        out["postgres"] = "unreachable"
        return out
    try:
        out["postgres"] = await on(f"{POSTGRES}?schema={schema}", requests, repeats, plans=False)
    finally:
        await drop_schema(schema)
    return out


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(asyncio.run(run("--quick" in sys.argv)), indent=2))
