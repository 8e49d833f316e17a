"""Plex Media Server and plex.tv through plexapi. The only module that imports plexapi.

plexapi is synchronous, so every call runs in a thread.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, Literal, TypeVar

import plexapi.myplex
import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin
from plexapi.server import PlexServer

from bot.clients.neterrors import describe_network_error
from bot.clients.plex_library import (
    CollectionMetadata,
    VideoMetadata,
    apply_metadata,
    file_collection,
)
from bot.clients.plex_library import section as section_by_name
from bot.clients.plex_recent import RecentItem, Section, image, recently_added, sections
from bot.errors import ServiceRejected, ServiceUnavailable

PLEX_TV = "https://plex.tv"
T = TypeVar("T")
ServerAccess = Literal["owner", "shared"]
_original_urls: dict[tuple[type, str], str] = {}
_STATUS = re.compile(r"^\((\d{3})\)")
# Used when plex.tv does not say how long a pin lives; its strong pins last longer than this.
DEFAULT_PIN_LIFETIME = timedelta(minutes=15)


def _point_plex_tv(base_url: str) -> None:
    """Point plexapi's plex.tv URLs (class attributes in plexapi.myplex) at `base_url`."""
    base_url = base_url.rstrip("/")
    for _, cls in inspect.getmembers(plexapi.myplex, inspect.isclass):
        for name, value in list(vars(cls).items()):
            key = (cls, name)
            original = _original_urls.get(key, value)
            if isinstance(original, str) and original.startswith(PLEX_TV):
                _original_urls[key] = original
                setattr(cls, name, base_url + original.removeprefix(PLEX_TV))


@contextmanager
def plex_tv_at(base_url: str) -> Iterator[None]:
    """plexapi talks to `base_url` instead of plex.tv inside the block; restored on exit."""
    _point_plex_tv(base_url)
    try:
        yield
    finally:
        _point_plex_tv(PLEX_TV)


@dataclass(frozen=True)
class ServerIdentity:
    machine_id: str
    name: str
    version: str


@dataclass(frozen=True)
class Pin:
    """A plex.tv sign-in pin created by our app."""

    id: int
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PlexAccountInfo:
    """The plex.tv account a token belongs to."""

    id: int
    uuid: str
    username: str
    email: str | None
    title: str


async def in_thread(service: str, func: Callable[..., T], *args: Any) -> T:
    """Run a plexapi call in a thread and turn its errors into ours."""
    try:
        return await asyncio.to_thread(func, *args)
    except Unauthorized as exc:
        raise ServiceRejected(service, 401, "Plex rejected the token.") from exc
    except NotFound as exc:
        raise ServiceRejected(service, 404, "Plex could not find that.") from exc
    except BadRequest as exc:
        raise _from_bad_request(service, exc) from exc
    except (requests.RequestException, OSError, ET.ParseError) as exc:
        raise ServiceUnavailable(service, describe_network_error(exc)) from exc


def _from_bad_request(service: str, exc: BadRequest) -> Exception:
    """plexapi puts the status first, as in "(404) not_found <url>; <body>"."""
    text = str(exc)
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

        return await in_thread("Plex", read)

    async def refresh_section(self, section: str, path: str | None = None) -> None:
        """Ask Plex to scan a library section (title or key), or only `path` inside it."""
        await in_thread("Plex", lambda: section_by_name(self._server(), section).update(path=path))

    async def find_files(self, section: str, paths: list[str]) -> list[str]:
        """ratingKeys of the section's items whose media file is one of `paths`, in that order.

        A file matches when its path ends with the given path, compared by whole components,
        so `Playlist/Video [id].mp4` finds it wherever Plex has the download folder mounted.
        """
        wanted = [PurePosixPath(p).parts for p in paths]

        def find() -> list[str]:
            found: dict[int, str] = {}
            library = section_by_name(self._server(), section)
            libtype = "episode" if library.type == "show" else None
            for item in library.search(libtype=libtype):
                for location in item.locations:
                    parts = PurePosixPath(location.replace("\\", "/")).parts
                    for index, tail in enumerate(wanted):
                        if index not in found and tail and parts[-len(tail) :] == tail:
                            found[index] = str(item.ratingKey)
            return [found[i] for i in sorted(found)]

        return await in_thread("Plex", find)

    async def ensure_collection(
        self, section: str, title: str, rating_keys: list[str], summary: str
    ) -> str:
        """Create the collection, or add the items to the one of that title; set its summary.

        Returns the collection's ratingKey.
        """
        meta = CollectionMetadata(title, summary)
        return await self.file_collection(section, rating_keys, meta)

    async def file_collection(
        self, section: str, rating_keys: list[str], meta: CollectionMetadata
    ) -> str:
        """The collection `meta.title` holds the items in that order, with its summary and poster.

        Returns the collection's ratingKey (see plex_library.file_collection).
        """
        return await in_thread(
            "Plex", lambda: file_collection(self._server(), section, rating_keys, meta)
        )

    async def apply_metadata(self, rating_key: str, meta: VideoMetadata) -> None:
        """Set and lock an item's title, summary, originally-available date and poster."""
        await in_thread("Plex", lambda: apply_metadata(self._server(), rating_key, meta))

    async def section_type(self, section: str) -> str:
        """The section's type as Plex names it: "movie", "show", "artist" or "photo"."""
        return await in_thread("Plex", lambda: str(section_by_name(self._server(), section).type))

    async def sections(self) -> list[Section]:
        """Every library section (key, type, title)."""
        return await in_thread("Plex", lambda: sections(self._server()))

    async def recently_added(self, section_key: str, limit: int) -> list[RecentItem]:
        """The section's newest `limit` arrivals (movies, or episodes of shows), newest first."""
        return await in_thread("Plex", lambda: recently_added(self._server(), section_key, limit))

    async def image(self, path: str) -> bytes:
        """An image the server holds, such as an item's poster (`thumb`)."""
        return await in_thread("Plex", lambda: image(self._server(), path, self.timeout))

    def close(self) -> None:
        self._session.close()


