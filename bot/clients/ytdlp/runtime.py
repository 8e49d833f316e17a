"""What yt-dlp needs beyond itself for YouTube: a JavaScript runtime and the EJS scripts.

Since yt-dlp 2025.11.12 (yt-dlp/yt-dlp#15012) YouTube's signature and n challenges are solved
by the EJS scripts (PyPI `yt-dlp-ejs`, pulled in by `yt-dlp[default]`) run in an external
JavaScript runtime; Deno is the one yt-dlp enables by default. Without them yt-dlp warns
"No supported JavaScript runtime could be found" and most formats are missing. We install
Deno from PyPI (`deno`), whose binary lands in the environment's scripts folder: yt-dlp looks
there itself (yt-dlp/yt-dlp#15038), and `js_runtimes()` passes the path explicitly as well
for installs where the scripts folder is elsewhere (`pip install --user`, `--target`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

# YouTube breaks old yt-dlp releases every few weeks.
MAX_AGE_DAYS = 60
UPDATE_HINT = (
    "update it: in Docker rebuild the image (`docker compose build --pull --no-cache`, "
    "it takes the newest yt-dlp), otherwise `pip install -U 'yt-dlp[default]' deno`"
)


def js_runtimes() -> dict[str, dict[str, Any]]:
    """yt-dlp's `js_runtimes` option: Deno, at the path of the `deno` package when installed."""
    try:
        from deno import find_deno_bin

        return {"deno": {"path": find_deno_bin()}}
    except (ImportError, FileNotFoundError):
        return {"deno": {}}  # yt-dlp's default: `deno` in its scripts folder or on PATH


@dataclass(frozen=True)
class Runtime:
    """What yt-dlp reports about itself, its JavaScript runtime and its EJS scripts."""

    ytdlp: str
    runtime: str | None  # e.g. "deno 2.9.8"; None when yt-dlp found none
    ejs: str | None  # the yt-dlp-ejs version; None when the scripts are not installed

    @property
    def released(self) -> date:
        """yt-dlp's release date, which its version spells (2026.11.23)."""
        year, month, day = (int(part) for part in self.ytdlp.split(".")[:3])
        return date(year, month, day)

    def age_days(self, today: date | None = None) -> int:
        return ((today or datetime.now(UTC).date()) - self.released).days

    def problem(self) -> str | None:
        """Why YouTube downloads would fail, or None."""
        missing = []
        if self.runtime is None:
            missing.append("a JavaScript runtime (pip install deno)")
        if self.ejs is None:
            missing.append("the EJS challenge scripts (pip install 'yt-dlp[default]')")
        if not missing:
            return None
        return f"yt-dlp {self.ytdlp} lacks {' and '.join(missing)}: most YouTube formats fail"

    def summary(self) -> str:
        return f"yt-dlp {self.ytdlp}, {self.runtime}, EJS {self.ejs}"


class _Header:
    """Collects the `[debug]` header yt-dlp writes when verbose."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def debug(self, msg: str) -> None:
        self.lines.append(msg)

    info = warning = error = debug


def runtime() -> Runtime:
    """Ask yt-dlp (its verbose header, no network) which JS runtime and EJS scripts it sees.

    Blocking: it runs `deno --version`; call it through a thread. yt-dlp (17 MiB resident) is
    imported here, not with this module, so a bot without YouTube never loads it.
    """
    import yt_dlp

    header = _Header()
    with yt_dlp.YoutubeDL(
        {"verbose": True, "logger": header, "js_runtimes": js_runtimes(), "quiet": True}
    ):
        pass
    text = "\n".join(header.lines)
    found = re.search(r"JS runtimes: (\S+?)-(\S+?)(?:,|\s|$)", text)
    ejs = re.search(r"\byt_dlp_ejs-([\w.]+)", text)
    return Runtime(
        ytdlp=yt_dlp.version.__version__,
        runtime=f"{found.group(1)} {found.group(2)}" if found else None,
        ejs=ejs.group(1) if ejs else None,
    )
