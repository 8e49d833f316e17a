"""Durations, sizes and numbers as people read them: the one formatter for the whole bot.

Plain functions, each with an optional `locale` (a Babel locale name such as "de"; None is
English). Numbers go through Babel, so the decimal separator follows the locale; the unit
abbreviations are still English until the message catalogs translate them.
"""

from __future__ import annotations

from datetime import timedelta

from babel.numbers import format_decimal

DEFAULT_LOCALE = "en"
SIZE_UNITS = ("B", "KB", "MB", "GB", "TB")


def number(value: float, digits: int = 0, locale: str | None = None) -> str:
    """`value` with exactly `digits` decimals, without grouping: 1.5, 45."""
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(value, format=pattern, locale=locale or DEFAULT_LOCALE)


def size(count: float, locale: str | None = None) -> str:
    """A byte count: 1536 → "1.5 KB", 200 → "200 B"."""
    for unit in SIZE_UNITS:
        if abs(count) < 1024 or unit == SIZE_UNITS[-1]:
            return f"{number(count, 0 if unit == 'B' else 1, locale)} {unit}"
        count /= 1024
    raise AssertionError("unreachable: the last unit always returns")


def duration(delta: timedelta, locale: str | None = None) -> str:
    """A duration as people say it: 45 s, 12 min, 3 h 5 min, 2 d 4 h."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{number(seconds, 0, locale)} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{number(minutes, 0, locale)} min"
    if days == 0:
        return f"{number(hours, 0, locale)} h {number(minutes % 60, 0, locale)} min"
    return f"{number(days, 0, locale)} d {number(hours % 24, 0, locale)} h"


def short_duration(seconds: float | None, locale: str | None = None) -> str:
    """A duration in one unit, for tables: 45 min, 5.5 h, 3.2 d; a dash for none."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{number(seconds / 60, 0, locale)} min"
    if seconds < 2 * 86400:
        return f"{number(seconds / 3600, 1, locale)} h"
    return f"{number(seconds / 86400, 1, locale)} d"
