"""The pieces of the Plex client that are plexapi and requests classes (about 16 MiB resident).

`bot.clients.plex` imports this module the first time it does real plexapi work (through
`in_thread`), so a bot whose Plex is only probed for health, and plex.tv only used when
someone links an account, does not load plexapi at start.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin
from plexapi.server import PlexServer

__all__ = [
    "BadRequest",
    "MyPlexAccount",
    "NotFound",
    "OurHeaders",
    "PinLogin",
    "PlexServer",
    "Unauthorized",
    "requests",
]


class OurHeaders(requests.Session):
    """A session that sends our X-Plex-* identity on every request, over plexapi's defaults."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__()
        self.plex_headers = headers

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["headers"] = {**(kwargs.get("headers") or {}), **self.plex_headers}
        return super().request(method, url, *args, **kwargs)


class PinLogin(MyPlexPinLogin):
    """plexapi's OAuth pin login that can resume a stored pin and keeps plex.tv's reply."""

    reply: ET.Element | None = None

    def __init__(self, session: requests.Session, headers: dict[str, str], timeout: float) -> None:
        super().__init__(session=session, requestTimeout=timeout, headers=headers, oauth=True)

    def resume(self, pin_id: int, code: str) -> PinLogin:
        self._id = str(pin_id)
        self._code = code
        return self

    def _query(self, url: str, method: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        self.reply = super()._query(url, method, headers, **kwargs)
        return self.reply
