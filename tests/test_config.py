"""Settings: validated once at start, one line per problem, secrets kept out of sight."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_or_create_secret, load_settings
from cogs import disabled_features


def test_missing_token_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DISCORD_TOKEN the error names exactly that variable."""
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.problems == ["DISCORD_TOKEN: required but not set"]


def test_every_malformed_value_gets_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several bad values are all reported at once, each naming its variable."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("WEB_PORT", "eighty")
    monkeypatch.setenv("PLEX_URL", "plex.local:32400")
    monkeypatch.setenv("RATE_LIMIT_REQUEST", "lots")
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigError) as info:
        load_settings()
    problems = info.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("WEB_PORT: ")
    assert "PLEX_URL: expected an http:// or https:// URL" in problems
    assert "RATE_LIMIT_REQUEST: expected a rate such as '5/hour' or '3 per day'" in problems
    assert problems[3].startswith("LOG_FORMAT: ")


def test_lists_urls_and_defaults_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comma lists become lists, URLs lose a trailing slash, defaults match the README."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("ADMIN_DISCORD_IDS", "1, 22 ,333")
    monkeypatch.setenv("YOUTUBE_ALLOWED_HOSTS", "YouTube.com,youtu.be")
    monkeypatch.setenv("OVERSEERR_URL", "http://overseerr:5055/")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.admin_discord_ids == [1, 22, 333]
    assert settings.youtube_allowed_hosts == ["youtube.com", "youtu.be"]
    assert settings.overseerr_url == "http://overseerr:5055"
    assert settings.log_level == "DEBUG"
    assert settings.web_port == 8080
    assert settings.rate_limit_request == "5/hour"
    assert settings.resolved_database_url == "sqlite://data/medianest.sqlite3"


def test_webhook_url_defaults_to_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook URL is PUBLIC_URL's /webhooks/overseerr unless set apart; none without."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    assert load_settings().webhook_url is None
    monkeypatch.setenv("PUBLIC_URL", "https://medianest.example.com/")
    assert load_settings().webhook_url == "https://medianest.example.com/webhooks/overseerr"
    monkeypatch.setenv("OVERSEERR_WEBHOOK_URL", "http://medianest:8080/webhooks/overseerr")
    settings = load_settings()
    assert settings.webhook_url == "http://medianest:8080/webhooks/overseerr"
    assert settings.public_url == "https://medianest.example.com"


@pytest.mark.parametrize("value", ["http://medianest:8080", "http://medianest:8080/"])
def test_webhook_url_without_a_path_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """OVERSEERR_WEBHOOK_URL must name the path: a bare address would send webhooks to `/`."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("OVERSEERR_WEBHOOK_URL", value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.problems == [
        "OVERSEERR_WEBHOOK_URL: expected the whole webhook address, path included, "
        "such as http://medianest:8080/webhooks/overseerr"
    ]


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A .env file in the working directory is a source of settings."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DISCORD_TOKEN=from-file\nWEB_PORT=9000\n")
    settings = load_settings()
    assert settings.discord_token.get_secret_value() == "from-file"
    assert settings.web_port == 9000


def test_features_without_settings_are_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Absent Plex/Overseerr/YouTube settings switch those features off, each with a reason."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    settings = load_settings()
    assert not settings.plex_enabled and not settings.overseerr_enabled
    assert len(disabled_features(settings)) == 3
    assert "OVERSEERR_URL" in disabled_features(settings)[1]


def test_secrets_are_not_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """Printing the settings never shows a token."""
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token")
    monkeypatch.setenv("PLEX_TOKEN", "plex-secret-token")
    assert "secret-token" not in repr(load_settings())


def test_generated_secret_is_kept_with_owner_only_permissions(tmp_path: Path) -> None:
    """A missing SECRET_KEY is generated once, kept 0600, and read back the same."""
    path = tmp_path / "data" / "secret.key"
    first = load_or_create_secret(path)
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first


def test_cli_without_token_prints_the_problem_and_exits_non_zero(tmp_path: Path) -> None:
    """`python -m bot` with no DISCORD_TOKEN stops before connecting, naming the variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "DISCORD_TOKEN: required but not set" in result.stderr
    assert result.stdout == ""


def test_empty_optional_values_mean_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """`NAME=""` (as docker-compose.yml ships) leaves every optional setting at its default."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    for name in (
        "DISCORD_GUILD_ID",
        "HEALTH_CHANNEL_ID",
        "NOTIFY_CHANNEL_ID",
        "APPROVAL_CHANNEL_ID",
        "ADMIN_ROLE_ID",
        "ADMIN_DISCORD_IDS",
        "PUBLIC_URL",
        "PLEX_URL",
        "PLEX_TOKEN",
        "OVERSEERR_URL",
        "OVERSEERR_API_KEY",
        "OVERSEERR_WEBHOOK_TOKEN",
        "YOUTUBE_DOWNLOAD_DIR",
        "YOUTUBE_PLEX_PATH",
        "YOUTUBE_ALLOWED_HOSTS",
        "WEB_PORT",
        "DATA_DIR",
        "DATABASE_URL",
        "REDIS_URL",
        "LOG_LEVEL",
    ):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.discord_guild_id is None
    assert settings.health_channel_id is None and settings.notify_channel_id is None
    assert settings.admin_discord_ids == []
    assert settings.plex_url is None and settings.plex_token is None
    assert settings.youtube_download_dir is None
    assert settings.youtube_allowed_hosts[0] == "youtube.com"
    assert settings.web_port == 8080
    assert settings.data_dir == Path("./data")
    assert settings.database_url is None
    assert settings.log_level == "INFO"


def test_empty_values_in_env_file_mean_not_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`NAME=` in a .env file is "not set" too, and an empty DISCORD_TOKEN is still missing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\nDISCORD_GUILD_ID=\nHEALTH_CHANNEL_ID=\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.problems == ["DISCORD_TOKEN: required but not set"]


def test_cli_accepts_the_compose_files_empty_values(tmp_path: Path) -> None:
    """`python -m bot migrate` with the empty values docker-compose.yml ships starts and exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PLEX_"))}
    env.update(
        DISCORD_TOKEN="change-me",
        DISCORD_GUILD_ID="",
        ADMIN_DISCORD_IDS="",
        HEALTH_CHANNEL_ID="",
        NOTIFY_CHANNEL_ID="",
        PLEX_TOKEN="",
        OVERSEERR_API_KEY="",
        DATA_DIR=str(tmp_path / "data"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Database is up to date." in result.stdout
