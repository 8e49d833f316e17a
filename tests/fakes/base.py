"""A loopback HTTP server that a test can stop and start again on the same port."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class SeenRequest:
    """One request a fake received, kept so tests can assert what was sent."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    json: Any = field(default=None)


class LoopbackServer:
    """Base for the fakes: an aiohttp app on 127.0.0.1, port chosen once and kept.

    `stop()` then `start()` simulates an outage and a recovery on the same URL.
    Subclasses implement `build_app()`; `self.requests` records every request.
    """

    def __init__(self) -> None:
        self.port = 0
        self.requests: list[SeenRequest] = []
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        app = self.build_app()
        app.middlewares.append(self._record)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def seen(self, method: str, path_prefix: str) -> list[SeenRequest]:
        """The recorded requests with this method whose path starts with the prefix."""
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        parsed: Any = None
        if body and request.content_type == "application/json":
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        self.requests.append(
            SeenRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=body,
                json=parsed,
            )
        )
        return await handler(request)
