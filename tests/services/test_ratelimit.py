"""Rate limits on in-process memory and on Redis (shared by several bot processes)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.errors import RateLimited
from bot.services.ratelimit import RateLimiter, storage_url
from tests.conftest import REDIS_URL


async def redis_reachable() -> bool:
    try:
        return await RateLimiter(REDIS_URL, prefix="probe").healthy()
    except Exception:
        return False


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """None for memory, or the Redis URL; Redis cases skip with a reason when unreachable."""
    if request.param == "memory":
        yield None
        return
    if not await redis_reachable():
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    yield REDIS_URL


def fresh_prefix() -> str:
    return f"test-{secrets.token_hex(4)}"


async def test_limit_refuses_the_extra_use_and_says_when(backend: str | None) -> None:
    """The (n+1)th use within the window is refused with a retry time inside the window."""
    limiter = RateLimiter(backend, prefix=fresh_prefix())
    for _ in range(3):
        await limiter.hit("request", "3/hour", 42)
    before = time.time()
    with pytest.raises(RateLimited) as info:
        await limiter.hit("request", "3/hour", 42)
    retry_at = info.value.retry_at
    assert before < retry_at.timestamp() <= before + 3600 + 1
    assert info.value.message == (
        f"You're doing that too often. Try again <t:{int(retry_at.timestamp())}:R>."
    )
    assert limiter.refusals == 1


async def test_limits_are_per_user_and_per_command(backend: str | None) -> None:
    """One user's spent limit does not touch another user or another command."""
    limiter = RateLimiter(backend, prefix=fresh_prefix())
    await limiter.hit("request", "1/hour", 1)
    await limiter.hit("request", "1/hour", 2)
    await limiter.hit("youtube", "1/hour", 1)
    with pytest.raises(RateLimited):
        await limiter.hit("request", "1/hour", 1)
    assert await limiter.remaining("youtube", "1/hour", 2) == 1


async def test_reset_gives_the_uses_back(backend: str | None) -> None:
    """After a reset the user may use the command again at once."""
    limiter = RateLimiter(backend, prefix=fresh_prefix())
    await limiter.hit("request", "1/day", 7)
    with pytest.raises(RateLimited):
        await limiter.hit("request", "1/day", 7)
    await limiter.reset("request", "1/day", 7)
    await limiter.hit("request", "1/day", 7)


async def test_window_moves_and_frees_a_use(backend: str | None) -> None:
    """Once the oldest use leaves the moving window, a new use is allowed."""
    limiter = RateLimiter(backend, prefix=fresh_prefix())
    await limiter.hit("spam", "1/second", 9)
    with pytest.raises(RateLimited) as info:
        await limiter.hit("spam", "1/second", 9)
    wait = (info.value.retry_at - datetime.now(UTC)).total_seconds()
    assert 0 < wait <= 1.05
    await asyncio.sleep(max(wait, 0) + 0.05)
    await limiter.hit("spam", "1/second", 9)


async def test_two_processes_share_one_limit_through_redis() -> None:
    """Two limiters on the same Redis (two bot processes) count against one limit."""
    if not await redis_reachable():
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    prefix = fresh_prefix()
    first, second = RateLimiter(REDIS_URL, prefix=prefix), RateLimiter(REDIS_URL, prefix=prefix)
    await first.hit("request", "2/hour", 5)
    await second.hit("request", "2/hour", 5)
    with pytest.raises(RateLimited):
        await first.hit("request", "2/hour", 5)


def test_storage_url_uses_memory_without_redis() -> None:
    """No REDIS_URL means in-memory limits; a redis:// URL becomes the async driver's URI."""
    assert storage_url(None) == "async+memory://"
    assert storage_url("redis://h:6379/0") == "async+redis://h:6379/0"
