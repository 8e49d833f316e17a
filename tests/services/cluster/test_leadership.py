"""The leader lock on PostgreSQL: one leader at a time, a new epoch each time, fencing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.services.cluster.leadership import Leadership
from tests.conftest import POSTGRES_ADMIN
from tests.templates import drop_postgres, migrated_postgres


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    try:
        url = await migrated_postgres(POSTGRES_ADMIN)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN} is unreachable: {exc}")
    try:
        yield url
    finally:
        await drop_postgres(POSTGRES_ADMIN, url)


def leader(url: str, name: str) -> Leadership:
    return Leadership(url, name, retry_every=0.05, check_every=0.05, query_timeout=2)


async def test_only_one_process_leads_and_the_next_takes_a_higher_epoch(pg_url: str) -> None:
    """While A holds the lock B stays standby; when A lets go, B leads with epoch + 1."""
    a, b = leader(pg_url, "a"), leader(pg_url, "b")
    assert await a.try_acquire()
    assert not await b.try_acquire()
    assert await a.holds()
    first = a.epoch
    await a.release()
    await asyncio.wait_for(b.acquire(), 5)
    assert b.epoch == first + 1  # type: ignore[operator]
    assert not a.leading and await b.holds()
    await b.release()


async def test_a_leader_whose_session_is_terminated_is_fenced_out(pg_url: str) -> None:
    """Terminating the leader's backend frees the lock; B takes over and A's holds() is False."""
    a, b = leader(pg_url, "a"), leader(pg_url, "b")
    assert await a.try_acquire()
    admin = await asyncpg.connect(pg_url.replace("postgres://", "postgresql://"))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            "WHERE locktype = 'advisory' AND objid = $1 AND granted",
            0x4D4E5354,
        )
    finally:
        await admin.close()
    await asyncio.wait_for(b.acquire(), 5)
    await asyncio.wait_for(a.watch(), 5)  # returns once A notices
    assert a.lost.is_set()
    assert not await a.holds()
    assert await b.holds()
    await a.release()
    await b.release()


async def test_a_stale_epoch_is_refused_even_while_the_session_answers(pg_url: str) -> None:
    """A leader whose epoch was replaced (e.g. it was partitioned and came back) sends nothing."""
    a = leader(pg_url, "a")
    assert await a.try_acquire()
    admin = await asyncpg.connect(pg_url.replace("postgres://", "postgresql://"))
    try:
        await admin.execute("UPDATE cluster_leader SET epoch = epoch + 1 WHERE id = 1")
    finally:
        await admin.close()
    assert not await a.holds()
    assert a.lost.is_set()
    await a.release()


async def test_standby_waits_while_the_database_is_unreachable() -> None:
    """acquire() keeps trying when PostgreSQL does not answer, and never raises."""
    calls = 0

    async def refused() -> object:
        nonlocal calls
        calls += 1
        raise OSError("connection refused")

    standby = Leadership("postgres://x@127.0.0.1:1/x", "s", retry_every=0.01, connect=refused)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(standby.acquire(), 0.2)
    assert calls >= 3
    assert not standby.leading
