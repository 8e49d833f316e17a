"""The aiohttp web server: health endpoints, security headers, small error pages.

Features add their own routes (OAuth callback, webhooks) to the application.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.config import WEBHOOK_PATH
from bot.errors import DependencyError, RateLimited, UserError
from bot.i18n import Lang
from bot.i18n.catalogs import from_accept_language
from bot.services.issues import Issues, is_issue_webhook
from bot.services.linking import LinkingService, LinkRefused
from bot.services.requests import InvalidWebhook, Requests

if TYPE_CHECKING:
    from bot.services.ratelimit import RateLimiter

log = logging.getLogger(__name__)

Readiness = Callable[[], Awaitable[dict[str, bool]]]
READINESS: web.AppKey[Readiness] = web.AppKey("readiness")
LINKING: web.AppKey[LinkingService] = web.AppKey("linking")
LIMITER: web.AppKey[RateLimiter] = web.AppKey("limiter")
PAGE_RATE = "20/minute"
CODE = re.compile(r"`([^`]+)`")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
}


def page(
    title: str,
    body: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    lang: str = "en",
) -> web.Response:
    """A small self-contained HTML page; `title` and `body` are escaped here.

    Text in backticks (our Discord-style command names) is shown as code.
    """
    shown = CODE.sub(r"<code>\1</code>", html.escape(body))
    text = PAGE.format(title=html.escape(title), body=shown, lang=lang.replace("_", "-"))
    return web.Response(text=text, status=status, content_type="text/html", headers=headers)


def _wants_html(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def error_response(request: web.Request, status: int, reason: str) -> web.Response:
    if _wants_html(request):
        return page(f"{status} {reason}", reason, status)
    return web.json_response({"error": reason}, status=status)


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response = await handler(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@web.middleware
async def error_pages(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn every error into a short page without a stack trace."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_response(request, exc.status, exc.reason)
        for name in ("Retry-After", "Allow"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:
        log.exception("web: unhandled error on %s %s", request.method, request.path)
        return error_response(request, 500, "Internal Server Error")


async def healthz(request: web.Request) -> web.Response:
    """The process is alive."""
    return web.json_response({"status": "ok"})


ROLE: web.AppKey[Callable[[], str]] = web.AppKey("role")


async def readyz(request: web.Request) -> web.Response:
    """Discord is connected and the database answers; `role` says leader, standby or single."""
    checks = await request.app[READINESS]()
    ready = all(checks.values())
    body: dict[str, Any] = {"ready": ready, "checks": checks}
    if ROLE in request.app:
        body["role"] = request.app[ROLE]()
    return web.json_response(body, status=200 if ready else 503)


async def limit_by_address(request: web.Request) -> None:
    """Refuse a client address that asks for these pages too often (429 with Retry-After)."""
    try:
        await request.app[LIMITER].hit("web", PAGE_RATE, request.remote or "unknown")
    except RateLimited as exc:
        wait = max(1, int((exc.retry_at - datetime.now(UTC)).total_seconds()) + 1)
        raise web.HTTPTooManyRequests(headers={"Retry-After": str(wait)}) from None


async def link_page(request: web.Request) -> web.StreamResponse:
    """`GET /link/{state}`: send the browser on to Plex's sign-in page."""
    await limit_by_address(request)
    t = reader(request)
    try:
        url = await request.app[LINKING].sign_in_url(request.match_info["state"])
    except UserError as exc:
        return page(t._("This link doesn't work"), t.render(exc.msg), 400, lang=t.code)
    return web.Response(status=302, headers={"Location": url})


async def plex_callback(request: web.Request) -> web.StreamResponse:
    """`GET /plex/callback?state=…`: Plex sent the browser back; finish the link."""
    await limit_by_address(request)
    t = reader(request)
    try:
        linked = await request.app[LINKING].complete(request.query.get("state", ""))
    except LinkRefused as exc:
        return page(t._("This Plex account can't be linked"), t.render(exc.msg), 403, lang=t.code)
    except UserError as exc:
        return page(t._("Linking didn't work"), t.render(exc.msg), 400, lang=t.code)
    except DependencyError:
        return page(
            t._("Plex isn't answering"),
            t._("Plex didn't answer just now. Reload this page in a minute to try again."),
            503,
            lang=t.code,
        )
    return page(
        t._("Linked!"),
        t._(
            "Linked as {name}. You can close this tab and go back to Discord.",
            name=linked.plex_username,
        ),
        lang=t.code,
    )


def reader(request: web.Request) -> Lang:
    """The page's language, from the browser's Accept-Language."""
    return from_accept_language(request.headers.get("Accept-Language"))


def add_link_routes(app: web.Application, linking: LinkingService, limiter: RateLimiter) -> None:
    """The two pages of the Plex sign-in flow."""
    app[LINKING] = linking
    app[LIMITER] = limiter
    app.router.add_get("/link/{state}", link_page)
    app.router.add_get("/plex/callback", plex_callback)


