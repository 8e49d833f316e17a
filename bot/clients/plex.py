"""Plex Media Server and plex.tv: plexapi for what members and downloads ask, aiohttp for
what runs on a schedule.

plexapi is synchronous, so every call runs in a thread (`in_thread`). plexapi and requests
(about 17 MiB resident, `plex_api.py`) are imported by the first such call, not at start:
the health probe's identity, New on Plex's lists and posters and the plex.tv account reads
(linking, the daily re-verification) are plain GETs of the requests plexapi makes
(`plex_http.py`), so a bot that only watches never needs them.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from bot.clients import plex_http, plex_recent
from bot.clients.neterrors import describe_network_error
from bot.clients.plex_http import from_bad_request
from bot.clients.plex_library import (
    CollectionMetadata,
    VideoMetadata,
    apply_metadata,
    file_collection,
)
from bot.clients.plex_library import section as section_by_name
from bot.clients.plex_recent import RecentItem, Section
from bot.errors import ServiceRejected, ServiceUnavailable

if TYPE_CHECKING:
    import aiohttp
    import requests

    from bot.clients.plex_api import OurHeaders, PinLogin, PlexServer

PLEX_TV = "https://plex.tv"
T = TypeVar("T")
ServerAccess = Literal["owner", "shared"]
_original_urls: dict[tuple[type, str], str] = {}
_plex_tv = [PLEX_TV]  # the base URL of each plex_tv_at block entered, innermost last
_pointed_at = PLEX_TV  # where plexapi's plex.tv URLs point now
# Used when plex.tv does not say how long a pin lives; its strong pins last longer than this.
DEFAULT_PIN_LIFETIME = timedelta(minutes=15)
# What plexapi's MyPlexAccount.resources() asks plex.tv for.
RESOURCES = {"includeHttps": "1", "includeRelay": "1"}


def _point_plex_tv(base_url: str) -> None:
    """Point plexapi's plex.tv URLs (class attributes in plexapi.myplex) at `base_url`.

    Before plexapi is imported there is nothing to point: `_plexapi()` points it on import.
    """
    global _pointed_at
    base_url = base_url.rstrip("/")
    myplex = sys.modules.get("plexapi.myplex")
    if myplex is None or base_url == _pointed_at:
        return
    for _, cls in inspect.getmembers(myplex, inspect.isclass):
        for name, value in list(vars(cls).items()):
            key = (cls, name)
            original = _original_urls.get(key, value)
            if isinstance(original, str) and original.startswith(PLEX_TV):
                _original_urls[key] = original
                setattr(cls, name, base_url + original.removeprefix(PLEX_TV))
    _pointed_at = base_url


@contextmanager
def plex_tv_at(base_url: str) -> Iterator[None]:
    """plexapi talks to `base_url` instead of plex.tv inside the block; restored on exit."""
    _plex_tv.append(base_url.rstrip("/"))
    _point_plex_tv(base_url)
    try:
        yield
    finally:
        _plex_tv.pop()
        _point_plex_tv(_plex_tv[-1])


def _plexapi() -> Any:
    """`bot.clients.plex_api`, imported on first use, with plexapi pointed as plex_tv_at says."""
    from bot.clients import plex_api

    _point_plex_tv(_plex_tv[-1])
    return plex_api


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
    api = _plexapi()
    try:
        return await asyncio.to_thread(func, *args)
    except api.Unauthorized as exc:
        raise ServiceRejected(service, 401, "Plex rejected the token.") from exc
    except api.NotFound as exc:
        raise ServiceRejected(service, 404, "Plex could not find that.") from exc
    except api.BadRequest as exc:
        raise from_bad_request(service, str(exc)) from exc
    except (api.requests.RequestException, OSError, ET.ParseError) as exc:
        raise ServiceUnavailable(service, describe_network_error(exc)) from exc


class PlexClient:
    """The admin's Plex Media Server, used with the owner's token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        http: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.timeout = timeout
        self.http = http  # the bot's aiohttp session, for what is read without plexapi
        self._session: requests.Session | None = None

    def _server(self) -> PlexServer:
        api = _plexapi()
        if self._session is None:
            self._session = api.requests.Session()
        server: PlexServer = api.PlexServer(
            self.base_url, self.token, session=self._session, timeout=self.timeout
        )
        return server

    async def _read(self, path: str, params: dict[str, str] | None = None) -> ET.Element:
        return await plex_http.xml(
            self.base_url, self.token, path, params, timeout=self.timeout, http=self.http
        )

    async def identity(self) -> ServerIdentity:
        """The server's machine identifier, name and version: what PlexServer reads from `/`."""
        get = (await self._read("/")).attrib.get
        return ServerIdentity(
            get("machineIdentifier", ""), get("friendlyName", ""), get("version", "")
        )

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
        return plex_recent.sections(await self._read("/library/sections"))

    async def recently_added(self, section: Section, limit: int) -> list[RecentItem]:
        """The section's newest `limit` arrivals (movies, or episodes of shows), newest first.

        An episode's own guids name the episode, and requests name the show: the shows' TMDB
        ids come from one `/library/metadata/a,b,…` request for all of them.
        """
        query = plex_recent.recent_query(section, limit)
        if query is None:
            return []
        items = plex_recent.listed(await self._read(*query))
        shows = plex_recent.shows_of(items)
        show_ids = {}
        if shows:
            root = await self._read(f"/library/metadata/{','.join(shows)}")
            show_ids = {
                e.get("ratingKey", ""): plex_recent.tmdb(e) for e in plex_recent.listed(root)
            }
        return [plex_recent.recent_item(e, section.key, show_ids) for e in items]

    async def image(self, path: str) -> bytes:
        """An image the server holds, such as an item's poster (`thumb`)."""
        headers = {"X-Plex-Token": self.token}
        return await plex_http.get(
            self.base_url, path, headers=headers, timeout=self.timeout, http=self.http
        )

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


