"""Pointing Overseerr's webhook agent at the bot: read, classify, write, and a test that arrives.

The bot runs for real (its web receiver on a known port behind PUBLIC_URL) against the fake
Overseerr, which keeps the agent's settings and sends the test notification over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from bot.app import MediaNest
from bot.clients.overseerr import OverseerrClient
from bot.services.webhook_agent import (
    TOKEN_KEY,
    WANTED_TYPES,
    AgentState,
    Delivery,
    NotPointingHere,
    ReplaceConfirmationNeeded,
    WebhookAgentSetup,
    WebhookUrlMissing,
)
from storage.models import KeyValue
from tests.conftest import POSTGRES_ADMIN
from tests.fakes.overseerr import FAKE_DEFAULT_TEMPLATE
from tests.harness import (
    WEBHOOK_TOKEN,
    World,
    bot_running,
    free_port,
    plex_people,
    reachable_settings,
)
from tests.templates import drop_postgres, migrated_postgres

OUR_TYPES = 8158  # every media and issue type but TEST_NOTIFICATION (Overseerr's bits)
ELSEWHERE = "http://notifiarr:5454/api/v1/notification/overseerr"


@pytest.fixture
async def bot(world: World) -> AsyncIterator[MediaNest]:
    """The bot with PUBLIC_URL pointing at its own web server on 127.0.0.1."""
    plex_people(world)
    async with bot_running(reachable_settings(world)) as running:
        yield running


def agent_of(bot: MediaNest) -> WebhookAgentSetup:
    agent = bot.features.get(WebhookAgentSetup)
    assert agent is not None
    return agent


def our_url(bot: MediaNest) -> str:
    return f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"


async def test_defaults_read_as_off_with_what_would_be_set(world: World, bot: MediaNest) -> None:
    """Overseerr's defaults are "off"; the plan names our URL, masked header and types."""
    plan = await agent_of(bot).inspect()
    assert plan.state is AgentState.OFF
    assert (plan.current_url, plan.current_types, plan.problems) == ("", (), ())
    assert plan.current_payload_default and not plan.current_header_ours
    assert plan.url == our_url(bot)
    assert plan.header_masked == "••••" + WEBHOOK_TOKEN[-4:]
    assert plan.types == (
        "MEDIA_PENDING",
        "MEDIA_APPROVED",
        "MEDIA_AVAILABLE",
        "MEDIA_FAILED",
        "MEDIA_DECLINED",
        "MEDIA_AUTO_APPROVED",
        "ISSUE_CREATED",
        "ISSUE_COMMENT",
        "ISSUE_RESOLVED",
        "ISSUE_REOPENED",
        "MEDIA_AUTO_REQUESTED",
    )
    assert not plan.needs_confirmation and not plan.up_to_date


async def test_apply_when_off_writes_ours_and_the_test_reaches_the_receiver(
    world: World, bot: MediaNest
) -> None:
    """apply() stores URL, header, types and the double-encoded default; the test arrives."""
    applied = await agent_of(bot).apply()
    stored = world.overseerr.webhook_agent
    assert (stored["enabled"], stored["types"], stored["embedPoster"]) == (True, OUR_TYPES, True)
    assert stored["options"]["webhookUrl"] == our_url(bot)
    assert stored["options"]["authHeader"] == WEBHOOK_TOKEN
    template = json.loads(world.overseerr.webhook_json_payload)
    assert isinstance(template, str) and json.loads(template) == FAKE_DEFAULT_TEMPLATE
    assert applied.plan.state is AgentState.OURS and applied.plan.up_to_date
    assert applied.test.result is Delivery.ARRIVED and applied.test.arrived
    assert isinstance(applied.test.elapsed_ms, int)
    assert applied.test.message == (
        f"Overseerr's test notification arrived in {applied.test.elapsed_ms} ms."
    )
    # Delivered to the bot's own receiver, which accepted it.
    assert world.overseerr.webhook_deliveries == [(our_url(bot), 200)]
    again = await agent_of(bot).test()
    assert again.result is Delivery.ARRIVED
    assert (await agent_of(bot).inspect()).state is AgentState.OURS


async def test_pointing_elsewhere_needs_confirmation_to_replace(
    world: World, bot: MediaNest
) -> None:
    """Another URL is "elsewhere" and reported; apply refuses unconfirmed, writing nothing."""
    world.overseerr.set_webhook_agent(
        enabled=True, url=ELSEWHERE, auth_header="their-secret", types=8
    )
    before = dict(world.overseerr.webhook_agent)
    plan = await agent_of(bot).inspect()
    assert plan.state is AgentState.ELSEWHERE and plan.needs_confirmation
    assert (plan.current_url, plan.current_types) == (ELSEWHERE, ("MEDIA_AVAILABLE",))
    with pytest.raises(ReplaceConfirmationNeeded) as refused:
        await agent_of(bot).apply()
    assert refused.value.message == (
        f"Overseerr's webhook sends to {ELSEWHERE}. Overseerr has only one webhook, "
        "so confirm that the bot should replace it."
    )
    assert world.overseerr.webhook_agent == before
    assert world.overseerr.seen("POST", "/api/v1/settings/notifications/webhook") == []
    with pytest.raises(NotPointingHere):
        await agent_of(bot).test()
    applied = await agent_of(bot).apply(replace_elsewhere=True)
    assert applied.plan.state is AgentState.OURS
    assert applied.test.result is Delivery.ARRIVED


