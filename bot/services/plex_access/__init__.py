"""Plex access from Discord: members request it, admins approve, invite, change and remove it.

`invites` holds Request access (offered when `/link` refuses a sign-in), the admins'
Approve/Decline and `/admin invite`; `upkeep` the periodic round (an accepted invite
completes the link; expiry with a warning three days before; the role's grace period) and
library changes; `common` plex.tv with capped retries and the record of every change.
Nothing here knows about Discord.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.clients.plex_sharing import PlexSharing
from bot.config import Settings
from bot.i18n import Msg
from bot.services.crypto import TokenCipher
from bot.services.outbox import Outbox
from bot.services.plex_access.common import (
    AccessOptions,
    AlreadyHandled,
    Notices,
    PlexTv,
    PlexTvDown,
    preselected,
    titles_for,
)
from bot.services.plex_access.defaults import AccessDefaults
from bot.services.plex_access.invites import (
    REQUEST_BUTTON,
    AccessOffers,
    InviteDraft,
    Invites,
    LibraryChoice,
)
from bot.services.plex_access.roles import RoleAccess
from bot.services.plex_access.upkeep import Adopter, Removal, Upkeep
from storage.models import AccessEvent, AccessState, PlexAccess


@dataclass(frozen=True)
class AccessCounts:
    """For `/status`'s Members page."""

    pending: int
    invited: int
    accepted: int
    removed: int


class AccessService:
    """The one object the cog, the jobs and `/link`'s refusal call."""

    def __init__(
        self, invites: Invites, upkeep: Upkeep, roles: RoleAccess, sharing: PlexSharing
    ) -> None:
        self.invites = invites
        self.upkeep = upkeep
        self.roles = roles
        self.sharing = sharing

    def close(self) -> None:
        self.sharing.close()

    async def request(self, discord_id: int) -> Msg:
        return await self.invites.request(discord_id)

    async def approval_choice(self, access_id: int) -> LibraryChoice:
        return await self.invites.approval_choice(access_id)

    async def approve(self, access_id: int, keys: Sequence[str], admin_id: int) -> Msg:
        return await self.invites.approve(access_id, keys, admin_id)

    async def decline(self, access_id: int, reason: str | None, admin_id: int) -> Msg:
        return await self.invites.decline(access_id, reason, admin_id)

    async def draft(self, discord_id: int, who: str | None, expiry: str | None) -> InviteDraft:
        return await self.invites.draft(discord_id, who, expiry)

    async def invite(self, draft: InviteDraft, keys: Sequence[str], admin_id: int) -> Msg:
        return await self.invites.invite(draft, keys, admin_id)

    async def library_choice(self, discord_id: int) -> LibraryChoice:
        return await self.upkeep.library_choice(discord_id)

    async def change_libraries(self, discord_id: int, keys: Sequence[str], admin_id: int) -> Msg:
        return await self.upkeep.change_libraries(discord_id, keys, admin_id)

    async def sync(self) -> int:
        return await self.upkeep.sync()

    async def schedule_removal(self, discord_id: int, why: str) -> bool:
        return await self.upkeep.schedule_removal(discord_id, why)

    async def role_id(self) -> int | None:
        """The Plex access role (PLEX_ACCESS_ROLE_ID, else the one chosen in Discord)."""
        return await self.invites.defaults.role_id()

    async def settings_choice(self) -> LibraryChoice:
        """The libraries with the current defaults preselected, for an admin to change."""
        libraries = await self.invites.tv.libraries()
        chosen = preselected(libraries, await self.invites.defaults.libraries())
        role = await self.role_id()
        shown = f"<@&{role}>" if role else Msg("none (role-based access is off)")
        return LibraryChoice(
            Msg("Plex access role: {role}. Libraries an approval preselects:", role=shown),
            libraries,
            chosen,
        )

    async def choose_defaults(self, keys: Sequence[str]) -> Msg:
        titles = titles_for(keys, await self.invites.tv.libraries())
        await self.invites.defaults.choose_libraries(keys)
        return Msg("Approvals now preselect {libraries}.", libraries=", ".join(titles))

    async def choose_role(self, role_id: int, everyone_id: int) -> Msg:
        await self.invites.defaults.choose_role(role_id, everyone_id)
        return Msg(
            "Members with {role} now get Plex access once they sign in with `/link`.",
            role=f"<@&{role_id}>",
        )

    async def role_members(self) -> list[int]:
        return await self.roles.members()

    async def observe_role(
        self, discord_id: int, *, holds: bool, present: bool, admin: bool
    ) -> str:
        return await self.roles.observe(discord_id, holds=holds, present=present, admin=admin)

    async def keep(self, access_id: int, admin_id: int) -> Msg:
        return await self.upkeep.keep(access_id, admin_id)

    async def preview(self) -> list[Removal]:
        return await self.upkeep.preview()

    async def history(self, limit: int = 15) -> list[AccessEvent]:
        """The latest changes, newest first."""
        return await AccessEvent.all().order_by("-id").limit(limit)

    async def counts(self) -> AccessCounts:
        return AccessCounts(
            pending=await PlexAccess.filter(state=AccessState.REQUESTED).count(),
            invited=await AccessEvent.filter(action="invited").count(),
            accepted=await AccessEvent.filter(action="accepted").count(),
            removed=await AccessEvent.filter(action="removed").count(),
        )


def build_plex_access(
    settings: Settings,
    sharing: PlexSharing,
    machine_id: Callable[[], Awaitable[str]],
    linking: Adopter,
    cipher: TokenCipher,
    outbox: Outbox,
    approvals: Callable[[], int | None],
    *,
    options: AccessOptions | None = None,
) -> AccessService:
    """The feature, complete; `approvals` names the admins' channel when a card is posted."""
    options = options or AccessOptions(
        default_libraries=tuple(settings.plex_access_default_libraries),
        role_id=settings.plex_access_role_id,
        grace_days=settings.plex_access_grace_days,
    )
    tv = PlexTv(sharing, machine_id, options.retry)
    notices = Notices(outbox, approvals)
    defaults = AccessDefaults(options.default_libraries, options.role_id)
    invites = Invites(tv, notices, defaults)
    upkeep = Upkeep(tv, notices, linking, cipher, options)
    return AccessService(invites, upkeep, RoleAccess(invites, upkeep), sharing)


__all__ = [
    "REQUEST_BUTTON",
    "AccessCounts",
    "AccessOffers",
    "AccessOptions",
    "AccessService",
    "AlreadyHandled",
    "InviteDraft",
    "LibraryChoice",
    "PlexTvDown",
    "Removal",
    "build_plex_access",
]
