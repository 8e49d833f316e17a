"""yt-dlp as a library. The only module that imports yt_dlp.

yt-dlp blocks, so every call runs in a thread with its own `YoutubeDL`; progress
crosses back to the event loop with `loop.call_soon_threadsafe`. File names are ours
(`<title> [<id>].<ext>`, restricted to safe ASCII), so they are known before a download
starts and every file of an entry can be found again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.utils import (
    DownloadCancelled,
    YoutubeDLError,
    sanitize_filename,
    smuggle_url,
    unsmuggle_url,
)

from bot.errors import DependencyError

log = logging.getLogger(__name__)

# Extractor names as yt-dlp spells them (matched case-insensitively, whole name).
YOUTUBE_EXTRACTORS = ["youtube", "youtube:tab", "youtube:playlist", "YoutubeYtBe"]
SERVICE = "YouTube"
PROGRESS_EVERY = 0.25  # seconds between progress hand-overs to the loop, per download
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NAME_BYTES = 120


class DownloadFailed(DependencyError):
    """yt-dlp could not list or fetch something; `reason` is its message, cleaned up."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(SERVICE, reason, f"YouTube couldn't give me that: {reason}")


class Cancelled(Exception):
    """The download stopped because its cancel event was set; partial files are left."""


@dataclass(frozen=True)
class Entry:
    """One video of a playlist: what to name it and the URL yt-dlp downloads it from."""

    video_id: str
    title: str
    url: str


@dataclass(frozen=True)
class Playlist:
    title: str
    description: str
    entries: list[Entry]
    count: int | None = None  # the full count when the source says so (entries may be cut short)


@dataclass(frozen=True)
class Progress:
    downloaded: int
    total: int | None
    speed: float | None
    eta: float | None


def safe_name(text: str, fallback: str) -> str:
    """A file or folder name of safe ASCII (yt-dlp's restricted names), never hidden or empty."""
    name = sanitize_filename(text, restricted=True)
    name = name.encode("ascii", "ignore")[:_NAME_BYTES].decode("ascii")
    name = name.lstrip("._- ").rstrip(". ")
    return name or fallback


def file_stem(entry: Entry) -> str:
    """The name (without extension) an entry's file gets: `<title> [<id>]`."""
    digest = hashlib.sha1(entry.video_id.encode()).hexdigest()[:10]
    video_id = safe_name(entry.video_id, digest)
    return f"{safe_name(entry.title, 'video')} [{video_id}]"


def _reason(exc: BaseException) -> str:
    """yt-dlp's message without the "ERROR:" prefix and colours, short enough to store."""
    text = _ANSI.sub("", str(exc)).strip()
    text = text.removeprefix("ERROR:").strip()
    return (text or type(exc).__name__)[:500]


