"""Database set-up: the tortoise config, migrations, and SQLite pragmas."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate

log = logging.getLogger(__name__)

APP = "models"
SQLITE_PRAGMAS = {"journal_mode": "WAL", "busy_timeout": "2000", "foreign_keys": "ON"}


def normalise_url(url: str) -> str:
    """Add our SQLite pragmas to a SQLite URL and accept `postgresql://` as `postgres://`."""
    if url.startswith("postgresql://"):
        return "postgres://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite://"):
        return url
    parts = urlsplit(url)
    query = dict(SQLITE_PRAGMAS, **dict(parse_qsl(parts.query)))
    if url.startswith("sqlite://:memory:"):
        query.pop("journal_mode")
    return urlunsplit(parts._replace(query=urlencode(query)))


def tortoise_config(url: str) -> dict[str, Any]:
    """The tortoise config for one database URL."""
    return {
        "connections": {"default": normalise_url(url)},
        "apps": {
            APP: {
                "models": ["storage.models"],
                "default_connection": "default",
                "migrations": "storage.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite://") and ":memory:" not in url:
        path = Path(urlsplit(url).netloc + urlsplit(url).path)
        path.parent.mkdir(parents=True, exist_ok=True)


async def migrate_database(url: str) -> None:
    """Apply every pending migration, then close the migration connections."""
    _ensure_sqlite_dir(url)
    try:
        await migrate(config=tortoise_config(url))
    finally:
        await connections.close_all()


@asynccontextmanager
async def database(url: str) -> AsyncIterator[None]:
    """Migrate, open the database for the life of the block, and close it."""
    await migrate_database(url)
    # Tortoise caches SQL per connection name, not per dialect: clear it when the URL changes.
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=tortoise_config(url))
    log.info("database ready (%s)", urlsplit(url).scheme or "sqlite")
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def ping() -> float:
    """One round trip to the database; returns seconds taken."""
    start = time.perf_counter()
    await connections.get("default").execute_query("SELECT 1")
    return time.perf_counter() - start


# For the `tortoise` command line (makemigrations, history, sqlmigrate):
# `tortoise -c storage.db.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", "sqlite://data/medianest.sqlite3"))
