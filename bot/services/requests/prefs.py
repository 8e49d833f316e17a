"""Which request DMs each member wants (their Discord requests, the ones made elsewhere,
follows), and whether public posts may name them as the one who asked (off until they say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from storage.models import NotificationPrefs

Kind = Literal["discord_requests", "elsewhere_requests", "followed_media"]
KINDS: tuple[Kind, ...] = ("discord_requests", "elsewhere_requests", "followed_media")
NAMED = "name_in_public"
TOGGLES = (*KINDS, NAMED)


@dataclass(frozen=True)
class Prefs:
    """A member's choices; every kind of DM is on, and being named off, until they change it."""

    discord_requests: bool = True
    elsewhere_requests: bool = True
    followed_media: bool = True
    name_in_public: bool = False

    def wants(self, kind: Kind) -> bool:
        return bool(getattr(self, kind))


class Preferences:
    """Reads and flips the stored choices; a member without a row wants everything."""

    async def of(self, discord_id: int) -> Prefs:
        """The member's choices (all on when never changed)."""
        row = await NotificationPrefs.get_or_none(discord_id=discord_id)
        if row is None:
            return Prefs()
        return _prefs(row)

    async def wants(self, discord_id: int, kind: Kind) -> bool:
        """Whether the member gets DMs of this kind."""
        return (await self.of(discord_id)).wants(kind)

    async def named_in_public(self, discord_ids: list[int]) -> list[int]:
        """Those of `discord_ids` who allowed public posts to name them, in that order."""
        if not discord_ids:
            return []
        rows = NotificationPrefs.filter(discord_id__in=discord_ids, name_in_public=True)
        allowed = set(await rows.values_list("discord_id", flat=True))
        return [d for d in discord_ids if d in allowed]

    async def may_name(self, discord_id: int) -> bool:
        """Whether public posts may name this member (off until they turn it on)."""
        return bool(await self.named_in_public([discord_id]))

    async def toggle(self, discord_id: int, kind: str) -> Prefs:
        """Flip one choice; an unknown one is a ValueError (a forged button)."""
        if kind not in TOGGLES:
            raise ValueError(f"unknown notification kind {kind!r}")
        row, _ = await NotificationPrefs.get_or_create(discord_id=discord_id)
        setattr(row, kind, not getattr(row, kind))
        await row.save()
        return _prefs(row)


def _prefs(row: NotificationPrefs) -> Prefs:
    return Prefs(
        row.discord_requests, row.elsewhere_requests, row.followed_media, row.name_in_public
    )
