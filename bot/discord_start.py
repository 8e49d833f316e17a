"""Getting onto Discord without a traceback for what an admin can fix.

- Discord unreachable at login (DNS, no route, refused): one line per attempt and a retry
  with capped backoff, for ever. A home server often starts the container before its network
  is up, and exiting would only make compose restart us into the same wait; meanwhile the web
  server answers /healthz and /readyz says Discord is not connected.
- The gateway unreachable before the first connection: discord.py's reconnect loop dies with
  `AttributeError: 'NoneType' object has no attribute 'sequence'` (discord.py#10520, open in
  2.7: it reads `self.ws.sequence` while `ws` is still None). We start its loop again.
- The bot not in DISCORD_GUILD_ID, or invited without `applications.commands`: the guild
  command sync gets 403 50001. We log the invite link and sync when the bot joins the guild
  (GUILD_CREATE → `on_guild_join`) or its integration changes (a re-invite with the scope).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.clients.neterrors import describe_network_error
from bot.services.discord_checks import not_in_guild
from bot.services.retry import RetryPolicy

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)

UNREACHABLE = RetryPolicy(base=5.0, cap=300.0, jitter=0.1)
MISSING_ACCESS = 50001
REACH_TIMEOUT = aiohttp.ClientTimeout(total=15)


def _wait_text(seconds: float) -> str:
    return f"{seconds:.0f} s"


async def login_when_reachable(
    bot: MediaNest, token: str, http: aiohttp.ClientSession, api_url: str
) -> None:
    """Wait until Discord's API answers at all, then log in (a refused token: LoginFailure).

    The wait asks `GET /gateway` (no token needed) with our own session: retrying
    `bot.login` itself would leave one unclosed discord.py session per attempt.
    """
    attempt = 0
    while True:
        try:
            async with http.get(f"{api_url}/gateway", timeout=REACH_TIMEOUT):
                break  # any HTTP answer: the rest is login's to judge
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            attempt += 1
            delay = UNREACHABLE.delay(attempt)
            reason = "no answer" if isinstance(exc, TimeoutError) else describe_network_error(exc)
            log.warning(
                "Discord is unreachable (%s): check this machine's network and DNS; retrying in %s",
                reason,
                _wait_text(delay),
            )
            await asyncio.sleep(delay)
    await bot.login(token)


async def stay_connected(bot: MediaNest) -> None:
    """Run the gateway connection; start discord.py's loop again when #10520 ends it."""
    attempt = 0
    while not bot.is_closed():
        try:
            await bot.connect()
            return
        except AttributeError as exc:
            if "sequence" not in str(exc):
                raise
            attempt += 1
            delay = UNREACHABLE.delay(attempt)
            log.warning(
                "the Discord gateway could not be reached before the first connection; "
                "retrying in %s",
                _wait_text(delay),
            )
            await asyncio.sleep(delay)


class CommandSync:
    """Registers the slash commands: in DISCORD_GUILD_ID (at once) or globally (up to an hour)."""

    def __init__(self, bot: MediaNest) -> None:
        self.bot = bot
        self.pending = False  # the guild refused us; sync when the bot joins it
        for event in ("on_guild_join", "on_guild_available", "on_guild_integrations_update"):
            bot.add_listener(self._guild_event, event)

    async def _guild_event(self, guild: discord.Guild) -> None:
        await self.joined(guild.id)

    async def sync(self) -> bool:
        """Sync now; False (logged with the invite link) when the guild refuses the bot."""
        tree = self.bot.tree
        guild_id = self.bot.settings.discord_guild_id
        if not guild_id:
            synced = await tree.sync()
            log.info(
                "synced %d slash commands globally (DISCORD_GUILD_ID is not set): Discord can "
                "take up to an hour to show them; set DISCORD_GUILD_ID for instant updates",
                len(synced),
            )
            return True
        guild = discord.Object(guild_id)
        tree.copy_global_to(guild=guild)
        try:
            synced = await tree.sync(guild=guild)
        except discord.Forbidden as exc:
            if exc.code != MISSING_ACCESS:
                raise
            self.pending = True
            log.warning(
                "%s; the slash commands are registered as soon as it joins",
                not_in_guild(self.bot.application_id or 0, guild_id),
            )
            return False
        self.pending = False
        log.info("synced %d slash commands to the guild %s (shown at once)", len(synced), guild_id)
        return True

    async def joined(self, guild_id: int) -> None:
        """The bot joined a guild or its integration changed: retry a refused sync."""
        if self.pending and guild_id == self.bot.settings.discord_guild_id:
            log.info("the bot is now in DISCORD_GUILD_ID %s: registering the commands", guild_id)
            await self.sync()
