"""Queueing a playlist (URL rules, per-user cap, rate limit, flat listing) and listing jobs."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from bot.clients.ytdlp import DownloadFailed, Entry, YouTubeBlocked
from bot.errors import InvalidInput
from bot.i18n import N_, PluralMsg
from bot.services.downloads.folders import DownloadDir
from bot.services.downloads.newvideos import NewVideos
from bot.services.downloads.options import DownloadOptions
from bot.services.downloads.progress import ACTIVE, FINISHED, JobProgress
from bot.services.downloads.runs import Runs
from bot.services.downloads.text import clean
from bot.services.downloads.urls import check_url
from bot.services.ratelimit import RateLimiter
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus

if TYPE_CHECKING:
    from bot.clients.ytdlp import YtDlp

log = logging.getLogger(__name__)

RATE_NAME = "youtube"


@dataclass
class DownloadQueue:
    """Stores new jobs (one item per video) and reads where stored jobs stand."""

    ytdlp: YtDlp
    limiter: RateLimiter
    runs: Runs
    folders: DownloadDir
    options: DownloadOptions
    _user_locks: dict[int, asyncio.Lock] = field(default_factory=dict, init=False)

    async def queue(
        self,
        discord_id: int,
        url: str,
        collection: str | None,
        channel_id: int | None,
        *,
        exempt: bool = False,
    ) -> DownloadJob:
        """Check, list and store a playlist download; `exempt` skips the cap and rate limit."""
        o = self.options
        checked = check_url(url, o.allowed_hosts)
        wanted = clean(collection or "", 200)
        lock = self._user_locks.setdefault(discord_id, asyncio.Lock())
        async with lock:
            if not exempt:
                await self._check_cap(discord_id)
                await self.limiter.hit(RATE_NAME, o.rate, discord_id, what="YouTube downloads")
            try:
                playlist = await self.ytdlp.list_playlist(checked, limit=o.max_items + 1)
            except YouTubeBlocked:
                raise  # the service pauses the queue and tells the member
            except DownloadFailed as exc:
                raise InvalidInput(
                    N_(
                        "I couldn't read that playlist ({reason}). "
                        "Check that it's public, then try again."
                    ),
                    reason=clean(exc.reason, 200),
                ) from exc
            if len(playlist.entries) > o.max_items:
                count = playlist.count if playlist.count and playlist.count > o.max_items else 0
                size = str(count) if count else f"more than {o.max_items}"
                raise InvalidInput(
                    N_(
                        "That playlist has {size} videos; I can take at most {max_items}. "
                        "Try a shorter playlist."
                    ),
                    size=size,
                    max_items=o.max_items,
                )
            entries = [e for e in playlist.entries if self._entry_allowed(e)]
            if not entries:
                raise InvalidInput(N_("I found no videos I can download there."))
            title = clean(playlist.title, 500) or "YouTube"
            job = await self._store(
                DownloadJob(
                    discord_id=discord_id,
                    url=checked,
                    title=title,
                    collection=wanted or clean(title, 200),
                    folder=str(self.folders.folder_for(title, checked)),
                    status=JobStatus.QUEUED,
                    channel_id=channel_id,
                    description=playlist.description[:5000] or None,
                    thumbnail_url=playlist.thumbnail,
                ),
                entries,
            )
        log.info("youtube: job %s queued by %s: %s items", job.id, discord_id, len(entries))
        self.runs.work.set()
        return job

    async def queue_new_videos(self, batch: NewVideos) -> DownloadJob:
        """Store a subscription's new videos as a job into its folder and collection.

        No cap and no rate limit: the member asked once, by subscribing.
        """
        job = await self._store(
            DownloadJob(
                discord_id=batch.discord_id,
                url=batch.url,
                title=batch.title,
                collection=batch.collection,
                folder=str(batch.folder),
                status=JobStatus.QUEUED,
                description=batch.description[:5000] or None,
                thumbnail_url=batch.thumbnail,
                subscription_id=batch.subscription_id,
            ),
            batch.entries,
            first_position=batch.first_position,
        )
        log.info("youtube: subscription #%s queued job %s", batch.subscription_id, job.id)
        self.runs.work.set()
        return job

    @staticmethod
    async def _store(
        job: DownloadJob, entries: list[Entry], *, first_position: int = 1
    ) -> DownloadJob:
        """Save the job and one item per entry, with what the listing said of each video."""
        async with in_transaction():
            await job.save()
            await DownloadItem.bulk_create(
                [
                    DownloadItem(
                        job_id=job.id,
                        position=n,
                        video_id=e.video_id[:255],
                        title=clean(e.title, 500) or e.video_id[:255],
                        url=e.url,
                        status=ItemStatus.QUEUED,
                        description=e.description[:5000] or None,
                        upload_date=e.upload_date,
                        thumbnail_url=e.thumbnail,
                    )
                    for n, e in enumerate(entries, start=first_position)
                ]
            )
        return job

    async def _check_cap(self, discord_id: int) -> None:
        active = await DownloadJob.filter(discord_id=discord_id, status__in=ACTIVE).count()
        if active >= self.options.per_user_queued:
            raise InvalidInput(
                PluralMsg(
                    "You already have {count} YouTube download queued or running. "
                    "Wait for it to finish, or cancel it in `/downloads`.",
                    "You already have {count} YouTube downloads queued or running. "
                    "Wait for one to finish, or cancel one in `/downloads`.",
                    active,
                )
            )

    def _entry_allowed(self, entry: Entry) -> bool:
        """Entries are fetched later, so they pass the same host check as the playlist."""
        try:
            check_url(entry.url, self.options.allowed_hosts)
        except InvalidInput:
            log.info("youtube: skipping entry %r on a host that is not allowed", entry.video_id)
            return False
        return True

    async def set_progress_message(self, job_id: int, message_id: int) -> None:
        """Remember the message that shows this job's progress."""
        async with self.runs.lock:  # so a worker claiming the job right now reads the new id
            await DownloadJob.filter(id=job_id).update(progress_message_id=message_id)
            run = self.runs.get(job_id)
        if run is not None:
            run.job.progress_message_id = message_id
            run.changed()

    async def progress(self, job_id: int) -> JobProgress | None:
        """Where one job stands, or None if there is no such job."""
        job = await DownloadJob.get_or_none(id=job_id)
        return None if job is None else await self.runs.progress_of(job)

    async def list_jobs(self, discord_id: int | None, *, limit: int = 10) -> list[JobProgress]:
        """Active jobs (oldest first), then those finished in the last day; None = everyone's."""
        mine = (
            DownloadJob.filter()
            if discord_id is None
            else DownloadJob.filter(discord_id=discord_id)
        )
        active = await mine.filter(status__in=ACTIVE).order_by("id").limit(limit)
        recent = await (
            mine.filter(status__in=FINISHED, finished_at__gte=datetime.now(UTC) - timedelta(days=1))
            .order_by("-finished_at")
            .limit(max(0, limit - len(active)))
        )
        return [await self.runs.progress_of(job) for job in [*active, *recent]]
