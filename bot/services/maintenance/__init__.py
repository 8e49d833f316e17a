"""Mutes and maintenance windows: when a service's alerts are held back (issue 25).

`build_maintenance` is the one place it is built; the health monitor asks `silenced`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.maintenance.service import Maintenance, now
from bot.services.maintenance.windows import Kind, Window

__all__ = ["Kind", "Maintenance", "Window", "build_maintenance"]


def build_maintenance(
    services: Callable[[], Iterable[str]], zone: ZoneInfo, clock: Callable[[], datetime] = now
) -> Maintenance:
    """The maintenance service for the monitored `services` in the server's time zone."""
    return Maintenance(services, zone, clock)
