"""New on Plex: no command of its own (its mode is picked in `/setup`); `setup` builds it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.services.announce import build_announcements
from bot.web import add_arrival_listener

if TYPE_CHECKING:
    from bot.app import MediaNest


async def setup(bot: MediaNest) -> None:
    """On with Plex (PLEX_URL, PLEX_TOKEN): the Plex check every NEW_ON_PLEX_INTERVAL minutes,
    the digest's clock, and a check at once when Overseerr says a request is available."""
    core = bot.services
    if core.plex is None:
        return
    announcements = bot.features.add(
        build_announcements(core.plex, core.outbox, core.places, core.settings)
    )
    soon = datetime.now(UTC) + timedelta(seconds=5)
    minutes = core.settings.new_on_plex_interval
    bot.jobs.every("new-on-plex", announcements.check, minutes=minutes, first_run=soon)
    bot.jobs.every("new-on-plex-digest", announcements.digest_if_due, minutes=1)
    if core.webhook_token:  # Overseerr's webhook is served (with requests on)
        check = announcements.check
        add_arrival_listener(bot.web, lambda: bot.jobs.once("new-on-plex-now", check))
