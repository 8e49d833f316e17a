"""Loopback fakes of plex.tv and of a Plex Media Server that the real plexapi runs against.

plex.tv speaks XML, or JSON when the client sends `Accept: application/json`; the media
server speaks XML. Point plexapi at `FakePlexTV.url` by replacing the `https://plex.tv`
prefix of the class-attribute URLs in `plexapi.myplex`.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import string
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.fakes.base import LoopbackServer
from tests.fakes.plex_sharing import FakeShare, SharingFake

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Plex's numeric library types (plexapi.utils.SEARCHTYPES).
SEARCH_TYPES = {
    "movie": 1,
    "show": 2,
    "season": 3,
    "episode": 4,
    "artist": 8,
    "album": 9,
    "track": 10,
    "photo": 13,
    "photoalbum": 14,
    "collection": 18,
}
TYPE_NAMES = {number: name for name, number in SEARCH_TYPES.items()}

# What a section lists when no `type` is asked for, and what its scanner turns files into.
TOP_LEVEL_TYPES = {
    "movie": {"movie"},
    "show": {"show"},
    "artist": {"artist"},
    "photo": {"photo", "photoalbum"},
}
SCANNED_TYPE = {"movie": "movie", "show": "episode", "artist": "track", "photo": "photo"}
VIDEO_EXTENSIONS = {".mkv", ".mp4", ".m4v", ".avi", ".mov", ".webm", ".ts", ".wmv", ".mpg", ".mpeg"}
SCANNED_EXTENSIONS = {
    "movie": VIDEO_EXTENSIONS,
    "show": VIDEO_EXTENSIONS,
    "artist": {".mp3", ".flac", ".m4a", ".ogg", ".opus", ".wav"},
    "photo": {".jpg", ".jpeg", ".png", ".gif", ".heic", ".webp"},
}
SECTION_AGENTS = {
    "movie": ("tv.plex.agents.movie", "Plex Movie"),
    "show": ("tv.plex.agents.series", "Plex TV Series"),
    "artist": ("tv.plex.agents.music", "Plex Music"),
    "photo": ("com.plexapp.agents.none", "Plex Photo Scanner"),
}
# The XML element each metadata type is sent as (plexapi picks its class by tag + type).
ITEM_TAGS = {"movie": "Video", "episode": "Video", "track": "Track", "photo": "Photo"}
LIBRARY_ID = "com.plexapp.plugins.library"
# A collection's advanced settings as PMS lists them (`?includePreferences=1`).
COLLECTION_PREFS = {
    "collectionMode": (
        -1,
        "-1:Library default|0:Hide collection|1:Hide items in this collection"
        "|2:Show this collection and its items",
    ),
    "collectionSort": (0, "0:Release date|1:Alphabetical|2:Custom"),
}
# How the Plex Series Scanner reads a season and episode from a file name.
EPISODE_NAME = re.compile(r"\bs(\d{1,3})e(\d{1,4})\b", re.I)


@dataclass
class PlexAccount:
    """A plex.tv account."""

    id: int
    uuid: str
    username: str
    email: str
    token: str


@dataclass
class _Resource:
    account_id: int
    machine_identifier: str
    owned: bool
    server_url: str | None
    name: str
    access_token: str
    created_at: float = field(default_factory=time.time)
    share_id: int | None = None  # the plex.tv share behind a server shared with this account


def _attrs(values: dict[str, Any]) -> dict[str, str]:
    """XML attributes from Python values: bools as 1/0, None left out."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "1" if value else "0"
        else:
            out[key] = str(value)
    return out


def _element(tag: str, values: dict[str, Any], children: Iterable[ET.Element] = ()) -> ET.Element:
    elem = ET.Element(tag, _attrs(values))
    elem.extend(children)
    return elem


def _xml(
    elem: ET.Element, status: int = 200, content_type: str = "application/xml"
) -> web.Response:
    body = ET.tostring(elem, encoding="utf-8", xml_declaration=True)
    return web.Response(status=status, body=body, headers={"Content-Type": content_type})


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(value).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


