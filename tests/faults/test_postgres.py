"""PostgreSQL stops and starts again under a running bot: members get an answer, nothing is lost."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import MediaNest
from bot.services.downloads import DownloadService
from bot.services.error_log import DATABASE_DOWN, is_database_error
from bot.services.requests import Requests
from storage.models import (
    DownloadItem,
    DownloadJob,
    ErrorEvent,
    ItemStatus,
    JobStatus,
    MediaRequest,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
)
from tests.eventually import eventually
from tests.fakes.media import FakeMediaServer
from tests.fakes.overseerr import Permission
from tests.faults.servers import PostgresCluster, postgres_cluster
from tests.harness import (
    GENERAL,
    HEALTH,
    World,
    bot_running,
    link_member,
    plex_people,
    youtube_settings,
)

DUNE = 438631


async def health_round(bot: MediaNest) -> None:
    """One scheduled health round, with the confirmation re-checks made at once."""
    bot.services.health.policy.confirm_every = 0.01
    await bot.services.health.check_round()


def posts(world: World, channel: int, text: str) -> list[str]:
    return [m["content"] for m in world.discord.channel_messages(channel) if text in m["content"]]


async def restarted(pg: PostgresCluster, bot: MediaNest) -> None:
    """Start the cluster again and wait until the bot's own pool answers."""
    await pg.start()

    async def flushed() -> bool:
        if bot.services.error_log.pending:
            await bot.services.error_log.flush()
        return not bot.services.error_log.pending

    await eventually(flushed, timeout=20)


async def test_a_command_is_answered_while_the_database_is_down_and_its_error_is_kept(
    world: World,
) -> None:
    """/account with PostgreSQL stopped: the short database answer, no id; stored once back."""
    alice = world.users["alice"]
    async with postgres_cluster() as pg, bot_running(world.settings(database_url=pg.url)) as bot:
        await pg.stop()
        reply = await (await world.discord.slash(alice, "account")).response()
        assert reply["data"]["content"] == DATABASE_DOWN
        assert reply["data"]["flags"] & 64
        assert "quote" not in reply["data"]["content"]
        assert [p.command for p in bot.services.error_log.pending].count("account") == 1

        await restarted(pg, bot)
        [event] = await ErrorEvent.filter(command="account")
        assert event.command == "account"
        assert event.discord_id == alice.id
        assert event.critical is True
        assert "errors-flush" in bot.jobs.ids()
        reply = await (await world.discord.slash(alice, "account")).response()
        assert "/link" in str(reply["data"])  # works again, no restart


async def test_a_command_whose_check_needs_the_database_is_answered_too(world: World) -> None:
    """/request checks the link first: with PostgreSQL stopped that check still gets an answer."""
    async with postgres_cluster() as pg, bot_running(world.settings(database_url=pg.url)):
        await pg.stop()
        request = await world.discord.slash(world.users["alice"], "request", {"title": "Arrival"})
        assert (await request.response())["data"]["content"] == DATABASE_DOWN
        await pg.start()


async def test_admins_get_one_alert_while_the_database_is_down_and_one_recovery(
    world: World,
) -> None:
    """The database's own incident is alerted without the database, once, then recovered once."""
    async with postgres_cluster() as pg, bot_running(world.settings(database_url=pg.url)) as bot:
        await pg.stop()
        await health_round(bot)
        await health_round(bot)  # still down: no second alert
        await world.discord.wait_for_message(lambda m: "**database** is down" in m["content"])
        await pg.start()
        await health_round(bot)
        await world.discord.wait_for_message(
            lambda m: "**database** is back up" in m["content"], timeout=15
        )
        assert len(posts(world, HEALTH, "**database** is down")) == 1
        assert len(posts(world, HEALTH, "**database** is back up")) == 1


