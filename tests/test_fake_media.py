"""The media fake against the real yt-dlp: flat listing, downloads, retries, resume, archive."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yt_dlp
from yt_dlp.utils import DownloadCancelled, DownloadError, unsmuggle_url

from tests.fakes.media import FakeMediaServer

HOSTILE = 'Ep: One/Two? "quoted" ../../etc/passwd \x07<b>&amp; élan 東京'


@pytest.fixture
async def media() -> AsyncIterator[FakeMediaServer]:
    server = FakeMediaServer()
    await server.start()
    yield server
    await server.stop()


def base_opts(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    """Options a bot would use: silent, no ffmpeg needed, safe file names inside tmp_path."""
    opts: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "allowed_extractors": ["generic"],
        "format": "best",
        "restrictfilenames": True,
        "outtmpl": str(tmp_path / "%(id)s.%(ext)s"),
    }
    opts.update(extra)
    return opts


def extract(opts: dict[str, Any], url: str, download: bool) -> dict[str, Any]:
    """Run one YoutubeDL job synchronously and return its sanitized info dict."""
    with yt_dlp.YoutubeDL(opts) as ydl:
        info = ydl.extract_info(url, download=download)
        return ydl.sanitize_info(info)


def saved(info: dict[str, Any]) -> Path:
    """Where yt-dlp wrote this video."""
    return Path(info["requested_downloads"][0]["filepath"])


def contents(path: Path) -> bytes:
    """The bytes of a file (a helper so the async tests stay free of blocking calls)."""
    return path.read_bytes()


async def run(opts: dict[str, Any], url: str, download: bool = True) -> dict[str, Any]:
    """Run yt-dlp off the loop, as the bot does, so the fake keeps serving."""
    return await asyncio.to_thread(extract, opts, url, download)


async def test_flat_rss_listing_gives_titles_and_fetches_no_file(
    media: FakeMediaServer, tmp_path: Path
) -> None:
    """A flat listing of the RSS feed has the channel title and item titles, and GETs no file."""
    for n in (1, 2, 3):
        media.add_video(f"v{n}", f"Video {n}")
    url = media.add_playlist("pl", "Weekly <Picks> & more", ["v1", "v2", "v3"], description="d")

    info = await run(base_opts(tmp_path, extract_flat="in_playlist"), url, download=False)

    assert info["_type"] == "playlist"
    assert info["id"] == url
    assert info["title"] == "Weekly <Picks> & more"
    assert info["description"] == "d"
    entries = info["entries"]
    assert [e["title"] for e in entries] == ["Video 1", "Video 2", "Video 3"]
    assert all(e["_type"] == "url_transparent" and "id" not in e for e in entries)
    guids = [unsmuggle_url(e["url"])[1]["force_videoid"] for e in entries]
    assert guids == ["v1", "v2", "v3"]
    assert [unsmuggle_url(e["url"])[0] for e in entries] == [media.video_url(v) for v in guids]
    assert media.ranges == []


async def test_flat_html_page_lists_video_tags(media: FakeMediaServer, tmp_path: Path) -> None:
    """The HTML page lists one entry per <video>, named after the page, without a file GET."""
    for n in (1, 2):
        media.add_video(f"v{n}", f"Video {n}")
    url = media.add_html_playlist("page", "Clips & <Shorts>", ["v1", "v2"])
    opts = base_opts(tmp_path, extract_flat="in_playlist", allowed_extractors=["generic", "html5"])

    info = await run(opts, url, download=False)

    assert info["_type"] == "playlist"
    assert (info["id"], info["title"]) == ("page", "Clips & <Shorts>")
    entries = info["entries"]
    assert [e["id"] for e in entries] == ["page-1", "page-2"]
    assert [e["title"] for e in entries] == ["Clips & <Shorts> (1)", "Clips & <Shorts> (2)"]
    assert [e["formats"][0]["url"] for e in entries] == [
        media.video_url("v1"),
        media.video_url("v2"),
    ]
    assert media.ranges == []


async def test_full_download_writes_exact_bytes(media: FakeMediaServer, tmp_path: Path) -> None:
    """Downloading a 3-item feed writes 3 files with the served bytes, ids taken from <guid>."""
    videos = [media.add_video(f"v{n}", f"Video {n}", size=10_000 * n) for n in (1, 2, 3)]
    url = media.add_playlist("pl", "My Playlist", [v.id for v in videos])
    outtmpl = str(tmp_path / "%(playlist_title)s" / "%(playlist_index)s-%(id)s-%(title)s.%(ext)s")

    info = await run(base_opts(tmp_path, outtmpl=outtmpl), url)

    assert [(e["id"], e["title"], e["ext"]) for e in info["entries"]] == [
        ("v1", "Video 1", "mp4"),
        ("v2", "Video 2", "mp4"),
        ("v3", "Video 3", "mp4"),
    ]
    assert {e["playlist_title"] for e in info["entries"]} == {"My Playlist"}
    for entry, video in zip(info["entries"], videos, strict=True):
        assert saved(entry).parent == tmp_path / "My_Playlist"
        assert contents(saved(entry)) == video.data
    # The generic extractor GETs each file once to sniff it, then the downloader GETs it again.
    assert media.ranges == [(v.id, None) for v in videos for _ in range(2)]


async def test_hostile_titles_are_escaped_and_restricted(
    media: FakeMediaServer, tmp_path: Path
) -> None:
    """Hostile titles survive the XML intact (bar control characters) and land as safe names."""
    media.add_video("../evil/id", HOSTILE)
    url = media.add_playlist("pl", "../Bad/<Playlist>\x01", ["../evil/id"])
    outtmpl = str(tmp_path / "%(playlist_title)s" / "%(title)s [%(id)s].%(ext)s")

    info = await run(base_opts(tmp_path, outtmpl=outtmpl), url)

    assert info["title"] == "../Bad/<Playlist>"
    entry = info["entries"][0]
    assert entry["id"] == "../evil/id"
    assert entry["title"] == HOSTILE.replace("\x07", "")
    path = saved(entry)
    assert path.relative_to(tmp_path).as_posix() == (
        ".._Bad_Playlist/Ep_-_One_Two_quoted_.._.._etc_passwd_b_amp_elan [.._evil_id].mp4"
    )
    assert contents(path) == media.videos["../evil/id"].data


async def test_download_500_is_retried_by_ytdlp(media: FakeMediaServer, tmp_path: Path) -> None:
    """A 500 on the download GET is retried by yt-dlp's own `retries` and the file completes."""
    video = media.add_video("v1", "Video 1")
    media.fail("v1", times=2, skip=1)  # let the extractor's sniffing GET through

    info = await run(base_opts(tmp_path, retries=3), media.video_url("v1"))

    assert contents(saved(info)) == video.data
    assert media.ranges == [("v1", None)] * 4


