"""New on Plex end to end: the real bot, plexapi on the fake Plex, posts in the fake Discord."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.app import MediaNest
from bot.services.announce import Announcements
from storage.models import NewMedia, NotificationPrefs
from tests.cogs.test_requests import DUNE, catalogue, wait_dms
from tests.eventually import eventually, outbox_drained
from tests.harness import (
    ADMIN_ID,
    ANNOUNCE,
    MID,
    WEBHOOK_TOKEN,
    World,
    bot_running,
    link_member,
    plex_people,
)

MOVIES, SHOWS, HOME = 1, 2, 3
NEW = 3003  # the New on Plex channel


def poster(colour: str) -> bytes:
    """A small real image, as Plex would serve a poster."""
    out = io.BytesIO()
    Image.new("RGB", (60, 90), colour).save(out, "PNG")
    return out.getvalue()


def libraries(world: World) -> None:
    tmp = world.tmp
    world.pms.add_section(MOVIES, "movie", "Movies", str(tmp / "movies"))
    world.pms.add_section(SHOWS, "show", "TV Shows", str(tmp / "tv"))
    world.pms.add_section(HOME, "movie", "Home Videos", str(tmp / "home"))
    world.discord.channels[NEW] = "new-on-plex"


def add_movie(world: World, title: str, year: int, **extra: Any) -> dict[str, Any]:
    item = world.pms.add_item(MOVIES, title, year=year, **extra)
    world.pms.set_poster(item["ratingKey"], poster("orange"))
    return item


def announcements(bot: MediaNest) -> Announcements:
    found = bot.features.get(Announcements)
    assert found is not None
    return found


async def posts(world: World, channel: int, count: int) -> list[dict]:
    """The channel's messages once there are `count` and the outbox has sent all it will."""
    await eventually(lambda: len(world.discord.channel_messages(channel)) >= count)
    await outbox_drained()
    return world.discord.channel_messages(channel)


@pytest.fixture
async def bot(world: World) -> AsyncIterator[MediaNest]:
    """The bot with bob linked, a New on Plex channel, and Plex's libraries taken as they are."""
    people = plex_people(world)
    catalogue(world)
    libraries(world)
    add_movie(world, "Old Film", 1999)  # there before install: never announced
    async with bot_running(world.settings(announce_channel_id=NEW)) as bot:
        await link_member(world, bot, "bob", people.friend)
        await wait_dms(world, "bob", 1)
        assert await announcements(bot).check() == 0  # the first check: a baseline
        yield bot


async def request_available(world: World, bot: MediaNest) -> None:
    """Bob requests Dune; it lands in Plex and Overseerr says so by webhook (twice)."""
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": f"movie:{DUNE}"}
    )
    await interaction.wait_original(lambda m: "Requested" in m["content"])
    await dune_arrives(world, bot, webhooks=2, summary="A noble family. " * 40)


async def dune_arrives(world: World, bot: MediaNest, *, webhooks: int = 1, **extra: Any) -> None:
    """The one request (Dune) is approved, Dune lands in Plex (`extra`: its values there) and
    Overseerr sends MEDIA_AVAILABLE `webhooks` times."""
    [overseerr_id] = world.overseerr.media_requests
    world.overseerr.set_request_status(overseerr_id, 2)
    world.overseerr.set_media_status(DUNE, "movie", 5)
    add_movie(world, "Dune", 2021, guids=[f"tmdb://{DUNE}"], **extra)
    payload = world.overseerr.webhook_payload("MEDIA_AVAILABLE", overseerr_id)
    url = f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"
    for _ in range(webhooks):
        assert await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN) == 200


