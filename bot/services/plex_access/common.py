"""What every part of Plex access shares: plex.tv with capped retries, the record, libraries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from bot.clients.plex_sharing import Library, PlexSharing, Share
from bot.errors import InvalidInput, ServiceUnavailable, UserError
from bot.i18n import N_, Msg
from bot.services.outbox import Button, Outbox
from bot.services.retry import RetryPolicy
from storage.models import AccessEvent, AccessState, PlexAccess

log = logging.getLogger(__name__)
T = TypeVar("T")

# plex.tv failing: three tries a few seconds apart, within the time an admin waits for an answer.
PLEX_TV_RETRY = RetryPolicy(base=1.0, cap=4.0, jitter=0.25, max_attempts=3)
OPEN = (AccessState.REQUESTED, AccessState.INVITING, AccessState.INVITED, AccessState.ACCEPTED)


class PlexTvDown(UserError):
    """plex.tv did not answer after the retries; nothing was changed."""

    message = N_(
        "plex.tv isn't answering, so nothing was changed on Plex. "
        "Try again in a minute: the request is still open."
    )


class AlreadyHandled(UserError):
    message = N_("This request was already handled.")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AccessOptions:
    """Settings of the feature, read once (channels are read when used, through `approvals`)."""

    default_libraries: tuple[str, ...] = ()
    role_id: int | None = None
    grace_days: int = 7
    retry: RetryPolicy = PLEX_TV_RETRY


class PlexTv:
    """plex.tv through PlexSharing, every call retried on outages with a cap."""

    def __init__(
        self, sharing: PlexSharing, machine_id: Callable[[], Awaitable[str]], retry: RetryPolicy
    ) -> None:
        self.sharing = sharing
        self.machine_id = machine_id
        self.retry = retry

    async def call(self, work: Callable[[str], Awaitable[T]]) -> T:
        """Run `work(machine_id)`; ServiceUnavailable is retried, then PlexTvDown."""
        attempt = 0
        while True:
            try:
                return await work(await self.machine_id())
            except ServiceUnavailable as exc:
                attempt += 1
                if self.retry.gives_up_after(attempt):
                    log.warning("plex access: plex.tv failed %d times: %s", attempt, exc)
                    raise PlexTvDown() from exc
                await asyncio.sleep(self.retry.delay(attempt))

    async def libraries(self) -> list[Library]:
        return await self.call(self.sharing.libraries)

    async def shares(self) -> list[Share]:
        return await self.call(self.sharing.shares)


def share_of(row: PlexAccess, shares: Sequence[Share]) -> Share | None:
    """The plex.tv share of this access: by Plex user id, else by the name invited."""
    for share in shares:
        if row.plex_user_id is not None and share.user_id == row.plex_user_id:
            return share
    names = [n for n in (row.plex_username, row.plex_email) if n]
    return next((s for s in shares if any(s.names(n) for n in names)), None)


def titles_for(keys: Sequence[str], libraries: Sequence[Library]) -> list[str]:
    """The titles of the chosen keys; a key no longer on the server is a clear refusal."""
    by_key = {lib.key: lib.title for lib in libraries}
    missing = [k for k in keys if k not in by_key]
    if missing:
        raise InvalidInput(
            N_("A library you picked was deleted meanwhile. Pick the libraries again.")
        )
    if not keys:
        raise InvalidInput(N_("Pick at least one library to share."))
    return [by_key[k] for k in keys]


def preselected(libraries: Sequence[Library], defaults: Sequence[str]) -> list[str]:
    """The keys to preselect: the default libraries (titles or keys), or all of them."""
    wanted = {d.lower() for d in defaults}
    chosen = [lib.key for lib in libraries if lib.key in wanted or lib.title.lower() in wanted]
    return chosen or [lib.key for lib in libraries]


async def record(
    row: PlexAccess,
    action: str,
    actor_id: int | None = None,
    titles: Sequence[str] | None = None,
    detail: str | None = None,
) -> None:
    """Write one line of the record of changes."""
    await AccessEvent.create(
        access_id=row.id,
        discord_id=row.discord_id,
        plex_username=row.plex_username,
        action=action,
        actor_id=actor_id,
        library_titles=list(titles) if titles is not None else None,
        detail=detail,
    )
    log.info("plex access: %s %s (%s) by %s", action, row.discord_id, row.plex_username, actor_id)


async def move(
    row: PlexAccess, frm: Sequence[AccessState], to: AccessState, **values: object
) -> bool:
    """A conditional state change: of two racers exactly one wins."""
    changed = await PlexAccess.filter(id=row.id, state__in=list(frm)).update(
        state=to, updated_at=now(), **values
    )
    if changed:
        row.state = to
        for name, value in values.items():
            setattr(row, name, value)
    return changed == 1


@dataclass
class Notices:
    """DMs and admin posts, through the outbox; the approval channel is read when posting."""

    outbox: Outbox
    approvals: Callable[[], int | None]

    async def dm(self, key: str, discord_id: int, text: Msg) -> None:
        await self.outbox.dm(f"plex-access:{key}", discord_id, text)

    async def admins(self, key: str, text: Msg, buttons: Sequence[Button] = ()) -> None:
        channel = self.approvals()
        if channel is None:
            log.warning("plex access: no approval channel for %s", key)
            return
        await self.outbox.post(f"plex-access:{key}", channel, text, buttons=buttons)
