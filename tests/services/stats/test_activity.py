"""Member activity: noted in memory, written once per member and day."""

from __future__ import annotations

from datetime import date

from bot.services.stats.activity import ActivityLog
from storage.models import MemberActivity
from tests.services.stats.seed import AT, t


async def test_each_member_day_is_written_once(db: str) -> None:
    """Many commands by one member on one day make one row; a new day makes another."""
    log = ActivityLog()
    for _ in range(5):
        log.seen(1, AT)
    log.seen(2, AT)
    assert await log.flush() == 2
    log.seen(1, AT)  # already written today: nothing to do
    assert await log.flush() == 0
    log.seen(1, t(12, 2, 0, 5))
    assert await log.flush() == 1
    rows = await MemberActivity.all().order_by("discord_id", "day").values_list("discord_id", "day")
    assert rows == [(1, date(2026, 12, 1)), (1, date(2026, 12, 2)), (2, date(2026, 12, 1))]


async def test_a_row_written_elsewhere_is_not_a_conflict(db: str) -> None:
    """A second bot (or a restart) writing the same member-day is ignored, not an error."""
    await MemberActivity.create(discord_id=1, day=date(2026, 12, 1))
    log = ActivityLog()
    log.seen(1, AT)
    await log.flush()
    assert await MemberActivity.filter(discord_id=1).count() == 1
