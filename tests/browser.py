"""Headless Chromium over the DevTools protocol: load a page, read what it shows, save PNGs."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

# The PNGs of the last run, for a developer to look at (ignored by git).
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = (390, 844)
DESKTOP = (1280, 800)
# Without the background-networking flags Chromium's own connections get refused on this network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
# What a member sees: the page's visible text, and whether the card fits the window.
SEEN = """(() => {
  const box = document.querySelector('main').getBoundingClientRect();
  return {text: document.body.innerText,
          fits: box.left >= 0 && box.top >= 0 && box.right <= innerWidth
                && box.bottom <= innerHeight && document.documentElement.scrollWidth <= innerWidth};
})()"""


def chromium_path() -> str | None:
    """Debian's chromium (or Ubuntu's chromium-browser), if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class Shown:
    """A page as Chromium showed it, per window size: visible text, whether it fits, the PNG."""

    text: dict[str, str]
    fits: dict[str, bool]
    pngs: dict[str, Path]


class Tab:
    """One page target's DevTools session; commands run one at a time, events are kept."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._next_id = 0
        self._events: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result, keeping the events that arrive meanwhile."""
        self._next_id += 1
        await self._ws.send_json({"id": self._next_id, "method": method, "params": params})
        while True:
            message = await self._receive()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message["result"])

    async def wait_event(self, method: str) -> None:
        """Return once the event `method` has arrived (or had arrived already)."""
        while method not in self._events:
            await self._receive()

    async def _receive(self) -> dict[str, Any]:
        message = await self._ws.receive()
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"DevTools connection ended: {message.type}")
        data: dict[str, Any] = json.loads(message.data)
        if "method" in data:
            self._events.append(data["method"])
        return data

    async def show(self, url: str, name: str) -> Shown:
        """Load `url`, read what it shows, save it as `name`-phone.png and `name`-desktop.png."""
        self._events.clear()
        async with asyncio.timeout(60):
            navigated = await self.call("Page.navigate", url=url)
            assert "errorText" not in navigated, navigated
            await self.wait_event("Page.loadEventFired")
            return await self._capture(name)

    async def _capture(self, name: str) -> Shown:
        text: dict[str, str] = {}
        fits: dict[str, bool] = {}
        pngs: dict[str, Path] = {}
        # The same loaded page at two sizes: a link page can be loaded only once.
        for size, (width, height) in (("phone", PHONE), ("desktop", DESKTOP)):
            await self.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=size == "phone",
            )
            seen = await self.call("Runtime.evaluate", expression=SEEN, returnByValue=True)
            text[size], fits[size] = (
                seen["result"]["value"]["text"],
                seen["result"]["value"]["fits"],
            )
            shot = await self.call("Page.captureScreenshot", format="png")
            path = SCREENSHOTS / f"{name}-{size}.png"
            path.write_bytes(base64.b64decode(shot["data"]))
            pngs[size] = path
        return Shown(text, fits, pngs)


@dataclass(frozen=True)
class Browser:
    """A running headless Chromium reachable on its DevTools port."""

    port: int

    @asynccontextmanager
    async def tab(self) -> AsyncIterator[Tab]:
        """A fresh tab for one test, closed afterwards."""
        base = f"http://127.0.0.1:{self.port}"
        async with aiohttp.ClientSession() as http:
            async with http.put(f"{base}/json/new?about:blank") as resp:
                target = await resp.json()
            try:
                async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    tab = Tab(ws)
                    await tab.call("Page.enable")
                    yield tab
            finally:
                async with http.get(f"{base}/json/close/{target['id']}"):
                    pass


@contextmanager
def headless_chromium(executable: str) -> Iterator[Browser]:
    """Start Chromium with a fresh profile; stop it and remove the profile afterwards.

    Chromium runs in a process group of its own: its helpers (zygote, renderers, crash
    handler) can outlive the main process and still write to the profile, so the whole
    group is stopped before the profile is removed.
    """
    profile = tempfile.mkdtemp(prefix="medianest-chromium-")
    proc = subprocess.Popen(
        [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield Browser(_devtools_port(Path(profile) / "DevToolsActivePort", proc))
    finally:
        _stop_group(proc)
        _remove(Path(profile))


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    with contextlib.suppress(ProcessLookupError):  # helpers that ignored SIGTERM
        os.killpg(proc.pid, signal.SIGKILL)


def _remove(profile: Path) -> None:
    """Remove the profile; a helper still exiting may write a last file, so try a few times."""
    for _ in range(20):
        try:
            shutil.rmtree(profile)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    shutil.rmtree(profile)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header; fails on anything that is not a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _devtools_port(announced: Path, proc: subprocess.Popen[bytes]) -> int:
    """The port Chromium writes to its profile once DevTools listens (port, then path)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Chromium exited with {proc.returncode} before DevTools started")
        lines = announced.read_text().split() if announced.exists() else []
        if len(lines) >= 2:
            return int(lines[0])
        time.sleep(0.05)
    raise RuntimeError("Chromium's DevTools did not start within 60 s")
