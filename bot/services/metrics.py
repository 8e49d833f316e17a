"""Counters for /metrics, and the Prometheus text exposition format."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.status import StatusReport

Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Command counts and latencies, kept in memory since the process started."""

    def __init__(self) -> None:
        self.commands: defaultdict[Labels, int] = defaultdict(int)
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.timed: defaultdict[str, int] = defaultdict(int)

    def command_done(self, command: str, outcome: str, seconds: float) -> None:
        """Count one finished command: outcome is ok, user_error or error."""
        self.commands[(("command", command), ("outcome", outcome))] += 1
        self.seconds[command] += seconds
        self.timed[command] += 1


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    """Builds the text format: one HELP/TYPE header per metric, then its samples."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(
        self, name: str, kind: str, help_text: str, samples: Iterable[tuple[Labels, float]]
    ) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            self.lines.append(f"{name}{_labels(labels)} {value:g}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render(report: StatusReport, metrics: Metrics, refusals: int) -> str:
    """Everything /metrics serves, in the Prometheus text format."""
    out = Exposition()
    out.metric(
        "medianest_service_up",
        "gauge",
        "1 when the service's last checks passed.",
        [((("service", s.name),), 0 if s.up is False else 1) for s in report.services],
    )
    out.metric(
        "medianest_service_latency_ms",
        "gauge",
        "Latency of the last check in milliseconds.",
        [
            ((("service", s.name),), s.latency_ms)
            for s in report.services
            if s.latency_ms is not None
        ],
    )
    out.metric(
        "medianest_commands_total",
        "counter",
        "Slash commands finished, by outcome.",
        list(metrics.commands.items()),
    )
    out.metric(
        "medianest_command_seconds_sum",
        "counter",
        "Total time spent in each command.",
        [((("command", c),), s) for c, s in metrics.seconds.items()],
    )
    out.metric(
        "medianest_command_seconds_count",
        "counter",
        "Commands timed.",
        [((("command", c),), n) for c, n in metrics.timed.items()],
    )
    out.metric(
        "medianest_requests",
        "gauge",
        "Media requests by status.",
        [((("status", k),), v) for k, v in sorted(report.requests.items())],
    )
    out.metric(
        "medianest_downloads",
        "gauge",
        "Download jobs by status.",
        [((("status", k),), v) for k, v in sorted(report.downloads.items())],
    )
    out.metric(
        "medianest_download_queue_depth",
        "gauge",
        "Jobs queued or running.",
        [((), report.queue_depth)],
    )
    out.metric(
        "medianest_outbox_backlog",
        "gauge",
        "Messages waiting for delivery.",
        [((), report.outbox_backlog)],
    )
    out.metric(
        "medianest_rate_limit_refusals_total",
        "counter",
        "Uses refused by rate limits.",
        [((), refusals)],
    )
    out.metric(
        "medianest_event_loop_lag_ms",
        "gauge",
        "How late the event loop last woke up.",
        [((), report.loop_lag_ms)],
    )
    out.metric(
        "medianest_linked_users", "gauge", "Members with a Plex link.", [((), report.linked_users)]
    )
    out.metric(
        "medianest_open_incidents",
        "gauge",
        "Services currently down.",
        [((), len(report.incidents))],
    )
    return out.text()
