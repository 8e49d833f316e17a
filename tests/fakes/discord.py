"""A fake Discord (REST under /api/v10 + gateway websocket) for the real discord.py client.

Point the client at it before `bot.start()`:
`discord.http.Route.BASE = fake.api_url` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)`.
Users press buttons and run slash commands through `slash()`, `click()`, `submit_modal()`;
what the bot sent is read back with `channel_messages()`, `dms()` and the `FakeInteraction`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from tests.fakes.base import LoopbackServer
from tests.fakes.discord_members import GUILD_MEMBERS, MembersFake

API = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
# What @everyone may do in a freshly created guild (no administrator, no manage_*).
EVERYONE_PERMISSIONS = 2248473465835073
# The bot's managed role: view, send, embed, attach, read history, manage and pin messages.
BOT_ROLE_PERMISSIONS = (1 << 10 | 1 << 11 | 1 << 13 | 1 << 14 | 1 << 15 | 1 << 16) | 1 << 51
JOINED_AT = "2024-01-01T00:00:00+00:00"

T = TypeVar("T")


@dataclass
class FakeUser:
    """A Discord user known to the fake."""

    id: int
    username: str
    roles: list[int] = field(default_factory=list)
    dms_closed: bool = False
    locale: str = "en-US"  # the language of their Discord app, sent with each interaction


@dataclass
class _RateLimit:
    method: str
    pattern: re.Pattern[str]
    retry_after: float
    times: int
    status: int = 429  # or a 5xx: Discord having a bad moment on that route


class _Reject(Exception):
    """Raised inside a handler to answer with a Discord JSON error."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"code": code, "message": message}
        if errors:
            self.body["errors"] = errors


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer whose Content-Type is exactly application/json (discord.py insists)."""
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _form_error(field_name: str, code: str, message: str) -> dict[str, Any]:
    return {field_name: {"_errors": [{"code": code, "message": message}]}}


LOCALES = {
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
}  # fmt: skip


def _localization_errors(where: str, item: dict[str, Any]) -> dict[str, Any]:
    """Discord's checks of name/description localizations, on a command, option or choice."""
    errors: dict[str, Any] = {}
    for locale, name in (item.get("name_localizations") or {}).items():
        choice = "value" in item
        ok = 1 <= len(name) <= 100 if choice else re.fullmatch(r"[-_\w]{1,32}", name)
        if locale not in LOCALES or not ok or (not choice and name != name.lower()):
            errors.update(
                _form_error(f"{where}.name_localizations.{locale}", "INVALID", "Invalid name")
            )
    for locale, text in (item.get("description_localizations") or {}).items():
        if locale not in LOCALES or not 1 <= len(text) <= 100:
            errors.update(
                _form_error(
                    f"{where}.description_localizations.{locale}",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be 1-100 long.",
                )
            )
    for n, option in enumerate(item.get("options") or []):
        errors.update(_localization_errors(f"{where}.options.{n}", option))
    for n, choice in enumerate(item.get("choices") or []):
        errors.update(_localization_errors(f"{where}.choices.{n}", choice))
    return errors


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Split a multipart/form-data body into payload_json and the uploaded files (in order)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise _Reject(400, 50035, "Invalid Form Body")
    delimiter = b"--" + match.group(1).encode()
    payload: dict[str, Any] = {}
    files: list[dict[str, Any]] = []
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n")
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        filename_star = re.search(r"filename\*=[^']*''([^;]+)", disposition)
        if name and name.group(1) == "payload_json":
            payload = json.loads(content)
        elif filename or filename_star:
            fname = (
                urllib.parse.unquote(filename_star.group(1)) if filename_star else filename.group(1)  # type: ignore[union-attr]
            )
            index = re.search(r"\[(\d+)\]", name.group(1) if name else "")
            files.append(
                {
                    "index": int(index.group(1)) if index else len(files),
                    "filename": fname,
                    "size": len(content),
                    "content_type": headers.get("content-type", "application/octet-stream"),
                    "data": content,
                }
            )
    return payload, files