async def test_a_message_sent_while_the_database_went_down_is_posted_exactly_once(
    world: World,
) -> None:
    """Discord took the post but the row could not be marked sent: resent once, shown once."""
    async with postgres_cluster() as pg, bot_running(world.settings(database_url=pg.url)) as bot:
        world.discord.rate_limit("POST", rf"/channels/{GENERAL}/messages", retry_after=1.0)
        await bot.services.outbox.post("in-flight", GENERAL, "Movie night at 8")
        await asyncio.sleep(0.3)  # the post waits out Discord's 429 …
        await pg.stop()  # … while the database goes away under it
        await world.discord.wait_for_message(lambda m: m["content"] == "Movie night at 8")
        await asyncio.sleep(1)
        await pg.start()
        async with asyncio.timeout(30):
            while True:
                try:
                    row = await OutboxMessage.get(dedupe_key="in-flight")
                except OSError:
                    row = None
                if row is not None and row.status is OutboxStatus.SENT:
                    break
                await asyncio.sleep(0.2)
        assert posts(world, GENERAL, "Movie night at 8") == ["Movie night at 8"]


async def test_a_queued_request_is_delivered_once_after_the_database_returns(world: World) -> None:
    """Delivery fails while PostgreSQL is down; once it is back the request is sent exactly once."""
    people = plex_people(world)
    world.overseerr.add_user(10, plex_id=2, plex_username="friend", permissions=Permission.REQUEST)
    world.overseerr.add_movie(DUNE, "Dune", 2021)
    async with postgres_cluster() as pg, bot_running(world.settings(database_url=pg.url)) as bot:
        await link_member(world, bot, "bob", people.friend)
        world.overseerr.fail_next("POST", "/api/v1/request", status=503)
        request = await world.discord.slash(
            world.users["bob"], "request", {"title": f"movie:{DUNE}"}
        )
        await request.wait_original(lambda m: "queued" in m["content"])
        row = await MediaRequest.get()
        await MediaRequest.filter(id=row.id).update(next_attempt_at=row.created_at)

        requests = bot.features.get(Requests)
        assert requests is not None
        await pg.stop()
        with pytest.raises(Exception) as down:
            await requests.deliver_due()
        assert is_database_error(down.value)
        await restarted(pg, bot)
        assert await requests.deliver_due() == 1
        assert await requests.deliver_due() == 0
        assert len(world.overseerr.media_requests) == 1
        assert (await MediaRequest.get()).status is not RequestStatus.QUEUED


async def test_a_download_that_loses_the_database_finishes_once_it_returns(world: World) -> None:
    """PostgreSQL stops mid-playlist: the job is queued again when it is back and completes."""
    media = FakeMediaServer()
    await media.start()
    videos = [media.add_video(f"v{i}", f"Clip {i}", size=40_000) for i in range(2)]
    media.throttle("v1", 8_000)  # the second video takes a few seconds
    url = media.add_playlist("pl1", "Cooking Basics", [v.id for v in videos])
    try:
        async with postgres_cluster() as pg:
            settings = youtube_settings(world, media.port, database_url=pg.url)
            folder = world.tmp / "youtube"
            async with bot_running(settings) as bot:
                downloads = bot.features.get(DownloadService)
                assert downloads is not None
                job = await downloads.queue(world.users["admin"].id, url, None, None, exempt=True)
                album = folder / "Cooking Basics"
                await eventually(  # the first video is in, the second under way
                    lambda: album.exists() and any(p.suffix == ".mp4" for p in album.iterdir()),
                    timeout=30,
                )
                await pg.stop()
                await asyncio.sleep(6)  # the job notices while the database is away
                await pg.start()
                media.throttle("v1", None)

                async def completed() -> bool:
                    try:
                        row = await DownloadJob.get(id=job.id)
                    except OSError:
                        return False
                    return row.status is JobStatus.COMPLETED

                await eventually(completed, timeout=60)
                files = sorted((folder / "Cooking Basics").glob("*.mp4"))
                assert sorted(p.read_bytes() for p in files) == sorted(v.data for v in videos)
                items = await DownloadItem.filter(job_id=job.id).values_list("status", flat=True)
                assert set(items) == {ItemStatus.DONE}
    finally:
        await media.stop()
