"""The whole bot, end to end: config → storage → web → a real discord.py client on the fakes."""

from __future__ import annotations

import gc

import aiohttp
import discord
from discord import app_commands

from bot.errors import InvalidInput
from bot.logs import secret_filter
from bot.services.ratelimit import COMMAND_SPAM
from bot.services.webhook_agent import WebhookAgentSetup
from storage.models import ErrorEvent
from tests.harness import ADMIN_ID, World, bot_running


async def test_bot_boots_syncs_commands_to_the_guild_and_answers_help(world: World) -> None:
    """The bot connects, syncs its commands to DISCORD_GUILD_ID and answers /help privately."""
    async with bot_running(world.settings()):
        synced = world.discord.commands(world.discord.guild_id)
        assert "help" in {c["name"] for c in synced}
        interaction = await world.discord.slash(world.users["alice"], "help")
        reply = await interaction.response()
        assert interaction.ephemeral
        embed = reply["data"]["embeds"][0]
        assert "`/help` — Show what MediaNest can do for you." in embed["description"]
        assert "fields" not in embed or not embed["fields"]


async def test_help_shows_admins_what_is_not_set_up(world: World) -> None:
    """An admin's /help also lists the features that are switched off and why."""
    async with bot_running(world.settings()):
        interaction = await world.discord.slash(world.users["admin"], "help")
        embed = (await interaction.response())["data"]["embeds"][0]
        assert embed["fields"][0]["name"] == "Not set up"
        assert "YOUTUBE_DOWNLOAD_DIR" in embed["fields"][0]["value"]


async def test_help_hides_admin_group_commands_from_members(world: World) -> None:
    """`/admin errors` (its group is admin-only) is listed to an admin, not to a plain member."""
    async with bot_running(world.settings()):
        member = await world.discord.slash(world.users["alice"], "help")
        admin = await world.discord.slash(world.users["admin"], "help")
        member_text = (await member.response())["data"]["embeds"][0]["description"]
        admin_text = (await admin.response())["data"]["embeds"][0]["description"]
        assert "`/admin errors`" in admin_text
        assert "`/admin" not in member_text
        assert "`/setup`" not in member_text
        assert "`/help` — Show what MediaNest can do for you." in member_text


async def test_help_lists_a_command_added_after_it_was_first_built(world: World) -> None:
    """/help is built once, but a command added later (an extension loaded) is listed."""
    async with bot_running(world.settings()) as bot:
        first = await world.discord.slash(world.users["alice"], "help")
        assert "`/later`" not in (await first.response())["data"]["embeds"][0]["description"]

        @app_commands.command(name="later")
        async def later(interaction: discord.Interaction) -> None:
            """Arrived after start-up."""

        bot.tree.add_command(later)
        again = await world.discord.slash(world.users["bob"], "help")
        text = (await again.response())["data"]["embeds"][0]["description"]
        assert "`/later` — Arrived after start-up." in text


async def test_readyz_reports_discord_and_database(world: World) -> None:
    """/readyz on the bot's own web server is 200 once the gateway is connected."""
    async with bot_running(world.settings()) as bot:
        url = f"http://127.0.0.1:{bot.web_port}/readyz"
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200
            assert await resp.json() == {
                "ready": True,
                "checks": {
                    "discord": True,
                    "database": True,
                    "plex": True,
                    "overseerr": True,
                    "disk": True,
                },
                "role": "single",  # SQLite: one process (leader or standby on PostgreSQL)
            }


async def test_unexpected_error_shows_a_correlation_id_and_is_stored(world: World) -> None:
    """A crash in a command gives the user an id to quote; the same id is logged and stored."""
    async with bot_running(world.settings()) as bot:

        @app_commands.command(name="explode")
        async def explode(interaction) -> None:  # type: ignore[no-untyped-def]
            """Fail on purpose."""
            raise RuntimeError("kaboom")

        bot.tree.add_command(explode)
        await bot.sync_commands()
        interaction = await world.discord.slash(world.users["alice"], "explode")
        reply = await interaction.response()
        assert interaction.ephemeral
        content = reply["data"]["content"]
        assert content.startswith("Sorry, something went wrong on our side.")
        event = await ErrorEvent.get()
        assert f"**{event.correlation_id}**" in content
        assert event.command == "explode"
        assert event.discord_id == world.users["alice"].id
        assert event.error_type == "builtins.RuntimeError"
        assert event.message == "kaboom"
        assert "raise RuntimeError" in event.traceback


async def test_error_after_defer_is_sent_as_a_private_followup(world: World) -> None:
    """When the command already deferred, the error arrives as an ephemeral followup."""
    async with bot_running(world.settings()) as bot:

        @app_commands.command(name="slowfail")
        async def slowfail(interaction) -> None:  # type: ignore[no-untyped-def]
            """Defer, then fail."""
            await interaction.response.defer(ephemeral=True)
            raise InvalidInput("That season doesn't exist.")

        bot.tree.add_command(slowfail)
        await bot.sync_commands()
        interaction = await world.discord.slash(world.users["alice"], "slowfail")
        followup = await interaction.wait_followup()
        assert followup["content"] == "That season doesn't exist."
        assert followup["flags"] & 64
        assert await ErrorEvent.all().count() == 0


async def test_admin_ids_come_from_settings(world: World) -> None:
    """ADMIN_DISCORD_IDS makes a user an admin for the access checks."""
    async with bot_running(world.settings()) as bot:
        assert await bot.services.access.is_admin(ADMIN_ID)
        assert not await bot.services.access.is_admin(world.users["alice"].id)


async def test_command_spam_is_refused_with_when_to_retry(world: World) -> None:
    """Past the global per-user guard, a command is answered privately with a retry time."""
    alice = world.users["alice"]
    async with bot_running(world.settings()) as bot:
        limit = int(COMMAND_SPAM.split("/")[0])
        for _ in range(limit):
            await (await world.discord.slash(alice, "help")).response()
        refused = await world.discord.slash(alice, "help")
        content = (await refused.response())["data"]["content"]
        assert content.startswith("You're sending commands too fast. Try again <t:")
        assert refused.ephemeral
        assert bot.services.limiter.refusals == 1
        for _ in range(limit + 1):  # admins are exempt
            reply = await (await world.discord.slash(world.users["admin"], "help")).response()
            assert reply["data"]["embeds"]


async def test_start_up_objects_are_frozen_while_the_bot_runs(world: World) -> None:
    """The collector's full passes skip what start-up made while the bot runs; all back after."""
    async with bot_running(world.settings()) as bot:
        assert gc.get_freeze_count() > 100_000
        assert not any(o is bot.services for o in gc.get_objects())  # frozen: not in any generation
    assert gc.get_freeze_count() == 0


async def test_generated_secrets_are_masked_in_logs(world: World) -> None:
    """The webhook token and SECRET_KEY the bot generates are masked like configured ones."""
    saved = list(secret_filter.secrets)
    try:
        async with bot_running(world.settings(overseerr_webhook_token=None)) as bot:
            agent = bot.features.get(WebhookAgentSetup)
            assert agent is not None
            line = f"sent {agent.token} with {bot.services.secret_key}"
            assert secret_filter.mask(line) == "sent *** with ***"
    finally:
        secret_filter.secrets[:] = saved