async def test_download_500_without_retries_fails(media: FakeMediaServer, tmp_path: Path) -> None:
    """As a library yt-dlp defaults to 0 retries: one 500 on the download GET fails the job."""
    media.add_video("v1", "Video 1")
    media.fail("v1", times=1, skip=1)

    with pytest.raises(DownloadError, match="HTTP Error 500"):
        await run(base_opts(tmp_path), media.video_url("v1"))
    assert len(media.ranges) == 2


async def test_sniff_500_fails_only_that_entry(media: FakeMediaServer, tmp_path: Path) -> None:
    """A 500 on the extractor's sniffing GET is never retried; ignoreerrors keeps the others."""
    for n in (1, 2):
        media.add_video(f"v{n}", f"Video {n}")
    url = media.add_playlist("pl", "P", ["v1", "v2"])
    media.fail("v1", times=1)

    info = await run(base_opts(tmp_path, retries=5, ignoreerrors=True), url)

    assert info["entries"][0] is None
    assert info["entries"][1]["id"] == "v2"
    assert [p.name for p in await asyncio.to_thread(sorted, tmp_path.iterdir())] == ["v2.mp4"]
    assert media.ranges == [("v1", None), ("v2", None), ("v2", None)]


async def test_cancel_leaves_part_and_rerun_resumes_with_range(
    media: FakeMediaServer, tmp_path: Path
) -> None:
    """Cancelling from a hook leaves a .part; continuedl resumes from `Range: bytes=<its size>-`."""
    video = media.add_video("v1", "Video 1", size=200_000)
    url = media.add_playlist("pl", "P", ["v1"])
    media.throttle("v1", 100_000)

    def cancel(progress: dict[str, Any]) -> None:
        if progress["status"] == "downloading" and progress["downloaded_bytes"] >= 8_000:
            raise DownloadCancelled("user pressed cancel")

    with pytest.raises(DownloadCancelled):  # ignoreerrors does not swallow a cancel
        await run(base_opts(tmp_path, progress_hooks=[cancel], ignoreerrors=True), url)
    part = tmp_path / "v1.mp4.part"
    size = part.stat().st_size
    assert 0 < size < len(video.data)
    assert contents(part) == video.data[:size]

    media.throttle("v1", None)
    media.ranges.clear()
    info = await run(base_opts(tmp_path, continuedl=True), url)

    assert media.ranges == [("v1", None), ("v1", f"bytes={size}-")]
    assert contents(saved(info["entries"][0])) == video.data
    assert not part.exists()


