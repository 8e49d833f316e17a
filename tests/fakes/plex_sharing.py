"""plex.tv's server-sharing endpoints, exactly those plexapi 4.18's `myplex.py` calls.

- `_getSectionIds`: `GET /api/servers/{machineId}` (`PLEXSERVERS`), `<Section id key title type>`;
- `MyPlexUser.get_token`: `GET /api/servers/{machineId}/shared_servers` (`FRIENDINVITE`);
- `inviteFriend`: `POST /api/servers/{machineId}/shared_servers`, JSON `server_id`,
  `shared_server` (`library_section_ids`, `invited_email`), `sharing_settings`;
- `updateFriend`: `PUT /api/servers/{machineId}/shared_servers/{serverId}` (`FRIENDSERVERS`),
  JSON `server_id`, `shared_server.library_section_ids`; `serverId` is the `<Server id>` of the
  friend in `GET /api/users/`;
- `removeFriend`: `DELETE /api/v2/sharings/{userId}` (`FRIENDUPDATE`);
- a share removed, pending invites included: `DELETE /api/servers/{machineId}/shared_servers/{id}`
  (`FRIENDSERVERS`, which `updateFriend(removeSections=True)` deletes), `id` being the
  `<SharedServer id>`; 200 with an empty body (JBOPS `stream_limiter_ban_email.py` expects 200;
  plexapi's `query` takes 200, 201 or 204), 404 for a share that is not there;
- `pendingInvites`: `GET /api/invites/requested` and `/requests` answer 410 Gone, as plex.tv
  has since 2024-07 (python-plexapi#1435, #1536).

A refused invite is 400 with `<Response code="400" status="…"/>`, the form Wizarr reads
plex.tv's reasons from (wizarrrr/wizarr a94eb1e, issue #760, 2025-08); "already sharing" has
plex.tv's words as Wizarr users quote them (wizarrrr/wizarr#1168, 2026-03). Not verified
against the real plex.tv: the `status` text for a name or email that is no account ("Invalid
user" here; the bot shows whatever plex.tv says), and the attributes of `<SharedServer>`
beyond those plexapi reads.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.plex import PlexAccount

SECTION_ID_BASE = 9000  # plex.tv's section ids differ from the server's keys


@dataclass
class FakeShare:
    """The server shared with (or offered to) one account."""

    id: int
    machine_identifier: str
    account_id: int
    invited_as: str
    section_ids: list[int]
    invited_at: float = field(default_factory=time.time)
    accepted_at: float | None = None


def _xml(elem: ET.Element, status: int = 200) -> web.Response:
    body = ET.tostring(elem, encoding="utf-8", xml_declaration=True)
    return web.Response(status=status, body=body, headers={"Content-Type": "application/xml"})


def _gone() -> web.Response:
    elem = ET.Element(
        "Response", {"code": "410", "status": "This endpoint was deprecated and removed"}
    )
    return _xml(elem, 410)


def _refused(status: int, text: str) -> web.Response:
    return _xml(ET.Element("Response", {"code": str(status), "status": text}), status)


class SharingFake:
    """Mixed into FakePlexTV: libraries, shares, invites, library changes and removal."""

    accounts: dict[int, PlexAccount]

    def _init_sharing(self) -> None:
        self.libraries: dict[str, list[dict[str, Any]]] = {}
        self.shares: dict[int, FakeShare] = {}
        self._next_share = 700

    # -- test API -----------------------------------------------------------------------

    def add_library(self, machine_identifier: str, key: str | int, title: str, type: str) -> int:
        """A library section of the server as plex.tv lists it; returns its plex.tv id."""
        section_id = SECTION_ID_BASE + int(key)
        found = self.libraries.setdefault(machine_identifier, [])
        found.append({"id": section_id, "key": str(key), "title": title, "type": type})
        return section_id

    def remove_library(self, machine_identifier: str, title: str) -> None:
        """The admin deleted a library on the server."""
        found = self.libraries.get(machine_identifier, [])
        self.libraries[machine_identifier] = [s for s in found if s["title"] != title]

    def share_of(self, account: PlexAccount) -> FakeShare | None:
        return next((s for s in self.shares.values() if s.account_id == account.id), None)

    def accept_invite(self, account: PlexAccount) -> None:
        """The invited member accepts in the Plex email or app: the server becomes theirs to use."""
        share = self.share_of(account)
        if share is None or share.accepted_at is not None:
            raise KeyError(f"no pending invite for {account.username}")
        share.accepted_at = time.time()
        owner = self._owner_resource(share.machine_identifier)
        self._add_shared_resource(account, share, owner.server_url if owner else None)

    # -- hooks into FakePlexTV ----------------------------------------------------------

    def _owner_resource(self, machine_identifier: str) -> Any:
        raise NotImplementedError

    def _add_shared_resource(self, account: PlexAccount, share: FakeShare, url: str | None) -> None:
        raise NotImplementedError

    def _drop_shared_resources(self, account_id: int, machine_identifiers: set[str]) -> None:
        raise NotImplementedError

    def _account_for(self, request: web.Request) -> PlexAccount | None:
        raise NotImplementedError

    def _owned_servers(self, account_id: int) -> list[dict[str, str]]:
        mids = {s.machine_identifier for s in self.shares.values()} | set(self.libraries)
        found = [self._owner_resource(mid) for mid in mids]
        return [{"mid": r.machine_identifier} for r in found if r and r.account_id == account_id]

    # -- wire ---------------------------------------------------------------------------

    def _add_sharing_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/servers/{mid}", self._server_view)
        app.router.add_get("/api/servers/{mid}/shared_servers", self._shares_view)
        app.router.add_post("/api/servers/{mid}/shared_servers", self._invite)
        app.router.add_put("/api/servers/{mid}/shared_servers/{share}", self._update)
        app.router.add_delete("/api/servers/{mid}/shared_servers/{share}", self._unshare)
        app.router.add_delete("/api/v2/sharings/{user}", self._remove)
        app.router.add_get("/api/invites/requested", self._invites_gone)
        app.router.add_get("/api/invites/requests", self._invites_gone)

    def _owned(self, request: web.Request) -> tuple[PlexAccount | None, web.Response | None]:
        """The owner calling about its own server, or the error plex.tv gives."""
        account = self._account_for(request)
        if account is None:
            return None, _refused(401, "Unauthorized")
        owner = self._owner_resource(request.match_info.get("mid", ""))
        if "mid" in request.match_info and (owner is None or owner.account_id != account.id):
            return None, _refused(404, "Not Found")
        return account, None

    def _section_elements(self, mid: str, shared: list[int] | None = None) -> list[ET.Element]:
        elements = []
        for s in self.libraries.get(mid, []):
            values = {"id": str(s["id"]), "key": s["key"], "title": s["title"], "type": s["type"]}
            if shared is not None:
                values["shared"] = "1" if s["id"] in shared else "0"
            elements.append(ET.Element("Section", values))
        return elements

    async def _server_view(self, request: web.Request) -> web.Response:
        _, error = self._owned(request)
        if error is not None:
            return error
        mid = request.match_info["mid"]
        server = ET.Element("Server", {"name": "Home Plex", "machineIdentifier": mid, "owned": "1"})
        server.extend(self._section_elements(mid))
        container = ET.Element("MediaContainer", {"friendlyName": "myPlex", "size": "1"})
        container.append(server)
        return _xml(container)

    def _share_element(self, share: FakeShare) -> ET.Element:
        account = self.accounts[share.account_id]
        values = {
            "id": str(share.id),
            "username": account.username,
            "email": account.email,
            "userID": str(account.id),
            "accessToken": f"{share.machine_identifier}-access-{account.id}"
            if share.accepted_at
            else "",
            "name": "Home Plex",
            "invitedAt": str(int(share.invited_at)),
            "acceptedAt": str(int(share.accepted_at)) if share.accepted_at else "",
            "allowSync": "0",
            "allowCameraUpload": "0",
            "allowChannels": "0",
            "owned": "0",
            "allLibraries": "0",
            "filterAll": "",
            "filterMovies": "",
            "filterMusic": "",
            "filterPhotos": "",
            "filterTelevision": "",
        }
        elem = ET.Element("SharedServer", values)
        elem.extend(self._section_elements(share.machine_identifier, share.section_ids))
        return elem

    async def _shares_view(self, request: web.Request) -> web.Response:
        _, error = self._owned(request)
        if error is not None:
            return error
        mid = request.match_info["mid"]
        mine = [s for s in self.shares.values() if s.machine_identifier == mid]
        container = ET.Element(
            "MediaContainer",
            {"friendlyName": "myPlex", "machineIdentifier": mid, "size": str(len(mine))},
        )
        container.extend(self._share_element(s) for s in mine)
        return _xml(container)

    def _sections_or_error(self, mid: str, body: Any) -> tuple[list[int], web.Response | None]:
        shared = body.get("shared_server") if isinstance(body, dict) else None
        if not isinstance(shared, dict) or body.get("server_id") != mid:
            return [], _refused(400, "Bad Request")
        ids = shared.get("library_section_ids")
        known = {s["id"] for s in self.libraries.get(mid, [])}
        if not isinstance(ids, list) or not all(isinstance(i, int) and i in known for i in ids):
            return [], _refused(400, "Invalid library section")
        return ids, None

    async def _invite(self, request: web.Request) -> web.Response:
        _, error = self._owned(request)
        if error is not None:
            return error
        mid = request.match_info["mid"]
        body = await request.json()
        ids, error = self._sections_or_error(mid, body)
        if error is not None:
            return error
        who = str(body["shared_server"].get("invited_email", "")).strip().lower()
        account = next(
            (a for a in self.accounts.values() if who in (a.username.lower(), a.email.lower())),
            None,
        )
        if account is None:
            return _refused(400, "Invalid user")
        if any(
            s.account_id == account.id and s.machine_identifier == mid for s in self.shares.values()
        ):
            shown = body["shared_server"].get("invited_email", "")
            return _refused(
                400,
                f"You're already sharing this server with {shown}. "
                "Please edit your existing share.",
            )
        share = FakeShare(self._next_share, mid, account.id, who, ids)
        self._next_share += 1
        self.shares[share.id] = share
        container = ET.Element("MediaContainer", {"size": "1"})
        container.append(self._share_element(share))
        return _xml(container, 201)

    def _share(self, request: web.Request) -> FakeShare | web.Response:
        """The owner's share named in the path, or the error plex.tv gives."""
        _, error = self._owned(request)
        if error is not None:
            return error
        share_id = request.match_info["share"]
        share = self.shares.get(int(share_id)) if share_id.isdigit() else None
        if share is None or share.machine_identifier != request.match_info["mid"]:
            return _refused(404, "Not Found")
        return share

    async def _update(self, request: web.Request) -> web.Response:
        share = self._share(request)
        if isinstance(share, web.Response):
            return share
        ids, error = self._sections_or_error(share.machine_identifier, await request.json())
        if error is not None:
            return error
        share.section_ids = ids
        container = ET.Element("MediaContainer", {"size": "1"})
        container.append(self._share_element(share))
        return _xml(container)

    async def _unshare(self, request: web.Request) -> web.Response:
        """One share gone, accepted or not: a pending invite can no longer be accepted."""
        share = self._share(request)
        if isinstance(share, web.Response):
            return share
        del self.shares[share.id]
        if share.accepted_at is not None:
            self._drop_shared_resources(share.account_id, {share.machine_identifier})
        return web.Response(status=200)

    async def _remove(self, request: web.Request) -> web.Response:
        owner, error = self._owned(request)
        if error is not None or owner is None:
            return error or _refused(401, "Unauthorized")
        user = request.match_info["user"]
        mine = {s["mid"] for s in self._owned_servers(owner.id)}
        mids = {
            s.machine_identifier
            for s in self.shares.values()
            if str(s.account_id) == user and s.machine_identifier in mine
        }
        if not mids:
            return _refused(404, "Not Found")
        gone = [s.id for s in self.shares.values() if str(s.account_id) == user]
        for share_id in [i for i in gone if self.shares[i].machine_identifier in mids]:
            del self.shares[share_id]
        self._drop_shared_resources(int(user), mids)
        return web.Response(status=204)

    async def _invites_gone(self, request: web.Request) -> web.Response:
        return _gone()
