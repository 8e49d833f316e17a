"""What /metrics serves: command counts and durations, and the status read for each scrape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.utils import floatToGoString

if TYPE_CHECKING:
    from bot.services.status import StatusReport

# Discord wants an answer within 3 s: the buckets around it show how close commands come.
COMMAND_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


class StatusCollector:
    """Turns the report read just before a scrape into gauges; nothing before the first one."""

    def __init__(self) -> None:
        self.report: StatusReport | None = None
        self.refusals = 0

    def collect(self) -> Iterator[Metric]:
        report = self.report
        if report is None:
            return
        up = GaugeMetricFamily(
            "medianest_service_up", "1 when the service's last checks passed.", labels=["service"]
        )
        latency = GaugeMetricFamily(
            "medianest_service_latency_ms",
            "Latency of the last check in milliseconds.",
            labels=["service"],
        )
        for service in report.services:
            up.add_metric([service.name], 0 if service.up is False else 1)
            if service.latency_ms is not None:
                latency.add_metric([service.name], service.latency_ms)
        yield up
        yield latency
        yield by_status("medianest_requests", "Media requests by status.", report.requests)
        yield by_status("medianest_downloads", "Download jobs by status.", report.downloads)
        yield gauge("medianest_download_queue_depth", "Jobs queued or running.", report.queue_depth)
        yield gauge(
            "medianest_outbox_backlog", "Messages waiting for delivery.", report.outbox_backlog
        )
        yield CounterMetricFamily(
            "medianest_rate_limit_refusals", "Uses refused by rate limits.", value=self.refusals
        )
        yield gauge(
            "medianest_event_loop_lag_ms",
            "How late the event loop last woke up.",
            report.loop_lag_ms,
        )
        yield gauge("medianest_linked_users", "Members with a Plex link.", report.linked_users)
        yield gauge("medianest_open_incidents", "Services currently down.", len(report.incidents))
        outcomes = GaugeMetricFamily(
            "medianest_request_outcomes",
            "Stored requests by outcome (available, pending, declined, failed, queued).",
            labels=["outcome"],
        )
        for outcome, count in report.outcomes.items():
            outcomes.add_metric([outcome], count)
        yield outcomes
        yield time_to_available(report)


def time_to_available(report: StatusReport) -> HistogramMetricFamily:
    """Seconds from request to available of every available request, by media type."""
    family = HistogramMetricFamily(
        "medianest_time_to_available_seconds",
        "Time from a request to its media being available on Plex.",
        labels=["media_type"],
    )
    for media_type, histogram in sorted(report.to_available.items()):
        buckets = [(floatToGoString(bound), count) for bound, count in histogram.buckets]
        family.add_metric(
            [media_type], [*buckets, ("+Inf", histogram.count)], sum_value=histogram.total_seconds
        )
    return family


def gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=value)


def by_status(name: str, help_text: str, counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_text, labels=["status"])
    for status, count in sorted(counts.items()):
        family.add_metric([status], count)
    return family


class Metrics:
    """One bot's metrics, in a registry of its own so bots in one process never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "medianest_commands",
            "Slash commands finished, by outcome.",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "medianest_command_seconds",
            "Time spent in each slash command.",
            ["command"],
            buckets=COMMAND_BUCKETS,
            registry=self.registry,
        )
        self._series: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self.status = StatusCollector()
        self.registry.register(self.status)

    def command_done(self, command: str, outcome: str, seconds: float) -> None:
        """Count one finished command: outcome is ok, user_error or error."""
        series = self._series.get((command, outcome))
        if series is None:  # `labels()` takes a lock and builds a key: once per pair
            series = self._series[(command, outcome)] = (
                self.commands.labels(command=command, outcome=outcome),
                self.command_seconds.labels(command=command),
            )
        series[0].inc()
        series[1].observe(seconds)

    def exposition(self, report: StatusReport, refusals: int) -> str:
        """The Prometheus text format, with `report` and `refusals` as read for this scrape."""
        # No await between setting the values and rendering: concurrent scrapes cannot mix.
        self.status.report, self.status.refusals = report, refusals
        return generate_latest(self.registry).decode()
