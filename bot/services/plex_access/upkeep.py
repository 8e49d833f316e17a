"""After the invite: acceptance (then the link), library changes, expiry, grace, removal.

A removal happens only on a clear state: the access expired after its warning, or a grace
period ended without an admin pressing Keep. A plex.tv failure never removes anyone: the
round stops and the next one tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from tortoise.expressions import Q

from bot.clients.plex_sharing import Share
from bot.errors import InvalidInput, ServiceRejected, UserError
from bot.i18n import N_, Msg
from bot.services.crypto import InvalidToken, TokenCipher
from bot.services.outbox import Button
from bot.services.plex_access.common import (
    AccessOptions,
    Notices,
    PlexTv,
    PlexTvDown,
    move,
    now,
    record,
    share_of,
    titles_for,
)
from bot.services.plex_access.invites import LibraryChoice, library_list
from storage.models import AccessEvent, AccessState, PlexAccess, PlexLink, Role

log = logging.getLogger(__name__)
WARN_BEFORE = timedelta(days=3)
STUCK_AFTER = timedelta(minutes=10)  # far longer than an invite with its retries takes


class Adopter(Protocol):
    """Links a member with a token kept from their refused sign-in (LinkingService.adopt)."""

    async def adopt(self, discord_id: int, token: str) -> object | None: ...


@dataclass(frozen=True)
class Removal:
    """Who would be removed, why, and when (for `/admin access preview`)."""

    discord_id: int
    plex_username: str
    why: str
    when: datetime


async def scheduled_reason(row: PlexAccess) -> str:
    """Why the removal of this access was scheduled, from the record."""
    event = await AccessEvent.filter(access_id=row.id, action="scheduled").order_by("-id").first()
    return event.detail if event is not None and event.detail else N_("scheduled")


class Upkeep:
    """The periodic round and the admins' changes to access that exists."""

    def __init__(
        self,
        tv: PlexTv,
        notices: Notices,
        linking: Adopter,
        cipher: TokenCipher,
        options: AccessOptions,
    ) -> None:
        self.tv = tv
        self.notices = notices
        self.linking = linking
        self.cipher = cipher
        self.options = options

    async def sync(self) -> int:
        """One round (a job): accepted invites linked, expiry warned and enforced, grace ended."""
        moment = now()
        # Accepted access only matters once something is due: plex.tv is not asked otherwise.
        due = Q(expires_at__lte=moment + WARN_BEFORE) | Q(remove_after__lte=moment)
        rows = await PlexAccess.filter(
            Q(state__in=[AccessState.INVITING, AccessState.INVITED])
            | (Q(state=AccessState.ACCEPTED) & due)
        ).order_by("id")
        if not rows:
            return 0
        try:
            shares = await self.tv.shares()
        except PlexTvDown:
            log.info("plex access: plex.tv is down; the round waits for the next tick")
            return 0
        done = 0
        for row in rows:
            share = share_of(row, shares)
            if row.state == AccessState.INVITING:
                done += await self._stuck(row, share)
            elif row.state == AccessState.INVITED:
                if share is not None and share.accepted:
                    await self._accepted(row, share)
                    done += 1
            elif await self._due(row, share):
                done += 1
        return done

    async def _stuck(self, row: PlexAccess, share: Share | None) -> int:
        """An invite cut off mid-send (a restart): plex.tv's list says whether it went out."""
        if now() - row.updated_at < STUCK_AFTER:
            return 0
        if share is not None:
            await move(row, [AccessState.INVITING], AccessState.INVITED)
            await record(
                row, "invited", row.invited_by, detail=N_("found on plex.tv after a restart")
            )
        else:
            await move(row, [AccessState.INVITING], AccessState.REQUESTED)
            log.info("plex access: invite of %s never went out; open again", row.discord_id)
        return 1

    async def _accepted(self, row: PlexAccess, share: Share) -> None:
        if not await move(
            row, [AccessState.INVITED], AccessState.ACCEPTED, plex_user_id=share.user_id
        ):
            return
        await record(row, "accepted")
        linked = None
        if row.token_encrypted:
            try:
                token = self.cipher.decrypt(row.token_encrypted)
                linked = await self.linking.adopt(row.discord_id, token)
            except (InvalidToken, ServiceRejected, UserError) as exc:
                log.info("plex access: could not link %s after acceptance: %s", row.discord_id, exc)
            await PlexAccess.filter(id=row.id).update(token_encrypted=None)  # kept no longer
        if linked is not None:
            text = Msg(
                "You're in! You have access to the Plex server now, and your Discord account "
                "is linked to Plex as **{name}**.",
                name=row.plex_username,
            )
        else:
            text = Msg(
                "You're in! You have access to the Plex server now. Run `/link` to link it here."
            )
        await self.notices.dm(f"accepted:{row.id}", row.discord_id, text)

    async def _due(self, row: PlexAccess, share: Share | None) -> bool:
        moment = now()
        if row.expires_at is not None:
            if row.warned_at is None and moment >= row.expires_at - WARN_BEFORE:
                await PlexAccess.filter(id=row.id).update(warned_at=moment)
                stamp = int(row.expires_at.timestamp())
                await self.notices.dm(
                    f"expiry-warning:{row.id}",
                    row.discord_id,
                    Msg(
                        "Your access to the Plex server ends {when} ({date}). "
                        "Ask an admin if you need it longer.",
                        when=f"<t:{stamp}:R>",
                        date=f"<t:{stamp}:f>",
                    ),
                )
                await record(row, "warned")
                return True
            if row.warned_at is not None and moment >= row.expires_at:
                return await self._remove(row, share, N_("expired"), None)
        if row.remove_after is not None and moment >= row.remove_after:
            return await self._remove(row, share, await scheduled_reason(row), None)
        return False

    async def _remove(
        self, row: PlexAccess, share: Share | None, why: str, actor: int | None
    ) -> bool:
        if share is not None and share.user_id is not None:
            user_id = share.user_id
            try:
                await self.tv.call(lambda mid: self.tv.sharing.remove(user_id))
            except PlexTvDown:
                return False
            except ServiceRejected as exc:
                if exc.status != 404:  # anything but "not a friend" is not a clear state
                    log.warning("plex access: removal of %s refused: %s", row.discord_id, exc)
                    return False
        if not await move(row, [AccessState.ACCEPTED], AccessState.REMOVED):
            return False
        # The record keeps the English reason; it is a message id, shown translated.
        detail = why if share is not None else f"{why} (already gone from plex.tv)"
        await record(row, "removed", actor, detail=detail)
        await self.notices.dm(
            f"removed:{row.id}",
            row.discord_id,
            Msg(
                "Your access to the Plex server has ended ({why}). "
                "Ask an admin if that's a mistake.",
                why=Msg(why),
            ),
        )
        return True

    # -- admins -------------------------------------------------------------------------

    async def _accepted_row(self, discord_id: int) -> tuple[PlexAccess, Share]:
        """The member's access on plex.tv; a friend shared outside the bot gets a row here."""
        row = await PlexAccess.filter(discord_id=discord_id, state=AccessState.ACCEPTED).first()
        link = await PlexLink.get_or_none(member__discord_id=discord_id)
        if row is None and link is not None and link.role == Role.USER:
            row = PlexAccess(
                discord_id=discord_id,
                state=AccessState.ACCEPTED,
                plex_username=link.plex_username,
                plex_user_id=link.plex_user_id,
                source="found",
            )
        if row is None:
            raise UserError(
                N_("{member} has no Plex access the bot can change."), member=f"<@{discord_id}>"
            )
        share = share_of(row, await self.tv.shares())
        if share is None or not share.accepted or share.user_id is None:
            raise UserError(
                N_("{member} isn't on the Plex server (yet): nothing to change."),
                member=f"<@{discord_id}>",
            )
        if row.id is None:
            await row.save()
        return row, share

    async def library_choice(self, discord_id: int) -> LibraryChoice:
        """The member's shared libraries, for an admin to edit."""
        row, share = await self._accepted_row(discord_id)
        libraries = await self.tv.libraries()
        shared = [lib.title for lib in libraries if lib.key in share.library_keys]
        return LibraryChoice(
            Msg(
                "**{name}** ({member}) has {libraries}. Pick what they should have:",
                name=row.plex_username,
                member=f"<@{discord_id}>",
                libraries=library_list(shared),
            ),
            libraries,
            [lib.key for lib in libraries if lib.key in share.library_keys],
        )

    async def change_libraries(self, discord_id: int, keys: Sequence[str], admin_id: int) -> Msg:
        """Share exactly these libraries with the member (plexapi's updateFriend)."""
        titles = titles_for(keys, await self.tv.libraries())
        row, share = await self._accepted_row(discord_id)
        user_id = share.user_id
        assert user_id is not None
        try:
            await self.tv.call(lambda mid: self.tv.sharing.update(mid, user_id, titles))
        except ServiceRejected as exc:
            raise InvalidInput(
                N_("plex.tv refused the change (HTTP {status})."), status=str(exc.status)
            ) from exc
        await PlexAccess.filter(id=row.id).update(library_keys=list(keys), updated_at=now())
        await record(row, "libraries", admin_id, titles)
        await self.notices.dm(
            f"libraries:{row.id}:{now().timestamp():.0f}",
            row.discord_id,
            Msg(
                "Your Plex libraries changed: you now have {libraries}.",
                libraries=library_list(titles),
            ),
        )
        return Msg(
            "**{name}** now has {libraries}.",
            name=row.plex_username,
            libraries=library_list(titles),
        )

    async def schedule_removal(self, discord_id: int, why: str) -> bool:
        """The member lost the access role or left: removal after the grace period, Keep offered."""
        row = await PlexAccess.filter(
            discord_id=discord_id, state=AccessState.ACCEPTED, remove_after__isnull=True
        ).first()
        if row is None or row.source not in ("request", "admin", "role"):
            return False  # never someone the bot did not invite
        when = now() + timedelta(days=self.options.grace_days)
        await PlexAccess.filter(id=row.id).update(remove_after=when)
        await record(row, "scheduled", detail=why)
        await self.notices.admins(
            f"grace:{row.id}:{int(when.timestamp())}",
            Msg(
                "{member} ({name}) {why}: their Plex access ends {when} unless you keep it.",
                member=f"<@{discord_id}>",
                name=row.plex_username,
                why=Msg(why),
                when=f"<t:{int(when.timestamp())}:R>",
            ),
            (Button(N_("Keep access"), custom_id=f"plexaccess:keep:{row.id}", style="primary"),),
        )
        return True

    async def unschedule(self, row: PlexAccess, why: str) -> None:
        """The reason for a scheduled removal went away (the role is back): no removal."""
        if await PlexAccess.filter(id=row.id, remove_after__isnull=False).update(remove_after=None):
            await record(row, "restored", detail=why)

    async def keep(self, access_id: int, admin_id: int) -> Msg:
        """An admin keeps a member's access: the scheduled removal is dropped."""
        row = await PlexAccess.get_or_none(id=access_id)
        if row is None or row.state != AccessState.ACCEPTED or row.remove_after is None:
            raise UserError(N_("There's no removal to stop for this member any more."))
        # An admin's decision: the role no longer decides for this member ("kept").
        await PlexAccess.filter(id=row.id).update(remove_after=None, source="kept")
        await record(row, "kept", admin_id)
        return Msg("Kept: {member} keeps their Plex access.", member=f"<@{row.discord_id}>")

    async def preview(self) -> list[Removal]:
        """Who would be removed, why and when; removes nobody."""
        rows = await PlexAccess.filter(state=AccessState.ACCEPTED).order_by("id")
        found: list[Removal] = []
        for row in rows:
            if row.expires_at is not None:
                found.append(
                    Removal(row.discord_id, row.plex_username, N_("expires"), row.expires_at)
                )
            if row.remove_after is not None:
                why = await scheduled_reason(row)
                found.append(Removal(row.discord_id, row.plex_username, why, row.remove_after))
        return sorted(found, key=lambda r: r.when)
