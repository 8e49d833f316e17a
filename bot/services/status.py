"""The service's state at a glance: what /status, the dashboard and /metrics show."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.functions import Count

from bot.i18n import Msg
from bot.services.cluster.processes import ProcessInfo, processes
from bot.services.health import HealthMonitor
from bot.services.health_state import hour_of, now
from bot.services.loop_lag import LoopLag
from bot.services.outbox import Outbox
from bot.services.stats.histogram import AvailableHistogram, available_histograms
from bot.services.stats.requests import outcome_counts
from storage.models import DownloadJob, Incident, JobStatus, MediaRequest, PlexLink

DAY, WEEK = timedelta(days=1), timedelta(days=7)


@dataclass(frozen=True)
class ServiceLine:
    name: str
    up: bool | None  # None: not checked yet
    latency_ms: float | None
    detail: str
    uptime_day: float | None
    uptime_week: float | None


@dataclass(frozen=True)
class StatusReport:
    services: list[ServiceLine]
    incidents: list[Incident]
    linked_users: int
    requests: dict[str, int]
    downloads: dict[str, int]
    outbox_backlog: int
    bot_uptime: timedelta
    memory_mb: float
    loop_lag_ms: float
    warnings: list[Msg] = field(default_factory=list)
    to_available: dict[str, AvailableHistogram] = field(default_factory=dict)  # by media type
    processes: list[ProcessInfo] = field(default_factory=list)  # PostgreSQL: bots and workers

    @property
    def healthy(self) -> bool:
        return all(s.up is not False for s in self.services)

    @property
    def queue_depth(self) -> int:
        return self.downloads.get(JobStatus.QUEUED, 0) + self.downloads.get(JobStatus.RUNNING, 0)

    @property
    def outcomes(self) -> dict[str, int]:
        """Every stored request by the dashboard's outcome (available, pending, ...)."""
        return outcome_counts(self.requests)


def memory_mb() -> float:
    """Resident memory of this process in MiB."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class HourlyUptime:
    """Uptime per hour of each service, oldest first; the newest hour began at `last_hour`."""

    rows: dict[str, list[float | None]]
    last_hour: datetime


async def hourly_uptime(monitor: HealthMonitor, report: StatusReport) -> HourlyUptime:
    """What the uptime chart draws: the last 24 hours of every service in the report."""
    last_hour = hour_of(now())
    rows = {s.name: await monitor.hourly_uptime(s.name) for s in report.services}
    return HourlyUptime(rows, last_hour)


async def count_by_status(model: type[MediaRequest] | type[DownloadJob]) -> dict[str, int]:
    rows = await model.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    return {str(status): int(n) for status, n in rows}


async def build_report(
    monitor: HealthMonitor,
    outbox: Outbox,
    lag: LoopLag,
    started_at: datetime,
    warnings: list[Msg] | None = None,
    *,
    histograms: bool = True,
) -> StatusReport:
    """Read everything the status views show; `histograms` (for /metrics) scans every request."""
    lines = []
    for name, state in monitor.states.items():
        last = state.last
        lines.append(
            ServiceLine(
                name=name,
                up=None if last is None else not state.down,
                latency_ms=last.latency_ms if last else None,
                detail=last.detail if last else "not checked yet",
                uptime_day=await monitor.uptime(name, DAY),
                uptime_week=await monitor.uptime(name, WEEK),
            )
        )
    return StatusReport(
        services=lines,
        incidents=await Incident.filter(closed_at__isnull=True).order_by("opened_at"),
        linked_users=await PlexLink.all().count(),
        requests=await count_by_status(MediaRequest),
        downloads=await count_by_status(DownloadJob),
        outbox_backlog=await outbox.backlog(),
        bot_uptime=datetime.now(UTC) - started_at,
        memory_mb=memory_mb(),
        loop_lag_ms=lag.last_ms,
        warnings=list(warnings or []),
        to_available=await available_histograms() if histograms else {},
        processes=await processes(),
    )
