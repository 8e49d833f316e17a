"""Discord adapters, one extension per feature: each module's `setup(bot)` builds its feature.

`EXTENSIONS` is the one list of features; the bot loads them in this order, so a feature
comes after the features it depends on (see docs/adding-a-feature.md).
"""

from __future__ import annotations

EXTENSIONS = (
    "cogs.help",
    "cogs.link",  # linking: requests, issues and YouTube need it
    "cogs.requests",  # requests and Overseerr's webhook: issues and setup use them
    "cogs.notifications",
    "cogs.issues",
    "cogs.new_on_plex",  # after requests: Overseerr's MEDIA_AVAILABLE starts a check
    "cogs.youtube",
    "cogs.health",
    "cogs.maintenance",  # mutes, maintenance windows and Acknowledge on health alerts
    "cogs.plex_access",  # after health: it adds to /admin
    "cogs.setup",
)
