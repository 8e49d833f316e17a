"""yt-dlp finds what YouTube needs since 2025.11: a JavaScript runtime and the EJS scripts."""

from __future__ import annotations

from datetime import date

import yt_dlp

from bot.clients.ytdlp import Runtime, YtDlp, runtime
from bot.clients.ytdlp.runtime import js_runtimes


def test_ytdlp_lists_deno_and_the_ejs_scripts_in_this_environment() -> None:
    """In the project's own install, yt-dlp's verbose header names Deno and yt-dlp-ejs (read
    without network), so YouTube's challenges can be solved and formats are not missing."""
    found = runtime()
    assert found.ytdlp == yt_dlp.version.__version__
    assert found.runtime is not None and found.runtime.startswith("deno 2.")
    assert found.ejs is not None
    assert found.problem() is None


def test_the_client_hands_yt_dlp_the_runtime_path() -> None:
    """Every YoutubeDL the client builds gets Deno's path, so an install whose scripts folder
    is not on PATH (a venv that is not activated, `pip install --user`) still finds it."""
    options = YtDlp()._options()
    assert options["js_runtimes"] == js_runtimes()
    path = js_runtimes()["deno"]["path"]
    with yt_dlp.YoutubeDL({"quiet": True, "js_runtimes": options["js_runtimes"]}) as ydl:
        info = ydl._js_runtimes["deno"].info
    assert info is not None and info.path == path and info.supported


def test_missing_pieces_and_old_versions_are_named() -> None:
    """Without a runtime or the scripts the line says what to install; age counts from the
    version's date."""
    bare = Runtime("2026.01.05", None, None)
    assert bare.problem() == (
        "yt-dlp 2026.01.05 lacks a JavaScript runtime (pip install deno) and the EJS challenge "
        "scripts (pip install 'yt-dlp[default]'): most YouTube formats fail"
    )
    assert Runtime("2026.01.05", "deno 2.9.8", None).problem() == (
        "yt-dlp 2026.01.05 lacks the EJS challenge scripts (pip install 'yt-dlp[default]'): "
        "most YouTube formats fail"
    )
    assert bare.age_days(date(2026, 3, 6)) == 60
