"""Health: `_cog` /status, /admin errors and the dashboard, `_pages` the status pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.services.probes import gateway_probe
from cogs.health._cog import HealthCog

if TYPE_CHECKING:
    from bot.app import MediaNest

__all__ = ["HealthCog", "setup"]


async def setup(bot: MediaNest) -> None:
    """Always on: /status, the dashboard, and the health checks with their alerts."""
    monitor = bot.services.health
    monitor.add_probe("discord", gateway_probe(bot.gateway_latency))  # known once the bot is
    soon = datetime.now(UTC) + timedelta(seconds=5)
    interval = bot.services.settings.health_check_interval
    # A round only reads: stopping the bot cancels it instead of waiting for slow probes.
    bot.jobs.every(
        "health-check", monitor.check_round, seconds=interval, first_run=soon, interruptible=True
    )
    bot.jobs.every("health-prune", monitor.prune, hours=6)
    await bot.add_cog(HealthCog(bot, monitor))
