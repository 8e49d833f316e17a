"""YouTube to Plex: queue a playlist, download it with yt-dlp, file it in Plex as a collection.

`queue` checks the URL before anything is fetched, applies the per-user cap and the rate
limit, lists the playlist (flat, in a thread) and stores a job with one item per video.
A pool of workers takes jobs in order; each item is retried with backoff and a job ends
COMPLETED, PARTIAL or FAILED. A job whose disk runs low is PAUSED until `resume_paused`
sees room again. `stop` leaves jobs resumable (RUNNING → QUEUED, `.part` files kept);
`cancel` stops one for good and deletes its partial files. When a job ends its folder is
scanned into the Plex section and gathered in a collection; if Plex is down,
`sync_plex_pending` does it later. Progress goes to a `ProgressSink` at most once every
`progress_every` seconds per job (plus the final state); DMs and announcements go
through the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import re
import shutil
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from tortoise.transactions import in_transaction

from bot.clients.plex import PlexClient
from bot.clients.ytdlp import Cancelled, DownloadFailed, Entry, Progress, YtDlp, safe_name
from bot.errors import DependencyError, InvalidInput, NotAllowed
from bot.services.outbox import Outbox
from bot.services.ratelimit import RateLimiter
from bot.services.retry import RetryPolicy
from storage.models import DownloadItem, DownloadJob, ItemStatus, JobStatus

log = logging.getLogger(__name__)

NOT_YOUTUBE = "That's not a YouTube video or playlist URL."
# Hosts whose URLs must have a video or playlist shape; other allowed hosts (tests) need not.
YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
)
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_LIST_ID = re.compile(r"[A-Za-z0-9_-]{2,80}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]])")
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED)
FINISHED = (JobStatus.COMPLETED, JobStatus.PARTIAL, JobStatus.FAILED, JobStatus.CANCELLED)
ITEM_RETRY = RetryPolicy(base=10.0, cap=300.0)
ARCHIVE = ".yt-dlp-archive.txt"
RATE_NAME = "youtube"
# How long a finished job keeps being offered to Plex before we stop trying.
PLEX_GIVE_UP = timedelta(days=2)
_STOP_RANK = {"pause": 1, "stop": 2, "cancel": 3}


def now() -> datetime:
    return datetime.now(UTC)


# -- URL checks -------------------------------------------------------------------------


def _refuse() -> InvalidInput:
    return InvalidInput(NOT_YOUTUBE)


def _host_entry(entry: str) -> tuple[str, int | None]:
    """An allowed-host entry as (host, port): `host`, `host:port` or `[v6]:port`."""
    text = entry.strip().lower()
    parts = urlsplit(f"//{text}")
    try:
        return (parts.hostname or text), parts.port
    except ValueError:
        return text, None


def check_url(url: str, allowed_hosts: Sequence[str]) -> str:
    """The URL to fetch, rebuilt from its checked parts; InvalidInput for anything else.

    Rules, in order: http(s) only; no userinfo, whitespace, backslashes or control
    characters; the host must equal an entry of `allowed_hosts` (case-insensitive, no
    wildcards), so IP literals pass only when listed exactly and link-local, multicast,
    reserved or unspecified addresses never pass. A bare `host` entry allows the scheme's
    default port only; a `host:port` entry (tests: `127.0.0.1:<port>`) allows that port.
    YouTube hosts must point at a video (`watch?v=`, `youtu.be/ID`, `/shorts/ID`) or a
    playlist (`/playlist?list=`), and come back in canonical www.youtube.com form with
    nothing else (no fragment: yt-dlp reads smuggled data there). Other hosts keep their
    path and query, without the fragment.
    """
    text = url.strip()
    if not text or len(text) > 2000 or any(c.isspace() or c == "\\" for c in text):
        raise _refuse()
    if _CONTROL.search(text):
        raise _refuse()
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise _refuse() from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or "@" in parts.netloc:
        raise _refuse()
    host = (parts.hostname or "").lower()
    if not host:
        raise _refuse()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and (
        address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    ):
        raise _refuse()
    default_port = 443 if scheme == "https" else 80
    effective = port if port is not None else default_port
    entries = {_host_entry(h) for h in allowed_hosts}
    if not (
        (host, effective) in entries or (effective == default_port and (host, None) in entries)
    ):
        raise _refuse()
    if host in YOUTUBE_HOSTS:
        return _youtube_url(host, parts.path, parts.query)
    netloc = parts.netloc.lower()
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _youtube_url(host: str, path: str, query: str) -> str:
    """The canonical URL of a YouTube video or playlist, or InvalidInput."""
    params = parse_qs(query, keep_blank_values=True)

    def one(name: str, pattern: re.Pattern[str]) -> str | None:
        values = params.get(name)
        if values is None:
            return None
        if len(values) != 1 or not pattern.fullmatch(values[0]):
            raise _refuse()
        return values[0]

    segments = [s for s in path.split("/") if s]
    video: str | None = None
    if host == "youtu.be":
        if len(segments) != 1 or not _VIDEO_ID.fullmatch(segments[0]):
            raise _refuse()
        video = segments[0]
    elif segments == ["watch"]:
        video = one("v", _VIDEO_ID)
        if video is None:
            raise _refuse()
    elif len(segments) == 2 and segments[0] == "shorts" and _VIDEO_ID.fullmatch(segments[1]):
        video = segments[1]
    elif segments != ["playlist"]:
        raise _refuse()
    playlist = one("list", _LIST_ID)
    if video is None and playlist is None:
        raise _refuse()
    if video is None:
        return "https://www.youtube.com/playlist?" + urlencode({"list": playlist})
    wanted = {"v": video, **({"list": playlist} if playlist else {})}
    return "https://www.youtube.com/watch?" + urlencode(wanted)


def _clean(text: str, limit: int) -> str:
    """One line of text without control characters, cut to `limit`."""
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


def _md(text: str) -> str:
    """Text with Discord markdown characters escaped, so titles show as typed."""
    return _MARKDOWN.sub(r"\\\1", _clean(text, 300))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def human_bytes(size: float) -> str:
    """1536 → "1.5 KB"."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


