"""Checks that run before anything else starts: DATA_DIR is writable and the database answers.

Each returns None when all is well, else one line that names what to fix, so `run` and
`migrate` stop at once with that line instead of hanging or printing a traceback.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from tortoise import Tortoise
from tortoise.exceptions import BaseORMException

from bot.clients.neterrors import describe_network_error
from storage import db

DATABASE_TIMEOUT = 10.0


def data_dir_problem(path: Path) -> str | None:
    """Why DATA_DIR cannot hold the database and secret.key, or None when it can."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path, prefix=".write-test-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        uid = os.geteuid()
        return (
            f"{path.resolve()} is not writable by uid {uid} ({reason.lower()}): give uid {uid} "
            f"write access (for a bind mount: `chown -R {uid}` the folder on the host)"
        )
    return None


async def database_problem(url: str, timeout: float = DATABASE_TIMEOUT) -> str | None:
    """Why the PostgreSQL server at `url` does not answer a query, or None when it does.

    SQLite needs no server: its one way to fail, an unwritable folder, is data_dir_problem's.
    """
    if url.startswith("sqlite://"):
        return None
    try:
        await asyncio.wait_for(_ping(url), timeout)
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except (OSError, BaseORMException) as exc:
        return describe_network_error(exc)
    except Exception as exc:  # asyncpg's refusals (bad password, unknown database) and the like
        return f"{type(exc).__name__}: {exc}"[:300]
    finally:
        await Tortoise.close_connections()
    return None


async def _ping(url: str) -> None:
    await Tortoise.init(config=db.tortoise_config(url))
    await db.ping()
