"""The bot: opens the shared services, loads the feature extensions, starts web and scheduler.

Start-up order: shared services -> bot -> `login` (its `setup_hook` loads every extension in
`cogs.EXTENSIONS`; each builds its feature and registers cogs, jobs and web routes) -> web
server (aiohttp freezes the router when it starts, so every route must be in by then) ->
outbox, scheduler -> gateway. Stopping runs the same steps backwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.clients.plex import plex_tv_at
from bot.config import Settings
from bot.container import Services, build_services
from bot.discord_start import CommandSync, login_when_reachable, stay_connected
from bot.features import Features
from bot.i18n.discord import CommandTranslator
from bot.logs import secret_filter
from bot.notify import DiscordSender
from bot.scheduler import Jobs
from bot.services.cluster.processes import Heartbeat
from bot.services.keyvalue import kept_value
from bot.services.status import build_report
from bot.services.tasks import stop_tasks
from bot.services.webhook_agent import webhook_token
from bot.tree import MediaNestTree, command_tree
from bot.web import ROLE, add_metrics_route, build_web_app, start_web
from storage import db

if TYPE_CHECKING:  # PostgreSQL only: leadership.py loads asyncpg
    from bot.services.cluster.leadership import Leadership

log = logging.getLogger(__name__)
# A longer 429 is handed back to the outbox (it retries that row later) instead of blocking.
RATE_LIMIT_WAIT = 30.0  # the least discord.py allows
# Gateway close 4014: the portal does not allow the intent DISCORD_MEMBERS_INTENT asks for.
MEMBERS_INTENT_REFUSED = (
    'Discord refused the Server Members intent (gateway close 4014 "Disallowed intent(s)"): '
    "turn on Server Members Intent in the Developer Portal (your application → Bot → "
    "Privileged Gateway Intents), or set DISCORD_MEMBERS_INTENT=false"
)


class MediaNest(commands.Bot):
    """The Discord client: the shared services, the features the extensions built, the web app."""

    def __init__(self, services: Services, *, guild_ready_timeout: float = 2.0) -> None:
        intents = discord.Intents.default()
        intents.presences = intents.message_content = False
        # Privileged: only when asked for (Discord closes with 4014 unless the portal allows it).
        intents.members = services.settings.discord_members_intent
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
        self.features = Features()
        self.web = build_web_app(self.readiness, max_body=services.settings.web_max_body)
        metrics_token = services.settings.metrics_token
        if metrics_token:  # never unauthenticated: the web port is published
            add_metrics_route(self.web, self.metrics_text, metrics_token.get_secret_value())
        else:
            log.info("/metrics is off: set METRICS_TOKEN to serve it to Prometheus.")
        self.web_port: int | None = None
        self.gateway: asyncio.Task[None] | None = None
        self.command_sync = CommandSync(self)
        self.web[ROLE] = self.role
        self.heartbeat: Heartbeat | None = None  # PostgreSQL: this process's role and beat
        self.deposed = asyncio.Event()  # PostgreSQL: another process took the leader lock

    @property
    def settings(self) -> Settings:
        """The settings in use, with the channels and role chosen in `/setup` (read each time)."""
        return self.services.places.applied_to(self.services.settings)

    def role(self) -> str:
        """`single` (SQLite), or `leader` / `standby` among the bots on one PostgreSQL."""
        return self.heartbeat.role if self.heartbeat else "single"

    @property
    def jobs(self) -> Jobs:
        return self.services.jobs

    async def setup_hook(self) -> None:
        from cogs import EXTENSIONS

        for name in EXTENSIONS:  # in dependency order: a feature's dependencies load first
            await self.load_extension(name)
        await self.services.languages.load()
        await self.tree.set_translator(CommandTranslator())
        await self.sync_commands()
        await self.services.health.load()

    def start_gateway(self) -> asyncio.Task[None]:
        """Connect to the gateway in a task of the bot's own (once); `close` ends it."""
        if self.gateway is None:
            self.gateway = asyncio.create_task(stay_connected(self), name="discord-gateway")
        return self.gateway

    def gateway_latency(self) -> float | None:
        """Seconds of the last heartbeat round trip, or None when not connected."""
        return self.latency if self.is_ready() and not self.is_closed() else None

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if event_name == "app_command_completion":  # counted now, not in a task per listener
            command_tree(self).completed(args[0])
        super().dispatch(event_name, *args, **kwargs)

    async def sync_commands(self) -> None:
        """Sync slash commands: to DISCORD_GUILD_ID when set (instant), otherwise globally."""
        await self.command_sync.sync()

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
    from cogs import disabled_features

    for line in disabled_features(settings):
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
        await services.places.load()
        stack.callback(services.close)
        services.jobs.every("errors-flush", services.error_log.flush, seconds=30)
        services.jobs.every("member-languages", services.languages.flush, seconds=30)
        bot = MediaNest(services, guild_ready_timeout=guild_ready_timeout)
        await stack.enter_async_context(bot)
        # setup_hook loads the extensions: each adds its routes before the web app starts.
        discord_token = settings.discord_token.get_secret_value()
        await login_when_reachable(bot, discord_token, http, settings.discord_api_url)
        runner, bot.web_port = await start_web(bot.web, settings.web_host, settings.web_port)
        stack.push_async_callback(runner.cleanup)
        await background(stack, services.lag.run(), "loop-lag")
        if services.leadership:  # a standby waits here, serving /healthz and webhooks
            await _lead(stack, services.leadership, bot)
        await background(
            stack, services.outbox.run(DiscordSender(bot, services.languages)), "outbox"
        )
        services.jobs.start()
        stack.push_async_callback(services.languages.close)  # after the jobs, before the db
        stack.push_async_callback(services.jobs.stop)  # waits for running jobs: before the db
        stack.push_async_callback(_stop_bot, bot, bot.start_gateway())
        # What start-up made (modules, classes, caches: ~175,000 objects) lives as long as the
        # bot: frozen, the collector's full passes skip it instead of holding every thread
        # for ~100 ms while they walk it (the longest event-loop stall while downloading).
        gc.freeze()
        stack.callback(gc.unfreeze)
        yield bot


