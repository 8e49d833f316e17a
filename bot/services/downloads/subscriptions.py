"""YouTube subscriptions: a playlist or a channel's uploads, checked on a schedule.

Subscribing records the videos there now as the baseline; each check lists the source
again and queues what is neither in the baseline nor already queued for the same folder,
at most `max_items` at a time, as one job into the same folder and collection. Everything
lives in the database, so a restart between checks changes nothing. A check that fails is
recorded on the subscription (shown in `/youtube subscriptions`) and tried again on the
next tick (every `TICK`); when YouTube refuses the server itself the remaining checks wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict
from tortoise.exceptions import DoesNotExist
from tortoise.expressions import Q

from bot.clients.ytdlp import DownloadFailed, Entry, Playlist, YouTubeBlocked
from bot.errors import InvalidInput, NotAllowed
from bot.i18n import N_
from bot.services.downloads.block import QueueBlock
from bot.services.downloads.newvideos import NewVideos
from bot.services.downloads.queue import DownloadQueue
from bot.services.downloads.urls import check_url
from storage.models import DownloadItem, ItemStatus, YoutubeSubscription

if TYPE_CHECKING:
    from bot.clients.ytdlp import YtDlp

log = logging.getLogger(__name__)

TICK = timedelta(minutes=10)  # how often the scheduler looks for due subscriptions
LIST_CAP = 5000  # a source is listed up to here; new playlist videos are at its end


class SubscriptionView(BaseModel):
    """One subscription as `/youtube subscriptions` shows it, copied from its row by name."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    discord_id: int
    title: str
    collection: str
    url: str
    checked_at: datetime | None
    found_at: datetime | None
    failures: int
    last_error: str | None


@dataclass(frozen=True)
class Subscribed:
    subscription: SubscriptionView
    existing: int  # videos there now, which are not downloaded by the subscription


def _view(sub: YoutubeSubscription) -> SubscriptionView:
    return SubscriptionView.model_validate(sub)


