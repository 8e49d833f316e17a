"""`eventually`: the one polling helper for "wait until this holds" in tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from storage.models import OutboxMessage, OutboxStatus

T = TypeVar("T")
POLL = 0.02


async def eventually(check: Callable[[], Awaitable[T] | T], timeout: float = 5.0) -> T:
    """Poll `check()` (sync or async) until it returns something truthy, and return that.

    Fails with AssertionError after `timeout` seconds. Prefer awaiting an event where the
    code under test offers one; this is for state only visible by looking (rows, files).
    """
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = check()
                if isinstance(result, Awaitable):
                    result = await result
                if result:
                    return result  # type: ignore[return-value]
                await asyncio.sleep(POLL)
    except TimeoutError:
        raise AssertionError(f"not true within {timeout} s: {check!r}") from None


async def outbox_drained(timeout: float = 5.0) -> None:
    """Wait until every queued DM and post was sent (or given up on).

    What happened before this call has then shown everything it will: a test that proves
    "no second DM" waits for this instead of sleeping a guessed while.
    """

    async def drained() -> bool:
        return await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 0

    await eventually(drained, timeout)
