"""The few aggregate queries tortoise can't express portably, in SQLite and PostgreSQL dialects.

Tortoise turns every datetime it reads into a Python object, which costs more than the query
itself on thousands of rows: these queries let the database bucket and subtract instead.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tortoise import connections


class Sql:
    """The default connection and how its dialect spells times, buckets and parameters."""

    def __init__(self) -> None:
        self.connection = connections.get("default")
        self.sqlite = self.connection.capabilities.dialect == "sqlite"

    def time(self, moment: datetime) -> Any:
        """A datetime as the backend compares it: tortoise's text form on SQLite."""
        utc = moment.astimezone(UTC)
        return utc.isoformat(sep=" ") if self.sqlite else utc

    def seconds(self, later: str, earlier: str) -> str:
        """The seconds from column `earlier` to column `later`, to the millisecond."""
        if self.sqlite:
            return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"
        return f"ROUND(EXTRACT(EPOCH FROM ({later} - {earlier}))::numeric, 3)"

    def bucket(self, column: str, hourly: bool) -> str:
        """The UTC hour ('2026-12-01 21') or day ('2026-12-01') of a column, as text."""
        if self.sqlite:
            return f"strftime('{'%Y-%m-%d %H' if hourly else '%Y-%m-%d'}', {column})"
        pattern = "YYYY-MM-DD HH24" if hourly else "YYYY-MM-DD"
        return f"to_char({column} AT TIME ZONE 'UTC', '{pattern}')"

    async def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Run `sql` with `?` placeholders (numbered for PostgreSQL)."""
        if not self.sqlite:
            numbers = iter(range(1, len(params) + 1))
            sql = re.sub(r"\?", lambda _: f"${next(numbers)}", sql)
        return list(await self.connection.execute_query_dict(sql, list(params)))


def bucket_key(moment: datetime, hourly: bool) -> str:
    """The text `Sql.bucket` gives for a moment, to match query rows to window buckets."""
    return (
        f"{moment.astimezone(UTC):%Y-%m-%d %H}" if hourly else f"{moment.astimezone(UTC):%Y-%m-%d}"
    )
