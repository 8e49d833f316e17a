"""Shared fixtures: database URLs for every backend, and a clean settings environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from storage.db import database
from tests.harness import World
from tests.templates import drop_postgres, migrated_postgres, migrated_sqlite

KEEP_ENV = {"OVERSEERR_OPENAPI"}  # where tests/fakes/openapi.py finds the spec
POSTGRES_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

ENV_PREFIXES = (
    "DISCORD_",
    "ADMIN_",
    "APPROVAL_",
    "HEALTH_",
    "NOTIFY_",
    "PUBLIC_URL",
    "WEB_",
    "PLEX_",
    "OVERSEERR_",
    "YOUTUBE_",
    "DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "RATE_LIMIT_",
    "LOG_",
    "ANNOUNCE_",
    "DM_FALLBACK_",
    "ISSUES_",
    "ALERTS_",
    "NEW_ON_PLEX_",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No setting leaks in from the machine's environment or a developer's .env file."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES) and name not in KEEP_ENV:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


async def _postgres_schema() -> str:
    """Create a fresh schema in the test database; skip when PostgreSQL is unreachable."""
    try:
        conn = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN} is unreachable: {exc}")
    schema = f"t_{secrets.token_hex(6)}"
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    return schema


async def _drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database URL on each backend: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'medianest.sqlite3'}"
        return
    schema = await _postgres_schema()
    try:
        yield f"{POSTGRES_ADMIN}?schema={schema}"
    finally:
        await _drop_schema(schema)


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A migrated database open for the test, on each backend; yields its URL."""
    if request.param == "sqlite":
        path = tmp_path / "medianest.sqlite3"
        await migrated_sqlite(path)
        async with database(f"sqlite://{path}"):
            yield f"sqlite://{path}"
        return
    try:
        url = await migrated_postgres(POSTGRES_ADMIN)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN} is unreachable: {exc}")
    try:
        async with database(url):
            yield url
    finally:
        await drop_postgres(POSTGRES_ADMIN, url)


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A SQLite file URL, for tests that only need some database."""
    yield f"sqlite://{tmp_path / 'medianest.sqlite3'}"


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    """Every loopback fake, started for the test and stopped after it."""
    world = World(tmp=tmp_path)
    await world.start()
    try:
        yield world
    finally:
        await world.stop()
