"""Who may do what: linked members and admins."""

from __future__ import annotations

from collections.abc import Iterable

from storage.models import PlexLink, Role


class Access:
    """Answers "is this Discord user an admin?" from settings and Plex links."""

    def __init__(self, admin_ids: Iterable[int] = (), admin_role_id: int | None = None) -> None:
        self.admin_ids = frozenset(admin_ids)
        self.admin_role_id = admin_role_id

    async def is_admin(self, discord_id: int, role_ids: Iterable[int] = ()) -> bool:
        """Admin by ADMIN_DISCORD_IDS, ADMIN_ROLE_ID, or a link to the Plex server owner."""
        if discord_id in self.admin_ids:
            return True
        if self.admin_role_id is not None and self.admin_role_id in set(role_ids):
            return True
        return await PlexLink.filter(member__discord_id=discord_id, role=Role.ADMIN).exists()