class PlexTV:
    """plex.tv on behalf of our app: sign-in pins and what a user's token may reach."""

    SERVICE = "plex.tv"

    def __init__(
        self,
        client_id: str,
        product: str = "MediaNest Bot",
        *,
        timeout: float = 10.0,
        http: aiohttp.ClientSession | None = None,
    ) -> None:
        self.client_id = client_id
        self.product = product
        self.timeout = timeout
        self.http = http  # the bot's aiohttp session, for plex.tv's account reads
        self.headers = {
            "X-Plex-Client-Identifier": client_id,
            "X-Plex-Product": product,
            "X-Plex-Device-Name": product,
        }
        self._session: OurHeaders | None = None

    def _requests(self) -> OurHeaders:
        """The requests session with our headers, made with the first plexapi call."""
        if self._session is None:
            self._session = _plexapi().OurHeaders(self.headers)
        return self._session

    def _login(self) -> PinLogin:
        login: PinLogin = _plexapi().PinLogin(self._requests(), self.headers, self.timeout)
        return login

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
        url: str = self._login().resume(pin.id, pin.code).oauthUrl(forwardUrl=forward_url)
        return url

    async def check_pin(self, pin: Pin) -> str | None:
        """The user's token once they signed in, None while waiting.

        An expired or unknown pin is ServiceRejected with status 404. Unlike plexapi's
        checkLogin(), which reports every failure as expiry, an outage stays ServiceUnavailable.
        """

        def check() -> str | None:
            login = self._login().resume(pin.id, pin.code)
            return login.token if login._checkLogin() else None

        return await in_thread(self.SERVICE, check)

    async def _read(self, token: str, path: str, params: dict[str, str] | None = None) -> Any:
        """plex.tv's v2 JSON that plexapi's MyPlexAccount reads, with the member's token and
        our X-Plex-* identity: re-verifying linked members does not load plexapi."""
        headers = {**self.headers, "X-Plex-Token": token}
        url = _plex_tv[-1]
        return await plex_http.json_of(url, path, params, headers, self.timeout, self.http)

    async def account(self, token: str) -> PlexAccountInfo:
        """The account the token belongs to; a rejected token is ServiceRejected (401)."""
        return self._account_info(await self._read(token, "/api/v2/user"))

    async def server_access(self, token: str, machine_id: str) -> ServerAccess | None:
        """Whether the token's account owns the server, has it shared, or neither (None)."""
        resources = await self._read(token, "/api/v2/resources", RESOURCES)
        return _access(resources, machine_id)

    async def account_access(
        self, token: str, machine_id: str
    ) -> tuple[PlexAccountInfo, ServerAccess | None]:
        """`account()` and `server_access()` (the account first: a refused token stops there)."""
        return await self.account(token), await self.server_access(token, machine_id)

    def _account_info(self, user: Any) -> PlexAccountInfo:
        try:
            username = str(user.get("username") or user.get("title") or "")
            return PlexAccountInfo(
                id=int(user["id"]),
                uuid=str(user.get("uuid") or ""),
                username=username,
                email=user.get("email") or None,
                title=str(user.get("title") or username),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ServiceUnavailable(self.SERVICE, "the account had no id") from exc

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def _access(resources: Any, machine_id: str) -> ServerAccess | None:
    """From plex.tv's resources: the server owned, shared with the account, or neither.

    An answer that is not a list of resources is plex.tv failing, never "no access".
    """
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise ServiceUnavailable(PlexTV.SERVICE, "the resource list was not one")
    found: ServerAccess | None = None
    for resource in resources:
        if resource.get("clientIdentifier") == machine_id:
            if resource.get("owned") is True:
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
