"""When New on Plex posts: as items arrive, or in a daily or weekly digest (chosen in `/setup`).

Kept in `key_value` (`new_on_plex.*`). A digest falls due at its local time in its time zone,
so it follows daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InvalidInput
from bot.i18n import N_, WEEKDAYS, Msg
from storage.models import KeyValue

Mode = Literal["arrival", "daily", "weekly"]
MODES: tuple[Mode, ...] = ("arrival", "daily", "weekly")
PREFIX = "new_on_plex."
CLOCK = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")


@dataclass(frozen=True)
class Schedule:
    """The mode, and for digests the weekday (weekly only), local time and time zone."""

    mode: Mode = "arrival"
    day: int = 6  # Sunday
    at: time = time(18, 0)
    zone: str = "UTC"

    @property
    def digest(self) -> bool:
        return self.mode != "arrival"

    def describe(self) -> Msg:
        """ "as it arrives", "daily at 18:00 (Europe/Paris)", "weekly on Sunday at 18:00 (UTC)"."""
        if self.mode == "arrival":
            return Msg("as it arrives")
        at = self.at.strftime("%H:%M")
        if self.mode == "daily":
            return Msg("daily at {time} ({zone})", time=at, zone=self.zone)
        day = Msg(WEEKDAYS[self.day])
        return Msg("weekly on {day} at {time} ({zone})", day=day, time=at, zone=self.zone)

    def last_due(self, now: datetime) -> datetime:
        """The latest digest time at or before `now` (UTC)."""
        zone = ZoneInfo(self.zone)
        local = now.astimezone(zone)
        day = local.date()
        for _ in range(8):
            if self.mode != "weekly" or day.weekday() == self.day:
                due = datetime.combine(day, self.at, tzinfo=zone)
                if due <= local:
                    return due.astimezone(UTC)
            day -= timedelta(days=1)
        raise AssertionError("a digest falls due at least once a week")


def parse_time(text: str) -> time:
    """ "18:30" (24-hour clock) as a time; InvalidInput otherwise."""
    match = CLOCK.match(text)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return time(int(match.group(1)), int(match.group(2)))
    raise InvalidInput(
        N_("“{text}” isn't a time: use the 24-hour clock, like 18:30."), text=text.strip()[:40]
    )


def parse_zone(text: str) -> str:
    """An IANA time zone name such as Europe/Paris; InvalidInput otherwise."""
    name = text.strip()
    try:
        if name and ".." not in name and not name.startswith("/"):
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise InvalidInput(
        N_("“{name}” isn't a time zone I know: use a name like Europe/Paris or America/New_York."),
        name=name[:40],
    )


class ScheduleStore:
    """Reads and writes the schedule; everything is checked before anything is stored.

    `zone` is the digest's time zone until one is picked in `/setup`: the server's
    (SERVER_TIMEZONE), the one the alerts' maintenance windows use.
    """

    def __init__(self, zone: str = "UTC") -> None:
        self.zone = zone

    async def load(self) -> Schedule:
        rows = await KeyValue.filter(key__startswith=PREFIX)
        kept = {r.key.removeprefix(PREFIX): r.value for r in rows}
        mode = kept.get("mode", "arrival")
        return Schedule(
            mode=mode if mode in MODES else "arrival",
            day=int(kept.get("day", 6)),
            at=time.fromisoformat(kept.get("time", "18:00")),
            zone=kept.get("zone", self.zone),
        )

    async def save(
        self,
        mode: str,
        day: str | int | None = None,
        at: str | None = None,
        zone: str | None = None,
    ) -> Schedule:
        """Check and store a new schedule; InvalidInput names the first bad value."""
        current = await self.load()
        if mode not in MODES:
            raise InvalidInput(
                N_("“{mode}” isn't a mode: pick as it arrives, daily or weekly."), mode=mode[:40]
            )
        weekday = current.day
        if day is not None:
            if str(day) not in {str(n) for n in range(7)}:
                raise InvalidInput(N_("Pick a day of the week from the list."))
            weekday = int(day)
        chosen = Schedule(
            mode=mode,
            day=weekday,
            at=parse_time(at) if at is not None else current.at,
            zone=parse_zone(zone) if zone is not None else current.zone,
        )
        values = {
            "mode": chosen.mode,
            "day": str(chosen.day),
            "time": chosen.at.strftime("%H:%M"),
            "zone": chosen.zone,
        }
        for name, value in values.items():
            key = PREFIX + name
            if not await KeyValue.filter(key=key).update(value=value):
                await KeyValue.create(key=key, value=value)
        return chosen

    async def last_digest(self) -> datetime | None:
        row = await KeyValue.get_or_none(key=PREFIX + "last_digest")
        return datetime.fromisoformat(row.value) if row else None

    async def digest_sent(self, at: datetime) -> None:
        key = PREFIX + "last_digest"
        if not await KeyValue.filter(key=key).update(value=at.isoformat()):
            await KeyValue.create(key=key, value=at.isoformat())
