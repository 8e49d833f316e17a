"""Health monitor: alerts after exactly N failures, no flood, one recovery, restarts, timeouts."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.clients.overseerr import OverseerrClient
from bot.clients.plex import PlexClient
from bot.services import probes
from bot.services.health import HealthMonitor
from bot.services.health_state import AlertPolicy, human
from bot.services.outbox import Outbox
from bot.services.places import Places
from storage.models import ErrorEvent, HealthRollup, HealthSample, Incident, OutboxMessage
from tests.fakes.overseerr import FakeOverseerr
from tests.fakes.plex import FakePlexServer

HEALTH = 3001


@pytest.fixture
async def pms() -> AsyncIterator[FakePlexServer]:
    async with FakePlexServer() as server:
        yield server


def monitor_for(pms: FakePlexServer, **policy: object) -> HealthMonitor:
    plex = PlexClient(pms.url, "owner-token", timeout=2)
    return HealthMonitor(
        {"plex": probes.plex_probe(plex), "database": probes.database_probe()},
        Outbox(),
        Places({"health_channel_id": HEALTH}),
        AlertPolicy(**policy),
    )


async def alerts() -> list[str]:
    return [m.content for m in await OutboxMessage.filter(target_id=HEALTH).order_by("id")]


async def test_alert_after_exactly_three_failures(db: str, pms: FakePlexServer) -> None:
    """Two failed checks raise nothing; the third opens one incident and one alert."""
    monitor = monitor_for(pms)
    await pms.stop()
    await monitor.run_checks()
    await monitor.run_checks()
    assert await alerts() == []
    await monitor.run_checks()
    await monitor.run_checks()
    [alert] = await alerts()
    port = pms.url.rsplit(":", 1)[1]
    reason = f"Plex: cannot connect to 127.0.0.1:{port}: connection refused"
    assert alert.startswith(f"🔴 **plex** is down: {reason}"), alert
    assert await Incident.filter(service="plex", closed_at__isnull=True).count() == 1
    assert await HealthSample.filter(service="plex", ok=False).count() == 4
    assert await HealthSample.filter(service="database", ok=True).count() == 4


async def test_flapping_never_floods_the_channel(db: str, pms: FakePlexServer) -> None:
    """Down-down-up repeated never reaches three failures in a row: no alert at all."""
    monitor = monitor_for(pms)
    for _ in range(4):
        await pms.stop()
        await monitor.run_checks()
        await monitor.run_checks()
        await pms.start()
        await monitor.run_checks()
    assert await alerts() == []
    assert await Incident.all().count() == 0


async def test_recovery_is_announced_once_with_its_duration(db: str, pms: FakePlexServer) -> None:
    """After an incident, two successes close it with one notice naming how long it lasted."""
    monitor = monitor_for(pms)
    await pms.stop()
    for _ in range(3):
        await monitor.run_checks()
    await pms.start()
    await monitor.run_checks()
    assert len(await alerts()) == 1
    await monitor.run_checks()
    await monitor.run_checks()
    down, up = await alerts()
    assert down.startswith("🔴 **plex** is down")
    assert up.startswith("🟢 **plex** is back up after ")
    incident = await Incident.get(service="plex")
    assert incident.closed_at is not None
    assert up == f"🟢 **plex** is back up after {human(incident.closed_at - incident.opened_at)}."


async def test_restart_during_an_incident_does_not_announce_it_again(
    db: str, pms: FakePlexServer
) -> None:
    """A new monitor takes up the open incident: more failures say nothing, recovery closes it."""
    first = monitor_for(pms)
    await pms.stop()
    for _ in range(3):
        await first.run_checks()
    second = monitor_for(pms)
    await second.load()
    for _ in range(4):
        await second.run_checks()
    assert len(await alerts()) == 1
    await pms.start()
    await second.run_checks()
    await second.run_checks()
    assert len(await alerts()) == 2
    assert await Incident.filter(closed_at__isnull=True).count() == 0
    assert await Incident.all().count() == 1


async def test_reminder_while_still_down(db: str, pms: FakePlexServer) -> None:
    """An incident open longer than the reminder period gets one reminder per period."""
    monitor = monitor_for(pms)
    await pms.stop()
    for _ in range(3):
        await monitor.run_checks()
    incident = await Incident.get(service="plex")
    incident.opened_at -= timedelta(minutes=31)
    await incident.save()
    monitor.states["plex"].incident = incident
    await monitor.run_checks()
    await monitor.run_checks()
    texts = await alerts()
    assert len(texts) == 2
    assert texts[1].startswith("🟠 **plex** is still down after 31 min: ")


async def test_a_slow_service_times_out_without_delaying_the_others(db: str) -> None:
    """A probe that hangs fails at its timeout while the other checks finish at once."""
    async with FakeOverseerr() as overseerr, aiohttp.ClientSession() as http:
        overseerr.fail_next("GET", "/api/v1/status", status=200, delay=5.0)
        client = OverseerrClient(http, overseerr.url, "overseerr-key")
        monitor = HealthMonitor(
            {"overseerr": probes.overseerr_probe(client), "database": probes.database_probe()},
            Outbox(),
            Places({"health_channel_id": HEALTH}),
            AlertPolicy(timeout=0.3),
        )
        started = time.perf_counter()
        results = {r.name: r for r in await monitor.run_checks()}
        took = time.perf_counter() - started
    assert results["overseerr"].ok is False
    assert results["overseerr"].detail == "no answer within 0.3 s"
    assert results["database"].ok is True
    assert took < 2


async def test_uptime_and_hourly_buckets(db: str, pms: FakePlexServer) -> None:
    """Uptime is the share of good checks; the hourly series ends with the current hour."""
    monitor = monitor_for(pms)
    await monitor.run_checks()
    await pms.stop()
    await monitor.run_checks()
    assert await monitor.uptime("plex", timedelta(hours=24)) == 0.5
    assert await monitor.uptime("nothing", timedelta(hours=24)) is None
    hourly = await monitor.hourly_uptime("plex")
    assert len(hourly) == 24 and hourly[-1] == 0.5 and hourly[0] is None


async def test_prune_removes_old_samples(db: str, pms: FakePlexServer) -> None:
    """Samples older than the kept period are deleted; recent ones stay."""
    monitor = monitor_for(pms)
    await monitor.run_checks()
    old = await HealthSample.first()
    assert old is not None
    old.checked_at -= timedelta(days=9)
    await old.save()
    assert await monitor.prune() == 1
    assert await HealthSample.all().count() == 1
    assert await HealthRollup.all().count() == 1


async def test_repeating_errors_raise_one_alert_with_their_ids(
    db: str, pms: FakePlexServer
) -> None:
    """Three errors of one type and place in the window give one alert listing their ids."""
    monitor = monitor_for(pms)
    for i in range(3):
        await ErrorEvent.create(
            correlation_id=f"ID{i}",
            error_type="builtins.KeyError",
            message="x",
            place="requests.py:10 in deliver",
            traceback="...",
        )
    await ErrorEvent.create(
        correlation_id="OTHER",
        error_type="builtins.ValueError",
        message="y",
        place="a:1 in b",
        traceback="...",
    )
    assert await monitor.alert_error_bursts() == 1
    assert await monitor.alert_error_bursts() == 0
    [alert] = await alerts()
    assert "`builtins.KeyError` at `requests.py:10 in deliver` happened 3 times" in alert
    assert "ID2, ID1, ID0" in alert


def test_durations_read_naturally() -> None:
    """Durations are shown the way people say them."""
    assert str(human(timedelta(seconds=42))) == "42 s"
    assert str(human(timedelta(minutes=12, seconds=5))) == "12 min"
    assert str(human(timedelta(hours=3, minutes=5))) == "3 h 5 min"
    assert str(human(timedelta(days=2, hours=4))) == "2 d 4 h"


async def test_a_round_confirms_an_outage_quickly(db: str, pms: FakePlexServer) -> None:
    """One scheduled round re-checks a failing service at once, so one round raises the alert."""
    monitor = monitor_for(pms, confirm_every=0.01)
    await pms.stop()
    await monitor.check_round()
    assert len(await alerts()) == 1
    assert await HealthSample.filter(service="plex").count() == 3
    await pms.start()
    await monitor.check_round()
    assert len(await alerts()) == 2
    await monitor.check_round()
    assert await HealthSample.filter(service="plex").count() == 6


async def test_old_samples_are_rolled_up_and_uptime_is_unchanged(
    db: str, pms: FakePlexServer
) -> None:
    """Samples past 48 h become hourly roll-ups; 7-day uptime reads the same before and after."""
    monitor = monitor_for(pms)
    await monitor.run_checks()
    await pms.stop()
    await monitor.run_checks()
    await monitor.run_checks()
    await HealthSample.all().update(checked_at=datetime.now(UTC) - timedelta(days=3))
    before = await monitor.uptime("plex", timedelta(days=7))
    assert await monitor.prune() == 6
    assert await HealthSample.all().count() == 0
    rollup = await HealthRollup.get(service="plex")
    assert (rollup.checks, rollup.ok) == (3, 1)
    assert await monitor.uptime("plex", timedelta(days=7)) == before == 1 / 3
    assert await monitor.uptime("plex", timedelta(days=1)) is None


async def test_a_critical_error_is_alerted_at_once(db: str, pms: FakePlexServer) -> None:
    """One critical error (e.g. the database failing) raises an alert without waiting for more."""
    monitor = monitor_for(pms)
    await ErrorEvent.create(
        correlation_id="CRIT0001",
        error_type="tortoise.exceptions.OperationalError",
        message="disk I/O error",
        place="outbox.py:120 in deliver_due",
        traceback="...",
        critical=True,
    )
    assert await monitor.alert_error_bursts() == 1
    assert await monitor.alert_error_bursts() == 0
    [alert] = await alerts()
    assert alert.startswith("🚨 Critical error `tortoise.exceptions.OperationalError`")
    assert "CRIT0001" in alert
