"""Asking for access and giving it: Request access, the admins' Approve and Decline, invites."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clients.plex import PlexAccountInfo
from bot.clients.plex_sharing import Library
from bot.errors import InvalidInput, ServiceRejected, UserError
from bot.i18n import N_, Msg
from bot.i18n.messages import joined
from bot.services.crypto import TokenCipher
from bot.services.outbox import Button
from bot.services.plex_access.common import (
    OPEN,
    AlreadyHandled,
    Notices,
    PlexTv,
    move,
    now,
    preselected,
    record,
    share_of,
    titles_for,
)
from bot.services.plex_access.defaults import AccessDefaults
from storage.models import AccessState, PlexAccess, PlexLink, Role

log = logging.getLogger(__name__)
REQUEST_BUTTON = "plexaccess:request"
PLEX_NAME = re.compile(r"^[\w.+@-]{1,255}$")
EXPIRY = re.compile(r"^(\d{1,4})d$")


@dataclass(frozen=True)
class LibraryChoice:
    """What an admin picks from: the server's libraries, the ones preselected, and a heading."""

    heading: Msg
    libraries: list[Library]
    chosen: list[str]


@dataclass(frozen=True)
class InviteDraft:
    """An admin's /admin invite, checked, waiting for the libraries."""

    discord_id: int
    who: str
    plex_user_id: int | None
    expires_at: datetime | None
    choice: LibraryChoice
    access_id: int | None = None  # the member's own sign-in or request, reused (token and all)


