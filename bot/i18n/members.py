"""Each member's language: the one they picked (wins) and Discord's at their last interaction.

Replies read the choice from memory (a member's row is loaded at their first interaction);
a DM or outbox message sent later reads the stored row, so it follows the recipient.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.catalogs import supported
from storage.models import MemberLanguage


@dataclass(frozen=True)
class Known:
    chosen: str | None
    seen: str | None


class MemberLanguages:
    """Stores what members picked and last used; reads are answered from memory once loaded."""

    def __init__(self) -> None:
        self.known: dict[int, Known] = {}

    def chosen(self, discord_id: int) -> str | None:
        """The language the member picked, if loaded and picked (no database call)."""
        known = self.known.get(discord_id)
        return known.chosen if known else None

    async def seen(self, discord_id: int, locale: str | None) -> None:
        """Remember Discord's locale of this interaction; writes only when it changed."""
        known = self.known.get(discord_id)
        if known is None:
            row = await MemberLanguage.get_or_none(discord_id=discord_id)
            known = Known(row.chosen, row.seen) if row else Known(None, None)
            self.known[discord_id] = known
        if locale and locale != known.seen:
            await self._store(discord_id, known.chosen, locale)

    async def choose(self, discord_id: int, code: str | None) -> None:
        """Set the member's language (None: follow Discord's)."""
        if code is not None and supported(code) != code:
            raise ValueError(f"unsupported language {code!r}")
        row = await MemberLanguage.get_or_none(discord_id=discord_id)
        await self._store(discord_id, code, row.seen if row else None)

    async def locale_of(self, discord_id: int) -> str | None:
        """For a message sent later: the picked language, else Discord's as last seen."""
        row = await MemberLanguage.get_or_none(discord_id=discord_id)
        if row is None:
            return None
        return row.chosen or row.seen

    async def _store(self, discord_id: int, chosen: str | None, seen: str | None) -> None:
        await MemberLanguage.update_or_create(
            {"chosen": chosen, "seen": seen}, discord_id=discord_id
        )
        self.known[discord_id] = Known(chosen, seen)
