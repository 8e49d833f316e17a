"""Logging set-up: one line per event, JSON on request, secrets masked, correlation ids."""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterable

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)

_TOKENISH = re.compile(
    r"(?i)(X-Plex-Token=|X-Api-Key[=:]\s*|Authorization[=:]\s*|authToken=|token=)([^\s&\"',]+)"
)


class SecretFilter(logging.Filter):
    """Masks known secret values and token-looking query parameters in every record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 6 and secret not in self.secrets:
            self.secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        masked = self.mask(text)
        if masked != text:
            record.msg, record.args = masked, None
        record.correlation_id = correlation_id.get()
        return True

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TOKENISH.sub(r"\1***", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "correlation_id", None):
            entry["correlation_id"] = record.correlation_id  # type: ignore[attr-defined]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Plain text with the correlation id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        cid = getattr(record, "correlation_id", None)
        return f"{line} [cid={cid}]" if cid else line


class DiscordNoise(logging.Filter):
    """discord.py's start-up lines that look like errors but need nothing from an admin.

    The voice warnings (PyNaCl, davey) are dropped: the bot uses no voice. A reconnect's
    traceback becomes one line with the reason.
    """

    QUIET = ("PyNaCl is not installed", "davey is not installed")

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith(self.QUIET):
            return False
        if record.exc_info and message.startswith("Attempting a reconnect"):
            from bot.clients.neterrors import describe_network_error

            error = record.exc_info[1]
            reason = describe_network_error(error) if error else "unknown"
            record.msg, record.args = f"{record.getMessage()} ({reason})", None
            record.exc_info = record.exc_text = None
        return True


secret_filter = SecretFilter()
discord_noise = DiscordNoise()


def setup_logging(level: str, fmt: str, secrets: Iterable[str | None] = ()) -> None:
    """Configure the root logger once for the whole process."""
    for secret in secrets:
        secret_filter.add(secret)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(secret_filter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    client = logging.getLogger("discord.client")
    if discord_noise not in client.filters:
        client.addFilter(discord_noise)
    for noisy in ("discord.gateway", "discord.client", "tortoise", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
    # While PostgreSQL is away asyncpg's pool retries every few seconds, each time with a
    # traceback; the reason in one line says the same (the health alert says the rest).
    logging.getLogger("asyncpg.pool").addFilter(one_line)


def one_line(record: logging.LogRecord) -> bool:
    """Fold a record's exception into its message as one line (no traceback)."""
    if record.exc_info and record.exc_info[1] is not None:
        record.msg = f"{record.getMessage()}: {record.exc_info[1]!r}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
    return True
