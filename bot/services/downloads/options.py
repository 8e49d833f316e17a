"""Every setting of the download queue in one frozen value, built from Settings in one place."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.services.cluster.processes import process_name
from bot.services.downloads.clock import Clock, LoopClock
from bot.services.retry import RetryPolicy

ITEM_RETRY = RetryPolicy(base=10.0, cap=300.0)


def disk_free(path: Path) -> int:
    """Free bytes on the disk that holds `path`."""
    return shutil.disk_usage(path).free


@dataclass(frozen=True)
class DownloadOptions:
    """What the download queue runs with; `free_space` and `clock` are seams for tests."""

    download_dir: Path
    section: str | None
    allowed_hosts: Sequence[str]
    max_concurrent: int = 2
    max_items: int = 200
    rate: str = "3/day"
    per_user_queued: int = 2
    item_retries: int = 3
    min_free_bytes: int = 2 * 2**30
    progress_every: float = 3.0
    # Where Plex sees download_dir, when its mount differs from ours (Docker).
    plex_download_dir: str | None = None
    plex_wait: float = 60.0
    plex_poll: float = 2.0
    retry_policy: RetryPolicy = ITEM_RETRY
    ytdlp_retries: int = 3
    space_check_every: float = 5.0
    idle_poll: float = 30.0
    stop_timeout: float = 10.0
    cancel_wait: float = 5.0
    max_subscriptions: int = 5  # per member; admins are exempt
    subscription_hours: float = 6.0
    # Workers in other processes share the queue (PostgreSQL); `worker_name` holds the leases.
    shared_queue: bool = False
    worker_name: str = field(default_factory=process_name)
    lease_seconds: float = 30.0
    local_workers: bool = True  # False: only `python -m bot worker` processes download
    free_space: Callable[[Path], int] = disk_free
    clock: Clock = field(default_factory=LoopClock)

    def __post_init__(self) -> None:
        # Normalised once here, so every part compares against the same values.
        object.__setattr__(self, "download_dir", self.download_dir.resolve())
        hosts = tuple(h.strip().lower() for h in self.allowed_hosts if h.strip())
        object.__setattr__(self, "allowed_hosts", hosts)

    @classmethod
    def from_settings(cls, settings: Settings) -> DownloadOptions:
        """The options for these settings; YOUTUBE_DOWNLOAD_DIR must be set."""
        if settings.youtube_download_dir is None:
            raise ValueError("YOUTUBE_DOWNLOAD_DIR is not set")
        return cls(
            download_dir=settings.youtube_download_dir,
            section=settings.youtube_plex_section,
            allowed_hosts=settings.youtube_allowed_hosts,
            max_concurrent=settings.youtube_max_concurrent,
            max_items=settings.youtube_max_items,
            rate=settings.rate_limit_youtube,
            min_free_bytes=int(settings.youtube_min_free_gb * 2**30),
            plex_download_dir=settings.youtube_plex_path,
            max_subscriptions=settings.youtube_max_subscriptions,
            subscription_hours=settings.youtube_subscription_interval,
            stop_timeout=3.0,  # SIGTERM must finish well within Docker's 10 s
            shared_queue=settings.resolved_database_url.startswith("postgres"),
            lease_seconds=settings.cluster_lease_seconds,
            local_workers=settings.youtube_local_workers,
        )
