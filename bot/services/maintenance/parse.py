"""What admins type for mutes and windows: `1h`, `until tomorrow 08:00`, `2026-12-24 03:00`.

Every mistake is an `InvalidInput` whose message says what to type instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput
from bot.i18n import N_
from bot.services.maintenance.windows import DAY_MINUTES, local_instant

MAX_LENGTH = timedelta(days=30)
# What admins type stays English (`30m`, `until tomorrow 08:00`): translations keep it as is.
ZERO = N_("A mute must last at least 1 minute: try `30m`, `2h` or `until tomorrow 08:00`.")
NEGATIVE = N_("A mute can't last a negative time: try `30m`, `2h` or `until tomorrow 08:00`.")
TOO_LONG_MUTE = N_("A mute can last at most 30 days. For a longer break, use `/maintenance once`.")
UNREADABLE_DURATION = N_(
    "I can't read `{text}` as a length of time: try `30m`, `2h` or `until tomorrow 08:00`."
)
NO_UNIT = N_(
    "Add a unit to `{text}`: `{text}m` for minutes, `{text}h` for hours or `{text}d` for days."
)
UNREADABLE_CLOCK = N_("I can't read `{text}` as a time of day: use 24-hour `HH:MM`, e.g. `03:00`.")
UNREADABLE_MOMENT = N_(
    "I can't read `{text}` as a time: use `HH:MM`, `tomorrow HH:MM` or `YYYY-MM-DD HH:MM`."
)
PASSED = N_("{when} has already passed: pick a later time.")

UNITS = {
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "d": DAY_MINUTES,
    "day": DAY_MINUTES,
    "days": DAY_MINUTES,
    "w": 7 * DAY_MINUTES,
    "week": 7 * DAY_MINUTES,
    "weeks": 7 * DAY_MINUTES,
    "y": 365 * DAY_MINUTES,
    "year": 365 * DAY_MINUTES,
    "years": 365 * DAY_MINUTES,
}
PART = re.compile(r"(\d+)\s*([a-z]+)")
DURATION = re.compile(r"(?:\d+\s*[a-z]+\s*)+")
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
DATED = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_clock(text: str) -> int:
    """`HH:MM` (24-hour, `24:00` allowed) as minutes after midnight."""
    found = CLOCK.fullmatch(text.strip())
    if found is None:
        raise InvalidInput(UNREADABLE_CLOCK, text=text.strip())
    hours, minutes = int(found[1]), int(found[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidInput(UNREADABLE_CLOCK, text=text.strip())
    return hours * 60 + minutes


def parse_duration(text: str) -> timedelta:
    """`90m`, `1h30m`, `2 days`: a positive length of time of at most 30 days."""
    cleaned = text.strip().lower()
    negative = cleaned.startswith("-")
    body = cleaned.lstrip("-+").strip()
    if body.isdigit():
        raise InvalidInput(ZERO if int(body) == 0 else NEGATIVE if negative else NO_UNIT, text=body)
    parts = PART.findall(body)
    if DURATION.fullmatch(body) is None or any(unit not in UNITS for _, unit in parts):
        raise InvalidInput(UNREADABLE_DURATION, text=text.strip())
    minutes = sum(int(amount) * UNITS[unit] for amount, unit in parts)
    if minutes == 0:
        raise InvalidInput(ZERO)
    if negative:
        raise InvalidInput(NEGATIVE)
    if minutes > MAX_LENGTH.total_seconds() // 60:
        raise InvalidInput(TOO_LONG_MUTE)
    return timedelta(minutes=minutes)


def parse_moment(text: str, now: datetime, zone: ZoneInfo, day: date | None = None) -> datetime:
    """`now`, `HH:MM` (on `day`, default today), `today|tomorrow HH:MM` or `YYYY-MM-DD HH:MM`.

    Read in the server's time zone; returned in UTC.
    """
    words = text.strip().lower().split()
    if words == ["now"]:
        return now
    today = now.astimezone(zone).date()
    if len(words) == 1:
        return local_instant(day or today, parse_clock(words[0]), zone)
    if len(words) != 2:
        raise InvalidInput(UNREADABLE_MOMENT, text=text.strip())
    first, clock = words
    if first == "today":
        on = today
    elif first == "tomorrow":
        on = today + timedelta(days=1)
    elif (found := DATED.fullmatch(first)) is not None:
        try:
            on = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise InvalidInput(UNREADABLE_MOMENT, text=text.strip()) from None
    else:
        raise InvalidInput(UNREADABLE_MOMENT, text=text.strip())
    return local_instant(on, parse_clock(clock), zone)


def parse_mute_end(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When a mute typed as `1h` or `until tomorrow 08:00` ends (UTC).

    A bare `until 08:00` means the next 08:00.
    """
    cleaned = text.strip()
    if not cleaned.lower().startswith("until "):
        return now + parse_duration(cleaned)
    moment = cleaned[6:].strip()
    ends = parse_moment(moment, now, zone)
    if len(moment.split()) == 1 and ends <= now:
        ends = parse_moment(moment, now, zone, now.astimezone(zone).date() + timedelta(days=1))
    if ends <= now:
        raise InvalidInput(PASSED, when=local_text(ends, zone))
    if ends - now > MAX_LENGTH:
        raise InvalidInput(TOO_LONG_MUTE)
    return ends


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    """An instant as the server's wall clock reads it: `2026-12-24 08:00`."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"
