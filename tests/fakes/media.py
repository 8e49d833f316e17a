"""A loopback media host that the real yt-dlp lists playlists from and downloads files from."""

from __future__ import annotations

import asyncio
import hashlib
import html
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from aiohttp import web

from tests.fakes.base import LoopbackServer

# Characters XML 1.0 forbids even as references (yt-dlp's parser rejects them), and lone surrogates.
_UNSENDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_UNSAFE_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_THROTTLE_TICK = 0.05
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# What YouTube answers a server it takes for a bot (yt-dlp shows the reason phrase).
BOT_CHECK = "Sign in to confirm you're not a bot"


class _RangeNotSatisfiable(Exception):
    """The Range starts beyond the end of the file: answer 416."""


@dataclass
class MediaFile:
    """One video the server hosts."""

    id: str
    title: str
    data: bytes
    content_type: str = "video/mp4"
    description: str = ""
    uploaded: date | None = None
    thumbnail: bytes | None = None  # a JPEG-ish body served at thumbnail_url()


def _image(seed: str) -> bytes:
    """A small stand-in JPEG: the JPEG markers around bytes derived from `seed`."""
    return b"\xff\xd8\xff\xe0" + hashlib.shake_256(seed.encode()).digest(512) + b"\xff\xd9"


def _clean(value: str) -> str:
    """Drop the characters that no XML or UTF-8 page can carry."""
    return _UNSENDABLE.sub("", value)


def _xml_text(value: str) -> str:
    """Escape text for an XML element, dropping characters XML cannot carry."""
    return xml_escape(_clean(value), {"\r": "&#13;"})


def _xml_attr(value: str) -> str:
    """Quote and escape a value for an XML attribute."""
    return quoteattr(_clean(value))


