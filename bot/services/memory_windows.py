"""Moving-window rate limits in this process's memory, as cheap with 5,000 members as with 5.

The arithmetic is `limits`' own (`MovingWindowRateLimiter` on `MemoryStorage`): a use is
refused when the `limit`-th newest use in the key is still inside the window, and the
window's stats count the uses newer than `now - expiry`. What differs is the upkeep:
`limits`' async memory storage starts a sweep of every key on each hit (one
`asyncio.to_thread` call per key), so each command cost more as more members were seen.
Here a key keeps only its newest `limit` uses (older ones can never decide anything), and
keys whose uses have all expired are dropped once per `SWEEP_EVERY` seconds.
"""

from __future__ import annotations

import time

from limits import RateLimitItem
from limits.util import WindowStats

SWEEP_EVERY = 60.0  # seconds between drops of expired keys: O(keys) once, not per hit


class Window:
    """One key's newest uses (oldest first, at most `limit`) and its window in seconds."""

    __slots__ = ("expiry", "limit", "uses")

    def __init__(self, limit: int, expiry: int) -> None:
        self.uses: list[float] = []  # a list of a few floats: far smaller than a deque
        self.limit = limit
        self.expiry = expiry


class MemoryWindows:
    """`hit`, `get_window_stats` and `clear` of `limits`' moving window, kept in a dict."""

    def __init__(self) -> None:
        self.windows: dict[str, Window] = {}
        self._next_sweep = time.monotonic() + SWEEP_EVERY

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Count one use unless `item.amount` uses are already inside the window."""
        key = item.key_for(*identifiers)
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = Window(item.amount, item.get_expiry())
        now = time.time()
        uses = window.uses
        if len(uses) >= window.limit and uses[0] >= now - window.expiry:
            return False
        uses.append(now)
        if len(uses) > window.limit:
            del uses[0]
        if time.monotonic() >= self._next_sweep:
            self._sweep(now)
        return True

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """When the oldest use in the window leaves it, and how many uses are left."""
        expiry = item.get_expiry()
        now = time.time()
        window = self.windows.get(item.key_for(*identifiers))
        inside = [t for t in window.uses if t > now - expiry] if window else []
        if not inside:
            return WindowStats(now + expiry, item.amount)
        return WindowStats(inside[0] + expiry, item.amount - len(inside))

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        """Forget the uses of this key."""
        self.windows.pop(item.key_for(*identifiers), None)

    def _sweep(self, now: float) -> None:
        """Drop the keys whose newest use has left the window."""
        expired = [k for k, w in self.windows.items() if not w.uses or w.uses[-1] <= now - w.expiry]
        for key in expired:
            del self.windows[key]
        self._next_sweep = time.monotonic() + SWEEP_EVERY
