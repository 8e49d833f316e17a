"""Health end to end: /status for admins and others, the dashboard, /metrics, /readyz, alerts."""

from __future__ import annotations

import asyncio
import io

import aiohttp
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from bot.app import MediaNest
from bot.services.charts.style import WIDTH_PX
from bot.services.charts.uptime import BOTTOM, ROW, TOP
from cogs.health import HealthCog
from storage.models import KeyValue
from tests.harness import HEALTH, World, bot_running


async def checks_until_down(bot: MediaNest) -> None:
    health = bot.services.health
    assert health is not None
    health.policy.confirm_every = 0.01
    await health.check_round()


async def test_admin_status_shows_services_counts_and_a_chart(world: World) -> None:
    """An admin's /status is a private embed with every service, counts and an uptime PNG."""
    async with bot_running(world.settings()) as bot:
        await checks_until_down(bot)
        interaction = await world.discord.slash(world.users["admin"], "status")
        await interaction.response()
        assert interaction.ephemeral
        message = await interaction.wait_original(lambda m: bool(m["embeds"]))
        embed = message["embeds"][0]
        assert embed["title"] == "MediaNest status"
        for name in ("plex", "overseerr", "database", "disk", "discord"):
            assert f"🟢 **{name}** · " in embed["description"]
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["Linked users"] == "0"
        assert fields["Outbox backlog"] == "0"
        assert "loop lag" in fields["Bot"]
        assert "#health is visible to @everyone" in fields["⚠️ Warnings"]
        assert embed["image"]["url"] == "attachment://uptime.png"
        [attachment] = message["attachments"]
        assert attachment["filename"] == "uptime.png"
        assert attachment["data"].startswith(b"\x89PNG\r\n\x1a\n")
        chart = Image.open(io.BytesIO(attachment["data"]))
        assert chart.format == "PNG"
        assert chart.size == (WIDTH_PX, TOP + ROW * 5 + BOTTOM)  # a row per service


async def test_non_admin_status_is_short_and_without_details(world: World) -> None:
    """A member's /status says only whether things work, naming no latencies or errors."""
    async with bot_running(world.settings()) as bot:
        await checks_until_down(bot)
        reply = await (await world.discord.slash(world.users["alice"], "status")).response()
        assert reply["data"]["content"] == "🟢 All systems are working normally."
        await world.pms.stop()
        await checks_until_down(bot)
        reply = await (await world.discord.slash(world.users["alice"], "status")).response()
        assert reply["data"]["content"] == (
            "🔴 Some services have problems right now: plex. Admins have been told."
        )
        assert "embeds" not in reply["data"] or not reply["data"]["embeds"]


async def test_outage_alerts_the_health_channel_and_fails_readyz(world: World) -> None:
    """Plex going down posts one alert in the health channel and makes /readyz answer 503."""
    async with bot_running(world.settings()) as bot:
        await world.pms.stop()
        await checks_until_down(bot)
        alert = await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(HEALTH) and "is down" in m["content"]
        )
        assert alert["content"].startswith("🔴 **plex** is down: ")
        url = f"http://127.0.0.1:{bot.web_port}/readyz"
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 503
            assert (await resp.json())["checks"]["plex"] is False


async def test_dashboard_is_posted_pinned_and_edited_on_change(world: World) -> None:
    """The dashboard is posted once and pinned, then edited in place when a service changes."""
    async with bot_running(world.settings()) as bot:
        cog = bot.get_cog("HealthCog")
        assert isinstance(cog, HealthCog)
        await checks_until_down(bot)
        await cog.dashboard()
        await cog.dashboard()  # nothing changed: no edit
        [posted] = [m for m in world.discord.channel_messages(HEALTH) if m["embeds"]]
        assert posted["pinned"] is True
        stored = await KeyValue.get(key="health_dashboard_message_id")
        assert stored.value == f"{HEALTH}:{posted['id']}"
        edits_before = len(world.discord.edits)
        await world.pms.stop()
        await checks_until_down(bot)
        await cog.dashboard()
        await asyncio.sleep(0)
        assert len(world.discord.edits) == edits_before + 1
        [dashboard] = [m for m in world.discord.channel_messages(HEALTH) if m["embeds"]]
        assert "🔴 **plex**" in dashboard["embeds"][0]["description"]


METRICS_TOKEN = "prometheus-scrape-token"


async def test_metrics_parse_as_prometheus_text(world: World) -> None:
    """/metrics is valid Prometheus text with service, command, duration, queue and lag metrics."""
    async with bot_running(world.settings(metrics_token=METRICS_TOKEN)) as bot:
        await checks_until_down(bot)
        await (await world.discord.slash(world.users["alice"], "help")).response()
        url = f"http://127.0.0.1:{bot.web_port}/metrics"
        bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        async with aiohttp.ClientSession() as http, http.get(url, headers=bearer) as resp:
            assert resp.status == 200
            text = await resp.text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    up = {s.labels["service"]: s.value for s in families["medianest_service_up"].samples}
    assert up == {"plex": 1, "overseerr": 1, "database": 1, "disk": 1, "discord": 1}
    commands = families["medianest_commands"].samples
    assert any(s.labels == {"command": "help", "outcome": "ok"} and s.value == 1 for s in commands)
    seconds = families["medianest_command_seconds"]
    assert seconds.type == "histogram"
    timed = {s.labels["command"]: s.value for s in seconds.samples if s.name.endswith("_count")}
    assert timed["help"] == 1
    for name in (
        "medianest_download_queue_depth",
        "medianest_outbox_backlog",
        "medianest_rate_limit_refusals",
        "medianest_event_loop_lag_ms",
    ):
        assert name in families, name


async def test_metrics_refuse_a_scrape_without_the_token(world: World) -> None:
    """/metrics answers 401 without the bearer token, with a wrong one, or as Basic auth."""
    async with bot_running(world.settings(metrics_token=METRICS_TOKEN)) as bot:
        url = f"http://127.0.0.1:{bot.web_port}/metrics"
        async with aiohttp.ClientSession() as http:
            for headers in (
                {},
                {"Authorization": "Bearer wrong-token"},
                {"Authorization": METRICS_TOKEN},
                {"Authorization": f"Basic {METRICS_TOKEN}"},
            ):
                async with http.get(url, headers=headers) as resp:
                    assert resp.status == 401, headers
                    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
                    assert await resp.json() == {"error": "unauthorized"}
                    assert "medianest_" not in await resp.text()


async def test_metrics_are_not_served_without_a_token(world: World) -> None:
    """Without METRICS_TOKEN there is no /metrics at all (404), whatever the request sends."""
    async with bot_running(world.settings()) as bot:
        url = f"http://127.0.0.1:{bot.web_port}/metrics"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer None"}):
                async with http.get(url, headers=headers) as resp:
                    assert resp.status == 404, headers


async def test_admin_errors_lists_frequent_errors(world: World) -> None:
    """/admin errors shows each repeating error with its count and ids; others are refused."""
    async with bot_running(world.settings()):
        reply = await (
            await world.discord.slash(world.users["admin"], "admin", subcommand="errors")
        ).response()
        assert reply["data"]["content"] == "No unexpected errors today. 🎉"
        refused = await (
            await world.discord.slash(world.users["alice"], "admin", subcommand="errors")
        ).response()
        assert refused["data"]["content"] == "Only admins can do that."
