"""Which exceptions mean "the database is away" (retry later) rather than a bug of ours."""

from __future__ import annotations

import asyncpg
import pytest

from bot.services.error_log import is_database_error


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        asyncpg.exceptions.AdminShutdownError(
            "terminating connection due to administrator command"
        ),
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 11; another operation (2) is in progress"
        ),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    ],
    ids=["starting-or-stopping", "admin-shutdown", "lost-mid-query", "closed"],
)
def test_postgres_going_away_is_a_database_error(exc: Exception) -> None:
    """What asyncpg raises while PostgreSQL stops, restarts or drops a query: retried later."""
    assert is_database_error(exc)


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.UndefinedTableError('relation "nope" does not exist'),
        asyncpg.exceptions.UniqueViolationError("duplicate key value"),
        ValueError("ours"),
    ],
    ids=["undefined-table", "unique-violation", "value-error"],
)
def test_query_bugs_are_not_database_errors(exc: Exception) -> None:
    """A wrong query or a bug of ours is not mistaken for an outage."""
    assert not is_database_error(exc)
