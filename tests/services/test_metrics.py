"""/metrics through prometheus-client: valid text, a real histogram, one registry per bot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bot.services import probes
from bot.services.health import HealthMonitor
from bot.services.loop_lag import LoopLag
from bot.services.metrics import Metrics
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.status import build_report
from storage.models import Incident

README_METRICS = {
    "medianest_service_up": "gauge",
    "medianest_service_latency_ms": "gauge",
    "medianest_commands": "counter",
    "medianest_command_seconds": "histogram",
    "medianest_requests": "gauge",
    "medianest_downloads": "gauge",
    "medianest_download_queue_depth": "gauge",
    "medianest_outbox_backlog": "gauge",
    "medianest_rate_limit_refusals": "counter",
    "medianest_event_loop_lag_ms": "gauge",
    "medianest_linked_users": "gauge",
    "medianest_open_incidents": "gauge",
}


def commands_only(metrics: Metrics) -> str:
    """The registry's text before any status report was read."""
    return generate_latest(metrics.registry).decode()


def samples(text: str, family: str) -> list[Sample]:
    [found] = [f for f in text_string_to_metric_families(text) if f.name == family]
    return found.samples


async def test_exposition_parses_and_carries_every_metric(db: str) -> None:
    """The text parses with prometheus-client's own parser, every README metric typed right."""
    monitor = HealthMonitor(
        {"database": probes.database_probe()}, Outbox(), Places({"health_channel_id": 3001})
    )
    await monitor.run_checks()
    await Incident.create(service="plex", opened_at=datetime.now(UTC), last_error="refused")
    report = await build_report(monitor, Outbox(), LoopLag(), datetime.now(UTC))
    metrics = Metrics()
    metrics.command_done("request", "ok", 0.2)
    metrics.command_done("request", "user_error", 0.01)
    text = metrics.exposition(report, refusals=2)
    families = {f.name: f.type for f in text_string_to_metric_families(text)}
    assert {name: families.get(name) for name in README_METRICS} == README_METRICS
    assert [(s.labels, s.value) for s in samples(text, "medianest_service_up")] == [
        ({"service": "database"}, 1)
    ]
    [latency] = samples(text, "medianest_service_latency_ms")
    assert latency.labels == {"service": "database"} and latency.value >= 0
    assert samples(text, "medianest_open_incidents")[0].value == 1
    assert samples(text, "medianest_rate_limit_refusals")[0].value == 2
    totals = {
        (s.labels["outcome"], s.value)
        for s in samples(text, "medianest_commands")
        if s.name == "medianest_commands_total"
    }
    assert totals == {("ok", 1), ("user_error", 1)}


def test_command_durations_are_a_histogram_per_command() -> None:
    """Each command's durations land in cumulative buckets, with a matching _sum and _count."""
    metrics = Metrics()
    metrics.command_done("status", "ok", 0.04)
    metrics.command_done("status", "error", 4.0)
    metrics.command_done("help", "ok", 0.01)
    text = commands_only(metrics)
    status = [
        s for s in samples(text, "medianest_command_seconds") if s.labels["command"] == "status"
    ]
    buckets = {s.labels["le"]: s.value for s in status if s.name.endswith("_bucket")}
    assert buckets["0.025"] == 0
    assert buckets["0.05"] == 1
    assert buckets["3.0"] == 1
    assert buckets["5.0"] == 2
    assert buckets["+Inf"] == 2
    by_name = {s.name: s.value for s in status if not s.name.endswith("_bucket")}
    assert by_name["medianest_command_seconds_count"] == 2
    assert by_name["medianest_command_seconds_sum"] == pytest.approx(4.04)


def test_each_metrics_has_its_own_registry() -> None:
    """Two bots in one process count apart, and nothing lands in the global registry."""
    first, second = Metrics(), Metrics()
    first.command_done("help", "ok", 0.1)
    first_text, second_text = commands_only(first), commands_only(second)
    assert any(s.value == 1 for s in samples(first_text, "medianest_commands"))
    assert samples(second_text, "medianest_commands") == []
    assert REGISTRY.get_sample_value("medianest_commands_total", {"command": "help"}) is None
    assert "medianest_service_up" not in first_text  # no report read yet: no status gauges