def parse_expiry(text: str | None) -> datetime | None:
    """`30d` → now + 30 days; None for no expiry."""
    if not text:
        return None
    match = EXPIRY.match(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise InvalidInput(N_("That expiry isn't valid: use a number of days such as `30d`."))
    return now() + timedelta(days=int(match.group(1)))


def library_list(titles: Sequence[str]) -> str | Msg:
    return ", ".join(titles) if titles else Msg("no libraries")


async def open_access(discord_id: int) -> PlexAccess | None:
    """The member's access in progress or in place, if any."""
    return await PlexAccess.filter(discord_id=discord_id, state__in=OPEN).order_by("-id").first()


class AccessOffers:
    """`/link`'s refusal hook: keeps a refused sign-in and offers Request access."""

    def __init__(self, cipher: TokenCipher) -> None:
        self.cipher = cipher

    async def refused(
        self, discord_id: int, account: PlexAccountInfo, token: str
    ) -> Sequence[Button]:
        """A sign-in was refused for lack of access: keep it, and offer Request access."""
        current = await open_access(discord_id)
        if current is not None and current.state != AccessState.ACCEPTED:
            return ()  # already asked or invited: the refusal says nothing new
        if current is not None:  # the sign-in shows the access is gone (removed on Plex)
            await move(current, [AccessState.ACCEPTED], AccessState.REMOVED)
            await record(current, "removed", None, detail=N_("no access at a /link sign-in"))
        await PlexAccess.filter(discord_id=discord_id, state=AccessState.OFFERED).delete()
        await PlexAccess.create(
            discord_id=discord_id,
            state=AccessState.OFFERED,
            plex_username=account.username,
            plex_user_id=account.id,
            plex_email=account.email,
            token_encrypted=self.cipher.encrypt(token),
            source="request",
        )
        return (Button(N_("Request access"), custom_id=REQUEST_BUTTON, style="primary"),)


class Invites:
    """Requests, decisions and invites; every change goes on the record."""

    def __init__(self, tv: PlexTv, notices: Notices, defaults: AccessDefaults) -> None:
        self.tv = tv
        self.notices = notices
        self.defaults = defaults

    # -- the member ---------------------------------------------------------------------

    async def request(self, discord_id: int) -> Msg:
        """The member pressed Request access: one pending request, and a card for the admins."""
        current = await open_access(discord_id)
        if current is not None:
            raise UserError(_pending_text(current.state))
        if self.notices.approvals() is None:
            raise UserError(
                N_(
                    "The admins haven't picked a channel for requests yet. "
                    "Ask them to run `/setup`."
                )
            )
        offered = (
            await PlexAccess.filter(discord_id=discord_id, state=AccessState.OFFERED)
            .order_by("-id")
            .first()
        )
        if offered is None or not await move(offered, [AccessState.OFFERED], AccessState.REQUESTED):
            raise UserError(N_("Sign in with `/link` first, then press Request access."))
        await record(offered, "requested", discord_id)
        email = f" ({offered.plex_email})" if offered.plex_email else ""
        await self.notices.admins(
            f"card:{offered.id}",
            Msg(
                "{member} asks for access to the Plex server as **{name}**{email}.",
                member=f"<@{discord_id}>",
                name=offered.plex_username,
                email=email,
            ),
            (
                Button(
                    N_("Approve"), custom_id=f"plexaccess:approve:{offered.id}", style="success"
                ),
                Button(N_("Decline"), custom_id=f"plexaccess:decline:{offered.id}", style="danger"),
            ),
        )
        return Msg("Request sent! The admins will decide, and I'll DM you either way.")

    # -- the admins' decision -----------------------------------------------------------

    async def _requested(self, access_id: int) -> PlexAccess:
        row = await PlexAccess.get_or_none(id=access_id)
        if row is None or row.state != AccessState.REQUESTED:
            raise AlreadyHandled()
        return row

    async def approval_choice(self, access_id: int) -> LibraryChoice:
        """The libraries an admin picks from to approve this request."""
        row = await self._requested(access_id)
        libraries = await self.tv.libraries()
        return LibraryChoice(
            Msg(
                "Share which libraries with **{name}** ({member})?",
                name=row.plex_username,
                member=f"<@{row.discord_id}>",
            ),
            libraries,
            preselected(libraries, await self.defaults.libraries()),
        )

    async def approve(self, access_id: int, keys: Sequence[str], admin_id: int) -> Msg:
        """Send the invite for a request; the admin's answer."""
        row = await self._requested(access_id)
        return await self._send(row, [AccessState.REQUESTED], keys, admin_id)

    async def decline(self, access_id: int, reason: str | None, admin_id: int) -> Msg:
        """Decline a request and DM the member why."""
        row = await self._requested(access_id)
        if not await move(row, [AccessState.REQUESTED], AccessState.DECLINED, invited_by=admin_id):
            raise AlreadyHandled()
        reason = (reason or "").strip() or None
        await record(row, "declined", admin_id, detail=reason)
        declined = Msg("An admin declined your request for access to the Plex server.")
        await self.notices.dm(
            f"declined:{row.id}",
            row.discord_id,
            Msg(
                "An admin declined your request for access to the Plex server. "
                "The reason given: {reason}",
                reason=reason,
            )
            if reason
            else declined,
        )
        if reason:
            return Msg("Declined **{name}** ({reason}).", name=row.plex_username, reason=reason)
        return Msg("Declined **{name}**.", name=row.plex_username)

    # -- /admin invite ------------------------------------------------------------------

    async def draft(self, discord_id: int, who: str | None, expiry: str | None) -> InviteDraft:
        """Check an /admin invite before any library is picked; nothing is sent yet."""
        expires_at = parse_expiry(expiry)
        link = await PlexLink.get_or_none(member__discord_id=discord_id)
        asked = (
            await PlexAccess.filter(
                discord_id=discord_id, state__in=[AccessState.OFFERED, AccessState.REQUESTED]
            )
            .order_by("-id")
            .first()
        )
        given = (who or "").strip()
        if asked is not None and given and given.lower() not in _names(asked):
            asked = None  # the admin names another account than the one they signed in with
        name = given or (link.plex_username if link else asked.plex_username if asked else "")
        plex_user_id = (
            link.plex_user_id if link and not given else asked.plex_user_id if asked else None
        )
        if not name:
            raise InvalidInput(
                N_("{member} hasn't linked a Plex account: give their Plex username or email."),
                member=f"<@{discord_id}>",
            )
        if not PLEX_NAME.match(name):
            raise InvalidInput(N_("That isn't a Plex username or email."))
        current = await open_access(discord_id)
        if current is not None and current.state != AccessState.REQUESTED:
            raise UserError(_state_text(current.state), member=f"<@{discord_id}>")
        shares = await self.tv.shares()
        probe = PlexAccess(plex_username=name, plex_user_id=plex_user_id, plex_email=None)
        share = share_of(probe, shares)
        if link is not None and link.role == Role.ADMIN and not who:
            raise UserError(
                N_("{member} owns the Plex server: nothing to send."), member=f"<@{discord_id}>"
            )
        if share is not None:
            raise UserError(
                N_("**{name}** has an invite waiting to the Plex server: nothing to send.")
                if not share.accepted
                else N_("**{name}** has access already to the Plex server: nothing to send."),
                name=name,
            )
        libraries = await self.tv.libraries()
        choice = LibraryChoice(
            Msg(
                "Share which libraries with **{name}** ({member})?",
                name=name,
                member=f"<@{discord_id}>",
            ),
            libraries,
            preselected(libraries, await self.defaults.libraries()),
        )
        reused = asked.id if asked is not None else None
        return InviteDraft(discord_id, name, plex_user_id, expires_at, choice, reused)

    async def invite(self, draft: InviteDraft, keys: Sequence[str], admin_id: int) -> Msg:
        """Send an admin's invite; the member's own sign-in or request is used when it matches."""
        row = await PlexAccess.get_or_none(id=draft.access_id) if draft.access_id else None
        if row is not None and row.state in (AccessState.OFFERED, AccessState.REQUESTED):
            await PlexAccess.filter(id=row.id).update(source="admin", expires_at=draft.expires_at)
            row.source, row.expires_at = "admin", draft.expires_at
            return await self._send(row, [row.state], keys, admin_id)
        row = await PlexAccess.create(
            discord_id=draft.discord_id,
            state=AccessState.REQUESTED,
            plex_username=draft.who,
            plex_user_id=draft.plex_user_id,
            source="admin",
            expires_at=draft.expires_at,
        )
        try:
            text = await self._send(row, [AccessState.REQUESTED], keys, admin_id)
        except Exception:
            if row.state == AccessState.REQUESTED:  # nothing reached plex.tv: no trace left
                await row.delete()
            raise
        await PlexAccess.filter(
            discord_id=draft.discord_id, state__in=[AccessState.OFFERED, AccessState.REQUESTED]
        ).update(state=AccessState.DECLINED, updated_at=now())  # replaced by this invite
        return text

    async def role_invite(self, row: PlexAccess) -> Msg:
        """A signed-in member holds the Plex-access role: invite them with the default libraries."""
        libraries = await self.tv.libraries()
        keys = preselected(libraries, await self.defaults.libraries())
        if not await move(row, [AccessState.OFFERED], AccessState.REQUESTED, source="role"):
            raise AlreadyHandled()
        await record(row, "requested", None, detail=N_("holds the Plex access role"))
        return await self._send(row, [AccessState.REQUESTED], keys, None)

    # -- the invite itself --------------------------------------------------------------

    async def _send(
        self, row: PlexAccess, frm: list[AccessState], keys: Sequence[str], admin_id: int | None
    ) -> Msg:
        """Invite once: a share already on plex.tv is taken as the invite, never sent twice."""
        titles = titles_for(keys, await self.tv.libraries())
        existing = share_of(row, await self.tv.shares())
        prior = row.state
        if not await move(row, frm, AccessState.INVITING, invited_by=admin_id):
            raise AlreadyHandled()
        if existing is None:
            try:
                await self.tv.call(
                    lambda mid: self.tv.sharing.invite(mid, row.plex_username, titles)
                )
            except ServiceRejected as exc:
                await move(row, [AccessState.INVITING], prior)
                raise _refusal(row.plex_username, exc) from exc
            except BaseException:
                await move(row, [AccessState.INVITING], prior)  # nothing half-done
                raise
        await move(row, [AccessState.INVITING], AccessState.INVITED, library_keys=list(keys))
        if existing is not None and existing.accepted:  # shared meanwhile: the round links them
            await record(row, "invited", admin_id, titles, detail=N_("already on plex.tv"))
            return Msg(
                "**{name}** already has access; I'll finish their link.", name=row.plex_username
            )
        await record(row, "invited", admin_id, titles)
        invited = Msg(
            "You're invited to the Plex server ({libraries}). Accept the invite in the email "
            "from Plex, or in the Plex app under Settings → Manage Library Access (pending "
            "invites). I'll DM you once it's done.",
            libraries=library_list(titles),
        )
        if row.expires_at:
            until = f"<t:{int(row.expires_at.timestamp())}:D>"
            invited = joined([invited, Msg("Your access lasts until {until}.", until=until)], " ")
        await self.notices.dm(f"invited:{row.id}", row.discord_id, invited)
        return Msg(
            "Invite sent to **{name}** for {libraries}.",
            name=row.plex_username,
            libraries=library_list(titles),
        )


def _names(row: PlexAccess) -> set[str]:
    return {n.lower() for n in (row.plex_username, row.plex_email) if n}


def _refusal(who: str, exc: ServiceRejected) -> UserError:
    if exc.status in (400, 404, 422):
        return InvalidInput(
            N_("plex.tv doesn't know a Plex account **{name}**. Check the username or email."),
            name=who,
        )
    return UserError(
        N_("plex.tv refused the invite for **{name}** (HTTP {status})."),
        name=who,
        status=str(exc.status),
    )


def _pending_text(state: AccessState) -> str:
    return {
        AccessState.REQUESTED: N_("Your request is pending: the admins will decide soon."),
        AccessState.INVITING: N_("Your invite is being sent right now."),
        AccessState.INVITED: N_(
            "You're already invited: accept the invite in the email from Plex or in the Plex app."
        ),
    }.get(state, N_("You already have access to the Plex server. Run `/link` to link it."))


def _state_text(state: AccessState) -> str:
    return {
        AccessState.INVITING: N_("{member} is being invited right now."),
        AccessState.INVITED: N_("{member} is already invited and hasn't accepted yet."),
    }.get(state, N_("{member} is already on the Plex server."))
