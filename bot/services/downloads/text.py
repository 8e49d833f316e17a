"""Text the download queue stores and shows: one clean line, escaped markdown, sizes."""

from __future__ import annotations

import re

from bot.formatting import size

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]])")


def clean(text: str, limit: int) -> str:
    """One line of text without control characters, cut to `limit`."""
    return " ".join(CONTROL.sub(" ", text).split())[:limit]


def md(text: str) -> str:
    """Text with Discord markdown characters escaped, so titles show as typed."""
    return _MARKDOWN.sub(r"\\\1", clean(text, 300))


def plural(count: int, word: str) -> str:
    """`1 video`, `2 videos`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def human_bytes(count: float) -> str:
    """1536 → "1.5 KB" (`bot.formatting.size`)."""
    return size(count)
