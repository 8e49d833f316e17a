"""The names our downloads get on disk, and finding an entry's files again by its stem.

Names are readable (spaces, accents, CJK and emoji kept, as a Plex user would type
them); only what a path cannot hold, or hides a name's meaning, is replaced.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

NAME_BYTES = 150  # well under the 255-byte limit of common filesystems, with room for the id
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"}
# What a path (on Linux, Windows shares or macOS) cannot hold, and its readable stand-in.
_REPLACE = {":": " -", "/": "-", "\\": "-", "|": "-", '"': "'"}
_DROP = re.compile(r"[?*<>]")
_SPACES = re.compile(r"\s+")


def safe_name(text: str, fallback: str, *, limit: int = NAME_BYTES) -> str:
    """A readable file or folder name: path-unsafe characters replaced, never hidden or empty."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", text))
    # Control, format (bidi overrides, zero-width) and unassigned characters hide what a name says.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    for bad, good in _REPLACE.items():
        name = name.replace(bad, good)
    name = _SPACES.sub(" ", _DROP.sub("", name))
    name = name.encode("utf-8")[:limit].decode("utf-8", "ignore")
    name = name.lstrip(".-– ").rstrip(". ")
    return name or fallback


def stem_for(video_id: str, title: str, episode: int | None = None) -> str:
    """The name (without extension) of an entry's file: `<title> [<id>]`.

    In a TV-type Plex library the scanner needs the episode number in the name, so there
    it is `S01E<episode> - <title> [<id>]`.
    """
    digest = hashlib.sha1(video_id.encode()).hexdigest()[:10]
    stem = f"{safe_name(title, 'video')} [{safe_name(video_id, digest, limit=64)}]"
    return f"S01E{episode:02d} - {stem}" if episode is not None else stem


def files_of(folder: Path, stem: str) -> list[Path]:
    """Every file of a stem in the folder: the video, its parts and its thumbnail."""
    if not folder.is_dir():
        return []
    prefix = stem + "."
    return sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.is_file())


def _complete(path: Path, stem: str) -> bool:
    """`<stem>.mp4`, not `<stem>.mp4.part` or `<stem>.f137.mp4`."""
    return "." not in path.name[len(stem) + 1 :]


def finished_file(folder: Path, stem: str) -> Path | None:
    """The complete video of an entry yt-dlp skipped (already downloaded or archived)."""
    for path in files_of(folder, stem):
        if _complete(path, stem) and path.suffix.lower() not in IMAGE_EXTENSIONS:
            return path
    return None


def thumbnail_file(folder: Path, stem: str) -> Path | None:
    """The thumbnail yt-dlp wrote next to the video, if any."""
    for path in files_of(folder, stem):
        if _complete(path, stem) and path.suffix.lower() in IMAGE_EXTENSIONS:
            return path
    return None


def discard(folder: Path, stem: str) -> list[Path]:
    """Delete every file of a stem; returns what went."""
    gone = []
    for path in files_of(folder, stem):
        path.unlink(missing_ok=True)
        gone.append(path)
    return gone