# -- progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobProgress:
    """Where a job stands, for the progress message and `/downloads`."""

    job_id: int
    discord_id: int
    title: str
    collection: str
    status: JobStatus
    done: int
    failed: int
    total: int
    current_title: str | None = None
    downloaded: int | None = None  # bytes of the current video
    size: int | None = None  # total bytes of the current video, when known
    speed: float | None = None  # bytes per second
    eta: float | None = None  # seconds left on the current video
    channel_id: int | None = None
    progress_message_id: int | None = None
    message: str | None = None  # why it paused, failed or was cancelled
    plex_synced: bool = False

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def fraction(self) -> float:
        """How much of the job is behind us, 0..1 (the current video counts in part)."""
        if self.total <= 0:
            return 1.0
        current = 0.0
        if self.downloaded is not None and self.size:
            current = min(1.0, self.downloaded / self.size)
        return min(1.0, (self.done + self.failed + current) / self.total)

    def bar(self, width: int = 20) -> str:
        """A text progress bar such as `▰▰▰▱▱▱ 50%`."""
        filled = round(self.fraction * width)
        return "▰" * filled + "▱" * (width - filled) + f" {self.fraction:.0%}"


class ProgressSink(Protocol):
    async def job_progress(self, progress: JobProgress) -> None:
        """Show the job's progress (the Discord side edits the progress message)."""
        ...


@dataclass
class _Run:
    """A job being worked on in this process."""

    job: DownloadJob
    total: int
    done: int
    failed: int
    cancel: threading.Event = field(default_factory=threading.Event)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    reason: str | None = None  # pause | stop | cancel
    current: str | None = None
    progress: Progress | None = None
    last_sent: float = float("-inf")
    space_checked: float = float("-inf")
    timer: asyncio.TimerHandle | None = None

    def stop(self, reason: str) -> None:
        """Ask the run to stop; a cancel outranks a stop, which outranks a pause."""
        if self.reason is None or _STOP_RANK[reason] > _STOP_RANK[self.reason]:
            self.reason = reason
        self.cancel.set()
        self.wake.set()


def _disk_free(path: Path) -> int:
    return shutil.disk_usage(path).free


