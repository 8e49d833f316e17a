"""Plex Media Server and plex.tv read with one aiohttp GET, and Plex's errors as ours.

What runs on a schedule (the health probe's identity, New on Plex's lists and posters, the
daily re-verification of linked accounts) reads Plex this way, so a bot that only watches
never loads plexapi and requests (about 17 MiB resident). The outcomes are plexapi's: 401
and 404 as its `Unauthorized` and `NotFound`, other statuses through the text of its
`BadRequest` ("(503) service_unavailable;"), network errors and timeouts as requests' were
described.
"""

from __future__ import annotations

import contextlib
import json
import re
import xml.etree.ElementTree as ET
from http import HTTPStatus
from typing import Any

import aiohttp
from yarl import URL

from bot.clients.neterrors import describe_network_error
from bot.errors import ServiceRejected, ServiceUnavailable

_STATUS = re.compile(r"^\((\d{3})\)")


async def get(
    base_url: str,
    path: str,
    params: dict[str, str] | None = None,
    *,
    headers: dict[str, str],
    timeout: float,
    service: str = "Plex",
    http: aiohttp.ClientSession | None = None,
) -> bytes:
    """The body of `path`, asked with these headers (`X-Plex-Token` and the like), on the
    bot's shared session (`http`), else on one made for this request."""
    url = URL(base_url.rstrip("/") + path).update_query(params or {})
    try:
        async with contextlib.AsyncExitStack() as stack:
            if http is None:
                http = await stack.enter_async_context(aiohttp.ClientSession())
            limit = aiohttp.ClientTimeout(total=timeout)
            response = await stack.enter_async_context(
                http.get(url, headers=headers, timeout=limit)
            )
            body = await response.read()
    except TimeoutError as exc:
        where = f"cannot connect to {url.host}:{url.port}: " if url.host else ""
        raise ServiceUnavailable(service, f"{where}timed out") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise ServiceUnavailable(service, describe_network_error(exc)) from exc
    if response.status not in (200, 201, 204):
        raise from_bad_request(service, status_text(response.status))
    return body


async def xml(
    base_url: str,
    token: str,
    path: str,
    params: dict[str, str] | None = None,
    *,
    timeout: float,
    http: aiohttp.ClientSession | None = None,
) -> ET.Element:
    """The server's XML at `path`, asked with the owner's token; not XML: not Plex answering."""
    headers = {"X-Plex-Token": token}
    body = await get(base_url, path, params, headers=headers, timeout=timeout, http=http)
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise ServiceUnavailable("Plex", describe_network_error(exc)) from exc


async def json_of(
    base_url: str,
    path: str,
    params: dict[str, str] | None,
    headers: dict[str, str],
    timeout: float,
    http: aiohttp.ClientSession | None = None,
    service: str = "plex.tv",
) -> Any:
    """plex.tv's JSON at `path` (its v2 API answers JSON when asked with Accept)."""
    asked = {**headers, "Accept": "application/json"}
    body = await get(
        base_url, path, params, headers=asked, timeout=timeout, service=service, http=http
    )
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ServiceUnavailable(service, "the answer was not JSON") from exc


def from_bad_request(service: str, text: str) -> Exception:
    """plexapi puts the status first, as in "(404) not_found <url>; <body>"."""
    match = _STATUS.match(text)
    status = int(match.group(1)) if match else 400
    # Only the status and its name: the rest holds URLs and bodies we do not want in logs.
    detail = text.split(" ", 2)[1] if match and " " in text else "bad request"
    if status >= 500 or status == 429:
        return ServiceUnavailable(service, f"HTTP {status} {detail}")
    if status == 401:
        return ServiceRejected(service, 401, "Plex rejected the token.")
    if status == 404:
        return ServiceRejected(service, 404, "Plex could not find that.")
    return ServiceRejected(service, status, f"Plex refused the request (HTTP {status}).")


def status_text(status: int) -> str:
    """What plexapi's BadRequest says first: "(503) service_unavailable;" (requests' names)."""
    try:
        name = HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        name = "unknown"
    return f"({status}) {name};"
