"""Each kind of message to its own channel, the fallbacks, and channels that stop working."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.app import MediaNest
from bot.services.downloads import DownloadService
from bot.services.issues import Issues
from storage.models import Incident, KeyValue, OutboxMessage, OutboxStatus
from tests.cogs.test_new_on_plex import add_movie, announcements, libraries, posts
from tests.cogs.test_requests import DUNE, catalogue, wait_dms
from tests.cogs.test_setup import component, fields, open_panel
from tests.eventually import outbox_drained
from tests.fakes.media import FakeMediaServer
from tests.fakes.overseerr import Permission
from tests.harness import (
    ANNOUNCE,
    CLOSED_ID,
    HEALTH,
    World,
    bot_running,
    link_member,
    plex_people,
    youtube_settings,
)

NEW, CLOSED_DMS, ISSUES, YOUTUBE, ALERTS, APPROVALS = 3003, 3004, 3005, 3006, 3007, 3008
SEND_MESSAGES = 1 << 11
KINDS = dict(
    announce_channel_id=NEW,
    dm_fallback_channel_id=CLOSED_DMS,
    issues_channel_id=ISSUES,
    youtube_channel_id=YOUTUBE,
    alerts_channel_id=ALERTS,
    approval_channel_id=APPROVALS,
)


@pytest.fixture
async def media() -> AsyncIterator[FakeMediaServer]:
    async with FakeMediaServer() as server:
        yield server  # type: ignore[misc]


def channels(world: World) -> None:
    libraries(world)
    for channel_id, name in [
        (CLOSED_DMS, "closed-dms"),
        (ISSUES, "issues"),
        (YOUTUBE, "youtube"),
        (ALERTS, "alerts"),
        (APPROVALS, "approvals"),
    ]:
        world.discord.channels[channel_id] = name


async def health_round(bot: MediaNest) -> None:
    health = bot.services.health
    health.policy.confirm_every = 0.01
    await health.check_round()


async def test_each_kind_lands_in_its_configured_channel(world: World) -> None:
    """Approval cards, New on Plex, closed-DM updates and alerts each go to their own channel."""
    people = plex_people(world)
    catalogue(world)
    channels(world)
    settings = world.settings(youtube_download_dir=str(world.tmp / "yt"), **KINDS)
    async with bot_running(settings) as bot:
        await link_member(world, bot, "bob", people.friend)
        await wait_dms(world, "bob", 1)
        await announcements(bot).check()
        interaction = await world.discord.slash(
            world.users["bob"], "request", {"title": f"movie:{DUNE}"}
        )
        await interaction.wait_original(lambda m: "Requested" in m["content"])
        await world.discord.wait_for_message(lambda m: m["channel_id"] == str(APPROVALS))
        add_movie(world, "Arrival", 2016)
        await announcements(bot).check()
        await posts(world, NEW, 1)
        assert await bot.services.outbox.dm("update:1", CLOSED_ID, "Your request moved on.")
        moved = await world.discord.wait_for_message(lambda m: m["channel_id"] == str(CLOSED_DMS))
        assert moved["content"].startswith(f"<@{CLOSED_ID}> I couldn't DM you")
        issues = bot.features.get(Issues)
        assert issues is not None
        assert issues.approval_channel_id == ISSUES
        downloads = bot.features.get(DownloadService)
        assert downloads is not None
        assert downloads.notify_channel_id == YOUTUBE
        await world.pms.stop()
        await health_round(bot)
        alert = await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(ALERTS) and "is down" in m["content"]
        )
        assert alert["content"].startswith("🔴 **plex** is down")
    for channel in (HEALTH, ANNOUNCE):
        assert not [m for m in world.discord.channel_messages(channel) if "is down" in m["content"]]


async def test_unset_kinds_fall_back_as_today(world: World) -> None:
    """Without per-kind channels: New on Plex and closed DMs in NOTIFY, the rest in HEALTH."""
    libraries(world)
    async with bot_running(world.settings()) as bot:
        places = bot.services.places
        assert places.channel("announce_channel_id") == ANNOUNCE
        assert places.channel("dm_fallback_channel_id") == ANNOUNCE
        assert places.channel("issues_channel_id") == HEALTH
        assert places.channel("alerts_channel_id") == HEALTH
        await announcements(bot).check()
        add_movie(world, "Arrival", 2016)
        await announcements(bot).check()
        [post] = await posts(world, ANNOUNCE, 1)
        assert post["embeds"][0]["title"] == "Arrival (2016)"


async def broken_channel_keeps_messages(world: World, code: str, **settings: Any) -> None:
    async with bot_running(world.settings(announce_channel_id=NEW, **settings)) as bot:
        await announcements(bot).check()
        add_movie(world, "Arrival", 2016)
        add_movie(world, "Heat", 1995)
        await announcements(bot).check()
        found = await posts(world, ANNOUNCE, 2)
        assert sorted(m["embeds"][0]["title"] for m in found) == ["Arrival (2016)", "Heat (1995)"]
        assert found[0]["attachments"]  # the poster moved with the message
        [notice] = await posts(world, HEALTH, 1)
        assert notice["content"].startswith(f"⚠️ I can't post in <#{NEW}> ({code}).")
        assert f"goes to <#{ANNOUNCE}>" in notice["content"]
        add_movie(world, "Ran", 1985)
        await announcements(bot).check()
        await posts(world, ANNOUNCE, 3)
        assert len(world.discord.channel_messages(HEALTH)) == 1  # still one notice
        moved = await OutboxMessage.filter(status=OutboxStatus.REDIRECTED).count()
        assert moved == 3


async def test_deleted_channel_moves_posts_to_the_fallback_and_tells_admins_once(
    world: World, database_url: str
) -> None:
    """New on Plex's channel deleted: posts (posters too) go to NOTIFY; one admin notice."""
    libraries(world)
    world.discord.delete_channel(NEW)
    await broken_channel_keeps_messages(world, "Unknown Channel", database_url=database_url)


