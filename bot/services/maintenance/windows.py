"""The time math of mutes and maintenance windows: when each one holds alerts back.

Mutes and one-off windows are stored as UTC instants. A weekly window is a weekday and
two wall-clock times in the server's time zone, turned into instants week by week, so
"Sundays 03:00-04:00" stays 03:00-04:00 local across daylight saving changes. Its end may be
on the next day ("Saturdays 23:00-01:00": end_minute 1500, past the start day's midnight).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.i18n import WEEKDAYS, Msg
from storage.models import MaintenanceWindow

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
Span = tuple[datetime, datetime]


class Kind(StrEnum):
    MUTE = "mute"
    ONCE = "once"
    WEEKLY = "weekly"


def clock_text(minute: int) -> str:
    """Minutes after midnight as 24-hour HH:MM (1440 is 24:00)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local day (24:00 is the next midnight).

    A time skipped by a DST change is read with the offset from before the change, as
    zoneinfo does by default, so a window inside the skipped hour is empty that day.
    """
    day += timedelta(days=minute // DAY_MINUTES)
    minute %= DAY_MINUTES
    local = datetime.combine(day, time(minute // 60, minute % 60), zone)
    return local.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """One mute or maintenance window, as kept in memory by the maintenance service."""

    id: int
    service: str
    kind: Kind
    starts_at: datetime | None = None  # mute and once, UTC
    ends_at: datetime | None = None
    weekday: int | None = None  # weekly, 0 is Monday
    start_minute: int | None = None
    end_minute: int | None = None

    @classmethod
    def of(cls, row: MaintenanceWindow) -> Window:
        return cls(
            row.id,
            row.service,
            Kind(row.kind),
            row.starts_at,
            row.ends_at,
            row.weekday,
            row.start_minute,
            row.end_minute,
        )

    def spans(
        self, start: datetime, end: datetime, zone: ZoneInfo
    ) -> Iterator[tuple[datetime, datetime]]:
        """Every stretch of this window that overlaps [start, end)."""
        if self.kind is not Kind.WEEKLY:
            assert self.starts_at is not None and self.ends_at is not None
            if self.starts_at < end and start < self.ends_at:
                yield self.starts_at, self.ends_at
            return
        assert self.weekday is not None
        assert self.start_minute is not None and self.end_minute is not None
        first = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date() + timedelta(days=1)
        day = first + timedelta(days=(self.weekday - first.weekday()) % 7)
        while day <= last:
            begins = local_instant(day, self.start_minute, zone)
            ends = local_instant(day, self.end_minute, zone)
            if begins < end and start < ends:
                yield begins, ends
            day += timedelta(days=7)

    def covering(self, at: datetime, zone: ZoneInfo) -> Span | None:
        """The stretch of this window that holds `at`, if any."""
        return next(self.spans(at, at + timedelta(microseconds=1), zone), None)

    def over(self, at: datetime) -> bool:
        """A mute or one-off window that has ended (a weekly one never is)."""
        return self.ends_at is not None and self.ends_at <= at

    def overlaps(self, other: Window, zone: ZoneInfo) -> bool:
        """Whether the two windows hold alerts back at some common moment."""
        if self.kind is Kind.WEEKLY and other.kind is Kind.WEEKLY:
            (start, end), (other_start, other_end) = self._week_range(), other._week_range()
            # Sunday 23:00-01:00 runs into Monday: compare with the other a week either side.
            return any(
                start < other_end + shift and other_start + shift < end
                for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES)
            )
        fixed, rest = (self, other) if self.kind is not Kind.WEEKLY else (other, self)
        assert fixed.starts_at is not None and fixed.ends_at is not None
        return next(rest.spans(fixed.starts_at, fixed.ends_at, zone), None) is not None

    def _week_range(self) -> tuple[int, int]:
        assert self.weekday is not None
        assert self.start_minute is not None and self.end_minute is not None
        base = self.weekday * DAY_MINUTES
        return base + self.start_minute, base + self.end_minute

    def describe(self) -> Msg:
        """How the window reads in a list (instants as Discord timestamps)."""
        if self.kind is Kind.WEEKLY:
            assert self.weekday is not None
            assert self.start_minute is not None and self.end_minute is not None
            end = self.end_minute
            end_text = clock_text(end - DAY_MINUTES) if end > DAY_MINUTES else clock_text(end)
            return Msg(
                "every {day} {start}–{end}",
                day=Msg(WEEKDAYS[self.weekday]),
                start=clock_text(self.start_minute),
                end=end_text,
            )
        assert self.starts_at is not None and self.ends_at is not None
        until = f"<t:{int(self.ends_at.timestamp())}:f>"
        if self.kind is Kind.MUTE:
            return Msg("muted until {until}", until=until)
        start = f"<t:{int(self.starts_at.timestamp())}:f>"
        return Msg("{start} to {until}", start=start, until=until)
