"""Discord adapters, one module per feature area; loaded by the bot for the features that are on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import MediaNest


async def load_cogs(bot: MediaNest) -> None:
    """Add the cog of every feature whose settings are present."""
    from cogs.health import HealthCog
    from cogs.help import HelpCog
    from cogs.issues import IssuesCog
    from cogs.link import LinkCog
    from cogs.notifications import NotificationsCog
    from cogs.requests import RequestsCog
    from cogs.setup import SetupCog
    from cogs.youtube import YouTubeCog

    await bot.add_cog(HelpCog(bot))
    if bot.services.setup:
        await bot.add_cog(SetupCog(bot, bot.services.setup, bot.services.announcements))
    if bot.services.health:
        await bot.add_cog(HealthCog(bot, bot.services.health))
    if bot.services.linking:
        await bot.add_cog(LinkCog(bot, bot.services.linking))
    if bot.services.requests and bot.services.linking:
        await bot.add_cog(RequestsCog(bot, bot.services.requests, bot.services.linking))
        await bot.add_cog(NotificationsCog(bot, bot.services.requests.prefs))
    if bot.services.issues and bot.services.linking:
        await bot.add_cog(IssuesCog(bot, bot.services.issues, bot.services.linking))
    if bot.services.downloads and bot.services.linking:
        await bot.add_cog(YouTubeCog(bot, bot.services.downloads))