def _component_errors(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Discord's layout limits: 5 action rows; a row holds 5 buttons or one select alone."""
    errors: dict[str, Any] = {}
    if len(rows) > 5:
        errors.update(
            _form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        )
    for i, row in enumerate(rows):
        items = row.get("components") or []
        selects = [c for c in items if c.get("type") in (3, 5, 6, 7, 8)]
        if len(items) > 5 or (selects and len(items) > 1):
            errors.update(
                _form_error(
                    f"components.{i}.components",
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            )
    return errors


def _validate_message(payload: dict[str, Any], files: list[dict[str, Any]], *, edit: bool) -> None:
    """Apply Discord's message limits: 2,000 characters, 10 embeds, 25 fields, 6,000 embed chars."""
    errors: dict[str, Any] = {}
    content = payload.get("content")
    if content is not None and len(content) > 2000:
        errors.update(
            _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        )
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        errors.update(
            _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        )
    total = 0
    limits = {"title": 256, "description": 4096}
    for i, embed in enumerate(embeds):
        for key, limit in limits.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                msg = f"Must be {limit} or fewer in length."
                errors.update(_form_error(f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", msg))
            if key in embed and embed[key] == "":  # sent but empty: Discord wants it absent
                msg = "This field is required"
                errors.update(_form_error(f"embeds.{i}.{key}", "BASE_TYPE_REQUIRED", msg))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            msg = "Must be 25 or fewer in length."
            errors.update(_form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", msg))
        for j, f in enumerate(fields):
            total += len(f.get("name", "")) + len(f.get("value", ""))
            if len(f.get("name", "")) > 256 or len(f.get("value", "")) > 1024:
                msg = "Field name ≤ 256 and value ≤ 1024 characters."
                errors.update(_form_error(f"embeds.{i}.fields.{j}", "BASE_TYPE_MAX_LENGTH", msg))
        total += len((embed.get("footer") or {}).get("text", ""))
        total += len((embed.get("author") or {}).get("name", ""))
    if total > 6000:
        errors.update(
            _form_error(
                "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
        )
    errors.update(_component_errors(payload.get("components") or []))
    if errors:
        raise _Reject(400, 50035, "Invalid Form Body", errors)
    has_body = content or embeds or files or payload.get("components") or payload.get("poll")
    if not edit and not has_body:
        raise _Reject(400, 50006, "Cannot send an empty message")


def _walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component in a (possibly nested) component tree."""
    for comp in components:
        yield comp
        yield from _walk_components(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                yield from _walk_components([comp[key]])


class FakeInteraction:
    """One interaction the fake sent to the bot, and everything the bot answered to it."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any]) -> None:
        self._fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.channel_id = int(payload["channel_id"])
        self.responses: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self._followup_ids: list[int] = []
        self._original_id: int | None = None

    def __repr__(self) -> str:
        name = (self.payload.get("data") or {}).get("name") or (self.payload.get("data") or {}).get(
            "custom_id"
        )
        return f"<FakeInteraction id={self.id} type={self.type} {name!r}>"

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Followup messages the bot sent (edits applied), in order."""
        return [self._fake._messages[mid] for mid in self._followup_ids]

    @property
    def original(self) -> dict[str, Any] | None:
        """The @original message with edits applied, or None."""
        if self._original_id is None or self._original_id in self._fake._deleted:
            return None
        return self._fake._messages.get(self._original_id)

    @property
    def ephemeral(self) -> bool:
        """Whether the first reply or defer asked for an ephemeral message (flags & 64)."""
        if not self.responses:
            return False
        return bool(int((self.responses[0].get("data") or {}).get("flags") or 0) & EPHEMERAL)

    async def response(self, timeout: float = 5.0) -> dict[str, Any]:
        """The first callback body the bot posted, e.g. {"type": 4, "data": {...}}."""
        return await self._fake._wait(
            lambda: self.responses[0] if self.responses else None,
            timeout,
            f"a response to {self!r}",
        )

    async def wait_original(
        self, predicate: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Wait until the @original message exists (and matches the predicate)."""

        def check() -> dict[str, Any] | None:
            msg = self.original
            return msg if msg is not None and (predicate is None or predicate(msg)) else None

        return await self._fake._wait(check, timeout, f"the original response of {self!r}")

    async def wait_followup(
        self, predicate: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Wait for the first followup message (matching the predicate)."""

        def check() -> dict[str, Any] | None:
            return next((m for m in self.followups if predicate is None or predicate(m)), None)

        return await self._fake._wait(check, timeout, f"a followup to {self!r}")


class FakeDiscord(MembersFake, LoopbackServer):
    """Discord's REST API and gateway for one bot in one guild, on loopback (members intent:
    `discord_members`)."""

    def __init__(
        self,
        *,
        application_id: int = 1000,
        bot_user_id: int = 1001,
        guild_id: int = 2000,
        channels: dict[int, str] | None = None,
        token: str = "test-token",
        owner_id: int = 900,
        bot_name: str = "MediaNest",
    ) -> None:
        super().__init__()
        self.application_id = application_id
        self.bot_user_id = bot_user_id
        self.guild_id = guild_id
        self.token = token
        self.owner_id = owner_id
        self.bot_name = bot_name
        self.channels: dict[int, str] = (
            dict(channels)
            if channels is not None
            else {3000: "general", 3001: "health", 3002: "announcements"}
        )
        self.users: dict[int, FakeUser] = {}
        self.roles: dict[int, dict[str, Any]] = {}
        self._ready = False
        self._pending_events: list[tuple[str, dict[str, Any]]] = []
        self.add_role(guild_id, "@everyone", EVERYONE_PERMISSIONS)
        # The bot's own membership, as an invite with permissions leaves it (see the bot block).
        self.bot_in_guild = True
        self.bot_role_id = bot_user_id + 1
        self.add_role(self.bot_role_id, bot_name, BOT_ROLE_PERMISSIONS)
        self.bot_roles: list[int] = [self.bot_role_id]
        self.overwrites: dict[int, list[dict[str, Any]]] = {}
        self.edits: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.unknown_routes: list[str] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.resumes = 0
        self._last_id = 0
        self._messages: dict[int, dict[str, Any]] = {}
        self._deleted: set[int] = set()
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self.guild_locale = "en-US"  # the server's language (Server Settings → Community)
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._first_sync: list[dict[str, Any]] | None = None
        self._interactions: dict[int, FakeInteraction] = {}
        self._by_token: dict[str, FakeInteraction] = {}
        self._modals: dict[str, tuple[dict[str, Any], FakeInteraction]] = {}
        self._limits: list[_RateLimit] = []
        self._sockets: set[web.WebSocketResponse] = set()
        self._ws: web.WebSocketResponse | None = None
        self._session_id: str | None = None
        self._seq = 0
        self._send_lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._init_members()

    # ----------------------------------------------------------------- addresses

    @property
    def api_url(self) -> str:
        """The REST base to put in discord.http.Route.BASE."""
        return f"{self.url}{API}"

    @property
    def gateway_url(self) -> str:
        """The gateway to put in DiscordWebSocket.DEFAULT_GATEWAY."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ----------------------------------------------------------------- set-up

    def add_user(
        self,
        id: int,
        username: str,
        roles: tuple[int, ...] | list[int] = (),
        dms_closed: bool = False,
    ) -> FakeUser:
        """Make a user known; unknown role ids become guild roles named role-<id>."""
        for role_id in roles:
            if role_id not in self.roles:
                self.add_role(role_id, f"role-{role_id}")
        user = FakeUser(id=id, username=username, roles=list(roles), dms_closed=dms_closed)
        self.users[id] = user
        return user

    def add_role(self, id: int, name: str, permissions: int = 0) -> dict[str, Any]:
        """Add a guild role (sent as GUILD_ROLE_CREATE before the next event once connected)."""
        role = {
            "id": str(id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": 0 if id == self.guild_id else len(self.roles),
            "permissions": str(permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        self.roles[id] = role
        if self._ready:
            self._pending_events.append(
                ("GUILD_ROLE_CREATE", {"guild_id": str(self.guild_id), "role": role})
            )
        return role

    def rate_limit(
        self, method: str, path_regex: str, retry_after: float = 0.3, times: int = 1
    ) -> None:
        """Answer the next `times` matching REST calls (path after /api/v10, re.search) with 429."""
        self._limits.append(_RateLimit(method.upper(), re.compile(path_regex), retry_after, times))

    def outage(self, method: str, path_regex: str, status: int = 503, times: int = 1) -> None:
        """Answer the next `times` matching REST calls with this 5xx status."""
        self._limits.append(_RateLimit(method.upper(), re.compile(path_regex), 0, times, status))

    # ----------------------------------------------------------------- reading state

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The commands currently synced (global when guild_id is None)."""
        return list(self._commands.get(guild_id, []))

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        """Visible messages in a channel (ephemeral replies left out), edits applied, in order."""
        return [
            m
            for mid, m in self._messages.items()
            if int(m["channel_id"]) == channel_id
            and mid not in self._deleted
            and not m["flags"] & EPHEMERAL
        ]

    def dms(self, user_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to that user's DM channel, in order."""
        channel_id = self._dm_channels.get(user_id)
        return [] if channel_id is None else self.channel_messages(channel_id)

    def dm_channel_id(self, user_id: int) -> int:
        """The stable id of the DM channel between the bot and that user."""
        if user_id not in self._dm_channels:
            self._dm_channels[user_id] = self._snowflake()
        return self._dm_channels[user_id]

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until IDENTIFY was answered with READY and GUILD_CREATE."""
        await self._wait(lambda: True if self._ready else None, timeout, "IDENTIFY → READY")

    async def wait_resumed(self, timeout: float = 10.0) -> None:
        """Wait until the client resumed its session after disconnect_gateway()."""
        await self._wait(
            lambda: True if self._ws is not None and self.resumes > 0 else None, timeout, "a RESUME"
        )

    async def wait_commands_synced(self, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The answer to the first PUT of commands (global or guild)."""
        return await self._wait(lambda: self._first_sync, timeout, "a command sync (PUT commands)")

    async def wait_for_message(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first message the bot created anywhere (channels, DMs, replies) that matches."""

        def check() -> dict[str, Any] | None:
            return next(
                (
                    m
                    for mid, m in self._messages.items()
                    if mid not in self._deleted and predicate(m)
                ),
                None,
            )

        return await self._wait(check, timeout, "a matching message")

    # ----------------------------------------------------------------- acting as users

    async def slash(
        self,
        user: FakeUser | int,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        channel_id: int | None = None,
        in_dm: bool = False,
    ) -> FakeInteraction:
        """Run a synced slash command as this user; option values are typed from the definition."""
        data = self._command_data(name, options or {}, None, subcommand, in_dm)
        return await self._interact(user, 2, data, channel_id=channel_id, in_dm=in_dm)

    async def autocomplete(
        self,
        user: FakeUser | int,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        subcommand: str | None = None,
        channel_id: int | None = None,
        in_dm: bool = False,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Type into an autocomplete option and return the choices the bot offered."""
        data = self._command_data(name, options, focused, subcommand, in_dm)
        interaction = await self._interact(user, 4, data, channel_id=channel_id, in_dm=in_dm)
        body = await interaction.response(timeout)
        assert body["type"] == 8, f"autocomplete answered with callback type {body['type']}"
        return list(body["data"]["choices"])

    async def click(
        self,
        user: FakeUser | int,
        message: dict[str, Any],
        custom_id: str,
        *,
        values: list[str] | None = None,
    ) -> FakeInteraction:
        """Press a button (or pick select values) on a message the bot sent."""
        stored = self._messages.get(int(message["id"]))
        assert stored is not None and int(message["id"]) not in self._deleted, (
            f"message {message['id']} does not exist (deleted?)"
        )
        found = [c for c in _walk_components(stored.get("components") or []) if c.get("custom_id")]
        component = next((c for c in found if c["custom_id"] == custom_id), None)
        assert component is not None, (
            f"no component {custom_id!r} on message {message['id']}; "
            f"it has {[c['custom_id'] for c in found]}"
        )
        assert not component.get("disabled"), f"component {custom_id!r} is disabled"
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in (3, 5, 6, 7, 8):
            data["values"] = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            assert low <= len(data["values"]) <= high, (
                f"{values}: select {custom_id!r} takes {low} to {high} values"
            )
            if component["type"] == 3:
                allowed = {o["value"] for o in component.get("options", [])}
                assert set(data["values"]) <= allowed, (
                    f"{values} not in select options {sorted(allowed)}"
                )
            else:
                data["resolved"] = self._resolved_select(user, component, data["values"])
        else:
            assert values is None, f"component {custom_id!r} is a button; it takes no values"
        channel_id = int(stored["channel_id"])
        in_dm = channel_id not in self.channels
        return await self._interact(
            user, 3, data, channel_id=channel_id, in_dm=in_dm, message=stored
        )

    def _resolved_select(
        self, user: FakeUser | int, component: dict[str, Any], values: list[str]
    ) -> dict[str, Any]:
        """The `resolved` objects Discord sends with a user, role, mentionable or channel pick."""
        kind = component["type"]
        resolved: dict[str, dict[str, Any]] = {}
        for value in values:
            target = int(value)
            if kind in (6, 7) and target in self.roles:
                resolved.setdefault("roles", {})[value] = self.roles[target]
            elif kind in (5, 7) and target in self.users:
                who = self.users[target]
                resolved.setdefault("users", {})[value] = self._user_payload(who)
                member = self._member_payload(who, with_user=False)
                resolved.setdefault("members", {})[value] = member
            elif kind == 8 and target in self.channels:
                types = component.get("channel_types")
                assert types is None or 0 in types, f"channel {target} is not of types {types}"
                resolved.setdefault("channels", {})[value] = {
                    "id": value,
                    "name": self.channels[target],
                    "type": 0,
                    "parent_id": None,
                    "permissions": str(self._permissions(self._resolve_user(user))),
                }
            else:
                raise AssertionError(f"{value} cannot be picked in a type {kind} select")
        return resolved

    async def submit_modal(
        self,
        user: FakeUser | int,
        custom_id: str,
        fields: dict[str, str | list[str]],
        *,
        message: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        """Submit a modal the bot showed; fields map text input custom_id to its value."""
        assert custom_id in self._modals, (
            f"the bot never showed a modal {custom_id!r}; shown: {sorted(self._modals)}"
        )
        modal, origin = self._modals[custom_id]
        known = {
            c["custom_id"] for c in _walk_components(modal["components"]) if c.get("custom_id")
        }
        unknown = set(fields) - known
        assert not unknown, (
            f"modal {custom_id!r} has no inputs {sorted(unknown)}; it has {sorted(known)}"
        )

        def answer(comp: dict[str, Any]) -> dict[str, Any] | None:
            if comp["type"] == 1:
                inner = [a for c in comp.get("components", []) if (a := answer(c)) is not None]
                return {"type": 1, "components": inner}
            if comp["type"] == 18:
                inner_answer = answer(comp["component"])
                return None if inner_answer is None else {"type": 18, "component": inner_answer}
            if "custom_id" not in comp:
                return None
            value = fields.get(comp["custom_id"], "")
            if comp["type"] == 4:
                return {"type": 4, "custom_id": comp["custom_id"], "value": value}
            values = value if isinstance(value, list) else [value] if value else []
            return {"type": comp["type"], "custom_id": comp["custom_id"], "values": values}

        components = [a for c in modal["components"] if (a := answer(c)) is not None]
        data = {"custom_id": custom_id, "components": components}
        origin_message = message or origin.payload.get("message")
        stored = self._messages.get(int(origin_message["id"])) if origin_message else None
        return await self._interact(
            user,
            5,
            data,
            channel_id=origin.channel_id,
            in_dm="guild_id" not in origin.payload,
            message=stored,
        )

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any gateway DISPATCH (op 0) to the connected client."""
        await self._send_event(event, data)

    async def disconnect_gateway(self) -> None:
        """Close the websocket with 4000; the client should reconnect and RESUME."""
        ws = self._ws
        self._ws = None
        self.resumes = 0
        if ws is not None:
            await ws.close(code=4000, message=b"fake disconnect")

    # ----------------------------------------------------------------- server

    async def stop(self) -> None:
        """Close open gateway sockets, then stop the HTTP server."""
        self._ws = None
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"going away")
        await super().stop()

    def build_app(self) -> web.Application:
        app = web.Application()
        route = app.router.add_route
        h = self._handler
        route("GET", "/gateway", self._gateway)
        route("GET", "/attachments/{cid}/{aid}/{name}", self._attachment)
        # Discord documents GET /gateway as needing no token.
        route("GET", API + "/gateway", self._handler(self._get_gateway, auth=False))
        route("GET", API + "/gateway/bot", h(self._get_gateway_bot))
        route("GET", API + "/users/@me", h(self._get_me))
        route("GET", API + r"/users/{uid:\d+}", h(self._get_user))
        route("POST", API + "/users/@me/channels", h(self._open_dm))
        route("GET", API + "/oauth2/applications/@me", h(self._get_application))
        route("GET", API + "/applications/@me", h(self._get_application))
        for path in (
            r"/applications/{app:\d+}/commands",
            r"/applications/{app:\d+}/guilds/{gid:\d+}/commands",
        ):
            route("PUT", API + path, h(self._put_commands))
            route("GET", API + path, h(self._get_commands))
        route(
            "POST", API + r"/interactions/{iid:\d+}/{token}/callback", h(self._callback, auth=False)
        )
        route("POST", API + r"/webhooks/{app:\d+}/{token}", h(self._webhook_execute, auth=False))
        webhook_message = API + r"/webhooks/{app:\d+}/{token}/messages/{mid}"
        for method in ("GET", "PATCH", "DELETE"):
            route(method, webhook_message, h(self._webhook_message, auth=False))
        route("GET", API + r"/channels/{cid:\d+}", h(self._get_channel))
        route("GET", API + r"/channels/{cid:\d+}/messages", h(self._list_messages))
        route("POST", API + r"/channels/{cid:\d+}/messages", h(self._create_message))
        route("GET", API + r"/channels/{cid:\d+}/messages/pins", h(self._list_pins))
        route("GET", API + r"/channels/{cid:\d+}/pins", h(self._list_pins_legacy))
        for pins in (
            r"/channels/{cid:\d+}/messages/pins/{mid:\d+}",
            r"/channels/{cid:\d+}/pins/{mid:\d+}",
        ):
            route("PUT", API + pins, h(self._pin))
            route("DELETE", API + pins, h(self._pin))
        message = API + r"/channels/{cid:\d+}/messages/{mid:\d+}"
        for method in ("GET", "PATCH", "DELETE"):
            route(method, message, h(self._message))
        route("GET", API + r"/guilds/{gid:\d+}", h(self._get_guild))
        route("GET", API + r"/guilds/{gid:\d+}/members/{uid:\d+}", h(self._get_member))
        route("*", "/{tail:.*}", h(self._unknown, auth=False))
        return app

    def _handler(
        self, func: Callable[[web.Request], Any], *, auth: bool = True
    ) -> Callable[..., Any]:
        """Wrap a REST handler with the token check, scripted 429s and JSON errors."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                    raise _Reject(401, 0, "401: Unauthorized")
                limited = self._take_rate_limit(request)
                if limited is not None:
                    return limited
                response: web.StreamResponse = await func(request)
                return response
            except _Reject as exc:
                self._record_error(request, exc.status, exc.body)
                return _json(exc.body, status=exc.status)

        return wrapped

    def _record_error(self, request: web.Request, status: int, body: dict[str, Any]) -> None:
        self.errors.append(
            {"method": request.method, "path": request.path, "status": status, "body": body}
        )
        self._bump()

    def _take_rate_limit(self, request: web.Request) -> web.Response | None:
        path = request.path.removeprefix(API)
        for limit in self._limits:
            if limit.times > 0 and limit.method == request.method and limit.pattern.search(path):
                limit.times -= 1
                if limit.status != 429:
                    self._record_error(request, limit.status, {"message": "Server error"})
                    return web.Response(status=limit.status, text="upstream connect error")
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": limit.retry_after,
                    "global": False,
                }
                self._record_error(request, 429, body)
                reset = time.time() + limit.retry_after
                # discord.py treats a 429 without a Via header as a Cloudflare ban and gives up.
                headers = {
                    "Retry-After": str(max(1, round(limit.retry_after + 0.5))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{reset:.3f}",
                    "X-RateLimit-Reset-After": f"{limit.retry_after:.3f}",
                    "X-RateLimit-Bucket": f"fake{zlib.crc32(limit.pattern.pattern.encode()):08x}",
                    "X-RateLimit-Scope": "user",
                    "Via": "1.1 google",
                }
                return _json(body, status=429, headers=headers)
        return None

    # ----------------------------------------------------------------- internals

    def _snowflake(self) -> int:
        """A fresh, increasing snowflake whose timestamp is now."""
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_id = max(now, self._last_id + 1)
        return self._last_id

    def _bump(self) -> None:
        """Wake every waiter so it re-checks its condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "; ".join(
                    f"{e['method']} {e['path']} → {e['status']} {e['body']}"
                    for e in self.errors[-3:]
                )
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}"
                    + (f" (recent errors: {recent})" if recent else "")
                    + (
                        f" (unknown routes: {self.unknown_routes[-3:]})"
                        if self.unknown_routes
                        else ""
                    )
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def _payload(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        raw = await request.read()
        if request.content_type == "multipart/form-data":
            return _parse_multipart(raw, request.headers["Content-Type"])
        if not raw:
            return {}, []
        try:
            return json.loads(raw), []
        except ValueError:
            raise _Reject(400, 50109, "The request body contains invalid JSON.") from None

    def _user_payload(self, user: FakeUser) -> dict[str, Any]:
        return {
            "id": str(user.id),
            "username": user.username,
            "discriminator": "0",
            "global_name": user.username,
            "avatar": None,
            "bot": False,
            "public_flags": 0,
        }

    def _bot_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.bot_user_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "system": False,
            "mfa_enabled": False,
            "verified": True,
            "flags": 0,
            "public_flags": 0,
            "email": None,
        }

    def _permissions(self, user: FakeUser) -> int:
        if user.id == self.owner_id:
            return ALL_PERMISSIONS
        value = int(self.roles[self.guild_id]["permissions"])
        for role_id in user.roles:
            role = self.roles.get(role_id)
            if role is not None:
                value |= int(role["permissions"])
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def _member_payload(self, user: FakeUser, *, with_user: bool = True) -> dict[str, Any]:
        member: dict[str, Any] = {
            "roles": [str(r) for r in user.roles],
            "joined_at": JOINED_AT,
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
            "permissions": str(self._permissions(user)),
        }
        if with_user:
            member["user"] = self._user_payload(user)
        return member

    def _channel_payload(self, channel_id: int, permissions: int | None = None) -> dict[str, Any]:
        if channel_id in self.channels:
            channel: dict[str, Any] = {
                "id": str(channel_id),
                "type": 0,
                "guild_id": str(self.guild_id),
                "name": self.channels[channel_id],
                "position": list(self.channels).index(channel_id),
                "permission_overwrites": list(self.overwrites.get(channel_id, [])),
                "topic": None,
                "nsfw": False,
                "parent_id": None,
                "rate_limit_per_user": 0,
                "last_message_id": None,
                "flags": 0,
            }
            if permissions is not None:
                channel["permissions"] = str(permissions)
            return channel
        owner = next((uid for uid, cid in self._dm_channels.items() if cid == channel_id), None)
        if owner is None:
            raise _Reject(404, 10003, "Unknown Channel")
        user = self.users.get(owner) or FakeUser(owner, f"user{owner}")
        return {
            "id": str(channel_id),
            "type": 1,
            "recipients": [self._user_payload(user)],
            "last_message_id": None,
            "flags": 0,
        }

    def _guild_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id),
            "name": "MediaNest Test Guild",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "en-US",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.guild_locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "features": [],
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
        }

    def _guild_create_payload(self) -> dict[str, Any]:
        return {
            **self._guild_payload(),
            "unavailable": False,
            "large": False,
            "lazy": True,
            "joined_at": JOINED_AT,
            "member_count": len(self.users) + 1,
            "channels": [self._channel_payload(cid) for cid in self.channels],
            "members": self._guild_create_members(),
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _resolve_user(self, user: FakeUser | int) -> FakeUser:
        if isinstance(user, FakeUser):
            return user
        assert user in self.users, f"user {user} is unknown to the fake; call add_user() first"
        return self.users[user]

    def _find_command(self, name: str, in_dm: bool) -> tuple[dict[str, Any], bool]:
        places: list[int | None] = [None] if in_dm else [self.guild_id, None]
        for place in places:
            for cmd in self._commands.get(place, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    if in_dm and (
                        cmd.get("dm_permission") is False
                        or 1 not in (cmd.get("contexts") or [0, 1])
                    ):
                        raise AssertionError(f"/{name} is not usable in DMs")
                    return cmd, place is not None
        synced = {str(k): [c["name"] for c in v] for k, v in self._commands.items()}
        raise AssertionError(
            f"no slash command /{name} is synced{' globally' if in_dm else ''}; synced: {synced}"
        )

    def _command_data(
        self,
        name: str,
        options: dict[str, Any],
        focused: str | None,
        subcommand: str | None,
        in_dm: bool,
    ) -> dict[str, Any]:
        command, is_guild = self._find_command(name, in_dm)
        where = f"/{name}"
        definitions: list[dict[str, Any]] = command.get("options") or []
        chain: list[dict[str, Any]] = []
        for part in (subcommand or "").split():
            sub = next((o for o in definitions if o["type"] in (1, 2) and o["name"] == part), None)
            subs = [o["name"] for o in definitions if o["type"] in (1, 2)]
            assert sub is not None, f"{where} has no subcommand {part!r}; it has {subs}"
            chain.append(sub)
            where += f" {part}"
            definitions = sub.get("options") or []
        leftover = [o["name"] for o in definitions if o["type"] in (1, 2)]
        assert not leftover, f"{where} needs subcommand= one of {leftover}"
        resolved: dict[str, dict[str, Any]] = {}
        typed = self._typed_options(where, definitions, options, focused, in_dm, resolved)
        for sub in reversed(chain):
            typed = [{"type": sub["type"], "name": sub["name"], "options": typed}]
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": typed}
        if is_guild:
            data["guild_id"] = str(self.guild_id)
        if resolved:
            data["resolved"] = resolved
        return data

    def _typed_options(
        self,
        where: str,
        definitions: list[dict[str, Any]],
        values: dict[str, Any],
        focused: str | None,
        in_dm: bool,
        resolved: dict[str, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in definitions}
        if focused is not None:
            assert focused in values, f"focused option {focused!r} needs a value in options"
        else:
            missing = [
                d["name"] for d in definitions if d.get("required") and d["name"] not in values
            ]
            assert not missing, f"{where} is missing required options {missing}"
        typed = []
        for key, value in values.items():
            definition = by_name.get(key)
            assert definition is not None, (
                f"{where} has no option {key!r}; it has {sorted(by_name)}"
            )
            kind = definition["type"]
            if key == focused:
                assert definition.get("autocomplete"), (
                    f"option {key!r} of {where} has no autocomplete"
                )
                typed.append({"name": key, "type": kind, "value": str(value), "focused": True})
                continue
            converted = self._convert(where, definition, value, in_dm, resolved)
            typed.append({"name": key, "type": kind, "value": converted})
        return typed

    def _convert(
        self,
        where: str,
        definition: dict[str, Any],
        value: Any,
        in_dm: bool,
        resolved: dict[str, dict[str, Any]],
    ) -> Any:
        kind, name = definition["type"], definition["name"]
        label = f"option {name!r} of {where}"
        if kind == 3:
            assert isinstance(value, str), f"{label} is a string, got {value!r}"
            length_ok = (
                definition.get("min_length", 0) <= len(value) <= definition.get("max_length", 6000)
            )
            assert length_ok, f"{label}: {value!r} breaks min/max_length"
        elif kind == 4:
            assert isinstance(value, int) and not isinstance(value, bool), (
                f"{label} is an integer, got {value!r}"
            )
        elif kind == 5:
            assert isinstance(value, bool), f"{label} is a boolean, got {value!r}"
        elif kind == 10:
            assert isinstance(value, int | float) and not isinstance(value, bool), (
                f"{label} is a number"
            )
            value = float(value)
        if kind in (4, 10):
            low, high = definition.get("min_value"), definition.get("max_value")
            assert (low is None or value >= low) and (high is None or value <= high), (
                f"{label}: {value} out of range"
            )
        if kind in (3, 4, 10):
            choices = [c["value"] for c in definition.get("choices") or []]
            assert not choices or value in choices, (
                f"{label}: {value!r} is not one of the choices {choices}"
            )
            return value
        if kind == 5:
            return value
        if kind in (6, 9) and (
            isinstance(value, FakeUser) or (isinstance(value, int) and value in self.users)
        ):
            user = self._resolve_user(value)
            resolved.setdefault("users", {})[str(user.id)] = self._user_payload(user)
            if not in_dm:
                resolved.setdefault("members", {})[str(user.id)] = self._member_payload(
                    user, with_user=False
                )
            return str(user.id)
        if kind in (8, 9) and isinstance(value, int) and value in self.roles:
            resolved.setdefault("roles", {})[str(value)] = self.roles[value]
            return str(value)
        if kind == 7 and isinstance(value, int) and value in self.channels:
            channel = self._channel_payload(value, ALL_PERMISSIONS)
            resolved.setdefault("channels", {})[str(value)] = channel
            return str(value)
        raise AssertionError(
            f"{label} (type {kind}) got {value!r}; add the user or role first, or use a known id"
        )

    async def _interact(
        self,
        user: FakeUser | int,
        kind: int,
        data: dict[str, Any],
        *,
        channel_id: int | None,
        in_dm: bool,
        message: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        """Build an INTERACTION_CREATE, remember it, and send it on the gateway."""
        who = self._resolve_user(user)
        interaction_id = self._snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(24),
            "version": 1,
            "locale": who.locale,
            "entitlements": [],
            "app_permissions": str(ALL_PERMISSIONS),
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": data,
        }
        if in_dm:
            cid = self.dm_channel_id(who.id)
            payload.update(
                user=self._user_payload(who),
                context=1,
                authorizing_integration_owners={"0": "0"},
                channel=self._channel_payload(cid),
            )
        else:
            cid = channel_id if channel_id is not None else next(iter(self.channels))
            assert cid in self.channels, (
                f"channel {cid} is not one of the guild channels {list(self.channels)}"
            )
            payload.update(
                guild_id=str(self.guild_id),
                guild_locale=self.guild_locale,
                guild={"id": str(self.guild_id), "locale": self.guild_locale, "features": []},
                member=self._member_payload(who),
                context=0,
                authorizing_integration_owners={"0": str(self.guild_id)},
                channel=self._channel_payload(cid, self._permissions(who)),
            )
        payload["channel_id"] = str(cid)
        if message is not None:
            payload["message"] = self._wire(message)
        interaction = FakeInteraction(self, payload)
        self._interactions[interaction.id] = interaction
        self._by_token[interaction.token] = interaction
        await self._send_event("INTERACTION_CREATE", payload)
        return interaction

    def _wire(self, msg: dict[str, Any]) -> dict[str, Any]:
        """The message as Discord sends it (attachment bytes left out)."""
        out = dict(msg)
        out["attachments"] = [
            {k: v for k, v in a.items() if k != "data"} for a in msg["attachments"]
        ]
        return out

    def _attachments(
        self,
        channel_id: int,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        old: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        listed = payload.get("attachments")
        if listed is None:
            kept = list(old)
        else:
            keep_ids = {str(a.get("id")) for a in listed}
            kept = [a for a in old if a["id"] in keep_ids]
        described = {str(a.get("id")): a for a in listed or []}
        for f in files:
            attachment_id = self._snowflake()
            meta = described.get(str(f["index"]), {})
            quoted = urllib.parse.quote(f["filename"])
            url = f"{self.url}/attachments/{channel_id}/{attachment_id}/{quoted}"
            kept.append(
                {
                    "id": str(attachment_id),
                    "filename": meta.get("filename") or f["filename"],
                    "description": meta.get("description"),
                    "size": f["size"],
                    "content_type": f["content_type"],
                    "url": url,
                    "proxy_url": url,
                    "data": f["data"],
                }
            )
        return kept

    def _new_message(
        self,
        channel_id: int,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        interaction: FakeInteraction | None = None,
        message_type: int = 0,
    ) -> dict[str, Any]:
        message_id = self._snowflake()
        content = payload.get("content") or ""
        mentioned = [int(m) for m in re.findall(r"<@!?(\d+)>", content)]
        msg: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": message_type,
            "content": content,
            "author": self._bot_payload(),
            "attachments": self._attachments(channel_id, payload, files, []),
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "mentions": [self._user_payload(self.users[m]) for m in mentioned if m in self.users],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(payload.get("tts")),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "flags": int(payload.get("flags") or 0),
        }
        if payload.get("message_reference"):
            msg["message_reference"] = payload["message_reference"]
        if interaction is not None:
            owner = interaction.payload.get("member", {}).get("user") or interaction.payload.get(
                "user"
            )
            msg.update(
                webhook_id=str(self.application_id),
                application_id=str(self.application_id),
                interaction_metadata={
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": owner,
                    "authorizing_integration_owners": interaction.payload[
                        "authorizing_integration_owners"
                    ],
                },
            )
        self._messages[message_id] = msg
        self._bump()
        return msg

    def _edit(
        self,
        msg: dict[str, Any],
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        record: bool = True,
    ) -> None:
        """Apply an edit to a stored message in place."""
        for key in ("content", "embeds", "components"):
            if key in payload:
                msg[key] = (
                    payload[key] if payload[key] is not None else ("" if key == "content" else [])
                )
        if payload.get("flags") is not None:
            msg["flags"] = (int(payload["flags"]) & ~(EPHEMERAL | LOADING)) | (
                msg["flags"] & EPHEMERAL
            )
        was_loading = msg["flags"] & LOADING
        msg["flags"] &= ~LOADING
        if "attachments" in payload or files:
            msg["attachments"] = self._attachments(
                int(msg["channel_id"]), payload, files, msg["attachments"]
            )
        if not was_loading:
            msg["edited_timestamp"] = _now_iso()
        if record:
            self.edits.append(
                {
                    "channel_id": int(msg["channel_id"]),
                    "message_id": int(msg["id"]),
                    "payload": payload,
                    "at": time.monotonic(),
                }
            )
        self._bump()

    def _stored(self, message_id: int, channel_id: int | None = None) -> dict[str, Any]:
        msg = self._messages.get(message_id)
        if (
            msg is None
            or message_id in self._deleted
            or (channel_id is not None and int(msg["channel_id"]) != channel_id)
        ):
            raise _Reject(404, 10008, "Unknown Message")
        return msg

    def _channel_exists(self, channel_id: int) -> None:
        if channel_id not in self.channels and channel_id not in self._dm_channels.values():
            raise _Reject(404, 10003, "Unknown Channel")

    async def _send_event(self, event: str, data: dict[str, Any]) -> None:
        ws = await self._wait(
            lambda: self._ws if self._ws is not None and not self._ws.closed else None,
            10.0,
            "a live gateway connection",
        )
        events = [*self._pending_events, (event, data)]
        self._pending_events.clear()
        for name, body in events:
            await self._send_dispatch(ws, name, body)

    async def _send_dispatch(
        self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]
    ) -> None:
        async with self._send_lock:
            self._seq += 1
            await ws.send_str(json.dumps({"op": 0, "s": self._seq, "t": event, "d": data}))

    async def _send_op(self, ws: web.WebSocketResponse, packet: dict[str, Any]) -> None:
        async with self._send_lock:
            await ws.send_str(json.dumps(packet))

    # ----------------------------------------------------------------- gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await self._send_op(ws, {"op": 10, "d": {"heartbeat_interval": 41250}})
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                packet = json.loads(frame.data)
                self.gateway_received.append(packet)
                op, d = packet.get("op"), packet.get("d")
                if op == 1:
                    await self._send_op(ws, {"op": 11})
                elif op == 2:
                    await self._identify(ws, d)
                elif op == 6:
                    await self._resume(ws, d)
                elif op == 8:
                    await self._request_members(ws, d)
        finally:
            self._sockets.discard(ws)
            if self._ws is ws:
                self._ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if not await self._check_intents(ws, d):
            return
        self._session_id = secrets.token_hex(16)
        self._seq = 0
        self._pending_events.clear()
        guilds = [{"id": str(self.guild_id), "unavailable": True}] if self.bot_in_guild else []
        ready = {
            "v": 10,
            "user": self._bot_payload(),
            "guilds": guilds,
            "session_id": self._session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        }
        await self._send_dispatch(ws, "READY", ready)
        if self.bot_in_guild:
            await self._send_dispatch(ws, "GUILD_CREATE", self._guild_create_payload())
        self._ws = ws
        self._ready = True
        self._bump()

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if d.get("token") != self.token or d.get("session_id") != self._session_id:
            await self._send_op(ws, {"op": 9, "d": False})
            return
        await self._send_dispatch(ws, "RESUMED", {"_trace": ["fake-discord"]})
        self._ws = ws
        self.resumes += 1
        self._bump()

    # ----------------------------------------------------------------- REST: identity

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json(self._bot_payload())

    async def _get_user(self, request: web.Request) -> web.Response:
        user_id = int(request.match_info["uid"])
        if user_id == self.bot_user_id:
            return _json(self._bot_payload())
        if user_id not in self.users:
            raise _Reject(404, 10013, "Unknown User")
        return _json(self._user_payload(self.users[user_id]))

    async def _get_application(self, request: web.Request) -> web.Response:
        owner = FakeUser(self.owner_id, "owner")
        return _json(
            {
                "id": str(self.application_id),
                "name": self.bot_name,
                "description": "",
                "icon": None,
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self._user_payload(owner),
                "team": None,
                "summary": "",
                "verify_key": "0" * 64,
                # GATEWAY_GUILD_MEMBERS_LIMITED (1 << 15): the portal's switch, under 100 servers
                "flags": (1 << 15) if self.allowed_intents & GUILD_MEMBERS else 0,
                "bot": self._bot_payload(),
            }
        )

    async def _open_dm(self, request: web.Request) -> web.Response:
        body, _ = await self._payload(request)
        user_id = int(body.get("recipient_id", 0))
        if user_id not in self.users:
            raise _Reject(404, 10013, "Unknown User")
        return _json(self._channel_payload(self.dm_channel_id(user_id)))

    # ----------------------------------------------------------------- REST: commands

    def _check_app(self, request: web.Request) -> None:
        if int(request.match_info.get("app", "0")) != self.application_id:
            raise _Reject(403, 50001, "Missing Access")

    def _command_place(self, request: web.Request) -> int | None:
        self._check_app(request)
        gid = request.match_info.get("gid")
        if gid is not None and (int(gid) != self.guild_id or not self.bot_in_guild):
            raise _Reject(403, 50001, "Missing Access")
        return None if gid is None else int(gid)

    async def _put_commands(self, request: web.Request) -> web.Response:
        place = self._command_place(request)
        body, _ = await self._payload(request)
        errors: dict[str, Any] = {}
        for i, cmd in enumerate(body):
            chat_input = cmd.get("type", 1) == 1
            name = cmd.get("name", "")
            if chat_input and (not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower()):
                errors.update(
                    _form_error(f"{i}.name", "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
                )
            if chat_input and not 1 <= len(cmd.get("description", "")) <= 100:
                errors.update(
                    _form_error(f"{i}.description", "BASE_TYPE_BAD_LENGTH", "Must be 1-100 long.")
                )
            errors.update(_localization_errors(str(i), cmd))
            if len(cmd.get("options") or []) > 25:
                errors.update(
                    _form_error(f"{i}.options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
                )
        if errors:
            raise _Reject(400, 50035, "Invalid Form Body", errors)
        result = []
        for cmd in body:
            key = (place, cmd["name"], cmd.get("type", 1))
            command_id = self._command_ids.setdefault(key, self._snowflake())
            out = {
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                **cmd,
                "id": str(command_id),
                "application_id": str(self.application_id),
                "version": str(self._snowflake()),
                "type": cmd.get("type", 1),
            }
            if place is not None:
                out["guild_id"] = str(place)
            if (
                out["default_member_permissions"] is not None
            ):  # sent as int or string, kept as string
                out["default_member_permissions"] = str(out["default_member_permissions"])
            result.append(out)
        self._commands[place] = result
        if self._first_sync is None:
            self._first_sync = result
        self._bump()
        return _json(result)

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self.commands(self._command_place(request)))

    # ----------------------------------------------------------------- REST: interactions

    def _interaction_for(self, request: web.Request) -> FakeInteraction:
        self._check_app(request)
        interaction = self._by_token.get(request.match_info["token"])
        if interaction is None:
            raise _Reject(404, 10015, "Unknown Webhook")
        return interaction

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        interaction = self._interactions.get(int(request.match_info["iid"]))
        if interaction is None or interaction.token != request.match_info["token"]:
            raise _Reject(404, 10062, "Unknown interaction")
        body, files = await self._payload(request)
        if interaction.responses:
            interaction.rejected.append(body)
            raise _Reject(400, 40060, "Interaction has already been acknowledged.")
        kind = body.get("type")
        data = body.get("data") or {}
        resource: dict[str, Any] | None = None
        target = interaction.payload.get("message")
        if kind == 4:
            _validate_message(data, files, edit=False)
            message_type = 20 if interaction.type == 2 else 0
            msg = self._new_message(
                interaction.channel_id,
                data,
                files,
                interaction=interaction,
                message_type=message_type,
            )
            interaction._original_id = int(msg["id"])
            resource = {"type": 4, "message": self._wire(msg)}
        elif kind == 5:
            loading = {"content": "", "flags": LOADING | (int(data.get("flags") or 0) & EPHEMERAL)}
            msg = self._new_message(
                interaction.channel_id, loading, [], interaction=interaction, message_type=20
            )
            interaction._original_id = int(msg["id"])
            resource = {"type": 5, "message": self._wire(msg)}
        elif kind == 6 and target is None:
            pass  # a modal submitted from a slash command: a plain acknowledgement
        elif kind in (6, 7):
            if target is None:
                raise _Reject(400, 40004, "Interaction has no message to update")
            stored = self._stored(int(target["id"]))
            if kind == 7:
                _validate_message(data, files, edit=True)
                self._edit(stored, data, files)
            interaction._original_id = int(stored["id"])
            resource = {"type": kind, "message": self._wire(stored)}
        elif kind == 8:
            choices = data.get("choices") or []
            bad = len(choices) > 25 or any(not 1 <= len(c.get("name", "")) <= 100 for c in choices)
            if bad:
                raise _Reject(
                    400,
                    50035,
                    "Invalid Form Body",
                    _form_error(
                        "data.choices", "BASE_TYPE_MAX_LENGTH", "1-25 choices, names 1-100 chars"
                    ),
                )
        elif kind == 9:
            self._modals[data["custom_id"]] = (data, interaction)
            resource = {"type": 9}
        else:
            raise _Reject(
                400,
                50035,
                "Invalid Form Body",
                _form_error("type", "BASE_TYPE_CHOICES", f"Bad type {kind}"),
            )
        interaction.responses.append(body)
        self._bump()
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        original = interaction.original
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(original and original["flags"] & EPHEMERAL),
            }
        }
        if original is not None and kind in (4, 5, 6, 7):
            answer["interaction"]["response_message_id"] = original["id"]
        if resource is not None:
            answer["resource"] = resource
        return _json(answer)

    async def _webhook_execute(self, request: web.Request) -> web.StreamResponse:
        interaction = self._interaction_for(request)
        if not interaction.responses:
            raise _Reject(404, 10015, "Unknown Webhook")
        payload, files = await self._payload(request)
        _validate_message(payload, files, edit=False)
        original = interaction.original
        if original is not None and original["flags"] & LOADING:
            # After a thinking defer, the first followup replaces the "thinking…" message.
            self._edit(original, payload, files, record=False)
            msg = original
        else:
            msg = self._new_message(interaction.channel_id, payload, files, interaction=interaction)
        interaction._followup_ids.append(int(msg["id"]))
        self._bump()
        if request.query.get("wait", "").lower() in ("1", "true"):
            return _json(self._wire(msg))
        return web.Response(status=204)

    async def _webhook_message(self, request: web.Request) -> web.StreamResponse:
        interaction = self._interaction_for(request)
        raw_id = request.match_info["mid"]
        if raw_id == "@original":
            if interaction._original_id is None:
                raise _Reject(404, 10008, "Unknown Message")
            message_id = interaction._original_id
        else:
            message_id = int(raw_id) if raw_id.isdigit() else 0
            if message_id not in (interaction._original_id, *interaction._followup_ids):
                raise _Reject(404, 10008, "Unknown Message")
        msg = self._stored(message_id)
        return await self._edit_or_delete(request, msg, message_id)

    # ----------------------------------------------------------------- REST: channels, guild

    async def _edit_or_delete(
        self, request: web.Request, msg: dict[str, Any], message_id: int
    ) -> web.StreamResponse:
        """GET, PATCH or DELETE one stored message (channel and webhook routes alike)."""
        if request.method == "PATCH":
            payload, files = await self._payload(request)
            _validate_message(payload, files, edit=True)
            self._edit(msg, payload, files)
        elif request.method == "DELETE":
            self._deleted.add(message_id)
            self._bump()
            return web.Response(status=204)
        return _json(self._wire(msg))

    async def _get_channel(self, request: web.Request) -> web.Response:
        return _json(self._channel_payload(int(request.match_info["cid"])))

    async def _list_messages(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["cid"])
        self._channel_exists(channel_id)
        limit = min(int(request.query.get("limit", "50")), 100)
        before = int(request.query.get("before", 1 << 63))
        after = int(request.query.get("after", 0))
        found = [m for m in self.channel_messages(channel_id) if after < int(m["id"]) < before]
        newest_first = list(reversed(found))
        page = (
            newest_first[:limit] if "after" not in request.query else list(reversed(found[:limit]))
        )
        return _json([self._wire(m) for m in page])

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["cid"])
        self._channel_exists(channel_id)
        owner = next((uid for uid, cid in self._dm_channels.items() if cid == channel_id), None)
        if owner is not None and owner in self.users and self.users[owner].dms_closed:
            raise _Reject(403, 50007, "Cannot send messages to this user")
        if owner is None:
            self._bot_may_post(channel_id)
        payload, files = await self._payload(request)
        _validate_message(payload, files, edit=False)
        if payload.get("enforce_nonce") and payload.get("nonce"):
            # Discord returns the earlier message for a repeated nonce (a few minutes' window).
            earlier = next(
                (
                    m
                    for m in self.channel_messages(channel_id)
                    if m.get("nonce") == str(payload["nonce"])
                ),
                None,
            )
            if earlier is not None:
                return _json(self._wire(earlier))
        msg = self._new_message(channel_id, payload, files)
        if payload.get("nonce"):
            msg["nonce"] = str(payload["nonce"])
        return _json(self._wire(msg))

    async def _message(self, request: web.Request) -> web.StreamResponse:
        channel_id, message_id = int(request.match_info["cid"]), int(request.match_info["mid"])
        self._channel_exists(channel_id)
        msg = self._stored(message_id, channel_id)
        return await self._edit_or_delete(request, msg, message_id)

    async def _pin(self, request: web.Request) -> web.Response:
        channel_id, message_id = int(request.match_info["cid"]), int(request.match_info["mid"])
        self._channel_exists(channel_id)
        msg = self._stored(message_id, channel_id)
        msg["pinned"] = request.method == "PUT"
        msg["pinned_at"] = _now_iso() if msg["pinned"] else None
        self._bump()
        return web.Response(status=204)

    def _pinned(self, request: web.Request) -> list[dict[str, Any]]:
        channel_id = int(request.match_info["cid"])
        self._channel_exists(channel_id)
        return [m for m in reversed(self.channel_messages(channel_id)) if m["pinned"]]

    async def _list_pins(self, request: web.Request) -> web.Response:
        items = [
            {"pinned_at": m["pinned_at"], "message": self._wire(m)} for m in self._pinned(request)
        ]
        return _json({"items": items, "has_more": False})

    async def _list_pins_legacy(self, request: web.Request) -> web.Response:
        return _json([self._wire(m) for m in self._pinned(request)])

    async def _get_guild(self, request: web.Request) -> web.Response:
        if int(request.match_info["gid"]) != self.guild_id:
            raise _Reject(404, 10004, "Unknown Guild")
        if not self.bot_in_guild:
            raise _Reject(403, 50001, "Missing Access")
        guild = self._guild_payload()
        if request.query.get("with_counts", "").lower() in ("1", "true"):
            guild.update(approximate_member_count=len(self.users) + 1, approximate_presence_count=0)
        return _json(guild)

    async def _get_member(self, request: web.Request) -> web.Response:
        if int(request.match_info["gid"]) != self.guild_id:
            raise _Reject(404, 10004, "Unknown Guild")
        user_id = int(request.match_info["uid"])
        if user_id == self.bot_user_id and self.bot_in_guild:
            return _json(self._bot_member_payload())
        if user_id not in self.users:
            raise _Reject(404, 10007, "Unknown Member")
        member = self._member_payload(self.users[user_id])
        del member["permissions"]
        return _json(member)

    async def _attachment(self, request: web.Request) -> web.Response:
        attachment_id = request.match_info["aid"]
        for msg in self._messages.values():
            for att in msg["attachments"]:
                if att["id"] == attachment_id:
                    return web.Response(body=att["data"], content_type=att["content_type"])
        return _json({"code": 0, "message": "404: Not Found"}, status=404)

    # ----------------------------------------------------------------- the bot's own membership
    # (what `python -m bot check` reads: is the bot in the guild, which roles and overwrites)

    def leave_guild(self) -> None:
        """Make the bot not a member: GET /guilds/{id} and its guild commands answer 403
        Missing Access, and IDENTIFY's READY lists no guild."""
        self.bot_in_guild = False

    async def join_guild(self) -> None:
        """An admin adds the bot: GUILD_CREATE reaches the connected client (`on_guild_join`)."""
        self.bot_in_guild = True
        joined = self._guild_create_payload()
        del joined["unavailable"]  # a join, unlike a guild coming back, has no `unavailable`
        await self._send_event("GUILD_CREATE", joined)

    def set_overwrite(
        self, channel_id: int, target_id: int, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set a channel's permission overwrite for a role (or @everyone) or a member."""
        kind = 1 if target_id in self.users or target_id == self.bot_user_id else 0
        rest = [o for o in self.overwrites.get(channel_id, []) if int(o["id"]) != target_id]
        entry = {"id": str(target_id), "type": kind, "allow": str(allow), "deny": str(deny)}
        self.overwrites[channel_id] = [*rest, entry]

    def delete_channel(self, channel_id: int) -> None:
        """Remove a guild channel: posting there answers 404 Unknown Channel."""
        del self.channels[channel_id]

    def _bot_channel_permissions(self, channel_id: int) -> int:
        """The bot's permissions in a guild channel: its roles, then the channel's overwrites."""
        value = int(self.roles[self.guild_id]["permissions"])
        for role_id in self.bot_roles:
            value |= int(self.roles[role_id]["permissions"])
        if value & ADMINISTRATOR:
            return ALL_PERMISSIONS
        overwrites = {int(o["id"]): o for o in self.overwrites.get(channel_id, [])}
        everyone = overwrites.get(self.guild_id)
        if everyone:
            value = (value & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for role_id in self.bot_roles:
            if role_id in overwrites:
                allow |= int(overwrites[role_id]["allow"])
                deny |= int(overwrites[role_id]["deny"])
        value = (value & ~deny) | allow
        member = overwrites.get(self.bot_user_id)
        if member:
            value = (value & ~int(member["deny"])) | int(member["allow"])
        return value

    def _bot_may_post(self, channel_id: int) -> None:
        """Discord's answers to a post where the bot may not see or may not send."""
        value = self._bot_channel_permissions(channel_id)
        if not value & VIEW_CHANNEL:
            raise _Reject(403, 50001, "Missing Access")
        if not value & SEND_MESSAGES:
            raise _Reject(403, 50013, "Missing Permissions")

    def _bot_member_payload(self) -> dict[str, Any]:
        return {
            "user": self._bot_payload(),
            "roles": [str(r) for r in self.bot_roles],
            "joined_at": JOINED_AT,
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }

    async def _unknown(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(f"{request.method} {request.path}")
        raise _Reject(404, 0, "404: Not Found")
