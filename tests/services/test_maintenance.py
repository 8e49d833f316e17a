"""Alerts that respect maintenance: held during mutes and windows, sent once after, reminders.

Time is an injected clock; the probes are real (a fake Plex that is stopped and started).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clients.plex import PlexClient
from bot.errors import InvalidInput
from bot.services import probes
from bot.services.health import HealthMonitor
from bot.services.health_state import AlertPolicy
from bot.services.maintenance import Maintenance, build_maintenance
from bot.services.outbox import Outbox
from bot.services.places import Places
from storage.models import Incident, OutboxMessage
from tests.fakes.plex import FakePlexServer

HEALTH = 3001
BERLIN = ZoneInfo("Europe/Berlin")
ADMIN = 500
START = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # a Monday; Berlin is UTC+2


class Clock:
    """The time the monitor and the maintenance service see; tests move it by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class Rig:
    pms: FakePlexServer
    clock: Clock
    maintenance: Maintenance
    monitor: HealthMonitor

    async def rounds(self, count: int = 1, every: timedelta = timedelta(minutes=1)) -> None:
        """`count` check rounds, the clock moving `every` before each."""
        for _ in range(count):
            self.clock.at += every
            await self.monitor.run_checks()


@pytest.fixture
async def rig(db: str) -> AsyncIterator[Rig]:
    pms = FakePlexServer()
    async with pms:
        clock = Clock(START)
        checks = {
            "plex": probes.plex_probe(PlexClient(pms.url, "owner-token", timeout=2)),
            "database": probes.database_probe(),
        }
        maintenance = build_maintenance(checks.keys, BERLIN, clock)
        policy = AlertPolicy(remind_every=timedelta(hours=2))
        places = Places({"health_channel_id": HEALTH})
        monitor = HealthMonitor(checks, Outbox(), places, policy, silencer=maintenance, clock=clock)
        yield Rig(pms, clock, maintenance, monitor)


async def alerts() -> list[OutboxMessage]:
    return list(await OutboxMessage.filter(target_id=HEALTH).order_by("id"))


async def test_down_inside_a_window_stores_the_incident_and_alerts_nobody(rig: Rig) -> None:
    """A one-off window covering the outage: incident stored (held), no alert, no recovery."""
    await rig.maintenance.add_once("plex", "11:30", "13:00", ADMIN)  # 09:30-11:00 UTC
    await rig.pms.stop()
    await rig.rounds(3)
    incident = await Incident.get(service="plex")
    assert incident.held is True and incident.closed_at is None
    assert await alerts() == []
    await rig.pms.start()
    await rig.rounds(2)
    assert (await Incident.get(service="plex")).closed_at == START + timedelta(minutes=5)
    assert await alerts() == []


async def test_still_down_when_the_window_ends_sends_one_alert(rig: Rig) -> None:
    """The held alert goes out at the first check after the window's end, once, with the button."""
    window = await rig.maintenance.add_once("plex", "12:00", "12:30", ADMIN)  # until 10:30 UTC
    await rig.pms.stop()
    await rig.rounds(3)
    await rig.rounds(20)  # 10:23: still inside
    assert await alerts() == []
    await rig.rounds(10)  # 10:33: the window ended at 10:30, down since 10:03
    [alert] = await alerts()
    incident = await Incident.get(service="plex")
    assert alert.content.startswith("🔴 **plex** is down: Plex: cannot connect to 127.0.0.1:")
    assert alert.content.endswith("(for 27 min, held back until the maintenance ended)")
    assert alert.buttons == [
        {
            "label": "Acknowledge",
            "custom_id": f"health:ack:{incident.id}",
            "url": None,
            "style": "primary",
        }
    ]
    assert incident.held is False
    assert incident.reminded_at == START + timedelta(minutes=30)
    await rig.rounds(30)
    assert len(await alerts()) == 1  # no second alert, and the next reminder is 2 h away
    assert window.id not in {w.id for w in rig.maintenance.listed()}


async def test_a_mute_holds_the_alert_and_unmute_releases_it(rig: Rig) -> None:
    """`1h` mutes from now; unmuting while still down sends the alert at the next check."""
    muted = await rig.maintenance.mute("Plex", "1h", ADMIN)
    assert muted.ends_at == START + timedelta(hours=1)
    await rig.pms.stop()
    await rig.rounds(3)
    assert await alerts() == []
    assert await rig.maintenance.unmute("plex") is True
    assert await rig.maintenance.unmute("plex") is False
    await rig.rounds(1)
    [alert] = await alerts()
    assert alert.content.startswith("🔴 **plex** is down: ")


