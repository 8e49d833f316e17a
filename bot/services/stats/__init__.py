"""Dashboard figures read from stored rows: requests, members and YouTube downloads per period.

Every figure comes from tables (nothing kept in memory that a restart would lose), over a
`Window` of whole hours (24 hours) or whole UTC days (7 and 30 days) ending now.
"""

from __future__ import annotations

from bot.services.stats.period import Period, Window, window

__all__ = ["Period", "Window", "window"]
