"""Mutes and maintenance windows: stored, checked for mistakes, and asked by the health monitor.

The windows are kept in memory as well as in the database, so the monitor's question
"is this service's alert held back now?" costs no query and still has an answer while
the database itself is the service that is down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput
from bot.i18n import N_
from bot.services.maintenance.acks import acknowledge
from bot.services.maintenance.parse import (
    MAX_LENGTH,
    local_text,
    parse_clock,
    parse_moment,
    parse_mute_end,
)
from bot.services.maintenance.windows import Kind, Window, clock_text
from storage.models import Incident, MaintenanceWindow

log = logging.getLogger(__name__)

UNKNOWN_SERVICE = N_("There is no service called `{name}`. Pick one of: {known}.")
END_BEFORE_START = N_("A window must end after it starts ({start} → {end}).")
PAST_MIDNIGHT = N_(
    "A window must end after it starts ({start} → {end}). "
    "For one past midnight, add two: one until `24:00`, one from `00:00`."
)
OVER = N_("That window is already over ({end}).")
TOO_LONG_WINDOW = N_("A one-off window can last at most 30 days.")
OVERLAP = N_(
    "That overlaps window #{id} of **{service}** ({what}). "
    "Remove it with `/maintenance remove` or pick another time."
)
NO_WINDOW = N_("There is no maintenance window or mute #{id}. `/maintenance list` shows them.")


def now() -> datetime:
    return datetime.now(UTC)


class Maintenance:
    """Holds back a service's alerts while it is muted or inside a maintenance window."""

    def __init__(
        self,
        services: Callable[[], Iterable[str]],
        zone: ZoneInfo,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.services = services  # the monitored services' names, asked when needed
        self.zone = zone
        self.clock = clock
        self.windows: dict[int, Window] = {}
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Read the stored windows, deleting mutes and one-off windows that are over."""
        await MaintenanceWindow.filter(ends_at__lte=self.clock()).delete()
        rows = await MaintenanceWindow.all()
        self.windows = {row.id: Window.of(row) for row in rows}

    def silenced(self, service: str, at: datetime) -> Window | None:
        """The mute or window holding this service's alerts back at `at`, if any."""
        for window in self.windows.values():
            if window.service == service and window.covering(at, self.zone):
                return window
        return None

    def listed(self) -> list[Window]:
        """Mutes first, then one-off and weekly windows; those that are over left out."""
        at = self.clock()
        order = {Kind.MUTE: 0, Kind.ONCE: 1, Kind.WEEKLY: 2}
        current = [w for w in self.windows.values() if not w.over(at)]
        return sorted(current, key=lambda w: (order[w.kind], w.service, w.id))

    def names(self) -> list[str]:
        """The monitored services, sorted."""
        return sorted(self.services())

    async def acknowledge(self, incident_id: int, by: int) -> Incident:
        """An admin takes the incident: its reminders stop. Returns it with who took it."""
        return await acknowledge(incident_id, by, self.clock())

    def known(self, service: str) -> str:
        """The monitored service of that name; InvalidInput naming the others otherwise."""
        names = self.names()
        name = service.strip().lower()
        if name not in names:
            raise InvalidInput(UNKNOWN_SERVICE, name=service.strip(), known=", ".join(names))
        return name

    async def mute(self, service: str, length: str, by: int | None) -> Window:
        """Hold the service's alerts back from now for `length` (`1h`, `until 08:00`)."""
        name = self.known(service)
        at = self.clock()
        ends = parse_mute_end(length, at, self.zone)
        async with self._lock:
            await self._drop_mutes(name)
            return await self._store(
                service=name, kind=Kind.MUTE, starts_at=at, ends_at=ends, created_by=by
            )

    async def unmute(self, service: str) -> bool:
        """End the service's mute; False when it had none."""
        name = self.known(service)
        async with self._lock:
            return await self._drop_mutes(name) > 0

    async def add_once(self, service: str, start: str, end: str, by: int | None) -> Window:
        """A one-off window; `end` may be a bare `HH:MM` on the start's day."""
        name = self.known(service)
        at = self.clock()
        starts = parse_moment(start, at, self.zone)
        ends = parse_moment(end, at, self.zone, starts.astimezone(self.zone).date())
        if ends <= starts:
            raise InvalidInput(
                END_BEFORE_START,
                start=local_text(starts, self.zone),
                end=local_text(ends, self.zone),
            )
        if ends <= at:
            raise InvalidInput(OVER, end=local_text(ends, self.zone))
        if ends - starts > MAX_LENGTH:
            raise InvalidInput(TOO_LONG_WINDOW)
        draft = Window(0, name, Kind.ONCE, starts_at=starts, ends_at=ends)
        async with self._lock:
            self._refuse_overlap(draft)
            return await self._store(
                service=name, kind=Kind.ONCE, starts_at=starts, ends_at=ends, created_by=by
            )

    async def add_weekly(
        self, service: str, weekday: int, start: str, end: str, by: int | None
    ) -> Window:
        """A window every week on `weekday` (0 is Monday), wall-clock times of the server."""
        name = self.known(service)
        first, last = parse_clock(start), parse_clock(end)
        if last <= first:
            raise InvalidInput(PAST_MIDNIGHT, start=clock_text(first), end=clock_text(last))
        draft = Window(0, name, Kind.WEEKLY, weekday=weekday, start_minute=first, end_minute=last)
        async with self._lock:
            self._refuse_overlap(draft)
            return await self._store(
                service=name,
                kind=Kind.WEEKLY,
                weekday=weekday,
                start_minute=first,
                end_minute=last,
                created_by=by,
            )

    async def remove(self, window_id: int) -> Window:
        """Delete a mute or window by its number."""
        async with self._lock:
            window = self.windows.get(window_id)
            if window is None or window.over(self.clock()):
                raise InvalidInput(NO_WINDOW, id=window_id)
            await MaintenanceWindow.filter(id=window_id).delete()
            del self.windows[window_id]
        log.info("maintenance: removed #%s (%s, %s)", window.id, window.service, window.kind)
        return window

    def _refuse_overlap(self, draft: Window) -> None:
        at = self.clock()
        for window in self.windows.values():
            if window.service != draft.service or window.kind is Kind.MUTE or window.over(at):
                continue
            if window.overlaps(draft, self.zone):
                raise InvalidInput(
                    OVERLAP, id=window.id, service=window.service, what=window.describe()
                )

    async def _drop_mutes(self, service: str) -> int:
        mutes = [
            w.id for w in self.windows.values() if w.service == service and w.kind is Kind.MUTE
        ]
        if mutes:
            await MaintenanceWindow.filter(id__in=mutes).delete()
        for window_id in mutes:
            del self.windows[window_id]
        return len(mutes)

    async def _store(self, **values: Any) -> Window:
        row = await MaintenanceWindow.create(**values)
        window = self.windows[row.id] = Window.of(row)
        log.info("maintenance: %s for %s (#%s)", window.kind, window.service, window.id)
        return window
