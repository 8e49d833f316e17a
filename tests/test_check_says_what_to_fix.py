"""`check` names the setting to fix: refused credentials, folders, yt-dlp, typos, WEB_PORT."""

from __future__ import annotations

import socket
from datetime import date

import pytest

from bot.__main__ import check
from bot.services.probes import youtube_result
from tests.harness import World, free_port
from tests.test_cli import lines_named, register_commands


async def test_refused_credentials_name_their_setting(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong Plex token and a wrong Overseerr API key each FAIL naming the setting and the
    HTTP status, never the value."""
    await register_commands(world, "help")
    settings = world.settings(plex_token="wrong-plex-token", overseerr_api_key="wrong-api-key")
    assert await check(settings) == 1
    out = capsys.readouterr().out
    (plex,) = lines_named(out, "plex")
    (overseerr,) = lines_named(out, "overseerr")
    assert plex == "FAIL  plex       PLEX_TOKEN was refused (HTTP 401)"
    assert overseerr == "FAIL  overseerr  OVERSEERR_API_KEY was refused (HTTP 403)"
    assert "wrong-plex-token" not in out and "wrong-api-key" not in out


async def test_disk_line_names_the_folder_and_never_creates_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo'd YOUTUBE_DOWNLOAD_DIR FAILs naming it and is not created; an existing one is OK
    with the folder named."""
    typo = world.tmp / "media" / "Youtbe"
    settings = world.settings(youtube_download_dir=typo, youtube_plex_section="YouTube")
    assert await check(settings) == 1
    (disk,) = lines_named(capsys.readouterr().out, "disk")
    assert disk == (
        f"FAIL  disk       YOUTUBE_DOWNLOAD_DIR {typo} does not exist: create it or fix "
        "YOUTUBE_DOWNLOAD_DIR"
    )
    assert not typo.exists() and not typo.parent.exists()

    typo.mkdir(parents=True)
    await check(settings)
    (disk,) = lines_named(capsys.readouterr().out, "disk")
    assert disk.startswith(f"OK    disk       YOUTUBE_DOWNLOAD_DIR {typo} writable, ")


async def test_youtube_line_gives_versions_and_warns_when_old(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """With YouTube on, one `youtube` line names yt-dlp, Deno and EJS; 61 days after the
    release it is a WARN that says how to update, in the image and outside."""
    folder = world.tmp / "yt"
    folder.mkdir()
    await check(world.settings(youtube_download_dir=folder, youtube_plex_section="YouTube"))
    (line,) = lines_named(capsys.readouterr().out, "youtube")
    assert line.startswith("OK    youtube    yt-dlp 20"), line
    assert ", deno 2." in line and ", EJS 0." in line

    result = await youtube_result()
    released = date.fromisoformat(result.detail.split()[1].replace(".", "-")[:10])
    old = await youtube_result(today=date.fromordinal(released.toordinal() + 61))
    assert old.warning and old.ok
    assert old.detail.endswith(
        "yt-dlp is 61 days old, update it: in Docker rebuild the image (`docker compose build "
        "--pull --no-cache`, it takes the newest yt-dlp), otherwise "
        "`pip install -U 'yt-dlp[default]' deno`"
    )


async def test_settings_advice_shows_as_warn_lines(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typos and half-set features passed to `check` are WARN lines and do not fail it."""
    await register_commands(world, "help")
    advice = ["unknown setting PLEX_TOKN in .env (did you mean PLEX_TOKEN?)"]
    assert await check(world.settings(), advice) == 0
    assert lines_named(capsys.readouterr().out, "settings") == [
        "WARN  settings   unknown setting PLEX_TOKN in .env (did you mean PLEX_TOKEN?)"
    ]


async def test_web_port_in_use_fails(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """WEB_PORT held by another program FAILs naming WEB_PORT; a free one is OK."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert await check(world.settings(web_port=port)) == 1
        (line,) = lines_named(capsys.readouterr().out, "web-port")
    assert line == (
        f"FAIL  web-port   WEB_PORT {port} is already in use on 127.0.0.1: stop what listens "
        "there or set WEB_PORT to a free port"
    )
    free = free_port()
    await check(world.settings(web_port=free))
    (line,) = lines_named(capsys.readouterr().out, "web-port")
    assert line == f"OK    web-port   WEB_PORT {free} is free on 127.0.0.1"


async def test_members_intent_line_follows_the_developer_portal(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """DISCORD_MEMBERS_INTENT=true with the portal's switch off FAILs saying where to turn it
    on (what would stop the bot at start with 4014); with it on, OK; not asked for, no line."""
    await register_commands(world, "help")
    settings = world.settings(discord_members_intent=True)
    assert await check(settings) == 1
    assert lines_named(capsys.readouterr().out, "intent") == [
        "FAIL  intent     DISCORD_MEMBERS_INTENT=true, but Server Members Intent is off in the "
        "Developer Portal (your application → Bot → Privileged Gateway Intents): turn it on, "
        "or set DISCORD_MEMBERS_INTENT=false; the bot stops at start without it"
    ]
    world.discord.allow_members_intent()
    assert await check(settings) == 0
    assert lines_named(capsys.readouterr().out, "intent") == [
        "OK    intent     Server Members Intent is on in the Developer Portal"
    ]
    assert await check(world.settings()) == 0
    assert lines_named(capsys.readouterr().out, "intent") == []
