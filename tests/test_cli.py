"""The command line: `check` against services up and down, `migrate`, and a clean SIGTERM."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bot.__main__ import check
from bot.services.setup import Places
from storage import db
from tests.conftest import REDIS_URL
from tests.eventually import eventually
from tests.harness import ANNOUNCE, GENERAL, HEALTH, World, free_port
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
    )
    env.update(extra)
    return env


async def register_commands(world: World, *names: str) -> None:
    """Register guild slash commands the way the bot's sync does (PUT over REST)."""
    fake = world.discord
    url = f"{fake.api_url}/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
    body = [{"name": name, "description": f"the {name} command"} for name in names]
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as http, http.put(url, json=body, headers=headers) as resp:
        assert resp.status == 200, await resp.text()


def lines_named(out: str, name: str) -> list[str]:
    """The result lines of one check (the name is the second column)."""
    return [line for line in out.splitlines() if line.split()[1:2] == [name]]


async def test_check_reports_every_service_ok(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """With every fake up, `check` prints one OK line per service and returns 0."""
    await register_commands(world, "help", "link")
    code = await check(world.settings())
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert code == 0, out
    by_name = {line.split()[1]: line for line in lines if not line.startswith("OFF")}
    assert set(by_name) == {
        "discord",
        "guild",
        "commands",
        "channel",
        "data-dir",
        "database",
        "plex",
        "overseerr",
        "disk",
    }
    warnings = [line for line in lines if line.startswith("WARN")]
    assert warnings == [
        "WARN  channel    HEALTH_CHANNEL_ID #health is visible to @everyone: alerts and the "
        "dashboard are for admins, make it private"
    ]
    ok = [line for line in lines if not line.startswith(("OFF", "WARN"))]
    assert all(line.startswith("OK  ") for line in ok), out
    assert "logged in as MediaNest" in by_name["discord"]
    assert "in MediaNest Test Guild" in by_name["guild"]
    assert "2 registered in the guild: /help, /link" in by_name["commands"]
    channels = [line for line in lines_named(out, "channel") if line.startswith("OK")]
    assert len(channels) == 2
    assert "HEALTH_CHANNEL_ID #health: View Channel" in channels[0]
    assert "Pin Messages" in channels[0] and "Pin Messages" not in channels[1]
    assert "NOTIFY_CHANNEL_ID #announcements" in channels[1]
    assert "Home Plex" in by_name["plex"]


async def test_check_names_the_overseerr_server(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The overseerr line names the server that answered (Overseerr, Jellyseerr, Seerr)."""
    world.overseerr.use_server("seerr", "3.1.0")
    await check(world.settings())
    [line] = lines_named(capsys.readouterr().out, "overseerr")
    assert line.startswith("OK    overseerr  Seerr 3.1.0, API key accepted"), line
    world.overseerr.use_server("overseerr", "1.33.2")
    await check(world.settings())
    [line] = lines_named(capsys.readouterr().out, "overseerr")
    assert line.startswith("OK    overseerr  Overseerr 1.33.2, API key accepted"), line


async def test_check_reports_a_down_service_and_fails(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """With Plex down, `check` prints FAIL for plex with the reason, and returns 1."""
    await world.pms.stop()
    code = await check(world.settings())
    out = capsys.readouterr().out
    assert code == 1
    plex_line = next(line for line in out.splitlines() if " plex " in line)
    port = world.pms.url.rsplit(":", 1)[1]
    assert plex_line.startswith(
        f"FAIL  plex       Plex: cannot connect to 127.0.0.1:{port}: connection refused"
    ), plex_line
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
    (world.settings().data_dir / "medianest.sqlite3").unlink()  # the harness's ready-made one
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


async def test_sigterm_during_start_up_stops_the_bot(world: World) -> None:
    """SIGTERM while Discord never answers the login still ends the process, exit 0."""
    held: list[asyncio.StreamWriter] = []

    async def silent(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # accept, then never answer

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    env = bot_env(world, WEB_PORT="0", LOG_LEVEL="INFO")
    env["DISCORD_API_URL"] = f"http://127.0.0.1:{port}/api/v10"
    proc = await run_cli(env)
    try:
        await eventually(lambda: held, timeout=30)  # the bot is now stuck logging in
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
        for writer in held:
            writer.close()
        server.close()
    assert proc.returncode == 0, err.decode()
    assert "stopped during start-up" in err.decode()


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
    await register_commands(world, "help")
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

    await check(world.settings(youtube_cookies_file=cookies, **youtube))
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if " cookies " in line)
    assert line.startswith("OK    cookies    YOUTUBE_COOKIES_FILE is a readable cookie file")

    missing = world.tmp / "gone.txt"
    assert await check(world.settings(youtube_cookies_file=missing, **youtube)) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if " cookies " in line)
    assert line.startswith("FAIL  cookies    YOUTUBE_COOKIES_FILE cannot be read")
    assert "secret-sid" not in out


async def test_check_names_a_bot_that_is_not_in_the_guild(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """When the bot is not a member of DISCORD_GUILD_ID, `check` says so with an invite link."""
    world.discord.leave_guild()
    code = await check(world.settings())
    out = capsys.readouterr().out
    assert code == 1
    guild = lines_named(out, "guild")
    assert len(guild) == 1
    app = world.discord.application_id
    assert guild[0] == (
        "FAIL  guild      the bot is not in DISCORD_GUILD_ID 2000, or was invited without the "
        "applications.commands scope: add it with https://discord.com/oauth2/authorize?"
        f"client_id={app}&scope=bot+applications.commands&permissions=2251799813803008"
        "&guild_id=2000 (permissions integer 2251799813803008)"
    )
    assert lines_named(out, "channel") == []


async def test_check_names_a_missing_channel_permission(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A channel overwrite that takes Attach Files from the bot's role is named in a FAIL line."""
    await register_commands(world, "help")
    world.discord.set_overwrite(HEALTH, world.discord.bot_role_id, deny=1 << 15)
    # @everyone may not see #announcements, but the bot's role may: that one stays OK.
    world.discord.set_overwrite(ANNOUNCE, world.discord.guild_id, deny=1 << 10)
    world.discord.set_overwrite(ANNOUNCE, world.discord.bot_role_id, allow=1 << 10)
    code = await check(world.settings())
    out = capsys.readouterr().out
    assert code == 1
    health, warning, announce = lines_named(out, "channel")
    assert warning.startswith("WARN  channel    HEALTH_CHANNEL_ID #health is visible to @everyone")
    assert health == "FAIL  channel    HEALTH_CHANNEL_ID #health: the bot lacks Attach Files"
    assert announce.startswith("OK    channel    NOTIFY_CHANNEL_ID #announcements: View Channel")


async def test_check_has_no_warning_for_a_private_health_channel(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A health channel hidden from @everyone but open to the bot's role passes without WARN."""
    await register_commands(world, "help")
    world.discord.set_overwrite(HEALTH, world.discord.guild_id, deny=1 << 10)
    world.discord.set_overwrite(HEALTH, world.discord.bot_role_id, allow=1 << 10)
    assert await check(world.settings()) == 0
    out = capsys.readouterr().out
    assert "WARN" not in out
    assert lines_named(out, "channel")[0].startswith("OK    channel    HEALTH_CHANNEL_ID #health")


async def test_check_covers_the_channels_chosen_in_setup(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A channel stored by /setup (none in the environment) gets its own permission line."""
    await register_commands(world, "help")
    world.discord.set_overwrite(GENERAL, world.discord.bot_role_id, deny=1 << 15)
    settings = world.settings(notify_channel_id=None)
    async with db.database(settings.resolved_database_url):
        await Places(settings).choose("notify_channel_id", GENERAL)
    assert await check(settings) == 1
    lines = lines_named(capsys.readouterr().out, "channel")
    assert "FAIL  channel    NOTIFY_CHANNEL_ID #general: the bot lacks Attach Files" in lines


async def test_check_names_a_channel_the_bot_cannot_see(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member overwrite that hides the health channel from the bot fails with every need named."""
    world.discord.set_overwrite(HEALTH, world.discord.bot_user_id, deny=1 << 10)
    assert await check(world.settings()) == 1
    health = lines_named(capsys.readouterr().out, "channel")[0]
    assert health.startswith(
        "FAIL  channel    HEALTH_CHANNEL_ID #health: the bot lacks View Channel"
    )
    assert health.endswith("Read Message History, Pin Messages")


async def test_check_warns_when_no_commands_are_registered_yet(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a new install (before the first `run`) no slash commands exist: a WARN that says what
    registers them, not a FAIL, so "fix every FAIL" works on a fresh install."""
    world.discord.set_overwrite(HEALTH, world.discord.guild_id, deny=1 << 10)
    world.discord.set_overwrite(HEALTH, world.discord.bot_role_id, allow=1 << 10)
    assert await check(world.settings()) == 0
    (line,) = lines_named(capsys.readouterr().out, "commands")
    assert line == (
        "WARN  commands   no slash commands registered in the guild yet: they are registered "
        "when the bot first starts (`run`)"
    )


async def test_check_with_an_invalid_token_stops_after_the_discord_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused token gives one FAIL that says which setting to fix; no guild lines follow."""
    assert await check(world.settings(discord_token="not-the-token")) == 1
    out = capsys.readouterr().out
    (line,) = lines_named(out, "discord")
    assert line.startswith("FAIL  discord    Discord: HTTP 401")
    assert "check DISCORD_TOKEN" in line
    assert lines_named(out, "guild") == [] and "not-the-token" not in out


def read_only_for_us(folder: Path) -> list[str]:
    """Make `folder` unwritable for a subprocess; returns the command prefix that makes it so.

    Root ignores mode bits, so as root the subprocess runs without CAP_DAC_OVERRIDE (setpriv),
    which makes a root-owned 0555 folder unwritable for it, as a root-owned bind mount is
    for uid 10001 in the image.
    """
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", f"open({str(folder / 'x')!r}, 'w')"], capture_output=True
    )
    if probe.returncode == 0:
        (folder / "x").unlink()
        pytest.skip("cannot make a folder unwritable for a subprocess here")
    return prefix


@pytest.mark.parametrize("command", ["migrate", "run"])
async def test_unwritable_data_dir_stops_at_once_with_one_line(
    world: World, tmp_path: Path, command: str
) -> None:
    """`migrate` and `run` with a DATA_DIR they cannot write exit 1 with one line naming it."""
    data = tmp_path / "locked"
    prefix = read_only_for_us(data)
    env = bot_env(world, DATA_DIR=str(data), WEB_PORT="0")
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "bot", command, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert proc.returncode == 1
    lines = err.decode().splitlines()
    assert lines == [
        f"DATA_DIR: {data} is not writable by uid 0 (permission denied): give uid 0 write "
        "access (for a bind mount: `chown -R 0` the folder on the host)"
    ] or (os.geteuid() != 0 and len(lines) == 1 and f"{data} is not writable" in lines[0])
    assert out == b""
    assert not world.discord.gateway_received


async def test_check_shows_an_unwritable_data_dir_as_a_fail_line(
    world: World, tmp_path: Path
) -> None:
    """`check` with an unwritable DATA_DIR prints a FAIL line for it, no traceback, and exits 1."""
    data = tmp_path / "locked"
    prefix = read_only_for_us(data)
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "bot", "check", env=bot_env(world, DATA_DIR=str(data)),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    text = out.decode()
    (line,) = lines_named(text, "data-dir")
    assert line.startswith(f"FAIL  data-dir   {data} is not writable by uid")
    assert lines_named(text, "discord")[0].startswith("OK")
    assert "Traceback" not in err.decode()


@pytest.mark.parametrize("command", ["migrate", "run"])
async def test_missing_postgres_stops_at_once_with_one_line(
    world: World, tmp_path: Path, command: str
) -> None:
    """With DATABASE_URL on a closed port, `migrate` and `run` exit 1 with one clear line."""
    port = free_port()
    env = bot_env(world, DATABASE_URL=f"postgres://medianest@127.0.0.1:{port}/medianest")
    proc = await run_cli(env, command)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert proc.returncode == 1
    assert err.decode().splitlines() == [
        f"DATABASE_URL: cannot open the database: cannot connect to 127.0.0.1:{port}: "
        "connection refused"
    ]
    assert not world.discord.gateway_received
