"""Which Overseerr user a member's Plex account is, cached for a few minutes."""

from __future__ import annotations

from cachetools import TTLCache

from bot.clients.overseerr import OverseerrClient, OverseerrUser
from bot.errors import ServiceUnavailable
from bot.i18n import Msg
from bot.services.requests.errors import NoOverseerrAccount

USER_TTL = 600.0
USER_CACHE_SIZE = 1024


class Accounts:
    """Maps Plex user ids to Overseerr users (Overseerr has no filter, so lookups page)."""

    def __init__(self, overseerr: OverseerrClient) -> None:
        self.overseerr = overseerr
        self._users: TTLCache[int, OverseerrUser] = TTLCache(USER_CACHE_SIZE, USER_TTL)

    async def user(self, plex_user_id: int) -> OverseerrUser:
        """The Overseerr user of this Plex account; NoOverseerrAccount when there is none."""
        user = self._users.get(plex_user_id)
        if user is None:
            user = await self.overseerr.find_user_by_plex_id(plex_user_id)
            if user is None:
                raise NoOverseerrAccount()
            self._users[plex_user_id] = user
        return user

    async def describe(self, plex_user_id: int) -> Msg:
        """How the Plex account maps to Overseerr, in words, for /account."""
        try:
            user = await self.user(plex_user_id)
        except NoOverseerrAccount:
            return Msg("none yet: ask an admin to import your Plex user into Overseerr")
        except ServiceUnavailable:
            return Msg("unknown right now (Overseerr isn't answering)")
        return Msg("{name} (#{id})", name=user.display_name, id=user.id)

    async def acting_user(self, plex_user_id: int | None) -> int | None:
        """The Overseerr user an admin acts as: theirs when linked, else None (the API key)."""
        if plex_user_id is None:
            return None
        try:
            return (await self.user(plex_user_id)).id
        except NoOverseerrAccount:
            return None
