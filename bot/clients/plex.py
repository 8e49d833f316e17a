"""Plex Media Server and plex.tv through plexapi. The only module that imports plexapi.

plexapi is synchronous, so every call runs in a thread.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass
from typing import Any, TypeVar

import plexapi.myplex
import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer

from bot.errors import ServiceRejected, ServiceUnavailable

PLEX_TV = "https://plex.tv"
T = TypeVar("T")
_original_urls: dict[tuple[type, str], str] = {}


def use_plex_tv(base_url: str) -> None:
    """Point plexapi's plex.tv URLs (class attributes in plexapi.myplex) at `base_url`."""
    base_url = base_url.rstrip("/")
    for _, cls in inspect.getmembers(plexapi.myplex, inspect.isclass):
        for name, value in list(vars(cls).items()):
            key = (cls, name)
            original = _original_urls.get(key, value)
            if isinstance(original, str) and original.startswith(PLEX_TV):
                _original_urls[key] = original
                setattr(cls, name, base_url + original.removeprefix(PLEX_TV))


@dataclass(frozen=True)
class ServerIdentity:
    machine_id: str
    name: str
    version: str


async def in_thread(service: str, func: Any, *args: Any) -> Any:
    """Run a plexapi call in a thread and turn its errors into ours."""
    try:
        return await asyncio.to_thread(func, *args)
    except Unauthorized as exc:
        raise ServiceRejected(service, 401, "Plex rejected the token.") from exc
    except NotFound as exc:
        raise ServiceRejected(service, 404, "Plex could not find that.") from exc
    except BadRequest as exc:
        raise _from_bad_request(service, exc) from exc
    except (requests.RequestException, OSError) as exc:
        raise ServiceUnavailable(service, type(exc).__name__) from exc


def _from_bad_request(service: str, exc: BadRequest) -> Exception:
    text = str(exc)
    if text.startswith(("(5", "5")):
        return ServiceUnavailable(service, text[:200])
    return ServiceRejected(service, 400, text[:200])


class PlexClient:
    """The admin's Plex Media Server, used with the owner's token."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url
        self.token = token
        self.timeout = timeout
        self._session = requests.Session()

    def _server(self) -> PlexServer:
        return PlexServer(self.base_url, self.token, session=self._session, timeout=self.timeout)

    async def identity(self) -> ServerIdentity:
        """The server's machine identifier, name and version."""

        def read() -> ServerIdentity:
            server = self._server()
            return ServerIdentity(server.machineIdentifier, server.friendlyName, server.version)

        identity: ServerIdentity = await in_thread("Plex", read)
        return identity

    def close(self) -> None:
        self._session.close()
