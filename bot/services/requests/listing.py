"""Listing stored requests for `/requests`."""

from __future__ import annotations

import math

from bot.services.requests.errors import RequestNotFound
from bot.services.requests.summaries import RequestView, view
from storage.models import MediaRequest


class Listing:
    """Reads stored requests, one or a page at a time."""

    async def get(self, request_id: int) -> RequestView:
        """One stored request."""
        row = await MediaRequest.get_or_none(id=request_id)
        if row is None:
            raise RequestNotFound()
        return view(row)

    async def page(
        self, discord_id: int | None, page: int, per_page: int = 10
    ) -> tuple[list[RequestView], int]:
        """One page (1-based) of requests, newest first, and how many pages there are.

        `discord_id` None lists everyone's (for admins).
        """
        per_page = max(1, min(per_page, 25))
        query = (
            MediaRequest.all() if discord_id is None else MediaRequest.filter(discord_id=discord_id)
        )
        total = await query.count()
        pages = max(1, math.ceil(total / per_page))
        page = min(max(1, page), pages)
        rows = (
            await query.order_by("-created_at", "-id").offset((page - 1) * per_page).limit(per_page)
        )
        return [view(r) for r in rows], pages