class _Logger:
    """Sends yt-dlp's console chatter to our log instead of stdout."""

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    def info(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    def warning(self, msg: str) -> None:
        log.info("yt-dlp: %s", msg)

    def error(self, msg: str) -> None:
        log.info("yt-dlp: %s", msg)


class YtDlp:
    """Lists playlists and downloads videos with yt-dlp, each call in a thread."""

    def __init__(
        self,
        *,
        allowed_extractors: list[str] | None = None,
        ffmpeg: bool | None = None,
        socket_timeout: float = 30.0,
    ) -> None:
        self.allowed_extractors = list(allowed_extractors or YOUTUBE_EXTRACTORS)
        self.ffmpeg = shutil.which("ffmpeg") is not None if ffmpeg is None else ffmpeg
        self.socket_timeout = socket_timeout

    def _options(self, **extra: Any) -> dict[str, Any]:
        options: dict[str, Any] = {
            "quiet": True,
            "no_warnings": True,
            "noprogress": True,
            "logger": _Logger(),
            "allowed_extractors": self.allowed_extractors,
            "socket_timeout": self.socket_timeout,
            "restrictfilenames": True,
            "ignoreerrors": False,
        }
        options.update(extra)
        return options

    @property
    def format(self) -> str:
        """Best merged streams when ffmpeg can merge them, else the best single file."""
        return "bv*+ba/b" if self.ffmpeg else "b"

    # -- listing ----------------------------------------------------------------------

    async def list_playlist(self, url: str, *, limit: int | None = None) -> Playlist:
        """The playlist's title, description and entries, without downloading (a video is 1 entry).

        `limit` stops listing after that many entries; `Playlist.count` then tells the full
        count when the source gives it.
        """
        return await asyncio.to_thread(self._list, url, limit)

    def _list(self, url: str, limit: int | None) -> Playlist:
        extra: dict[str, Any] = {"extract_flat": "in_playlist"}
        if limit is not None:
            extra["playlistend"] = limit
        try:
            with yt_dlp.YoutubeDL(self._options(**extra)) as ydl:
                info = ydl.extract_info(url, download=False)
        except YoutubeDLError as exc:
            raise DownloadFailed(_reason(exc)) from exc
        if not info:
            raise DownloadFailed("nothing found at that address")
        title = str(info.get("title") or info.get("id") or "YouTube")
        description = str(info.get("description") or "")
        if info.get("_type") != "playlist":
            entry = Entry(str(info.get("id") or url), title, str(info.get("webpage_url") or url))
            return Playlist(title, description, [entry], 1)
        entries = [e for e in (_entry(raw) for raw in info.get("entries") or []) if e is not None]
        count = info.get("playlist_count")
        return Playlist(title, description, entries, int(count) if count else None)

    # -- downloading ------------------------------------------------------------------

    async def download(
        self,
        entry: Entry,
        folder: Path,
        *,
        archive: Path,
        on_progress: Callable[[Progress], None],
        cancel: threading.Event,
        retries: int = 3,
    ) -> Path:
        """Download one entry into `folder` (resuming a `.part`) and return the file's path.

        Raises Cancelled when `cancel` is set (partial files stay for a later resume) and
        DownloadFailed for anything yt-dlp reports.
        """
        loop = asyncio.get_running_loop()

        def hand_over(progress: Progress) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed while the thread ran on
                loop.call_soon_threadsafe(on_progress, progress)

        return await asyncio.to_thread(
            self._download, entry, folder, archive, hand_over, cancel, retries
        )

    def _download(
        self,
        entry: Entry,
        folder: Path,
        archive: Path,
        hand_over: Callable[[Progress], None],
        cancel: threading.Event,
        retries: int,
    ) -> Path:
        folder = folder.resolve()
        stem = file_stem(entry)
        last = 0.0
        last_speed: float | None = None

        def hook(status: dict[str, Any]) -> None:
            nonlocal last, last_speed
            if cancel.is_set():
                raise DownloadCancelled("cancelled")
            state = status.get("status")
            now = time.monotonic()
            if state == "downloading" and now - last < PROGRESS_EVERY:
                return
            if state not in ("downloading", "finished"):
                return
            last = now
            # yt-dlp's first and "finished" reports carry no speed: keep the last one measured.
            last_speed = status.get("speed") or last_speed
            hand_over(
                Progress(
                    downloaded=int(status.get("downloaded_bytes") or 0),
                    total=status.get("total_bytes") or status.get("total_bytes_estimate"),
                    speed=last_speed,
                    eta=status.get("eta"),
                )
            )

        options = self._options(
            format=self.format,
            merge_output_format="mp4/mkv",
            outtmpl=str(folder / (stem.replace("%", "%%") + ".%(ext)s")),
            continuedl=True,
            noplaylist=True,
            retries=retries,
            fragment_retries=retries,
            download_archive=str(archive),
            progress_hooks=[hook],
        )
        if cancel.is_set():
            raise Cancelled()
        try:
            path = self._fetch(entry, folder, stem, options, cancel)
            if path is None:  # the archive says done but the file is gone: fetch it again
                options.pop("download_archive")
                path = self._fetch(entry, folder, stem, options, cancel)
        except DownloadCancelled as exc:
            raise Cancelled() from exc
        except YoutubeDLError as exc:
            raise DownloadFailed(_reason(exc)) from exc
        if path is None:
            raise DownloadFailed("yt-dlp wrote no file")
        if path.resolve().parent != folder:
            raise DownloadFailed("yt-dlp wrote outside the download folder")
        return path

    def _fetch(
        self,
        entry: Entry,
        folder: Path,
        stem: str,
        options: dict[str, Any],
        cancel: threading.Event,
    ) -> Path | None:
        with yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.extract_info(entry.url, download=False)
            if cancel.is_set():
                raise DownloadCancelled("cancelled")
            if not info:
                raise DownloadFailed("nothing found at that address")
            target = Path(ydl.prepare_filename(info))
            if target.resolve().parent != folder:  # checked before a single byte is written
                raise DownloadFailed("unsafe file name")
            result = ydl.process_ie_result(info, download=True)
        done = [d.get("filepath") for d in (result or {}).get("requested_downloads") or []]
        if done and done[0]:
            return Path(done[0])
        return _finished_file(folder, stem)

    # -- files ------------------------------------------------------------------------

    async def discard(self, entry: Entry, folder: Path) -> list[Path]:
        """Delete every file of this entry in `folder` (partial or not); returns what went."""
        return await asyncio.to_thread(_discard, folder, file_stem(entry))


def _entry(raw: Any) -> Entry | None:
    """An Entry from a flat playlist entry, or None for what is not a single video."""
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
    return Entry(video_id=video_id, title=str(raw.get("title") or video_id), url=str(url))


def _files_of(folder: Path, stem: str) -> list[Path]:
    if not folder.is_dir():
        return []
    prefix = stem + "."
    return sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.is_file())


def _finished_file(folder: Path, stem: str) -> Path | None:
    """The complete file of an entry yt-dlp skipped (already downloaded or archived)."""
    for path in _files_of(folder, stem):
        if "." not in path.name[len(stem) + 1 :]:  # `<stem>.mp4`, not `<stem>.mp4.part`
            return path
    return None


def _discard(folder: Path, stem: str) -> list[Path]:
    gone = []
    for path in _files_of(folder, stem):
        path.unlink(missing_ok=True)
        gone.append(path)
    return gone
