"""/youtube subscribe, /youtube subscriptions with Stop, and /youtube resume, end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import MediaNest
from bot.services.downloads import DownloadService
from storage.models import DownloadJob, JobStatus, YoutubeSubscription
from tests.cogs.test_youtube import bot, media, wait_job
from tests.eventually import eventually
from tests.fakes.media import FakeMediaServer
from tests.harness import World, bot_running, youtube_settings

__all__ = ["bot", "media"]  # the fixtures of test_youtube, used here too


async def test_subscribe_check_list_and_stop(
    world: World, bot: MediaNest, media: FakeMediaServer
) -> None:
    """A member subscribes, the check brings the two new videos and one DM, and the Stop
    button on /youtube subscriptions ends it (only for its member)."""
    for n in (1, 2):
        media.add_video(f"c{n}", f"Clip {n}", size=10_000)
    url = media.add_playlist("cook", "Cooking Basics", ["c1", "c2"], description="Learn")
    bob, alice = world.users["bob"], world.users["alice"]

    asked = await world.discord.slash(bob, "youtube", {"url": url}, subcommand="subscribe")
    reply = await asked.wait_followup()
    assert reply["content"].startswith("Following **Cooking Basics**. I look for new videos")
    assert "The 2 already there aren't downloaded" in reply["content"] and asked.ephemeral

    for n in (3, 4):
        media.add_video(f"c{n}", f"Clip {n}", size=10_000)
    media.extend_playlist("cook", ["c3", "c4"])
    assert bot.features.get(DownloadService) is not None
    # Due now, however quickly this runs after subscribing (the interval is 3.6 ms).
    await YoutubeSubscription.all().update(checked_at=datetime.now(UTC) - timedelta(hours=1))
    assert await bot.features.get(DownloadService).check_subscriptions() == 2
    dm = await world.discord.wait_for_message(lambda m: "new videos in" in m["content"])
    assert dm["content"] == "📺 2 new videos in **Cooking Basics**, in Plex."

    listing = await world.discord.slash(bob, "youtube", subcommand="subscriptions")
    shown = await listing.wait_original()
    assert "**Cooking Basics** → collection **Cooking Basics**" in shown["content"]
    refused = await world.discord.click(alice, shown, "ytsub:stop:1")
    assert "Only the member who subscribed" in (await refused.response())["data"]["content"]
    stopped = await world.discord.click(bob, shown, "ytsub:stop:1")
    body = (await stopped.response())["data"]
    assert body["content"].startswith("Stopped following **Cooking Basics**.")
    assert await YoutubeSubscription.all().count() == 0
    empty = await (await world.discord.slash(bob, "youtube", subcommand="subscriptions")).response()
    assert empty["data"]["content"].startswith("No subscriptions yet")


async def test_admin_resumes_after_a_bot_check(
    world: World, bot: MediaNest, media: FakeMediaServer
) -> None:
    """A bot check pauses the queue; a member cannot resume it, an admin can, and it finishes."""
    media.add_video("b1", "Blocked", size=10_000)
    media.bot_check("b1")
    url = media.add_playlist("bl", "Blocked List", ["b1"])
    await world.discord.slash(world.users["bob"], "youtube", {"url": url}, subcommand="download")
    job = await wait_job(JobStatus.PAUSED)
    assert "refusing this server" in (job.error or "")

    member = await world.discord.slash(world.users["bob"], "youtube", subcommand="resume")
    assert "admin" in (await member.response())["data"]["content"].lower()
    assert (await DownloadJob.get(id=job.id)).status == JobStatus.PAUSED

    media.fail("b1", times=0)
    admin = await world.discord.slash(world.users["admin"], "youtube", subcommand="resume")
    text = (await admin.response())["data"]["content"]
    assert text.startswith("Resumed the download queue (1 paused job going on)")

    async def completed() -> bool:
        return (await DownloadJob.get(id=job.id)).status == JobStatus.COMPLETED

    await eventually(completed, timeout=20)
    again = await world.discord.slash(world.users["admin"], "youtube", subcommand="resume")
    assert (await again.response())["data"][
        "content"
    ] == "The download queue isn't paused by YouTube."


async def test_a_short_subscription_interval_is_honoured(
    world: World, media: FakeMediaServer
) -> None:
    """YOUTUBE_SUBSCRIPTION_INTERVAL under the 10-minute tick: the check runs that often."""
    settings = youtube_settings(
        world,
        media.port,
        youtube_subscription_interval=0.05,  # 3 minutes
    )
    async with bot_running(settings) as bot:
        job = bot.jobs.scheduler.get_job("youtube-subscriptions")
        assert job is not None
        assert job.trigger.interval == timedelta(minutes=3)