async def _lead(stack: AsyncExitStack, leadership: Leadership, bot: MediaNest) -> None:
    """Beat as standby until this process takes the leader lock, then as leader."""
    heartbeat = Heartbeat(leadership.name, "standby")
    bot.heartbeat = heartbeat
    await background(stack, heartbeat.run(), "heartbeat")
    stack.push_async_callback(_leave, heartbeat)
    await leadership.acquire()
    stack.push_async_callback(leadership.release)  # a clean stop hands over at once
    await background(stack, _watch(leadership, bot.deposed), "leadership")
    heartbeat.become("leader")
    with contextlib.suppress(Exception):  # the next beat stores it otherwise
        await heartbeat.beat()


async def _watch(leadership: Leadership, deposed: asyncio.Event) -> None:
    await leadership.watch()  # returns once another process leads
    deposed.set()


async def _leave(heartbeat: Heartbeat) -> None:
    with contextlib.suppress(Exception):
        await heartbeat.leave()


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
            deposed = asyncio.create_task(bot.deposed.wait())
            await asyncio.wait({task, stopper, deposed}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            deposed.cancel()
            if bot.deposed.is_set():
                log.error("another process leads now: stopping (restarted, this one is a standby)")
                return 1
            failed = task.exception() if task.done() and not task.cancelled() else None
            if isinstance(failed, discord.PrivilegedIntentsRequired):
                log.error(MEMBERS_INTENT_REFUSED)
                return 1
            if failed:
                log.error("the Discord client stopped: %r", failed)
                return 1
            log.info("shutting down")
    except discord.LoginFailure:
        log.error("Discord rejected DISCORD_TOKEN: check the bot token.")
        return 1
    log.info("stopped cleanly")
    return 0
