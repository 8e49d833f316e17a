"""What the health monitor keeps between checks: each service's state, the alert policy,
error bursts, and the time helpers its rounds share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.i18n import Msg
from bot.services.probes import ProbeResult
from storage.models import Incident


def now() -> datetime:
    return datetime.now(UTC)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def human(delta: timedelta) -> Msg:
    """A duration as people say it: 45 s, 12 min, 3 h 5 min, 2 d 4 h (prints in English)."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return Msg("{s} s", s=seconds)
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return Msg("{m} min", m=minutes)
    if days == 0:
        return Msg("{h} h {m} min", h=hours, m=minutes % 60)
    return Msg("{d} d {h} h", d=days, h=hours % 24)


@dataclass
class ServiceState:
    """What the monitor knows of one service between checks."""

    name: str
    down: bool = False
    failures: int = 0
    successes: int = 0
    last: ProbeResult | None = None
    incident: Incident | None = None
    since: datetime | None = None  # when it went down, also while no incident row can be stored
    held: bool = False  # down while muted: the alert waits for the mute or window to end


@dataclass
class AlertPolicy:
    fail_after: int = 3
    recover_after: int = 2
    remind_every: timedelta | None = timedelta(minutes=30)
    timeout: float = 10.0
    confirm_every: float = 10.0  # re-check this soon while a service's state is in doubt


class Silencer(Protocol):
    def silenced(self, service: str, at: datetime) -> object | None:
        """What holds the service's alerts back at `at` (a mute or window), or None."""
        ...


@dataclass
class ErrorBurst:
    """The same error type and place, several times in a short window."""

    error_type: str
    place: str | None
    count: int
    correlation_ids: list[str] = field(default_factory=list)


def incident_key(state: ServiceState) -> str:
    """The outbox key of an incident's alerts: its row id, or its service and start."""
    if state.incident is not None:
        return f"incident:{state.incident.id}"
    stamp = int(state.since.timestamp()) if state.since else 0
    return f"incident:{state.name}:{stamp}"
