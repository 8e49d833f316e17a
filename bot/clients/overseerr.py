"""Overseerr / Jellyseerr / Seerr API v1. Knows nothing of Discord or our database."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.clients.http import request_json

SERVICE = "Overseerr"


class OverseerrClient:
    """A thin async client; `user_id` makes a call act as that Overseerr user."""

    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, api_key: str, timeout: float = 10.0
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.api_key = api_key
        self.timeout = timeout

    async def call(
        self, method: str, path: str, *, user_id: int | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        """One API call; returns (status, body)."""
        headers = {"X-Api-Key": self.api_key, "Accept": "application/json"}
        if user_id is not None:
            headers["X-API-User"] = str(user_id)
        return await request_json(
            self.http,
            SERVICE,
            method,
            self.base_url + path,
            headers=headers,
            timeout=self.timeout,
            **kwargs,
        )

    async def status(self) -> dict[str, Any]:
        """`GET /status`: version and update info (no auth needed)."""
        _, body = await self.call("GET", "/status")
        return body

    async def me(self) -> dict[str, Any]:
        """`GET /auth/me`: proves the API key works (it acts as the admin)."""
        _, body = await self.call("GET", "/auth/me")
        return body
