"""The services the bot runs with, built once from the settings and passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp

from bot.clients.discord_rest import DiscordREST
from bot.clients.overseerr import OverseerrClient
from bot.clients.plex import PlexClient, PlexTV
from bot.clients.ytdlp import YtDlp
from bot.config import Settings, load_or_create_secret
from bot.services import probes
from bot.services.access import Access
from bot.services.announce import Announcements, build_announcements
from bot.services.crypto import TokenCipher
from bot.services.downloads import DownloadOptions, DownloadService, ProgressRelay
from bot.services.errors import ErrorLog
from bot.services.health import HealthMonitor, LoopLag
from bot.services.issues import Issues, build_issues
from bot.services.linking import LinkingService
from bot.services.metrics import Metrics
from bot.services.outbox import Outbox
from bot.services.overseerr_identity import DiscordMentions
from bot.services.ratelimit import RateLimiter
from bot.services.requests import RequestOptions, Requests, build_requests
from bot.services.requests.accounts import Accounts
from bot.services.requests.prefs import Preferences
from bot.services.setup import Places, SetupReview
from bot.services.webhook_agent import WebhookAgentSetup


@dataclass
class Services:
    """Everything a cog, job or web route needs; built by `build_services`."""

    settings: Settings
    http: aiohttp.ClientSession
    secret_key: str
    outbox: Outbox
    access: Access
    limiter: RateLimiter
    health: HealthMonitor
    errors: ErrorLog
    places: Places
    plex: PlexClient | None = None
    overseerr: OverseerrClient | None = None
    plextv: PlexTV | None = None
    linking: LinkingService | None = None
    requests: Requests | None = None
    issues: Issues | None = None
    mentions: DiscordMentions | None = None  # members' Discord ids in Overseerr
    downloads: DownloadService | None = None
    setup: SetupReview | None = None  # built by build_services; None only in hand-made tests
    webhook_agent: WebhookAgentSetup | None = None  # points Overseerr's webhook at the bot
    announcements: Announcements | None = None  # New on Plex
    lag: LoopLag = field(default_factory=LoopLag)
    metrics: Metrics = field(default_factory=Metrics)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def dependency_probes(self) -> dict[str, probes.Probe]:
        """The probe of every configured dependency but Discord, by name (`check`, `/setup`)."""
        return monitored_probes(self.settings, self.plex, self.overseerr, self.limiter)

    async def load_places(self) -> None:
        """Read what `/setup` stored and start using it."""
        await self.places.load()
        self.apply_places()

    def apply_places(self) -> None:
        """Give every service the current channels and admin role (after a `/setup` change)."""
        s = self.settings = self.places.applied_to(self.settings)
        channel = self.places.channel  # each kind's own channel, or its fallback
        review = s.health_channel_id
        alerts = channel("alerts_channel_id")
        self.outbox.notify_channel_id = channel("dm_fallback_channel_id")
        self.health.channel_id = alerts
        self.access.set_admin_role(s.admin_role_id)
        if self.requests:
            self.requests.set_channels(s.notify_channel_id, review, channel("approval_channel_id"))
        if self.issues:
            self.issues.tracking.approval_channel_id = channel("issues_channel_id")
        if self.downloads:
            self.downloads.set_channels(channel("youtube_channel_id"), alerts)

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
    found["disk"] = probes.disk_probe(s.youtube_download_dir or s.data_dir, floor)
    if s.youtube_download_dir and s.youtube_cookies_file:
        found["cookies"] = probes.cookies_probe(s.youtube_cookies_file)
    return found


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
    """Build the services for these settings; features whose settings are absent stay off.

    `webhook_token` is the one the webhook route accepts (OVERSEERR_WEBHOOK_TOKEN, or the
    generated one); without it the webhook agent set-up stays off.
    """
    plex = plextv = None
    if settings.plex_url and settings.plex_token:
        plex = PlexClient(settings.plex_url, settings.plex_token.get_secret_value())
        plextv = PlexTV(settings.plex_client_id or plex_client_id or "medianest-bot")
    overseerr = None
    if settings.overseerr_url and settings.overseerr_api_key:
        overseerr = OverseerrClient(
            http, settings.overseerr_url, settings.overseerr_api_key.get_secret_value()
        )
    places = Places(settings)
    # With /notifications (requests on), closed-DM fallbacks respect "Name me in public".
    named = Preferences().may_name if plex and overseerr else None
    outbox = Outbox(
        notify_channel_id=settings.notify_channel_id, router=places, named_in_public=named
    )
    secret = secret_key(settings)
    access = Access(settings.admin_discord_ids, settings.admin_role_id)
    linking = mentions = None
    if plex and plextv:
        if overseerr:
            mentions = DiscordMentions(overseerr, Accounts(overseerr))
        linking = LinkingService(
            plextv,
            plex,
            TokenCipher(secret),
            outbox,
            public_url=settings.public_url,
            access=access,
            events=mentions,
        )
    limiter = RateLimiter(settings.redis_url)
    monitored = monitored_probes(settings, plex, overseerr, limiter)
    services = Services(
        settings=settings,
        http=http,
        secret_key=secret,
        outbox=outbox,
        access=access,
        limiter=limiter,
        health=HealthMonitor(monitored, outbox, settings.health_channel_id),
        errors=ErrorLog(),
        places=places,
        plex=plex,
        overseerr=overseerr,
        plextv=plextv,
        linking=linking,
        mentions=mentions,
    )
    if overseerr and linking:
        services.requests = build_requests(
            overseerr,
            outbox,
            services.limiter,
            RequestOptions(
                rate=settings.rate_limit_request,
                notify_channel_id=settings.notify_channel_id,
                review_channel_id=settings.health_channel_id,
                approval_channel_id=settings.approval_channel_id,
            ),
        )
        services.issues = build_issues(
            overseerr,
            outbox,
            services.limiter,
            services.requests.accounts.user,  # the same Plex -> Overseerr lookup and cache
            rate=settings.rate_limit_request,
            approval_channel_id=settings.approval_channel_id or settings.health_channel_id,
        )
        if webhook_token:  # only with requests does the bot serve /webhooks/overseerr
            services.webhook_agent = WebhookAgentSetup(
                overseerr, settings.public_url, webhook_token
            )
    if plex:
        services.announcements = build_announcements(plex, outbox, places, settings)
    if plex and settings.youtube_download_dir:
        services.downloads = DownloadService(
            YtDlp(
                allowed_extractors=settings.youtube_extractors,
                cookies_file=settings.youtube_cookies_file,
            ),
            plex,
            outbox,
            services.limiter,
            DownloadOptions.from_settings(settings),
            ProgressRelay(),  # the YouTube cog attaches the Discord side when it loads
        )
    services.setup = SetupReview(
        services.places,
        DiscordREST(http, settings.discord_api_url, settings.discord_token.get_secret_value()),
        lambda: services.settings,
        services.dependency_probes,
        services.apply_places,
        access,
        services.webhook_agent,
    )
    return services
