"""/status pages end to end: admins page through Services, Requests and Members; others can't."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from bot.app import MediaNest
from bot.services.charts.requests import HEIGHT
from bot.services.charts.style import WIDTH_PX
from cogs.health import HealthCog
from storage.models import MediaRequest, MemberActivity, RequestStatus
from tests.harness import ALICE_ID, HEALTH, World, bot_running

S = RequestStatus


def cog_of(bot: MediaNest) -> HealthCog:
    cog = bot.get_cog("HealthCog")
    assert isinstance(cog, HealthCog)
    return cog


async def seed_recent() -> None:
    """Two requests this week (one on Plex an hour later), one two weeks ago."""
    moment = datetime.now(UTC)
    for status, age, available in (
        (S.AVAILABLE, timedelta(hours=3), timedelta(hours=2)),
        (S.PENDING, timedelta(days=3), None),
        (S.DECLINED, timedelta(days=14), None),
    ):
        await MediaRequest.create(
            discord_id=ALICE_ID,
            media_type="movie",
            title=f"Film {status}",
            status=status,
            created_at=moment - age,
            available_at=moment - available if available else None,
        )


def buttons(message: dict[str, Any]) -> dict[str, bool]:
    """custom id -> disabled, of the message's buttons."""
    return {
        c["custom_id"]: bool(c.get("disabled"))
        for row in message["components"]
        for c in row["components"]
    }


async def admin_status(world: World, options: dict[str, Any] | None = None) -> Any:
    interaction = await world.discord.slash(world.users["admin"], "status", options)
    message = await interaction.wait_original(lambda m: bool(m["embeds"] and m["components"]))
    return interaction, message


async def test_admin_pages_through_requests_and_members(world: World) -> None:
    """Requests shows the week's figures and an 800 x 560 chart; Members its own page."""
    async with bot_running(world.settings()):
        await seed_recent()
        first, message = await admin_status(world)
        assert buttons(message) == {
            "status-page:services": True,
            "status-page:requests": False,
            "status-page:members": False,
        }
        pressed = await world.discord.click(world.users["admin"], message, "status-page:requests")
        assert (await pressed.response())["type"] == 6
        shown = await first.wait_original(
            lambda m: m["embeds"][0]["title"] == "Requests · last 7 days"
        )
        embed = shown["embeds"][0]
        assert embed["description"].startswith("**2** requests: 🟢 1 available · 🟡 1 pending")
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["Funnel"] == "2 requested → 1 approved → 1 available (50%)"
        assert fields["Time to available"].startswith(
            "Movies: median 1.0 h · 90th percentile 1.0 h (1)"
        )
        assert "Film pending" in fields["Oldest open requests"]
        assert fields["YouTube"] == "No videos finished in the last 7 days."
        [attachment] = shown["attachments"]
        assert attachment["filename"] == "requests.png"
        chart = Image.open(io.BytesIO(attachment["data"]))
        assert chart.format == "PNG" and chart.size == (WIDTH_PX, HEIGHT)
        assert len(chart.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 20
        assert buttons(shown)["status-page:requests"] is True
        await world.discord.click(world.users["admin"], shown, "status-page:members")
        members = await first.wait_original(
            lambda m: m["embeds"][0]["title"] == "Members · last 7 days"
        )
        fields = {f["name"]: f["value"] for f in members["embeds"][0]["fields"]}
        assert fields["Top requesters"] == f"1. <@{ALICE_ID}> · 2"
        assert members["attachments"] == []


async def test_an_empty_period_says_so_without_a_chart(world: World) -> None:
    """With nothing in the last 24 hours the Requests page says so and attaches no chart."""
    async with bot_running(world.settings()):
        await MediaRequest.create(
            discord_id=ALICE_ID,
            media_type="tv",
            title="Old show",
            status=S.PENDING,
            created_at=datetime.now(UTC) - timedelta(days=3),
        )
        first, message = await admin_status(world, {"period": "24h"})
        await world.discord.click(world.users["admin"], message, "status-page:requests")
        shown = await first.wait_original(
            lambda m: m["embeds"][0]["title"] == "Requests · last 24 hours"
        )
        embed = shown["embeds"][0]
        assert embed["description"] == "No requests and no videos in the last 24 hours."
        assert "image" not in embed or not embed["image"]
        assert shown["attachments"] == []
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert "Old show" in fields["Oldest open requests"]


async def test_members_cannot_page_to_admin_views(world: World) -> None:
    """A member pressing a page button is refused privately and the message stays as it was."""
    async with bot_running(world.settings()):
        _, message = await admin_status(world)
        edits = len(world.discord.edits)
        pressed = await world.discord.click(world.users["alice"], message, "status-page:members")
        reply = await pressed.response()
        assert reply["type"] == 4
        assert reply["data"]["content"] == "Only admins can do that."
        assert pressed.ephemeral
        assert len(world.discord.edits) == edits
        public = await (await world.discord.slash(world.users["alice"], "status")).response()
        assert public["data"]["content"] == "🟢 All systems are working normally."
        assert not public["data"].get("components")


async def test_commands_count_as_activity_and_reach_the_dashboard(world: World) -> None:
    """Commands are written once per member and day; the dashboard line is edited on change."""
    async with bot_running(world.settings()) as bot:
        cog = cog_of(bot)
        for _ in range(2):
            await (await world.discord.slash(world.users["alice"], "help")).response()
        assert await MemberActivity.filter(discord_id=ALICE_ID).count() == 0  # not yet flushed
        await cog.activity.flush()
        assert await MemberActivity.filter(discord_id=ALICE_ID).count() == 1
        await seed_recent()
        await cog.dashboard()
        [posted] = [m for m in world.discord.channel_messages(HEALTH) if m["embeds"]]
        fields = {f["name"]: f["value"] for f in posted["embeds"][0]["fields"]}
        assert fields["Dashboard"] == (
            "📊 Last 7 days: 2 requests, 1 now on Plex (median 1.0 h), 1 active member"
        )
        edits = len(world.discord.edits)
        await cog.dashboard()  # nothing changed: no edit
        assert len(world.discord.edits) == edits
        await MediaRequest.create(
            discord_id=ALICE_ID, media_type="tv", title="New show", status=S.QUEUED
        )
        await cog.dashboard()
        assert len(world.discord.edits) == edits + 1
        [edited] = [m for m in world.discord.channel_messages(HEALTH) if m["embeds"]]
        fields = {f["name"]: f["value"] for f in edited["embeds"][0]["fields"]}
        assert fields["Dashboard"].startswith("📊 Last 7 days: 3 requests, ")
