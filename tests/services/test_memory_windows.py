"""The in-process moving windows keep a bounded amount per member, whatever the traffic."""

from __future__ import annotations

import asyncio

from limits import parse

from bot.services.memory_windows import MemoryWindows


def test_a_key_keeps_at_most_its_limit_of_uses() -> None:
    """A hundred tries under "3/hour" allow three and leave three timestamps, not a hundred."""
    windows = MemoryWindows()
    item = parse("3/hour")
    allowed = [windows.hit(item, "request", "42") for _ in range(100)]
    assert allowed.count(True) == 3 and allowed[:3] == [True] * 3
    (window,) = windows.windows.values()
    assert len(window.uses) == 3
    assert windows.get_window_stats(item, "request", "42").remaining == 0


async def test_keys_whose_uses_expired_are_dropped_by_the_sweep() -> None:
    """Once a member's uses have left the window, the next sweep forgets the member."""
    windows = MemoryWindows()
    item = parse("1/second")
    for member in range(50):
        assert windows.hit(item, "command", str(member))
    await asyncio.sleep(1.05)
    windows._next_sweep = 0.0  # the sweep is due (it runs once a minute)
    assert windows.hit(item, "command", "new")
    assert list(windows.windows) == [item.key_for("command", "new")]
