"""Health monitoring: scheduled probes, incidents without noise, uptime, error bursts.

A service goes down after `fail_after` consecutive failures and up again after
`recover_after` consecutive successes, so flapping never floods the channel. Incidents
are stored, so one open before a restart is not announced again. While a service is muted
or in a maintenance window (the `Silencer` says so) its incident is stored but its alert is
held until the window ends; an acknowledged incident gets no more reminders.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from bot.i18n import Msg
from bot.services.error_log import is_database_error
from bot.services.health_state import (
    AlertPolicy,
    ErrorBurst,
    ServiceState,
    Silencer,
    hour_of,
    human,
    incident_key,
    now,
)
from bot.services.maintenance.acks import ack_button
from bot.services.outbox import Button, Outbox
from bot.services.places import Places
from bot.services.probes import Probe, ProbeResult, run_probes
from storage.models import ErrorEvent, HealthRollup, HealthSample, Incident

log = logging.getLogger(__name__)


class HealthMonitor:
    """Runs every probe concurrently, stores the samples, and opens and closes incidents."""

    def __init__(
        self,
        probes: dict[str, Probe],
        outbox: Outbox,
        places: Places,
        policy: AlertPolicy | None = None,
        *,
        silencer: Silencer | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.probes = probes
        self.outbox = outbox
        self.places = places
        self.policy = policy or AlertPolicy()
        self.silencer = silencer
        self.clock = clock
        self.states = {name: ServiceState(name) for name in probes}
        self._lock = asyncio.Lock()

    @property
    def channel_id(self) -> int | None:
        """Where alerts go: the alerts channel, else the health channel, read from the places
        each time (so `/setup` moves it at once)."""
        return self.places.alerts_channel

    def add_probe(self, name: str, probe: Probe) -> None:
        """Check one more service (e.g. the Discord gateway, known only once the bot exists)."""
        self.probes[name] = probe
        self.states.setdefault(name, ServiceState(name))

    async def check_round(self) -> None:
        """The scheduled job: every check, re-checked quickly while a state is in doubt.

        With N failures needed, waiting a whole interval between them would delay an alert
        by N intervals; confirming every few seconds keeps it close to one interval.
        """
        await self.run_checks()
        for _ in range(max(self.policy.fail_after, self.policy.recover_after) - 1):
            if not self.in_doubt():
                break
            await asyncio.sleep(self.policy.confirm_every)
            await self.run_checks()
        try:
            await self.alert_error_bursts()
        except Exception as exc:
            if not is_database_error(exc):
                raise
            log.debug("health: error bursts not checked, the database is down: %r", exc)

    def in_doubt(self) -> bool:
        """Some service has started failing (or recovering) but is not yet declared so."""
        return any(
            (s.failures and not s.down) or (s.successes and s.down) for s in self.states.values()
        )

    async def load(self) -> None:
        """Take up incidents left open by an earlier run, so they are not announced again."""
        for incident in await Incident.filter(closed_at__isnull=True):
            state = self.states.get(incident.service)
            if state is not None:
                state.down, state.incident, state.since = True, incident, incident.opened_at
                state.held = incident.held

    async def run_checks(self) -> list[ProbeResult]:
        """One round: every probe at once, each with its own timeout."""
        async with self._lock:
            results = await run_probes(self.probes, self.policy.timeout)
            stamp = self.clock()
            await self._store_samples(results, stamp)
            for result in results:
                await self._apply(self.states[result.name], result, stamp)
            return list(results)

    async def _store_samples(self, results: Sequence[ProbeResult], stamp: datetime) -> None:
        """Store a round's samples; while the database is down they are only kept in state."""
        try:
            await HealthSample.bulk_create(
                [
                    HealthSample(
                        service=r.name,
                        ok=r.ok,
                        latency_ms=r.latency_ms,
                        detail=r.detail[:500],
                        checked_at=stamp,
                    )
                    for r in results
                ]
            )
        except Exception as exc:
            if not is_database_error(exc):
                raise
            log.debug("health: samples not stored, the database is down: %r", exc)

    async def _apply(self, state: ServiceState, result: ProbeResult, at: datetime) -> None:
        state.last = result
        if result.ok:
            state.failures, state.successes = 0, state.successes + 1
            if state.down and state.successes >= self.policy.recover_after:
                await self._close(state, at)
            return
        state.successes, state.failures = 0, state.failures + 1
        if not state.down and state.failures >= self.policy.fail_after:
            await self._open(state, result, at)
        elif state.down:
            await self._still_down(state, result, at)

    def _silenced(self, service: str, at: datetime) -> bool:
        return self.silencer is not None and self.silencer.silenced(service, at) is not None

    async def _open(self, state: ServiceState, result: ProbeResult, at: datetime) -> None:
        state.down, state.since = True, at
        state.held = self._silenced(state.name, at)
        try:
            state.incident = await Incident.create(
                service=state.name, opened_at=at, last_error=result.detail[:1000], held=state.held
            )
        except Exception as exc:
            if not is_database_error(exc):
                raise
            state.incident = None  # stored when it closes, once the database answers
        if state.held:
            log.warning("health: %s is down (alert held, muted): %s", state.name, result.detail)
            return
        log.warning("health: %s is down: %s", state.name, result.detail)
        await self._alert(
            f"{incident_key(state)}:open",
            Msg("🔴 **{service}** is down: {detail}", service=state.name, detail=result.detail),
            ack_button(state.incident),
        )

    async def _still_down(self, state: ServiceState, result: ProbeResult, at: datetime) -> None:
        incident = state.incident
        if state.held:
            await self._release(state, result, at)
        elif incident is not None and await self._reminder_due(incident, at):
            incident.reminded_at = at
            await self._alert(
                f"incident:{incident.id}:remind:{int(at.timestamp())}",
                Msg(
                    "🟠 **{service}** is still down after {took}: {detail}",
                    service=state.name,
                    took=human(at - incident.opened_at),
                    detail=result.detail,
                ),
                ack_button(incident),
            )
        if incident is not None:
            incident.last_error = result.detail[:1000]
            # Only the monitor's own fields: an Acknowledge press writes the others meanwhile.
            await incident.save(update_fields=["last_error", "reminded_at", "held"])

    async def _reminder_due(self, incident: Incident, at: datetime) -> bool:
        """Reminders come every `remind_every` until acknowledged, and not while muted."""
        every = self.policy.remind_every
        if every is None or at - (incident.reminded_at or incident.opened_at) < every:
            return False
        if self._silenced(incident.service, at):
            return False
        await incident.refresh_from_db(fields=["acknowledged_by"])  # pressed meanwhile?
        return incident.acknowledged_by is None

    async def _release(self, state: ServiceState, result: ProbeResult, at: datetime) -> None:
        """Send the alert held back by a mute or window once it has ended."""
        if self._silenced(state.name, at):
            return
        state.held = False
        since = state.since or at
        if state.incident is not None:
            state.incident.held, state.incident.reminded_at = False, at
        log.warning("health: %s is still down after its maintenance: %s", state.name, result.detail)
        await self._alert(
            f"{incident_key(state)}:open",
            Msg(
                "🔴 **{service}** is down: {detail} "
                "(for {took}, held back until the maintenance ended)",
                service=state.name,
                detail=result.detail,
                took=human(at - since),
            ),
            ack_button(state.incident),
        )

    async def _close(self, state: ServiceState, at: datetime) -> None:
        key, incident, since = incident_key(state), state.incident, state.since
        held, state.held = state.held, False
        state.down, state.incident, state.since = False, None, None
        if incident is not None:
            incident.closed_at = at
            await incident.save(update_fields=["closed_at", "last_error", "reminded_at", "held"])
            since = incident.opened_at
        elif since is not None:
            last = state.last.detail[:1000] if state.last else ""
            await Incident.create(
                service=state.name, opened_at=since, closed_at=at, last_error=last
            )
        else:
            return
        took = human(at - since)
        log.info("health: %s recovered after %s", state.name, took)
        if held:  # nobody was told it was down: nothing to tell now either
            return
        await self._alert(
            f"{key}:close",
            Msg("🟢 **{service}** is back up after {took}.", service=state.name, took=took),
        )

    async def _alert(self, key: str, text: Msg, buttons: Sequence[Button] = ()) -> None:
        if self.channel_id is not None:
            await self.outbox.post(key, self.channel_id, text, buttons=buttons, urgent=True)

    # -- reading -------------------------------------------------------------------------

    async def uptime(self, service: str, since: timedelta) -> float | None:
        """The share of successful checks over the period (samples and hourly roll-ups)."""
        start = now() - since
        query = HealthSample.filter(service=service, checked_at__gte=start)
        total, good = await query.count(), await query.filter(ok=True).count()
        rolled = HealthRollup.filter(service=service, hour__gte=start)
        for checks, ok in await rolled.values_list("checks", "ok"):
            total, good = total + checks, good + ok
        return good / total if total else None

    async def hourly_uptime(self, service: str, hours: int = 24) -> list[float | None]:
        """Uptime per hour for the last `hours` hours, oldest first."""
        start = now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
        rows = await HealthSample.filter(service=service, checked_at__gte=start).values_list(
            "checked_at", "ok"
        )
        buckets: list[list[int]] = [[0, 0] for _ in range(hours)]
        for checked_at, ok in rows:
            index = int((checked_at - start).total_seconds() // 3600)
            if 0 <= index < hours:
                buckets[index][0] += 1
                buckets[index][1] += int(ok)
        return [good / total if total else None for total, good in buckets]

    async def open_incidents(self) -> list[Incident]:
        return await Incident.filter(closed_at__isnull=True).order_by("opened_at")

    async def prune(
        self, keep_raw: timedelta = timedelta(hours=48), keep: timedelta = timedelta(days=90)
    ) -> int:
        """Roll samples older than `keep_raw` up into hourly rows, then delete them.

        Roll-ups and closed incidents older than `keep` are deleted too, so the tables
        stay small. Returns how many samples were rolled up.
        """
        cutoff = hour_of(now() - keep_raw)
        old = HealthSample.filter(checked_at__lt=cutoff)
        buckets: dict[tuple[str, datetime], list[float]] = {}
        for service, at, ok, latency in await old.values_list(
            "service", "checked_at", "ok", "latency_ms"
        ):
            bucket = buckets.setdefault((service, hour_of(at)), [0, 0, 0.0, 0])
            bucket[0] += 1
            bucket[1] += int(ok)
            if latency is not None:
                bucket[2] += latency
                bucket[3] += 1
        async with in_transaction():
            for (service, hour), (checks, ok, latency_sum, timed) in buckets.items():
                row, _ = await HealthRollup.get_or_create(
                    service=service, hour=hour, defaults={"checks": 0, "ok": 0}
                )
                row.checks += int(checks)
                row.ok += int(ok)
                row.latency_ms_sum += latency_sum
                row.latency_count += int(timed)
                await row.save()
            removed = await old.delete()
        await HealthRollup.filter(hour__lt=now() - keep).delete()
        await Incident.filter(closed_at__lt=now() - keep).delete()
        return removed

    # -- errors as incidents -------------------------------------------------------------

    async def frequent_errors(self, since: timedelta = timedelta(days=1)) -> list[ErrorBurst]:
        """Unexpected errors over the period grouped by type and place, most frequent first."""
        rows = await ErrorEvent.filter(created_at__gte=now() - since).order_by("-created_at")
        groups: dict[tuple[str, str | None], list[str]] = {}
        for row in rows:
            groups.setdefault((row.error_type, row.place), []).append(row.correlation_id)
        bursts = [ErrorBurst(t, p, len(ids), ids) for (t, p), ids in groups.items()]
        return sorted(bursts, key=lambda b: -b.count)

    async def alert_error_bursts(
        self, window: timedelta = timedelta(minutes=10), threshold: int = 3
    ) -> int:
        """One admin alert per repeating error and window; returns how many were raised."""
        if self.channel_id is None:
            return 0
        bucket = int(time.time() // window.total_seconds())
        raised = 0
        for event in await ErrorEvent.filter(critical=True, created_at__gte=now() - window):
            raised += await self.outbox.post(
                f"errors:critical:{event.correlation_id}",
                self.channel_id,
                Msg(
                    "🚨 Critical error `{error}` at `{place}` (id {id}): {message}",
                    error=event.error_type,
                    place=event.place,
                    id=event.correlation_id,
                    message=event.message[:300],
                ),
            )
        for burst in await self.frequent_errors(window):
            if burst.count < threshold:
                continue
            ids = ", ".join(burst.correlation_ids[:5])
            raised += await self.outbox.post(
                f"errors:{burst.error_type}:{burst.place}:{bucket}",
                self.channel_id,
                Msg(
                    "⚠️ `{error}` at `{place}` happened {count} times in {window}. "
                    "Latest ids: {ids}.",
                    error=burst.error_type,
                    place=burst.place,
                    count=burst.count,
                    window=human(window),
                    ids=ids,
                ),
            )
        return raised
