"""Rate limits per user and command, on the `limits` library (memory, or Redis to share)."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from datetime import UTC, datetime
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from bot.errors import RateLimited
from bot.services.memory_windows import MemoryWindows

log = logging.getLogger(__name__)

COMMAND_SPAM = "20/minute"
SHARED_TIMEOUT = 1.0  # seconds a Redis call may take before we count on memory instead


@functools.lru_cache(maxsize=64)
def rules(rate: str) -> tuple[RateLimitItem, ...]:
    """The rules of a rate string such as "5/hour;20/day", parsed once per string."""
    return tuple(parse_many(rate))


def storage_url(redis_url: str | None) -> str:
    """The `limits` storage URI: Redis when REDIS_URL is set, else this process's memory."""
    if not redis_url:
        return "async+memory://"
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


class RateLimiter:
    """Moving-window limits keyed by a name (e.g. "request") and an identity (e.g. a user id).

    Without Redis the windows live in this process (`MemoryWindows`: the same moving window
    as `limits`, without its sweep of every key on each hit). With Redis, `limits` counts there
    and a Redis error fails open to this process's memory (one warning): a flood is less
    harmful than a bot that answers nobody. The next successful PING (the health probe's, or
    one tried every `retry_shared` seconds) switches back to Redis.
    """

    def __init__(
        self, redis_url: str | None = None, *, prefix: str = "medianest", retry_shared: float = 15.0
    ) -> None:
        self.local = MemoryWindows()
        self.shared: MovingWindowRateLimiter | None = None
        if redis_url:
            shared = storage_from_string(
                storage_url(redis_url), key_prefix=prefix, wrap_exceptions=True
            )
            self.shared = MovingWindowRateLimiter(shared)
        self.degraded_since: float | None = None
        self.retry_shared = retry_shared
        self.refusals = 0

    @property
    def degraded(self) -> bool:
        """Redis is configured but failed: limits are counted in this process for now."""
        return self.degraded_since is not None

    async def _use_shared(self) -> bool:
        """Whether to count on Redis now (it has not failed in the last `retry_shared` s)."""
        if self.degraded_since is not None:
            if time.monotonic() - self.degraded_since < self.retry_shared:
                return False
            try:
                async with asyncio.timeout(SHARED_TIMEOUT):
                    back = await self.healthy()
            except TimeoutError:
                back = False
            if not back:
                self.degraded_since = time.monotonic()
                return False
        return True

    async def _call(self, op: str, item: RateLimitItem, name: str, identity: str) -> Any:
        """One call (hit, get_window_stats, clear): on Redis, or in memory if Redis fails."""
        if self.shared is not None and await self._use_shared():
            try:
                # This timer is what bounds a hung Redis; beside the round trip its cost is small.
                async with asyncio.timeout(SHARED_TIMEOUT):
                    return await getattr(self.shared, op)(item, name, identity)
            except (StorageError, TimeoutError) as exc:
                self._fail_open(exc)
        return getattr(self.local, op)(item, name, identity)

    def _fail_open(self, exc: BaseException) -> None:
        if self.degraded_since is None:
            log.warning("Redis failed (%r): rate limits use this process's memory for now", exc)
        self.degraded_since = time.monotonic()

    async def hit(self, name: str, rate: str, identity: str | int, *, what: str = "that") -> None:
        """Count one use; raise RateLimited (with when to retry) if any rule in `rate` is spent."""
        who = str(identity)
        for item in rules(rate):
            if not await self._call("hit", item, name, who):
                self.refusals += 1
                raise RateLimited(await self.retry_at(item, name, who), what)

    async def retry_at(self, item: RateLimitItem, name: str, identity: str | int) -> datetime:
        """When the next use will be allowed again."""
        stats = await self._call("get_window_stats", item, name, str(identity))
        return datetime.fromtimestamp(stats.reset_time, UTC)

    async def remaining(self, name: str, rate: str, identity: str | int) -> int:
        """How many uses are left under the tightest rule."""
        who = str(identity)
        left = [(await self._call("get_window_stats", item, name, who)) for item in rules(rate)]
        return min(stats.remaining for stats in left)

    async def reset(self, name: str, rate: str, identity: str | int) -> None:
        """Forget the uses counted for this identity (an admin's reset)."""
        who = str(identity)
        for item in rules(rate):
            await self._call("clear", item, name, who)

    async def healthy(self) -> bool:
        """Whether the storage answers (a PING for Redis); a good answer ends the fallback."""
        if self.shared is None:
            return True
        ok = bool(await self.shared.storage.check())
        if ok and self.degraded_since is not None:
            log.warning("Redis answers again: rate limits are shared through it once more")
            self.degraded_since = None
        return ok
