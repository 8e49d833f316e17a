"""A fresh start with a mistake the admin can fix: one line, never a traceback (issue 22).

Each test starts the real `python -m bot` against the fakes and reads what it prints.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import World, free_port
from tests.test_cli import bot_env, run_cli

UNREACHABLE = re.compile(
    r"Discord is unreachable \(cannot connect to 127\.0\.0\.1:(\d+): connection refused\): "
    r"check this machine's network and DNS; retrying in \d+ s$"
)


class Log:
    """The lines a running bot writes to stderr, read as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    async def until(self, pattern: str | re.Pattern[str], timeout: float = 30) -> str:
        """Read until a line's message part (after the logger name) matches; returns it."""
        wanted = re.compile(pattern) if isinstance(pattern, str) else pattern
        assert self.proc.stderr is not None
        async with asyncio.timeout(timeout):
            for line in self.lines:
                if wanted.search(message(line)):
                    return message(line)
            while raw := await self.proc.stderr.readline():
                self.lines.append(raw.decode().rstrip("\n"))
                if wanted.search(message(self.lines[-1])):
                    return message(self.lines[-1])
        raise AssertionError(f"no line matching {wanted.pattern}: {self.lines}")

    async def stop(self) -> int:
        """SIGTERM, then the rest of the output; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(self.proc.communicate(), 15)
        self.lines += err.decode().splitlines()
        assert self.proc.returncode is not None
        return self.proc.returncode

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def message(line: str) -> str:
    """A log line without its time, level and logger: `2026-… WARNING bot.x: text` → text."""
    head = re.match(r"^\S+ \S+ (?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+\S+: ", line)
    return line[head.end() :] if head else line


async def start(env: dict[str, str], *args: str) -> Log:
    return Log(await run_cli(env, *args))


async def finish(env: dict[str, str], *args: str) -> tuple[int, list[str], str]:
    """Run a command to its end: exit code, stderr lines, stdout."""
    proc = await run_cli(env, *args)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, err.decode().splitlines(), out.decode()


async def test_bot_not_in_the_guild_keeps_running_and_syncs_when_it_joins(world: World) -> None:
    """Not in DISCORD_GUILD_ID: one line with the invite link and permissions integer, the bot
    keeps running, and registers its commands in the guild as soon as it is added."""
    world.discord.leave_guild()
    log = await start(bot_env(world, WEB_PORT="0"))
    try:
        app = world.discord.application_id
        line = await log.until("the bot is not in DISCORD_GUILD_ID")
        assert line == (
            "the bot is not in DISCORD_GUILD_ID 2000, or was invited without the "
            "applications.commands scope: add it with https://discord.com/oauth2/authorize?"
            f"client_id={app}&scope=bot+applications.commands&permissions=2251799813803008"
            "&guild_id=2000 (permissions integer 2251799813803008); the slash commands are "
            "registered as soon as it joins"
        )
        await world.discord.wait_ready(timeout=30)
        assert log.proc.returncode is None
        assert world.discord.commands(world.discord.guild_id) == []

        await world.discord.join_guild()
        synced = await log.until(r"^synced \d+ slash commands")
        assert re.fullmatch(
            r"synced \d+ slash commands to the guild 2000 \(shown at once\)", synced
        )
        assert {c["name"] for c in world.discord.commands(world.discord.guild_id)} >= {"help"}
    finally:
        code = await log.stop()
    assert code == 0, log.text
    assert "Traceback" not in log.text


async def test_run_says_where_commands_were_synced(world: World) -> None:
    """`run` says whether the commands went to the guild (at once) or globally (up to an hour)."""
    log = await start(bot_env(world, WEB_PORT="0"))
    try:
        line = await log.until(r"^synced \d+ slash commands")
        assert line.endswith("slash commands to the guild 2000 (shown at once)")
    finally:
        await log.stop()
    env = bot_env(world, WEB_PORT="0")
    del env["DISCORD_GUILD_ID"]
    log = await start(env)
    try:
        line = await log.until(r"^synced \d+ slash commands")
        assert line.endswith(
            "slash commands globally (DISCORD_GUILD_ID is not set): Discord can take up to an "
            "hour to show them; set DISCORD_GUILD_ID for instant updates"
        )
    finally:
        await log.stop()
    assert "Traceback" not in log.text


@pytest.mark.parametrize("command", ["run", "check"])
async def test_web_port_in_use_is_one_line(world: World, command: str) -> None:
    """WEB_PORT held by another program: `run` exits 1 with one line naming WEB_PORT, before
    touching Discord; `check` FAILs it."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        code, err, out = await finish(bot_env(world, WEB_PORT=str(port)), command)
    assert code == 1
    text = (
        f"WEB_PORT {port} is already in use on 127.0.0.1: stop what listens there or set "
        "WEB_PORT to a free port"
    )
    if command == "run":
        assert err == [text.replace("WEB_PORT ", "WEB_PORT: ", 1)]
        assert not world.discord.gateway_received
    else:
        assert f"FAIL  web-port   {text}" in out.splitlines()
        assert "Traceback" not in "\n".join(err)


