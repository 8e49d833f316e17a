"""The web server: health endpoints, security headers, body cap, error pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.web import build_web_app, start_web


class Readiness:
    """A readiness source whose answer the test sets."""

    def __init__(self) -> None:
        self.checks = {"discord": True, "database": True}

    async def __call__(self) -> dict[str, bool]:
        return dict(self.checks)


async def boom(request: web.Request) -> web.Response:
    raise RuntimeError("secret internals /home/bot/app.py line 42")


async def echo(request: web.Request) -> web.Response:
    return web.Response(body=await request.read())


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Readiness]]:
    readiness = Readiness()
    app = build_web_app(readiness, max_body=2048)
    app.router.add_get("/boom", boom)
    app.router.add_post("/echo", echo)
    runner, port = await start_web(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}", readiness
    finally:
        await runner.cleanup()


async def test_healthz_answers_ok_with_security_headers(server: tuple[str, Readiness]) -> None:
    """/healthz is 200 and carries nosniff, a strict CSP and no-referrer."""
    url, _ = server
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as resp:
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")


async def test_readyz_reflects_each_check(server: tuple[str, Readiness]) -> None:
    """/readyz is 200 when every check passes and 503 naming the failing one otherwise."""
    url, readiness = server
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/readyz") as resp:
            assert resp.status == 200
        readiness.checks["discord"] = False
        async with http.get(f"{url}/readyz") as resp:
            assert resp.status == 503
            assert await resp.json() == {
                "ready": False,
                "checks": {"discord": False, "database": True},
            }


async def test_unexpected_error_shows_no_stack_trace(server: tuple[str, Readiness]) -> None:
    """A crashing handler gives a short 500 without internals, as JSON or HTML by Accept."""
    url, _ = server
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/boom") as resp:
            assert resp.status == 500
            assert await resp.json() == {"error": "Internal Server Error"}
        async with http.get(f"{url}/boom", headers={"Accept": "text/html"}) as resp:
            text = await resp.text()
            assert resp.status == 500
            assert "Internal Server Error" in text
            assert "secret internals" not in text and "Traceback" not in text
            assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_oversized_body_is_refused(server: tuple[str, Readiness]) -> None:
    """A body over the cap is answered 413 and never reaches the handler."""
    url, _ = server
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/echo", data=b"x" * 1000) as resp:
            assert resp.status == 200
        async with http.post(f"{url}/echo", data=b"x" * 5000) as resp:
            assert resp.status == 413
            assert (await resp.json())["error"].startswith("Request Entity Too Large")


async def test_unknown_path_is_a_short_404(server: tuple[str, Readiness]) -> None:
    """Unknown paths get a 404 in the same short format."""
    url, _ = server
    async with aiohttp.ClientSession() as http, http.get(f"{url}/nope") as resp:
        assert resp.status == 404
        assert await resp.json() == {"error": "Not Found"}
