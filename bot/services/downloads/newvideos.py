"""What a subscription check hands the queue: new entries and where they belong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.clients.ytdlp import Entry


@dataclass(frozen=True)
class NewVideos:
    """New videos of a subscription; positions go on from `first_position` (episode numbers)."""

    subscription_id: int
    discord_id: int
    url: str
    title: str
    collection: str
    folder: Path
    description: str
    thumbnail: str | None
    entries: list[Entry]
    first_position: int = 1
