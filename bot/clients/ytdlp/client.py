"""yt-dlp as a library. The only module that imports yt_dlp.

yt-dlp blocks, so every call runs in a thread with its own `YoutubeDL`; progress
crosses back to the event loop with `loop.call_soon_threadsafe`. File names are ours
(`<title> [<id>].<ext>`, readable, see names.py), so they are known before a download
starts and every file of an entry (video, parts, thumbnail) can be found again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.networking import Request
from yt_dlp.utils import DownloadCancelled, YoutubeDLError, determine_ext

from bot.clients.ytdlp import names
from bot.clients.ytdlp.info import (
    Cancelled,
    Downloaded,
    DownloadFailed,
    Entry,
    Playlist,
    Progress,
    failure,
    file_stem,
    fill_from_listing,
    flat_entry,
    private_copy,
    reason_of,
    thumbnail_url,
    upload_date_of,
    web_url,
)
from bot.clients.ytdlp.runtime import js_runtimes

log = logging.getLogger(__name__)

# Extractor names as yt-dlp spells them (matched case-insensitively, whole name).
YOUTUBE_EXTRACTORS = ["youtube", "youtube:tab", "youtube:playlist", "YoutubeYtBe"]
PROGRESS_EVERY = 0.25  # seconds between progress hand-overs to the loop, per download
THUMBNAIL_BYTES = 10 * 2**20  # a poster bigger than this is not a thumbnail


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
    """Lists playlists and downloads videos with yt-dlp, each call in a thread.

    `cookies_file` (a Netscape cookies.txt) is only ever read: each call gets a private copy.
    """

    def __init__(
        self,
        *,
        allowed_extractors: list[str] | None = None,
        ffmpeg: bool | None = None,
        socket_timeout: float = 30.0,
        cookies_file: Path | None = None,
    ) -> None:
        self.allowed_extractors = list(allowed_extractors or YOUTUBE_EXTRACTORS)
        self.ffmpeg = shutil.which("ffmpeg") is not None if ffmpeg is None else ffmpeg
        self.socket_timeout = socket_timeout
        self.cookies_file = cookies_file
        self.js_runtimes = js_runtimes()  # YouTube's challenges need one (see runtime.py)

    def _options(self, **extra: Any) -> dict[str, Any]:
        options: dict[str, Any] = {
            "quiet": True,
            "no_warnings": True,
            "noprogress": True,
            "logger": _Logger(),
            "allowed_extractors": self.allowed_extractors,
            "socket_timeout": self.socket_timeout,
            "ignoreerrors": False,
            "js_runtimes": self.js_runtimes,
        }
        options.update(extra)
        return options

    @contextlib.contextmanager
    def _ydl(self, options: dict[str, Any]) -> Iterator[yt_dlp.YoutubeDL]:
        with private_copy(self.cookies_file) as cookies:
            if cookies is not None:
                options = {**options, "cookiefile": cookies}
            with yt_dlp.YoutubeDL(options) as ydl:
                yield ydl

    @property
    def format(self) -> str:
        """Best merged streams when ffmpeg can merge them, else the best single file."""
        return "bv*+ba/b" if self.ffmpeg else "b"

    # -- listing ----------------------------------------------------------------------

    async def list_playlist(self, url: str, *, limit: int | None = None) -> Playlist:
        """The playlist's title, description, thumbnail and entries, without downloading.

        A single video is a playlist of one. `limit` stops listing after that many
        entries; `Playlist.count` then tells the full count when the source gives it.
        """
        return await asyncio.to_thread(self._list, url, limit)

    def _list(self, url: str, limit: int | None) -> Playlist:
        extra: dict[str, Any] = {"extract_flat": "in_playlist"}
        if limit is not None:
            extra["playlistend"] = limit
        try:
            with self._ydl(self._options(**extra)) as ydl:
                info = ydl.extract_info(url, download=False)
        except YoutubeDLError as exc:
            raise failure(exc) from exc
        if not info:
            raise DownloadFailed("nothing found at that address")
        title = str(info.get("title") or info.get("id") or "YouTube")
        description = str(info.get("description") or "")
        thumbnail = thumbnail_url(info)
        if info.get("_type") != "playlist":
            entry = Entry(
                str(info.get("id") or url),
                title,
                str(info.get("webpage_url") or url),
                description,
                upload_date_of(info),
                thumbnail,
            )
            return Playlist(title, description, [entry], 1, thumbnail)
        entries = [
            e for e in (flat_entry(raw) for raw in info.get("entries") or []) if e is not None
        ]
        count = info.get("playlist_count")
        # Without a playlist thumbnail, its first video's stands in, as on YouTube itself.
        thumbnail = thumbnail or next((e.thumbnail for e in entries if e.thumbnail), None)
        return Playlist(title, description, entries, int(count) if count else None, thumbnail)

    async def save_thumbnail(self, url: str, dest: Path) -> Path | None:
        """Fetch an extractor's thumbnail URL to `dest` plus its extension; None if it fails."""
        return await asyncio.to_thread(self._save_thumbnail, url, dest)

    def _save_thumbnail(self, url: str, dest: Path) -> Path | None:
        if web_url(url) is None:
            return None
        ext = determine_ext(url, "jpg").lower()
        target = dest.with_name(
            dest.name + "." + (ext if f".{ext}" in names.IMAGE_EXTENSIONS else "jpg")
        )
        partial = target.with_name(target.name + ".part")
        try:
            with self._ydl(self._options()) as ydl, ydl.urlopen(Request(url)) as response:
                data = response.read(THUMBNAIL_BYTES + 1)
            if len(data) > THUMBNAIL_BYTES or not data:
                log.info("youtube: thumbnail %s skipped (%s bytes)", dest.name, len(data))
                return None
            partial.write_bytes(data)
            partial.replace(target)
        except (YoutubeDLError, OSError) as exc:
            log.info("youtube: thumbnail for %s not saved: %s", dest.name, reason_of(exc))
            partial.unlink(missing_ok=True)
            return None
        return target

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
    ) -> Downloaded:
        """Download one entry and its thumbnail into `folder` (resuming a `.part`).

        Raises Cancelled when `cancel` is set (partial files stay for a later resume),
        YouTubeBlocked when YouTube refuses the server itself, and DownloadFailed for
        anything else yt-dlp reports.
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
    ) -> Downloaded:
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
            writethumbnail=True,
        )
        if cancel.is_set():
            raise Cancelled()
        try:
            path, info = self._fetch(entry, folder, stem, options, cancel)
            if path is None:  # the archive says done but the file is gone: fetch it again
                options.pop("download_archive")
                path, info = self._fetch(entry, folder, stem, options, cancel)
        except DownloadCancelled as exc:
            raise Cancelled() from exc
        except YoutubeDLError as exc:
            raise failure(exc) from exc
        if path is None:
            raise DownloadFailed("yt-dlp wrote no file")
        if path.resolve().parent != folder:
            raise DownloadFailed("yt-dlp wrote outside the download folder")
        return Downloaded(
            path=path,
            title=entry.title or str(info.get("title") or entry.video_id),
            description=str(info.get("description") or entry.description or ""),
            upload_date=upload_date_of(info) or entry.upload_date,
            thumbnail=names.thumbnail_file(folder, stem),
        )

    def _fetch(
        self,
        entry: Entry,
        folder: Path,
        stem: str,
        options: dict[str, Any],
        cancel: threading.Event,
    ) -> tuple[Path | None, dict[str, Any]]:
        with self._ydl(options) as ydl:
            info = ydl.extract_info(entry.url, download=False)
            if cancel.is_set():
                raise DownloadCancelled("cancelled")
            if not info:
                raise DownloadFailed("nothing found at that address")
            fill_from_listing(info, entry)
            target = Path(ydl.prepare_filename(info))
            if target.resolve().parent != folder:  # checked before a single byte is written
                raise DownloadFailed("unsafe file name")
            result = ydl.process_ie_result(info, download=True) or info
        done = [d.get("filepath") for d in result.get("requested_downloads") or []]
        if done and done[0]:
            return Path(done[0]), result
        return names.finished_file(folder, stem), result

    # -- files ------------------------------------------------------------------------

    async def discard(self, entry: Entry, folder: Path) -> list[Path]:
        """Delete every file of this entry in `folder` (partial or not); returns what went."""
        return await asyncio.to_thread(names.discard, folder, file_stem(entry))

    def thumbnail_of(self, entry: Entry, folder: Path) -> Path | None:
        """The thumbnail written next to this entry's video, if any."""
        return names.thumbnail_file(folder, file_stem(entry))
