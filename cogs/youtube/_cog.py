"""/youtube and /downloads: the Discord side of YouTube-to-Plex downloads and subscriptions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotAllowed
from bot.i18n import N_, Number
from bot.i18n.discord import lang_of, server_lang
from bot.services.downloads import ACTIVE, DownloadService
from cogs.checks import is_admin, requires_admin, requires_link
from cogs.help import ADMIN_ONLY
from cogs.youtube._views import (
    CancelButton,
    DiscordProgress,
    StopSubscriptionButton,
    cancel_buttons,
    progress_text,
    progress_view,
    stop_buttons,
    subscription_text,
)

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)


class YouTubeCog(commands.Cog):
    """Receives /youtube and /downloads and defers the work to the download service."""

    youtube = app_commands.Group(name="youtube", description=N_("YouTube videos in Plex"))

    def __init__(self, bot: MediaNest, service: DownloadService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CancelButton, StopSubscriptionButton)
        self.service.show_progress(DiscordProgress(self.bot))
        await self.service.start()

    async def cog_unload(self) -> None:
        await self.service.stop()  # running jobs stay resumable
        self.bot.remove_dynamic_items(CancelButton, StopSubscriptionButton)
        self.service.hide_progress()

    @youtube.command(name="download")
    @app_commands.describe(
        url=N_("A YouTube playlist or video URL"),
        collection=N_("Name of the Plex collection (default: the playlist's title)"),
    )
    @requires_link()
    async def download(
        self,
        interaction: discord.Interaction[MediaNest],
        url: app_commands.Range[str, 1, 500],
        collection: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Download a YouTube playlist or video into Plex."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        job = await self.service.queue(
            interaction.user.id,
            url,
            collection,
            interaction.channel_id,
            exempt=await is_admin(interaction),
        )
        count = await job.items.all().count()
        await interaction.followup.send(
            lang_of(interaction).ngettext(
                "Queued job #{id}: **{title}** ({count} video). "
                "I'll show progress in this channel and DM you when it's in Plex.",
                "Queued job #{id}: **{title}** ({count} videos). "
                "I'll show progress in this channel and DM you when it's in Plex.",
                count,
                id=job.id,
                title=job.title,
            ),
            ephemeral=True,
        )
        await self.post_progress(interaction, job.id)

    @youtube.command(name="subscribe")
    @app_commands.describe(
        url=N_("A YouTube playlist or channel URL"),
        collection=N_("Name of the Plex collection (default: the playlist's or channel's title)"),
    )
    @requires_link()
    async def subscribe(
        self,
        interaction: discord.Interaction[MediaNest],
        url: app_commands.Range[str, 1, 500],
        collection: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Follow a playlist or channel: its new videos come to Plex by themselves."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await self.service.subscribe(
            interaction.user.id, url, collection, is_admin=await is_admin(interaction)
        )
        sub = done.subscription
        hours = self.service.subscription_hours
        t = lang_of(interaction)
        every = t.ngettext("{count} hour", "{count} hours", int(hours), count=Number(hours))
        await interaction.followup.send(
            t._(
                "Following **{title}**. I look for new videos every {every} and put them in "
                "the collection **{collection}**. The {existing} already there aren't "
                "downloaded: use `/youtube download` for those.",
                title=sub.title,
                every=every,
                collection=sub.collection,
                existing=done.existing,
            ),
            ephemeral=True,
        )

    @youtube.command(name="subscriptions")
    @app_commands.describe(everyone=N_("Admins: show everyone's subscriptions"))
    async def subscriptions(
        self, interaction: discord.Interaction[MediaNest], everyone: bool = False
    ) -> None:
        """Show your YouTube subscriptions, with a Stop button each."""
        if everyone and not await is_admin(interaction):
            raise NotAllowed(N_("Only admins can see everyone's subscriptions."))
        t = lang_of(interaction)
        subs = await self.service.subscriptions_of(None if everyone else interaction.user.id)
        if not subs:
            await interaction.response.send_message(
                t._("No subscriptions yet: `/youtube subscribe` follows a playlist or channel."),
                ephemeral=True,
            )
            return
        shown = subs[:25]
        text = "\n\n".join(subscription_text(t, s) for s in shown)
        await interaction.response.send_message(
            text[:2000],
            view=stop_buttons(t, shown),  # type: ignore[arg-type]
            ephemeral=True,
        )

    @youtube.command(name="resume", extras={ADMIN_ONLY: True})
    @requires_admin()
    async def resume(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Admins: resume the queue after YouTube refused the server."""
        t = lang_of(interaction)
        if not self.service.paused_by_youtube:
            await interaction.response.send_message(
                t._("The download queue isn't paused by YouTube."), ephemeral=True
            )
            return
        resumed = await self.service.resume_blocked()
        await interaction.response.send_message(
            t.ngettext(
                "Resumed the download queue ({count} paused job going on). "
                "If YouTube refuses again, I'll pause and tell you.",
                "Resumed the download queue ({count} paused jobs going on). "
                "If YouTube refuses again, I'll pause and tell you.",
                resumed,
            ),
            ephemeral=True,
        )

    async def post_progress(self, interaction: discord.Interaction, job_id: int) -> None:
        """Post the progress message as a normal message: it outlives the interaction token."""
        progress = await self.service.progress(job_id)
        channel = interaction.channel
        if progress is None:
            return
        if channel is None or not isinstance(channel, discord.abc.Messageable):
            return
        t = server_lang(self.bot, interaction.guild)  # everyone in the channel reads it
        try:
            view = progress_view(t, progress)
            message = await channel.send(progress_text(t, progress), view=view)  # type: ignore[arg-type]
        except discord.HTTPException as exc:
            log.warning("could not post progress for job %s: %s", job_id, exc)
            return
        await self.service.set_progress_message(job_id, message.id)

    @app_commands.command(name="downloads")
    @app_commands.describe(everyone=N_("Admins: show everyone's downloads"))
    async def downloads(
        self, interaction: discord.Interaction[MediaNest], everyone: bool = False
    ) -> None:
        """Show your YouTube downloads, with Cancel buttons for the ones still going."""
        if everyone and not await is_admin(interaction):
            raise NotAllowed(N_("Only admins can see everyone's downloads."))
        t = lang_of(interaction)
        jobs = await self.service.list_jobs(None if everyone else interaction.user.id)
        if not jobs:
            await interaction.response.send_message(t._("No downloads yet."), ephemeral=True)
            return
        shown = jobs[:10]
        text = "\n\n".join(progress_text(t, j) for j in shown)
        view = cancel_buttons(
            (t._("Cancel #{id}", id=j.job_id), j.job_id) for j in shown if j.status in ACTIVE
        )
        await interaction.response.send_message(text[:2000], view=view, ephemeral=True)  # type: ignore[arg-type]