class DownloadService:
    """The /youtube download queue."""

    sink: ProgressSink | None = None

    def __init__(
        self,
        ytdlp: YtDlp,
        plex: PlexClient,
        outbox: Outbox,
        limiter: RateLimiter,
        *,
        download_dir: Path,
        section: str | None,
        allowed_hosts: Sequence[str],
        max_concurrent: int = 2,
        max_items: int = 200,
        rate: str = "3/day",
        per_user_queued: int = 2,
        item_retries: int = 3,
        min_free_bytes: int = 2 * 2**30,
        notify_channel_id: int | None = None,
        health_channel_id: int | None = None,
        progress_every: float = 3.0,
        plex_download_dir: str | None = None,
        plex_wait: float = 60.0,
        plex_poll: float = 2.0,
        retry_policy: RetryPolicy = ITEM_RETRY,
        ytdlp_retries: int = 3,
        free_space: Callable[[Path], int] = _disk_free,
        space_check_every: float = 5.0,
        idle_poll: float = 30.0,
        stop_timeout: float = 10.0,
        cancel_wait: float = 5.0,
    ) -> None:
        self.ytdlp = ytdlp
        self.plex = plex
        self.outbox = outbox
        self.limiter = limiter
        self.download_dir = download_dir.resolve()
        self.section = section
        self.allowed_hosts = [h.strip().lower() for h in allowed_hosts if h.strip()]
        self.max_concurrent = max_concurrent
        self.max_items = max_items
        self.rate = rate
        self.per_user_queued = per_user_queued
        self.item_retries = item_retries
        self.min_free_bytes = min_free_bytes
        self.notify_channel_id = notify_channel_id
        self.health_channel_id = health_channel_id
        self.progress_every = progress_every
        # Where Plex sees download_dir, when its mount differs from ours (Docker).
        self.plex_download_dir = plex_download_dir
        self.plex_wait = plex_wait
        self.plex_poll = plex_poll
        self.retry_policy = retry_policy
        self.ytdlp_retries = ytdlp_retries
        self.free_space = free_space
        self.space_check_every = space_check_every
        self.idle_poll = idle_poll
        self.stop_timeout = stop_timeout
        self.cancel_wait = cancel_wait
        self._runs: dict[int, _Run] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # claiming and cancelling jobs
        self._user_locks: dict[int, asyncio.Lock] = {}
        self._stopping = False

    # -- queueing -----------------------------------------------------------------------

    async def queue(
        self,
        discord_id: int,
        url: str,
        collection: str | None,
        channel_id: int | None,
        *,
        exempt: bool = False,
    ) -> DownloadJob:
        """Check, list and store a playlist download; `exempt` skips the cap and rate limit."""
        checked = check_url(url, self.allowed_hosts)
        wanted = _clean(collection or "", 200)
        lock = self._user_locks.setdefault(discord_id, asyncio.Lock())
        async with lock:
            if not exempt:
                await self._check_cap(discord_id)
                await self.limiter.hit(RATE_NAME, self.rate, discord_id, what="YouTube downloads")
            try:
                playlist = await self.ytdlp.list_playlist(checked, limit=self.max_items + 1)
            except DownloadFailed as exc:
                raise InvalidInput(
                    f"I couldn't read that playlist ({_clean(exc.reason, 200)}). "
                    "Check that it's public, then try again."
                ) from exc
            if len(playlist.entries) > self.max_items:
                count = playlist.count if playlist.count and playlist.count > self.max_items else 0
                size = str(count) if count else f"more than {self.max_items}"
                raise InvalidInput(
                    f"That playlist has {size} videos; I can take at most {self.max_items}. "
                    "Try a shorter playlist."
                )
            entries = [e for e in playlist.entries if self._entry_allowed(e)]
            if not entries:
                raise InvalidInput("I found no videos I can download there.")
            title = _clean(playlist.title, 500) or "YouTube"
            folder = self._folder_for(title, checked)
            async with in_transaction():
                job = await DownloadJob.create(
                    discord_id=discord_id,
                    url=checked,
                    title=title,
                    collection=wanted or _clean(title, 200),
                    folder=str(folder),
                    status=JobStatus.QUEUED,
                    channel_id=channel_id,
                    description=playlist.description[:5000] or None,
                )
                await DownloadItem.bulk_create(
                    [
                        DownloadItem(
                            job_id=job.id,
                            position=n,
                            video_id=e.video_id[:255],
                            title=_clean(e.title, 500) or e.video_id[:255],
                            url=e.url,
                            status=ItemStatus.QUEUED,
                        )
                        for n, e in enumerate(entries, start=1)
                    ]
                )
        log.info("youtube: job %s queued by %s: %s items", job.id, discord_id, len(entries))
        self._wake.set()
        return job

    async def _check_cap(self, discord_id: int) -> None:
        active = await DownloadJob.filter(discord_id=discord_id, status__in=ACTIVE).count()
        if active >= self.per_user_queued:
            raise InvalidInput(
                f"You already have {_plural(active, 'YouTube download')} queued or running. "
                "Wait for one to finish, or cancel one in `/downloads`."
            )

    def _entry_allowed(self, entry: Entry) -> bool:
        """Entries are fetched later, so they pass the same host check as the playlist."""
        try:
            check_url(entry.url, self.allowed_hosts)
        except InvalidInput:
            log.info("youtube: skipping entry %r on a host that is not allowed", entry.video_id)
            return False
        return True

    def _folder_for(self, title: str, url: str) -> Path:
        """`download_dir/<safe title>`, checked to be a folder directly inside download_dir."""
        fallback = "playlist-" + hashlib.sha1(url.encode()).hexdigest()[:8]
        folder = (self.download_dir / safe_name(title, fallback)).resolve()
        if folder.parent != self.download_dir:
            raise InvalidInput("That playlist's name can't be used as a folder name.")
        return folder

    def _folder_of(self, job: DownloadJob) -> Path | None:
        folder = Path(job.folder).resolve()
        return folder if folder.parent == self.download_dir else None

    def _inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.download_dir)

    async def set_progress_message(self, job_id: int, message_id: int) -> None:
        """Remember the message that shows this job's progress."""
        async with self._lock:  # so a worker claiming the job right now reads the new id
            await DownloadJob.filter(id=job_id).update(progress_message_id=message_id)
            run = self._runs.get(job_id)
        if run is not None:
            run.job.progress_message_id = message_id
            self._changed(run)

    # -- reading ------------------------------------------------------------------------

    async def progress(self, job_id: int) -> JobProgress | None:
        """Where one job stands, or None if there is no such job."""
        job = await DownloadJob.get_or_none(id=job_id)
        return None if job is None else await self._progress_of(job)

    async def list_jobs(self, discord_id: int | None, *, limit: int = 10) -> list[JobProgress]:
        """Active jobs (oldest first), then those finished in the last day; None = everyone's."""
        mine = (
            DownloadJob.filter()
            if discord_id is None
            else DownloadJob.filter(discord_id=discord_id)
        )
        active = await mine.filter(status__in=ACTIVE).order_by("id").limit(limit)
        recent = await (
            mine.filter(status__in=FINISHED, finished_at__gte=now() - timedelta(days=1))
            .order_by("-finished_at")
            .limit(max(0, limit - len(active)))
        )
        return [await self._progress_of(job) for job in [*active, *recent]]

    async def _progress_of(self, job: DownloadJob) -> JobProgress:
        run = self._runs.get(job.id)
        if run is not None:
            return self._snapshot(run)
        statuses = await DownloadItem.filter(job_id=job.id).values_list("status", flat=True)
        return _progress(
            job,
            total=len(statuses),
            done=sum(s == ItemStatus.DONE for s in statuses),
            failed=sum(s == ItemStatus.FAILED for s in statuses),
        )

    def _snapshot(self, run: _Run) -> JobProgress:
        p = run.progress
        return _progress(
            run.job,
            total=run.total,
            done=run.done,
            failed=run.failed,
            current=run.current if run.job.status == JobStatus.RUNNING else None,
            progress=p if run.job.status == JobStatus.RUNNING else None,
        )

    # -- workers ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers; jobs a crash left RUNNING are queued again first."""
        if self._workers:
            return
        await asyncio.to_thread(self.download_dir.mkdir, parents=True, exist_ok=True)
        resumed = await DownloadJob.filter(status=JobStatus.RUNNING).update(status=JobStatus.QUEUED)
        await DownloadItem.filter(status=ItemStatus.DOWNLOADING).update(status=ItemStatus.QUEUED)
        if resumed:
            log.info("youtube: resuming %s interrupted jobs", resumed)
        self._stopping = False
        self._workers = [
            asyncio.create_task(self._worker(), name=f"youtube-worker-{n}")
            for n in range(self.max_concurrent)
        ]

    async def stop(self) -> None:
        """Stop the workers promptly; running jobs go back to QUEUED with their .part files."""
        self._stopping = True
        for run in list(self._runs.values()):
            run.stop("stop")
        self._wake.set()
        workers, self._workers = self._workers, []
        if workers:
            _, pending = await asyncio.wait(workers, timeout=self.stop_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        tasks = list(self._tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=self.stop_timeout)

    async def _worker(self) -> None:
        while not self._stopping:
            try:
                run = await self._claim()
            except Exception:
                log.exception("youtube: could not claim a job")
                run = None
            if run is not None:
                await self._run_safely(run)
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.idle_poll)
            except TimeoutError:
                with contextlib.suppress(Exception):
                    await self.resume_paused()
            self._wake.clear()

    async def _claim(self) -> _Run | None:
        """Take the oldest queued job, if any."""
        async with self._lock:
            if self._stopping:
                return None
            while True:
                job = await DownloadJob.filter(status=JobStatus.QUEUED).order_by("id").first()
                if job is None:
                    return None
                taken = await DownloadJob.filter(id=job.id, status=JobStatus.QUEUED).update(
                    status=JobStatus.RUNNING
                )
                if taken:
                    break
            job.status = JobStatus.RUNNING
            statuses = await DownloadItem.filter(job_id=job.id).values_list("status", flat=True)
            run = _Run(
                job,
                total=len(statuses),
                done=sum(s == ItemStatus.DONE for s in statuses),
                failed=sum(s == ItemStatus.FAILED for s in statuses),
            )
            self._runs[job.id] = run
            return run

    async def _run_safely(self, run: _Run) -> None:
        try:
            await self._run(run)
        except asyncio.CancelledError:
            raise  # stop() gave up waiting: start() queues the job again
        except Exception:
            log.exception("youtube: job %s failed unexpectedly", run.job.id)
            with contextlib.suppress(Exception):
                await self._end(run, JobStatus.FAILED, "Something went wrong on our side.")
        finally:
            if run.timer is not None:
                run.timer.cancel()
            self._runs.pop(run.job.id, None)
            run.finished.set()

    async def _run(self, run: _Run) -> None:
        job = run.job
        folder = self._folder_of(job)
        if folder is None:
            await self._end(run, JobStatus.FAILED, "Its folder is outside the download folder.")
            return
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        if job.error:  # a pause message from before
            job.error = None  # type: ignore[assignment]
            await job.save(update_fields=["error"])
        self._changed(run)
        items = await DownloadItem.filter(job_id=job.id).order_by("position")
        for item in items:
            if item.status in (ItemStatus.DONE, ItemStatus.FAILED, ItemStatus.CANCELLED):
                continue
            if run.reason is None and not await self._space_ok():
                run.stop("pause")
            if run.reason is not None:
                break
            await self._fetch(run, item, folder)
        if run.reason == "cancel":
            await self._end_cancelled(run, folder)
        elif run.reason == "stop":
            await DownloadJob.filter(id=job.id, status=JobStatus.RUNNING).update(
                status=JobStatus.QUEUED
            )
            log.info("youtube: job %s stopped, will resume", job.id)
        elif run.reason == "pause":
            await self._pause(run)
        else:
            await self._complete(run, folder)

    async def _fetch(self, run: _Run, item: DownloadItem, folder: Path) -> None:
        """Download one item, retrying with backoff; leaves it DONE, FAILED or QUEUED."""
        entry = Entry(item.video_id, item.title, item.url)
        run.current = item.title
        fields = ["status", "attempts", "error", "file_path"]
        while True:
            run.progress = None
            item.status = ItemStatus.DOWNLOADING
            item.attempts += 1
            await item.save(update_fields=fields)
            self._changed(run)
            try:
                downloaded = await self.ytdlp.download(
                    entry,
                    folder,
                    archive=folder / ARCHIVE,
                    on_progress=lambda p: self._on_progress(run, p),
                    cancel=run.cancel,
                    retries=self.ytdlp_retries,
                )
                path = downloaded.path
            except Cancelled:
                item.attempts -= 1  # an interruption is not a failed attempt
                item.status = ItemStatus.QUEUED
                await item.save(update_fields=fields)
                return
            except DownloadFailed as exc:
                reason = exc.reason
            except Exception as exc:  # a bug or an OS error must not stop the whole queue
                log.exception("youtube: item %s of job %s broke", item.id, run.job.id)
                reason = f"unexpected error ({type(exc).__name__})"
            else:
                if not self._inside(path):
                    await asyncio.to_thread(path.unlink, True)
                    reason = "its file name would leave the download folder"
                    item.attempts = self.item_retries + 1  # never worth retrying
                else:
                    item.status = ItemStatus.DONE
                    item.file_path = str(path)
                    item.error = None  # type: ignore[assignment]
                    await item.save(update_fields=fields)
                    run.done += 1
                    run.progress = None
                    self._changed(run)
                    return
            item.error = reason[:1000]
            if item.attempts > self.item_retries:
                item.status = ItemStatus.FAILED
                await item.save(update_fields=fields)
                run.failed += 1
                log.info("youtube: item %s of job %s failed: %s", item.id, run.job.id, reason)
                self._changed(run)
                return
            item.status = ItemStatus.QUEUED
            await item.save(update_fields=fields)
            delay = self.retry_policy.delay(item.attempts)
            log.info("youtube: item %s failed (%s), retry in %.1fs", item.id, reason, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.wake.wait(), delay)
            if run.reason is not None:
                return

    def _on_progress(self, run: _Run, progress: Progress) -> None:
        """Called on the loop for each progress report of the current download."""
        run.progress = progress
        loop = asyncio.get_running_loop()
        if loop.time() - run.space_checked >= self.space_check_every:
            run.space_checked = loop.time()
            self._spawn(self._check_space(run))
        self._changed(run)

    async def _check_space(self, run: _Run) -> None:
        if not await self._space_ok():
            run.stop("pause")

    async def _space_ok(self) -> bool:
        try:
            free = await asyncio.to_thread(self.free_space, self.download_dir)
        except OSError:
            log.warning("youtube: cannot read free space of %s", self.download_dir, exc_info=True)
            return True
        return free >= self.min_free_bytes

    # -- ends of a job ------------------------------------------------------------------

    async def _end(self, run: _Run, status: JobStatus, message: str | None) -> None:
        job = run.job
        job.status = status
        job.error = message  # type: ignore[assignment]
        job.finished_at = now() if status in FINISHED else None
        await job.save(update_fields=["status", "error", "finished_at", "updated_at"])
        await self._send_final(run)

    async def _complete(self, run: _Run, folder: Path) -> None:
        job = run.job
        failures = await DownloadItem.filter(job_id=job.id, status=ItemStatus.FAILED).order_by(
            "position"
        )
        if not failures:
            await self._end(run, JobStatus.COMPLETED, None)
        else:
            why = f"{_plural(len(failures), 'video')} failed, e.g. {failures[0].error or '?'}"
            status = JobStatus.PARTIAL if run.done else JobStatus.FAILED
            await self._end(run, status, why[:1000])
        log.info("youtube: job %s %s (%s/%s)", job.id, job.status, run.done, run.total)
        if run.done and await self._sync_plex(job, run.wake):
            await self._send_final(run)
        await self._notify(job, run.done, len(failures), run.total)

    async def _end_cancelled(self, run: _Run, folder: Path) -> None:
        await self._cancel_items(run.job, folder)
        run.current = None
        await self._end(run, JobStatus.CANCELLED, "Cancelled.")
        log.info("youtube: job %s cancelled", run.job.id)

    async def _cancel_items(self, job: DownloadJob, folder: Path | None) -> None:
        """Cancel unfinished items and delete their files, unless a done item shares them."""
        open_items = await DownloadItem.filter(
            job_id=job.id, status__in=(ItemStatus.QUEUED, ItemStatus.DOWNLOADING)
        )
        await DownloadItem.filter(id__in=[i.id for i in open_items]).update(
            status=ItemStatus.CANCELLED
        )
        if folder is None:
            return
        kept = set(
            await DownloadItem.filter(status=ItemStatus.DONE, job__folder=job.folder).values_list(
                "video_id", flat=True
            )
        )
        for item in open_items:
            if item.video_id not in kept:
                entry = Entry(item.video_id, item.title, item.url)
                for path in await self.ytdlp.discard(entry, folder):
                    log.info("youtube: removed partial file %s", path.name)

    async def _pause(self, run: _Run) -> None:
        job = run.job
        try:
            free = await asyncio.to_thread(self.free_space, self.download_dir)
        except OSError:
            free = 0
        message = (
            f"Paused: the download disk has only {human_bytes(free)} free "
            f"(it needs {human_bytes(self.min_free_bytes)}). It will carry on by itself "
            "once there's room."
        )
        await self._end(run, JobStatus.PAUSED, message)
        log.warning("youtube: job %s paused, %s free", job.id, human_bytes(free))
        if self.health_channel_id is not None:
            stamp = int(now().timestamp())
            await self.outbox.post(
                f"youtube:{job.id}:paused:{stamp}",
                self.health_channel_id,
                f"⚠️ YouTube download #{job.id} (**{_md(job.title)}**) is paused: the download "
                f"disk has {human_bytes(free)} free, below the {human_bytes(self.min_free_bytes)} "
                "floor. Free some space and it resumes by itself.",
            )

    async def resume_paused(self) -> int:
        """Queue paused jobs again when the disk has room; returns how many (scheduler job)."""
        if not await DownloadJob.filter(status=JobStatus.PAUSED).exists():
            return 0
        if not await self._space_ok():
            return 0
        resumed = await DownloadJob.filter(status=JobStatus.PAUSED).update(
            status=JobStatus.QUEUED, error=None
        )
        if resumed:
            log.info("youtube: disk has room again, %s paused jobs queued", resumed)
            self._wake.set()
        return resumed

    # -- cancelling ---------------------------------------------------------------------

    async def cancel(self, job_id: int, by_discord_id: int, *, is_admin: bool) -> bool:
        """Cancel a queued or running job (its owner or an admin); False if it had ended."""
        async with self._lock:
            job = await DownloadJob.get_or_none(id=job_id)
            if job is None:
                raise InvalidInput(f"There's no download #{job_id}.")
            if job.discord_id != by_discord_id and not is_admin:
                raise NotAllowed(
                    "Only the member who queued this download, or an admin, can cancel it."
                )
            if job.status in FINISHED:
                return False
            run = self._runs.get(job_id)
            if run is None:
                ended = await DownloadJob.filter(id=job_id, status__in=ACTIVE).update(
                    status=JobStatus.CANCELLED, error="Cancelled.", finished_at=now()
                )
                if not ended:
                    return False
        if run is not None:
            run.stop("cancel")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.finished.wait(), self.cancel_wait)
        else:
            await self._cancel_items(job, self._folder_of(job))
            await job.refresh_from_db()
            await self._send(await self._progress_of(job))
        log.info("youtube: job %s cancelled by %s", job_id, by_discord_id)
        if by_discord_id != job.discord_id:
            await self.outbox.dm(
                f"youtube:{job_id}:cancelled",
                job.discord_id,
                f"An admin cancelled your YouTube download **{_md(job.title)}**.",
            )
        return True

    # -- Plex ---------------------------------------------------------------------------

    async def sync_plex_pending(self) -> int:
        """File finished jobs that Plex missed (it was down) into Plex; returns how many."""
        jobs = await DownloadJob.filter(
            status__in=(JobStatus.COMPLETED, JobStatus.PARTIAL),
            plex_synced=False,
            finished_at__gte=now() - PLEX_GIVE_UP,
        ).order_by("id")
        synced = 0
        for job in jobs:
            if job.id in self._runs:
                continue
            if await self._sync_plex(job):
                synced += 1
                done = await DownloadItem.filter(job_id=job.id, status=ItemStatus.DONE).count()
                failed = await DownloadItem.filter(job_id=job.id, status=ItemStatus.FAILED).count()
                await self._notify(job, done, failed, done + failed)  # no-op unless it was lost
                await self._send(await self._progress_of(job))
            elif not await self._plex_up():
                break
        return synced

    async def _plex_up(self) -> bool:
        try:
            await self.plex.identity()
        except DependencyError:
            return False
        return True

    async def _sync_plex(self, job: DownloadJob, interrupt: asyncio.Event | None = None) -> bool:
        """Scan the job's folder, wait for its files in Plex, gather them in the collection."""
        if self.section is None:
            return False
        folder = self._folder_of(job)
        paths = (
            await DownloadItem.filter(job_id=job.id, status=ItemStatus.DONE)
            .order_by("position")
            .values_list("file_path", flat=True)
        )
        relative = [self._relative(str(p)) for p in paths if p]
        wanted = list(dict.fromkeys(p for p in relative if p))  # a playlist may repeat a video
        if folder is None or not wanted:
            return False
        scan = (
            f"{self.plex_download_dir.rstrip('/')}/{folder.name}"
            if self.plex_download_dir
            else str(folder)
        )
        try:
            await self.plex.refresh_section(self.section, scan)
            keys = await self._wait_in_plex(wanted, interrupt)
            if keys:
                summary = job.description or ""
                await self.plex.ensure_collection(self.section, job.collection, keys, summary)
        except DependencyError as exc:
            log.info("youtube: job %s not filed in Plex yet: %s", job.id, exc)
            return False
        if len(keys) < len(wanted):
            log.info("youtube: job %s: Plex shows %s of %s files", job.id, len(keys), len(wanted))
            return False
        job.plex_synced = True
        await job.save(update_fields=["plex_synced", "updated_at"])
        log.info("youtube: job %s filed in Plex as %r", job.id, job.collection)
        return True

    def _relative(self, path: str) -> str | None:
        """`<folder>/<file>` of a downloaded file, as Plex sees it under any mount."""
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self.download_dir):
            return None
        return resolved.relative_to(self.download_dir).as_posix()

    async def _wait_in_plex(self, wanted: list[str], interrupt: asyncio.Event | None) -> list[str]:
        """ratingKeys of the files once Plex lists them all, or of those it lists in time."""
        assert self.section is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.plex_wait
        while True:
            keys = await self.plex.find_files(self.section, wanted)
            if len(keys) >= len(wanted) or loop.time() >= deadline:
                return keys
            if interrupt is not None and interrupt.is_set():
                return keys
            await asyncio.sleep(self.plex_poll)

    # -- telling people -----------------------------------------------------------------

    async def _notify(self, job: DownloadJob, done: int, failed: int, total: int) -> None:
        """The requester's DM and the channel announcement (each sent once per job)."""
        title = _md(job.title)
        collection = _md(job.collection)
        if job.plex_synced:
            where = f" Find them in Plex in the collection **{collection}**."
        else:
            where = f" They'll show up in Plex in the collection **{collection}** soon."
        if job.status == JobStatus.COMPLETED:
            text = f"✅ Your YouTube download **{title}** is done: {_plural(done, 'video')}.{where}"
            post = f"📺 New in Plex: **{collection}** ({_plural(done, 'video')} from YouTube)"
        elif job.status == JobStatus.PARTIAL:
            text = (
                f"⚠️ Your YouTube download **{title}** finished with {done} of {total} videos; "
                f"{failed} couldn't be downloaded.{where}"
            )
            post = f"📺 New in Plex: **{collection}** ({done} of {total} videos from YouTube)"
        else:
            text = (
                f"❌ Your YouTube download **{title}** failed: none of its "
                f"{_plural(total, 'video')} could be downloaded. Check that the playlist plays "
                "in a browser, then try again."
            )
            post = f"A YouTube download (**{title}**) failed"
        await self.outbox.dm(f"youtube:{job.id}:finished", job.discord_id, text)
        if self.notify_channel_id is not None:
            await self.outbox.post(
                f"youtube:{job.id}:announced",
                self.notify_channel_id,
                f"{post}, requested by <@{job.discord_id}>.",
            )

    def _changed(self, run: _Run) -> None:
        """Send the run's progress now, or when `progress_every` has passed since the last."""
        if self.sink is None or run.timer is not None or run.finished.is_set():
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, run.last_sent + self.progress_every - loop.time())
        run.timer = loop.call_later(delay, self._timer_fired, run)

    def _timer_fired(self, run: _Run) -> None:
        run.timer = None
        # Stamp now, not when the spawned send runs: a change in between must wait its turn.
        run.last_sent = asyncio.get_running_loop().time()
        self._spawn(self._send_run(run))

    async def _send_run(self, run: _Run) -> None:
        async with run.send_lock:
            run.last_sent = asyncio.get_running_loop().time()
            await self._send(self._snapshot(run))

    async def _send_final(self, run: _Run) -> None:
        """Send the run's state now, after any send in flight, whatever the throttle says."""
        if run.timer is not None:
            run.timer.cancel()
            run.timer = None
        await self._send_run(run)

    async def _send(self, progress: JobProgress) -> None:
        if self.sink is None:
            return
        try:
            await self.sink.job_progress(progress)
        except Exception:
            log.exception("youtube: progress for job %s not shown", progress.job_id)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _progress(
    job: DownloadJob,
    *,
    total: int,
    done: int,
    failed: int,
    current: str | None = None,
    progress: Progress | None = None,
) -> JobProgress:
    return JobProgress(
        job_id=job.id,
        discord_id=job.discord_id,
        title=job.title,
        collection=job.collection,
        status=JobStatus(job.status),
        done=done,
        failed=failed,
        total=total,
        current_title=current,
        downloaded=progress.downloaded if progress else None,
        size=progress.total if progress else None,
        speed=progress.speed if progress else None,
        eta=progress.eta if progress else None,
        channel_id=job.channel_id,
        progress_message_id=job.progress_message_id,
        message=job.error,
        plex_synced=job.plex_synced,
    )