async def test_missing_permission_moves_posts_to_the_fallback_and_tells_admins_once(
    world: World,
) -> None:
    """The bot may not send in New on Plex's channel: the same, nothing lost."""
    libraries(world)
    world.discord.set_overwrite(NEW, world.discord.bot_role_id, deny=SEND_MESSAGES)
    await broken_channel_keeps_messages(world, "Missing Permissions")


async def open_kinds(world: World) -> dict[str, Any]:
    panel = await open_panel(world.discord, world.users["admin"])
    clicked = await world.discord.click(world.users["admin"], panel, "setup:kinds")
    return await clicked.wait_followup(lambda m: bool(m["embeds"]))


async def test_setup_page_picks_a_channel_per_kind(world: World) -> None:
    """/setup → Channels per kind: a pick is stored and used at once; empty falls back."""
    channels(world)
    async with bot_running(world.settings()) as bot:
        page = await open_kinds(world)
        assert fields(page)["Issues"].endswith(f"goes to <#{HEALTH}>")
        picked = await world.discord.click(
            world.users["admin"], page, "setup:issues_channel_id", values=[str(ISSUES)]
        )
        page = await picked.wait_original(lambda m: f"<#{ISSUES}>" in fields(m)["Issues"])
        assert (await KeyValue.get(key="setup.issues_channel_id")).value == str(ISSUES)
        issues = bot.features.get(Issues)
        assert issues is not None
        assert issues.approval_channel_id == ISSUES
        cleared = await world.discord.click(
            world.users["admin"], page, "setup:issues_channel_id", values=[]
        )
        await cleared.wait_original(lambda m: f"goes to <#{HEALTH}>" in fields(m)["Issues"])
        assert issues.approval_channel_id == HEALTH


async def test_environment_kind_is_locked_in_setup(world: World) -> None:
    """A kind set in the environment shows locked, and its select is disabled."""
    channels(world)
    async with bot_running(world.settings(alerts_channel_id=ALERTS)):
        page = await open_kinds(world)
        assert "🔒 set by ALERTS_CHANNEL_ID" in fields(page)["Health alerts"]
        assert component(page, "setup:alerts_channel_id")["disabled"] is True


async def open_new_on_plex(world: World) -> dict[str, Any]:
    panel = await open_panel(world.discord, world.users["admin"])
    clicked = await world.discord.click(world.users["admin"], panel, "setup:nop")
    return await clicked.wait_original(lambda m: bool(m["embeds"]))


async def digest_time(world: World, page: dict[str, Any], at: str, zone: str) -> str:
    opened = await world.discord.click(world.users["admin"], page, "nop:when")
    modal = await opened.response()
    assert modal["type"] == 9
    submitted = await world.discord.submit_modal(
        world.users["admin"], "nop:time", {"at": at, "zone": zone}, message=page
    )
    return str((await submitted.response())["data"]["content"])