async def test_request_made_available_is_one_post_with_title_poster_and_link(
    world: World, bot: MediaNest
) -> None:
    """MEDIA_AVAILABLE → one post in the New on Plex channel: title, year, poster, Watch link."""
    await request_available(world, bot)
    [post] = await posts(world, NEW, 1)
    [embed] = post["embeds"]
    dune = next(i for i in world.pms.items.values() if i["title"] == "Dune")
    link = (
        f"https://app.plex.tv/desktop/#!/server/{MID}/details"
        f"?key=%2Flibrary%2Fmetadata%2F{dune['ratingKey']}"
    )
    assert embed["title"] == "Dune (2021)"
    assert embed["url"] == link
    assert embed["description"].startswith("A noble family.")
    assert len(embed["description"]) <= 300
    assert embed["thumbnail"]["url"] == "attachment://poster.jpg"
    assert [a["filename"] for a in post["attachments"]] == ["poster.jpg"]
    [button] = post["components"][0]["components"]
    assert (button["label"], button["url"]) == ("Watch on Plex", link)
    assert "<@" not in embed["description"]  # bob never allowed being named
    await announcements(bot).check()
    assert len(await posts(world, NEW, 1)) == 1
    assert world.discord.channel_messages(ANNOUNCE) == []  # no old text post any more


async def test_unrequested_movie_and_episodes_each_one_post(world: World, bot: MediaNest) -> None:
    """An unrequested movie is one post; three episodes of one season are one grouped post."""
    add_movie(world, "Arrival", 2016)
    show = world.pms.add_show(SHOWS, "Severance", year=2022)
    for number in (1, 2, 3):
        world.pms.add_episode(show, 2, number, f"Episode {number}")
    assert await announcements(bot).check() == 4
    found = await posts(world, NEW, 2)
    assert [m["embeds"][0]["title"] for m in found] == [
        "Arrival (2016)",
        "3 new episodes of Severance, season 2",
    ]
    assert "E1: Episode 1\nE2: Episode 2\nE3: Episode 3" in found[1]["embeds"][0]["description"]


async def test_a_500_item_scan_is_one_summary(world: World, bot: MediaNest) -> None:
    """A scan adding 500 movies at once is one summary post, not 500."""
    base = int(datetime.now(UTC).timestamp())
    for number in range(500):
        world.pms.add_item(MOVIES, f"Film {number:03}", year=2000, added_at=base + number)
    assert await announcements(bot).check() == 500
    [summary] = await posts(world, NEW, 1)
    assert summary["embeds"][0]["title"] == "500 new items on Plex"
    assert "**Movies**: 500 new" in summary["embeds"][0]["description"]
    assert await NewMedia.filter(announced_at=None).count() == 0


async def test_requester_named_only_after_opting_in(world: World, bot: MediaNest) -> None:
    """Bob is named in the public post only once he allowed it in /notifications."""
    panel = await world.discord.slash(world.users["bob"], "notifications")
    shown = await panel.wait_original()
    assert "Name me in public posts: **off**" in shown["content"]
    clicked = await world.discord.click(world.users["bob"], shown, "notify:name_in_public")
    await clicked.response()
    assert (await NotificationPrefs.get(discord_id=world.users["bob"].id)).name_in_public
    await request_available(world, bot)
    [post] = await posts(world, NEW, 1)
    assert f"Requested by <@{world.users['bob'].id}>" in post["embeds"][0]["description"]


async def test_digest_holds_both_in_one_message_at_digest_time(
    world: World, bot: MediaNest
) -> None:
    """Daily digest: a requested and an unrequested arrival wait, then come as one message."""
    ann = announcements(bot)
    await ann.set_schedule("daily", at="18:00", zone="Europe/Paris")
    await request_available(world, bot)
    add_movie(world, "Arrival", 2016)
    await ann.check()
    await outbox_drained()
    assert world.discord.channel_messages(NEW) == []
    assert not await ann.digest_if_due()  # not 18:00 in Paris since the mode was chosen
    assert await ann.digest_if_due(datetime.now(UTC) + timedelta(days=1, hours=1))
    [digest] = await posts(world, NEW, 1)
    text = digest["embeds"][0]["description"]
    assert digest["embeds"][0]["title"] == "New on Plex: 2 new items"
    assert "Dune (2021)" in text and "Arrival (2016)" in text
    assert digest["embeds"][0]["image"]["url"] == "attachment://new-on-plex.png"
    assert [a["filename"] for a in digest["attachments"]] == ["new-on-plex.png"]
    assert not await ann.digest_if_due(datetime.now(UTC) + timedelta(days=1, hours=2))


