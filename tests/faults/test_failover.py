"""Two bots on one PostgreSQL: one leads, the other stands by and takes over.

Real `python -m bot` processes on a PostgreSQL cluster of the test's own, against the
fake Discord, Plex and Overseerr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.services.cluster.processes import processes
from storage import db
from storage.models import OutboxMessage, OutboxStatus, TargetKind
from tests.eventually import eventually
from tests.faults.servers import PostgresCluster, postgres_cluster
from tests.harness import GENERAL, World
from tests.test_cli import bot_env, listening_port, run_cli

pytestmark = pytest.mark.timeout(240)
CHECK = "0.5"  # CLUSTER_CHECK_SECONDS: how often a standby tries the lock


@pytest.fixture
async def cluster() -> AsyncIterator[PostgresCluster]:
    async with postgres_cluster() as running:
        yield running


class Bot:
    """One `python -m bot` process and the port its web server bound."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc = proc
        self.port = port

    async def readyz(self) -> dict:  # type: ignore[type-arg]
        url = f"http://127.0.0.1:{self.port}/readyz"
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            return json.loads(await resp.text())

    async def stop(self) -> str:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(self.proc.communicate(), 20)
        return err.decode()


async def start_bot(world: World, url: str) -> Bot:
    env = bot_env(world, WEB_PORT="0", DATABASE_URL=url, CLUSTER_CHECK_SECONDS=CHECK)
    proc = await run_cli(env)
    return Bot(proc, await listening_port(proc))


async def role(bot: Bot, wanted: str, timeout: float = 30) -> None:
    async def has_role() -> bool:
        return (await bot.readyz()).get("role") == wanted

    await eventually(has_role, timeout)


async def help_answered(world: World, timeout: float) -> float:
    """Seconds until a /help is answered by whichever bot is connected."""
    start = time.monotonic()
    async with asyncio.timeout(timeout):
        while True:
            with contextlib.suppress(Exception):
                interaction = await world.discord.slash(world.users["alice"], "help")
                await interaction.response(1.0)
                return time.monotonic() - start
            await asyncio.sleep(0.2)


async def queue_posts(keys: list[str]) -> None:
    for key in keys:
        await OutboxMessage.create(
            dedupe_key=key,
            target_kind=TargetKind.CHANNEL,
            target_id=GENERAL,
            content=f"post {key}",
            status=OutboxStatus.PENDING,
            next_attempt_at=datetime.now(UTC),
        )


def posted(world: World, key: str) -> int:
    return sum(1 for m in world.discord._messages.values() if m["content"] == f"post {key}")


async def all_sent(keys: list[str], timeout: float = 30) -> None:
    async def sent() -> bool:
        count = await OutboxMessage.filter(dedupe_key__in=keys, status=OutboxStatus.SENT).count()
        return count >= len(keys)

    await eventually(sent, timeout)


async def test_the_standby_takes_over_and_nothing_is_sent_twice(
    world: World, cluster: PostgresCluster
) -> None:
    """kill -9 the leader: the standby answers /help within 30 s and delivers the pending
    posts once each; the old leader, restarted, stands by and sends nothing."""
    url = cluster.url
    await db.migrate_database(url)
    first = await start_bot(world, url)
    await role(first, "leader")
    await world.discord.wait_ready(timeout=30)
    second = await start_bot(world, url)
    await role(second, "standby")
    async with db.database(url):
        listed = await processes()  # what /status shows
        assert [p.role for p in listed] == ["leader", "standby"]
        await queue_posts(["a1", "a2"])
        await all_sent(["a1", "a2"])
        os.kill(first.proc.pid, signal.SIGKILL)
        await first.proc.wait()
        await queue_posts(["b1", "b2", "b3"])  # waiting while nobody leads
        took = await help_answered(world, timeout=30)
        await role(second, "leader")
        await all_sent(["b1", "b2", "b3"])
        restarted = await start_bot(world, url)
        await role(restarted, "standby")
        await queue_posts(["c1", "c2"])
        await all_sent(["c1", "c2"])
        await asyncio.sleep(1.0)  # a second sender would have posted by now
        for key in ["a1", "a2", "b1", "b2", "b3", "c1", "c2"]:
            assert posted(world, key) == 1, key
        assert (await restarted.readyz())["role"] == "standby"
        logs = [await restarted.stop(), await second.stop()]
    assert took < 30
    assert all("Traceback" not in log for log in logs), logs


class Link:
    """A TCP proxy to PostgreSQL that the test can cut (every connection dropped, new ones
    refused) and mend: a network partition of one process from the database."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def mend(self) -> None:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.pipes):
            writer.transport.abort()
        await self.server.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self.pipes |= {writer, up_writer}

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        self.pipes -= {writer, up_writer}


async def test_a_leader_cut_off_from_postgres_stops_sending_and_the_standby_leads(
    world: World, cluster: PostgresCluster
) -> None:
    """A partition between the leader and PostgreSQL closes its fence at once and the
    standby leads; when the link returns, the old leader finds another leader and exits
    with one line, having sent nothing twice."""
    url = cluster.url
    await db.migrate_database(url)
    link = Link(cluster.port)
    await link.mend()
    first = await start_bot(world, url.replace(f":{cluster.port}/", f":{link.port}/"))
    await role(first, "leader")
    await world.discord.wait_ready(timeout=30)
    second = await start_bot(world, url)
    await role(second, "standby")
    await link.cut()
    await role(second, "leader", timeout=15)
    async with db.database(url):
        await queue_posts(["p1", "p2"])
        await all_sent(["p1", "p2"])
        await link.mend()
        _, err = await asyncio.wait_for(first.proc.communicate(), 20)
        await queue_posts(["p3"])
        await all_sent(["p3"])
        await asyncio.sleep(0.5)
        assert [posted(world, k) for k in ("p1", "p2", "p3")] == [1, 1, 1]
    log = err.decode()
    assert first.proc.returncode == 1
    assert "another process leads now: stopping" in log
    assert "Traceback" not in log
    assert "Traceback" not in await second.stop()
