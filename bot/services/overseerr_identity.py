"""The member's Discord id in their Overseerr notification settings, so Overseerr can mention them.

On link the id is added to the Overseerr user of the member's Plex account; on unlink it is
removed, but only when we put it there. A different id the user set themselves is never
overwritten (Seerr 3.3+ keeps a list, so ours is added beside it). What was done is stored
in `OverseerrMention`; when Overseerr is down the row waits and `sync_pending` retries it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from bot.clients.overseerr import OverseerrClient
from bot.clients.overseerr.server import OverseerrServer, discord_setting, server, write_discord_ids
from bot.errors import MediaNestError, ServiceRejected, ServiceUnavailable
from bot.i18n import Msg
from bot.services.requests.accounts import Accounts
from bot.services.requests.errors import NoOverseerrAccount
from storage.models import MentionState, OverseerrMention, PlexLink

log = logging.getLogger(__name__)
BATCH = 50  # rows retried per run of the job
# A link, /unlink or /account waits this long for Overseerr; after that the job takes over.
ATTEMPT_TIMEOUT = 2.0


def now() -> datetime:
    return datetime.now(UTC)


class DiscordMentions:
    """Writes and removes members' Discord ids in Overseerr; the linking service's LinkEvents."""

    def __init__(
        self, overseerr: OverseerrClient, accounts: Accounts, timeout: float = ATTEMPT_TIMEOUT
    ) -> None:
        self.overseerr = overseerr
        self.accounts = accounts
        self.timeout = timeout
        self._server: OverseerrServer | None = None

    async def server(self) -> OverseerrServer:
        """The server at OVERSEERR_URL, asked once and kept (until it answers, asked again)."""
        if self._server is None:
            self._server = await server(self.overseerr)
        return self._server

    async def detect(self) -> None:
        """Log which server answers (the start-up job); an outage is a warning, not an error."""
        try:
            found = await self.server()
        except MediaNestError as exc:
            log.warning("overseerr: could not tell which server answers: %s", exc)
            return
        how = "discordIds (a list)" if found.discord_ids_list else "discordId"
        log.info("overseerr: %s; Discord ids go into %s", found, how)

    # -- LinkEvents ----------------------------------------------------------------------

    async def linked(self, discord_id: int, plex_user_id: int) -> None:
        """The member linked this Plex account: add their id to its Overseerr user."""
        for row in await OverseerrMention.filter(discord_id=discord_id).exclude(
            plex_user_id=plex_user_id
        ):
            await self._forget(row)  # a relink to another Plex account
        row, created = await OverseerrMention.get_or_create(
            discord_id=discord_id, plex_user_id=plex_user_id, defaults={"state": MentionState.ADD}
        )
        if not created and row.state == MentionState.REMOVE:
            await self._save(row, MentionState.WRITTEN)  # its removal never happened: still ours
            return
        if not created and row.state != MentionState.ADD:
            return
        await self._attempt(row)

    async def unlinked(self, discord_id: int) -> None:
        """The member's link is gone: remove the ids we wrote, leave everything else."""
        for row in await OverseerrMention.filter(discord_id=discord_id):
            await self._forget(row)

    async def _forget(self, row: OverseerrMention) -> None:
        if row.state not in (MentionState.WRITTEN, MentionState.REMOVE):
            await row.delete()
            return
        await self._save(row, MentionState.REMOVE)
        await self._attempt(row)

    # -- the work ------------------------------------------------------------------------

    async def sync_pending(self) -> int:
        """Retry the adds and removals Overseerr missed (the job); returns how many were done."""
        await self._backfill()
        pending = OverseerrMention.filter(state__in=[MentionState.ADD, MentionState.REMOVE])
        rows = await pending.order_by("updated_at", "id").limit(BATCH)
        done = 0
        for row in rows:
            try:
                await self._apply(row)
            except ServiceUnavailable as exc:
                await self._note(row, exc)
                log.info("overseerr ids: retry stopped, %s", exc)
                break
            except (ServiceRejected, NoOverseerrAccount) as exc:
                await self._note(row, exc)
                continue
            done += 1
        return done

    async def _backfill(self) -> None:
        """Links made before this feature (or while it was off) get a row to add."""
        known = set(await OverseerrMention.all().values_list("discord_id", "plex_user_id"))
        links = await PlexLink.all().prefetch_related("member")
        for link in links:
            key = (link.member.discord_id, link.plex_user_id)
            if key not in known:
                await OverseerrMention.create(
                    discord_id=key[0], plex_user_id=key[1], state=MentionState.ADD
                )

    async def _attempt(self, row: OverseerrMention) -> None:
        """Apply one row now; a failure stays in the row for `sync_pending`."""
        try:
            await self._apply_now(row)
        except (MediaNestError, NoOverseerrAccount) as exc:
            await self._note(row, exc)
            log.info("overseerr ids: %s for %s waits: %s", row.state, row.discord_id, exc)

    async def _apply_now(self, row: OverseerrMention) -> None:
        """`_apply` within the timeout, so a slow Overseerr never holds up a command."""
        try:
            async with asyncio.timeout(self.timeout):
                await self._apply(row)
        except TimeoutError as exc:
            detail = f"no answer within {self.timeout:g} s"
            raise ServiceUnavailable("Overseerr", detail) from exc

    async def _apply(self, row: OverseerrMention) -> None:
        if row.state == MentionState.REMOVE:
            await self._remove(row)
        else:
            await self._add(row)

    async def _add(self, row: OverseerrMention) -> None:
        ours = str(row.discord_id)
        user = await self.accounts.user(row.plex_user_id)
        row.overseerr_user_id = user.id
        setting = await discord_setting(self.overseerr, user.id, await self.server())
        if ours in setting.ids:
            await self._save(row, MentionState.ALREADY)
        elif setting.ids and not setting.as_list:
            await self._save(row, MentionState.OTHER, found_id=setting.ids[0])
        else:
            saved = await write_discord_ids(self.overseerr, user.id, setting, [*setting.ids, ours])
            if ours not in saved.ids:
                raise ServiceRejected("Overseerr", 502, "Overseerr did not keep the Discord id.")
            await self._save(row, MentionState.WRITTEN)
            log.info("overseerr ids: wrote %s into Overseerr user %s", ours, user.id)

    async def _remove(self, row: OverseerrMention) -> None:
        ours = str(row.discord_id)
        if row.overseerr_user_id is None:
            await row.delete()
            return
        try:
            found = await self.server()
            setting = await discord_setting(self.overseerr, row.overseerr_user_id, found)
        except ServiceRejected as exc:
            if exc.status != 404:
                raise
            await row.delete()  # the Overseerr user is gone, and our id with it
            return
        if ours in setting.ids:
            rest = [i for i in setting.ids if i != ours]
            await write_discord_ids(self.overseerr, row.overseerr_user_id, setting, rest)
        await row.delete()
        log.info("overseerr ids: removed %s from Overseerr user %s", ours, row.overseerr_user_id)

    async def _save(
        self, row: OverseerrMention, state: MentionState, *, found_id: str | None = None
    ) -> None:
        row.state = state
        await OverseerrMention.filter(id=row.id).update(
            state=state,
            found_id=found_id,
            overseerr_user_id=row.overseerr_user_id,
            last_error=None,
            updated_at=now(),
        )
        if found_id is not None:
            row.found_id = found_id

    @staticmethod
    async def _note(row: OverseerrMention, exc: Exception) -> None:
        await OverseerrMention.filter(id=row.id).update(
            last_error=str(exc)[:500], overseerr_user_id=row.overseerr_user_id, updated_at=now()
        )

    # -- /account ------------------------------------------------------------------------

    async def describe(self, discord_id: int, plex_user_id: int) -> Msg:
        """Whether Overseerr can mention the member, in words, for /account (checked live)."""
        row = await OverseerrMention.get_or_none(discord_id=discord_id, plex_user_id=plex_user_id)
        if row is None:
            row = await OverseerrMention.create(
                discord_id=discord_id, plex_user_id=plex_user_id, state=MentionState.ADD
            )
        if row.state in (MentionState.ADD, MentionState.OTHER):
            row.state = MentionState.ADD  # the user may have cleared theirs: look again
            try:
                await self._apply_now(row)
            except NoOverseerrAccount:
                await self._note(row, NoOverseerrAccount())
                return Msg("not set: you have no Overseerr account yet")
            except MediaNestError as exc:
                await self._note(row, exc)
                if isinstance(exc, ServiceUnavailable):
                    return Msg("not set yet: I'll add it when Overseerr answers again")
                return Msg("not set: {reason}", reason=exc.msg)
        if row.state == MentionState.OTHER:
            return Msg(
                "Overseerr has a different Discord id set ({id}): change it in "
                "Overseerr → your profile → Notifications",
                id=row.found_id,
            )
        return Msg("mention as you")
