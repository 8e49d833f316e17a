"""Each member's language: the one they picked (wins) and Discord's at their last interaction.

Replies read both from memory, so answering costs no database call: the picks are loaded at
start (few members pick one), and a changed Discord locale is noted in memory and written
by a job every 30 seconds (and at shutdown). A DM or outbox message sent later asks
`locale_of`, which looks in memory first, then at the stored row.
"""

from __future__ import annotations

import logging

from bot.i18n.catalogs import supported
from storage.models import MemberLanguage

log = logging.getLogger(__name__)


class MemberLanguages:
    """Members' picked and last-seen languages, kept in memory and stored in `member_language`."""

    def __init__(self) -> None:
        self.picked: dict[int, str] = {}
        self.seen_locale: dict[int, str] = {}
        self.unsaved: dict[int, str] = {}

    async def load(self) -> None:
        """Read every member's pick (at start)."""
        rows = await MemberLanguage.filter(chosen__isnull=False).values_list("discord_id", "chosen")
        self.picked = {int(discord_id): str(code) for discord_id, code in rows}

    def chosen(self, discord_id: int) -> str | None:
        """The language the member picked, if any (no database call)."""
        return self.picked.get(discord_id)

    def seen(self, discord_id: int, locale: str | None) -> None:
        """Note Discord's locale of this interaction; stored by the next `flush` if it changed."""
        if locale and self.seen_locale.get(discord_id) != locale:
            self.seen_locale[discord_id] = locale
            self.unsaved[discord_id] = locale

    async def flush(self) -> None:
        """Store the locales noted since the last flush (a job, and once at shutdown)."""
        pending, self.unsaved = self.unsaved, {}
        try:
            for discord_id, locale in pending.items():
                updated = await MemberLanguage.filter(discord_id=discord_id).update(seen=locale)
                if not updated:
                    await MemberLanguage.get_or_create({"seen": locale}, discord_id=discord_id)
        except Exception:
            self.unsaved = pending | self.unsaved  # tried again next time
            raise

    async def close(self) -> None:
        """The last flush, at shutdown; a database already gone only costs those notes."""
        try:
            await self.flush()
        except Exception as exc:
            log.warning("could not store %d members' locales: %r", len(self.unsaved), exc)

    async def choose(self, discord_id: int, code: str | None) -> None:
        """Set the member's language (None: follow Discord's); stored at once."""
        if code is not None and supported(code) != code:
            raise ValueError(f"unsupported language {code!r}")
        await MemberLanguage.update_or_create({"chosen": code}, discord_id=discord_id)
        if code is None:
            self.picked.pop(discord_id, None)
        else:
            self.picked[discord_id] = code

    async def locale_of(self, discord_id: int) -> str | None:
        """For a message sent later: the picked language, else Discord's as last seen."""
        known = self.picked.get(discord_id) or self.seen_locale.get(discord_id)
        if known:
            return known
        row = await MemberLanguage.get_or_none(discord_id=discord_id)
        if row is None:
            return None
        return row.chosen or row.seen
