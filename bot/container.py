"""What every feature builds on, opened once from the settings and passed in: `Services`.

The features themselves (linking, requests, issues, downloads, health, setup, ...) are
built by their own extension (`cogs.EXTENSIONS`) from these, each complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp

from bot.clients.overseerr import OverseerrClient
from bot.clients.plex import PlexClient, PlexTV
from bot.config import Settings, load_or_create_secret
from bot.i18n.members import MemberLanguages
from bot.scheduler import Jobs
from bot.services import probes
from bot.services.access import Access
from bot.services.error_log import ErrorLog
from bot.services.health import HealthMonitor
from bot.services.health_state import AlertPolicy
from bot.services.loop_lag import LoopLag
from bot.services.maintenance import Maintenance, build_maintenance
from bot.services.metrics import Metrics
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.ratelimit import RateLimiter
from bot.services.requests.prefs import Preferences

if TYPE_CHECKING:  # PostgreSQL only: leadership.py loads asyncpg
    from bot.services.cluster.leadership import Leadership


@dataclass(frozen=True)
class Services:
    """The shared dependencies a feature is built from; built complete by `build_services`.

    `settings` are the environment's; the channels and admin role in use are `places`
    (the environment's, or those chosen in `/setup`), read when a service sends.
    """

    settings: Settings
    http: aiohttp.ClientSession
    secret_key: str
    outbox: Outbox
    access: Access
    limiter: RateLimiter
    places: Places
    health: HealthMonitor
    maintenance: Maintenance  # mutes and maintenance windows, asked by the health monitor
    error_log: ErrorLog
    jobs: Jobs
    dependency_probes: dict[str, probes.Probe]  # every configured dependency but Discord
    plex: PlexClient | None = None
    plextv: PlexTV | None = None
    overseerr: OverseerrClient | None = None
    webhook_token: str | None = None  # the one /webhooks/overseerr accepts
    leadership: Leadership | None = None  # PostgreSQL: only the leader talks to Discord
    lag: LoopLag = field(default_factory=LoopLag)
    metrics: Metrics = field(default_factory=Metrics)
    languages: MemberLanguages = field(default_factory=MemberLanguages)  # members' languages
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def close(self) -> None:
        for client in (self.plex, self.plextv):
            if client:
                client.close()


def monitored_probes(
    s: Settings, plex: PlexClient | None, overseerr: OverseerrClient | None, limiter: RateLimiter
) -> dict[str, probes.Probe]:
    """The probes the health monitor runs: every configured dependency but Discord."""
    found: dict[str, probes.Probe] = {"database": probes.database_probe()}
    if plex:
        found["plex"] = probes.plex_probe(plex)
    if overseerr:
        found["overseerr"] = probes.overseerr_probe(overseerr)
    if s.redis_url:
        found["redis"] = probes.redis_probe(limiter)
    floor = int(s.youtube_min_free_gb * 2**30)
    if s.youtube_download_dir:
        found["disk"] = probes.disk_probe("YOUTUBE_DOWNLOAD_DIR", s.youtube_download_dir, floor)
    else:
        found["disk"] = probes.disk_probe("DATA_DIR", s.data_dir, floor)
    if s.youtube_download_dir and s.youtube_cookies_file:
        found["cookies"] = probes.cookies_probe(s.youtube_cookies_file)
    return found


def alert_policy(s: Settings) -> AlertPolicy:
    """When an outage is declared, over and reminded of (HEALTH_FAIL_AFTER and the rest)."""
    remind = timedelta(hours=s.health_remind_hours) if s.health_remind_hours else None
    return AlertPolicy(
        fail_after=s.health_fail_after, recover_after=s.health_recover_after, remind_every=remind
    )


def secret_key(settings: Settings) -> str:
    """SECRET_KEY, or the one generated on first start and kept in DATA_DIR."""
    if settings.secret_key:
        return settings.secret_key.get_secret_value()
    return load_or_create_secret(settings.data_dir / "secret.key")


def build_services(
    settings: Settings,
    http: aiohttp.ClientSession,
    *,
    plex_client_id: str | None = None,
    webhook_token: str | None = None,
) -> Services:
    """The shared dependencies for these settings; clients whose settings are absent are None.

    `webhook_token` is the one the webhook route accepts (OVERSEERR_WEBHOOK_TOKEN, or the
    generated one); without it the bot serves no webhook.
    """
    plex = plextv = None
    if settings.plex_url and settings.plex_token:
        plex = PlexClient(settings.plex_url, settings.plex_token.get_secret_value(), http=http)
        client_id = settings.plex_client_id or plex_client_id or "medianest-bot"
        plextv = PlexTV(client_id, http=http)
    overseerr = None
    if settings.overseerr_url and settings.overseerr_api_key:
        overseerr = OverseerrClient(
            http, settings.overseerr_url, settings.overseerr_api_key.get_secret_value()
        )
    places = Places(settings)
    url = settings.resolved_database_url
    leadership = None
    if url.startswith("postgres"):  # one leader among the bots on this database
        from bot.services.cluster.leadership import Leadership

        every = settings.cluster_check_seconds
        leadership = Leadership(url, retry_every=every, check_every=every)
    # A closed-DM fallback names the member only if they turned on "Name me in public" in
    # /notifications (off until they do; the panel has it with or without media requests).
    named = Preferences().may_name
    fence = leadership.holds if leadership else None
    outbox = Outbox(places=places, fence=fence, named_in_public=named)
    limiter = RateLimiter(settings.redis_url)
    error_log = ErrorLog()
    dependencies = monitored_probes(settings, plex, overseerr, limiter)
    monitored = dict(dependencies)  # the monitor adds discord to it
    maintenance = build_maintenance(monitored.keys, settings.zone)
    return Services(
        settings=settings,
        http=http,
        secret_key=secret_key(settings),
        outbox=outbox,
        access=Access(settings.admin_discord_ids, places),
        limiter=limiter,
        places=places,
        health=HealthMonitor(
            monitored, outbox, places, alert_policy(settings), silencer=maintenance
        ),
        maintenance=maintenance,
        error_log=error_log,
        jobs=Jobs(error_log),
        dependency_probes=dependencies,
        plex=plex,
        plextv=plextv,
        overseerr=overseerr,
        webhook_token=webhook_token,
        leadership=leadership,
    )
