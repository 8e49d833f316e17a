"""The download folder: where a job's files go, and checks that every path stays inside it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.clients.ytdlp import safe_name
from bot.errors import InvalidInput
from bot.i18n import N_
from storage.models import DownloadJob


class DownloadDir:
    """`root/<safe playlist title>/<files>`; `root` is already resolved."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder_for(self, title: str, url: str) -> Path:
        """`root/<safe title>`, checked to be a folder directly inside root."""
        fallback = "playlist-" + hashlib.sha1(url.encode()).hexdigest()[:8]
        folder = (self.root / safe_name(title, fallback)).resolve()
        if folder.parent != self.root:
            raise InvalidInput(N_("That playlist's name can't be used as a folder name."))
        return folder

    def folder_of(self, job: DownloadJob) -> Path | None:
        """The job's folder, or None if the stored one is not directly inside root."""
        folder = Path(job.folder).resolve()
        return folder if folder.parent == self.root else None

    def inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.root)

    def relative(self, path: str) -> str | None:
        """`<folder>/<file>` of a downloaded file, as Plex sees it under any mount."""
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self.root):
            return None
        return resolved.relative_to(self.root).as_posix()