class FakeMediaServer(LoopbackServer):
    """Hosts video files, RSS 2.0 feeds and HTML pages with <video> tags on 127.0.0.1.

    Files honour `Range` (206/416) and HEAD; `fail()` and `throttle()` shape the next GETs.
    Feeds and pages are rendered on each request, so re-adding a playlist changes what it lists.
    Feed items carry each video's description, date (`pubDate`) and thumbnail (`itunes:image`);
    pages carry the playlist's thumbnail and description as OpenGraph tags.
    """

    def __init__(self) -> None:
        super().__init__()
        self.videos: dict[str, MediaFile] = {}
        self.ranges: list[tuple[str, str | None]] = []
        self.downloads: dict[str, int] = {}
        self._slugs: dict[str, str] = {}  # URL slug -> video id
        self._video_slug: dict[str, str] = {}
        self._feeds: dict[str, tuple[str, list[str], str]] = {}
        self._pages: dict[str, tuple[str, list[str]]] = {}
        self._page_meta: dict[str, tuple[str, bytes | None]] = {}  # description, thumbnail
        self.thumbnail_gets: dict[str, int] = {}
        self._playlist_slug: dict[str, str] = {}
        # video id -> (left, status, skip, reason phrase)
        self._failures: dict[str, tuple[int | None, int, int, str | None]] = {}
        self._throttles: dict[str, int] = {}
        self._sending: set[asyncio.Transport] = set()

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/videos/{slug}", self._video)
        app.router.add_get("/feeds/{slug}.xml", self._feed)
        app.router.add_get("/pages/{slug}.html", self._page)
        app.router.add_get("/thumbs/{slug}.jpg", self._thumbnail)
        return app

    async def stop(self) -> None:
        """Stop, cutting off file transfers still in flight as a crashed server would."""
        for transport in list(self._sending):
            transport.abort()
        await super().stop()

    def add_video(
        self,
        id: str,
        title: str,
        size: int = 64_000,
        *,
        data: bytes | None = None,
        description: str = "",
        uploaded: date | None = None,
        thumbnail: bool = False,
    ) -> MediaFile:
        """Host a video; its bytes are derived from the id unless `data` is given.

        `thumbnail` hosts a small image for it (bytes derived from the id too).
        """
        body = data if data is not None else hashlib.shake_256(id.encode()).digest(size)
        image = _image(f"thumb-{id}") if thumbnail else None
        media = MediaFile(
            id, title, body, description=description, uploaded=uploaded, thumbnail=image
        )
        self.videos[id] = media
        if id not in self._video_slug:
            slug = self._new_slug(id, self._slugs)
            self._slugs[slug] = id
            self._video_slug[id] = slug
        return media

    def add_playlist(
        self, id: str, title: str, video_ids: list[str], *, description: str = ""
    ) -> str:
        """Publish an RSS 2.0 feed of these videos and return its URL."""
        self._check_ids(video_ids)
        self._feeds[id] = (title, list(video_ids), description)
        return f"{self.url}/feeds/{self._playlist_slug_for(id)}.xml"

    def add_html_playlist(
        self,
        id: str,
        title: str,
        video_ids: list[str],
        *,
        description: str = "",
        thumbnail: bool = False,
    ) -> str:
        """Publish an HTML page with one <video><source> per video and return its URL.

        yt-dlp names the entries `<page slug>-<n>` / `<page title> (<n>)`; one video is no playlist.
        `description` and `thumbnail` become the page's og:description and og:image.
        """
        self._check_ids(video_ids)
        self._pages[id] = (title, list(video_ids))
        self._page_meta[id] = (description, _image(f"page-{id}") if thumbnail else None)
        return f"{self.url}/pages/{self._playlist_slug_for(id)}.html"

    def extend_playlist(self, id: str, video_ids: list[str]) -> None:
        """Append videos to a published feed, as a channel that uploads does."""
        self._check_ids(video_ids)
        title, current, description = self._feeds[id]
        self._feeds[id] = (title, current + list(video_ids), description)

    def thumbnail_url(self, id: str) -> str:
        """The URL of a video's thumbnail (see `add_video(thumbnail=True)`)."""
        return f"{self.url}/thumbs/{self._video_slug[id]}.jpg"

    def page_thumbnail_url(self, id: str) -> str:
        """The URL of an HTML playlist's og:image."""
        return f"{self.url}/thumbs/page-{self._playlist_slug_for(id)}.jpg"

    def bot_check(self, video_id: str) -> None:
        """Answer every GET of that video with YouTube's "not a bot" refusal, until cleared."""
        self.fail(video_id, times=None, status=403, reason=BOT_CHECK)

    def video_url(self, id: str) -> str:
        """The direct URL of a hosted video file."""
        media = self.videos[id]
        ext = mimetypes.guess_extension(media.content_type) or ".bin"
        return f"{self.url}/videos/{self._video_slug[id]}{ext}"

    def fail(
        self,
        video_id: str,
        times: int | None = 1,
        status: int = 500,
        *,
        skip: int = 0,
        reason: str | None = None,
    ) -> None:
        """Answer the next `times` GETs of that file with `status` (None = forever, 0 = clear).

        `skip` lets that many GETs through first: yt-dlp's generic extractor GETs a direct file
        once to sniff its type before the download GET, so `skip=1` fails only the download.
        `reason` replaces the status line's reason phrase.
        """
        if times == 0:
            self._failures.pop(video_id, None)
        else:
            self._failures[video_id] = (times, status, skip, reason)

    def throttle(self, video_id: str, bytes_per_second: int | None) -> None:
        """Serve that file slowly in small chunks (None = full speed again)."""
        if bytes_per_second is None:
            self._throttles.pop(video_id, None)
        else:
            self._throttles[video_id] = max(1, bytes_per_second)

    def _check_ids(self, video_ids: list[str]) -> None:
        missing = [v for v in video_ids if v not in self.videos]
        if missing:
            raise KeyError(f"add_video() first: {missing}")

    def _playlist_slug_for(self, id: str) -> str:
        if id not in self._playlist_slug:
            self._playlist_slug[id] = self._new_slug(id, set(self._playlist_slug.values()))
        return self._playlist_slug[id]

    @staticmethod
    def _new_slug(id: str, taken: dict[str, str] | set[str]) -> str:
        base = _UNSAFE_SLUG.sub("_", id).strip("_") or "item"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        return slug

    async def _feed(self, request: web.Request) -> web.Response:
        playlist = self._by_slug(request.match_info["slug"])
        if playlist is None or playlist not in self._feeds:
            raise web.HTTPNotFound()
        title, video_ids, description = self._feeds[playlist]
        items = []
        for vid in video_ids:
            media = self.videos[vid]
            link = self.video_url(vid)
            extra = ""
            if media.description:
                extra += f"<description>{_xml_text(media.description)}</description>"
            if media.uploaded:
                stamp = datetime(*media.uploaded.timetuple()[:3], 12, tzinfo=UTC)
                extra += f"<pubDate>{format_datetime(stamp)}</pubDate>"
            if media.thumbnail is not None:
                extra += f"<itunes:image href={_xml_attr(self.thumbnail_url(vid))}/>"
            items.append(
                "<item>"
                f"<title>{_xml_text(media.title)}</title>"
                f'<guid isPermaLink="false">{_xml_text(vid)}</guid>'
                f"<link>{_xml_text(link)}</link>"
                f"<enclosure url={_xml_attr(link)} type={_xml_attr(media.content_type)}"
                f' length="{len(media.data)}"/>'
                f"{extra}</item>"
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<rss version="2.0" xmlns:itunes="{ITUNES}"><channel>'
            f"<title>{_xml_text(title)}</title>"
            f"<link>{_xml_text(str(request.url))}</link>"
            f"<description>{_xml_text(description)}</description>"
            f"{''.join(items)}</channel></rss>"
        )
        return web.Response(
            body=body.encode(), headers={"Content-Type": "application/rss+xml; charset=utf-8"}
        )

    async def _page(self, request: web.Request) -> web.Response:
        playlist = self._by_slug(request.match_info["slug"])
        if playlist is None or playlist not in self._pages:
            raise web.HTTPNotFound()
        title, video_ids = self._pages[playlist]
        description, image = self._page_meta.get(playlist, ("", None))
        head = ""
        if description:
            head += f'<meta property="og:description" content="{html.escape(_clean(description))}">'
        if image is not None:
            src = html.escape(self.page_thumbnail_url(playlist), quote=True)
            head += f'<meta property="og:image" content="{src}">'
        blocks = []
        for vid in video_ids:
            media = self.videos[vid]
            src = html.escape(self.video_url(vid), quote=True)
            kind = html.escape(media.content_type, quote=True)
            blocks.append(
                f"<h2>{html.escape(_clean(media.title))}</h2>"
                f'<video controls><source src="{src}" type="{kind}"></video>'
            )
        body = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(_clean(title))}</title>{head}</head><body>{''.join(blocks)}</body></html>"
        )
        return web.Response(
            body=body.encode(), headers={"Content-Type": "text/html; charset=utf-8"}
        )

    def _by_slug(self, slug: str) -> str | None:
        return next((pid for pid, s in self._playlist_slug.items() if s == slug), None)

    async def _video(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
        slug = request.match_info["slug"].rsplit(".", 1)[0]
        video_id = self._slugs.get(slug)
        if video_id is None:
            raise web.HTTPNotFound()
        media = self.videos[video_id]
        range_header = request.headers.get("Range")
        if request.method == "GET":
            self.ranges.append((video_id, range_header))
            failure = self._take_failure(video_id)
            if failure is not None:
                status, reason = failure
                return web.Response(status=status, reason=reason, text="injected failure")
        size = len(media.data)
        try:
            span = self._parse_range(range_header, size)
        except _RangeNotSatisfiable:
            return web.Response(
                status=416, headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"}
            )
        partial = span is not None
        start, end = span if span is not None else (0, size - 1)
        body = media.data[start : end + 1]
        response = web.StreamResponse(status=206 if partial else 200)
        response.headers["Content-Type"] = media.content_type
        response.headers["Accept-Ranges"] = "bytes"
        response.content_length = len(body)
        if partial:
            response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        transport = request.transport
        if transport is not None:
            self._sending.add(transport)
        try:
            await response.prepare(request)
            if request.method == "HEAD":
                return response
            await self._send(response, body, self._throttles.get(video_id))
            await response.write_eof()
        except ConnectionError:  # the client hung up; yt-dlp's extractor does this on purpose
            return response
        finally:
            if transport is not None:
                self._sending.discard(transport)
        self.downloads[video_id] = self.downloads.get(video_id, 0) + 1
        return response

    def _take_failure(self, video_id: str) -> tuple[int, str | None] | None:
        if video_id not in self._failures:
            return None
        left, status, skip, reason = self._failures[video_id]
        if skip > 0:
            self._failures[video_id] = (left, status, skip - 1, reason)
            return None
        if left is not None:
            if left <= 1:
                del self._failures[video_id]
            else:
                self._failures[video_id] = (left - 1, status, 0, reason)
        return status, reason

    async def _thumbnail(self, request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        image: bytes | None = None
        if slug.startswith("page-"):
            playlist = self._by_slug(slug.removeprefix("page-"))
            image = self._page_meta.get(playlist or "", ("", None))[1]
        elif slug in self._slugs:
            image = self.videos[self._slugs[slug]].thumbnail
        if image is None:
            raise web.HTTPNotFound()
        self.thumbnail_gets[slug] = self.thumbnail_gets.get(slug, 0) + 1
        return web.Response(body=image, headers={"Content-Type": "image/jpeg"})

    @staticmethod
    def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
        """(start, end) of a single byte range, or None to send the whole file."""
        if not header:
            return None
        m = _RANGE.fullmatch(header.strip())
        if m is None or (not m.group(1) and not m.group(2)):
            return None  # unsupported or malformed: RFC 9110 lets a server ignore Range
        first, last = m.group(1), m.group(2)
        if not first:  # suffix range: the last N bytes
            length = int(last)
            if length == 0 or size == 0:
                raise _RangeNotSatisfiable
            return max(0, size - length), size - 1
        start = int(first)
        if last and int(last) < start:
            return None
        if start >= size:
            raise _RangeNotSatisfiable
        end = min(int(last), size - 1) if last else size - 1
        return start, end

    @staticmethod
    async def _send(response: web.StreamResponse, body: bytes, rate: int | None) -> None:
        if rate is None:
            await response.write(body)
            return
        chunk = max(1, int(rate * _THROTTLE_TICK))
        for offset in range(0, len(body), chunk):
            await response.write(body[offset : offset + chunk])
            await asyncio.sleep(_THROTTLE_TICK)
