"""Digest times in a time zone, across daylight-saving changes; bad inputs stored nowhere."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.errors import InvalidInput
from bot.services.announce.schedule import Schedule, ScheduleStore, parse_time, parse_zone
from storage.models import KeyValue

SUNDAY_EVENING_PARIS = Schedule("weekly", day=6, at=time(18, 0), zone="Europe/Paris")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_weekly_digest_follows_paris_across_the_spring_change() -> None:
    """18:00 in Paris is 17:00 UTC before 29 March 2026 and 16:00 UTC on and after it."""
    assert SUNDAY_EVENING_PARIS.last_due(utc(2026, 3, 29, 16, 30)) == utc(2026, 3, 29, 16, 0)
    assert SUNDAY_EVENING_PARIS.last_due(utc(2026, 3, 29, 15, 59)) == utc(2026, 3, 22, 17, 0)
    assert SUNDAY_EVENING_PARIS.last_due(utc(2026, 3, 28, 12, 0)) == utc(2026, 3, 22, 17, 0)


def test_daily_digest_across_the_autumn_change_in_new_york() -> None:
    """08:00 in New York is 12:00 UTC in summer and 13:00 UTC after 1 November 2026."""
    daily = Schedule("daily", at=time(8, 0), zone="America/New_York")
    assert daily.last_due(utc(2026, 10, 31, 12, 30)) == utc(2026, 10, 31, 12, 0)
    assert daily.last_due(utc(2026, 11, 1, 12, 30)) == utc(2026, 10, 31, 12, 0)
    assert daily.last_due(utc(2026, 11, 1, 13, 0)) == utc(2026, 11, 1, 13, 0)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("24:00", "“24:00” isn't a time: use the 24-hour clock, like 18:30."),
        ("18:60", "“18:60” isn't a time: use the 24-hour clock, like 18:30."),
        ("-1:00", "“-1:00” isn't a time: use the 24-hour clock, like 18:30."),
        ("", "“” isn't a time: use the 24-hour clock, like 18:30."),
    ],
)
def test_bad_times_say_what_to_type(text: str, line: str) -> None:
    """Each bad time gets the same clear line."""
    with pytest.raises(InvalidInput) as caught:
        parse_time(text)
    assert caught.value.message == line


def test_times_and_zones_that_are_fine() -> None:
    """18:30, 7.05 and 09h15 are times; IANA names are zones."""
    assert parse_time("18:30") == time(18, 30)
    assert parse_time(" 7.05 ") == time(7, 5)
    assert parse_time("09h15") == time(9, 15)
    assert parse_zone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(InvalidInput):
        parse_zone("Europe/Nowhere")


async def test_a_bad_value_stores_nothing(db: str) -> None:
    """A bad mode, day, time or zone leaves every stored value as it was."""
    store = ScheduleStore()
    await store.save("daily", at="07:00", zone="Europe/Paris")
    before = {r.key: r.value for r in await KeyValue.all()}
    for kwargs in (
        {"mode": "hourly"},
        {"mode": "weekly", "day": "7"},
        {"mode": "weekly", "at": "25:00"},
        {"mode": "weekly", "zone": "Mars/Olympus"},
    ):
        with pytest.raises(InvalidInput):
            await store.save(**kwargs)  # type: ignore[arg-type]
    assert {r.key: r.value for r in await KeyValue.all()} == before
    assert (await store.load()).describe().english() == "daily at 07:00 (Europe/Paris)"
