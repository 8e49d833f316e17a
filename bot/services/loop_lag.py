"""How late the event loop wakes up: a sign of blocking calls (on /status and /metrics)."""

from __future__ import annotations

import asyncio


class LoopLag:
    """Measures how late the event loop wakes up: a sign of blocking calls."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.last_ms = 0.0
        self.max_ms = 0.0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval)
            self.last_ms = max(0.0, (loop.time() - start - self.interval) * 1000)
            self.max_ms = max(self.max_ms, self.last_ms)
