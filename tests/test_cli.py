"""The command line: `check` against services up and down, `migrate`, and a clean SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import aiohttp
import pytest

from bot.__main__ import check
from tests.conftest import REDIS_URL
from tests.harness import World, free_port
from tests.services.test_ratelimit import redis_reachable


def bot_env(world: World, **extra: str) -> dict[str, str]:
    """The environment a `python -m bot` subprocess needs to run against the fakes."""
    settings = world.settings()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PLEX_"))}
    env.update(
        DISCORD_TOKEN=world.discord.token,
        DISCORD_API_URL=world.discord.api_url,
        DISCORD_GATEWAY_URL=world.discord.gateway_url,
        DISCORD_GUILD_ID=str(world.discord.guild_id),
        PLEX_URL=world.pms.url,
        PLEX_TOKEN="owner-token",
        PLEX_TV_URL=world.plextv.url,
        DATA_DIR=str(settings.data_dir),
        WEB_HOST="127.0.0.1",
        **extra,
    )
    return env


async def test_check_reports_every_service_ok(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """With every fake up, `check` prints one OK line per service and returns 0."""
    code = await check(world.settings())
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    by_name = {line.split()[1]: line for line in lines if not line.startswith("OFF")}
    assert set(by_name) == {"discord", "database", "plex", "overseerr", "disk"}
    assert all(line.startswith("OK  ") for line in by_name.values())
    assert "logged in as MediaNest" in by_name["discord"]
    assert "Home Plex" in by_name["plex"]


async def test_check_reports_a_down_service_and_fails(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """With Plex down, `check` prints FAIL for plex with the reason, and returns 1."""
    await world.pms.stop()
    code = await check(world.settings())
    out = capsys.readouterr().out
    assert code == 1
    plex_line = next(line for line in out.splitlines() if " plex " in line)
    assert plex_line.startswith("FAIL  plex       Plex: ConnectionError")
    assert "owner-token" not in out


async def test_check_reports_a_rejected_discord_token(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong DISCORD_TOKEN is a FAIL naming Discord's refusal, and the token is not shown."""
    code = await check(world.settings(discord_token="wrong-token-123"))
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  discord    Discord: HTTP 401" in out
    assert "wrong-token-123" not in out


async def run_cli(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_migrate_command_applies_migrations(world: World) -> None:
    """`python -m bot migrate` creates the database and says so."""
    proc = await run_cli(bot_env(world), "migrate")
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().strip() == "Database is up to date."
    assert (world.settings().data_dir / "medianest.sqlite3").exists()


async def test_sigterm_stops_the_bot_cleanly_within_eight_seconds(world: World) -> None:
    """A running `python -m bot` exits 0 within 8 s of SIGTERM, closing everything."""
    env = bot_env(world, WEB_PORT="0", LOG_LEVEL="INFO")
    proc = await run_cli(env)
    try:
        await world.discord.wait_ready(timeout=30)
        await asyncio.sleep(0.2)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 10)
        took = time.monotonic() - sent
    finally:
        if proc.returncode is None:
            proc.kill()
    log = err.decode()
    assert proc.returncode == 0, log
    assert took < 8
    assert "stopped cleanly" in log
    assert world.discord.token not in log
    assert "Unclosed" not in log


async def listening_port(proc: asyncio.subprocess.Process) -> int:
    """Read the bot's log until it says which port the web server bound."""
    assert proc.stderr is not None
    async with asyncio.timeout(30):
        while line := (await proc.stderr.readline()).decode():
            if "web server listening on" in line:
                return int(line.rsplit(":", 1)[1].split()[0])
    raise AssertionError("the bot never said where it listens")


async def test_healthz_answers_while_running(world: World) -> None:
    """The web server of a running bot answers /healthz (what Docker's HEALTHCHECK calls)."""
    proc = await run_cli(bot_env(world, WEB_PORT="0"))
    try:
        port = await listening_port(proc)
        url = f"http://127.0.0.1:{port}/healthz"
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 10)


async def test_check_probes_redis_when_configured(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """With REDIS_URL set, `check` PINGs Redis: OK when it answers, FAIL on a dead port."""
    if not await redis_reachable():
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    assert await check(world.settings(redis_url=REDIS_URL)) == 0
    assert "OK    redis      PING answered" in capsys.readouterr().out
    assert await check(world.settings(redis_url=f"redis://127.0.0.1:{free_port()}/0")) == 1
    assert "FAIL  redis" in capsys.readouterr().out


async def test_check_says_whether_the_cookie_file_is_readable(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """With YOUTUBE_COOKIES_FILE set, `check` says whether it is readable, never its contents."""
    cookies = world.tmp / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n.youtube.com\tTRUE\t/\tTRUE\t0\tSID\tsecret-sid\n"
    )
    youtube = {"youtube_download_dir": world.tmp / "yt", "youtube_plex_section": "YouTube"}

    assert await check(world.settings(youtube_cookies_file=cookies, **youtube)) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if " cookies " in line)
    assert line.startswith("OK    cookies    YOUTUBE_COOKIES_FILE is a readable cookie file")

    missing = world.tmp / "gone.txt"
    assert await check(world.settings(youtube_cookies_file=missing, **youtube)) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if " cookies " in line)
    assert line.startswith("FAIL  cookies    OSError: YOUTUBE_COOKIES_FILE cannot be read")
    assert "secret-sid" not in out
