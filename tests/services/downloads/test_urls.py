"""The URL rules: what /youtube refuses before anything is fetched, and canonical forms."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput
from bot.services.downloads import NOT_YOUTUBE, check_url
from storage.models import DownloadJob
from tests.services.downloads.rig import ALICE, YOUTUBE_HOSTS, Rig

HOSTILE_URLS = [
    "https://evil.example.com/watch?v=dQw4w9WgXcQ",
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "file:///etc/passwd",
    "ftp://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "javascript:alert(1)",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1/feeds/x.xml",
    "http://[::1]/x",
    "http://2130706433/",
    "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/feed/history",
    "https://www.youtube.com/@somechannel",
    "https://www.youtube.com/watch?v=short",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ&v=aaaaaaaaaaa",
    "https://www.youtube.com/redirect?q=http://127.0.0.1/",
    "https://youtu.be/dQw4w9WgXcQ/../../x",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ\nHost: evil",
    "https://www.youtube.com\\@evil.example/watch?v=dQw4w9WgXcQ",
    "//www.youtube.com/watch?v=dQw4w9WgXcQ",
    "",
]


async def test_hostile_urls_refused_with_nothing_fetched(rig: Rig) -> None:
    """Other hosts, IP literals, file:, userinfo, ports and odd paths: refused, no request."""
    service = rig.build()
    for url in HOSTILE_URLS:
        with pytest.raises(InvalidInput) as caught:
            await service.queue(ALICE, url, None, None)
        assert caught.value.message == NOT_YOUTUBE, url
    assert rig.media.requests == []
    assert await DownloadJob.all().count() == 0


async def test_media_host_needs_its_exact_port(rig: Rig) -> None:
    """The test host is allowed only on the port it is listed with; the fake sees no request."""
    url, _ = rig.playlist("ports", 1)
    other_port = url.replace(f":{rig.media.port}/", f":{rig.media.port + 1}/")
    for allowed in (["127.0.0.1"], [f"127.0.0.1:{rig.media.port + 1}"], ["localhost"]):
        with pytest.raises(InvalidInput):
            await rig.build(allowed_hosts=allowed).queue(ALICE, url, None, None)
    with pytest.raises(InvalidInput):
        await rig.build().queue(ALICE, other_port, None, None)
    assert rig.media.requests == []


def test_check_url_canonical_youtube_forms() -> None:
    """Video and playlist shapes come back canonical, without anything else the user sent."""
    vid, lst = "dQw4w9WgXcQ", "PLabcdefghijklmnopqrstuvwxyz012345"
    watch = f"https://www.youtube.com/watch?v={vid}"
    cases = {
        f"https://youtube.com/watch?v={vid}&t=42s#frag": watch,
        f"  http://m.youtube.com/watch?feature=share&v={vid}  ": watch,
        f"https://youtu.be/{vid}?si=abc": watch,
        f"https://www.youtube.com/shorts/{vid}": watch,
        f"https://WWW.YouTube.com:443/playlist?list={lst}": (
            f"https://www.youtube.com/playlist?list={lst}"
        ),
        f"https://music.youtube.com/watch?v={vid}&list={lst}": f"{watch}&list={lst}",
    }
    for given, expected in cases.items():
        assert check_url(given, YOUTUBE_HOSTS) == expected
    assert (
        check_url("http://127.0.0.1:8080/feeds/a.xml?x=1#y", ["127.0.0.1:8080"])
        == "http://127.0.0.1:8080/feeds/a.xml?x=1"
    )
    with pytest.raises(InvalidInput):  # a listed metadata address is still refused
        check_url("http://169.254.169.254/", ["169.254.169.254"])
    with pytest.raises(InvalidInput):  # not in this deployment's list
        check_url(watch, ["youtu.be"])
