"""Who may do what: linked members and admins."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import cast

from bot.services.places import Places
from storage.models import PlexLink, Role


class Access:
    """Answers "is this Discord user an admin?" from settings and Plex links.

    The Discord ids linked to the server owner are read from the database once and kept;
    the linking service calls `links_changed()` whenever a link is stored, removed or its
    role changes, so a command that needs no database makes no round trip for this.
    """

    def __init__(self, admin_ids: Iterable[int] = (), places: Places | None = None) -> None:
        self.admin_ids = frozenset(admin_ids)
        self.places = places or Places({})
        self._linked_admins: frozenset[int] | None = None
        self._generation = 0
        self._loading = asyncio.Lock()

    async def is_admin(
        self, discord_id: int, role_ids: Iterable[int] = (), guild_owner_id: int | None = None
    ) -> bool:
        """Admin by ADMIN_DISCORD_IDS, the admin role, or a link to the Plex server owner.

        Until any of those names an admin, the Discord server's owner is one, so a new
        install can be finished with `/setup`.
        """
        role = self.places.admin_role
        return await self.is_admin_with(role, discord_id, role_ids, guild_owner_id)

    async def is_admin_with(
        self,
        admin_role_id: int | None,
        discord_id: int,
        role_ids: Iterable[int] = (),
        guild_owner_id: int | None = None,
    ) -> bool:
        """`is_admin` as it would answer with this admin role (before `/setup` stores it)."""
        if discord_id in self.admin_ids:
            return True
        if admin_role_id is not None and admin_role_id in set(role_ids):
            return True
        linked = await self.linked_admins()
        if discord_id in linked:
            return True
        configured = self.admin_ids or admin_role_id is not None or linked
        return discord_id == guild_owner_id and not configured

    async def linked_admins(self) -> frozenset[int]:
        """Discord ids whose Plex link has the admin role, from the cache when it is fresh."""
        if self._linked_admins is not None:
            return self._linked_admins
        async with self._loading:  # a burst after a change loads once, not once per command
            if self._linked_admins is not None:
                return self._linked_admins
            generation = self._generation
            rows = await PlexLink.filter(role=Role.ADMIN).values_list(
                "member__discord_id", flat=True
            )
            ids = frozenset(cast("list[int]", rows))  # flat values_list: one id per row
            if generation == self._generation:  # no change happened while we were reading
                self._linked_admins = ids
            return ids

    def links_changed(self) -> None:
        """A link was stored, removed or changed role: read the admins again next time."""
        self._generation += 1
        self._linked_admins = None
