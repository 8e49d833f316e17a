"""Mutes and windows: weekly windows across DST changes, and every mistake refused with its line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidInput
from bot.i18n.catalogs import language
from bot.services.maintenance import Maintenance, build_maintenance
from storage.models import MaintenanceWindow
from tests.services.test_maintenance import ADMIN, BERLIN, START, Clock

SUNDAY = 6


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def maintenance(db: str) -> Maintenance:
    return build_maintenance(lambda: ["plex", "database"], BERLIN, Clock(START))


async def refused(call: object, line: str) -> None:
    """The call raises InvalidInput with exactly `line`, and no window is stored."""
    before = await MaintenanceWindow.all().count()
    with pytest.raises(InvalidInput) as caught:
        await call  # type: ignore[misc]
    assert caught.value.message == line
    assert await MaintenanceWindow.all().count() == before


async def test_a_weekly_window_keeps_its_wall_clock_across_spring_forward(
    maintenance: Maintenance,
) -> None:
    """Sundays 03:00-04:00 Berlin: 02:00-03:00 UTC before 29 March 2026, 01:00-02:00 on it."""
    await maintenance.add_weekly("plex", SUNDAY, "03:00", "04:00", ADMIN)
    assert maintenance.silenced("plex", at("2026-03-22 02:30"))
    assert not maintenance.silenced("plex", at("2026-03-22 01:30"))
    assert maintenance.silenced("plex", at("2026-03-29 01:30"))
    assert not maintenance.silenced("plex", at("2026-03-29 02:30"))
    assert not maintenance.silenced("plex", at("2026-03-29 02:00"))  # the end is not inside
    assert not maintenance.silenced("database", at("2026-03-29 01:30"))  # other services alert


async def test_a_weekly_window_keeps_its_wall_clock_across_fall_back(
    maintenance: Maintenance,
) -> None:
    """Sundays 03:00-04:00 Berlin: 01:00-02:00 UTC on 18 October 2026, 02:00-03:00 on the 25th."""
    await maintenance.add_weekly("plex", SUNDAY, "03:00", "04:00", ADMIN)
    assert maintenance.silenced("plex", at("2026-10-18 01:30"))
    assert not maintenance.silenced("plex", at("2026-10-18 02:30"))
    assert maintenance.silenced("plex", at("2026-10-25 02:30"))
    assert not maintenance.silenced("plex", at("2026-10-25 01:30"))


async def test_the_hours_a_dst_change_skips_or_repeats(maintenance: Maintenance) -> None:
    """Sundays 02:00-03:00 Berlin: empty on 29 March (no such hour), both 02:xx on 25 October."""
    await maintenance.add_weekly("plex", SUNDAY, "02:00", "03:00", ADMIN)
    for moment in ("2026-03-29 00:30", "2026-03-29 01:00", "2026-03-29 01:30"):
        assert not maintenance.silenced("plex", at(moment)), moment
    assert maintenance.silenced("plex", at("2026-10-25 00:30"))  # 02:30 summer time
    assert maintenance.silenced("plex", at("2026-10-25 01:30"))  # 02:30 winter time
    assert not maintenance.silenced("plex", at("2026-10-25 02:00"))


SATURDAY = 5


async def test_a_weekly_window_past_midnight_spans_into_the_next_day(
    maintenance: Maintenance,
) -> None:
    """Saturdays 23:00-01:00 Berlin: 22:00-00:00 UTC in winter, 21:00-23:00 in summer; listed
    as it was typed, and a Sunday window inside it overlaps while one after it does not."""
    window = await maintenance.add_weekly("plex", SATURDAY, "23:00", "01:00", ADMIN)
    assert window.describe().english() == "every Saturday 23:00–01:00"
    assert language("de").render(window.describe()) == "jeden Samstag 23:00–01:00"
    assert maintenance.silenced("plex", at("2026-01-10 22:30"))  # Sat 23:30 CET
    assert maintenance.silenced("plex", at("2026-01-10 23:59"))  # Sun 00:59 CET
    assert not maintenance.silenced("plex", at("2026-01-11 00:00"))  # Sun 01:00: over
    assert not maintenance.silenced("plex", at("2026-01-10 21:59"))
    assert maintenance.silenced("plex", at("2026-07-11 21:30"))  # Sat 23:30 CEST
    assert not maintenance.silenced("plex", at("2026-07-11 23:00"))  # Sun 01:00 CEST
    line = (
        f"That overlaps window #{window.id} of **plex** (every Saturday 23:00–01:00). "
        "Remove it with `/maintenance remove` or pick another time."
    )
    await refused(maintenance.add_weekly("plex", SUNDAY, "00:30", "02:00", ADMIN), line)
    await refused(maintenance.add_weekly("plex", SATURDAY, "22:00", "23:30", ADMIN), line)
    await maintenance.add_weekly("plex", SUNDAY, "01:00", "02:00", ADMIN)  # touching


async def test_a_window_past_midnight_across_dst_changes(maintenance: Maintenance) -> None:
    """Saturday 23:00 to Sunday 03:30 Berlin keeps its wall clock on both change nights: one
    hour shorter on 28/29 March 2026, one hour longer on 24/25 October."""
    await maintenance.add_weekly("plex", SATURDAY, "23:00", "03:30", ADMIN)
    assert maintenance.silenced("plex", at("2026-03-28 22:00"))  # Sat 23:00 CET
    assert maintenance.silenced("plex", at("2026-03-29 01:29"))  # Sun 03:29 CEST
    assert not maintenance.silenced("plex", at("2026-03-29 01:30"))  # Sun 03:30 CEST
    assert maintenance.silenced("plex", at("2026-10-24 21:00"))  # Sat 23:00 CEST
    assert maintenance.silenced("plex", at("2026-10-25 02:29"))  # Sun 03:29 CET
    assert not maintenance.silenced("plex", at("2026-10-25 02:30"))  # Sun 03:30 CET
    assert not maintenance.silenced("plex", at("2026-10-24 20:59"))


async def test_a_sunday_window_past_midnight_reaches_monday(maintenance: Maintenance) -> None:
    """Sunday 23:00-01:00 ends on Monday (the week wraps): it holds Monday 00:30 and
    overlaps a Monday 00:00 window."""
    window = await maintenance.add_weekly("plex", SUNDAY, "23:00", "01:00", ADMIN)
    assert maintenance.silenced("plex", at("2026-06-07 22:30"))  # Mon 00:30 CEST
    await refused(
        maintenance.add_weekly("plex", 0, "00:00", "00:30", ADMIN),
        f"That overlaps window #{window.id} of **plex** (every Sunday 23:00–01:00). "
        "Remove it with `/maintenance remove` or pick another time.",
    )


async def test_mute_lengths(maintenance: Maintenance) -> None:
    """`90m`, `1h 30m`, `until tomorrow 08:00` (Berlin): the expected end; one mute kept; `now`."""
    assert (await maintenance.mute("plex", "90m", ADMIN)).ends_at == START + timedelta(minutes=90)
    assert (await maintenance.mute("plex", "1h 30m", ADMIN)).ends_at == START + timedelta(hours=1.5)
    until = await maintenance.mute("plex", "until tomorrow 08:00", ADMIN)
    assert until.ends_at == at("2026-06-02 06:00")
    until = await maintenance.mute("plex", "until 09:00", ADMIN)  # 09:00 today has passed (12:00)
    assert until.ends_at == at("2026-06-02 07:00")
    assert await MaintenanceWindow.filter(kind="mute").count() == 1
    once = await maintenance.add_once("plex", "now", "13:00", ADMIN)
    assert (once.starts_at, once.ends_at) == (START, at("2026-06-01 11:00"))


@pytest.mark.parametrize(
    ("length", "line"),
    [
        ("0", "A mute must last at least 1 minute: try `30m`, `2h` or `until tomorrow 08:00`."),
        ("0h", "A mute must last at least 1 minute: try `30m`, `2h` or `until tomorrow 08:00`."),
        ("-1h", "A mute can't last a negative time: try `30m`, `2h` or `until tomorrow 08:00`."),
        ("999y", "A mute can last at most 30 days. For a longer break, use `/maintenance once`."),
        (
            "99999999999999999999d",
            "A mute can last at most 30 days. For a longer break, use `/maintenance once`.",
        ),
        ("5", "Add a unit to `5`: `5m` for minutes, `5h` for hours or `5d` for days."),
        (
            "soon",
            "I can't read `soon` as a length of time: try `30m`, `2h` or `until tomorrow 08:00`.",
        ),
        (
            "until someday 08:00",
            "I can't read `someday 08:00` as a time: "
            "use `HH:MM`, `tomorrow HH:MM` or `YYYY-MM-DD HH:MM`.",
        ),
        ("until 2026-05-01 08:00", "2026-05-01 08:00 has already passed: pick a later time."),
        (
            "until 25:00",
            "I can't read `25:00` as a time of day: use 24-hour `HH:MM`, e.g. `03:00`.",
        ),
    ],
)
async def test_bad_mute_lengths_are_refused(
    maintenance: Maintenance, length: str, line: str
) -> None:
    """Each bad length gets its own clear line, and nothing is stored."""
    await refused(maintenance.mute("plex", length, ADMIN), line)


async def test_windows_that_end_before_they_start_are_refused(maintenance: Maintenance) -> None:
    """One-off and weekly windows ending before (or as) they start, or already over: refused."""
    await refused(
        maintenance.add_once("plex", "2026-06-02 12:00", "2026-06-02 11:00", ADMIN),
        "A window must end after it starts (2026-06-02 12:00 → 2026-06-02 11:00).",
    )
    await refused(
        maintenance.add_once("plex", "tomorrow 03:00", "03:00", ADMIN),
        "A window must end after it starts (2026-06-02 03:00 → 2026-06-02 03:00).",
    )
    for start, end in (("03:00", "03:00"), ("24:00", "00:00")):
        await refused(
            maintenance.add_weekly("plex", SUNDAY, start, end, ADMIN),
            f"A window can't start and end at the same time ({start} → {end}). "
            "One that ends before it starts, e.g. `23:00` → `01:00`, runs past midnight.",
        )
    await refused(
        maintenance.add_once("plex", "09:00", "11:00", ADMIN),
        "That window is already over (2026-06-01 11:00).",
    )
    await refused(
        maintenance.add_once("plex", "2026-06-02 00:00", "2026-07-03 00:00", ADMIN),
        "A one-off window can last at most 30 days.",
    )


async def test_overlapping_windows_are_refused(maintenance: Maintenance) -> None:
    """A window overlapping another of the same service is refused; touching ones are fine."""
    weekly = await maintenance.add_weekly("plex", SUNDAY, "03:00", "04:00", ADMIN)
    line = (
        f"That overlaps window #{weekly.id} of **plex** (every Sunday 03:00–04:00). "
        "Remove it with `/maintenance remove` or pick another time."
    )
    await refused(maintenance.add_weekly("plex", SUNDAY, "03:30", "05:00", ADMIN), line)
    await refused(maintenance.add_once("plex", "2026-06-07 02:00", "03:30", ADMIN), line)
    await maintenance.add_weekly("plex", SUNDAY, "04:00", "05:00", ADMIN)  # touching
    await maintenance.add_weekly("database", SUNDAY, "03:00", "04:00", ADMIN)  # other service
    once = await maintenance.add_once("plex", "2026-06-03 01:00", "02:00", ADMIN)
    stamps = f"<t:{int(at('2026-06-02 23:00').timestamp())}:f> to "
    stamps += f"<t:{int(at('2026-06-03 00:00').timestamp())}:f>"
    await refused(
        maintenance.add_once("plex", "2026-06-03 01:30", "03:00", ADMIN),
        f"That overlaps window #{once.id} of **plex** ({stamps}). "
        "Remove it with `/maintenance remove` or pick another time.",
    )
    assert await MaintenanceWindow.all().count() == 4


async def test_unknown_services_and_windows_are_refused(maintenance: Maintenance) -> None:
    """A service the bot does not check, or a window number that does not exist: refused."""
    line = "There is no service called `jellyfin`. Pick one of: database, plex."
    await refused(maintenance.mute("jellyfin", "1h", ADMIN), line)
    await refused(maintenance.add_weekly("jellyfin", SUNDAY, "03:00", "04:00", ADMIN), line)
    await refused(maintenance.add_once("jellyfin", "13:00", "14:00", ADMIN), line)
    await refused(
        maintenance.remove(42),
        "There is no maintenance window or mute #42. `/maintenance list` shows them.",
    )
