"""Who ran a command on which day: noted in memory on the reply path, written once a minute."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from storage.models import MemberActivity

log = logging.getLogger(__name__)


class ActivityLog:
    """Members seen per UTC day; `flush` upserts the new ones in one statement."""

    def __init__(self) -> None:
        self._pending: set[tuple[int, date]] = set()
        self._written: set[tuple[int, date]] = set()  # this day's, so repeats cost nothing

    def seen(self, discord_id: int, at: datetime | None = None) -> None:
        """Note that this member ran a command (no I/O: called as the command completes)."""
        key = (discord_id, (at or datetime.now(UTC)).astimezone(UTC).date())
        if key not in self._written:
            self._pending.add(key)

    async def flush(self) -> int:
        """Write the members seen since the last flush; how many member-days were new here."""
        if not self._pending:
            return 0
        batch, self._pending = self._pending, set()
        try:
            await MemberActivity.bulk_create(
                [MemberActivity(discord_id=d, day=day) for d, day in sorted(batch)],
                ignore_conflicts=True,
            )
        except Exception:
            self._pending |= batch  # kept for the next flush; the job records the error
            raise
        newest = max(day for _, day in batch)
        self._written = {k for k in self._written | batch if k[1] >= newest}
        return len(batch)
