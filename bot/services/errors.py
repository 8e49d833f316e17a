"""Recording unexpected errors under a correlation id the user can quote."""

from __future__ import annotations

import secrets
import traceback

from tortoise.exceptions import DBConnectionError, OperationalError

from bot.errors import CriticalError
from storage.models import ErrorEvent

# Errors alerted at once: our own critical ones, and the database failing under us.
CRITICAL = (CriticalError, DBConnectionError, OperationalError)


def new_correlation_id() -> str:
    """A short id that is easy to read out: 8 upper-case hex characters."""
    return secrets.token_hex(4).upper()


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
        critical=isinstance(exc, CRITICAL),
    )
