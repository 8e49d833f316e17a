"""DownloadService: the one object the bot, the cog and the scheduler hold for /youtube."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clients.plex import PlexClient
from bot.clients.ytdlp import YouTubeBlocked
from bot.errors import InvalidInput
from bot.i18n import N_
from bot.services.downloads.block import QueueBlock
from bot.services.downloads.cancel import Canceller
from bot.services.downloads.endings import JobEndings
from bot.services.downloads.filing import PlexFiling
from bot.services.downloads.folders import DownloadDir
from bot.services.downloads.lease import Leases
from bot.services.downloads.notices import Notices
from bot.services.downloads.options import DownloadOptions
from bot.services.downloads.progress import JobProgress, ProgressFeed, ProgressRelay, ProgressSink
from bot.services.downloads.queue import DownloadQueue
from bot.services.downloads.remote import RemoteProgress, StoredProgress
from bot.services.downloads.runs import Runs
from bot.services.downloads.space import DiskSpace
from bot.services.downloads.subscriptions import Subscribed, SubscriptionView, YouTubeSubscriptions
from bot.services.downloads.workers import WorkerPool
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter
from storage.models import DownloadJob, YoutubeSubscription

if TYPE_CHECKING:
    from bot.clients.ytdlp import YtDlp

BLOCKED = N_(
    "YouTube is refusing this server right now, so downloads are paused and the admins "
    "have been told. Try again once they've resumed the queue."
)


class DownloadService:
    """The /youtube download queue, wired from its clients and one DownloadOptions.

    Progress goes to `progress`, a relay the Discord side attaches to when its cog loads.
    On a shared queue (PostgreSQL) every worker, here or in another process, stores its
    progress in the job's row, and `relay_stored_progress` (a leader's job) shows it.
    """

    def __init__(
        self,
        ytdlp: YtDlp,
        plex: PlexClient,
        outbox: Outbox,
        limiter: RateLimiter,
        options: DownloadOptions,
        progress: ProgressRelay,
        places: Places,
    ) -> None:
        self._options = options
        self._progress_relay = progress
        self._remote: RemoteProgress | None = None
        if options.shared_queue:
            progress.attach(StoredProgress())
        runs = Runs(ProgressFeed(progress, options.progress_every, options.clock))
        folders = DownloadDir(options.download_dir)
        notices = Notices(outbox, places)
        space = DiskSpace(
            options.download_dir,
            min_free_bytes=options.min_free_bytes,
            free_space=options.free_space,
            check_every=options.space_check_every,
            clock=options.clock,
        )
        self._runs = runs
        self._space = space
        self._notices = notices
        self._filing = PlexFiling(plex, ytdlp, folders, runs, notices, options)
        endings = JobEndings(ytdlp, self._filing, notices, space)
        self._queue = DownloadQueue(ytdlp, limiter, runs, folders, options)
        self._cancel = Canceller(runs, endings, folders, notices, wait=options.cancel_wait)
        self._block = QueueBlock(runs, notices)
        leases = Leases(
            options.worker_name,
            timedelta(seconds=options.lease_seconds),
            postgres=options.shared_queue,
        )
        self._pool = WorkerPool(ytdlp, runs, folders, space, endings, self._block, options, leases)
        self._subscriptions = YouTubeSubscriptions(
            ytdlp,
            self._queue,
            self._block,
            allowed_hosts=options.allowed_hosts,
            folder_for=folders.folder_for,
            max_per_member=options.max_subscriptions,
            max_items=options.max_items,
            interval=timedelta(hours=options.subscription_hours),
        )

    @property
    def paused_by_youtube(self) -> bool:
        """YouTube refused the server: the queue waits for an admin's /youtube resume."""
        return self._block.active

    @property
    def notify_channel_id(self) -> int | None:
        """Where finished downloads are announced: the YouTube channel, else the notify one."""
        return self._notices.notify_channel_id

    @property
    def subscription_hours(self) -> float:
        """How often a subscription is checked for new videos."""
        return self._options.subscription_hours

    def show_progress(self, sink: ProgressSink) -> None:
        """Send job progress to `sink` (the Discord side, when its cog loads)."""
        if self._options.shared_queue:
            self._remote = RemoteProgress(sink)
        else:
            self._progress_relay.attach(sink)

    def hide_progress(self) -> None:
        """Stop sending job progress anywhere."""
        if self._options.shared_queue:
            self._remote = None
        else:
            self._progress_relay.detach()

    async def relay_stored_progress(self) -> int:
        """Show the progress workers stored since the last call (scheduler job, shared queue)."""
        return await self._remote.relay() if self._remote else 0

    async def subscribe(
        self, discord_id: int, url: str, collection: str | None, *, is_admin: bool
    ) -> Subscribed:
        """Follow a playlist or channel: its new videos are downloaded by themselves."""
        return await self._subscriptions.subscribe(discord_id, url, collection, is_admin=is_admin)

    async def subscriptions_of(self, discord_id: int | None) -> list[SubscriptionView]:
        """A member's subscriptions (None: everyone's)."""
        return await self._subscriptions.of_member(discord_id)

    async def stop_subscription(
        self, subscription_id: int, by_discord_id: int, *, is_admin: bool
    ) -> str:
        """Stop a subscription (its member or an admin); returns its title."""
        return await self._subscriptions.stop(subscription_id, by_discord_id, is_admin=is_admin)

    async def start(self) -> None:
        """Start the worker pool (paired with `stop`), unless only other processes download."""
        if self._options.local_workers:
            await self._pool.start()

    async def stop(self) -> None:
        """Stop the worker pool; running jobs stay resumable."""
        await self._pool.stop()

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
        if self._block.active:  # listing would only ask YouTube again
            raise InvalidInput(BLOCKED)
        try:
            return await self._queue.queue(discord_id, url, collection, channel_id, exempt=exempt)
        except YouTubeBlocked as exc:
            await self._block.block(exc)
            raise InvalidInput(BLOCKED) from exc

    async def set_progress_message(self, job_id: int, message_id: int) -> None:
        """Remember the message that shows this job's progress."""
        await self._queue.set_progress_message(job_id, message_id)

    async def progress(self, job_id: int) -> JobProgress | None:
        """Where one job stands, or None if there is no such job."""
        return await self._queue.progress(job_id)

    async def list_jobs(self, discord_id: int | None, *, limit: int = 10) -> list[JobProgress]:
        """Active jobs, then those finished in the last day; None = everyone's."""
        return await self._queue.list_jobs(discord_id, limit=limit)

    async def cancel(self, job_id: int, by_discord_id: int, *, is_admin: bool) -> bool:
        """Cancel a job (its owner or an admin); False if it had already ended."""
        return await self._cancel.cancel(job_id, by_discord_id, is_admin=is_admin)

    async def resume_paused(self) -> int:
        """Queue paused jobs again when the disk has room (scheduler job)."""
        if self._block.active:  # jobs paused by YouTube's refusal wait for an admin
            return 0
        return await self._space.resume_paused(self._runs)

    async def resume_blocked(self) -> int:
        """An admin lifts the pause YouTube's refusal caused; returns how many jobs go on."""
        return await self._block.resume()

    async def check_subscriptions(self) -> int:
        """Check the subscriptions that are due for new videos (scheduler job)."""
        return await self._subscriptions.check_all()

    async def check_subscription(self, subscription: YoutubeSubscription) -> int:
        """Check one subscription now; returns how many new videos were queued."""
        return await self._subscriptions.check(subscription)

    async def sync_plex_pending(self) -> int:
        """File finished jobs that Plex missed into Plex (scheduler job)."""
        return await self._filing.file_pending()
