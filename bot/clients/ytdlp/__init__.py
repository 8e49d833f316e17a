"""yt-dlp, the only outside library that fetches videos: `client` wraps it, `names` names files.

`YtDlp` (with yt-dlp itself, about 6 MiB resident) is imported when first asked for, so a
bot without YouTube downloads never loads it; modules that only name the type import it
under TYPE_CHECKING.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from bot.clients.ytdlp.client import YOUTUBE_EXTRACTORS, YtDlp

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


def __getattr__(name: str) -> Any:
    if name in ("YtDlp", "YOUTUBE_EXTRACTORS"):
        from bot.clients.ytdlp import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
