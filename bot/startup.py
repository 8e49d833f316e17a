"""Checks that run before anything else starts: DATA_DIR is writable, secret.key readable,
WEB_PORT free, and the database answers.

Each returns None when all is well, else one line that names what to fix, so `run` and
`migrate` stop at once with that line instead of hanging or printing a traceback.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
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


def port_problem(host: str, port: int) -> str | None:
    """Why the web server cannot listen on WEB_HOST:WEB_PORT, or None when it can.

    Bound the way aiohttp binds (SO_REUSEADDR), then released at once.
    """
    if port == 0:
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"{port} is already in use on {host}: stop what listens there "
                    "or set WEB_PORT to a free port"
                )
            return f"cannot listen on {host}:{port}: {(exc.strerror or str(exc)).lower()}"
    return None


def secret_key_problem(data_dir: Path) -> str | None:
    """Why DATA_DIR/secret.key (made on the first run) cannot be read, or None."""
    path = data_dir / "secret.key"
    try:
        path.read_bytes()
    except FileNotFoundError:
        return None  # made on the first run
    except OSError as exc:
        uid = os.geteuid()
        reason = (exc.strerror or type(exc).__name__).lower()
        return (
            f"{path.resolve()} cannot be read by uid {uid} ({reason}); it was probably made by a "
            f"first run as another user (sudo): `sudo chown {uid} {path.resolve()}`"
        )
    return None