async def test_digest_mode_chosen_in_setup_and_bad_times_refused(world: World) -> None:
    """Weekly digest on Sunday, then time and zone; bad ones get a clear line, nothing stored."""
    libraries(world)
    async with bot_running(world.settings()) as bot:
        page = await open_new_on_plex(world)
        assert "Posts **as it arrives**" in page["embeds"][0]["description"]
        moved = await world.discord.click(world.users["admin"], page, "nop:mode", values=["weekly"])
        page = await moved.wait_original(lambda m: "weekly" in m["embeds"][0]["description"])
        assert "Posts **weekly on Sunday at 18:00 (UTC)**" in page["embeds"][0]["description"]
        day = await world.discord.click(world.users["admin"], page, "nop:day", values=["5"])
        page = await day.wait_original(lambda m: "Saturday" in m["embeds"][0]["description"])
        before = {r.key: r.value for r in await KeyValue.filter(key__startswith="new_on_plex.")}
        bad = {
            ("25:00", "Europe/Paris"): "“25:00” isn't a time: use the 24-hour clock, like 18:30.",
            ("7pm", "Europe/Paris"): "“7pm” isn't a time: use the 24-hour clock, like 18:30.",
            ("18:30", "Mars/Olympus"): (
                "“Mars/Olympus” isn't a time zone I know: use a name like Europe/Paris "
                "or America/New_York."
            ),
            ("18:30", "../etc/passwd"): (
                "“../etc/passwd” isn't a time zone I know: use a name like Europe/Paris "
                "or America/New_York."
            ),
        }
        for (at, zone), line in bad.items():
            assert await digest_time(world, page, at, zone) == line
        after = {r.key: r.value for r in await KeyValue.filter(key__startswith="new_on_plex.")}
        assert after == before
        said = await digest_time(world, page, "07:30", "Europe/Paris")
        assert said == "New on Plex now posts weekly on Saturday at 07:30 (Europe/Paris)."
        schedule = await announcements(bot).schedule()
        assert (schedule.mode, schedule.day, schedule.zone) == ("weekly", 5, "Europe/Paris")
        await asyncio.sleep(0)


async def test_digest_time_zone_is_the_servers_until_one_is_typed(world: World) -> None:
    """SERVER_TIMEZONE (the maintenance windows' zone) is the digest's until /setup sets one."""
    libraries(world)
    async with bot_running(world.settings(server_timezone="America/New_York")):
        page = await open_new_on_plex(world)
        moved = await world.discord.click(world.users["admin"], page, "nop:mode", values=["daily"])
        page = await moved.wait_original(lambda m: "daily" in m["embeds"][0]["description"])
        said = page["embeds"][0]["description"]
        assert "Posts **daily at 18:00 (America/New_York)**" in said


async def test_an_issue_card_lands_in_the_issues_channel(world: World) -> None:
    """/issue's card goes to ISSUES_CHANNEL_ID, not to the approval or health channel."""
    people = plex_people(world)
    world.overseerr.add_user(
        10, plex_id=2, plex_username="friend", permissions=Permission.CREATE_ISSUES
    )
    world.overseerr.add_movie(603, "The Matrix", 1999, status=5)
    channels(world)
    async with bot_running(world.settings(**KINDS)) as bot:
        await link_member(world, bot, "bob", people.friend)
        interaction = await world.discord.slash(
            world.users["bob"],
            "issue",
            {"title": "movie:603", "problem": "audio", "message": "Audio drops out"},
        )
        await interaction.wait_followup()
        await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(ISSUES) and "Overseerr issue #" in m["content"]
        )
        for channel in (HEALTH, APPROVALS):
            found = world.discord.channel_messages(channel)
            assert not [m for m in found if "Overseerr issue #" in m["content"]]


async def test_youtube_completion_lands_in_its_channel_and_not_as_new_on_plex(
    world: World, media: FakeMediaServer
) -> None:
    """A finished download is posted in YOUTUBE_CHANNEL_ID; its library is not New on Plex."""
    channels(world)
    people = plex_people(world)
    settings = youtube_settings(world, media.port, **KINDS)
    async with bot_running(settings) as bot:
        await link_member(world, bot, "bob", people.friend)
        await announcements(bot).check()
        videos = [media.add_video(f"v{i}", f"Clip {i}", size=20_000) for i in range(2)]
        url = media.add_playlist("pl1", "Cooking Basics", [v.id for v in videos])
        interaction = await world.discord.slash(
            world.users["bob"], "youtube", {"url": url}, subcommand="download"
        )
        await interaction.wait_followup()
        posted = await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(YOUTUBE), timeout=30
        )
        assert posted["content"].startswith("📺 New in Plex: **Cooking Basics**")
        assert world.pms.items  # Plex scanned the videos in
        assert await announcements(bot).check() == 0
        await outbox_drained()
    assert world.discord.channel_messages(NEW) == []


