"""The command line across processes: SQLite's one process, and what a worker needs."""

from __future__ import annotations

import asyncio
import signal

from tests.harness import World
from tests.test_cli import bot_env, listening_port, run_cli


async def test_a_second_bot_on_the_same_sqlite_file_stops_with_one_line(world: World) -> None:
    """SQLite serves one process: a second `run` on the same database says so and exits 1."""
    env = bot_env(world, WEB_PORT="0")
    first = await run_cli(env)
    try:
        await listening_port(first)
        second = await run_cli(env)
        out, err = await asyncio.wait_for(second.communicate(), 30)
    finally:
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.communicate(), 10)
    database = world.settings().data_dir / "medianest.sqlite3"
    assert second.returncode == 1
    assert err.decode().strip() == (
        f"DATABASE_URL: another MediaNest process is already using {database}. SQLite serves "
        "one process; for a standby bot or download workers use PostgreSQL "
        "(docs/running-across-machines.md)."
    )
    assert "Traceback" not in err.decode() + out.decode()


async def test_a_worker_on_sqlite_stops_with_one_line(world: World) -> None:
    """`worker` needs PostgreSQL: on SQLite it prints that in one line, exit 1, no traceback."""
    env = bot_env(world, YOUTUBE_DOWNLOAD_DIR=str(world.tmp / "yt"))
    env.pop("DISCORD_TOKEN")  # a worker needs none
    proc = await run_cli(env, "worker")
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1
    assert out.decode().strip() == (
        "DATABASE_URL: download workers share the queue through PostgreSQL; with SQLite the "
        "bot runs its own workers (docs/running-across-machines.md)."
    )
    assert "Traceback" not in err.decode()
