"""What yt-dlp tells us, as our own types: entries, playlists, downloads and errors."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from bot.clients.ytdlp import names
from bot.errors import DependencyError

SERVICE = "YouTube"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
BlockKind = Literal["bot_check", "rate_limited", "cookies"]
# yt-dlp's words when YouTube refuses us as a whole rather than one video.
_BLOCKS: list[tuple[BlockKind, re.Pattern[str]]] = [
    ("bot_check", re.compile(r"confirm you[’']?re not a bot", re.I)),
    ("cookies", re.compile(r"cookies are no longer valid", re.I)),
    ("rate_limited", re.compile(r"HTTP Error 429|Too Many Requests", re.I)),
]


class DownloadFailed(DependencyError):
    """yt-dlp could not list or fetch something; `reason` is its message, cleaned up."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(SERVICE, reason, f"YouTube couldn't give me that: {reason}")


class YouTubeBlocked(DownloadFailed):
    """YouTube refused this server (bot check, HTTP 429, stale cookies): retrying makes it worse.

    `kind` says which.
    """

    def __init__(self, reason: str, kind: BlockKind) -> None:
        self.kind: BlockKind = kind
        super().__init__(reason)


class Cancelled(Exception):
    """The download stopped because its cancel event was set; partial files are left."""


@dataclass(frozen=True)
class Entry:
    """One video of a playlist: what to name it, the URL yt-dlp downloads it from, and
    what the listing said about it (kept for sources that say it only there, like feeds).

    `episode` puts `S01E<n>` in the file name, for TV-type Plex libraries.
    """

    video_id: str
    title: str
    url: str
    description: str = ""
    upload_date: date | None = None
    thumbnail: str | None = None
    episode: int | None = None


@dataclass(frozen=True)
class Playlist:
    title: str
    description: str
    entries: list[Entry]
    count: int | None = None  # the full count when the source says so (entries may be cut short)
    thumbnail: str | None = None  # the extractor's own thumbnail URL for the playlist


@dataclass(frozen=True)
class Downloaded:
    """A finished download: the file, its thumbnail, and what yt-dlp knows of the video."""

    path: Path
    title: str
    description: str
    upload_date: date | None
    thumbnail: Path | None


@dataclass(frozen=True)
class Progress:
    downloaded: int
    total: int | None
    speed: float | None
    eta: float | None


def safe_name(text: str, fallback: str) -> str:
    """A readable file or folder name, never hidden or empty (see names.safe_name)."""
    return names.safe_name(text, fallback)


def file_stem(entry: Entry) -> str:
    """The name (without extension) an entry's file gets: `<title> [<id>]`."""
    return names.stem_for(entry.video_id, entry.title, entry.episode)


def reason_of(exc: BaseException) -> str:
    """yt-dlp's message without the "ERROR:" prefix and colours, short enough to store."""
    text = _ANSI.sub("", str(exc)).strip()
    text = text.removeprefix("ERROR:").strip()
    return (text or type(exc).__name__)[:500]


def failure(exc: BaseException) -> DownloadFailed:
    """Our error for a yt-dlp error: YouTubeBlocked when YouTube refused the server itself."""
    reason = reason_of(exc)
    for kind, pattern in _BLOCKS:
        if pattern.search(reason):
            return YouTubeBlocked(reason, kind)
    return DownloadFailed(reason)


def _date(value: Any) -> date | None:
    """A date from yt-dlp's `upload_date` (YYYYMMDD) or a timestamp."""
    if isinstance(value, str) and len(value) == 8 and value.isdigit():
        with contextlib.suppress(ValueError):
            return datetime.strptime(value, "%Y%m%d").date()
    if isinstance(value, int | float) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError, OSError, ValueError):
            return datetime.fromtimestamp(value, UTC).date()
    return None


def upload_date_of(info: dict[str, Any]) -> date | None:
    return _date(info.get("upload_date")) or _date(info.get("timestamp"))


