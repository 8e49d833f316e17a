"""Where the pinned health dashboard is: its channel and message, kept in `key_value`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.keyvalue import kept_value
from storage.models import KeyValue

DASHBOARD_KEY = "health_dashboard_message_id"


@dataclass(frozen=True)
class DashboardSpot:
    channel_id: int
    message_id: int


async def dashboard_spot(current_channel_id: int) -> DashboardSpot | None:
    """The stored dashboard; rows from before channels could move hold only the message id."""
    stored = await KeyValue.get_or_none(key=DASHBOARD_KEY)
    if stored is None:
        return None
    channel, _, message = stored.value.rpartition(":")
    return DashboardSpot(int(channel) if channel else current_channel_id, int(message))


async def remember_dashboard(channel_id: int, message_id: int) -> None:
    """Keep the dashboard just posted (the first one stored wins a race)."""
    await kept_value(DASHBOARD_KEY, lambda: f"{channel_id}:{message_id}")


async def forget_dashboard() -> None:
    """The dashboard is gone or moved: the next run posts a new one."""
    await KeyValue.filter(key=DASHBOARD_KEY).delete()
