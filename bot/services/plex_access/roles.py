"""Role-based access (off unless PLEX_ACCESS_ROLE_ID is set): the role invites, losing it removes.

The Discord side tells `observe` what it saw of one member (holds the role, still in the
server, is an admin); nothing here asks Discord. Members are known to this feature when they
signed in with `/link` (a refused sign-in is kept) or were invited by the bot, so no
privileged members intent is needed. Never the owner, never an admin, never a Plex user the
bot did not invite: only rows the bot made are ever scheduled for removal.
"""

from __future__ import annotations

import logging

from bot.i18n import N_
from bot.services.plex_access.common import PlexTvDown
from bot.services.plex_access.invites import Invites, open_access
from bot.services.plex_access.upkeep import Upkeep
from storage.models import AccessState, PlexAccess

log = logging.getLogger(__name__)
BOT_INVITED = ("request", "admin", "role")


class RoleAccess:
    """Turns what Discord says about a member's role into invites and scheduled removals."""

    def __init__(self, invites: Invites, upkeep: Upkeep) -> None:
        self.invites = invites
        self.upkeep = upkeep

    async def members(self) -> list[int]:
        """The members to look at: signed in without access, or on the server through the bot."""
        rows = await PlexAccess.filter(state__in=[AccessState.OFFERED, AccessState.ACCEPTED])
        return sorted({row.discord_id for row in rows})

    async def observe(self, discord_id: int, *, holds: bool, present: bool, admin: bool) -> str:
        """Act on one member's role state; returns what was done (for the log and tests)."""
        current = await open_access(discord_id)
        if current is None:
            offered = await PlexAccess.filter(
                discord_id=discord_id, state=AccessState.OFFERED
            ).first()
            if offered is not None and holds and present:
                try:
                    await self.invites.role_invite(offered)
                except PlexTvDown:
                    return "plex.tv down"
                return "invited"
            return "nothing"
        if current.state != AccessState.ACCEPTED or current.source not in BOT_INVITED:
            return "nothing"
        if not present and not admin:
            scheduled = await self.upkeep.schedule_removal(
                discord_id, N_("left the Discord server")
            )
            return "scheduled" if scheduled else "nothing"
        if current.source == "role" and not holds and not admin:
            scheduled = await self.upkeep.schedule_removal(
                discord_id, N_("lost the Plex access role")
            )
            return "scheduled" if scheduled else "nothing"
        if current.remove_after is not None:
            await self.upkeep.unschedule(current, N_("has the role again"))
            return "restored"
        return "nothing"