async def test_download_archive_skips_finished_entries(
    media: FakeMediaServer, tmp_path: Path
) -> None:
    """With download_archive a rerun downloads only the new item; old ones are only sniffed."""
    for n in (1, 2, 3):
        media.add_video(f"v{n}", f"Video {n}")
    url = media.add_playlist("pl", "P", ["v1", "v2"])
    opts = base_opts(tmp_path, download_archive=str(tmp_path / "archive.txt"))
    await run(opts, url)
    assert contents(tmp_path / "archive.txt") == b"generic v1\ngeneric v2\n"

    media.add_playlist("pl", "P", ["v1", "v2", "v3"])  # the feed grew
    media.ranges.clear()
    info = await run(opts, url)

    assert media.ranges == [("v1", None), ("v2", None), ("v3", None), ("v3", None)]
    assert [bool(e.get("requested_downloads")) for e in info["entries"]] == [False, False, True]
    assert contents(tmp_path / "v3.mp4") == media.videos["v3"].data


async def test_ranges_head_and_416(media: FakeMediaServer) -> None:
    """Files answer HEAD, `bytes=N-`, `bytes=N-M`, suffix ranges, and 416 past the end."""
    video = media.add_video("v1", "Video 1", size=1_000)
    url = media.video_url("v1")
    async with aiohttp.ClientSession() as http:
        async with http.head(url) as r:
            assert r.status == 200
            assert r.headers["Content-Type"] == "video/mp4"
            assert r.headers["Content-Length"] == "1000"
            assert r.headers["Accept-Ranges"] == "bytes"
        async with http.get(url, headers={"Range": "bytes=100-"}) as r:
            assert (r.status, r.headers["Content-Range"]) == (206, "bytes 100-999/1000")
            assert await r.read() == video.data[100:]
        async with http.get(url, headers={"Range": "bytes=10-19"}) as r:
            assert (r.status, r.headers["Content-Length"]) == (206, "10")
            assert await r.read() == video.data[10:20]
        async with http.get(url, headers={"Range": "bytes=-5"}) as r:
            assert await r.read() == video.data[-5:]
        async with http.get(url, headers={"Range": "bytes=1000-"}) as r:
            assert (r.status, r.headers["Content-Range"]) == (416, "bytes */1000")
    assert media.ranges == [
        ("v1", "bytes=100-"),
        ("v1", "bytes=10-19"),
        ("v1", "bytes=-5"),
        ("v1", "bytes=1000-"),
    ]
    assert media.downloads == {"v1": 3}


