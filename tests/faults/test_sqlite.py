"""SQLite locked past busy_timeout, or its disk full: answered like a database that is down."""

from __future__ import annotations

import sqlite3

import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError

from bot.services.error_log import DATABASE_DOWN
from bot.services.linking import LinkingService
from storage.models import ErrorEvent, KeyValue, LinkAttempt
from tests.harness import World, bot_running


async def test_a_database_locked_past_busy_timeout_gets_the_database_answer(world: World) -> None:
    """Another process holds SQLite's write lock: /link says the database is unreachable."""
    database = world.tmp / "locked.sqlite3"
    settings = world.settings(database_url=f"sqlite://{database}")
    async with bot_running(settings) as bot:
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            link = await world.discord.slash(world.users["alice"], "link")
            followup = await link.wait_followup(timeout=10)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert followup["content"] == DATABASE_DOWN
        assert bot.services.error_log.pending
        assert await bot.services.error_log.flush() >= 1
        assert await LinkAttempt.all().count() == 0


async def test_a_full_disk_gets_the_database_answer_and_nothing_half_written(world: World) -> None:
    """SQLite answers "database or disk is full": /link says so plainly and stores nothing."""
    settings = world.settings(database_url=f"sqlite://{world.tmp / 'full.sqlite3'}")
    async with bot_running(settings) as bot:
        conn = connections.get("default")
        [row] = await conn.execute_query_dict("PRAGMA page_count")
        await conn.execute_script(f"PRAGMA max_page_count={row['page_count']}")
        with pytest.raises(OperationalError, match="full"):
            for n in range(10_000):  # fill the pages that are left, link attempts' own too
                await KeyValue.create(key=f"filler-{n}", value="x" * 2000)
        with pytest.raises(OperationalError, match="full"):
            for n in range(10_000):
                await bot.features.get(LinkingService).start(900_000 + n)
        attempts = await LinkAttempt.all().count()
        link = await world.discord.slash(world.users["alice"], "link")
        assert (await link.wait_followup())["content"] == DATABASE_DOWN
        assert await LinkAttempt.filter(discord_id=world.users["alice"].id).count() == 0
        assert await LinkAttempt.all().count() == attempts
        stored = await ErrorEvent.filter(command="link").count()  # its table had room left
        assert stored + len(bot.services.error_log.pending) == 1
