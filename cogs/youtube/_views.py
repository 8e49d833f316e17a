"""What /youtube shows: progress messages, subscription lists, and their buttons."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord

from bot.errors import FeatureDisabled
from bot.services.downloads import ACTIVE, DownloadService, JobProgress, SubscriptionView
from cogs.checks import is_admin
from cogs.components import Guarded
from storage.models import JobStatus

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)

STATUS_WORDS = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "downloading",
    JobStatus.PAUSED: "paused",
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


# Guarded types the interaction with our bot, DynamicItem with any client: the same call.
class CancelButton(
    Guarded, discord.ui.DynamicItem[discord.ui.Button], template=r"download:cancel:(?P<id>\d+)"
):
    """The persistent Cancel button of a download job (its owner or an admin may press it)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=cancel_id(job_id)))
        self.job_id = job_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        service = interaction.client.features.get(DownloadService)
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


def stop_id(subscription_id: int) -> str:
    return f"ytsub:stop:{subscription_id}"


def subscription_text(sub: SubscriptionView) -> str:
    """One subscription: what it follows, when it was last checked, and a failing check."""
    checked = discord.utils.format_dt(sub.checked_at, "R") if sub.checked_at else "not yet"
    line = f"**{sub.title}** → collection **{sub.collection}** · checked {checked}"
    if sub.found_at:
        line += f" · new videos {discord.utils.format_dt(sub.found_at, 'R')}"
    if sub.failures:
        line += f"\n⚠️ The last {sub.failures} check(s) failed: {sub.last_error or '?'}"
    return line


def stop_buttons(subs: Iterable[SubscriptionView]) -> discord.ui.View | None:
    """A Stop button per subscription (at most 25, Discord's limit); None when there are none."""
    view = discord.ui.View(timeout=None)
    for sub in subs:
        if len(view.children) < 25:
            label = f"Stop {sub.title}"[:80]
            style = discord.ButtonStyle.secondary
            view.add_item(discord.ui.Button(label=label, style=style, custom_id=stop_id(sub.id)))
    view.stop()
    return view if view.children else None


class StopSubscriptionButton(
    Guarded, discord.ui.DynamicItem[discord.ui.Button], template=r"ytsub:stop:(?P<id>\d+)"
):
    """The persistent Stop button of a YouTube subscription (its member or an admin)."""

    def __init__(self, subscription_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=stop_id(subscription_id)))
        self.subscription_id = subscription_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        service = interaction.client.features.get(DownloadService)
        if service is None:
            raise FeatureDisabled()
        admin = await is_admin(interaction)
        title = await service.stop_subscription(
            self.subscription_id, interaction.user.id, is_admin=admin
        )
        await interaction.response.send_message(
            f"Stopped following **{title}**. What's already in Plex stays.", ephemeral=True
        )