async def test_ours_with_a_wrong_header_is_incomplete_and_its_test_fails(
    world: World, bot: MediaNest
) -> None:
    """Our URL with another header and too few types: incomplete; the receiver refuses it."""
    world.overseerr.set_webhook_agent(
        enabled=True, url=our_url(bot), auth_header="Bearer stale", types=8
    )
    plan = await agent_of(bot).inspect()
    assert plan.state is AgentState.INCOMPLETE
    missing = ", ".join(t for t in WANTED_TYPES if t != "MEDIA_AVAILABLE")
    assert tuple(p.english() for p in plan.problems) == (
        "Types not sent yet: " + missing,
        "The authorization header isn't the bot's token",
    )
    outcome = await agent_of(bot).test()
    assert outcome.result is Delivery.FAILED
    assert outcome.message == (
        f"Overseerr couldn't deliver its test notification to {our_url(bot)}. "
        "Check that `PUBLIC_URL` is an address Overseerr can reach."
    )
    assert world.overseerr.webhook_deliveries == [(our_url(bot), 401)]


async def test_unreachable_webhook_url_reports_the_failure(world: World, bot: MediaNest) -> None:
    """A webhook URL where nothing listens: settings are written, Overseerr's test fails."""
    assert bot.services.overseerr is not None
    nowhere = f"http://127.0.0.1:{free_port()}/webhooks/overseerr"
    agent = WebhookAgentSetup(bot.services.overseerr, nowhere, WEBHOOK_TOKEN)
    applied = await agent.apply()
    assert applied.test.result is Delivery.FAILED
    assert applied.test.message == (
        f"Overseerr couldn't deliver its test notification to {nowhere}. "
        "Check that `OVERSEERR_WEBHOOK_URL` is an address Overseerr can reach."
    )
    assert world.overseerr.webhook_agent["options"]["webhookUrl"] == nowhere


async def test_test_answered_elsewhere_is_not_an_arrival(world: World) -> None:
    """Overseerr delivers (204) to something that isn't the bot: "didn't reach" after the wait."""
    got: list[Any] = []

    async def other(request: web.Request) -> web.Response:
        got.append(await request.json())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/webhooks/overseerr", other)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    other_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as http:
            client = OverseerrClient(http, world.overseerr.url, "overseerr-key")
            agent = WebhookAgentSetup(
                client, other_url + "/webhooks/overseerr", WEBHOOK_TOKEN, wait=0.2
            )
            applied = await agent.apply()
    finally:
        await runner.cleanup()
    assert [body["notification_type"] for body in got] == ["TEST_NOTIFICATION"]
    assert applied.test.result is Delivery.NOT_ARRIVED and applied.test.elapsed_ms is None
    assert applied.test.message == (
        "Overseerr's test notification didn't reach the bot within 0.2 s. "
        f"Check that {other_url}/webhooks/overseerr leads to this bot from where Overseerr runs."
    )


async def test_without_public_url_every_step_is_refused(world: World) -> None:
    """No PUBLIC_URL nor OVERSEERR_WEBHOOK_URL: every step refuses with one text, asking nothing."""
    plex_people(world)
    async with bot_running(world.settings()) as bot:
        agent = agent_of(bot)
        for step in (agent.inspect, agent.apply, agent.test):
            with pytest.raises(WebhookUrlMissing) as refused:
                await step()
            assert refused.value.message == (
                "Set `OVERSEERR_WEBHOOK_URL` to the bot's webhook address as Overseerr reaches "
                "it (such as `http://medianest:8080/webhooks/overseerr`) and restart the bot."
            )
    assert world.overseerr.seen("GET", "/api/v1/settings/notifications") == []
    assert world.overseerr.seen("POST", "/api/v1/settings/notifications") == []


@pytest.fixture(params=["sqlite", "postgres"])
async def bot_database(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """The bot's database: its default SQLite file in DATA_DIR, or a migrated PostgreSQL one."""
    if request.param == "sqlite":
        yield None
        return
    try:
        url = await migrated_postgres(POSTGRES_ADMIN)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN} is unreachable: {exc}")
    try:
        yield url
    finally:
        await drop_postgres(POSTGRES_ADMIN, url)


async def post_test(bot: MediaNest, authorization: str | None) -> int:
    """A TEST_NOTIFICATION on the bot's receiver with this Authorization header; the status."""
    url = f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"
    headers = {"Authorization": authorization} if authorization is not None else {}
    body = {"notification_type": "TEST_NOTIFICATION", "media": None, "request": None}
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as r:
        return r.status


async def test_token_generated_once_kept_and_accepted_without_the_setting(
    world: World, bot_database: str | None
) -> None:
    """No OVERSEERR_WEBHOOK_TOKEN: one is generated, kept across restarts, and webhooks use it."""
    plex_people(world)
    settings = world.settings(overseerr_webhook_token=None, database_url=bot_database)
    async with bot_running(settings) as bot:
        token = agent_of(bot).token
        assert len(token) >= 40
        assert await post_test(bot, token) == 200
        assert await post_test(bot, None) == 401
        assert await post_test(bot, "Bearer " + token) == 401
        assert [row.value for row in await KeyValue.filter(key=TOKEN_KEY)] == [token]
    async with bot_running(settings) as bot:
        assert agent_of(bot).token == token
        assert await post_test(bot, token) == 200
    # The setting, when given, wins over the stored token.
    with_setting = world.settings(database_url=bot_database)
    async with bot_running(with_setting) as bot:
        assert agent_of(bot).token == WEBHOOK_TOKEN
        assert await post_test(bot, WEBHOOK_TOKEN) == 200
        assert await post_test(bot, token) == 401