async def test_a_closed_dm_fallback_shows_its_text_only_to_its_member(world: World) -> None:
    """Not opted in to being named: the public fallback hides the text; Show me reveals it."""
    channels(world)
    async with bot_running(world.settings(**KINDS)) as bot:
        await bot.services.outbox.dm(
            "request:7:approved", CLOSED_ID, "Your request for Dune was approved."
        )
        post = await world.discord.wait_for_message(lambda m: m["channel_id"] == str(CLOSED_DMS))
        assert post["content"].startswith(f"<@{CLOSED_ID}> I couldn't DM you")
        assert "Dune" not in post["content"] and not post["embeds"]
        [button] = post["components"][0]["components"]
        other = await world.discord.click(world.users["bob"], post, button["custom_id"])
        assert (await other.response())["data"]["content"] == "That message is for someone else."
        mine = await world.discord.click(CLOSED_ID, post, button["custom_id"])
        shown = (await mine.response())["data"]
        assert shown["content"] == "Your request for Dune was approved."
        assert shown["flags"] & 64  # ephemeral: only they see it


async def test_without_requests_a_closed_dm_fallback_still_hides_its_text(world: World) -> None:
    """Requests off (no /notifications to opt in): a link or YouTube DM that falls back to a
    channel never names its text in public; Show me still reveals it to its member only."""
    channels(world)
    async with bot_running(world.settings(overseerr_url=None, **KINDS)) as bot:
        assert "cogs.notifications" in bot.extensions and bot.tree.get_command("request") is None
        await bot.services.outbox.dm("youtube:3:done", CLOSED_ID, "Your playlist is on Plex.")
        post = await world.discord.wait_for_message(lambda m: m["channel_id"] == str(CLOSED_DMS))
        assert post["content"].startswith(f"<@{CLOSED_ID}> I couldn't DM you")
        assert "playlist" not in post["content"] and not post["embeds"]
        [button] = post["components"][0]["components"]
        mine = await world.discord.click(CLOSED_ID, post, button["custom_id"])
        assert (await mine.response())["data"]["content"] == "Your playlist is on Plex."


async def test_alerts_channel_gets_held_alerts_acknowledge_and_recovery(world: World) -> None:
    """With ALERTS_CHANNEL_ID: a muted outage is alerted there once unmuted, Acknowledge works
    there (no reminder after it), the recovery goes there too; nothing in the health channel."""
    channels(world)
    async with bot_running(world.settings(alerts_channel_id=ALERTS)) as bot:
        muted = await world.discord.slash(
            world.users["admin"],
            "maintenance",
            {"service": "plex", "length": "1h"},
            subcommand="mute",
        )
        assert (await muted.response())["data"]["content"].startswith("🔕 **plex** alerts")
        await world.pms.stop()
        await health_round(bot)
        assert (await Incident.get(service="plex")).held is True
        await outbox_drained()
        assert not world.discord.channel_messages(ALERTS)
        unmuted = await world.discord.slash(
            world.users["admin"], "maintenance", {"service": "plex"}, subcommand="unmute"
        )
        await unmuted.response()
        await bot.services.health.run_checks()
        alert = await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(ALERTS) and "is down" in m["content"]
        )
        incident = await Incident.get(service="plex")
        pressed = await world.discord.click(
            world.users["admin"], alert, f"health:ack:{incident.id}"
        )
        assert (await pressed.response())["type"] == 7  # the alert in ALERTS is updated
        assert "✅ Acknowledged by" in alert["content"]
        incident = await Incident.get(id=incident.id)
        incident.opened_at -= timedelta(hours=2)  # long past the reminder period
        await incident.save()
        bot.services.health.states["plex"].incident = incident
        await bot.services.health.run_checks()
        await world.pms.start()
        for _ in range(3):
            await bot.services.health.run_checks()
        back = await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(ALERTS) and "plex" in m["content"] and m is not alert
        )
        assert "still down" not in back["content"]  # acknowledged: no reminder
        assert back["content"].startswith("🟢 **plex**")
    assert not world.discord.channel_messages(HEALTH)


async def test_setup_pages_stay_within_discords_five_rows(world: World) -> None:
    """/setup's panel (4 selects and its buttons), Channels per kind and New on Plex each fit
    Discord's 5 action rows (the fake refuses more); the webhook buttons' widest panel is
    tests/cogs/test_setup_webhook.py's first test."""
    channels(world)
    async with bot_running(world.settings()):
        panel = await open_panel(world.discord, world.users["admin"])
        ids = [c.get("custom_id") for row in panel["components"] for c in row["components"]]
        assert len(panel["components"]) == 5
        assert {"setup:recheck", "setup:kinds", "setup:nop"} <= set(ids)
        kinds = await open_kinds(world)
        assert len(kinds["components"]) == 5
        page = await open_new_on_plex(world)
        assert len(page["components"]) == 3
