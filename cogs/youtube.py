"""/youtube and /downloads: the Discord side of YouTube-to-Plex downloads."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotAllowed
from bot.services.downloads import DownloadService, JobProgress
from bot.tree import report_error
from cogs.checks import is_admin, requires_link
from storage.models import JobStatus

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED)
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


def cancel_view(job_id: int, active: bool) -> discord.ui.View | None:
    if not active:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label="Cancel", style=discord.ButtonStyle.danger, custom_id=f"download:cancel:{job_id}"
        )
    )
    view.stop()  # CancelButton, a persistent handler, takes the clicks
    return view


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
            await message.edit(
                content=progress_text(progress),
                view=cancel_view(progress.job_id, progress.status in ACTIVE),
            )
        except discord.HTTPException as exc:
            log.warning("could not edit the progress of job %s: %s", progress.job_id, exc)


class CancelButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"download:cancel:(?P<id>\d+)"
):
    """The persistent Cancel button of a download job."""

    def __init__(self, job_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"download:cancel:{job_id}"))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CancelButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        service = interaction.client.services.downloads
        assert service is not None
        try:
            admin = await is_admin(interaction)
            if not await service.cancel(self.job_id, interaction.user.id, is_admin=admin):
                await interaction.response.send_message(
                    f"Job #{self.job_id} has already finished.", ephemeral=True
                )
                return
        except Exception as exc:
            await report_error(interaction, exc)
            return
        await interaction.response.send_message(f"Cancelled job #{self.job_id}.", ephemeral=True)


class YouTubeCog(commands.Cog):
    """Receives /youtube and /downloads and defers the work to the download service."""

    def __init__(self, bot: MediaNest, service: DownloadService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CancelButton)
        self.service.sink = DiscordProgress(self.bot)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CancelButton)
        self.service.sink = None

    @app_commands.command(name="youtube")
    @app_commands.describe(
        url="A YouTube playlist or video URL",
        collection="Name of the Plex collection (default: the playlist's title)",
    )
    @requires_link()
    async def youtube(
        self,
        interaction: discord.Interaction,
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
            exempt=await is_admin(interaction),  # type: ignore[arg-type]
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
            message = await channel.send(
                progress_text(progress),
                view=cancel_view(job_id, progress.status in ACTIVE),  # type: ignore[arg-type]
            )
        except discord.HTTPException as exc:
            log.warning("could not post progress for job %s: %s", job_id, exc)
            return
        await self.service.set_progress_message(job_id, message.id)

    @app_commands.command(name="downloads")
    @app_commands.describe(everyone="Admins: show everyone's downloads")
    async def downloads(self, interaction: discord.Interaction, everyone: bool = False) -> None:
        """Show your YouTube downloads, with Cancel buttons for the ones still going."""
        if everyone and not await is_admin(interaction):  # type: ignore[arg-type]
            raise NotAllowed("Only admins can see everyone's downloads.")
        jobs = await self.service.list_jobs(None if everyone else interaction.user.id)
        if not jobs:
            await interaction.response.send_message("No downloads yet.", ephemeral=True)
            return
        shown = jobs[:10]
        text = "\n\n".join(progress_text(j) for j in shown)
        view = discord.ui.View(timeout=None)
        for job in shown:
            if job.status in ACTIVE and len(view.children) < 25:
                view.add_item(
                    discord.ui.Button(
                        label=f"Cancel #{job.job_id}",
                        style=discord.ButtonStyle.danger,
                        custom_id=f"download:cancel:{job.job_id}",
                    )
                )
        view.stop()
        await interaction.response.send_message(text[:2000], view=view, ephemeral=True)