def _param(request: web.Request, name: str) -> str | None:
    """An X-Plex-* value, from the headers or (as Plex also accepts) the query string."""
    return request.headers.get(name) or request.query.get(name)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakePlexTV(SharingFake, LoopbackServer):
    """plex.tv: PIN login, accounts, resources (servers an account reaches), friends, sharing."""

    def __init__(self, *, pin_lifetime: int = 900) -> None:
        super().__init__()
        self.pin_lifetime = pin_lifetime
        self.accounts: dict[int, PlexAccount] = {}
        self.pins: dict[int, dict[str, Any]] = {}
        self.revoked: set[str] = set()
        self._resources: list[_Resource] = []
        self._next_pin = 4242
        self._init_sharing()

    # -- test API -----------------------------------------------------------------------

    def add_account(
        self, id: int, username: str, email: str | None = None, token: str | None = None
    ) -> PlexAccount:
        """Create a plex.tv account; the token defaults to `token-<id>`."""
        account = PlexAccount(
            id=id,
            uuid=hashlib.sha1(f"plex-account-{id}".encode()).hexdigest()[:16],
            username=username,
            email=email or f"{username}@example.com",
            token=token or f"token-{id}",
        )
        self.accounts[id] = account
        return account

    def share_server(
        self,
        account: PlexAccount,
        machine_identifier: str,
        owned: bool = False,
        server_url: str | None = None,
        *,
        name: str = "Home Plex",
        access_token: str | None = None,
    ) -> str:
        """Give the account a server resource and return its access token.

        An owned server's token is the account token; a shared one gets its own
        token, which the `FakePlexServer` must accept (`allow_token`) for `connect()`.
        """
        token = access_token or (
            account.token if owned else f"{machine_identifier}-access-{account.id}"
        )
        share_id = None
        if not owned:  # shared before the test began: an accepted share of every library
            ids = [s["id"] for s in self.libraries.get(machine_identifier, [])]
            share = FakeShare(self._next_share, machine_identifier, account.id, account.email, ids)
            share.accepted_at = share.invited_at
            self.shares[share.id] = share
            self._next_share += 1
            share_id = share.id
        self._resources.append(
            _Resource(
                account.id, machine_identifier, owned, server_url, name, token, share_id=share_id
            )
        )
        return token

    def _owner_resource(self, machine_identifier: str) -> _Resource | None:
        return next(
            (r for r in self._resources if r.owned and r.machine_identifier == machine_identifier),
            None,
        )

    def _add_shared_resource(self, account: PlexAccount, share: FakeShare, url: str | None) -> None:
        token = f"{share.machine_identifier}-access-{account.id}"
        owner = self._owner_resource(share.machine_identifier)
        name = owner.name if owner else "Home Plex"
        self._resources.append(
            _Resource(
                account.id, share.machine_identifier, False, url, name, token, share_id=share.id
            )
        )

    def _drop_shared_resources(self, account_id: int, machine_identifiers: set[str]) -> None:
        self._resources = [
            r
            for r in self._resources
            if r.owned
            or r.account_id != account_id
            or r.machine_identifier not in machine_identifiers
        ]

    def authorize_pin(self, pin_id_or_code: int | str, account: PlexAccount) -> None:
        """Simulate the user signing in at app.plex.tv: the pin gets the account's token."""
        pin = self._find_pin(pin_id_or_code)
        if pin is None or self._expired(pin):
            raise KeyError(f"no live pin {pin_id_or_code!r}")
        pin["authToken"] = account.token

    def expire_pin(self, pin_id_or_code: int | str) -> None:
        """Make a pin expire now, as if its lifetime had passed."""
        pin = self._find_pin(pin_id_or_code)
        if pin is None:
            raise KeyError(f"no pin {pin_id_or_code!r}")
        pin["expiresAt"] = time.time() - 1

    def revoke(self, token: str) -> None:
        """Invalidate a token: plex.tv answers 401 for it from now on."""
        self.revoked.add(token)

    # -- lookups ------------------------------------------------------------------------

    def _find_pin(self, pin_id_or_code: int | str) -> dict[str, Any] | None:
        if isinstance(pin_id_or_code, int) or str(pin_id_or_code).isdigit():
            pin = self.pins.get(int(pin_id_or_code))
            if pin is not None:
                return pin
        return next((p for p in self.pins.values() if p["code"] == pin_id_or_code), None)

    @staticmethod
    def _expired(pin: dict[str, Any]) -> bool:
        return time.time() >= pin["expiresAt"]

    def _account_for(self, request: web.Request) -> PlexAccount | None:
        token = _param(request, "X-Plex-Token")
        if not token or token in self.revoked:
            return None
        return next((a for a in self.accounts.values() if a.token == token), None)

    def _owner_of(self, machine_identifier: str) -> PlexAccount | None:
        for res in self._resources:
            if res.owned and res.machine_identifier == machine_identifier:
                return self.accounts.get(res.account_id)
        return None

    # -- wire ---------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/v2/pins", self._create_pin)
        app.router.add_get("/api/v2/pins/{pin_id}", self._get_pin)
        app.router.add_get("/api/v2/user", self._user)
        app.router.add_get("/api/v2/resources", self._resources_view)
        app.router.add_get("/api/users", self._friends)
        app.router.add_get("/api/users/", self._friends)
        self._add_sharing_routes(app)
        return app

    @staticmethod
    def _wants_json(request: web.Request) -> bool:
        return "application/json" in request.headers.get("Accept", "")

    def _error(self, request: web.Request, status: int, code: int, message: str) -> web.Response:
        if self._wants_json(request):
            return _json({"errors": [{"code": code, "message": message, "status": status}]}, status)
        error = _element("error", {"code": code, "message": message, "status": status})
        return _xml(_element("errors", {}, [error]), status)

    def _unauthorized(self, request: web.Request) -> web.Response:
        return self._error(request, 401, 1001, "User could not be authenticated")

    def _pin_payload(self, pin: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": pin["id"],
            "code": pin["code"],
            "product": pin["product"],
            "trusted": False,
            "qr": f"https://plex.tv/api/v2/pins/qr/{pin['code']}",
            "clientIdentifier": pin["clientIdentifier"],
            "expiresIn": max(0, int(pin["expiresAt"] - time.time())),
            "createdAt": _iso(pin["createdAt"]),
            "expiresAt": _iso(pin["expiresAt"]),
            "authToken": pin["authToken"],
            "newRegistration": None,
        }

    def _pin_response(self, request: web.Request, pin: dict[str, Any], status: int) -> web.Response:
        payload = self._pin_payload(pin)
        if self._wants_json(request):
            return _json(payload, status)
        payload["authToken"] = payload["authToken"] or ""
        return _xml(_element("pin", payload), status)

    async def _create_pin(self, request: web.Request) -> web.Response:
        client_id = _param(request, "X-Plex-Client-Identifier")
        product = _param(request, "X-Plex-Product")
        if not client_id:
            return self._error(request, 400, 1000, "X-Plex-Client-Identifier is missing")
        if not product:
            return self._error(request, 400, 1000, "X-Plex-Product is missing")
        form = await request.post() if request.can_read_body else {}
        strong = str(request.query.get("strong") or form.get("strong") or "").lower() == "true"
        if strong:
            code = "".join(
                secrets.choice(string.ascii_lowercase + string.digits) for _ in range(25)
            )
        else:
            code = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(4))
        now = time.time()
        pin = {
            "id": self._next_pin,
            "code": code,
            "clientIdentifier": client_id,
            "product": product,
            "strong": strong,
            "authToken": None,
            "createdAt": now,
            "expiresAt": now + self.pin_lifetime,
        }
        self.pins[self._next_pin] = pin
        self._next_pin += 1
        return self._pin_response(request, pin, 201)

    async def _get_pin(self, request: web.Request) -> web.Response:
        pin_id = request.match_info["pin_id"]
        pin = self.pins.get(int(pin_id)) if pin_id.isdigit() else None
        client_id = _param(request, "X-Plex-Client-Identifier")
        if pin is None or pin["clientIdentifier"] != client_id or self._expired(pin):
            return self._error(request, 404, 1020, "Code not found or expired")
        return self._pin_response(request, pin, 200)

    async def _user(self, request: web.Request) -> web.Response:
        account = self._account_for(request)
        if account is None:
            return self._unauthorized(request)
        if self._wants_json(request):
            return _json(self._user_json(account))
        user = _element(
            "user",
            {
                "id": account.id,
                "uuid": account.uuid,
                "username": account.username,
                "title": account.username,
                "email": account.email,
                "authToken": account.token,
                "scrobbleTypes": "",
            },
            [
                _element("subscription", {"active": False, "status": "Inactive", "plan": ""}),
                _element("profile", {"autoSelectAudio": True}),
            ],
        )
        return _xml(user)

    @staticmethod
    def _user_json(account: PlexAccount) -> dict[str, Any]:
        return {
            "id": account.id,
            "uuid": account.uuid,
            "username": account.username,
            "title": account.username,
            "email": account.email,
            "friendlyName": "",
            "authToken": account.token,
            "scrobbleTypes": "",
            "restricted": False,
            "home": False,
            "guest": False,
            "subscription": {"active": False, "status": "Inactive", "plan": None, "features": []},
            "profile": {"autoSelectAudio": True},
            "entitlements": [],
            "roles": [],
        }

    def _resource_fields(self, res: _Resource) -> dict[str, Any]:
        owner = self._owner_of(res.machine_identifier)
        return {
            "name": res.name,
            "product": "Plex Media Server",
            "productVersion": "1.41.0.8992",
            "platform": "Linux",
            "platformVersion": "6.1",
            "device": "PC",
            "clientIdentifier": res.machine_identifier,
            "createdAt": _iso(res.created_at),
            "lastSeenAt": _iso(time.time()),
            "provides": "server",
            "ownerId": None if res.owned or owner is None else owner.id,
            "sourceTitle": None if res.owned or owner is None else owner.username,
            "publicAddress": "127.0.0.1",
            "accessToken": res.access_token,
            "owned": res.owned,
            "home": False,
            "synced": False,
            "relay": False,
            "presence": True,
            "httpsRequired": False,
            "publicAddressMatches": True,
            "dnsRebindingProtection": False,
            "natLoopbackSupported": False,
        }

    @staticmethod
    def _connections(res: _Resource) -> list[dict[str, Any]]:
        """One local and one remote connection: plexapi skips local ones on shared servers."""
        if not res.server_url:
            return []
        parts = urlsplit(res.server_url)
        return [
            {
                "protocol": parts.scheme,
                "address": parts.hostname,
                "port": parts.port or (443 if parts.scheme == "https" else 80),
                "uri": res.server_url.rstrip("/"),
                "local": local,
                "relay": False,
                "IPv6": False,
            }
            for local in (True, False)
        ]

    async def _resources_view(self, request: web.Request) -> web.Response:
        account = self._account_for(request)
        if account is None:
            return self._unauthorized(request)
        mine = [r for r in self._resources if r.account_id == account.id]
        if self._wants_json(request):
            return _json(
                [{**self._resource_fields(r), "connections": self._connections(r)} for r in mine]
            )
        resources = [
            _element(
                "resource",
                self._resource_fields(r),
                [
                    _element(
                        "connections", {}, [_element("connection", c) for c in self._connections(r)]
                    )
                ],
            )
            for r in mine
        ]
        return _xml(_element("resources", {"size": len(resources)}, resources))

    async def _friends(self, request: web.Request) -> web.Response:
        account = self._account_for(request)
        if account is None:
            return self._unauthorized(request)
        owned = {r.machine_identifier: r for r in self._resources if r.owned}
        owned = {mid: r for mid, r in owned.items() if r.account_id == account.id}
        shares: dict[int, list[_Resource]] = {}
        for res in self._resources:
            if not res.owned and res.machine_identifier in owned and res.account_id != account.id:
                shares.setdefault(res.account_id, []).append(res)
        users = []
        for share_id, (friend_id, friend_shares) in enumerate(sorted(shares.items()), start=1):
            friend = self.accounts[friend_id]
            servers = [
                _element(
                    "Server",
                    {
                        "id": res.share_id or share_id * 100 + index,
                        "serverId": index + 1,
                        "machineIdentifier": res.machine_identifier,
                        "name": owned[res.machine_identifier].name,
                        "lastSeenAt": int(time.time()),
                        "numLibraries": 0,
                        "allLibraries": True,
                        "owned": False,
                        "pending": False,
                    },
                )
                for index, res in enumerate(friend_shares)
            ]
            users.append(
                _element(
                    "User",
                    {
                        "id": friend.id,
                        "title": friend.username,
                        "username": friend.username,
                        "email": friend.email,
                        "thumb": f"https://plex.tv/users/{friend.uuid}/avatar",
                        "home": False,
                        "protected": False,
                        "allowSync": False,
                        "allowCameraUpload": False,
                        "allowChannels": False,
                        "restricted": "0",
                        "filterAll": "",
                        "filterMovies": "",
                        "filterMusic": "",
                        "filterPhotos": "",
                        "filterTelevision": "",
                    },
                    servers,
                )
            )
        container = _element(
            "MediaContainer",
            {
                "friendlyName": "myPlex",
                "identifier": "com.plexapp.plugins.myplex",
                "machineIdentifier": secrets.token_hex(20),
                "totalSize": len(users),
                "size": len(users),
            },
            users,
        )
        return _xml(container)


