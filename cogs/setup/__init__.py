"""/setup: `_cog` the panel, `_embeds` what it shows; `setup` builds the review."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.clients.discord_rest import DiscordREST
from bot.services.announce import Announcements
from bot.services.setup import SetupReview
from bot.services.webhook_agent import WebhookAgentSetup
from cogs.setup._cog import SetupCog

if TYPE_CHECKING:
    from bot.app import MediaNest

__all__ = ["SetupCog", "setup"]


async def setup(bot: MediaNest) -> None:
    """Always on: /setup, with Overseerr's webhook agent when requests are on, and New on
    Plex's page when that is on."""
    core = bot.services
    s = core.settings
    review = SetupReview(
        core.places,
        DiscordREST(core.http, s.discord_api_url, s.discord_token.get_secret_value()),
        s,
        core.dependency_probes,
        core.access,
        bot.features.get(WebhookAgentSetup),
    )
    await bot.add_cog(SetupCog(bot, review, bot.features.get(Announcements)))