async def test_fail_forever_and_clear(media: FakeMediaServer) -> None:
    """fail(times=None) fails every GET with the given status until fail(times=0) clears it."""
    media.add_video("v1", "Video 1", size=10)
    async with aiohttp.ClientSession() as http:
        media.fail("v1", times=None, status=503)
        for _ in range(3):
            async with http.get(media.video_url("v1")) as r:
                assert r.status == 503
        media.fail("v1", times=0)
        async with http.get(media.video_url("v1")) as r:
            assert r.status == 200


async def test_dropped_connection_and_stop_are_quiet(
    media: FakeMediaServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A client hanging up mid-file, or stop() mid-transfer, logs no error and returns promptly."""
    media.add_video("v1", "Video 1", size=100_000)
    media.throttle("v1", 20_000)
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    async with aiohttp.ClientSession() as http:
        async with http.get(media.video_url("v1")) as r:
            await r.content.readexactly(1_000)
        await asyncio.sleep(0.2)  # the fake writes into the closed socket and gives up
        task = asyncio.create_task(http.get(media.video_url("v1")))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await media.stop()
        assert time.monotonic() - started < 2
        response = await task
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()
    assert media.downloads == {}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_feed_items_carry_description_date_and_thumbnail(
    media: FakeMediaServer, tmp_path: Path
) -> None:
    """yt-dlp reads each item's description, pubDate and itunes:image, and writes the image."""
    media.add_video(
        "v1", "Video 1", description="About <one>", uploaded=date(2024, 5, 17), thumbnail=True
    )
    url = media.add_playlist("pl", "P", ["v1"])

    info = await run(base_opts(tmp_path, writethumbnail=True), url)

    (entry,) = info["entries"]
    assert (entry["description"], entry["upload_date"]) == ("About <one>", "20240517")
    assert entry["thumbnail"] == media.thumbnail_url("v1")
    assert (tmp_path / "v1.jpg").read_bytes() == media.videos["v1"].thumbnail
    assert media.thumbnail_gets == {"v1": 1}


async def test_page_og_tags_and_extended_feed(media: FakeMediaServer, tmp_path: Path) -> None:
    """A page's og:image and og:description describe the playlist; a feed can gain videos."""
    for n in (1, 2, 3):
        media.add_video(f"v{n}", f"Video {n}")
    page = media.add_html_playlist("pg", "Clips", ["v1", "v2"], description="All", thumbnail=True)
    opts = base_opts(tmp_path, extract_flat="in_playlist", allowed_extractors=["generic", "html5"])
    info = await run(opts, page, download=False)
    assert (info["description"], info["thumbnail"]) == ("All", media.page_thumbnail_url("pg"))
    async with aiohttp.ClientSession() as http, http.get(info["thumbnail"]) as response:
        assert response.status == 200 and (await response.read()).startswith(b"\xff\xd8")

    feed = media.add_playlist("pl", "P", ["v1"])
    media.extend_playlist("pl", ["v2", "v3"])
    listed = await run(base_opts(tmp_path, extract_flat="in_playlist"), feed, download=False)
    assert [e["title"] for e in listed["entries"]] == ["Video 1", "Video 2", "Video 3"]


async def test_bot_check_answers_every_get(media: FakeMediaServer, tmp_path: Path) -> None:
    """bot_check() refuses the video with 403 and YouTube's words until cleared."""
    media.add_video("v1", "Video 1")
    media.bot_check("v1")
    for _ in range(2):
        with pytest.raises(DownloadError, match="Sign in to confirm you're not a bot"):
            await run(base_opts(tmp_path), media.video_url("v1"))
    media.fail("v1", times=0)
    info = await run(base_opts(tmp_path), media.video_url("v1"))
    assert contents(saved(info)) == media.videos["v1"].data
