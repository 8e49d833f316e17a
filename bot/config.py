"""Typed settings from the environment and an optional .env file, validated once at start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_YOUTUBE_HOSTS = (
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtu.be",
)

# The schemes tortoise-orm opens with the drivers we install (aiosqlite, asyncpg).
DATABASE_SCHEMES = ("sqlite://", "postgres://", "postgresql://", "asyncpg://")
WEBHOOK_PATH = "/webhooks/overseerr"  # where the web server receives Overseerr's webhooks

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
    # The privileged Server Members intent (switched on in the Developer Portal first).
    discord_members_intent: bool = False
    admin_discord_ids: CommaInts = Field(default_factory=list)
    admin_role_id: int | None = None
    health_channel_id: int | None = None
    approval_channel_id: int | None = None
    notify_channel_id: int | None = None
    default_locale: str | None = None  # channel posts and unsupported locales; else the server's
    # Each kind to its channel (issue 25); unset falls back as described in setup/places.py.
    announce_channel_id: int | None = None
    dm_fallback_channel_id: int | None = None
    issues_channel_id: int | None = None
    youtube_channel_id: int | None = None
    alerts_channel_id: int | None = None

    # Web: browsers reach the bot at PUBLIC_URL, Overseerr at OVERSEERR_WEBHOOK_URL (issue 22).
    public_url: str | None = None
    web_host: str = "0.0.0.0"
    web_port: int = Field(default=8080, ge=0, le=65535)
    web_max_body: int = Field(default=64 * 1024, ge=1024)
    metrics_token: SecretStr | None = None

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
    # Plex access from Discord (issue 24): the libraries an approval preselects (titles or
    # keys, empty = all), the role whose members get access, and the grace before removal.
    plex_access_default_libraries: CommaStrs = Field(default_factory=list)
    plex_access_role_id: int | None = None
    plex_access_grace_days: int = Field(default=7, ge=0, le=365)

    # Overseerr / Jellyseerr / Seerr
    overseerr_url: str | None = None
    overseerr_api_key: SecretStr | None = None
    overseerr_webhook_token: SecretStr | None = None
    overseerr_webhook_url: str | None = None

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
    # Alerts (issue 25), named after Gatus's failure-threshold / success-threshold (3 and 2)
    # and minimum-reminder-interval (0 switches reminders off; at least 5 minutes otherwise).
    health_fail_after: int = Field(default=3, ge=1, le=20)
    health_recover_after: int = Field(default=2, ge=1, le=20)
    health_remind_hours: float = Field(default=0.5, ge=0, le=168)
    # The server's time zone for maintenance windows and mutes; Docker's TZ works too. Not
    # TIMEZONE: tortoise-orm writes its own TIMEZONE into os.environ when the database opens.
    server_timezone: str = Field(
        default="UTC", validation_alias=AliasChoices("server_timezone", "tz")
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    # Across machines (PostgreSQL): workers elsewhere, a standby (docs/running-across-machines.md)
    youtube_local_workers: bool = True  # false: only `python -m bot worker` processes download
    cluster_lease_seconds: float = Field(default=30.0, ge=2, le=600)
    cluster_check_seconds: float = Field(default=5.0, gt=0, le=60)

    @field_validator(
        "admin_discord_ids",
        "youtube_extractors",
        "youtube_allowed_hosts",
        "plex_access_default_libraries",
        "new_on_plex_libraries",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object, info: ValidationInfo) -> object:
        """The one reading of a comma-separated setting: trimmed parts, empty ones dropped."""
        if not isinstance(value, str):
            return value
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if info.field_name == "youtube_allowed_hosts":  # host names compare case-blind
            return [part.lower() for part in parts]
        return parts

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
        "discord_api_url",
        "plex_url",
        "plex_tv_url",
        "overseerr_url",
        "public_url",
        "overseerr_webhook_url",
        mode="after",
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("default_locale", mode="after")
    @classmethod
    def _locale(cls, value: str | None) -> str | None:
        from bot.i18n.catalogs import SUPPORTED, supported

        if value is not None and supported(value) is None:
            raise ValueError(f"expected one of {', '.join(SUPPORTED)}")
        return supported(value)

    @field_validator("database_url", mode="after")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(DATABASE_SCHEMES):
            raise ValueError(
                "expected sqlite:///absolute/path.sqlite3, sqlite://relative/path.sqlite3 or "
                "postgres://user:password@host:5432/name; leave it unset for SQLite in DATA_DIR"
            )
        return value

    @field_validator("overseerr_webhook_url", mode="after")
    @classmethod
    def _webhook_path(cls, value: str | None) -> str | None:
        if value is not None and not urlsplit(value).path.strip("/"):
            raise ValueError(
                "expected the whole webhook address, path included, "
                f"such as http://medianest:8080{WEBHOOK_PATH}"
            )
        return value

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

    @field_validator("health_remind_hours", mode="after")
    @classmethod
    def _remind_floor(cls, value: float) -> float:
        if 0 < value < 5 / 60:
            raise ValueError("expected 0 (no reminders) or at least 0.0833 (5 minutes)")
        return value

    @field_validator("server_timezone", mode="after")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone: expected a name such as Europe/Berlin") from None
        return value

    # Feature switches: a feature is on when its settings are present.

    @property
    def zone(self) -> ZoneInfo:
        """The server's time zone (SERVER_TIMEZONE, or TZ)."""
        return ZoneInfo(self.server_timezone)

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
    def webhook_url(self) -> str | None:
        """Where Overseerr sends its webhooks: OVERSEERR_WEBHOOK_URL, else PUBLIC_URL's path."""
        if self.overseerr_webhook_url:
            return self.overseerr_webhook_url
        return self.public_url + WEBHOOK_PATH if self.public_url else None

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite://{(self.data_dir / 'medianest.sqlite3').as_posix()}"


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
