"""The bot: wires the services, starts the web server and scheduler, loads the cogs."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.clients.plex import plex_tv_at
from bot.config import Settings
from bot.container import Services, build_services
from bot.logs import secret_filter
from bot.notify import DiscordSender
from bot.scheduler import Jobs, add_jobs
from bot.services.keyvalue import kept_value
from bot.services.probes import gateway_probe
from bot.services.status import build_report
from bot.services.tasks import stop_tasks
from bot.services.webhook_agent import webhook_token
from bot.tree import MediaNestTree
from bot.web import (
    add_arrival_listener,
    add_issue_webhooks,
    add_link_routes,
    add_metrics_route,
    add_webhook_route,
    add_webhook_test_listener,
    build_web_app,
    start_web,
)
from storage import db

log = logging.getLogger(__name__)
# A longer 429 is handed back to the outbox (it retries that row later) instead of blocking.
RATE_LIMIT_WAIT = 30.0  # the least discord.py allows


class MediaNest(commands.Bot):
    """The Discord client, holding the services the cogs call."""

    def __init__(self, services: Services, jobs: Jobs, *, guild_ready_timeout: float = 2.0) -> None:
        intents = discord.Intents.default()
        intents.members = intents.presences = intents.message_content = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=MediaNestTree,
            help_command=None,
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=RATE_LIMIT_WAIT,
        )
        self.services = services
        self.jobs = jobs
        self.web_port: int | None = None
        self.gateway: asyncio.Task[None] | None = None

    @property
    def settings(self) -> Settings:
        """The settings in use, with the channels and role chosen in `/setup`."""
        return self.services.settings

    async def setup_hook(self) -> None:
        from cogs import load_cogs

        await load_cogs(self)
        await self.sync_commands()
        self.services.health.add_probe("discord", gateway_probe(self.gateway_latency))
        await self.services.health.load()

    def start_gateway(self) -> asyncio.Task[None]:
        """Connect to the gateway in a task of the bot's own (once); `close` ends it."""
        if self.gateway is None:
            self.gateway = asyncio.create_task(self.connect(), name="discord-gateway")
        return self.gateway

    def gateway_latency(self) -> float | None:
        """Seconds of the last heartbeat round trip, or None when not connected."""
        return self.latency if self.is_ready() and not self.is_closed() else None

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        started = interaction.extras.get("started")
        name = interaction.command.qualified_name if interaction.command else "?"
        if started is not None:
            self.services.metrics.command_done(name, "ok", time.perf_counter() - started)

    async def sync_commands(self) -> None:
        """Sync slash commands: to DISCORD_GUILD_ID when set (instant), otherwise globally."""
        guild_id = self.settings.discord_guild_id
        if guild_id:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d slash commands", len(synced))

    async def readiness(self) -> dict[str, bool]:
        """What /readyz reports: the gateway is connected and the database answers."""
        try:
            await asyncio.wait_for(db.ping(), 3)
            database_ok = True
        except Exception:
            database_ok = False
        checks = {"discord": self.is_ready() and not self.is_closed(), "database": database_ok}
        for name, state in self.services.health.states.items():
            checks.setdefault(name, not state.down)
        return checks

    async def metrics_text(self) -> str:
        """The Prometheus exposition of the status report and the command counters."""
        report = await build_report(
            self.services.health, self.services.outbox, self.services.lag, self.services.started_at
        )
        return self.services.metrics.exposition(report, self.services.limiter.refusals)


