"""Which server answers at OVERSEERR_URL, and the Discord ids in a user's notification settings.

Overseerr, Jellyseerr and Seerr serve the same `/api/v1` with small differences: Jellyseerr
and Seerr add `mediaServerType` to `/settings/public` (Overseerr is Plex-only and has none);
Seerr's versions start at 3.0 (Jellyseerr's ended at 2.x); and Seerr 3.3 turned the one
`discordId` into a list, `discordIds`, in the notification settings and the webhook template
variables (seerr-team/seerr#2712).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints

from bot.clients.overseerr.client import OverseerrClient
from bot.clients.overseerr.models import Wire, read

OVERSEERR, JELLYSEERR, SEERR = "Overseerr", "Jellyseerr", "Seerr"
DISCORD_IDS_SINCE = (3, 3)  # the Seerr release that renamed discordId to discordIds
VERSION = re.compile(r"^v?(\d+)\.(\d+)")

# A Discord id is a number of up to 20 digits; Overseerr keeps it as a string, "" when unset.
Snowflake = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def version_tuple(version: str) -> tuple[int, int] | None:
    """(major, minor) of "3.1.0" or "v2.7.3"; None for a source build ("develop-local")."""
    match = VERSION.match(version.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True)
class OverseerrServer:
    """What answers at OVERSEERR_URL: Overseerr, Jellyseerr or Seerr, and its version."""

    kind: str
    version: str

    @property
    def discord_ids_list(self) -> bool:
        """Does it keep a list of Discord ids (`discordIds`) rather than one (`discordId`)?"""
        if self.kind != SEERR:
            return False
        parsed = version_tuple(self.version)
        # A source build is the develop branch, which has the list.
        return parsed is None or parsed >= DISCORD_IDS_SINCE

    def __str__(self) -> str:
        return f"{self.kind} {self.version}"


def identify(version: str, media_server_type: int | None) -> OverseerrServer:
    """Tell the three apart from `/status`'s version and `/settings/public`'s mediaServerType."""
    if media_server_type is None:
        return OverseerrServer(OVERSEERR, version)
    parsed = version_tuple(version)
    kind = SEERR if parsed is None or parsed[0] >= 3 else JELLYSEERR
    return OverseerrServer(kind, version)


class StatusBody(Wire):
    version: str


class PublicServerSettings(Wire):
    media_server_type: int | None = Field(None, alias="mediaServerType")


class NotificationBody(Wire):
    """`/user/{id}/settings/notifications`: only the Discord ids are read."""

    discord_id: Annotated[Snowflake | None, BeforeValidator(_blank_is_none)] = Field(
        None, alias="discordId"
    )
    discord_ids: list[Snowflake] | None = Field(None, alias="discordIds")


@dataclass(frozen=True)
class DiscordSetting:
    """The Discord ids a user set for mentions; `as_list` when the server keeps a list."""

    ids: tuple[str, ...]
    as_list: bool
    raw: dict[str, Any]  # the whole answer: a POST replaces every field, so it goes back whole

    def with_ids(self, ids: list[str]) -> dict[str, Any]:
        """The settings to POST with only the Discord ids changed."""
        body = {k: v for k, v in self.raw.items() if k not in ("discordId", "discordIds")}
        if self.as_list:
            body["discordIds"] = ids
        else:
            body["discordId"] = ids[0] if ids else None
        return body


async def server(client: OverseerrClient) -> OverseerrServer:
    """`GET /status` and `GET /settings/public` (neither needs the key): the server and version."""
    _, status = await client.call("GET", "/status")
    _, public = await client.call("GET", "/settings/public")
    version = read(StatusBody, status, "its status").version
    kind = read(PublicServerSettings, public, "its public settings").media_server_type
    return identify(version, kind)


def _setting(body: Any, as_list: bool) -> DiscordSetting:
    parsed = read(NotificationBody, body, "notification settings")
    if as_list:
        ids = tuple(dict.fromkeys(parsed.discord_ids or []))
    else:
        ids = (parsed.discord_id,) if parsed.discord_id else ()
    return DiscordSetting(ids, as_list, dict(body))


async def discord_setting(
    client: OverseerrClient, user_id: int, found: OverseerrServer
) -> DiscordSetting:
    """`GET /user/{id}/settings/notifications`; BadAnswer when an id is not a Discord id."""
    _, body = await client.call("GET", f"/user/{int(user_id)}/settings/notifications")
    # The answer itself says which shape the server uses; the version decides when neither is set.
    keys = body if isinstance(body, dict) else {}
    as_list = "discordIds" in keys or ("discordId" not in keys and found.discord_ids_list)
    return _setting(body, as_list)


async def write_discord_ids(
    client: OverseerrClient, user_id: int, setting: DiscordSetting, ids: list[str]
) -> DiscordSetting:
    """`POST /user/{id}/settings/notifications` with these Discord ids; returns what it kept."""
    _, body = await client.call(
        "POST", f"/user/{int(user_id)}/settings/notifications", json=setting.with_ids(ids)
    )
    saved = _setting(body, setting.as_list)
    return DiscordSetting(saved.ids, setting.as_list, {**setting.raw, **saved.raw})
