"""yt-dlp, the only outside library that fetches videos: `client` wraps it, `names` names files."""

from __future__ import annotations

from bot.clients.ytdlp.client import YOUTUBE_EXTRACTORS, YtDlp
from bot.clients.ytdlp.info import (
    SERVICE,
    BlockKind,
    Cancelled,
    Downloaded,
    DownloadFailed,
    Entry,
    Playlist,
    Progress,
    YouTubeBlocked,
    cookies_readable,
    failure,
    file_stem,
    safe_name,
)
from bot.clients.ytdlp.runtime import Runtime, runtime

__all__ = [
    "SERVICE",
    "YOUTUBE_EXTRACTORS",
    "BlockKind",
    "Cancelled",
    "DownloadFailed",
    "Downloaded",
    "Entry",
    "Playlist",
    "Progress",
    "Runtime",
    "YouTubeBlocked",
    "YtDlp",
    "cookies_readable",
    "failure",
    "file_stem",
    "runtime",
    "safe_name",
]
