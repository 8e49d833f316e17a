"""YtDlp (our yt-dlp client) against the loopback media server, with the real yt-dlp."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.clients.ytdlp import (
    Cancelled,
    DownloadFailed,
    Entry,
    Progress,
    YouTubeBlocked,
    YtDlp,
    cookies_readable,
    file_stem,
    safe_name,
)
from tests.fakes.media import FakeMediaServer

TEST_EXTRACTORS = ["generic", "html5"]


@pytest.fixture
async def media() -> AsyncIterator[FakeMediaServer]:
    server = FakeMediaServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def ytdlp() -> YtDlp:
    return YtDlp(allowed_extractors=TEST_EXTRACTORS, ffmpeg=False)


def names(folder: Path) -> list[str]:
    """The file names in a folder, sorted."""
    return sorted(p.name for p in folder.iterdir())


async def fetch(
    ytdlp: YtDlp, entry: Entry, folder: Path, cancel: threading.Event | None = None
) -> tuple[Path, list[Progress]]:
    """Download an entry, collecting its progress reports."""
    seen: list[Progress] = []
    downloaded = await ytdlp.download(
        entry,
        folder,
        archive=folder / "archive.txt",
        on_progress=seen.append,
        cancel=cancel or threading.Event(),
    )
    return downloaded.path, seen


async def test_list_rss_playlist(media: FakeMediaServer, ytdlp: YtDlp) -> None:
    """A feed lists its title, description and entries (ids from the smuggled URL), no file GET."""
    for n in (1, 2, 3):
        media.add_video(f"v{n}", f"Video {n}")
    url = media.add_playlist("pl", "Weekly <Picks>", ["v1", "v2", "v3"], description="About it")

    playlist = await ytdlp.list_playlist(url)

    assert (playlist.title, playlist.description, playlist.count) == (
        "Weekly <Picks>",
        "About it",
        3,
    )
    assert [(e.video_id, e.title) for e in playlist.entries] == [
        ("v1", "Video 1"),
        ("v2", "Video 2"),
        ("v3", "Video 3"),
    ]
    assert all(e.url.startswith(media.video_url(e.video_id)) for e in playlist.entries)
    assert media.ranges == []


async def test_list_limit_keeps_full_count(media: FakeMediaServer, ytdlp: YtDlp) -> None:
    """`limit` cuts the entries short while `count` still tells the playlist's size."""
    ids = [f"v{n}" for n in range(5)]
    for vid in ids:
        media.add_video(vid, vid)
    playlist = await ytdlp.list_playlist(media.add_playlist("pl", "P", ids), limit=2)
    assert [e.video_id for e in playlist.entries] == ["v0", "v1"]
    assert playlist.count == 5


async def test_single_video_is_one_entry(media: FakeMediaServer, ytdlp: YtDlp) -> None:
    """A URL of one video lists as a playlist of that one entry."""
    media.add_video("solo", "Solo")
    playlist = await ytdlp.list_playlist(media.video_url("solo"))
    assert [e.url for e in playlist.entries] == [media.video_url("solo")]
    assert playlist.count == 1


