"""Rate limits per user and command, on the `limits` library (memory, or Redis to share)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from bot.errors import RateLimited

log = logging.getLogger(__name__)

COMMAND_SPAM = "20/minute"


def storage_url(redis_url: str | None) -> str:
    """The `limits` storage URI: Redis when REDIS_URL is set, else this process's memory."""
    if not redis_url:
        return "async+memory://"
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


class RateLimiter:
    """Moving-window limits keyed by a name (e.g. "request") and an identity (e.g. a user id)."""

    def __init__(self, redis_url: str | None = None, *, prefix: str = "medianest") -> None:
        self.storage = storage_from_string(storage_url(redis_url), key_prefix=prefix)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.refusals = 0

    async def hit(self, name: str, rate: str, identity: str | int, *, what: str = "that") -> None:
        """Count one use; raise RateLimited (with when to retry) if any rule in `rate` is spent."""
        for item in parse_many(rate):
            if not await self.limiter.hit(item, name, str(identity)):
                self.refusals += 1
                raise RateLimited(await self.retry_at(item, name, identity), what)

    async def retry_at(self, item: RateLimitItem, name: str, identity: str | int) -> datetime:
        """When the next use will be allowed again."""
        stats = await self.limiter.get_window_stats(item, name, str(identity))
        return datetime.fromtimestamp(stats.reset_time, UTC)

    async def remaining(self, name: str, rate: str, identity: str | int) -> int:
        """How many uses are left under the tightest rule."""
        left = []
        for item in parse_many(rate):
            stats = await self.limiter.get_window_stats(item, name, str(identity))
            left.append(stats.remaining)
        return min(left)

    async def reset(self, name: str, rate: str, identity: str | int) -> None:
        """Forget the uses counted for this identity (an admin's reset)."""
        for item in parse_many(rate):
            await self.limiter.clear(item, name, str(identity))

    async def healthy(self) -> bool:
        """Whether the storage answers (a PING for Redis)."""
        return bool(await self.storage.check())  # type: ignore[misc]
