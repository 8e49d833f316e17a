"""One probe per dependency: each answers OK or FAIL with a reason and a latency.

Used by `python -m bot check` and by the scheduled health checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.clients.neterrors import describe_network_error
from bot.clients.overseerr import OverseerrClient
from bot.clients.overseerr.server import server
from bot.clients.plex import PlexClient
from bot.clients.ytdlp import cookies_readable, runtime
from bot.clients.ytdlp.runtime import MAX_AGE_DAYS, UPDATE_HINT
from bot.errors import MediaNestError, ServiceRejected
from bot.services.ratelimit import RateLimiter
from storage import db


@dataclass(frozen=True)
class ProbeResult:
    name: str
    ok: bool
    detail: str
    latency_ms: float | None = None
    warning: bool = False  # works, but something wants an admin's attention


Probe = Callable[[], Awaitable[str]]


async def run_probe(name: str, probe: Probe, timeout: float = 10.0) -> ProbeResult:
    """Run one probe with a timeout; any error becomes a FAIL with a short reason."""
    start = time.perf_counter()
    try:
        detail = await asyncio.wait_for(probe(), timeout)
    except TimeoutError:
        return ProbeResult(name, False, f"no answer within {timeout:g} s")
    except MediaNestError as exc:
        return ProbeResult(name, False, str(exc))
    except OSError as exc:
        return ProbeResult(name, False, describe_network_error(exc))
    except Exception as exc:
        return ProbeResult(name, False, f"{type(exc).__name__}: {exc}"[:300])
    return ProbeResult(name, True, detail, (time.perf_counter() - start) * 1000)


async def run_probes(probes: Mapping[str, Probe], timeout: float = 10.0) -> list[ProbeResult]:
    """Every probe at once, each with its own timeout; results in the probes' order."""
    return list(await asyncio.gather(*(run_probe(n, p, timeout) for n, p in probes.items())))


def database_probe() -> Probe:
    async def probe() -> str:
        return f"round trip {await db.ping() * 1000:.1f} ms"

    return probe


class CredentialRefused(MediaNestError):
    """A service refused the credential a setting holds; the message names the setting."""


@contextlib.contextmanager
def naming_refusal(setting: str) -> Iterator[None]:
    """Turn a 401/403 into a line that names the setting to fix."""
    try:
        yield
    except ServiceRejected as exc:
        if exc.status not in (401, 403):
            raise
        raise CredentialRefused(f"{setting} was refused (HTTP {exc.status})") from exc


def plex_probe(plex: PlexClient) -> Probe:
    async def probe() -> str:
        with naming_refusal("PLEX_TOKEN"):
            identity = await plex.identity()
        return f"{identity.name} (version {identity.version})"

    return probe


def overseerr_probe(overseerr: OverseerrClient) -> Probe:
    async def probe() -> str:
        with naming_refusal("OVERSEERR_API_KEY"):
            found = await server(overseerr)
            await overseerr.me()
        return f"{found}, API key accepted"

    return probe


def redis_probe(limiter: RateLimiter) -> Probe:
    """Redis through the rate limiter's own connection (no new pool per check)."""

    async def probe() -> str:
        if not await limiter.healthy():
            raise ConnectionError("no PING answer")
        return "PING answered"

    return probe


def disk_probe(setting: str, path: Path, min_free_bytes: int) -> Probe:
    """The folder `setting` names exists, is writable and has room; it is never created here
    (a typo'd YOUTUBE_DOWNLOAD_DIR must fail, not appear)."""

    async def probe() -> str:
        return await asyncio.to_thread(_check_dir, setting, path, min_free_bytes)

    return probe


def _check_dir(setting: str, path: Path, min_free_bytes: int) -> str:
    where = f"{setting} {path}"
    if not path.is_dir():
        raise FolderProblem(f"{where} does not exist: create it or fix {setting}")
    try:
        fd, name = tempfile.mkstemp(dir=path, prefix=".write-test-")
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise FolderProblem(f"{where} is not writable by uid {os.geteuid()} ({reason})") from exc
    os.close(fd)
    os.unlink(name)
    free = shutil.disk_usage(path).free
    if free < min_free_bytes:
        raise FolderProblem(
            f"{where}: only {free / 2**30:.1f} GiB free (floor {min_free_bytes / 2**30:.1f} GiB)"
        )
    return f"{where} writable, {free / 2**30:.1f} GiB free"


class FolderProblem(MediaNestError):
    """A configured folder is missing, unwritable or full; the message names its setting."""


def cookies_probe(path: Path) -> Probe:
    """YOUTUBE_COOKIES_FILE is a readable Netscape cookie file (its contents never shown)."""

    async def probe() -> str:
        problem = await asyncio.to_thread(cookies_readable, path)
        if problem is not None:
            raise OSError(f"YOUTUBE_COOKIES_FILE {problem}")
        return "YOUTUBE_COOKIES_FILE is a readable cookie file"

    return probe


def gateway_probe(latency: Callable[[], float | None]) -> Probe:
    """The Discord gateway connection: `latency()` gives seconds, None when disconnected."""

    async def probe() -> str:
        seconds = latency()
        if seconds is None or seconds != seconds or seconds == float("inf"):
            raise ConnectionError("gateway not connected")
        return f"gateway latency {seconds * 1000:.0f} ms"

    return probe


async def youtube_result(today: date | None = None) -> ProbeResult:
    """`check`'s youtube line: yt-dlp with its JavaScript runtime and EJS scripts, and its age."""
    found = await asyncio.to_thread(runtime)
    problem = found.problem()
    if problem:
        return ProbeResult("youtube", False, problem)
    age = found.age_days(today)
    if age > MAX_AGE_DAYS:
        return ProbeResult(
            "youtube",
            True,
            f"{found.summary()}: yt-dlp is {age} days old, {UPDATE_HINT}",
            warning=True,
        )
    return ProbeResult("youtube", True, found.summary())
