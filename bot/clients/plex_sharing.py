"""Sharing the Plex server through plex.tv with the owner's token (plexapi, in threads).

What plexapi 4.18 sends (`plexapi/myplex.py`):
- libraries: `GET /api/servers/{machineId}` (`PLEXSERVERS`), the plex.tv ids of the sections;
- shares, pending and accepted: `GET /api/servers/{machineId}/shared_servers` (`FRIENDINVITE`,
  as `MyPlexUser.get_token` reads it);
- invite: `inviteFriend` = `POST …/shared_servers` with `library_section_ids`, `invited_email`;
- change libraries: `updateFriend` = `PUT …/shared_servers/{id}` (the user must be a friend);
- remove: `removeFriend` = `DELETE /api/v2/sharings/{userId}`;
- withdraw an invite not accepted yet: `DELETE /api/servers/{machineId}/shared_servers/{id}`
  (`FRIENDSERVERS`: what `updateFriend(removeSections=True)` deletes; `removeFriend` and
  `updateFriend` need a friend from `/api/users/`, which a pending invitee is not).
`pendingInvites()` is not used: plex.tv answers its `/api/invites/requested` with 410 Gone
since 2024-07 (pushingkarmaorg/python-plexapi#1435, #1536, still open in 2025).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.clients.plex import _plexapi, in_thread
from bot.errors import ServiceRejected

if TYPE_CHECKING:  # plexapi is imported by the first call (in_thread)
    from bot.clients.plex_api import BadRequest, MyPlexAccount, OurHeaders

SERVICE = "plex.tv"
# plexapi's BadRequest reads "(400) bad_request; <url> <Response code="400" status="…"/>".
_STATUS = re.compile(r"^\((\d{3})\)")
_REASON = re.compile(r'<Response\b[^>]*\bstatus="([^"]*)"')


@dataclass(frozen=True)
class Library:
    """A library section of the server as plex.tv knows it (`key` is the server's own key)."""

    key: str
    title: str
    type: str


@dataclass(frozen=True)
class Share:
    """The server shared with one Plex account: invited (pending) or accepted."""

    id: int
    user_id: int | None
    username: str
    email: str | None
    library_keys: tuple[str, ...]
    accepted: bool

    def names(self, who: str) -> bool:
        """Whether `who` (a username or an email, any case) is this share's account."""
        wanted = who.strip().lower()
        return wanted in {self.username.lower(), (self.email or "").lower()}


class UnknownLibrary(ServiceRejected):
    """A library picked for sharing is not on the server any more."""

    def __init__(self, name: str) -> None:
        super().__init__(SERVICE, 404, f"The library {name} is not on the server any more.")
        self.name = name


class InviteRefused(ServiceRejected):
    """plex.tv refused an invite (a 4xx); `reason` is its own words (`<Response status>`)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(SERVICE, status, reason or f"HTTP {status}")
        self.reason = reason

    @property
    def already_shared(self) -> bool:
        """plex.tv's "You're already sharing this server with …" (wizarrrr/wizarr#1168)."""
        return "already sharing" in self.reason.lower()


def invite_refusal(exc: BadRequest) -> InviteRefused | None:
    """A refused invite with plex.tv's reason; None for what is not a refusal (5xx, 429, …)."""
    text = str(exc)
    code = _STATUS.match(text)
    status = int(code.group(1)) if code else 400
    if status >= 500 or status in (401, 404, 429):
        return None
    found = _REASON.search(text)
    reason = html.unescape(found.group(1)).strip()[:200] if found else ""
    return InviteRefused(status, reason)


class PlexSharing:
    """The owner's side of sharing: libraries, shares, invites, library changes, removal."""

    def __init__(self, owner_token: str, client_id: str, *, timeout: float = 15.0) -> None:
        self.owner_token = owner_token
        self.timeout = timeout
        self.headers = {"X-Plex-Client-Identifier": client_id, "X-Plex-Product": "MediaNest Bot"}
        self._session: OurHeaders | None = None

    def _owner(self) -> MyPlexAccount:
        api = _plexapi()
        if self._session is None:
            self._session = api.OurHeaders(self.headers)
        owner: MyPlexAccount = api.MyPlexAccount(
            token=self.owner_token, session=self._session, timeout=self.timeout
        )
        return owner

    async def libraries(self, machine_id: str) -> list[Library]:
        """The server's library sections, in plex.tv's order."""

        def read() -> list[Library]:
            owner = self._owner()
            data = owner.query(owner.PLEXSERVERS.format(machineId=machine_id))
            server = data[0] if data is not None and len(data) else ET.Element("Server")
            return [
                Library(
                    e.attrib.get("key", ""), e.attrib.get("title", ""), e.attrib.get("type", "")
                )
                for e in server
                if e.tag == "Section"
            ]

        return await in_thread(SERVICE, read)

    async def shares(self, machine_id: str) -> list[Share]:
        """Every account the server is shared with or offered to (pending invites included)."""

        def read() -> list[Share]:
            owner = self._owner()
            data = owner.query(owner.FRIENDINVITE.format(machineId=machine_id))
            return [
                _share(e) for e in (data if data is not None else []) if e.tag == "SharedServer"
            ]

        return await in_thread(SERVICE, read)

    async def invite(self, machine_id: str, who: str, library_titles: list[str]) -> None:
        """Invite a username or email to these libraries (`inviteFriend`)."""

        def send() -> None:
            api, owner = _plexapi(), self._owner()
            try:
                owner.inviteFriend(who, machine_id, sections=library_titles)
            except KeyError as exc:  # _getSectionIds: a title plex.tv no longer lists
                raise UnknownLibrary(str(exc.args[0])) from exc
            except api.BadRequest as exc:
                refused = invite_refusal(exc)
                if refused is None:
                    raise  # in_thread: an outage or a rejected token, as for every call
                raise refused from exc

        await in_thread(SERVICE, send)

    async def update(self, machine_id: str, user_id: int, library_titles: list[str]) -> None:
        """Share exactly these libraries with an accepted friend (`updateFriend`)."""

        def send() -> None:
            owner = self._owner()
            try:
                owner.updateFriend(str(user_id), machine_id, sections=library_titles)
            except KeyError as exc:
                raise UnknownLibrary(str(exc.args[0])) from exc

        await in_thread(SERVICE, send)

    async def cancel(self, machine_id: str, share_id: int) -> None:
        """Withdraw a share by its `<SharedServer id>`, e.g. an invite not accepted (404: gone)."""

        def send() -> None:
            owner, session = self._owner(), self._session
            assert session is not None  # _owner made it
            url = owner.FRIENDSERVERS.format(machineId=machine_id, serverId=share_id)
            owner.query(url, session.delete)

        await in_thread(SERVICE, send)

    async def remove(self, user_id: int) -> None:
        """Stop sharing with this friend (`removeFriend`); NotFound when not a friend."""
        await in_thread(SERVICE, lambda: self._owner().removeFriend(str(user_id)))

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def _share(elem: ET.Element) -> Share:
    attrs: dict[str, Any] = elem.attrib
    user_id = attrs.get("userID", "")
    return Share(
        id=int(attrs.get("id", 0)),
        user_id=int(user_id) if str(user_id).isdigit() else None,
        username=str(attrs.get("username", "")),
        email=attrs.get("email") or None,
        library_keys=tuple(
            s.attrib.get("key", "")
            for s in elem
            if s.tag == "Section" and s.attrib.get("shared", "1") == "1"
        ),
        accepted=bool(attrs.get("acceptedAt")),
    )
