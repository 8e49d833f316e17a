"""What members and admins are told about downloads: DMs and channel posts, via the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.i18n import Msg, PluralMsg, Size
from bot.services.downloads.text import md
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
            where = Msg(
                "Find them in Plex in the collection **{collection}**.", collection=collection
            )
        else:
            where = Msg(
                "They'll show up in Plex in the collection **{collection}** soon.",
                collection=collection,
            )
        member = f"<@{job.discord_id}>"
        if job.status == JobStatus.COMPLETED:
            text = PluralMsg(
                "✅ Your YouTube download **{title}** is done: {count} video. {where}",
                "✅ Your YouTube download **{title}** is done: {count} videos. {where}",
                done,
                title=title,
                where=where,
            )
            post = PluralMsg(
                "📺 New in Plex: **{collection}** ({count} video from YouTube), requested by "
                "{member}.",
                "📺 New in Plex: **{collection}** ({count} videos from YouTube), requested by "
                "{member}.",
                done,
                collection=collection,
                member=member,
            )
            anonymous = PluralMsg(
                "📺 New in Plex: **{collection}** ({count} video from YouTube).",
                "📺 New in Plex: **{collection}** ({count} videos from YouTube).",
                done,
                collection=collection,
            )
        elif job.status == JobStatus.PARTIAL:
            text = PluralMsg(
                "⚠️ Your YouTube download **{title}** finished with {done} of {total} videos; "
                "{count} couldn't be downloaded. {where}",
                "⚠️ Your YouTube download **{title}** finished with {done} of {total} videos; "
                "{count} couldn't be downloaded. {where}",
                failed,
                title=title,
                done=done,
                total=total,
                where=where,
            )
            post = Msg(
                "📺 New in Plex: **{collection}** ({done} of {total} videos from YouTube), "
                "requested by {member}.",
                collection=collection,
                done=done,
                total=total,
                member=member,
            )
            anonymous = Msg(
                "📺 New in Plex: **{collection}** ({done} of {total} videos from YouTube).",
                collection=collection,
                done=done,
                total=total,
            )
        else:
            text = PluralMsg(
                "❌ Your YouTube download **{title}** failed: its only video couldn't be "
                "downloaded. Check that it plays in a browser, then try again.",
                "❌ Your YouTube download **{title}** failed: none of its {count} videos could "
                "be downloaded. Check that the playlist plays in a browser, then try again.",
                total,
                title=title,
            )
            post = Msg(
                "A YouTube download (**{title}**) failed, requested by {member}.",
                title=title,
                member=member,
            )
            anonymous = Msg("A YouTube download (**{title}**) failed.", title=title)
        channel = self.notify_channel_id
        if channel is not None:
            # Public: the requester is named only if they allowed it in /notifications.
            named = await Preferences().named_in_public([job.discord_id])
            shown = post if named else anonymous
            await self.outbox.post(f"youtube:{job.id}:announced", channel, shown)
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
            Msg(
                "⚠️ YouTube download #{id} (**{title}**) is paused: the download "
                "disk has {free} free, below the {floor} "
                "floor. Free some space and it resumes by itself.",
                id=job.id,
                title=md(job.title),
                free=Size(free),
                floor=Size(floor),
            ),
        )

    async def blocked(self, kind: str, reason: str, remedy: str, since: datetime) -> None:
        """The admins' alert that YouTube refused the server and the queue is paused (once)."""
        channel = self.health_channel_id
        if channel is None:
            return
        what = {
            "bot_check": Msg(
                "⛔ YouTube asked this server to prove it is not a bot, so the download queue "
                "is paused and no video is retried."
            ),
            "rate_limited": Msg(
                "⛔ YouTube is rate-limiting this server (HTTP 429), so the download queue "
                "is paused and no video is retried."
            ),
            "cookies": Msg(
                "⛔ YouTube rejected the cookies, so the download queue is paused and no video "
                "is retried."
            ),
        }.get(
            kind,
            Msg(
                "⛔ YouTube refused this server, so the download queue is paused and no video "
                "is retried."
            ),
        )
        await self.outbox.post(
            f"youtube:blocked:{int(since.timestamp())}",
            channel,
            Msg(
                "{what}\n{remedy}\n-# yt-dlp said: {reason}",
                what=what,
                remedy=Msg(remedy),
                reason=md(reason[:300]),
            ),
        )

    async def new_videos(self, job: DownloadJob, done: int) -> None:
        """A subscriber's DM when a check's new videos are in (once per job)."""
        if job.plex_synced:
            text = PluralMsg(
                "📺 {count} new video in **{collection}**, in Plex.",
                "📺 {count} new videos in **{collection}**, in Plex.",
                done,
                collection=md(job.collection),
            )
        else:
            text = PluralMsg(
                "📺 {count} new video in **{collection}**, on its way to Plex.",
                "📺 {count} new videos in **{collection}**, on their way to Plex.",
                done,
                collection=md(job.collection),
            )
        await self.outbox.dm(f"youtube:{job.id}:finished", job.discord_id, text)

    async def cancelled_by_admin(self, job: DownloadJob) -> None:
        """The owner's DM when an admin cancelled their job."""
        await self.outbox.dm(
            f"youtube:{job.id}:cancelled",
            job.discord_id,
            Msg("An admin cancelled your YouTube download **{title}**.", title=md(job.title)),
        )
