"""The fake Discord's guild members over the gateway: the privileged members intent.

What Discord does, and discord.py 2.7 (`gateway.py`, `state.py`, `client.py`) expects:
- IDENTIFY carries `intents`; asking for a privileged one (GUILD_MEMBERS 1<<1,
  GUILD_PRESENCES 1<<8, MESSAGE_CONTENT 1<<15) that the Developer Portal does not allow
  closes the websocket with 4014 "Disallowed intent(s)." (`Client.connect` then raises
  `PrivilegedIntentsRequired`, and does not reconnect).
- With GUILD_MEMBERS: GUILD_CREATE lists the bot's own member (offline members come by
  chunking); GUILD_MEMBER_ADD (a member payload plus `guild_id`), GUILD_MEMBER_UPDATE
  (`guild_id`, `roles`, `user`, `joined_at`, …) and GUILD_MEMBER_REMOVE (`guild_id`, `user`)
  are sent as members join, change and leave. Without it none of the three is sent.
- REQUEST_GUILD_MEMBERS (op 8: `guild_id`, `query` or `user_ids`, `limit`, `presences`,
  `nonce`) is answered by GUILD_MEMBERS_CHUNK events of at most 1,000 members each with
  `chunk_index`, `chunk_count`, the `nonce` and, for `user_ids`, `not_found`. The whole list
  (`query` "" with `limit` 0) needs GUILD_MEMBERS: a request without it is recorded in
  `errors` and not answered (what Discord does then is not checked here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.discord import FakeUser

GUILD_MEMBERS = 1 << 1
PRIVILEGED = GUILD_MEMBERS | 1 << 8 | 1 << 15
CHUNK_SIZE = 1000
DISALLOWED = 4014


class MembersFake:
    """Mixed into FakeDiscord: the members intent, member events and member chunks."""

    users: dict[int, FakeUser]
    guild_id: int
    bot_user_id: int
    errors: list[dict[str, Any]]

    def _init_members(self) -> None:
        self.allowed_intents = 0  # the Developer Portal's privileged intents switches
        self.identified_intents = 0
        self.chunk_requests: list[dict[str, Any]] = []

    # -- test API -----------------------------------------------------------------------

    def allow_members_intent(self, allowed: bool = True) -> None:
        """Turn on (or off) "Server Members Intent" for the bot in the Developer Portal."""
        if allowed:
            self.allowed_intents |= GUILD_MEMBERS
        else:
            self.allowed_intents &= ~GUILD_MEMBERS

    @property
    def members_intent(self) -> bool:
        """Whether the connected client identified with GUILD_MEMBERS."""
        return bool(self.identified_intents & GUILD_MEMBERS)

    async def member_joins(
        self, id: int, username: str, roles: tuple[int, ...] | list[int] = ()
    ) -> FakeUser:
        """Someone joins the guild: GUILD_MEMBER_ADD when the client has the intent."""
        user = self.add_user(id, username, roles)
        if self.members_intent:
            await self.dispatch(
                "GUILD_MEMBER_ADD", {**self._gateway_member(user), "guild_id": str(self.guild_id)}
            )
        return user

    async def member_roles(self, id: int, roles: list[int]) -> None:
        """An admin changes a member's roles: GUILD_MEMBER_UPDATE when the client has the intent."""
        user = self.users[id]
        for role_id in roles:
            if role_id not in self.roles:
                self.add_role(role_id, f"role-{role_id}")
        user.roles = list(roles)
        if self.members_intent:
            await self.dispatch(
                "GUILD_MEMBER_UPDATE",
                {**self._gateway_member(user), "guild_id": str(self.guild_id)},
            )

    async def member_leaves(self, id: int) -> None:
        """A member leaves (or is kicked): GUILD_MEMBER_REMOVE when the client has the intent."""
        user = self.users.pop(id)
        if self.members_intent:
            await self.dispatch(
                "GUILD_MEMBER_REMOVE",
                {"guild_id": str(self.guild_id), "user": self._user_payload(user)},
            )

    # -- hooks into FakeDiscord ---------------------------------------------------------

    roles: dict[int, dict[str, Any]]

    def add_user(
        self,
        id: int,
        username: str,
        roles: tuple[int, ...] | list[int] = (),
        dms_closed: bool = False,
    ) -> FakeUser:
        raise NotImplementedError

    def add_role(self, id: int, name: str, permissions: int = 0) -> dict[str, Any]:
        raise NotImplementedError

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        raise NotImplementedError

    async def _send_dispatch(
        self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    def _user_payload(self, user: FakeUser) -> dict[str, Any]:
        raise NotImplementedError

    def _member_payload(self, user: FakeUser, *, with_user: bool = True) -> dict[str, Any]:
        raise NotImplementedError

    def _bot_member_payload(self) -> dict[str, Any]:
        raise NotImplementedError

    # -- wire ---------------------------------------------------------------------------

    def _gateway_member(self, user: FakeUser) -> dict[str, Any]:
        """A member as the gateway sends it (no `permissions`: that is for interactions)."""
        member = self._member_payload(user)
        del member["permissions"]
        return member

    async def _check_intents(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> bool:
        """IDENTIFY's intents: False (and the socket closed with 4014) when not allowed."""
        intents = int(d.get("intents") or 0)
        if intents & PRIVILEGED & ~self.allowed_intents:
            await ws.close(code=DISALLOWED, message=b"Disallowed intent(s).")
            return False
        self.identified_intents = intents
        return True

    def _guild_create_members(self) -> list[dict[str, Any]]:
        """GUILD_CREATE's `members`: the bot's own with the intent (others come by chunks)."""
        return [self._bot_member_payload()] if self.members_intent else []

    async def _request_members(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        """op 8: answer with GUILD_MEMBERS_CHUNK events, as Discord does."""
        self.chunk_requests.append(d)
        query = d.get("query")
        user_ids = [int(u) for u in d.get("user_ids") or []]
        limit = int(d.get("limit") or 0)
        if int(d.get("guild_id", 0)) != self.guild_id:
            return
        if not self.members_intent and not user_ids and (query == "" and limit == 0):
            self.errors.append(
                {"method": "GATEWAY", "path": "op 8", "status": 0, "body": d, "why": "no intent"}
            )
            return
        everyone = [self._bot_member_payload()] + [
            self._gateway_member(u) for u in self.users.values()
        ]
        if user_ids:
            found = [m for m in everyone if int(m["user"]["id"]) in user_ids]
        else:
            prefix = (query or "").lower()
            found = [m for m in everyone if m["user"]["username"].lower().startswith(prefix)]
        if limit:
            found = found[:limit]
        pages = [found[i : i + CHUNK_SIZE] for i in range(0, len(found), CHUNK_SIZE)] or [[]]
        for index, page in enumerate(pages):
            chunk: dict[str, Any] = {
                "guild_id": str(self.guild_id),
                "members": page,
                "chunk_index": index,
                "chunk_count": len(pages),
            }
            if d.get("nonce"):
                chunk["nonce"] = d["nonce"]
            if user_ids:
                seen = {int(m["user"]["id"]) for m in found}
                chunk["not_found"] = [str(u) for u in user_ids if u not in seen]
            await self._send_dispatch(ws, "GUILD_MEMBERS_CHUNK", chunk)
