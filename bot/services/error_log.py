"""Recording unexpected errors under a correlation id the user can quote."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
import traceback
from collections import deque
from dataclasses import dataclass

import asyncpg
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from bot.errors import CriticalError
from bot.i18n import N_
from storage.models import ErrorEvent

log = logging.getLogger(__name__)


DATABASE_DOWN = N_("I can't reach my database right now; try again in a minute.")
_DRIVERS = ("/tortoise/", "/asyncpg/", "/aiosqlite/", "/sqlite3/")
STORE_TIMEOUT = 1.5  # seconds; the member's answer must not wait for a hung database


def is_database_error(exc: BaseException) -> bool:
    """The database is unreachable, locked or full (not a bug in a query of ours)."""
    if isinstance(exc, DBConnectionError | OperationalError | sqlite3.OperationalError):
        return True
    if isinstance(exc, asyncpg.PostgresConnectionError | asyncpg.InterfaceError):
        return True
    # 57P01-57P03: the server is shutting down, restarting or not yet accepting connections.
    if isinstance(exc, asyncpg.exceptions.OperatorInterventionError):
        return True
    # A connection lost in the middle of a query leaves it in a state asyncpg refuses
    # ("cannot switch to state 11; another operation (2) is in progress").
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        return True
    if isinstance(exc, OSError | TimeoutError):  # refused or dropped under the driver
        frames = traceback.extract_tb(exc.__traceback__)
        return any(part in frame.filename for frame in frames for part in _DRIVERS)
    return False


def new_correlation_id() -> str:
    """A short id that is easy to read out: 8 upper-case hex characters.

    Made for every interaction, and only ever quoted, not guessed at: the fast generator
    does, where `secrets` would read the kernel's random source each time.
    """
    return f"{random.getrandbits(32):08X}"


def _place(exc: BaseException) -> str | None:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"


async def record_error(
    correlation_id: str, exc: BaseException, *, command: str | None, discord_id: int | None
) -> ErrorEvent:
    """Store an unexpected error event with its traceback."""
    return await ErrorEvent.create(
        correlation_id=correlation_id,
        command=command,
        discord_id=discord_id,
        error_type=f"{type(exc).__module__}.{type(exc).__qualname__}"[:200],
        message=str(exc)[:2000],
        place=_place(exc),
        traceback="".join(traceback.format_exception(exc))[-20000:],
        critical=isinstance(exc, CriticalError) or is_database_error(exc),
    )


@dataclass(frozen=True)
class PendingError:
    """An error event that could not be stored yet."""

    correlation_id: str
    exc: BaseException
    command: str | None
    discord_id: int | None


class ErrorLog:
    """Logs unexpected errors and stores them; keeps them (bounded) while the database is down."""

    def __init__(self, keep: int = 500) -> None:
        self.pending: deque[PendingError] = deque(maxlen=keep)

    async def record(
        self,
        exc: BaseException,
        *,
        command: str | None,
        discord_id: int | None,
        cid: str | None = None,
    ) -> str:
        """Log and store one error; returns its correlation id."""
        cid = cid or new_correlation_id()
        if is_database_error(exc):  # expected while it is away: the health alert says so
            log.warning("%s: the database is unavailable (%r) [cid=%s]", command, exc, cid)
        else:
            log.error("unexpected error in %s [cid=%s]", command, cid, exc_info=exc)
        entry = PendingError(cid, exc, command, discord_id)
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                await self._store(entry)
        except Exception as store_exc:
            log.warning(
                "error event %s kept in memory until the database is back: %r", cid, store_exc
            )
            self.pending.append(entry)
        return cid

    async def flush(self) -> int:
        """Store the errors kept while the database was down; returns how many were written."""
        written = 0
        while self.pending:
            try:
                await self._store(self.pending[0])
            except Exception as exc:
                log.info("database still unavailable, %d errors kept: %r", len(self.pending), exc)
                break
            self.pending.popleft()
            written += 1
        return written

    @staticmethod
    async def _store(entry: PendingError) -> None:
        with contextlib.suppress(IntegrityError):  # a timed-out attempt stored it after all
            await record_error(
                entry.correlation_id, entry.exc, command=entry.command, discord_id=entry.discord_id
            )