def _clean(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


class YouTubeSubscriptions:
    """Subscribe, list, stop, and the scheduled check of every subscription."""

    def __init__(
        self,
        ytdlp: YtDlp,
        queue: DownloadQueue,
        block: QueueBlock,
        *,
        allowed_hosts: Sequence[str],
        folder_for: Callable[[str, str], Path],
        max_per_member: int = 5,
        max_items: int = 200,
        interval: timedelta = timedelta(hours=6),
    ) -> None:
        self.ytdlp = ytdlp
        self.queue = queue
        self.block = block
        self.allowed_hosts = list(allowed_hosts)
        self.folder_for = folder_for
        self.max_per_member = max_per_member
        self.max_items = max_items
        self.interval = interval
        self._checking = asyncio.Lock()  # a scheduled and an explicit check never overlap

    async def subscribe(
        self, discord_id: int, url: str, collection: str | None, *, is_admin: bool
    ) -> Subscribed:
        """Follow a playlist or channel from now on; the videos there now are the baseline."""
        checked = check_url(url, self.allowed_hosts)
        if self.block.active:
            raise InvalidInput(
                N_(
                    "YouTube is refusing this server right now and the admins have been told. "
                    "Try again once downloads run again."
                )
            )
        if await YoutubeSubscription.filter(discord_id=discord_id, url=checked).exists():
            raise InvalidInput(N_("You already follow that. See `/youtube subscriptions`."))
        mine = await YoutubeSubscription.filter(discord_id=discord_id).count()
        if not is_admin and mine >= self.max_per_member:
            raise InvalidInput(
                N_(
                    "You follow {mine} already, the most I allow. "
                    "Stop one in `/youtube subscriptions` first."
                ),
                mine=mine,
            )
        playlist = await self._list(checked)
        title = _clean(playlist.title, 500) or "YouTube"
        sub = await YoutubeSubscription.create(
            discord_id=discord_id,
            url=checked,
            title=title,
            collection=_clean(collection or "", 200) or title[:200],
            folder=str(self.folder_for(title, checked)),
            baseline=[e.video_id for e in playlist.entries],
            checked_at=datetime.now(UTC),
        )
        log.info("youtube: %s subscribed to %s (#%s)", discord_id, checked, sub.id)
        return Subscribed(_view(sub), len(playlist.entries))

    async def _list(self, url: str) -> Playlist:
        try:
            return await self.ytdlp.list_playlist(url, limit=LIST_CAP)
        except YouTubeBlocked as exc:
            await self.block.block(exc)
            raise
        except DownloadFailed as exc:
            raise InvalidInput(
                N_("I couldn't read that ({reason}). Check that it's public, then try again."),
                reason=_clean(exc.reason, 200),
            ) from exc

    async def of_member(self, discord_id: int | None) -> list[SubscriptionView]:
        """A member's subscriptions (None = everyone's), oldest first."""
        rows = (
            YoutubeSubscription.all()
            if discord_id is None
            else YoutubeSubscription.filter(discord_id=discord_id)
        )
        return [_view(sub) for sub in await rows.order_by("id")]

    async def stop(self, subscription_id: int, by_discord_id: int, *, is_admin: bool) -> str:
        """Stop a subscription (its member or an admin); returns its title."""
        sub = await YoutubeSubscription.get_or_none(id=subscription_id)
        if sub is None:
            raise InvalidInput(N_("That subscription has already stopped."))
        if sub.discord_id != by_discord_id and not is_admin:
            raise NotAllowed(N_("Only the member who subscribed, or an admin, can stop it."))
        await sub.delete()
        log.info("youtube: subscription #%s stopped by %s", subscription_id, by_discord_id)
        return sub.title

    async def check(self, sub: YoutubeSubscription) -> int:
        """List the source and queue what is new; returns how many videos were queued.

        A failure is stored on the subscription and raised (YouTubeBlocked included).
        """
        async with self._checking:
            try:
                await sub.refresh_from_db()  # what another check stored meanwhile
            except DoesNotExist:  # stopped meanwhile
                return 0
            return await self._check(sub)

    async def _check(self, sub: YoutubeSubscription) -> int:
        try:
            playlist = await self.ytdlp.list_playlist(sub.url, limit=LIST_CAP)
        except DownloadFailed as exc:
            if isinstance(exc, YouTubeBlocked):
                await self.block.block(exc)
            sub.failures += 1
            sub.last_error = exc.reason[:1000]
            sub.checked_at = datetime.now(UTC)
            await sub.save(update_fields=["failures", "last_error", "checked_at"])
            log.info("youtube: subscription #%s check failed: %s", sub.id, exc.reason)
            raise
        new, known = await self._new_entries(sub, playlist.entries)
        if new:
            await self.queue.queue_new_videos(
                NewVideos(
                    subscription_id=sub.id,
                    discord_id=sub.discord_id,
                    url=sub.url,
                    title=sub.title,
                    collection=sub.collection,
                    folder=Path(sub.folder),
                    description=playlist.description,
                    thumbnail=playlist.thumbnail,
                    entries=new,
                    first_position=known + 1,
                )
            )
            sub.found_at = datetime.now(UTC)
            log.info("youtube: subscription #%s found %s new videos", sub.id, len(new))
        sub.failures = 0
        sub.last_error = None  # type: ignore[assignment]
        sub.checked_at = datetime.now(UTC)
        await sub.save(update_fields=["failures", "last_error", "checked_at", "found_at"])
        return len(new)

    async def _new_entries(
        self, sub: YoutubeSubscription, entries: list[Entry]
    ) -> tuple[list[Entry], int]:
        """Entries not in the baseline nor queued before for this folder (up to max_items),
        and how many videos were known."""
        queued = await DownloadItem.filter(
            job__folder=sub.folder, status__not=ItemStatus.CANCELLED
        ).values_list("video_id", flat=True)
        known = set(sub.baseline or []) | {str(v) for v in queued}
        new: dict[str, Entry] = {}
        for entry in entries:
            if entry.video_id in known or entry.video_id in new or not self._allowed(entry):
                continue
            new[entry.video_id] = entry
            if len(new) >= self.max_items:
                break
        return list(new.values()), len(known)

    def _allowed(self, entry: Entry) -> bool:
        """Entries are fetched later, so they pass the same host check as the source."""
        try:
            check_url(entry.url, self.allowed_hosts)
        except InvalidInput:
            return False
        return True

    async def check_all(self) -> int:
        """Check the subscriptions that are due (scheduler job); returns how many videos queued.

        Due: last checked `interval` ago or more, or failed last time (retried each tick).
        The tick is shorter than the interval, so a restart never postpones a check. One
        failing source does not stop the others; a refusal of the whole server does.
        """
        queued = 0
        if self.block.active:  # YouTube refused the server: an admin resumes first
            return 0
        due = datetime.now(UTC) - self.interval
        subs = YoutubeSubscription.filter(
            Q(checked_at__isnull=True) | Q(checked_at__lte=due) | Q(failures__gt=0)
        )
        for sub in await subs.order_by("id"):
            try:
                queued += await self.check(sub)
            except YouTubeBlocked:
                log.warning("youtube: subscription checks stopped: YouTube refused the server")
                return queued
            except DownloadFailed:
                continue
        return queued