class _OurHeaders(requests.Session):
    """A session that sends our X-Plex-* identity on every request, over plexapi's defaults."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__()
        self.plex_headers = headers

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["headers"] = {**(kwargs.get("headers") or {}), **self.plex_headers}
        return super().request(method, url, *args, **kwargs)


class _PinLogin(MyPlexPinLogin):
    """plexapi's OAuth pin login that can resume a stored pin and keeps plex.tv's reply."""

    reply: ET.Element | None = None

    def __init__(self, session: requests.Session, headers: dict[str, str], timeout: float) -> None:
        super().__init__(session=session, requestTimeout=timeout, headers=headers, oauth=True)

    def resume(self, pin: Pin) -> _PinLogin:
        self._id = str(pin.id)
        self._code = pin.code
        return self

    def _query(self, url: str, method: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        self.reply = super()._query(url, method, headers, **kwargs)
        return self.reply


class PlexTV:
    """plex.tv on behalf of our app: sign-in pins and what a user's token may reach."""

    SERVICE = "plex.tv"

    def __init__(
        self, client_id: str, product: str = "MediaNest Bot", *, timeout: float = 10.0
    ) -> None:
        self.client_id = client_id
        self.product = product
        self.timeout = timeout
        self.headers = {
            "X-Plex-Client-Identifier": client_id,
            "X-Plex-Product": product,
            "X-Plex-Device-Name": product,
        }
        self._session = _OurHeaders(self.headers)

    def _login(self) -> _PinLogin:
        return _PinLogin(self._session, self.headers, self.timeout)

    async def create_pin(self) -> Pin:
        """Create a strong pin for the OAuth sign-in page."""

        def create() -> Pin:
            login = self._login()
            code = login._getCode()
            if not code or login.reply is None or login._id is None:
                raise ServiceUnavailable(self.SERVICE, "empty pin reply")
            return Pin(int(login._id), code, _pin_expiry(login.reply))

        return await in_thread(self.SERVICE, create)

    def auth_url(self, pin: Pin, forward_url: str | None = None) -> str:
        """The app.plex.tv sign-in page for this pin; Plex sends the browser to `forward_url`."""
        url: str = self._login().resume(pin).oauthUrl(forwardUrl=forward_url)
        return url

    async def check_pin(self, pin: Pin) -> str | None:
        """The user's token once they signed in, None while waiting.

        An expired or unknown pin is ServiceRejected with status 404. Unlike plexapi's
        checkLogin(), which reports every failure as expiry, an outage stays ServiceUnavailable.
        """

        def check() -> str | None:
            login = self._login().resume(pin)
            return login.token if login._checkLogin() else None

        return await in_thread(self.SERVICE, check)

    def _account(self, token: str) -> MyPlexAccount:
        return MyPlexAccount(token=token, session=self._session, timeout=self.timeout)

    async def account(self, token: str) -> PlexAccountInfo:
        """The account the token belongs to; a rejected token is ServiceRejected (401)."""
        return await in_thread(self.SERVICE, lambda: _account_info(self._account(token)))

    async def server_access(self, token: str, machine_id: str) -> ServerAccess | None:
        """Whether the token's account owns the server, has it shared, or neither (None)."""
        return await in_thread(self.SERVICE, lambda: _access(self._account(token), machine_id))

    async def account_access(
        self, token: str, machine_id: str
    ) -> tuple[PlexAccountInfo, ServerAccess | None]:
        """`account()` and `server_access()` in one go (one sign-in, one resource list)."""

        def read() -> tuple[PlexAccountInfo, ServerAccess | None]:
            account = self._account(token)
            return _account_info(account), _access(account, machine_id)

        return await in_thread(self.SERVICE, read)

    def close(self) -> None:
        self._session.close()


def _account_info(account: MyPlexAccount) -> PlexAccountInfo:
    return PlexAccountInfo(
        id=int(account.id),
        uuid=str(account.uuid),
        username=str(account.username or account.title),
        email=account.email or None,
        title=str(account.title or account.username),
    )


def _access(account: MyPlexAccount, machine_id: str) -> ServerAccess | None:
    found: ServerAccess | None = None
    for resource in account.resources():
        if resource.clientIdentifier == machine_id:
            if resource.owned:
                return "owner"
            found = "shared"
    return found


def _pin_expiry(reply: ET.Element) -> datetime:
    """When plex.tv says the pin expires: `expiresIn` (immune to clock skew), else `expiresAt`."""
    now = datetime.now(UTC)
    expires_in = reply.attrib.get("expiresIn", "")
    if expires_in.isdigit():
        return now + timedelta(seconds=int(expires_in))
    try:
        at = datetime.fromisoformat(reply.attrib["expiresAt"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return now + DEFAULT_PIN_LIFETIME
    return at if at.tzinfo else at.replace(tzinfo=UTC)
