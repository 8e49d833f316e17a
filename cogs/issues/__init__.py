"""Issue reports: `_cog` holds /issue and the Resolve button; `setup` builds the feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.issues import build_issues
from bot.services.linking import LinkingService
from bot.services.requests import Requests
from bot.web import add_issue_webhooks
from cogs.issues._cog import IssuesCog

if TYPE_CHECKING:
    from bot.app import MediaNest

__all__ = ["IssuesCog", "setup"]


async def setup(bot: MediaNest) -> None:
    """On with media requests: /issue, the issue poll, and ISSUE_* webhooks."""
    core = bot.services
    requests = bot.features.get(Requests)
    linking = bot.features.get(LinkingService)
    if core.overseerr is None or requests is None or linking is None:
        return
    issues = build_issues(
        core.overseerr,
        core.outbox,
        core.limiter,
        requests.overseerr_user,  # the same Plex -> Overseerr lookup and cache
        rate=core.settings.rate_limit_request,
        places=core.places,
    )
    bot.features.add(issues)
    bot.jobs.every("issues-poll", issues.poll, minutes=5)
    add_issue_webhooks(bot.web, issues)
    await bot.add_cog(IssuesCog(bot, issues, linking))