@contextmanager
def discord_endpoints(settings: Settings) -> Iterator[None]:
    """discord.py uses DISCORD_API_URL / DISCORD_GATEWAY_URL inside the block; restored on exit."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = settings.discord_api_url
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


async def background(stack: AsyncExitStack, work: Coroutine[Any, Any, None], name: str) -> None:
    """Run `work` as a task that the stack cancels and awaits when it closes."""
    task = asyncio.create_task(work, name=name)
    stack.push_async_callback(stop_tasks, [task])


@asynccontextmanager
async def running(
    settings: Settings, *, guild_ready_timeout: float = 2.0
) -> AsyncIterator[MediaNest]:
    """Open every dependency, start the bot, and close everything in reverse order.

    Raises discord.LoginFailure when Discord rejects the token.
    """
    for line in settings.disabled_features():
        log.info(line)
    async with AsyncExitStack() as stack:
        stack.enter_context(discord_endpoints(settings))
        if settings.plex_url:
            stack.enter_context(plex_tv_at(settings.plex_tv_url))
        http = await stack.enter_async_context(aiohttp.ClientSession())
        await stack.enter_async_context(db.database(settings.resolved_database_url))
        client_id = await kept_value("plex_client_id", lambda: str(uuid.uuid4()))
        token = None
        if settings.overseerr_enabled:
            configured = settings.overseerr_webhook_token
            token = await webhook_token(configured.get_secret_value() if configured else None)
        services = build_services(settings, http, plex_client_id=client_id, webhook_token=token)
        for generated in (token, services.secret_key):  # masked in logs like the settings' own
            secret_filter.add(generated)
        await services.load_places()
        stack.callback(services.close)
        jobs = Jobs(services.errors)
        bot = MediaNest(services, jobs, guild_ready_timeout=guild_ready_timeout)
        web_app = build_web_app(bot.readiness, max_body=settings.web_max_body)
        if services.linking:
            add_link_routes(web_app, services.linking, services.limiter)
        add_metrics_route(web_app, bot.metrics_text)
        if services.requests and token:
            add_webhook_route(web_app, services.requests, token)
        if services.webhook_agent:
            add_webhook_test_listener(web_app, services.webhook_agent.test_arrived)
        if services.issues:
            add_issue_webhooks(web_app, services.issues.tracking)
        if services.announcements and token:
            check = services.announcements.check
            add_arrival_listener(web_app, lambda: jobs.once("new-on-plex-now", check))
        runner, bot.web_port = await start_web(web_app, settings.web_host, settings.web_port)
        stack.push_async_callback(runner.cleanup)
        add_jobs(jobs, services)
        await stack.enter_async_context(bot)
        await bot.login(settings.discord_token.get_secret_value())  # runs setup_hook
        await background(stack, services.outbox.run(DiscordSender(bot)), "outbox")
        await background(stack, services.lag.run(), "loop-lag")
        if services.downloads:
            await services.downloads.start()
            stack.push_async_callback(services.downloads.stop)  # running jobs stay resumable
        jobs.start()
        stack.push_async_callback(jobs.stop)  # waits for running jobs: before the database
        stack.push_async_callback(_stop_bot, bot, bot.start_gateway())
        # What start-up made (modules, classes, caches: ~175,000 objects) lives as long as the
        # bot: frozen, the collector's full passes skip it instead of holding every thread
        # for ~100 ms while they walk it (the longest event-loop stall while downloading).
        gc.freeze()
        stack.callback(gc.unfreeze)
        yield bot


async def _stop_bot(bot: MediaNest, task: asyncio.Task[None]) -> None:
    await bot.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def serve(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT or until the Discord client stops; returns the exit code.

    A signal during start-up (a slow migration, an unreachable Discord) cancels the start-up,
    so the process still stops within Docker's grace period.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    started = asyncio.Event()
    runner = asyncio.create_task(_serve(settings, stop, started))
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not runner.done() and not started.is_set():
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        log.info("stopped during start-up")
        return 0
    return await runner


async def _serve(settings: Settings, stop: asyncio.Event, started: asyncio.Event) -> int:
    try:
        async with running(settings) as bot:
            started.set()
            task = bot.start_gateway()
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if task.done() and not task.cancelled() and task.exception():
                log.error("the Discord client stopped: %r", task.exception())
                return 1
            log.info("shutting down")
    except discord.LoginFailure:
        log.error("Discord rejected DISCORD_TOKEN: check the bot token.")
        return 1
    log.info("stopped cleanly")
    return 0
