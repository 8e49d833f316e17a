"""Charts for Discord embeds, drawn with matplotlib in one shared dark style.

Each chart is a function decorated with `style.chart` that draws on a Figure and returns
PNG bytes; `in_thread` runs it off the event loop. matplotlib (with numpy and Pillow, about
40 MiB resident) is imported by the first chart drawn, in its worker thread, not at start-up:
most bots draw none for hours, some never.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import ParamSpec

P = ParamSpec("P")

__all__ = ["in_thread", "requests_chart", "uptime_chart"]


def requests_chart(
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[int]],
    hours_to_available: Mapping[str, Sequence[float]],
    unit: str,
) -> bytes:
    """PNG: requests per `unit` stacked by outcome, and time to available by media type."""
    from bot.services.charts.requests import requests_chart as draw

    return draw(labels, stacks, hours_to_available, unit)


def uptime_chart(rows: Mapping[str, Sequence[float | None]], last_hour: datetime) -> bytes:
    """PNG: each service's uptime per hour."""
    from bot.services.charts.uptime import uptime_chart as draw

    return draw(rows, last_hour)


async def in_thread(render: Callable[P, bytes], *args: P.args, **kwargs: P.kwargs) -> bytes:
    """Render a chart in a worker thread so the event loop keeps answering meanwhile."""
    return await asyncio.to_thread(render, *args, **kwargs)
