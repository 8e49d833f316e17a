"""/youtube and /downloads: the Discord side of YouTube-to-Plex downloads."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import FeatureDisabled, NotAllowed
from bot.services.downloads import ACTIVE, DownloadService, JobProgress
from cogs.checks import is_admin, requires_link
from cogs.components import Guarded
from storage.models import JobStatus

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)

STATUS_WORDS = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "downloading",
    JobStatus.PAUSED: "paused (low disk space)",
    JobStatus.COMPLETED: "done",
    JobStatus.PARTIAL: "done, some videos failed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "cancelled",
}


def speed_text(speed: float | None) -> str:
    return f"{speed / 2**20:.1f} MB/s" if speed else "—"


def eta_text(eta: float | None) -> str:
    if eta is None:
        return "—"
    minutes, seconds = divmod(int(eta), 60)
    return f"{minutes}:{seconds:02d}"


def progress_text(p: JobProgress) -> str:
    """The progress message of one job."""
    lines = [f"**{p.title}** · job #{p.job_id} · {STATUS_WORDS.get(p.status, str(p.status))}"]
    failed = f" · {p.failed} failed" if p.failed else ""
    lines.append(f"`{p.bar()}` · {p.done + p.failed}/{p.total} videos{failed}")
    if p.status == JobStatus.RUNNING and p.current_title:
        lines.append(f"Now: {p.current_title} · {speed_text(p.speed)} · ETA {eta_text(p.eta)}")
    if p.message and p.status in (JobStatus.PAUSED, JobStatus.FAILED, JobStatus.CANCELLED):
        lines.append(p.message)
    return "\n".join(lines)


def cancel_id(job_id: int) -> str:
    return f"download:cancel:{job_id}"


def cancel_buttons(buttons: Iterable[tuple[str, int]]) -> discord.ui.View | None:
    """A view of (label, job id) Cancel buttons, whose clicks CancelButton takes; None if none."""
    view = discord.ui.View(timeout=None)
    for label, job_id in buttons:
        if len(view.children) < 25:  # Discord's limit per message
            style = discord.ButtonStyle.danger
            view.add_item(discord.ui.Button(label=label, style=style, custom_id=cancel_id(job_id)))
    view.stop()
    return view if view.children else None


def progress_view(p: JobProgress) -> discord.ui.View | None:
    """The progress message's Cancel button while the job is still going."""
    return cancel_buttons([("Cancel", p.job_id)] if p.status in ACTIVE else [])


class DiscordProgress:
    """Edits a job's progress message; the service already limits how often it is called."""

    def __init__(self, bot: MediaNest) -> None:
        self.bot = bot

    async def job_progress(self, progress: JobProgress) -> None:
        if progress.channel_id is None or progress.progress_message_id is None:
            return
        channel = self.bot.get_partial_messageable(progress.channel_id)
        message = channel.get_partial_message(progress.progress_message_id)
        try:
            await message.edit(content=progress_text(progress), view=progress_view(progress))
        except discord.HTTPException as exc:
            log.warning("could not edit the progress of job %s: %s", progress.job_id, exc)


class CancelButton(
    Guarded, discord.ui.DynamicItem[discord.ui.Button], template=r"download:cancel:(?P<id>\d+)"
):
    """The persistent Cancel button of a download job (its owner or an admin may press it)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=cancel_id(job_id)))
        self.job_id = job_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        service = interaction.client.services.downloads
        if service is None:
            raise FeatureDisabled()
        # Cancelling waits for a running job to wind down: longer than Discord's 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        admin = await is_admin(interaction)
        if await service.cancel(self.job_id, interaction.user.id, is_admin=admin):
            text = f"Cancelled job #{self.job_id}."
        else:
            text = f"Job #{self.job_id} has already finished."
        await interaction.followup.send(text, ephemeral=True)


class YouTubeCog(commands.Cog):
    """Receives /youtube and /downloads and defers the work to the download service."""

    def __init__(self, bot: MediaNest, service: DownloadService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CancelButton)
        self.service.progress_relay.attach(DiscordProgress(self.bot))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CancelButton)
        self.service.progress_relay.detach()

    @app_commands.command(name="youtube")
    @app_commands.describe(
        url="A YouTube playlist or video URL",
        collection="Name of the Plex collection (default: the playlist's title)",
    )
    @requires_link()
    async def youtube(
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
            f"Queued job #{job.id}: **{job.title}** ({count} video{'s' if count != 1 else ''}). "
            "I'll show progress in this channel and DM you when it's in Plex.",
            ephemeral=True,
        )
        await self.post_progress(interaction, job.id)

    async def post_progress(self, interaction: discord.Interaction, job_id: int) -> None:
        """Post the progress message as a normal message: it outlives the interaction token."""
        progress = await self.service.progress(job_id)
        channel = interaction.channel
        if progress is None:
            return
        if channel is None or not isinstance(channel, discord.abc.Messageable):
            return
        try:
            message = await channel.send(progress_text(progress), view=progress_view(progress))  # type: ignore[arg-type]
        except discord.HTTPException as exc:
            log.warning("could not post progress for job %s: %s", job_id, exc)
            return
        await self.service.set_progress_message(job_id, message.id)

    @app_commands.command(name="downloads")
    @app_commands.describe(everyone="Admins: show everyone's downloads")
    async def downloads(
        self, interaction: discord.Interaction[MediaNest], everyone: bool = False
    ) -> None:
        """Show your YouTube downloads, with Cancel buttons for the ones still going."""
        if everyone and not await is_admin(interaction):
            raise NotAllowed("Only admins can see everyone's downloads.")
        jobs = await self.service.list_jobs(None if everyone else interaction.user.id)
        if not jobs:
            await interaction.response.send_message("No downloads yet.", ephemeral=True)
            return
        shown = jobs[:10]
        text = "\n\n".join(progress_text(j) for j in shown)
        view = cancel_buttons(
            (f"Cancel #{j.job_id}", j.job_id) for j in shown if j.status in ACTIVE
        )
        await interaction.response.send_message(text[:2000], view=view, ephemeral=True)  # type: ignore[arg-type]