async def test_discord_unreachable_is_one_line_per_retry_and_the_bot_keeps_waiting(
    world: World,
) -> None:
    """With Discord's API unreachable the bot says so in one line, keeps retrying with backoff
    (web server up meanwhile), and SIGTERM still stops it cleanly."""
    port = free_port()
    env = bot_env(world, WEB_PORT="0", DISCORD_API_URL=f"http://127.0.0.1:{port}/api/v10")
    log = await start(env)
    try:
        line = await log.until(UNREACHABLE)
        match = UNREACHABLE.search(line)
        assert match is not None and int(match.group(1)) == port
        await asyncio.sleep(1)
        assert log.proc.returncode is None
    finally:
        code = await log.stop()
    assert code == 0, log.text
    assert "stopped during start-up" in log.text
    assert "Traceback" not in log.text


async def test_gateway_unreachable_does_not_stop_the_bot(world: World) -> None:
    """The gateway refusing the very first connection (discord.py#10520's AttributeError on
    `sequence`) is one line and a retry, not a dead bot or a traceback."""
    port = free_port()
    env = bot_env(world, WEB_PORT="0", DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}")
    log = await start(env)
    try:
        await log.until(r"^Attempting a reconnect in [\d.]+s \(.*connection refused\)$")
        line = await log.until("the Discord gateway could not be reached", timeout=20)
        assert re.fullmatch(
            r"the Discord gateway could not be reached before the first connection; "
            r"retrying in \d+ s",
            line,
        )
        assert log.proc.returncode is None
    finally:
        code = await log.stop()
    assert code == 0, log.text
    assert "Traceback" not in log.text
    assert "'NoneType' object has no attribute 'sequence'" not in log.text


def without_read_override(path: Path) -> list[str]:
    """The command prefix under which `path` (mode 000, ours) cannot be read; skips when the
    machine cannot make it so (root needs setpriv to drop CAP_DAC_OVERRIDE)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(path)!r}).read()"])
    if probe.returncode == 0:
        pytest.skip("cannot make a file unreadable for a subprocess here")
    return prefix


async def test_unreadable_secret_key_is_one_line_with_the_fix(world: World, tmp_path: Path) -> None:
    """secret.key left unreadable (a first run with sudo): `run` exits 1 with one line naming
    the file and the chown that fixes it; `check` FAILs it."""
    data = tmp_path / "sudo-data"
    data.mkdir()
    key = data / "secret.key"
    key.write_text("made-by-another-user")
    key.chmod(0)
    prefix = without_read_override(key)
    uid = os.geteuid()
    for command in ("run", "check"):
        proc = await asyncio.create_subprocess_exec(
            *prefix, sys.executable, "-m", "bot", command,
            env=bot_env(world, DATA_DIR=str(data), WEB_PORT="0"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 1
        text = (
            f"{key} cannot be read by uid {uid} (permission denied); it was probably made by a "
            f"first run as another user (sudo): `sudo chown {uid} {key}`"
        )
        if command == "run":
            assert err.decode().splitlines() == [f"DATA_DIR: {text}"]
        else:
            assert f"FAIL  secret-key {text}" in out.decode().splitlines()
        assert "Traceback" not in err.decode()
    assert not world.discord.gateway_received


@pytest.mark.parametrize("command", ["run", "migrate", "check"])
async def test_database_url_without_a_scheme_is_one_line(world: World, command: str) -> None:
    """DATABASE_URL=data/medianest.sqlite3 stops run, migrate and check alike with one line
    naming DATABASE_URL and the accepted forms."""
    env = bot_env(world, DATABASE_URL="data/medianest.sqlite3")
    code, err, out = await finish(env, command)
    assert code == 1
    assert err == [
        "Configuration error: DATABASE_URL: expected sqlite:///absolute/path.sqlite3, "
        "sqlite://relative/path.sqlite3 or postgres://user:password@host:5432/name; leave it "
        "unset for SQLite in DATA_DIR (see .env.example)"
    ]
    assert out == ""


async def test_typos_are_named_once_at_start(world: World, tmp_path: Path) -> None:
    """`PLEX_TOKN` in .env and `OVERSEER_URL` in the environment: one warning each at start,
    naming the closest setting; a missing DISCORD_TOKEN next to `DISCORD_TOKN` says both."""
    (tmp_path / ".env").write_text("PLEX_TOKN=abc\n")
    env = bot_env(world, WEB_PORT="0", OVERSEER_URL="http://overseerr:5055")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env={**env, "PYTHONPATH": os.getcwd()},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    log = Log(proc)
    try:
        await log.until(r"^synced \d+ slash commands")
    finally:
        await log.stop()
    warnings = [message(line) for line in log.lines if "unknown setting" in line]
    assert warnings == [
        "unknown setting PLEX_TOKN in .env (did you mean PLEX_TOKEN?)",
        "unknown setting OVERSEER_URL (did you mean OVERSEERR_URL?)",
    ]

    env = {k: v for k, v in env.items() if k != "DISCORD_TOKEN"}
    code, err, _ = await finish({**env, "DISCORD_TOKN": "x"})
    assert code == 1
    assert err == [
        "Configuration error: DISCORD_TOKEN: required but not set (see .env.example)",
        "Warning: unknown setting DISCORD_TOKN (did you mean DISCORD_TOKEN?)",
        "Warning: unknown setting OVERSEER_URL (did you mean OVERSEERR_URL?)",
    ]


async def test_no_voice_warnings_at_start(world: World) -> None:
    """The PyNaCl and davey warnings (no voice is used) are not printed."""
    log = await start(bot_env(world, WEB_PORT="0"))
    try:
        await log.until(r"^synced \d+ slash commands")
    finally:
        await log.stop()
    assert "PyNaCl" not in log.text and "davey" not in log.text
    assert not [line for line in log.lines if " WARNING " in line or " ERROR " in line], log.text
