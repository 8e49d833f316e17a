"""Each process's heartbeat, so `/status` can list the leader, standbys and workers."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.models import ClusterProcess

log = logging.getLogger(__name__)
BEAT_EVERY = timedelta(seconds=10)
GONE_AFTER = timedelta(minutes=10)  # a row older than this is a process that stopped


def process_name() -> str:
    """This process as it appears in logs and on /status: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ProcessInfo:
    """One process as `/status` shows it."""

    name: str
    role: str
    started_at: datetime
    heartbeat_at: datetime

    def stale(self, at: datetime) -> bool:
        """No heartbeat for three beats: the process is probably gone."""
        return at - self.heartbeat_at > 3 * BEAT_EVERY


class Heartbeat:
    """Stores this process's role and the time it last answered."""

    def __init__(self, name: str, role: str) -> None:
        self.name = name
        self.role = role
        self.started_at = now()

    def become(self, role: str) -> None:
        self.role = role

    async def beat(self) -> None:
        """Store (or refresh) this process's row; forget processes long gone."""
        at = now()
        updated = await ClusterProcess.filter(name=self.name).update(
            role=self.role, heartbeat_at=at
        )
        if not updated:
            await ClusterProcess.create(
                name=self.name, role=self.role, started_at=self.started_at, heartbeat_at=at
            )
        await ClusterProcess.filter(heartbeat_at__lt=at - GONE_AFTER).delete()

    async def run(self) -> None:
        """Beat every BEAT_EVERY for as long as the process runs (cancelled at stop)."""
        while True:
            try:
                await self.beat()
            except Exception as exc:  # the database is away: the next beat tries again
                log.warning("cluster: heartbeat of %s failed: %r", self.name, exc)
            await asyncio.sleep(BEAT_EVERY.total_seconds())

    async def leave(self) -> None:
        """A clean stop: the row goes at once."""
        await ClusterProcess.filter(name=self.name).delete()


async def processes() -> list[ProcessInfo]:
    """Every process with a recent heartbeat, leader first."""
    order = {"leader": 0, "standby": 1, "worker": 2}
    rows = await ClusterProcess.filter(heartbeat_at__gte=now() - GONE_AFTER)
    found = [ProcessInfo(r.name, r.role, r.started_at, r.heartbeat_at) for r in rows]
    return sorted(found, key=lambda p: (order.get(p.role, 9), p.name))
