"""`python -m bot` / `medianest`: run (default), check, migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from contextlib import AsyncExitStack

import aiohttp
from tortoise import Tortoise

from bot import startup
from bot.clients.discord_rest import DiscordREST
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.services.discord_checks import channel_needs, discord_results
from bot.services.probes import ProbeResult, run_probes
from storage import db

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, load the settings, and run the chosen command."""
    parser = argparse.ArgumentParser(prog="medianest", description="MediaNest Discord bot")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "check", "migrate"],
        help="run the bot (default), check the configuration and services, or migrate the database",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print("Configuration error:", file=sys.stderr)
        for line in exc.problems:
            print(f"  {line}", file=sys.stderr)
        print("See the settings table in README.md.", file=sys.stderr)
        return 1
    setup_logging(settings.log_level, settings.log_format, _secrets(settings))
    if args.command == "check":
        return asyncio.run(check(settings))
    problem = startup.data_dir_problem(settings.data_dir)
    if problem:
        print(f"DATA_DIR: {problem}", file=sys.stderr)
        return 1
    if args.command == "migrate":
        return asyncio.run(migrate(settings))
    return asyncio.run(run(settings))


async def migrate(settings: Settings) -> int:
    """Apply pending migrations, or say in one line why the database is out of reach."""
    if not await _database_ready(settings):
        return 1
    await db.migrate_database(settings.resolved_database_url)
    print("Database is up to date.")
    return 0


async def run(settings: Settings) -> int:
    """Run the bot once the database answers."""
    from bot.app import serve

    if not await _database_ready(settings):
        return 1
    return await serve(settings)


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
        settings.secret_key,
    ]
    return [v.get_secret_value() if v else None for v in values]


async def check(settings: Settings) -> int:
    """Check Discord, DATA_DIR and every configured service; one line each; 1 when any failed."""
    from bot.container import build_services

    results: list[ProbeResult] = []
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())
        token = settings.discord_token.get_secret_value()
        rest = DiscordREST(http, settings.discord_api_url, token)
        problem = startup.data_dir_problem(settings.data_dir)
        detail = problem or f"{settings.data_dir} writable"
        local = [ProbeResult("data-dir", problem is None, detail)]
        in_use = settings
        if problem is None:
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
        results += await discord_results(rest, in_use.discord_guild_id, channel_needs(in_use))
        results += local
    for result in results:
        print(format_result(result))
    if problem is not None:
        print("SKIP  the database and services are checked once DATA_DIR is writable")
    for line in settings.disabled_features():
        print(f"OFF   {line}")
    return 0 if all(r.ok for r in results) else 1


def format_result(result: ProbeResult) -> str:
    status = ("WARN" if result.warning else "OK  ") if result.ok else "FAIL"
    latency = f" ({result.latency_ms:.0f} ms)" if result.latency_ms is not None else ""
    return f"{status}  {result.name:<10} {result.detail}{latency}"


if __name__ == "__main__":
    sys.exit(main())