async def test_html_page_entries_download(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """An html5 page's entries (named after the page) download to their own files."""
    for n in (1, 2):
        media.add_video(f"v{n}", f"Video {n}")
    playlist = await ytdlp.list_playlist(media.add_html_playlist("pg", "Clips", ["v1", "v2"]))
    assert [e.video_id for e in playlist.entries] == ["pg-1", "pg-2"]

    path, _ = await fetch(ytdlp, playlist.entries[1], tmp_path)

    assert path.name == "Clips (2) [pg-2].mp4"
    assert path.read_bytes() == media.videos["v2"].data


async def test_production_extractors_refuse_other_sites(media: FakeMediaServer) -> None:
    """With the default (YouTube only) extractors a non-YouTube URL is refused, nothing fetched."""
    media.add_video("v1", "Video 1")
    url = media.add_playlist("pl", "P", ["v1"])
    with pytest.raises(DownloadFailed, match="No suitable extractor"):
        await YtDlp().list_playlist(url)
    assert media.requests == []


async def test_download_reports_progress_on_the_loop(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """The file lands as `<title> [<id>].mp4`; progress arrives on the loop's thread."""
    video = media.add_video("v1", "Ep: One/Two?", size=100_000)
    media.throttle("v1", 400_000)
    playlist = await ytdlp.list_playlist(media.add_playlist("pl", "P", ["v1"]))
    threads: set[int] = set()
    seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        threads.add(threading.get_ident())
        seen.append(progress)

    done = await ytdlp.download(
        playlist.entries[0],
        tmp_path,
        archive=tmp_path / "archive.txt",
        on_progress=on_progress,
        cancel=threading.Event(),
    )
    path = done.path

    assert path == tmp_path / "Ep - One-Two [v1].mp4"
    assert path.read_bytes() == video.data
    assert threads == {threading.get_ident()}
    assert len(seen) >= 2
    assert seen[-1].downloaded == seen[-1].total == len(video.data)
    assert [p.downloaded for p in seen] == sorted(p.downloaded for p in seen)


async def test_cancel_keeps_part_and_next_run_resumes_with_range(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """A set cancel event raises Cancelled and leaves the .part; the next call sends Range."""
    video = media.add_video("v1", "Video 1", size=200_000)
    media.throttle("v1", 100_000)
    (entry,) = (await ytdlp.list_playlist(media.add_playlist("pl", "P", ["v1"]))).entries
    cancel = threading.Event()

    def on_progress(progress: Progress) -> None:
        if progress.downloaded >= 10_000:
            cancel.set()

    with pytest.raises(Cancelled):
        await ytdlp.download(
            entry, tmp_path, archive=tmp_path / "a.txt", on_progress=on_progress, cancel=cancel
        )
    part = tmp_path / f"{file_stem(entry)}.mp4.part"
    size = part.stat().st_size
    assert 0 < size < len(video.data)

    media.throttle("v1", None)
    media.ranges.clear()
    path, _ = await fetch(ytdlp, entry, tmp_path)

    assert media.ranges == [("v1", None), ("v1", f"bytes={size}-")]
    assert path.read_bytes() == video.data
    assert not part.exists()


async def test_cancel_before_start_fetches_nothing(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """An event set before the call raises Cancelled without a request."""
    media.add_video("v1", "Video 1")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        await fetch(ytdlp, Entry("v1", "Video 1", media.video_url("v1")), tmp_path, cancel)
    assert media.ranges == []


async def test_archive_skips_and_refetches_a_deleted_file(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """An archived entry is not downloaded again, unless its file was deleted meanwhile."""
    media.add_video("v1", "Video 1")
    entry = Entry("v1", "Video 1", media.video_url("v1"))
    first, _ = await fetch(ytdlp, entry, tmp_path)
    media.ranges.clear()

    again, _ = await fetch(ytdlp, entry, tmp_path)
    assert again == first
    assert media.ranges == [("v1", None)]  # only the extractor's sniff

    first.unlink()
    media.ranges.clear()
    path, _ = await fetch(ytdlp, entry, tmp_path)
    assert path == first and path.read_bytes() == media.videos["v1"].data
    assert media.ranges == [("v1", None)] * 3  # sniff (archived), sniff, download


async def test_http_error_is_download_failed(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """A 500 that outlasts yt-dlp's own retries becomes DownloadFailed with a clean reason."""
    media.add_video("v1", "Video 1")
    media.fail("v1", times=None)
    with pytest.raises(DownloadFailed) as caught:
        await fetch(ytdlp, Entry("v1", "Video 1", media.video_url("v1")), tmp_path)
    assert "HTTP Error 500" in caught.value.reason
    assert not caught.value.reason.startswith("ERROR")
    assert names(tmp_path) == []


async def test_hostile_names_stay_in_the_folder(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """Titles and ids with `../`, slashes and control characters give safe names in the folder."""
    media.add_video("../../evil/id", '../../etc/passwd\x07 "x" 100%(title)s 東京')
    (entry,) = (await ytdlp.list_playlist(media.add_playlist("pl", "P", ["../../evil/id"]))).entries
    assert entry.video_id == "../../evil/id"
    folder = tmp_path / "inner"
    folder.mkdir()

    path, _ = await fetch(ytdlp, entry, folder)

    assert path.parent == folder
    assert path.name == "etc-passwd 'x' 100%(title)s 東京 [evil-id].mp4"
    assert names(tmp_path) == ["inner"]


async def test_discard_removes_every_file_of_the_entry(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """discard() deletes the entry's final and partial files and nothing else."""
    entry = Entry("v1", "Video 1", "http://unused")
    other = Entry("v2", "Video 1", "http://unused")
    stem = file_stem(entry)
    for name in (f"{stem}.mp4", f"{stem}.f137.mp4.part", f"{file_stem(other)}.mp4", "a.txt"):
        (tmp_path / name).write_bytes(b"x")

    gone = await ytdlp.discard(entry, tmp_path)

    assert sorted(p.name for p in gone) == [f"{stem}.f137.mp4.part", f"{stem}.mp4"]
    assert names(tmp_path) == [f"{file_stem(other)}.mp4", "a.txt"]


def test_safe_name_and_format() -> None:
    """Names stay readable but never leave a folder, hide or vanish; ffmpeg is needed to merge."""
    assert safe_name("../Bad/<Playlist>\x01", "x") == "Bad-Playlist"
    assert safe_name("..", "fallback") == "fallback"
    assert safe_name(" . ", "fallback") == "fallback"
    assert safe_name("東京 – Straße 🎉", "fallback") == "東京 – Straße 🎉"
    assert safe_name("a\u202eb\u200bc\td", "x") == "abc d"  # bidi override, zero width, tab
    assert safe_name("a" * 300, "x") == "a" * 150
    assert safe_name("é" * 100, "x") == "é" * 75  # the cap is in bytes, cut between characters
    assert file_stem(Entry("%(id)s", "100%", "u")) == "100% [%(id)s]"  # kept literally
    assert file_stem(Entry("ep1", 'Episode 1: The ../Road? "1"', "u")) == (
        "Episode 1 - The ..-Road '1' [ep1]"
    )
    assert file_stem(Entry("ep1", "Ep", "u", episode=3)) == "S01E03 - Ep [ep1]"
    assert YtDlp(ffmpeg=False).format == "b"
    assert YtDlp(ffmpeg=True).format == "bv*+ba/b"


async def test_loop_stays_free_while_downloading(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """yt-dlp runs in a thread: a ticker on the loop keeps ticking during a 1 s download."""
    media.add_video("v1", "Video 1", size=100_000)
    media.throttle("v1", 100_000)
    loop = asyncio.get_running_loop()
    worst = 0.0

    async def ticker() -> None:
        nonlocal worst
        while True:
            start = loop.time()
            await asyncio.sleep(0.01)
            worst = max(worst, loop.time() - start - 0.01)

    task = asyncio.create_task(ticker())
    try:
        await fetch(ytdlp, Entry("v1", "Video 1", media.video_url("v1")), tmp_path)
    finally:
        task.cancel()
    assert worst < 0.1


async def test_listing_and_download_carry_metadata_and_thumbnail(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """A feed's description, date and thumbnail reach the Entry, and the download keeps them."""
    media.add_video(
        "ep1",
        'Episode 1: The ../Road? "1"',
        description="How to boil\nwater.",
        uploaded=date(2024, 5, 17),
        thumbnail=True,
    )
    media.add_video("ep2", "Zwei – Straße 東京")
    url = media.add_playlist("pl", "Cooking Basics", ["ep1", "ep2"], description="Learn")

    playlist = await ytdlp.list_playlist(url)
    first, second = playlist.entries
    assert (first.description, first.upload_date) == ("How to boil\nwater.", date(2024, 5, 17))
    assert first.thumbnail == media.thumbnail_url("ep1")
    assert playlist.thumbnail == media.thumbnail_url("ep1")  # a feed has none of its own
    assert (second.description, second.upload_date, second.thumbnail) == ("", None, None)

    done = await ytdlp.download(
        first,
        tmp_path,
        archive=tmp_path / "a.txt",
        on_progress=lambda p: None,
        cancel=threading.Event(),
    )
    assert done.path.name == "Episode 1 - The ..-Road '1' [ep1].mp4"
    assert (done.title, done.description) == ('Episode 1: The ../Road? "1"', "How to boil\nwater.")
    assert done.upload_date == date(2024, 5, 17)
    assert done.thumbnail == tmp_path / "Episode 1 - The ..-Road '1' [ep1].jpg"
    assert done.thumbnail.read_bytes() == media.videos["ep1"].thumbnail
    assert ytdlp.thumbnail_of(first, tmp_path) == done.thumbnail

    plain, _ = await fetch(ytdlp, second, tmp_path)
    assert plain.name == "Zwei – Straße 東京 [ep2].mp4"
    assert ytdlp.thumbnail_of(second, tmp_path) is None
    assert sorted(await ytdlp.discard(first, tmp_path)) == [done.thumbnail, done.path]


async def test_page_playlist_thumbnail_is_saved(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path
) -> None:
    """A page's og:image is the playlist thumbnail; save_thumbnail writes only web URLs."""
    media.add_video("v1", "Video 1")
    url = media.add_html_playlist("pg", "Clips", ["v1"], description="About", thumbnail=True)

    playlist = await ytdlp.list_playlist(url)
    assert (playlist.description, playlist.thumbnail) == ("About", media.page_thumbnail_url("pg"))

    assert playlist.thumbnail is not None
    saved = await ytdlp.save_thumbnail(playlist.thumbnail, tmp_path / ".playlist")
    assert saved == tmp_path / ".playlist.jpg"
    assert saved.read_bytes().startswith(b"\xff\xd8")
    assert await ytdlp.save_thumbnail("file:///etc/passwd", tmp_path / "x") is None
    assert await ytdlp.save_thumbnail(media.url + "/thumbs/none.jpg", tmp_path / "y") is None
    assert names(tmp_path) == [".playlist.jpg"]


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (403, "Sign in to confirm you're not a bot", "bot_check"),
        (429, None, "rate_limited"),
        (403, "The provided YouTube account cookies are no longer valid", "cookies"),
    ],
)
async def test_youtube_refusals_are_youtube_blocked(
    media: FakeMediaServer, ytdlp: YtDlp, tmp_path: Path, status: int, reason: str | None, kind: str
) -> None:
    """Bot checks, 429s and stale cookies are YouTubeBlocked with their kind; others are not."""
    media.add_video("v1", "Video 1")
    media.fail("v1", times=None, status=status, reason=reason)
    with pytest.raises(YouTubeBlocked) as caught:
        await fetch(ytdlp, Entry("v1", "Video 1", media.video_url("v1")), tmp_path)
    assert caught.value.kind == kind
    media.fail("v1", times=0)
    media.fail("v1", times=None, status=404)
    with pytest.raises(DownloadFailed) as other:
        await fetch(ytdlp, Entry("v1", "Video 1", media.video_url("v1")), tmp_path)
    assert not isinstance(other.value, YouTubeBlocked)


async def test_cookie_file_is_used_but_never_written(
    media: FakeMediaServer, tmp_path: Path
) -> None:
    """yt-dlp sends the cookie file's cookies and saves its jar to a copy, never the original."""
    media.add_video("v1", "Video 1")
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tSID\tsecret-sid\n"
    )
    cookies.chmod(0o400)
    before = cookies.read_bytes()
    ytdlp = YtDlp(allowed_extractors=TEST_EXTRACTORS, ffmpeg=False, cookies_file=cookies)
    folder = tmp_path / "out"
    folder.mkdir()

    await fetch(ytdlp, Entry("v1", "Video 1", media.video_url("v1")), folder)

    assert cookies.read_bytes() == before
    sent = [r.headers.get("Cookie", "") for r in media.requests if r.path.startswith("/videos/")]
    assert sent and all("SID=secret-sid" in c for c in sent)
    assert cookies_readable(cookies) is None and cookies_readable(None) is None
    assert "cannot be read" in (cookies_readable(tmp_path / "missing.txt") or "")
    (tmp_path / "bad.txt").write_text("SID=secret\n")
    assert "Netscape" in (cookies_readable(tmp_path / "bad.txt") or "")


async def test_unreadable_cookie_file_blocks(media: FakeMediaServer, tmp_path: Path) -> None:
    """A cookie file that vanished is YouTubeBlocked (cookies): an admin has to fix it."""
    ytdlp = YtDlp(allowed_extractors=TEST_EXTRACTORS, cookies_file=tmp_path / "gone.txt")
    with pytest.raises(YouTubeBlocked) as caught:
        await ytdlp.list_playlist(media.add_playlist("pl", "P", []))
    assert caught.value.kind == "cookies"
