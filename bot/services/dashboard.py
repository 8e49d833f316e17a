"""The pinned health dashboard: when to edit it, where it is (kept in `key_value`), moving it.

Nothing here knows Discord beyond ids: the cog renders the dashboard and hands a `Board`
that posts, edits, pins and deletes it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Protocol

from bot.services.keyvalue import kept_value
from bot.services.status import StatusReport
from storage.models import KeyValue

log = logging.getLogger(__name__)

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


def dashboard_state(report: StatusReport, summary: str, channel_id: int) -> str:
    """A fingerprint of what the dashboard shows: the same one means nothing to edit."""
    return hashlib.sha256(
        repr(
            [(s.name, s.up) for s in report.services]
            + [(i.id, i.held, i.acknowledged_by) for i in report.incidents]
            + [summary, channel_id]
        ).encode()
    ).hexdigest()


class BoardFailed(Exception):
    """Discord refused to post, edit, pin or delete (permissions, an outage): next run tries."""


class BoardGone(BoardFailed):
    """The dashboard message was deleted by someone."""


class Board(Protocol):
    """The chat side of the dashboard, by ids: shows one rendered dashboard."""

    async def post(self, channel_id: int) -> int:
        """Post the dashboard; its message id."""
        ...

    async def pin(self, channel_id: int, message_id: int) -> None: ...

    async def edit(self, channel_id: int, message_id: int) -> None: ...

    async def delete(self, channel_id: int, message_id: int) -> None: ...


class Dashboard:
    """Keeps one pinned dashboard in the health channel, edited only when it changed.

    A move of the health channel (in /setup) deletes the old one; a deleted one is posted anew.
    """

    def __init__(self) -> None:
        self._shown = ""

    def changed(self, state: str) -> bool:
        """Whether the dashboard shows something else than `state` (see `dashboard_state`)."""
        return state != self._shown

    async def show(self, channel_id: int, state: str, board: Board) -> None:
        """Edit the stored dashboard, or post and pin a new one; remember `state` once shown."""
        spot = await dashboard_spot(channel_id)
        if spot is not None and spot.channel_id != channel_id:  # /setup moved the channel
            await self._remove(spot, board)
            spot = None
        try:
            if spot is not None:
                await board.edit(channel_id, spot.message_id)
            else:
                message_id = await board.post(channel_id)
                await remember_dashboard(channel_id, message_id)
                await board.pin(channel_id, message_id)
        except BoardGone:
            await forget_dashboard()  # deleted by someone: post anew
            return
        except BoardFailed:
            log.warning("could not update the health dashboard", exc_info=True)
            return
        self._shown = state

    async def _remove(self, spot: DashboardSpot, board: Board) -> None:
        """Delete the dashboard left in the previous health channel (its pin goes with it)."""
        await forget_dashboard()
        try:
            await board.delete(spot.channel_id, spot.message_id)
        except BoardFailed:  # already gone, or no longer visible to the bot
            log.info(
                "could not delete the old dashboard %s in %s", spot.message_id, spot.channel_id
            )
