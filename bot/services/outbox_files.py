"""Files sent with outbox messages (New on Plex's posters), and how a row keeps them."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a poster); an embed shows it as `attachment://<name>`."""

    name: str
    data: bytes


def stored_files(files: Sequence[Attachment]) -> list[dict[str, str]] | None:
    """The files as the outbox row's JSON column keeps them (None when there are none)."""
    return [{"name": f.name, "data": base64.b64encode(f.data).decode()} for f in files] or None


def loaded_files(stored: list[dict[str, str]] | None) -> tuple[Attachment, ...]:
    """The files back from the row's JSON column."""
    return tuple(Attachment(f["name"], base64.b64decode(f["data"])) for f in stored or ())