async def test_excluded_library_announces_nothing(world: World, tmp_path: Path) -> None:
    """NEW_ON_PLEX_LIBRARIES=Movies: an item in Home Videos is never posted."""
    libraries(world)
    settings = world.settings(announce_channel_id=NEW, new_on_plex_libraries="Movies")
    async with bot_running(settings) as bot:
        await announcements(bot).check()
        world.pms.add_item(HOME, "Birthday 2026", year=2026)
        assert await announcements(bot).check() == 0
        await outbox_drained()
    assert world.discord.channel_messages(NEW) == []


async def test_restart_between_checks_repeats_nothing(world: World, database_url: str) -> None:
    """Checks before and after a restart post each arrival once (SQLite and PostgreSQL)."""
    libraries(world)
    settings = world.settings(announce_channel_id=NEW, database_url=database_url)
    async with bot_running(settings) as bot:
        await announcements(bot).check()
        add_movie(world, "Arrival", 2016)
        assert await announcements(bot).check() == 1
        await posts(world, NEW, 1)
    async with bot_running(settings) as bot:
        assert await announcements(bot).check() == 0
        add_movie(world, "Heat", 1995)
        assert await announcements(bot).check() == 1
        found = await posts(world, NEW, 2)
    assert [m["embeds"][0]["title"] for m in found] == ["Arrival (2016)", "Heat (1995)"]


async def test_admin_still_sees_the_requester(world: World, bot: MediaNest) -> None:
    """Bob is not named publicly, yet an admin's request list shows who asked."""
    await request_available(world, bot)
    [post] = await posts(world, NEW, 1)
    assert "<@" not in post["embeds"][0]["description"]
    admin = await world.discord.slash(ADMIN_ID, "requests", {"everyone": True})
    shown = await admin.wait_original()
    assert f"<@{world.users['bob'].id}>" in shown["content"] + str(shown["embeds"])


async def test_a_whole_season_is_one_post_not_a_summary(world: World, bot: MediaNest) -> None:
    """30 episodes of one season (more than NEW_ON_PLEX_BULK items) are still one post."""
    show = world.pms.add_show(SHOWS, "The Wire", year=2002)
    for number in range(1, 31):
        world.pms.add_episode(show, 1, number, f"Episode {number}")
    assert await announcements(bot).check() == 30
    [post] = await posts(world, NEW, 1)
    assert post["embeds"][0]["title"] == "30 new episodes of The Wire, season 1"
    assert post["embeds"][0]["description"].endswith("… and 15 more")


async def test_plex_down_is_no_error_and_nothing_is_lost(world: World, bot: MediaNest) -> None:
    """A check while Plex is down stores nothing and raises nothing; the next one catches up."""
    add_movie(world, "Arrival", 2016)
    await world.pms.stop()
    assert await announcements(bot).check() == 0
    await world.pms.start()
    assert await announcements(bot).check() == 1
    await posts(world, NEW, 1)


async def test_new_episodes_of_a_requested_show_name_its_requester(
    world: World, bot: MediaNest
) -> None:
    """Bob (opted in) asked for a show: its new episodes' post names him, matched by TMDB id."""
    await NotificationPrefs.create(discord_id=world.users["bob"].id, name_in_public=True)
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": "tv:1399", "seasons": "1"}
    )
    await interaction.wait_original(lambda m: "Requested" in m["content"])
    show = world.pms.add_show(SHOWS, "A Game of Thrones", year=2011, guids=["tmdb://1399"])
    for number in (1, 2):
        world.pms.add_episode(show, 1, number, f"Episode {number}")
    await announcements(bot).check()
    [post] = await posts(world, NEW, 1)
    assert post["embeds"][0]["title"] == "2 new episodes of A Game of Thrones, season 1"
    assert f"Requested by <@{world.users['bob'].id}>" in post["embeds"][0]["description"]
