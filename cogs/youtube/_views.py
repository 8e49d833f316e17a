"""What /youtube shows: progress messages, subscription lists, and their buttons."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord

from bot.errors import FeatureDisabled
from bot.i18n import N_, Lang, Size
from bot.i18n.discord import channel_lang, lang_of
from bot.services.downloads import ACTIVE, DownloadService, JobProgress, SubscriptionView
from cogs.checks import is_admin
from cogs.components import Guarded
from storage.models import JobStatus

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)

STATUS_WORDS = {
    JobStatus.QUEUED: N_("queued"),
    JobStatus.RUNNING: N_("downloading"),
    JobStatus.PAUSED: N_("paused"),
    JobStatus.COMPLETED: N_("done"),
    JobStatus.PARTIAL: N_("done, some videos failed"),
    JobStatus.FAILED: N_("failed"),
    JobStatus.CANCELLED: N_("cancelled"),
}


def speed_text(t: Lang, speed: float | None) -> str:
    return t._("{size}/s", size=Size(speed)) if speed else "—"


def eta_text(eta: float | None) -> str:
    if eta is None:
        return "—"
    minutes, seconds = divmod(int(eta), 60)
    return f"{minutes}:{seconds:02d}"


def progress_text(t: Lang, p: JobProgress) -> str:
    """The progress message of one job."""
    status = t._(STATUS_WORDS.get(p.status, str(p.status)))
    lines = [t._("**{title}** · job #{id} · {status}", title=p.title, id=p.job_id, status=status)]
    failed = t._(" · {failed} failed", failed=p.failed) if p.failed else ""
    videos = t.ngettext(
        "{done}/{count} video{failed}",
        "{done}/{count} videos{failed}",
        p.total,
        done=p.done + p.failed,
        failed=failed,
    )
    lines.append(f"`{p.bar()}` · {videos}")
    if p.status == JobStatus.RUNNING and p.current_title:
        lines.append(
            t._(
                "Now: {title} · {speed} · ETA {eta}",
                title=p.current_title,
                speed=speed_text(t, p.speed),
                eta=eta_text(p.eta),
            )
        )
    if p.message and p.status in (JobStatus.PAUSED, JobStatus.FAILED, JobStatus.CANCELLED):
        lines.append(t._(p.message))
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


def progress_view(t: Lang, p: JobProgress) -> discord.ui.View | None:
    """The progress message's Cancel button while the job is still going."""
    return cancel_buttons([(t._("Cancel"), p.job_id)] if p.status in ACTIVE else [])


class DiscordProgress:
    """Edits a job's progress message; the service already limits how often it is called."""

    def __init__(self, bot: MediaNest) -> None:
        self.bot = bot

    async def job_progress(self, progress: JobProgress) -> None:
        if progress.channel_id is None or progress.progress_message_id is None:
            return
        channel = self.bot.get_partial_messageable(progress.channel_id)
        message = channel.get_partial_message(progress.progress_message_id)
        t = channel_lang(self.bot, progress.channel_id)
        try:
            await message.edit(content=progress_text(t, progress), view=progress_view(t, progress))
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
        t = lang_of(interaction)
        if await service.cancel(self.job_id, interaction.user.id, is_admin=admin):
            text = t._("Cancelled job #{id}.", id=self.job_id)
        else:
            text = t._("Job #{id} has already finished.", id=self.job_id)
        await interaction.followup.send(text, ephemeral=True)


def stop_id(subscription_id: int) -> str:
    return f"ytsub:stop:{subscription_id}"


def subscription_text(t: Lang, sub: SubscriptionView) -> str:
    """One subscription: what it follows, when it was last checked, and a failing check."""
    checked = discord.utils.format_dt(sub.checked_at, "R") if sub.checked_at else t._("not yet")
    line = t._(
        "**{title}** → collection **{collection}** · checked {checked}",
        title=sub.title,
        collection=sub.collection,
        checked=checked,
    )
    if sub.found_at:
        line += t._(" · new videos {when}", when=discord.utils.format_dt(sub.found_at, "R"))
    if sub.failures:
        line += "\n" + t.ngettext(
            "⚠️ The last check failed: {error}",
            "⚠️ The last {count} checks failed: {error}",
            sub.failures,
            error=sub.last_error or "?",
        )
    return line


def stop_buttons(t: Lang, subs: Iterable[SubscriptionView]) -> discord.ui.View | None:
    """A Stop button per subscription (at most 25, Discord's limit); None when there are none."""
    view = discord.ui.View(timeout=None)
    for sub in subs:
        if len(view.children) < 25:
            label = t._("Stop {title}", title=sub.title)[:80]
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
            lang_of(interaction)._(
                "Stopped following **{title}**. What's already in Plex stays.", title=title
            ),
            ephemeral=True,
        )
