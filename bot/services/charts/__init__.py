"""Charts for Discord embeds, drawn with matplotlib in one shared dark style.

Each chart is a function decorated with `style.chart` that draws on a Figure and returns
PNG bytes; `style.in_thread` runs it off the event loop.
"""

from __future__ import annotations

from bot.services.charts.requests import requests_chart
from bot.services.charts.style import in_thread
from bot.services.charts.uptime import uptime_chart

__all__ = ["in_thread", "requests_chart", "uptime_chart"]
