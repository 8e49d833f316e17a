"""The queue-wide pause when YouTube refuses this server (bot check, HTTP 429, stale cookies).

Retrying such a refusal only makes it last longer, so the first one stops every running
job (PAUSED, its item not counted as a failed attempt), the workers take nothing new and
subscription checks wait, until an admin resumes. The block is kept in the database, so a
restart does not start hammering YouTube again; the admins are alerted once per block.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.clients.ytdlp import BlockKind, YouTubeBlocked
from bot.i18n import N_
from bot.services.downloads.notices import Notices
from bot.services.downloads.runs import Runs
from storage.models import DownloadJob, JobStatus, KeyValue

log = logging.getLogger(__name__)

KEY = "youtube:blocked"
REMEDIES: dict[BlockKind, str] = {
    # One line per remedy; PO tokens: yt-dlp's wiki "PO Token Guide" (2025-2026).
    "bot_check": N_(
        "YouTube wants proof that this server is not a bot. Either:\n"
        "• Cookies: export a cookies.txt (Netscape format) from a browser signed in to YouTube, "
        "set `YOUTUBE_COOKIES_FILE` to it and restart the bot.\n"
        "• PO tokens: install the `bgutil-ytdlp-pot-provider` plugin beside yt-dlp and run its "
        "token server (see yt-dlp's PO Token Guide), then restart the bot.\n"
        "Then run `/youtube resume`."
    ),
    "rate_limited": N_(
        "YouTube is rate-limiting this server (HTTP 429). Wait an hour or two (or set "
        "`YOUTUBE_COOKIES_FILE`), then run `/youtube resume`."
    ),
    "cookies": N_(
        "The cookies in `YOUTUBE_COOKIES_FILE` are no longer valid or can't be read. Export "
        "fresh ones from a browser signed in to YouTube, replace the file and restart the "
        "bot, then run `/youtube resume`."
    ),
}
PAUSED_MESSAGE = N_("Paused: YouTube is refusing this server for now. An admin has been told.")


@dataclass(frozen=True)
class BlockState:
    kind: BlockKind
    reason: str
    since: datetime

    @property
    def remedy(self) -> str:
        return REMEDIES[self.kind]


class QueueBlock:
    """Whether the queue is paused for a YouTube refusal, and the pause and resume of it."""

    def __init__(self, runs: Runs, notices: Notices) -> None:
        self.runs = runs
        self.notices = notices
        self.state: BlockState | None = None

    @property
    def active(self) -> bool:
        return self.state is not None

    async def load(self) -> None:
        """Read a block that was in force when the bot stopped (paired with nothing: a read)."""
        row = await KeyValue.get_or_none(key=KEY)
        if row is None:
            self.state = None
            return
        data = json.loads(row.value)
        self.state = BlockState(data["kind"], data["reason"], datetime.fromisoformat(data["since"]))

    async def block(self, exc: YouTubeBlocked) -> None:
        """Pause the whole queue; the first refusal of a block alerts the admins."""
        for run in self.runs.all():
            run.stop("blocked")
        if self.state is not None:
            return
        state = BlockState(exc.kind, exc.reason[:500], datetime.now(UTC))
        self.state = state
        value = json.dumps(
            {"kind": state.kind, "reason": state.reason, "since": state.since.isoformat()}
        )
        await KeyValue.update_or_create(defaults={"value": value}, key=KEY)
        log.warning("youtube: queue paused, YouTube refused the server (%s)", state.kind)
        await self.notices.blocked(state.kind, state.reason, state.remedy, state.since)

    async def resume(self) -> int:
        """Lift the block; jobs it paused are queued again. Returns how many."""
        self.state = None
        await KeyValue.filter(key=KEY).delete()
        resumed = await DownloadJob.filter(status=JobStatus.PAUSED, error=PAUSED_MESSAGE).update(
            status=JobStatus.QUEUED, error=None
        )
        log.info("youtube: queue resumed by an admin, %s jobs queued again", resumed)
        self.runs.work.set()
        return resumed
