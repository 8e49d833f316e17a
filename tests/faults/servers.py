"""Servers a fault test owns: its own redis-server and PostgreSQL cluster, stopped and started.

Never the machine's shared servers: each one here runs on a free port in a temporary
folder, and the test that started it stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.harness import free_port


async def _run(*argv: str, user: str | None = None, timeout: float = 60) -> None:
    """Run a command to completion; fail the test with its output when it fails."""
    if user and os.geteuid() == 0:
        argv = ("runuser", "-u", user, "--", *argv)
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}): {out.decode()[-2000:]}")


@dataclass
class RedisServer:
    """A redis-server of the test's own; `stop` and `start` keep its port."""

    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await _until_port(self.port)

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        self.process = None


@asynccontextmanager
async def redis_server() -> AsyncIterator[RedisServer]:
    """A running redis-server on a free port, stopped at the end whatever happened."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, its own port)."""

    bin: Path
    folder: Path
    user: str | None
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    async def init(self) -> None:
        await _run(
            str(self.bin / "initdb"),
            "-D",
            str(self.folder / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            user=self.user,
        )

    async def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        await _run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
            user=self.user,
        )

    async def stop(self) -> None:
        data = str(self.folder / "data")
        await _run(str(self.bin / "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop", user=self.user)


@asynccontextmanager
async def postgres_cluster() -> AsyncIterator[PostgresCluster]:
    """A running PostgreSQL cluster on a free port, stopped and removed at the end."""
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    root = os.geteuid() == 0
    if root:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no postgres user to run the server")
    folder = Path(tempfile.mkdtemp(prefix="medianest-pg-"))
    if root:
        shutil.chown(folder, "postgres")
    cluster = PostgresCluster(binaries, folder, "postgres" if root else None)
    try:
        await cluster.init()
        await cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(RuntimeError):  # already stopped by the test
                await cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _until_port(port: int, timeout: float = 10) -> None:
    """Wait until something listens on 127.0.0.1:port."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return
