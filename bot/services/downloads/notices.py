"""What members and admins are told about downloads: DMs and channel posts, via the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.services.downloads.text import human_bytes, md, plural
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.requests.prefs import Preferences
from storage.models import DownloadJob, JobStatus


@dataclass
class Notices:
    """Each notice has a dedupe key, so a restart or a retry never sends it twice."""

    outbox: Outbox
    places: Places

    @property
    def notify_channel_id(self) -> int | None:
        """Finished downloads: the YouTube channel, else the notify channel."""
        return self.places.youtube_channel

    @property
    def health_channel_id(self) -> int | None:
        """Download trouble for admins: the alerts channel, else the health channel."""
        return self.places.alerts_channel

    async def finished(self, job: DownloadJob, done: int, failed: int, total: int) -> None:
        """The requester's DM and the channel announcement (each sent once per job)."""
        if job.subscription_id is not None:
            if done:  # a subscription's failures show in /youtube subscriptions and /downloads
                await self.new_videos(job, done)
            return
        title = md(job.title)
        collection = md(job.collection)
        if job.plex_synced:
            where = f" Find them in Plex in the collection **{collection}**."
        else:
            where = f" They'll show up in Plex in the collection **{collection}** soon."
        if job.status == JobStatus.COMPLETED:
            text = f"✅ Your YouTube download **{title}** is done: {plural(done, 'video')}.{where}"
            post = f"📺 New in Plex: **{collection}** ({plural(done, 'video')} from YouTube)"
        elif job.status == JobStatus.PARTIAL:
            text = (
                f"⚠️ Your YouTube download **{title}** finished with {done} of {total} videos; "
                f"{failed} couldn't be downloaded.{where}"
            )
            post = f"📺 New in Plex: **{collection}** ({done} of {total} videos from YouTube)"
        else:
            text = (
                f"❌ Your YouTube download **{title}** failed: none of its "
                f"{plural(total, 'video')} could be downloaded. Check that the playlist plays "
                "in a browser, then try again."
            )
            post = f"A YouTube download (**{title}**) failed"
        channel = self.notify_channel_id
        if channel is not None:
            # Public: the requester is named only if they allowed it in /notifications.
            named = await Preferences().named_in_public([job.discord_id])
            who = f", requested by <@{job.discord_id}>" if named else ""
            await self.outbox.post(f"youtube:{job.id}:announced", channel, f"{post}{who}.")
        # The DM comes last: once its row exists, every notice of this job is stored.
        await self.outbox.dm(f"youtube:{job.id}:finished", job.discord_id, text)

    async def paused(self, job: DownloadJob, free: int, floor: int) -> None:
        """The admins' alert that a job paused on low disk space (one per pause)."""
        channel = self.health_channel_id
        if channel is None:
            return
        stamp = int(datetime.now(UTC).timestamp())
        await self.outbox.post(
            f"youtube:{job.id}:paused:{stamp}",
            channel,
            f"⚠️ YouTube download #{job.id} (**{md(job.title)}**) is paused: the download "
            f"disk has {human_bytes(free)} free, below the {human_bytes(floor)} "
            "floor. Free some space and it resumes by itself.",
        )

    async def blocked(self, kind: str, reason: str, remedy: str, since: datetime) -> None:
        """The admins' alert that YouTube refused the server and the queue is paused (once)."""
        channel = self.health_channel_id
        if channel is None:
            return
        what = {
            "bot_check": "asked this server to prove it is not a bot",
            "rate_limited": "is rate-limiting this server (HTTP 429)",
            "cookies": "rejected the cookies",
        }.get(kind, "refused this server")
        await self.outbox.post(
            f"youtube:blocked:{int(since.timestamp())}",
            channel,
            f"⛔ YouTube {what}, so the download queue is paused and no video is retried.\n"
            f"{remedy}\n-# yt-dlp said: {md(reason[:300])}",
        )

    async def new_videos(self, job: DownloadJob, done: int) -> None:
        """A subscriber's DM when a check's new videos are in (once per job)."""
        where = "in Plex" if job.plex_synced else "on their way to Plex"
        await self.outbox.dm(
            f"youtube:{job.id}:finished",
            job.discord_id,
            f"📺 {plural(done, 'new video')} in **{md(job.collection)}**, {where}.",
        )

    async def cancelled_by_admin(self, job: DownloadJob) -> None:
        """The owner's DM when an admin cancelled their job."""
        await self.outbox.dm(
            f"youtube:{job.id}:cancelled",
            job.discord_id,
            f"An admin cancelled your YouTube download **{md(job.title)}**.",
        )
