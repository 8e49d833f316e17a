"""Who may talk to Discord: the process holding a PostgreSQL advisory lock.

The lock lives on a connection of its own (a pooled one would hand the session to other
queries), so it is released the moment that session ends: a killed process, a lost network
or a terminated backend. Each new leader raises a stored epoch; the outbox asks `holds()`
before it sends, so a deposed leader that still runs sends nothing (fencing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import asyncpg

from bot.services.cluster.processes import process_name

log = logging.getLogger(__name__)

# Any fixed 64-bit number; the letters of "MNST" so it is recognisable in pg_locks.
LOCK_KEY = 0x4D4E5354
TAKE_EPOCH = """
INSERT INTO cluster_leader (id, epoch, holder, since) VALUES (1, 1, $1, now())
ON CONFLICT (id) DO UPDATE
SET epoch = cluster_leader.epoch + 1, holder = EXCLUDED.holder, since = EXCLUDED.since
RETURNING epoch
"""
Connect = Callable[[], Awaitable[Any]]


def asyncpg_connect(url: str) -> Connect:
    """How to open a connection of our own to DATABASE_URL (its `schema` kept, pool options not)."""
    parts = urlsplit(url)
    dsn = urlunsplit(parts._replace(scheme="postgresql", query=""))
    schema = parse_qs(parts.query).get("schema")
    settings = {"search_path": schema[0]} if schema else None

    async def connect() -> Any:
        return await asyncpg.connect(dsn, timeout=10, server_settings=settings)

    return connect


class Leadership:
    """Becomes leader when it can take the lock; knows when it is no longer one."""

    def __init__(
        self,
        database_url: str,
        name: str | None = None,
        *,
        retry_every: float = 5.0,
        check_every: float = 5.0,
        query_timeout: float = 5.0,
        connect: Connect | None = None,
    ) -> None:
        self.name = name or process_name()
        self.retry_every = retry_every
        self.check_every = check_every
        self.query_timeout = query_timeout
        self._connect: Connect = connect or asyncpg_connect(database_url)
        self._conn: Any = None
        self._use = asyncio.Lock()  # one query at a time on the lock's connection
        self.epoch: int | None = None
        self.lost = asyncio.Event()

    @property
    def leading(self) -> bool:
        return self._conn is not None and not self.lost.is_set()

    async def try_acquire(self) -> bool:
        """One attempt: take the lock and a new epoch; False when another process leads."""
        conn = await self._connect()
        try:
            got = await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
            if not got:
                await conn.close()
                return False
            epoch = await conn.fetchval(TAKE_EPOCH, self.name)
        except BaseException:
            await _close_quietly(conn)
            raise
        self._conn, self.epoch = conn, int(epoch)
        self.lost.clear()
        log.info("cluster: %s is the leader (epoch %s)", self.name, self.epoch)
        return True

    async def acquire(self) -> None:
        """Wait until this process leads; a database that does not answer is tried again."""
        waiting_logged = False
        while True:
            try:
                if await self.try_acquire():
                    return
                if not waiting_logged:
                    log.info("cluster: %s is on standby; another process leads", self.name)
                    waiting_logged = True
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("cluster: cannot reach the database to lead (%r); retrying", exc)
            await asyncio.sleep(self.retry_every)

    async def holds(self) -> bool:
        """True while the lock's session answers and no later leader has taken an epoch."""
        if not self.leading:
            return False
        try:
            async with self._use:
                current = await asyncio.wait_for(
                    self._conn.fetchval("SELECT epoch FROM cluster_leader WHERE id = 1"),
                    self.query_timeout,
                )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            self._depose(f"the database connection failed: {exc!r}")
            return False
        if current != self.epoch:
            self._depose(f"epoch {current} replaced ours ({self.epoch})")
            return False
        return True

    async def watch(self) -> None:
        """Keep checking the lock; returns only once another process is known to lead.

        While the database is away the fence stays closed (`holds()` is False) and the lock
        is taken again as soon as the database answers, unless a standby took it meanwhile.
        """
        while True:
            if self.leading and await self.holds():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.lost.wait(), self.check_every)
                continue
            await self.release()
            try:
                if not await self.try_acquire():
                    log.error("cluster: %s: another process leads now", self.name)
                    return
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("cluster: cannot reach the database to lead again (%r)", exc)
                await asyncio.sleep(self.retry_every)

    def _depose(self, why: str) -> None:
        if not self.lost.is_set():
            log.error("cluster: %s is no longer the leader: %s", self.name, why)
        self.lost.set()

    async def release(self) -> None:
        """Give the lock up (at a clean stop) so a standby takes over at once."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await _close_quietly(conn)


async def _close_quietly(conn: Any) -> None:
    try:
        await asyncio.wait_for(conn.close(), 2)
    except Exception:
        conn.terminate()
