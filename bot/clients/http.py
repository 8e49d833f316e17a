"""Shared helpers for clients that speak JSON over aiohttp."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from bot.clients.neterrors import describe_network_error
from bot.errors import ServiceRejected, ServiceUnavailable


async def request_json(
    http: aiohttp.ClientSession,
    service: str,
    method: str,
    url: str,
    *,
    timeout: float = 10.0,
    **kwargs: Any,
) -> tuple[int, Any]:
    """Send a request; 5xx and network errors raise ServiceUnavailable, 4xx ServiceRejected."""
    try:
        async with http.request(
            method, url, timeout=aiohttp.ClientTimeout(total=timeout), **kwargs
        ) as resp:
            body = await _body(resp)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise ServiceUnavailable(service, _describe(exc)) from exc
    if resp.status >= 500:
        raise ServiceUnavailable(service, f"HTTP {resp.status}", status=resp.status)
    if resp.status >= 400:
        message = body.get("message") if isinstance(body, dict) else None
        raise ServiceRejected(service, resp.status, str(message or f"HTTP {resp.status}"))
    return resp.status, body


async def _body(resp: aiohttp.ClientResponse) -> Any:
    if resp.content_type == "application/json":
        try:
            return await resp.json()
        except ValueError:
            return None
    return await resp.text()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return describe_network_error(exc)
