"""Migrated databases made once per test process and copied for each test.

Running every migration on a fresh database takes seconds; a copy of one made earlier in
the same process takes milliseconds. Tests of the migrations themselves use empty ones.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage.db import database

_sqlite: Path | None = None
_postgres: str | None = None


async def migrated_sqlite(target: Path) -> None:
    """Put a migrated, empty SQLite database at `target`."""
    global _sqlite
    if _sqlite is None:
        folder = Path(tempfile.mkdtemp(prefix="medianest-template-"))
        atexit.register(shutil.rmtree, folder, True)
        async with database(f"sqlite://{folder / 'template.sqlite3'}"):
            pass
        _sqlite = folder / "template.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite, target)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}", query=""))


async def migrated_postgres(admin_url: str) -> str:
    """A new PostgreSQL database copied from a migrated template; returns its URL."""
    global _postgres
    conn = await asyncpg.connect(admin_url, timeout=3)
    try:
        if _postgres is None:
            template = f"medianest_tmpl_{os.getpid()}_{secrets.token_hex(3)}"
            await conn.execute(f'CREATE DATABASE "{template}"')
            atexit.register(_drop_at_exit, admin_url, template)
            async with database(_with_database(admin_url, template)):
                pass
            _postgres = template
        name = f"t_{secrets.token_hex(6)}"
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres}"')
    finally:
        await conn.close()
    return _with_database(admin_url, name)


async def drop_postgres(admin_url: str, url: str) -> None:
    """Drop a database made by `migrated_postgres`."""
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(admin_url, timeout=3)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _drop_at_exit(admin_url: str, name: str) -> None:
    async def drop() -> None:
        await drop_postgres(admin_url, _with_database(admin_url, name))

    with contextlib.suppress(Exception):  # a template left on a server gone at exit is harmless
        asyncio.run(drop())
