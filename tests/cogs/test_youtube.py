"""YouTube to Plex end to end: /youtube in Discord, the real yt-dlp, files, Plex collection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import MediaNest
from bot.services.downloads import DownloadService, JobProgress
from cogs.youtube import YouTubeCog
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus, OutboxMessage
from tests.eventually import eventually
from tests.fakes.media import FakeMediaServer
from tests.harness import (
    ANNOUNCE,
    GENERAL,
    World,
    bot_running,
    link_member,
    plex_people,
    youtube_settings,
)


@pytest.fixture
async def media() -> AsyncIterator[FakeMediaServer]:
    async with FakeMediaServer() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def bot(world: World, media: FakeMediaServer) -> AsyncIterator[MediaNest]:
    """The bot with /youtube on: downloads into a Plex section; bob linked as a friend."""
    settings = youtube_settings(
        world,
        media.port,
        youtube_allowed_hosts=f"youtube.com,www.youtube.com,127.0.0.1:{media.port}",
        youtube_subscription_interval=1e-6,  # subscriptions are due at every check
    )
    people = plex_people(world)
    async with bot_running(settings) as running:
        # The tests run the subscription check themselves; the scheduler's own run (5 s after
        # start) would otherwise take the videos a slow test is about to ask for.
        running.jobs.remove("youtube-subscriptions")
        await link_member(world, running, "bob", people.friend)
        yield running


async def wait_job(status: JobStatus, timeout: float = 20.0) -> DownloadJob:
    async def reached() -> DownloadJob | None:
        job = await DownloadJob.first()
        return job if job is not None and job.status == status else None

    return await eventually(reached, timeout)


async def progress_message(world: World) -> dict:  # type: ignore[type-arg]
    return await world.discord.wait_for_message(
        lambda m: m["channel_id"] == str(GENERAL) and " · job #" in m["content"]
    )


async def test_playlist_lands_in_plex_as_a_collection(
    world: World, bot: MediaNest, media: FakeMediaServer
) -> None:
    """A playlist is downloaded, refreshed into Plex as a collection, and the user is told."""
    videos = [media.add_video(f"v{i}", f"Clip {i}", size=30_000) for i in range(3)]
    url = media.add_playlist("pl1", "Cooking Basics", [v.id for v in videos], description="Learn")
    interaction = await world.discord.slash(
        world.users["bob"], "youtube", {"url": url}, subcommand="download"
    )
    reply = await interaction.wait_followup()
    assert reply["content"].startswith("Queued job #1: **Cooking Basics** (3 videos).")
    assert interaction.ephemeral
    message = await progress_message(world)
    job = await wait_job(JobStatus.COMPLETED)
    folder = Path(job.folder)
    assert sorted(p.read_bytes() for p in folder.glob("*.mp4")) == sorted(v.data for v in videos)

    async def synced() -> bool:
        return (await DownloadJob.get(id=job.id)).plex_synced

    await eventually(synced, timeout=10)  # filing (collection, summary, order) is done once synced
    [collection] = world.pms.collections.values()
    assert collection["title"] == "Cooking Basics"
    assert len(collection["items"]) == 3
    assert collection["summary"] == "Learn"
    assert world.pms.refreshes and world.pms.refreshes[0].startswith("7")
    dm = await world.discord.wait_for_message(lambda m: "Your YouTube download" in m["content"])
    assert dm["content"].startswith(
        "✅ Your YouTube download **Cooking Basics** is done: 3 videos."
    )
    announced = await world.discord.wait_for_message(lambda m: m["channel_id"] == str(ANNOUNCE))
    assert announced["content"].startswith("📺 New in Plex: **Cooking Basics** (3 videos")
    await eventually(lambda: "done" in world.discord.channel_messages(GENERAL)[0]["content"])
    edits = [e for e in world.discord.edits if str(e["message_id"]) == message["id"]]
    assert edits  # how often it may edit is the throttle's test (services/downloads)


async def test_hostile_urls_are_refused_and_nothing_is_fetched(
    world: World, bot: MediaNest, media: FakeMediaServer
) -> None:
    """Other hosts, IP literals, file:, userinfo and metadata addresses get a clear refusal."""
    hostile = [
        "https://evil.example.com/playlist?list=x",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        f"http://user:pw@127.0.0.1:{media.port}/feeds/x",
        "https://www.youtube.com/account",
        "http://10.0.0.1/",
    ]
    for url in hostile:
        interaction = await world.discord.slash(
            world.users["bob"], "youtube", {"url": url}, subcommand="download"
        )
        reply = await interaction.wait_followup()
        assert reply["content"] == "That's not a YouTube video or playlist URL.", url
    assert media.requests == []
    assert await DownloadJob.all().count() == 0


async def start_slow_job(world: World, media: FakeMediaServer) -> tuple[dict, DownloadJob]:  # type: ignore[type-arg]
    """Bob queues one slow video; returns its progress message and the job once a .part exists."""
    video = media.add_video("slow", "Slow one", size=400_000)
    media.throttle("slow", 40_000)
    url = media.add_playlist("pl2", "Slow List", [video.id])
    await world.discord.slash(world.users["bob"], "youtube", {"url": url}, subcommand="download")
    message = await progress_message(world)
    job = await wait_job(JobStatus.RUNNING)
    await eventually(lambda: list(Path(job.folder).glob("*.part")), timeout=10)
    return message, job


async def test_cancel_button_stops_a_running_job(
    world: World, bot: MediaNest, media: FakeMediaServer
) -> None:
    """The owner presses Cancel: the job stops promptly and partial files are removed."""
    message, _ = await start_slow_job(world, media)
    pressed = await world.discord.click(world.users["bob"], message, "download:cancel:1")
    reply = await pressed.wait_followup(timeout=10)
    assert reply["content"] == "Cancelled job #1." and pressed.ephemeral
    job = await wait_job(JobStatus.CANCELLED)
    assert list(Path(job.folder).glob("*")) == []


async def test_cancel_button_refuses_someone_elses_job(
    world: World, bot: MediaNest, media: FakeMediaServer
) -> None:
    """Another member pressing Cancel is told exactly why not, and the job goes on untouched."""
    message, job = await start_slow_job(world, media)
    pressed = await world.discord.click(world.users["alice"], message, "download:cancel:1")
    reply = await pressed.wait_followup()
    assert reply["content"] == (
        "Only the member who queued this download, or an admin, can cancel it."
    )
    assert pressed.ephemeral
    after = await DownloadJob.get(id=job.id)
    assert (after.status, after.error, after.finished_at) == (JobStatus.RUNNING, None, None)
    assert [i.status for i in await DownloadItem.filter(job_id=job.id)] == [ItemStatus.DOWNLOADING]
    assert list(Path(job.folder).glob("*.part"))
    assert not await OutboxMessage.filter(dedupe_key="youtube:1:cancelled").exists()


async def test_cancel_button_of_a_job_that_is_gone(
    world: World, bot: MediaNest, media: FakeMediaServer
) -> None:
    """Cancel on a /downloads list whose job has since finished, or no longer exists, says so
    and changes nothing."""
    video = media.add_video("v9", "Nine", size=10_000)
    media.throttle("v9", 2_000)
    url = media.add_playlist("pl9", "Nine List", [video.id])
    await world.discord.slash(world.users["bob"], "youtube", {"url": url}, subcommand="download")
    await wait_job(JobStatus.RUNNING)
    listing = await world.discord.slash(world.users["bob"], "downloads")
    shown = await listing.wait_original()
    media.throttle("v9", None)
    job = await wait_job(JobStatus.COMPLETED)

    finished = await world.discord.click(world.users["bob"], shown, "download:cancel:1")
    assert (await finished.wait_followup())["content"] == "Job #1 has already finished."
    assert (await DownloadJob.get(id=job.id)).status == JobStatus.COMPLETED
    assert sorted(p.name for p in Path(job.folder).glob("*.mp4")) == ["Nine [v9].mp4"]

    await DownloadJob.filter(id=job.id).delete()
    missing = await world.discord.click(world.users["bob"], shown, "download:cancel:1")
    assert (await missing.wait_followup())["content"] == "There's no download #1."
    assert await DownloadJob.all().count() == 0


async def test_downloads_lists_the_users_jobs(
    world: World, bot: MediaNest, media: FakeMediaServer
) -> None:
    """/downloads shows the user's jobs with their progress."""
    video = media.add_video("v1", "One", size=10_000)
    url = media.add_playlist("pl3", "Tiny", [video.id])
    await world.discord.slash(world.users["bob"], "youtube", {"url": url}, subcommand="download")
    await wait_job(JobStatus.COMPLETED)
    reply = await (await world.discord.slash(world.users["bob"], "downloads")).response()
    assert "**Tiny** · job #1 · done" in reply["data"]["content"]
    empty = await (await world.discord.slash(world.users["alice"], "downloads")).response()
    assert empty["data"]["content"] == "No downloads yet."


class Dropped:
    """A progress sink that keeps nothing."""

    async def job_progress(self, progress: JobProgress) -> None:
        return None


async def test_cog_unload_detaches_progress_and_load_attaches_it(bot: MediaNest) -> None:
    """Unloading the cog detaches its Discord sink from the service; loading it attaches one."""
    service = bot.features.get(DownloadService)
    assert service is not None
    with pytest.raises(RuntimeError):  # the loaded cog's sink is attached
        service.show_progress(Dropped())
    await bot.remove_cog("YouTubeCog")
    service.show_progress(Dropped())  # nothing attached any more
    service.hide_progress()
    await bot.add_cog(YouTubeCog(bot, service))
    with pytest.raises(RuntimeError):
        service.show_progress(Dropped())
