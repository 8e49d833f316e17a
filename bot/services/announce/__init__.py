"""New on Plex (issue 25): what arrives in Plex, posted as it comes or as a digest.

`arrivals` reads Plex's recently-added lists and stores each new item once; `posts` draws
the embeds and the digest's poster grid; `schedule` holds the mode chosen in `/setup`;
`service` ties them together. `build_announcements` is the one place they are built
(`cogs.new_on_plex`'s `setup`).
"""

from __future__ import annotations

from bot.clients.plex import PlexClient
from bot.config import Settings
from bot.services.announce.arrivals import Arrivals
from bot.services.announce.schedule import MODES, Schedule, ScheduleStore
from bot.services.announce.service import Announcements
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.requests.prefs import Preferences

__all__ = ["MODES", "Announcements", "Schedule", "build_announcements"]


def build_announcements(
    plex: PlexClient, outbox: Outbox, places: Places, settings: Settings
) -> Announcements:
    """The New on Plex feature for this Plex server, posting through the outbox."""
    return Announcements(
        plex,
        outbox,
        places,
        Preferences(),
        # YouTube downloads are announced by their own post, not as New on Plex.
        Arrivals(plex, settings.new_on_plex_libraries, [settings.youtube_plex_section or ""]),
        ScheduleStore(settings.server_timezone),
        bulk=settings.new_on_plex_bulk,
    )
