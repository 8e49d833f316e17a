"""`python -m bot` / `medianest`: run (default), check, migrate, worker."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp
from tortoise import Tortoise

from bot import startup
from bot.clients.discord_rest import DiscordREST
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.services.cluster.single import SECOND_PROCESS, SingleProcess, sqlite_path
from bot.services.discord_checks import channel_needs, discord_results
from bot.services.probes import ProbeResult, run_probes, youtube_result
from bot.settings_advice import incomplete_settings, unknown_settings
from storage import db

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, load the settings, and run the chosen command."""
    parser = argparse.ArgumentParser(prog="medianest", description="MediaNest Discord bot")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "check", "migrate", "worker"],
        help="run the bot (default), check the configuration and services, migrate the "
        "database, or run download workers only (PostgreSQL)",
    )
    args = parser.parse_args(argv)
    unknown = unknown_settings(Path(".env"), os.environ)
    # A worker never talks to Discord, so it needs no token.
    overrides = {"discord_token": "unused-by-workers"} if args.command == "worker" else {}
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:  # one line per problem; a typo'd name is often the cause
        for line in exc.problems:
            print(f"Configuration error: {line} (see .env.example)", file=sys.stderr)
        for line in unknown:
            print(f"Warning: {line}", file=sys.stderr)
        return 1
    setup_logging(settings.log_level, settings.log_format, _secrets(settings))
    advice = unknown + incomplete_settings(settings)
    if args.command == "check":
        return asyncio.run(check(settings, advice))
    for line in advice:
        log.warning(line)
    problem = startup.data_dir_problem(settings.data_dir)
    if problem:
        print(f"DATA_DIR: {problem}", file=sys.stderr)
        return 1
    if args.command == "migrate":
        return asyncio.run(migrate(settings))
    if args.command == "worker":
        return asyncio.run(worker(settings))
    key_problem = None if settings.secret_key else startup.secret_key_problem(settings.data_dir)
    problems = [
        ("WEB_PORT", startup.port_problem(settings.web_host, settings.web_port)),
        ("DATA_DIR", key_problem),
    ]
    for name, problem in problems:
        if problem:
            print(f"{name}: {problem}", file=sys.stderr)
            return 1
    return asyncio.run(run(settings))


async def migrate(settings: Settings) -> int:
    """Apply pending migrations, or say in one line why the database is out of reach."""
    if not await _database_ready(settings):
        return 1
    await db.migrate_database(settings.resolved_database_url)
    print("Database is up to date.")
    return 0


async def run(settings: Settings) -> int:
    """Run the bot once the database answers (and, on SQLite, no other process uses it)."""
    from bot.app import serve

    path = sqlite_path(settings.resolved_database_url)
    only = SingleProcess(path) if path else None
    if only and not only.acquire():
        print(SECOND_PROCESS.format(path=path), file=sys.stderr)
        return 1
    try:
        if not await _database_ready(settings):
            return 1
        if settings.youtube_enabled:  # /youtube fails against real YouTube without these
            found = await youtube_result()
            if not found.ok or found.warning:
                log.warning("youtube: %s", found.detail)
        return await serve(settings)
    finally:
        if only:
            only.release()


async def worker(settings: Settings) -> int:
    """Run download workers only, once the database answers."""
    from bot.worker import work

    if not await _database_ready(settings):
        return 1
    return await work(settings)


async def _database_ready(settings: Settings) -> bool:
    problem = await startup.database_problem(settings.resolved_database_url)
    if problem:
        print(f"DATABASE_URL: cannot open the database: {problem}", file=sys.stderr)
    return problem is None


def _secrets(settings: Settings) -> list[str | None]:
    values = [
        settings.discord_token,
        settings.plex_token,
        settings.overseerr_api_key,
        settings.overseerr_webhook_token,
        settings.metrics_token,
        settings.secret_key,
    ]
    return [v.get_secret_value() if v else None for v in values]


async def check(settings: Settings, advice: Sequence[str] = ()) -> int:
    """Check Discord, DATA_DIR and every configured service; one line each; 1 when any failed.

    `advice` (unknown or half-set settings) is shown as WARN lines.
    """
    from bot.container import build_services

    results: list[ProbeResult] = []
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())
        token = settings.discord_token.get_secret_value()
        rest = DiscordREST(http, settings.discord_api_url, token)
        problem = startup.data_dir_problem(settings.data_dir)
        detail = problem or f"{settings.data_dir} writable"
        local = [ProbeResult("data-dir", problem is None, detail)]
        local += await _local_results(settings, http, data_dir_ok=problem is None)
        skipped = None
        if problem is not None:
            skipped = "DATA_DIR is writable"
        elif any(r.name == "secret-key" for r in local):
            skipped = "DATA_DIR/secret.key is readable"
        in_use = settings
        if skipped is None:
            services = build_services(settings, http)
            stack.callback(services.close)
            await Tortoise.init(config=db.tortoise_config(settings.resolved_database_url))
            stack.push_async_callback(Tortoise.close_connections)
            try:  # the channels chosen in /setup are checked too
                await services.places.load()
                in_use = services.places.applied_to(settings)
            except Exception as exc:  # the database line below says why
                log.debug("could not read the /setup choices: %r", exc)
            local += await run_probes(services.dependency_probes)  # Discord: lines above
        results += await discord_results(
            rest,
            in_use.discord_guild_id,
            channel_needs(in_use),
            members_intent=settings.discord_members_intent,
        )
        results += local
    results += [ProbeResult("settings", True, line, warning=True) for line in advice]
    for result in results:
        print(format_result(result))
    if skipped is not None:
        print(f"SKIP  the database and services are checked once {skipped}")
    from cogs import disabled_features  # each feature says why it is off

    for line in disabled_features(settings):
        print(f"OFF   {line}")
    return 0 if all(r.ok for r in results) else 1


async def _local_results(
    settings: Settings, http: aiohttp.ClientSession, *, data_dir_ok: bool
) -> list[ProbeResult]:
    """The lines about this machine: WEB_PORT, secret.key and yt-dlp's JavaScript runtime."""
    found = []
    if settings.web_port:
        found.append(await _web_port_result(settings, http))
    if data_dir_ok and not settings.secret_key:
        problem = startup.secret_key_problem(settings.data_dir)
        if problem:
            found.append(ProbeResult("secret-key", False, problem))
    if settings.youtube_download_dir:
        found.append(await youtube_result())
    return found


async def _web_port_result(settings: Settings, http: aiohttp.ClientSession) -> ProbeResult:
    """WEB_PORT is free, or held by this bot already running (its /healthz answers)."""
    host, port = settings.web_host, settings.web_port
    problem = startup.port_problem(host, port)
    if problem is None:
        return ProbeResult("web-port", True, f"WEB_PORT {port} is free on {host}")
    local = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        async with http.get(
            f"http://{local}:{port}/healthz", timeout=aiohttp.ClientTimeout(total=2)
        ) as resp:
            if resp.status == 200 and (await resp.json()).get("status") == "ok":
                return ProbeResult("web-port", True, f"WEB_PORT {port}: the running bot answers")
    except Exception as exc:  # anything else listening there: the FAIL below says so
        log.debug("nothing like our web server on port %s: %r", port, exc)
    return ProbeResult("web-port", False, f"WEB_PORT {problem}")


def format_result(result: ProbeResult) -> str:
    status = ("WARN" if result.warning else "OK  ") if result.ok else "FAIL"
    latency = f" ({result.latency_ms:.0f} ms)" if result.latency_ms is not None else ""
    return f"{status}  {result.name:<10} {result.detail}{latency}"


if __name__ == "__main__":
    sys.exit(main())
