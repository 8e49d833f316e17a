"""Which request DMs each member wants: their Discord requests, the ones made elsewhere, follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from storage.models import NotificationPrefs

Kind = Literal["discord_requests", "elsewhere_requests", "followed_media"]
KINDS: tuple[Kind, ...] = ("discord_requests", "elsewhere_requests", "followed_media")


@dataclass(frozen=True)
class Prefs:
    """A member's choices; every kind is on until they turn it off."""

    discord_requests: bool = True
    elsewhere_requests: bool = True
    followed_media: bool = True

    def wants(self, kind: Kind) -> bool:
        return bool(getattr(self, kind))


class Preferences:
    """Reads and flips the stored choices; a member without a row wants everything."""

    async def of(self, discord_id: int) -> Prefs:
        """The member's choices (all on when never changed)."""
        row = await NotificationPrefs.get_or_none(discord_id=discord_id)
        if row is None:
            return Prefs()
        return Prefs(row.discord_requests, row.elsewhere_requests, row.followed_media)

    async def wants(self, discord_id: int, kind: Kind) -> bool:
        """Whether the member gets DMs of this kind."""
        return (await self.of(discord_id)).wants(kind)

    async def toggle(self, discord_id: int, kind: str) -> Prefs:
        """Flip one kind on or off; an unknown kind is a ValueError (a forged button)."""
        if kind not in KINDS:
            raise ValueError(f"unknown notification kind {kind!r}")
        row, _ = await NotificationPrefs.get_or_create(discord_id=discord_id)
        setattr(row, kind, not getattr(row, kind))
        await row.save()
        return Prefs(row.discord_requests, row.elsewhere_requests, row.followed_media)
