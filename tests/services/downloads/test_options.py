"""DownloadOptions: built from the settings in one place, normalised once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.services.downloads import DownloadOptions


def test_options_come_from_the_youtube_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each YOUTUBE_* setting lands in its option; hosts are trimmed and lowercased; the
    stop timeout fits inside Docker's 10 s."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("YOUTUBE_DOWNLOAD_DIR", str(tmp_path / "yt" / ".." / "yt"))
    monkeypatch.setenv("YOUTUBE_PLEX_SECTION", "YouTube")
    monkeypatch.setenv("YOUTUBE_ALLOWED_HOSTS", " YouTube.com , youtu.be ")
    monkeypatch.setenv("YOUTUBE_MAX_CONCURRENT", "3")
    monkeypatch.setenv("YOUTUBE_MAX_ITEMS", "50")
    monkeypatch.setenv("YOUTUBE_MIN_FREE_GB", "1.5")
    monkeypatch.setenv("YOUTUBE_PLEX_PATH", "/data/youtube")
    monkeypatch.setenv("RATE_LIMIT_YOUTUBE", "5/day")

    options = DownloadOptions.from_settings(load_settings())

    assert options.download_dir == (tmp_path / "yt").resolve()
    assert options.section == "YouTube"
    assert options.allowed_hosts == ("youtube.com", "youtu.be")
    assert (options.max_concurrent, options.max_items, options.rate) == (3, 50, "5/day")
    assert options.min_free_bytes == int(1.5 * 2**30)
    assert options.plex_download_dir == "/data/youtube"
    assert options.stop_timeout == 3.0


def test_options_need_a_download_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without YOUTUBE_DOWNLOAD_DIR there are no options to build (the feature is off)."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    with pytest.raises(ValueError, match="YOUTUBE_DOWNLOAD_DIR"):
        DownloadOptions.from_settings(load_settings())
