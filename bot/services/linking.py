"""Linking a Discord member to their Plex account through Plex's PIN sign-in.

`start` creates a plex.tv pin and a single-use state; the user signs in on app.plex.tv;
`complete` (the browser callback) or `poll_open_attempts` (the background fallback)
takes the token from plex.tv, decides the role from access to our server, and stores
the link with the token encrypted. Links are re-verified against plex.tv later.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NoReturn, Protocol

from tortoise.transactions import in_transaction

from bot.clients.plex import Pin, PlexAccountInfo, PlexClient, PlexTV, ServerAccess
from bot.errors import ServiceRejected, ServiceUnavailable
from bot.i18n import N_, Command, Msg
from bot.services.access import Access
from bot.services.crypto import InvalidToken, TokenCipher
from bot.services.link_results import (
    LinkAlreadyUsed,
    Linked,
    LinkError,
    LinkPending,
    LinkRefused,
    LinkStart,
)
from bot.services.outbox import Button, Outbox
from storage.models import LinkAttempt, Member, PlexLink, Role

log = logging.getLogger(__name__)

ROLES: dict[ServerAccess, Role] = {"owner": Role.ADMIN, "shared": Role.USER}
ROLE_NAMES = {Role.ADMIN: N_("admin (server owner)"), Role.USER: N_("member")}


class LinkEvents(Protocol):
    """Told about each link made and removed (e.g. to mirror it into Overseerr)."""

    async def linked(self, discord_id: int, plex_user_id: int) -> None: ...

    async def unlinked(self, discord_id: int) -> None: ...


def now() -> datetime:
    return datetime.now(UTC)


def state_hash(state: str) -> str:
    """What is stored of a state: its SHA-256, so a database leak gives no usable state."""
    return hashlib.sha256(state.encode()).hexdigest()


class Refusals(Protocol):
    """Told about a sign-in refused for lack of access; answers the buttons to offer (Request)."""

    async def refused(
        self, discord_id: int, account: PlexAccountInfo, token: str
    ) -> Sequence[Button]: ...


class LinkingService:
    """Links Discord members to Plex accounts and keeps those links honest."""

    def __init__(
        self,
        plextv: PlexTV,
        plex: PlexClient,
        cipher: TokenCipher,
        outbox: Outbox,
        *,
        public_url: str | None,
        attempt_ttl: timedelta = timedelta(minutes=15),
        access: Access | None = None,
        events: LinkEvents | None = None,
        refusals: Refusals | None = None,
    ) -> None:
        self.plextv = plextv
        self.plex = plex
        self.cipher = cipher
        self.outbox = outbox
        self.public_url = public_url.rstrip("/") if public_url else None
        self.attempt_ttl = attempt_ttl
        self.access = access  # told about every link change, so its admin cache stays true
        self.events = events
        self.refusals = refusals  # offers Request access to members without access
        self._machine_id: str | None = None

    # -- sign-in ------------------------------------------------------------------------

    async def start(self, discord_id: int) -> LinkStart:
        """Create a pin and an attempt; the URL is our /link page, or Plex's when no PUBLIC_URL."""
        pin = await self.plextv.create_pin()
        state = secrets.token_urlsafe(32)
        expires_at = min(pin.expires_at, now() + self.attempt_ttl)
        async with in_transaction():
            await LinkAttempt.filter(discord_id=discord_id, used_at__isnull=True).delete()
            await LinkAttempt.create(
                state_hash=state_hash(state),
                discord_id=discord_id,
                pin_id=pin.id,
                pin_code=pin.code,
                expires_at=expires_at,
            )
        url = f"{self.public_url}/link/{state}" if self.public_url else self.plextv.auth_url(pin)
        return LinkStart(state, url, expires_at)

    async def sign_in_url(self, state: str) -> str:
        """The Plex sign-in page for an open attempt, sending the browser back to our callback."""
        attempt = await self._open_attempt(state)
        forward = f"{self.public_url}/plex/callback?state={state}" if self.public_url else None
        return self.plextv.auth_url(_pin(attempt), forward)

    async def complete(self, state: str) -> Linked:
        """The browser came back from Plex: take the token from plex.tv and link the account."""
        attempt = await self._open_attempt(state)
        token = await self._token(attempt)
        if token is None:
            raise LinkPending()
        linked = await self._finish(attempt, token)
        if linked is None:
            raise LinkAlreadyUsed()
        return linked

    async def poll_open_attempts(self) -> int:
        """Check the pin of each open attempt and link the signed-in ones; returns how many."""
        attempts = await LinkAttempt.filter(used_at__isnull=True, expires_at__gt=now()).order_by(
            "id"
        )
        linked = 0
        for attempt in attempts:
            try:
                token = await self._token(attempt)
                if token is not None and await self._finish(attempt, token) is not None:
                    linked += 1
            except ServiceUnavailable as exc:
                log.info("linking: poll stopped, %s", exc)
                break
            except (LinkError, LinkRefused):
                continue
        return linked

    async def _open_attempt(self, state: str) -> LinkAttempt:
        attempt = await LinkAttempt.get_or_none(state_hash=state_hash(state))
        if attempt is None or attempt.expires_at <= now():
            raise LinkError()
        if attempt.used_at is not None:
            raise LinkAlreadyUsed()
        return attempt

    async def _token(self, attempt: LinkAttempt) -> str | None:
        """The token plex.tv gives our client for this pin; a dead pin closes the attempt."""
        try:
            return await self.plextv.check_pin(_pin(attempt))
        except ServiceRejected as exc:
            log.info("linking: pin of attempt %s is gone (%s)", attempt.id, exc.status)
            await LinkAttempt.filter(id=attempt.id, used_at__isnull=True).update(used_at=now())
            raise LinkError() from exc

    async def _finish(self, attempt: LinkAttempt, token: str) -> Linked | None:
        """Decide and store the link; None when another caller used the attempt first."""
        machine_id = await self.machine_id()
        try:
            account, access = await self.plextv.account_access(token, machine_id)
        except ServiceRejected as exc:
            if not await self._claim(attempt):
                return None
            raise LinkError(
                N_("Plex didn't accept that sign-in. Run /link in Discord again.")
            ) from exc
        taken = (
            await PlexLink.filter(plex_user_id=account.id)
            .exclude(member__discord_id=attempt.discord_id)
            .exists()
        )
        if access is None or taken:
            if not await self._claim(attempt):
                return None
            await self._refuse(attempt, account, taken, token)
        role = ROLES[access]
        async with in_transaction():
            if not await self._claim(attempt):
                return None
            await self._store(attempt.discord_id, account, role, token)
        self._links_changed()
        if self.events is not None:
            await self.events.linked(attempt.discord_id, account.id)
        await self.outbox.dm(
            f"plex-linked:{attempt.state_hash[:32]}",
            attempt.discord_id,
            Msg(
                "You're linked to Plex as **{name}** ({role}). "
                "Run `/account` to see your link, or `/unlink` to remove it.",
                name=account.username,
                role=Msg(ROLE_NAMES[role]),
            ),
        )
        log.info("linking: %s linked as Plex user %s (%s)", attempt.discord_id, account.id, role)
        return Linked(attempt.discord_id, account.username, role)

    async def _claim(self, attempt: LinkAttempt) -> bool:
        """Mark the attempt used; a conditional UPDATE, so of two racers exactly one wins."""
        claimed = await LinkAttempt.filter(id=attempt.id, used_at__isnull=True).update(
            used_at=now()
        )
        return claimed == 1

    async def _refuse(
        self, attempt: LinkAttempt, account: PlexAccountInfo, taken: bool, token: str
    ) -> NoReturn:
        buttons: Sequence[Button] = ()
        page_why = None  # the page says the same as the DM unless set
        if taken:
            why = N_(
                "the Plex account {name} is already linked to another Discord account. "
                "Run {unlink} there first, then {link} again."
            )
        else:
            why = N_(
                "the Plex account {name} doesn't have access to our Plex server. "
                "Ask the server owner to share it with you, then run {link} again."
            )
            if self.refusals is not None:
                buttons = await self.refusals.refused(attempt.discord_id, account, token)
            if buttons:
                why = N_(
                    "the Plex account {name} doesn't have access to our Plex server. "
                    "Press Request access to ask the admins for it."
                )
                # The page cannot hold the button (form-action 'none'): the DM has it.
                page_why = N_(
                    "the Plex account {name} doesn't have access to our Plex server. "
                    "Press Request access in my DM to ask the admins for it."
                )
        commands = {"link": Command("link"), "unlink": Command("unlink")}
        reason = Msg(why, name=f"**{account.username}**", **commands)
        await self.outbox.dm(
            f"plex-refused:{attempt.state_hash[:32]}",
            attempt.discord_id,
            Msg("I couldn't link your Plex account: {reason}", reason=reason),
            buttons=buttons,
        )
        log.info("linking: refused %s for Plex user %s", attempt.discord_id, account.id)
        page = Msg(page_why or why, name=f"“{account.username}”", **commands)
        raise LinkRefused(N_("Not linked: {reason}"), reason=page)

    async def _store(
        self, discord_id: int, account: PlexAccountInfo, role: Role, token: str
    ) -> None:
        member, _ = await Member.get_or_create(discord_id=discord_id)
        # Relinking deletes and recreates, so each link has its own id and linked_at.
        await PlexLink.filter(member_id=member.id).delete()
        stamp = now()
        await PlexLink.create(
            member=member,
            plex_user_id=account.id,
            plex_username=account.username,
            plex_email=account.email,
            role=role,
            token_encrypted=self.cipher.encrypt(token),
            linked_at=stamp,
            verified_at=stamp,
        )

    async def adopt(self, discord_id: int, token: str) -> Linked | None:
        """Link with a token kept from a refused sign-in, once plex.tv shows the access.

        None when the account still has no access; a rejected token is ServiceRejected.
        """
        account, access = await self.plextv.account_access(token, await self.machine_id())
        if access is None:
            return None
        taken = (
            await PlexLink.filter(plex_user_id=account.id)
            .exclude(member__discord_id=discord_id)
            .exists()
        )
        if taken:
            return None
        await self._store(discord_id, account, ROLES[access], token)
        self._links_changed()
        if self.events is not None:
            await self.events.linked(discord_id, account.id)
        log.info("linking: %s linked as Plex user %s after an invite", discord_id, account.id)
        return Linked(discord_id, account.username, ROLES[access])

    async def machine_id(self) -> str:
        """PLEX_URL's machine identifier, asked once and kept."""
        if self._machine_id is None:
            self._machine_id = (await self.plex.identity()).machine_id
        return self._machine_id

    # -- links --------------------------------------------------------------------------

    async def get_link(self, discord_id: int) -> PlexLink | None:
        """The member's Plex link, if any."""
        return await PlexLink.get_or_none(member__discord_id=discord_id)

    async def unlink(self, discord_id: int) -> bool:
        """Forget the member's link and token; False when there was none."""
        link = await self.get_link(discord_id)
        if link is None:
            return False
        await PlexLink.filter(id=link.id).delete()
        self._links_changed()
        await self._unlinked(discord_id)
        await LinkAttempt.filter(discord_id=discord_id, used_at__isnull=True).delete()
        log.info("linking: %s unlinked", discord_id)
        return True

    async def reverify(self, discord_id: int, *, max_age: timedelta | None = None) -> bool:
        """Is the member still linked? Re-checks plex.tv when the last check is older than max_age.

        A rejected token or lost access removes the link (and DMs the user); an outage of
        plex.tv or Plex keeps it.
        """
        link = await self.get_link(discord_id)
        if link is None:
            return False
        if max_age is not None and now() - link.verified_at < max_age:
            return True
        try:
            return await self._verify(link, discord_id)
        except (ServiceUnavailable, ServiceRejected) as exc:
            log.warning("linking: could not re-verify %s: %s", discord_id, exc)
            return True

    async def reverify_all(self) -> int:
        """Re-verify every link (the daily job); returns how many were removed."""
        links = await PlexLink.all().order_by("id").prefetch_related("member")
        removed = 0
        for link in links:
            try:
                if not await self._verify(link, link.member.discord_id):
                    removed += 1
            except (ServiceUnavailable, ServiceRejected) as exc:
                log.warning("linking: re-verification stopped: %s", exc)
                break
        return removed

    async def _verify(self, link: PlexLink, discord_id: int) -> bool:
        """Check one link on plex.tv; outages raise, a bad token or lost access removes it."""
        try:
            token = self.cipher.decrypt(link.token_encrypted)
        except InvalidToken:
            log.warning("linking: token of %s can't be decrypted (SECRET_KEY changed?)", discord_id)
            await self._drop(link, discord_id, N_("I can no longer check your Plex sign-in"))
            return False
        machine_id = await self.machine_id()
        try:
            access = await self.plextv.server_access(token, machine_id)
        except ServiceRejected as exc:
            if exc.status != 401:
                raise
            await self._drop(link, discord_id, N_("Plex no longer accepts your sign-in"))
            return False
        if access is None:
            await self._drop(
                link, discord_id, N_("your Plex account no longer has access to our server")
            )
            return False
        update: dict[str, object] = {"verified_at": now()}
        if ROLES[access] != link.role:
            update["role"] = ROLES[access]
            log.info("linking: role of %s is now %s", discord_id, ROLES[access])
        await PlexLink.filter(id=link.id).update(**update)
        if "role" in update:
            self._links_changed()
        return True

    async def _drop(self, link: PlexLink, discord_id: int, why: str) -> None:
        await PlexLink.filter(id=link.id).delete()
        self._links_changed()
        await self._unlinked(discord_id)
        log.info("linking: removed the link of %s: %s", discord_id, why)
        await self.outbox.dm(
            f"plex-unlinked:{discord_id}:{link.linked_at.timestamp():.6f}",
            discord_id,
            Msg(
                "Your Plex link was removed because {why}. Run `/link` to link it again.",
                why=Msg(why),
            ),
        )

    async def _unlinked(self, discord_id: int) -> None:
        if self.events is not None:
            await self.events.unlinked(discord_id)

    def _links_changed(self) -> None:
        if self.access is not None:
            self.access.links_changed()

    async def purge_expired(self) -> int:
        """Delete expired and used link attempts; returns how many."""
        expired = await LinkAttempt.filter(expires_at__lte=now()).delete()
        used = await LinkAttempt.filter(used_at__isnull=False).delete()
        return expired + used


def _pin(attempt: LinkAttempt) -> Pin:
    return Pin(attempt.pin_id, attempt.pin_code, attempt.expires_at)