def web_url(value: Any) -> str | None:
    """An http(s) URL, or None: thumbnails come only from what the extractor reported."""
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    return None


def thumbnail_url(info: dict[str, Any]) -> str | None:
    """The extractor's best thumbnail (yt-dlp sorts `thumbnails` worst first)."""
    for thumb in reversed(info.get("thumbnails") or []):
        url = web_url(thumb.get("url")) if isinstance(thumb, dict) else None
        if url:
            return url
    return web_url(info.get("thumbnail"))


@contextlib.contextmanager
def private_copy(path: Path | None) -> Iterator[str | None]:
    """A throwaway copy of the cookie file: yt-dlp writes its jar back on close."""
    if path is None:
        yield None
        return
    fd, name = tempfile.mkstemp(prefix="ytdlp-cookies-", suffix=".txt")
    try:
        try:
            with os.fdopen(fd, "wb") as copy, path.open("rb") as original:
                shutil.copyfileobj(original, copy)
        except OSError as exc:
            raise YouTubeBlocked("the cookie file can't be read", "cookies") from exc
        yield name
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def cookies_readable(path: Path | None) -> str | None:
    """None when `path` is unset or a readable Netscape cookie file, else what is wrong."""
    if path is None:
        return None
    try:
        with path.open("r", encoding="utf-8", errors="replace") as file:
            first = file.readline()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    if first.strip() and not first.startswith("#") and "\t" not in first:
        return "is not a Netscape cookie file (export it as cookies.txt)"
    return None


def fill_from_listing(info: dict[str, Any], entry: Entry) -> None:
    """Give the video what only the listing knew, and keep only web thumbnails.

    A feed says a video's description, date and thumbnail in the feed; the file itself
    says nothing. The thumbnail is always one an extractor reported, never one we made up.
    """
    if entry.description and not info.get("description"):
        info["description"] = entry.description
    if entry.upload_date and not upload_date_of(info):
        info["upload_date"] = entry.upload_date.strftime("%Y%m%d")
    from yt_dlp.utils import determine_ext  # only where yt-dlp runs: see __init__

    thumbs = [
        t for t in info.get("thumbnails") or [] if isinstance(t, dict) and web_url(t.get("url"))
    ]
    if not thumbs and entry.thumbnail:
        thumbs = [{"url": entry.thumbnail, "id": "0"}]
    for thumb in thumbs:
        ext = str(thumb.get("ext") or determine_ext(thumb["url"], "jpg")).lower()
        if f".{ext}" not in names.IMAGE_EXTENSIONS:
            thumb["ext"] = "jpg"  # so the thumbnail is never mistaken for the video
    info["thumbnails"] = thumbs
    info.pop("thumbnail", None)


def flat_entry(raw: Any) -> Entry | None:
    """An Entry from a flat playlist entry, or None for what is not a single video."""
    from yt_dlp.utils import smuggle_url, unsmuggle_url  # only where yt-dlp runs

    if not isinstance(raw, dict) or raw.get("_type") == "playlist":
        return None
    url = raw.get("url")
    video_id = raw.get("id")
    if url:
        # The generic extractor keeps an RSS item's id only inside the smuggled URL.
        video_id = video_id or unsmuggle_url(url, {})[1].get("force_videoid")
    else:
        # An html5 page entry has formats but no URL of its own: fetch its best format.
        formats = [f for f in raw.get("formats") or [] if f.get("url")]
        if not formats or not video_id:
            return None
        url = smuggle_url(formats[-1]["url"], {"force_videoid": video_id})
    if not url:
        return None
    video_id = str(video_id or url)
    return Entry(
        video_id=video_id,
        title=str(raw.get("title") or video_id),
        url=str(url),
        description=str(raw.get("description") or ""),
        upload_date=upload_date_of(raw),
        thumbnail=thumbnail_url(raw),
    )
