"""The few Discord REST calls `check` makes before the bot connects (plain JSON, no gateway)."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.clients.http import request_json

SERVICE = "Discord"


class DiscordREST:
    """Read-only Discord REST calls with the bot token."""

    def __init__(self, http: aiohttp.ClientSession, api_url: str, token: str) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.headers = {"Authorization": f"Bot {token}"}

    async def _get(self, path: str) -> Any:
        _, body = await request_json(
            self.http, SERVICE, "GET", f"{self.api_url}{path}", headers=self.headers
        )
        return body

    async def me(self) -> dict[str, Any]:
        """The bot's own user; a 401 here means the token is wrong."""
        result: dict[str, Any] = await self._get("/users/@me")
        return result

    async def application(self) -> dict[str, Any]:
        """The bot's application (its id registers the commands)."""
        result: dict[str, Any] = await self._get("/oauth2/applications/@me")
        return result

    async def guild(self, guild_id: int) -> dict[str, Any]:
        """The guild with its roles; 403/404 when the bot is not in it."""
        result: dict[str, Any] = await self._get(f"/guilds/{guild_id}")
        return result

    async def member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """One member of the guild, with the ids of their roles."""
        result: dict[str, Any] = await self._get(f"/guilds/{guild_id}/members/{user_id}")
        return result

    async def channel(self, channel_id: int) -> dict[str, Any]:
        """One channel with its permission overwrites; 403/404 when the bot cannot see it."""
        result: dict[str, Any] = await self._get(f"/channels/{channel_id}")
        return result

    async def commands(self, application_id: int, guild_id: int | None) -> list[dict[str, Any]]:
        """The slash commands registered in the guild, or globally when guild_id is None."""
        place = f"/guilds/{guild_id}" if guild_id is not None else ""
        result: list[dict[str, Any]] = await self._get(
            f"/applications/{application_id}{place}/commands"
        )
        return result
