"""Media requests in Discord: `_cog` the commands, `_components` the buttons and modals,
`_text` what they say; `setup` builds the feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import N_
from bot.services.linking import LinkingService
from bot.services.requests import RequestOptions, build_requests
from bot.services.webhook_agent import WebhookAgentSetup
from bot.web import add_webhook_route, add_webhook_test_listener
from cogs.requests._cog import RequestsCog

if TYPE_CHECKING:
    from bot.app import MediaNest
    from bot.config import Settings

__all__ = ["RequestsCog", "setup"]


def off(settings: Settings) -> str | None:
    """Why media requests are off, naming what switches them on (None: on)."""
    if settings.overseerr_enabled:
        return None
    return N_("Media requests are off: set OVERSEERR_URL and OVERSEERR_API_KEY for /request.")


async def setup(bot: MediaNest) -> None:
    """On with Overseerr (OVERSEERR_URL, OVERSEERR_API_KEY) and linking.

    Registers the delivery and reconcile jobs, and Overseerr's webhook with the agent that
    `/setup` points at it.
    """
    core = bot.services
    linking = bot.features.get(LinkingService)
    if off(core.settings) or core.overseerr is None or linking is None:
        return
    options = RequestOptions(rate=core.settings.rate_limit_request)
    requests = build_requests(core.overseerr, core.outbox, core.limiter, core.places, options)
    bot.features.add(requests)
    bot.jobs.every("requests-deliver", requests.deliver_due, seconds=15)
    bot.jobs.every("requests-reconcile", requests.reconcile, minutes=5)
    if core.webhook_token:
        add_webhook_route(bot.web, requests, core.webhook_token)
        settings = core.settings
        agent = WebhookAgentSetup(
            core.overseerr,
            settings.webhook_url,  # OVERSEERR_WEBHOOK_URL, else PUBLIC_URL's
            core.webhook_token,
            setting="OVERSEERR_WEBHOOK_URL" if settings.overseerr_webhook_url else "PUBLIC_URL",
        )
        bot.features.add(agent)
        add_webhook_test_listener(bot.web, agent.test_arrived)
    await bot.add_cog(RequestsCog(bot, requests, linking))
