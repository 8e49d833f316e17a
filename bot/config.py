"""Typed settings from the environment and an optional .env file, validated once at start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_YOUTUBE_HOSTS = (
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtu.be",
)

CommaInts = Annotated[list[int], NoDecode]
CommaStrs = Annotated[list[str], NoDecode]


class ConfigError(Exception):
    """The configuration is unusable; `problems` holds one line per bad variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    """Every setting the bot reads; names match the environment variables."""

    # env_ignore_empty: `NAME=` (as in docker-compose.yml) means "not set", so the default applies.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    # Discord
    discord_token: SecretStr
    discord_guild_id: int | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    admin_discord_ids: CommaInts = Field(default_factory=list)
    admin_role_id: int | None = None
    health_channel_id: int | None = None
    approval_channel_id: int | None = None
    notify_channel_id: int | None = None
    # Each kind to its channel (issue 25); unset falls back as described in setup/places.py.
    announce_channel_id: int | None = None
    dm_fallback_channel_id: int | None = None
    issues_channel_id: int | None = None
    youtube_channel_id: int | None = None
    alerts_channel_id: int | None = None

    # Web
    public_url: str | None = None
    web_host: str = "0.0.0.0"
    web_port: int = Field(default=8080, ge=0, le=65535)
    web_max_body: int = Field(default=64 * 1024, ge=1024)

    # Plex
    plex_url: str | None = None
    plex_token: SecretStr | None = None
    plex_tv_url: str = "https://plex.tv"
    plex_client_id: str | None = None
    # New on Plex: minutes between checks of the recently-added lists, which libraries
    # (titles or keys; empty: every movie and show library), and how many new items at
    # once become one summary instead of a post each.
    new_on_plex_interval: int = Field(default=15, ge=1, le=1440)
    new_on_plex_libraries: CommaStrs = Field(default_factory=list)
    new_on_plex_bulk: int = Field(default=20, ge=2, le=1000)

    # Overseerr / Jellyseerr / Seerr
    overseerr_url: str | None = None
    overseerr_api_key: SecretStr | None = None
    overseerr_webhook_token: SecretStr | None = None

    # YouTube
    youtube_download_dir: Path | None = None
    youtube_plex_section: str | None = None
    youtube_allowed_hosts: CommaStrs = Field(default_factory=lambda: list(DEFAULT_YOUTUBE_HOSTS))
    youtube_max_concurrent: int = Field(default=2, ge=1, le=16)
    youtube_max_items: int = Field(default=200, ge=1, le=5000)
    youtube_extractors: CommaStrs = Field(
        default_factory=lambda: ["youtube", "youtube:tab", "youtube:playlist", "YoutubeYtBe"]
    )
    youtube_plex_path: str | None = None
    youtube_min_free_gb: float = Field(default=2.0, ge=0)
    # Subscriptions and cookies (issue 12): hours between checks, per-member cap, cookies.txt.
    youtube_subscription_interval: float = Field(default=6.0, gt=0, le=168)
    youtube_max_subscriptions: int = Field(default=5, ge=0, le=1000)
    youtube_cookies_file: Path | None = None

    # Storage, limits, logs
    data_dir: Path = Path("./data")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    rate_limit_request: str = "5/hour"
    rate_limit_youtube: str = "3/day"
    health_check_interval: int = Field(default=60, ge=5, le=3600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("admin_discord_ids", mode="before")
    @classmethod
    def _split_ints(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("youtube_extractors", "new_on_plex_libraries", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("youtube_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _normalise_case(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return (
            value.upper()
            if value.lower() in {"debug", "info", "warning", "error"}
            else value.lower()
        )

    @field_validator(
        "discord_api_url", "plex_url", "plex_tv_url", "overseerr_url", "public_url", mode="after"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("discord_gateway_url", mode="after")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("ws://", "wss://")):
            raise ValueError("expected a ws:// or wss:// URL")
        return value

    @field_validator("rate_limit_request", "rate_limit_youtube", mode="after")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("expected a rate such as '5/hour' or '3 per day'") from None
        return value

    # Feature switches: a feature is on when its settings are present.

    @property
    def plex_enabled(self) -> bool:
        return bool(self.plex_url and self.plex_token)

    @property
    def overseerr_enabled(self) -> bool:
        return bool(self.overseerr_url and self.overseerr_api_key)

    @property
    def youtube_enabled(self) -> bool:
        return bool(self.youtube_download_dir and self.plex_enabled)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite://{(self.data_dir / 'medianest.sqlite3').as_posix()}"

    def disabled_features(self) -> list[str]:
        """One line per feature that is off, naming what would switch it on."""
        lines = []
        if not self.plex_enabled:
            lines.append("Plex linking is off: set PLEX_URL and PLEX_TOKEN to enable /link.")
        if not self.overseerr_enabled:
            lines.append(
                "Media requests are off: set OVERSEERR_URL and OVERSEERR_API_KEY for /request."
            )
        if not self.youtube_enabled:
            lines.append(
                "YouTube downloads are off: set YOUTUBE_DOWNLOAD_DIR (and Plex) for /youtube."
            )
        return lines


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, raising ConfigError with one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError([_describe(err) for err in exc.errors()]) from None


def _describe(err: Any) -> str:
    name = str(err["loc"][0]).upper() if err["loc"] else "settings"
    if err["type"] == "missing":
        return f"{name}: required but not set"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{name}: {message}"


def load_or_create_secret(path: Path) -> str:
    """Return the secret kept at `path`, creating it with owner-only permissions if absent."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