async def test_reminders_every_n_hours_until_acknowledged(rig: Rig) -> None:
    """Reminders come every 2 h; once acknowledged, none; the recovery says how long it was."""
    await rig.pms.stop()
    await rig.rounds(3)
    await rig.rounds(4, timedelta(minutes=30))  # 2 h after opening: first reminder
    await rig.rounds(3, timedelta(minutes=30))  # 1.5 h more: none yet
    await rig.rounds(1, timedelta(minutes=30))  # 4 h: second reminder
    texts = [m.content for m in await alerts()]
    assert [t[0] for t in texts] == ["🔴", "🟠", "🟠"]
    assert texts[1].startswith("🟠 **plex** is still down after 2 h 0 min: ")
    assert texts[2].startswith("🟠 **plex** is still down after 4 h 0 min: ")
    incident = await Incident.get(service="plex")
    taken = await rig.maintenance.acknowledge(incident.id, ADMIN)
    assert taken.acknowledged_by == ADMIN and taken.acknowledged_at == rig.clock.at
    again = await rig.maintenance.acknowledge(incident.id, ADMIN + 1)
    assert again.acknowledged_by == ADMIN  # the first press wins
    await rig.rounds(12, timedelta(hours=1))
    assert len(await alerts()) == 3
    await rig.pms.start()
    await rig.rounds(2)
    *_, recovery = await alerts()
    assert recovery.content == "🟢 **plex** is back up after 16 h 2 min."


async def test_no_reminder_during_a_window_for_an_outage_alerted_before(rig: Rig) -> None:
    """An outage alerted before a window gets no reminder inside it and no repeat at its end."""
    await rig.pms.stop()
    await rig.rounds(3)
    await rig.maintenance.add_once("plex", "12:30", "15:30", ADMIN)  # 10:30-13:30 UTC
    await rig.rounds(6, timedelta(minutes=30))  # 13:03, the 2 h fell inside the window
    assert len(await alerts()) == 1
    await rig.rounds(1, timedelta(minutes=30))  # 13:33: the window is over, a reminder is due
    texts = [m.content for m in await alerts()]
    assert len(texts) == 2 and texts[1].startswith("🟠 **plex** is still down after 3 h 30 min")


async def test_acknowledging_a_closed_incident_is_refused(rig: Rig) -> None:
    """Pressing Acknowledge after the recovery says so and writes nothing."""
    await rig.pms.stop()
    await rig.rounds(3)
    await rig.pms.start()
    await rig.rounds(2)
    incident = await Incident.get(service="plex")
    with pytest.raises(InvalidInput) as caught:
        await rig.maintenance.acknowledge(incident.id, ADMIN)
    assert caught.value.message == "That incident is already over."
    assert (await Incident.get(id=incident.id)).acknowledged_by is None


async def test_windows_survive_a_restart_and_ended_ones_are_dropped(rig: Rig) -> None:
    """A new maintenance service loads the stored windows; a mute that ended is deleted."""
    await rig.maintenance.mute("plex", "30m", ADMIN)
    weekly = await rig.maintenance.add_weekly("plex", 6, "03:00", "04:00", ADMIN)
    rig.clock.advance(hours=1)
    fresh = build_maintenance(lambda: ["plex"], BERLIN, rig.clock)
    await fresh.load()
    assert [w.id for w in fresh.listed()] == [weekly.id]
    assert fresh.windows[weekly.id] == weekly


async def test_a_restart_keeps_a_held_alert_held(rig: Rig) -> None:
    """An incident opened inside a window is still held after a restart, then alerted once."""
    await rig.maintenance.add_once("plex", "12:00", "12:30", ADMIN)
    await rig.pms.stop()
    await rig.rounds(3)
    second = HealthMonitor(
        rig.monitor.probes,
        Outbox(),
        Places({"health_channel_id": HEALTH}),
        AlertPolicy(),
        silencer=rig.maintenance,
        clock=rig.clock,
    )
    await second.load()
    assert second.states["plex"].held is True
    await second.run_checks()
    assert await alerts() == []
    rig.clock.advance(minutes=30)
    await second.run_checks()
    await second.run_checks()
    assert len(await alerts()) == 1
