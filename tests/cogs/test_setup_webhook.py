"""/setup's Overseerr webhook part, end to end: shown, applied, confirmed, tested."""

from __future__ import annotations

from bot.app import MediaNest
from tests.cogs.test_setup import fields, open_panel
from tests.harness import WEBHOOK_TOKEN, World, bot_running, free_port, plex_people
from tests.services.test_webhook_agent import ELSEWHERE, bot, our_url

__all__ = ["bot"]  # the fixture of test_webhook_agent, used here too


def buttons(message: dict[str, object]) -> list[str]:
    rows = message["components"]
    assert isinstance(rows, list)
    return [c["custom_id"] for row in rows for c in row["components"] if c["type"] == 2]


async def test_off_agent_is_shown_set_up_and_its_test_arrives(world: World, bot: MediaNest) -> None:
    """Off: the panel says what it would set; Set up writes it and reports the test's arrival."""
    admin = world.users["admin"]
    panel = await open_panel(world.discord, admin)
    text = fields(panel)["Overseerr webhook"]
    assert text.startswith("⚪ off: Overseerr sends the bot nothing")
    assert f"URL `{our_url(bot)}`" in text
    assert f"Authorization header `••••{WEBHOOK_TOKEN[-4:]}`" in text
    assert "11 request and issue types (MEDIA_PENDING, MEDIA_APPROVED" in text
    assert "Overseerr's default JSON payload" in text
    assert buttons(panel) == ["setup:recheck", "setup:webhook", "setup:kinds", "setup:nop"]
    clicked = await world.discord.click(admin, panel, "setup:webhook")
    panel = await clicked.wait_original(
        lambda m: "test notification arrived" in fields(m).get("Overseerr webhook", ""), timeout=15
    )
    text = fields(panel)["Overseerr webhook"]
    assert text.startswith(f"✅ sends every request and issue notification to `{our_url(bot)}`")
    assert "✅ Overseerr's test notification arrived in " in text
    stored = world.overseerr.webhook_agent
    assert stored["enabled"] is True and stored["options"]["webhookUrl"] == our_url(bot)
    assert world.overseerr.webhook_deliveries == [(our_url(bot), 200)]
    assert buttons(panel) == ["setup:recheck", "setup:test", "setup:kinds", "setup:nop"]
    again = await world.discord.click(admin, panel, "setup:test")
    await again.response()
    await again.wait_original(
        lambda m: (
            len(world.overseerr.webhook_deliveries) == 2
            and "test notification arrived" in fields(m).get("Overseerr webhook", "")
        ),
        timeout=15,
    )


async def test_elsewhere_asks_first_and_keep_changes_nothing(world: World, bot: MediaNest) -> None:
    """Pointing elsewhere: Set up asks; Keep leaves Overseerr alone, Replace takes it over."""
    world.overseerr.set_webhook_agent(enabled=True, url=ELSEWHERE, auth_header="theirs", types=8)
    before = dict(world.overseerr.webhook_agent)
    admin = world.users["admin"]
    panel = await open_panel(world.discord, admin)
    text = fields(panel)["Overseerr webhook"]
    assert text.startswith(f"🟠 sends to `{ELSEWHERE}`, not to the bot. Overseerr has one webhook")
    asked = await world.discord.click(admin, panel, "setup:webhook")
    question = await asked.wait_original(lambda m: m["embeds"][0]["title"] != "MediaNest set-up")
    assert question["embeds"][0]["title"] == "Replace Overseerr's webhook?"
    assert ELSEWHERE in question["embeds"][0]["description"]
    assert buttons(question) == ["setup:replace", "setup:keep"]
    kept = await world.discord.click(admin, question, "setup:keep")
    panel = await kept.wait_original(lambda m: m["embeds"][0]["title"] == "MediaNest set-up")
    assert world.overseerr.webhook_agent == before
    assert world.overseerr.seen("POST", "/api/v1/settings/notifications/webhook") == []
    asked = await world.discord.click(admin, panel, "setup:webhook")
    question = await asked.wait_original(lambda m: m["embeds"][0]["title"] != "MediaNest set-up")
    replaced = await world.discord.click(admin, question, "setup:replace")
    panel = await replaced.wait_original(
        lambda m: "test notification arrived" in fields(m).get("Overseerr webhook", ""), timeout=15
    )
    assert world.overseerr.webhook_agent["options"]["webhookUrl"] == our_url(bot)


async def test_a_test_that_cannot_reach_the_bot_is_reported(world: World) -> None:
    """PUBLIC_URL that leads nowhere: Overseerr's test fails and the panel says to check it."""
    plex_people(world)
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with bot_running(world.settings(public_url=nowhere)):
        admin = world.users["admin"]
        panel = await open_panel(world.discord, admin)
        clicked = await world.discord.click(admin, panel, "setup:webhook")
        panel = await clicked.wait_original(
            lambda m: "couldn't deliver" in fields(m).get("Overseerr webhook", ""), timeout=15
        )
        assert (
            f"❌ Overseerr couldn't deliver its test notification to {nowhere}/webhooks/overseerr. "
            "Check that `PUBLIC_URL` is an address Overseerr can reach."
        ) in fields(panel)["Overseerr webhook"]


async def test_without_public_url_the_panel_says_what_to_set(world: World) -> None:
    """No PUBLIC_URL nor OVERSEERR_WEBHOOK_URL: the panel names the setting, offers no buttons."""
    plex_people(world)
    async with bot_running(world.settings()):
        panel = await open_panel(world.discord, world.users["admin"])
        assert fields(panel)["Overseerr webhook"] == (
            "❌ Set `OVERSEERR_WEBHOOK_URL` to the bot's webhook address as Overseerr reaches "
            "it (such as `http://medianest:8080/webhooks/overseerr`) and restart the bot."
        )
        assert buttons(panel) == ["setup:recheck", "setup:kinds", "setup:nop"]
        assert world.overseerr.seen("GET", "/api/v1/settings/notifications/webhook") == []


async def test_webhook_url_apart_from_public_url_is_what_setup_sets(world: World) -> None:
    """Browsers' PUBLIC_URL elsewhere: /setup gives Overseerr OVERSEERR_WEBHOOK_URL, which works."""
    plex_people(world)
    port = free_port()
    ours = f"http://127.0.0.1:{port}/webhooks/overseerr"
    settings = world.settings(
        web_port=port,
        public_url="https://medianest.example.invalid",  # only browsers resolve it
        overseerr_webhook_url=ours,
    )
    async with bot_running(settings):
        admin = world.users["admin"]
        panel = await open_panel(world.discord, admin)
        assert f"URL `{ours}`" in fields(panel)["Overseerr webhook"]
        clicked = await world.discord.click(admin, panel, "setup:webhook")
        panel = await clicked.wait_original(
            lambda m: "test notification arrived" in fields(m).get("Overseerr webhook", ""),
            timeout=15,
        )
    assert world.overseerr.webhook_agent["options"]["webhookUrl"] == ours
    assert world.overseerr.webhook_deliveries == [(ours, 200)]
