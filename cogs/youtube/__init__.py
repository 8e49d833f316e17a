"""YouTube to Plex: `_cog` /youtube and /downloads, `_views` their buttons and progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.i18n import N_
from bot.services.downloads import DownloadOptions, DownloadService, ProgressRelay
from bot.services.downloads.subscriptions import TICK as SUBSCRIPTION_TICK
from bot.services.linking import LinkingService
from cogs.youtube._cog import YouTubeCog

if TYPE_CHECKING:
    from bot.app import MediaNest
    from bot.config import Settings

__all__ = ["YouTubeCog", "setup"]


def off(settings: Settings) -> str | None:
    """Why YouTube downloads are off, naming what switches them on (None: on)."""
    if settings.youtube_enabled:
        return None
    return N_("YouTube downloads are off: set YOUTUBE_DOWNLOAD_DIR (and Plex) for /youtube.")


async def setup(bot: MediaNest) -> None:
    """On with Plex, linking and YOUTUBE_DOWNLOAD_DIR: the download queue and its jobs.

    The subscription check runs every 10 minutes, or every YOUTUBE_SUBSCRIPTION_INTERVAL
    when that is shorter (down to a second), so a short interval is honoured.
    """
    core = bot.services
    s = core.settings
    if off(s) or core.plex is None or s.youtube_download_dir is None:
        return
    if bot.features.get(LinkingService) is None:
        return
    from bot.clients.ytdlp import YtDlp  # yt-dlp is loaded only when downloads are on

    ytdlp = YtDlp(allowed_extractors=s.youtube_extractors, cookies_file=s.youtube_cookies_file)
    options = DownloadOptions.from_settings(s)
    downloads = DownloadService(
        ytdlp, core.plex, core.outbox, core.limiter, options, ProgressRelay(), core.places
    )
    bot.features.add(downloads)
    bot.jobs.every("downloads-resume", downloads.resume_paused, minutes=1)
    bot.jobs.every("downloads-plex-sync", downloads.sync_plex_pending, minutes=5)
    if options.shared_queue:  # workers anywhere store progress; the leader shows it
        bot.jobs.every("downloads-progress", downloads.relay_stored_progress, seconds=2)
    every = timedelta(hours=options.subscription_hours)
    tick = max(timedelta(seconds=1), min(SUBSCRIPTION_TICK, every))
    soon = datetime.now(UTC) + timedelta(seconds=5)
    check = downloads.check_subscriptions
    bot.jobs.every("youtube-subscriptions", check, seconds=tick.total_seconds(), first_run=soon)
    await bot.add_cog(YouTubeCog(bot, downloads))