class FakePlexServer(LoopbackServer):
    """A Plex Media Server: library sections, items, folder scans and collections."""

    def __init__(
        self,
        *,
        machine_identifier: str = "mid-1",
        owner_token: str = "owner-token",
        friendly_name: str = "Home Plex",
    ) -> None:
        super().__init__()
        self.machine_identifier = machine_identifier
        self.owner_token = owner_token
        self.friendly_name = friendly_name
        self.tokens: set[str] = {owner_token}
        self.sections: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.collections: dict[str, dict[str, Any]] = {}
        self.refreshes: list[str] = []
        self.posters: dict[str, list[bytes]] = {}  # ratingKey -> uploaded images, oldest first
        self.scan_folders = True
        self._next_rating_key = 101

    # -- test API -----------------------------------------------------------------------

    def allow_token(self, token: str) -> None:
        """Accept another token (e.g. a shared user's resource access token)."""
        self.tokens.add(token)

    def add_section(self, key: str | int, type: str, title: str, location: str) -> dict[str, Any]:
        """Add a library section (movie | show | artist | photo) rooted at a folder."""
        if type not in TOP_LEVEL_TYPES:
            raise ValueError(f"unknown section type {type!r}")
        section = {
            "key": str(key),
            "type": type,
            "title": title,
            "location": str(location),
            "uuid": hashlib.sha1(f"{self.machine_identifier}-{key}".encode()).hexdigest(),
            "createdAt": int(time.time()),
        }
        self.sections[str(key)] = section
        return section

    def add_item(
        self,
        section_key: str | int,
        title: str,
        *,
        type: str = "movie",
        guids: Iterable[str] = (),
        file: str | None = None,
        year: int | None = None,
        season: int | None = None,
        episode: int | None = None,
        added_at: int | None = None,
        summary: str = "",
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a metadata item to a section; the returned dict has its `ratingKey`.

        `extra` values are sent as they are (e.g. an episode's `grandparentTitle`).
        """
        section = self.sections[str(section_key)]
        if type not in SEARCH_TYPES or type == "collection":
            raise ValueError(f"unknown item type {type!r}")
        rating_key = self._new_rating_key()
        item = {
            "ratingKey": rating_key,
            "title": title,
            "type": type,
            "section": section["key"],
            "guids": list(guids),
            "file": str(file) if file is not None else None,
            "year": year,
            "summary": summary,
            "addedAt": int(time.time()) if added_at is None else added_at,
            "locked": set(),
            **extra,
        }
        if season is not None:
            item["parentIndex"] = season
        if episode is not None:
            item["index"] = episode
        self.items[rating_key] = item
        return item

    def add_show(
        self,
        section_key: str | int,
        title: str,
        *,
        year: int | None = None,
        summary: str = "",
        guids: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Add a TV show (its seasons and episodes come with `add_episode`)."""
        return self.add_item(
            section_key, title, type="show", year=year, summary=summary, guids=guids
        )

    def add_episode(
        self,
        show: dict[str, Any],
        season: int,
        episode: int,
        title: str,
        *,
        added_at: int | None = None,
        guids: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Add an episode of `show` (and its season when new), as PMS lists episodes."""
        section = show["section"]
        season_item = next(
            (
                i
                for i in self.items.values()
                if i["type"] == "season"
                and i.get("parentRatingKey") == show["ratingKey"]
                and i.get("index") == season
            ),
            None,
        )
        if season_item is None:
            season_item = self.add_item(
                section,
                f"Season {season}",
                type="season",
                index=season,
                parentRatingKey=show["ratingKey"],
                parentTitle=show["title"],
                parentKey=f"/library/metadata/{show['ratingKey']}",
            )
        return self.add_item(
            section,
            title,
            type="episode",
            guids=guids,
            season=season,
            episode=episode,
            added_at=added_at,
            grandparentTitle=show["title"],
            grandparentRatingKey=show["ratingKey"],
            grandparentKey=f"/library/metadata/{show['ratingKey']}",
            grandparentThumb=show.get("thumb"),
            parentRatingKey=season_item["ratingKey"],
            parentKey=f"/library/metadata/{season_item['ratingKey']}",
            parentTitle=season_item["title"],
            parentThumb=season_item.get("thumb"),
            parentYear=show.get("year"),
        )

    def set_poster(self, rating_key: str, image: bytes) -> None:
        """Give an item a poster, as if Plex's agent had found one."""
        uploads = self.posters.setdefault(str(rating_key), [])
        uploads.append(image)
        self.items[str(rating_key)]["thumb"] = (
            f"/library/metadata/{rating_key}/thumb/{len(uploads)}"
        )

    def poster(self, rating_key: str) -> bytes | None:
        """The image an item or collection shows now (its latest upload), if any."""
        uploads = self.posters.get(str(rating_key))
        return uploads[-1] if uploads else None

    def locked(self, rating_key: str) -> set[str]:
        """The locked field names of an item or collection."""
        target = self.items.get(str(rating_key)) or self.collections[str(rating_key)]
        return set(target["locked"])

    # -- helpers ------------------------------------------------------------------------

    def _new_rating_key(self) -> str:
        rating_key = str(self._next_rating_key)
        self._next_rating_key += 1
        return rating_key

    def _authorized(self, request: web.Request) -> bool:
        return _param(request, "X-Plex-Token") in self.tokens

    def _guard(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not self._authorized(request):
                return web.Response(
                    status=401,
                    text="<html><head><title>Unauthorized</title></head>"
                    "<body><h1>401 Unauthorized</h1></body></html>",
                    content_type="text/html",
                )
            return await handler(request)

        return guarded

    @staticmethod
    def _pms_xml(elem: ET.Element, status: int = 200) -> web.Response:
        return _xml(elem, status, content_type="text/xml;charset=utf-8")

    def _container(self, children: list[ET.Element], **values: Any) -> ET.Element:
        return _element("MediaContainer", {"size": len(children), **values}, children)

    def _section_or_404(self, request: web.Request) -> dict[str, Any]:
        section = self.sections.get(request.match_info["section"])
        if section is None:
            raise web.HTTPNotFound()
        return section

    def _section_values(self, section: dict[str, Any]) -> dict[str, Any]:
        return {
            "librarySectionID": section["key"],
            "librarySectionTitle": section["title"],
            "librarySectionUUID": section["uuid"],
        }

    def _fields(self, locked: set[str]) -> list[ET.Element]:
        return [_element("Field", {"locked": True, "name": name}) for name in sorted(locked)]

    def _item_element(self, item: dict[str, Any], guids: bool = True) -> ET.Element:
        """An item as PMS lists it; a section's `/all` has `<Guid>`s only with `includeGuids=1`."""
        section = self.sections[item["section"]]
        kind = item["type"]
        values: dict[str, Any] = {
            "ratingKey": item["ratingKey"],
            "key": f"/library/metadata/{item['ratingKey']}",
            "guid": f"plex://{kind}/{int(item['ratingKey']):024x}",
            "type": "photo" if kind == "photoalbum" else kind,
            "title": item["title"],
            "summary": item["summary"],
            "year": item["year"],
            "librarySectionID": section["key"],
            "librarySectionTitle": section["title"],
            "librarySectionKey": f"/library/sections/{section['key']}",
            "addedAt": item["addedAt"],
            "updatedAt": item["addedAt"],
        }
        for name, value in item.items():
            if name not in values and name not in {"guids", "file", "section", "locked"}:
                values[name] = value
        children: list[ET.Element] = []
        if item["file"]:
            part = _element(
                "Part",
                {
                    "id": item["ratingKey"],
                    "key": f"/library/parts/{item['ratingKey']}/file",
                    "file": item["file"],
                    "container": Path(item["file"]).suffix.lstrip("."),
                },
            )
            children.append(_element("Media", {"id": item["ratingKey"]}, [part]))
        children += [_element("Guid", {"id": guid}) for guid in item["guids"] if guids]
        children += self._fields(item["locked"])
        return _element(ITEM_TAGS.get(kind, "Directory"), values, children)

    def _collection_element(self, collection: dict[str, Any]) -> ET.Element:
        section = self.sections[collection["section"]]
        values = {
            "ratingKey": collection["ratingKey"],
            "key": f"/library/collections/{collection['ratingKey']}/children",
            "guid": f"collection://{collection['guid']}",
            "type": "collection",
            "title": collection["title"],
            "subtype": collection["subtype"],
            "summary": collection["summary"],
            "smart": False,
            "childCount": len(collection["items"]),
            "librarySectionID": section["key"],
            "librarySectionTitle": section["title"],
            "librarySectionKey": f"/library/sections/{section['key']}",
            "addedAt": collection["addedAt"],
            "updatedAt": collection["addedAt"],
        }
        for name, value in collection.items():
            if name not in values and name not in {"items", "section", "locked", "guid"}:
                values[name] = value
        return _element("Directory", values, self._fields(collection["locked"]))

    def _metadata_element(self, rating_key: str) -> ET.Element | None:
        if rating_key in self.items:
            return self._item_element(self.items[rating_key])
        if rating_key in self.collections:
            return self._collection_element(self.collections[rating_key])
        return None

    def _paged(self, request: web.Request, elements: list[ET.Element], **values: Any) -> ET.Element:
        """Apply `limit` and the X-Plex-Container-Start/Size window, as PMS does."""
        if "limit" in request.query:
            elements = elements[: int(request.query["limit"])]
        total = len(elements)
        start = int(_param(request, "X-Plex-Container-Start") or 0)
        size = _param(request, "X-Plex-Container-Size")
        end = None if size is None else start + int(size)
        window = elements[start:end]
        return self._container(window, totalSize=total, offset=start, **values)

    def _rating_keys_from_uri(self, uri: str) -> list[str]:
        """The ratingKeys in `server://MID/com.plexapp.plugins.library/library/metadata/1,2`."""
        prefix = f"server://{self.machine_identifier}/{LIBRARY_ID}/library/metadata/"
        if not uri.startswith(prefix):
            raise web.HTTPBadRequest(text=f"bad uri {uri!r}")
        keys = [k for k in uri[len(prefix) :].split(",") if k]
        return [k for k in keys if k in self.items]

    def _scan(self, section: dict[str, Any], path: str | None) -> None:
        """Turn media files under the section's folder (or `path`) into items."""
        root = Path(path or section["location"])
        if not root.exists():
            return
        extensions = SCANNED_EXTENSIONS[section["type"]]
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        in_section = [i for i in self.items.values() if i["section"] == section["key"]]
        known_files = {i["file"] for i in in_section if i["file"]}
        known_titles = {i["title"] for i in in_section}
        for file in files:
            if file.suffix.lower() not in extensions:
                continue
            if str(file) in known_files or file.stem in known_titles:
                continue
            numbers = EPISODE_NAME.search(file.stem) if section["type"] == "show" else None
            self.add_item(
                section["key"],
                file.stem,
                type=SCANNED_TYPE[section["type"]],
                file=str(file),
                season=int(numbers.group(1)) if numbers else None,
                episode=int(numbers.group(2)) if numbers else None,
            )
            known_titles.add(file.stem)

    # -- wire ---------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application()
        get, put, post, delete = (
            app.router.add_get,
            app.router.add_put,
            app.router.add_post,
            app.router.add_delete,
        )
        guard = self._guard
        get("/", guard(self._root))
        get("/identity", self._identity)
        get("/library", guard(self._library))
        get("/library/sections", guard(self._sections_view))
        get("/library/sections/", guard(self._sections_view))
        get("/library/sections/{section}/refresh", guard(self._refresh))
        get("/library/sections/{section}/all", guard(self._section_all))
        put("/library/sections/{section}/all", guard(self._edit))
        get("/library/sections/{section}/collections", guard(self._section_collections))
        get("/library/metadata/{keys}", guard(self._metadata))
        post("/library/metadata/{key}/posters", guard(self._upload_poster))
        get("/library/metadata/{key}/thumb/{stamp}", guard(self._poster_image))
        post("/library/collections", guard(self._create_collection))
        get("/library/collections/{key}", guard(self._collection))
        delete("/library/collections/{key}", guard(self._delete_collection))
        get("/library/collections/{key}/children", guard(self._collection_children))
        put("/library/collections/{key}/items", guard(self._collection_add))
        put("/library/collections/{key}/prefs", guard(self._collection_prefs))
        put("/library/collections/{key}/items/{item}/move", guard(self._collection_move))
        delete("/library/collections/{key}/items/{item}", guard(self._collection_remove))
        return app

    async def _root(self, request: web.Request) -> web.Response:
        return self._pms_xml(
            _element(
                "MediaContainer",
                {
                    "size": 0,
                    "machineIdentifier": self.machine_identifier,
                    "friendlyName": self.friendly_name,
                    "version": "1.41.0.8992-8463ad060",
                    "platform": "Linux",
                    "platformVersion": "6.1",
                    "myPlex": True,
                    "myPlexSigninState": "ok",
                    "multiuser": True,
                    "allowSharing": True,
                },
            )
        )

    async def _identity(self, request: web.Request) -> web.Response:
        # Real PMS answers /identity without a token.
        values = {
            "size": 0,
            "claimed": True,
            "machineIdentifier": self.machine_identifier,
            "version": "1.41.0.8992-8463ad060",
        }
        return self._pms_xml(_element("MediaContainer", values))

    async def _library(self, request: web.Request) -> web.Response:
        children = [
            _element("Directory", {"key": "sections", "title": "Library Sections"}),
            _element("Directory", {"key": "recentlyAdded", "title": "Recently Added Content"}),
            _element("Directory", {"key": "onDeck", "title": "On Deck Content"}),
        ]
        return self._pms_xml(
            self._container(children, identifier=LIBRARY_ID, title1="Plex Library", title2="")
        )

    async def _sections_view(self, request: web.Request) -> web.Response:
        directories = []
        for section in self.sections.values():
            agent, scanner = SECTION_AGENTS[section["type"]]
            directories.append(
                _element(
                    "Directory",
                    {
                        "allowSync": True,
                        "filters": True,
                        "refreshing": False,
                        "key": section["key"],
                        "type": section["type"],
                        "title": section["title"],
                        "agent": agent,
                        "scanner": scanner,
                        "language": "en-US",
                        "uuid": section["uuid"],
                        "createdAt": section["createdAt"],
                        "updatedAt": section["createdAt"],
                    },
                    [_element("Location", {"id": section["key"], "path": section["location"]})],
                )
            )
        return self._pms_xml(self._container(directories, title1="Plex Library"))

    async def _refresh(self, request: web.Request) -> web.Response:
        section = self._section_or_404(request)
        path = request.query.get("path")
        self.refreshes.append(section["key"] if path is None else f"{section['key']}?path={path}")
        if self.scan_folders:
            self._scan(section, path)
        return web.Response(status=200)

    async def _section_all(self, request: web.Request) -> web.Response:
        section = self._section_or_404(request)
        wanted = request.query.get("type")
        if wanted is not None:
            types = {TYPE_NAMES.get(int(wanted), wanted) if wanted.isdigit() else wanted}
        else:
            types = TOP_LEVEL_TYPES[section["type"]]
        if request.query.get("includeMeta") == "1":
            return self._pms_xml(self._container([self._meta(section)]))
        title = request.query.get("title", "").lower()
        elements: list[ET.Element] = []
        if "collection" in types:
            elements += [
                self._collection_element(c)
                for c in self.collections.values()
                if c["section"] == section["key"] and title in c["title"].lower()
            ]
        guids = request.query.get("includeGuids") == "1"  # PMS 1.24.3 and later
        elements += [
            self._item_element(i, guids)
            for i in self.items.values()
            if i["section"] == section["key"] and i["type"] in types and title in i["title"].lower()
        ]
        sort = request.query.get("sort", "")
        if sort.split(".")[-1].startswith("addedAt"):
            # Newest first for `:desc`; equal times in the order added (ratingKey), as PMS does.
            newest = sort.endswith(":desc")
            elements.sort(
                key=lambda e: (int(e.get("addedAt", 0)), int(e.get("ratingKey", 0))), reverse=newest
            )
        return self._pms_xml(self._paged(request, elements, **self._section_values(section)))

    def _meta(self, section: dict[str, Any]) -> ET.Element:
        """`?includeMeta=1`: the types a section holds and their sorts (plexapi's _loadFilters)."""
        kinds = {"movie": ["movie"], "show": ["show", "season", "episode"]}.get(
            section["type"], [SCANNED_TYPE[section["type"]]]
        )
        sorts = [("addedAt", "desc", "Date Added"), ("titleSort", "asc", "Title")]
        types = [
            _element(
                "Type",
                {
                    "key": f"/library/sections/{section['key']}/all?type={SEARCH_TYPES[kind]}",
                    "type": kind,
                    "title": kind.capitalize(),
                    "active": index == 0,
                },
                [
                    _element(
                        "Sort",
                        {"defaultDirection": way, "descKey": f"{key}:desc", "key": key, "title": t},
                    )
                    for key, way, t in sorts
                ],
            )
            for index, kind in enumerate(kinds)
        ]
        return _element("Meta", {}, types)

    async def _edit(self, request: web.Request) -> web.Response:
        """plexapi's edits: `PUT /library/sections/N/all?id=…&type=…&f.value=…&f.locked=1`."""
        self._section_or_404(request)
        for rating_key in request.query.get("id", "").split(","):
            target = self.items.get(rating_key) or self.collections.get(rating_key)
            if target is None:
                continue
            for name, value in request.query.items():
                if name.endswith(".value"):
                    target[name.removesuffix(".value")] = value
                elif name.endswith(".locked"):
                    field_name = name.removesuffix(".locked")
                    if value == "1":
                        target["locked"].add(field_name)
                    else:
                        target["locked"].discard(field_name)
        return web.Response(status=200)

    async def _section_collections(self, request: web.Request) -> web.Response:
        section = self._section_or_404(request)
        elements = [
            self._collection_element(c)
            for c in self.collections.values()
            if c["section"] == section["key"]
        ]
        return self._pms_xml(self._paged(request, elements, **self._section_values(section)))

    async def _metadata(self, request: web.Request) -> web.Response:
        keys = request.match_info["keys"].split(",")
        elements = [e for e in (self._metadata_element(k) for k in keys) if e is not None]
        if not elements:
            raise web.HTTPNotFound()
        return self._pms_xml(self._container(elements, identifier=LIBRARY_ID))

    def _collection_or_404(self, request: web.Request) -> dict[str, Any]:
        collection = self.collections.get(request.match_info["key"])
        if collection is None:
            raise web.HTTPNotFound()
        return collection

    async def _create_collection(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("smart", "0") != "0":
            raise web.HTTPBadRequest(text="smart collections are not supported by this fake")
        section = self.sections.get(query.get("sectionId", ""))
        if section is None or "title" not in query:
            raise web.HTTPBadRequest(text="sectionId and title are required")
        items = self._rating_keys_from_uri(query.get("uri", ""))
        subtype = query.get("type", "1")
        rating_key = self._new_rating_key()
        self.collections[rating_key] = {
            "ratingKey": rating_key,
            "title": query["title"],
            "section": section["key"],
            "items": items,
            "summary": "",
            "subtype": TYPE_NAMES.get(int(subtype), subtype) if subtype.isdigit() else subtype,
            "guid": hashlib.sha1(f"{self.machine_identifier}-{rating_key}".encode()).hexdigest(),
            "addedAt": int(time.time()),
            "locked": set(),
            **{name: default for name, (default, _) in COLLECTION_PREFS.items()},
        }
        return self._collection_response(rating_key)

    def _collection_response(self, rating_key: str, *, preferences: bool = False) -> web.Response:
        collection = self.collections[rating_key]
        element = self._collection_element(collection)
        if preferences:
            settings = [
                _element(
                    "Setting",
                    {
                        "id": name,
                        "label": name,
                        "summary": "",
                        "type": "int",
                        "default": default,
                        "value": collection[name],
                        "hidden": False,
                        "advanced": False,
                        "group": "",
                        "enumValues": values,
                    },
                )
                for name, (default, values) in COLLECTION_PREFS.items()
            ]
            element.append(_element("Preferences", {}, settings))
        section = self.sections[collection["section"]]
        return self._pms_xml(self._container([element], **self._section_values(section)))

    async def _collection(self, request: web.Request) -> web.Response:
        preferences = request.query.get("includePreferences") == "1"
        rating_key = self._collection_or_404(request)["ratingKey"]
        return self._collection_response(rating_key, preferences=preferences)

    async def _collection_prefs(self, request: web.Request) -> web.Response:
        """`PUT /library/collections/K/prefs?collectionSort=2` (plexapi's editAdvanced)."""
        collection = self._collection_or_404(request)
        for name, value in request.query.items():
            if name not in COLLECTION_PREFS:
                raise web.HTTPBadRequest(text=f"unknown preference {name!r}")
            allowed = {v.split(":")[0] for v in COLLECTION_PREFS[name][1].split("|")}
            if value not in allowed:
                raise web.HTTPBadRequest(text=f"bad value {value!r} for {name}")
            collection[name] = int(value)
        return web.Response(status=200)

    async def _collection_move(self, request: web.Request) -> web.Response:
        """`PUT /library/collections/K/items/I/move[?after=J]`: I goes after J, or first."""
        collection = self._collection_or_404(request)
        item, after = request.match_info["item"], request.query.get("after")
        keys: list[str] = collection["items"]
        if item not in keys or (after is not None and after not in keys):
            raise web.HTTPNotFound()
        keys.remove(item)
        keys.insert(keys.index(after) + 1 if after is not None else 0, item)
        return self._collection_response(collection["ratingKey"])

    async def _upload_poster(self, request: web.Request) -> web.Response:
        """`POST /library/metadata/K/posters` with the image as the body (plexapi's filepath=)."""
        rating_key = request.match_info["key"]
        target = self.items.get(rating_key) or self.collections.get(rating_key)
        if target is None:
            raise web.HTTPNotFound()
        body = await request.read()
        if not body:
            raise web.HTTPBadRequest(text="this fake takes uploaded images, not ?url=")
        uploads = self.posters.setdefault(rating_key, [])
        uploads.append(body)
        target["thumb"] = f"/library/metadata/{rating_key}/thumb/{len(uploads)}"
        return web.Response(status=200)

    async def _poster_image(self, request: web.Request) -> web.Response:
        uploads = self.posters.get(request.match_info["key"], [])
        number = request.match_info["stamp"]
        if not number.isdigit() or not 0 < int(number) <= len(uploads):
            raise web.HTTPNotFound()
        return web.Response(body=uploads[int(number) - 1], content_type="image/jpeg")

    async def _delete_collection(self, request: web.Request) -> web.Response:
        del self.collections[self._collection_or_404(request)["ratingKey"]]
        return web.Response(status=200)

    async def _collection_children(self, request: web.Request) -> web.Response:
        collection = self._collection_or_404(request)
        elements = [
            self._item_element(self.items[k]) for k in collection["items"] if k in self.items
        ]
        return self._pms_xml(self._paged(request, elements))

    async def _collection_add(self, request: web.Request) -> web.Response:
        collection = self._collection_or_404(request)
        for rating_key in self._rating_keys_from_uri(request.query.get("uri", "")):
            if rating_key not in collection["items"]:
                collection["items"].append(rating_key)
        return self._collection_response(collection["ratingKey"])

    async def _collection_remove(self, request: web.Request) -> web.Response:
        collection = self._collection_or_404(request)
        item = request.match_info["item"]
        if item in collection["items"]:
            collection["items"].remove(item)
        return self._collection_response(collection["ratingKey"])
