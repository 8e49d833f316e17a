"""YouTube to Plex: queue a playlist, download it with yt-dlp, file it in Plex as a collection.

`queue` checks the URL before anything is fetched (`urls`), applies the per-user cap and
the rate limit, lists the playlist (flat, in a thread) and stores a job with one item per
video (`queue`). A pool of workers takes jobs in order; each item is retried with backoff
(`workers`) and a job ends COMPLETED, PARTIAL or FAILED (`endings`). A job whose disk runs
low is PAUSED until there is room again (`space`). `stop` leaves jobs resumable (RUNNING →
QUEUED, `.part` files kept); `cancel` stops one for good and deletes its partial files
(`cancel`). When a job ends its folder is scanned into the Plex section and gathered in a
collection; if Plex is down, it is done later (`filing`). Progress goes to a
`ProgressSink` at most once every `progress_every` seconds per job, plus the final state
(`progress`); DMs and announcements go through the outbox (`notices`). Once Plex lists
the files, each video gets its title, summary, date and poster through the Plex API
(`filing`). A subscription checks a playlist or channel on a schedule and queues only
what is new (`subscriptions`). When YouTube refuses the server itself (bot check, 429,
stale cookies) the whole queue pauses without retries until an admin resumes (`block`).
"""

from bot.services.downloads.options import DownloadOptions
from bot.services.downloads.progress import (
    ACTIVE,
    FINISHED,
    JobProgress,
    ProgressRelay,
    ProgressSink,
)
from bot.services.downloads.service import DownloadService
from bot.services.downloads.subscriptions import SubscriptionView
from bot.services.downloads.text import human_bytes
from bot.services.downloads.urls import NOT_YOUTUBE, check_url

__all__ = [
    "ACTIVE",
    "FINISHED",
    "NOT_YOUTUBE",
    "DownloadOptions",
    "DownloadService",
    "JobProgress",
    "ProgressRelay",
    "ProgressSink",
    "SubscriptionView",
    "check_url",
    "human_bytes",
]
