"""Redis stops and starts again under a running bot: limits fail open, admins hear it once."""

from __future__ import annotations

import logging

import pytest

from bot.app import MediaNest
from tests.faults.servers import redis_server
from tests.harness import HEALTH, World, bot_running

FALLBACK = "rate limits use this process's memory for now"


async def health_round(bot: MediaNest) -> None:
    """One scheduled health round, with the confirmation re-checks made at once."""
    bot.services.health.policy.confirm_every = 0.01
    await bot.services.health.check_round()


def health_posts(world: World, word: str) -> list[str]:
    return [m["content"] for m in world.discord.channel_messages(HEALTH) if word in m["content"]]


async def test_commands_are_answered_while_redis_is_down_and_limits_return_to_redis(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """With Redis stopped, /help still answers (memory limits, one warning); back on Redis after."""
    alice = world.users["alice"]
    async with redis_server() as redis, bot_running(world.settings(redis_url=redis.url)) as bot:
        limiter = bot.services.limiter
        reply = await (await world.discord.slash(alice, "help")).response()
        assert reply["data"]["embeds"]
        assert not limiter.degraded

        await redis.stop()
        caplog.set_level(logging.WARNING, logger="bot.services.ratelimit")
        for _ in range(3):
            reply = await (await world.discord.slash(alice, "help")).response()
            assert reply["data"]["embeds"][0]["title"] == "MediaNest"
        assert limiter.degraded
        assert [r.message for r in caplog.records].count(
            next(r.message for r in caplog.records if FALLBACK in r.message)
        ) == 1

        await health_round(bot)
        await world.discord.wait_for_message(lambda m: "**redis** is down" in m["content"])

        await redis.start()
        await health_round(bot)
        await world.discord.wait_for_message(lambda m: "**redis** is back up" in m["content"])
        assert not limiter.degraded
        reply = await (await world.discord.slash(alice, "help")).response()
        assert reply["data"]["embeds"]
        assert len(health_posts(world, "**redis** is down")) == 1
        assert len(health_posts(world, "**redis** is back up")) == 1


async def test_the_spam_guard_still_counts_in_memory_while_redis_is_down(world: World) -> None:
    """Failing open is not failing off: past 20 commands a minute the member is refused."""
    alice = world.users["alice"]
    async with redis_server() as redis, bot_running(world.settings(redis_url=redis.url)) as bot:
        await redis.stop()
        for _ in range(20):
            await (await world.discord.slash(alice, "help")).response()
        refused = await (await world.discord.slash(alice, "help")).response()
        assert refused["data"]["content"].startswith("You're sending commands too fast.")
        assert bot.services.limiter.degraded
