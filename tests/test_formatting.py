"""bot.formatting: the one duration/size formatter, numbers through Babel."""

from __future__ import annotations

from datetime import timedelta

from bot.formatting import duration, short_duration, size


def test_durations_read_as_people_say_them() -> None:
    """45 s, 12 min, 3 h 5 min, 2 d 4 h: the texts alerts and /status have always shown."""
    assert duration(timedelta(seconds=45)) == "45 s"
    assert duration(timedelta(minutes=12)) == "12 min"
    assert duration(timedelta(hours=3, minutes=5)) == "3 h 5 min"
    assert duration(timedelta(days=2, hours=4)) == "2 d 4 h"
    assert [short_duration(s) for s in (None, 2700, 19800, 276480)] == [
        "—",
        "45 min",
        "5.5 h",
        "3.2 d",
    ]


def test_sizes_and_the_locale_decimal_separator() -> None:
    """Sizes keep their one decimal; a German reader gets a decimal comma from Babel."""
    assert [size(n) for n in (200, 1536, 1.5 * 2**30)] == ["200 B", "1.5 KB", "1.5 GB"]
    assert size(1536, locale="de") == "1,5 KB"
    assert short_duration(19800, locale="de") == "5,5 h"