WEBHOOKS: web.AppKey[Requests] = web.AppKey("webhooks")
WEBHOOK_TOKEN: web.AppKey[str] = web.AppKey("webhook_token")


async def overseerr_webhook(request: web.Request) -> web.Response:
    """`POST /webhooks/overseerr`: Overseerr's webhook agent, authenticated by its header."""
    expected = request.app[WEBHOOK_TOKEN]
    given = request.headers.get("Authorization", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("webhook: refused a call with a wrong Authorization header")
        return web.json_response({"error": "unauthorized"}, status=401)
    try:
        payload = json.loads(await request.read())
        issues = request.app.get(ISSUE_WEBHOOKS)
        if issues is not None and is_issue_webhook(payload):  # ISSUE_* go to the issue service
            return web.json_response({"ok": True, "result": await issues.handle_webhook(payload)})
        result = await request.app[WEBHOOKS].handle_webhook(payload)
    except (ValueError, InvalidWebhook) as exc:
        log.warning("webhook: refused a malformed body: %s", str(exc)[:200])
        return web.json_response({"error": "malformed webhook body"}, status=400)
    arrived = request.app.get(MEDIA_ARRIVED)
    if arrived is not None and payload.get("notification_type") == "MEDIA_AVAILABLE":
        arrived()  # New on Plex checks Plex now instead of at its next interval
    heard = request.app.get(WEBHOOK_TEST_HEARD)
    if heard is not None and payload.get("notification_type") == "TEST_NOTIFICATION":
        heard()  # /setup waits for Overseerr's test to arrive
    return web.json_response({"ok": True, "result": result})


def add_webhook_route(app: web.Application, requests: Requests, token: str) -> None:
    """`POST /webhooks/overseerr`, accepting calls whose Authorization header is `token`."""
    app[WEBHOOKS] = requests
    app[WEBHOOK_TOKEN] = token
    app.router.add_post(WEBHOOK_PATH, overseerr_webhook)


WEBHOOK_TEST_HEARD: web.AppKey[Callable[[], None]] = web.AppKey("webhook_test_heard")


def add_webhook_test_listener(app: web.Application, heard: Callable[[], None]) -> None:
    """Call `heard()` whenever an authenticated TEST_NOTIFICATION arrives."""
    app[WEBHOOK_TEST_HEARD] = heard


MEDIA_ARRIVED: web.AppKey[Callable[[], None]] = web.AppKey("media_arrived")


def add_arrival_listener(app: web.Application, arrived: Callable[[], None]) -> None:
    """Call `arrived()` whenever an authenticated MEDIA_AVAILABLE webhook was applied."""
    app[MEDIA_ARRIVED] = arrived


ISSUE_WEBHOOKS: web.AppKey[Issues] = web.AppKey("issue_webhooks")


def add_issue_webhooks(app: web.Application, issues: Issues) -> None:
    """Hand ISSUE_* webhooks arriving on `/webhooks/overseerr` to the issue tracker."""
    app[ISSUE_WEBHOOKS] = issues


MetricsSource = Callable[[], Awaitable[str]]
METRICS: web.AppKey[MetricsSource] = web.AppKey("metrics")
METRICS_TOKEN: web.AppKey[str] = web.AppKey("metrics_token")


async def metrics(request: web.Request) -> web.Response:
    """`GET /metrics`: Prometheus text format, for `Authorization: Bearer <METRICS_TOKEN>` only."""
    given = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(given, f"Bearer {request.app[METRICS_TOKEN]}".encode()):
        return web.json_response(
            {"error": "unauthorized"},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    text = await request.app[METRICS]()
    return web.Response(
        text=text,
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def add_metrics_route(app: web.Application, source: MetricsSource, token: str) -> None:
    """`GET /metrics` for scrapers that send `token` as a bearer token; 401 for anyone else."""
    app[METRICS] = source
    app[METRICS_TOKEN] = token
    app.router.add_get("/metrics", metrics)


def build_web_app(readiness: Readiness, *, max_body: int = 64 * 1024) -> web.Application:
    """The application with the base routes; callers add feature routes."""
    app = web.Application(client_max_size=max_body, middlewares=[security_headers, error_pages])
    app[READINESS] = readiness
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


async def start_web(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving; returns the runner (to clean up) and the port actually bound."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    log.info("web server listening on %s:%s", host, bound)
    return runner, bound


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · MediaNest</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#1e1f22;color:#e6e6e6;
margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}}
main{{background:#2b2d31;border-radius:12px;padding:2rem 2.5rem;max-width:28rem;
box-shadow:0 8px 24px rgba(0,0,0,.35)}}
h1{{font-size:1.4rem;margin:0 0 .75rem;color:#e5a00d}}p{{line-height:1.5;margin:0}}
code{{background:#1e1f22;border-radius:4px;padding:.1rem .35rem}}
</style></head>
<body><main><h1>{title}</h1><p>{body}</p></main></body></html>
"""
