"""SQLite serves one process: a lock file next to the database says whether one runs."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from urllib.parse import urlsplit

SECOND_PROCESS = (
    "DATABASE_URL: another MediaNest process is already using {path}. SQLite serves one "
    "process; for a standby bot or download workers use PostgreSQL "
    "(docs/running-across-machines.md)."
)
WORKER_NEEDS_POSTGRES = (
    "DATABASE_URL: download workers share the queue through PostgreSQL; with SQLite the bot "
    "runs its own workers (docs/running-across-machines.md)."
)


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite://") or ":memory:" in url:
        return None
    parts = urlsplit(url)
    return Path(parts.netloc + parts.path)


class SingleProcess:
    """Holds an exclusive lock on `<database>.lock` for the life of the process."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock; the file stays for the next start
            self._fd = None
