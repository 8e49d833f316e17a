"""The URL rules of /youtube: what may be fetched, checked before anything is fetched."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from bot.errors import InvalidInput
from bot.i18n import N_
from bot.services.downloads.text import CONTROL

NOT_YOUTUBE = N_("That's not a YouTube video or playlist URL.")
# Hosts whose URLs must have a video or playlist shape; other allowed hosts (tests) need not.
YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
)
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_LIST_ID = re.compile(r"[A-Za-z0-9_-]{2,80}")


def _refuse() -> InvalidInput:
    return InvalidInput(NOT_YOUTUBE)


def _host_entry(entry: str) -> tuple[str, int | None]:
    """An allowed-host entry as (host, port): `host`, `host:port` or `[v6]:port`."""
    text = entry.strip().lower()
    parts = urlsplit(f"//{text}")
    try:
        return (parts.hostname or text), parts.port
    except ValueError:
        return text, None


def check_url(url: str, allowed_hosts: Sequence[str]) -> str:
    """The URL to fetch, rebuilt from its checked parts; InvalidInput for anything else.

    Rules, in order: http(s) only; no userinfo, whitespace, backslashes or control
    characters; the host must equal an entry of `allowed_hosts` (case-insensitive, no
    wildcards), so IP literals pass only when listed exactly and link-local, multicast,
    reserved or unspecified addresses never pass. A bare `host` entry allows the scheme's
    default port only; a `host:port` entry (tests: `127.0.0.1:<port>`) allows that port.
    YouTube hosts must point at a video (`watch?v=`, `youtu.be/ID`, `/shorts/ID`) or a
    playlist (`/playlist?list=`), and come back in canonical www.youtube.com form with
    nothing else (no fragment: yt-dlp reads smuggled data there). Other hosts keep their
    path and query, without the fragment.
    """
    text = url.strip()
    if not text or len(text) > 2000 or any(c.isspace() or c == "\\" for c in text):
        raise _refuse()
    if CONTROL.search(text):
        raise _refuse()
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise _refuse() from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or "@" in parts.netloc:
        raise _refuse()
    host = (parts.hostname or "").lower()
    if not host:
        raise _refuse()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and (
        address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    ):
        raise _refuse()
    default_port = 443 if scheme == "https" else 80
    effective = port if port is not None else default_port
    entries = {_host_entry(h) for h in allowed_hosts}
    if not (
        (host, effective) in entries or (effective == default_port and (host, None) in entries)
    ):
        raise _refuse()
    if host in YOUTUBE_HOSTS:
        return _youtube_url(host, parts.path, parts.query)
    netloc = parts.netloc.lower()
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _youtube_url(host: str, path: str, query: str) -> str:
    """The canonical URL of a YouTube video or playlist, or InvalidInput."""
    params = parse_qs(query, keep_blank_values=True)

    def one(name: str, pattern: re.Pattern[str]) -> str | None:
        values = params.get(name)
        if values is None:
            return None
        if len(values) != 1 or not pattern.fullmatch(values[0]):
            raise _refuse()
        return values[0]

    segments = [s for s in path.split("/") if s]
    video: str | None = None
    if host == "youtu.be":
        if len(segments) != 1 or not _VIDEO_ID.fullmatch(segments[0]):
            raise _refuse()
        video = segments[0]
    elif segments == ["watch"]:
        video = one("v", _VIDEO_ID)
        if video is None:
            raise _refuse()
    elif len(segments) == 2 and segments[0] == "shorts" and _VIDEO_ID.fullmatch(segments[1]):
        video = segments[1]
    elif segments != ["playlist"]:
        raise _refuse()
    playlist = one("list", _LIST_ID)
    if video is None and playlist is None:
        raise _refuse()
    if video is None:
        return "https://www.youtube.com/playlist?" + urlencode({"list": playlist})
    wanted = {"v": video, **({"list": playlist} if playlist else {})}
    return "https://www.youtube.com/watch?" + urlencode(wanted)
