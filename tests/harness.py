"""The whole bot against the loopback fakes: settings pointing at them, and a running bot."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import MediaNest, running
from bot.config import Settings, load_settings
from bot.services.linking import LinkingService
from tests.fakes.discord import FakeDiscord, FakeUser
from tests.fakes.overseerr import FakeOverseerr
from tests.fakes.plex import FakePlexServer, FakePlexTV, PlexAccount
from tests.templates import migrated_sqlite

GENERAL, HEALTH, ANNOUNCE = 3000, 3001, 3002
ADMIN_ID, ALICE_ID, BOB_ID, CLOSED_ID = 500, 501, 502, 503
WEBHOOK_TOKEN = "Bearer webhook-secret"
MID = "mid-1"


@dataclass
class World:
    """Every fake, started, plus the users the tests act as."""

    tmp: Path
    discord: FakeDiscord = field(default_factory=FakeDiscord)
    plextv: FakePlexTV = field(default_factory=FakePlexTV)
    pms: FakePlexServer = field(default_factory=FakePlexServer)
    overseerr: FakeOverseerr = field(default_factory=FakeOverseerr)
    users: dict[str, FakeUser] = field(default_factory=dict)

    async def start(self) -> None:
        await migrated_sqlite(self.tmp / "data" / "medianest.sqlite3")  # the bot's default
        for fake in (self.discord, self.plextv, self.pms, self.overseerr):
            await fake.start()
        self.users = {
            "admin": self.discord.add_user(ADMIN_ID, "admin"),
            "alice": self.discord.add_user(ALICE_ID, "alice"),
            "bob": self.discord.add_user(BOB_ID, "bob"),
            "closed": self.discord.add_user(CLOSED_ID, "closed", dms_closed=True),
        }

    async def stop(self) -> None:
        for fake in (self.overseerr, self.pms, self.plextv, self.discord):
            await fake.stop()

    def settings(self, **overrides: Any) -> Settings:
        """Settings for a bot wired to these fakes; keyword arguments override any of them."""
        values: dict[str, Any] = dict(
            discord_token=self.discord.token,
            discord_api_url=self.discord.api_url,
            discord_gateway_url=self.discord.gateway_url,
            discord_guild_id=self.discord.guild_id,
            admin_discord_ids=str(ADMIN_ID),
            health_channel_id=HEALTH,
            notify_channel_id=ANNOUNCE,
            web_host="127.0.0.1",
            web_port=0,
            data_dir=self.tmp / "data",
            plex_url=self.pms.url,
            plex_token="owner-token",
            plex_tv_url=self.plextv.url,
            overseerr_url=self.overseerr.url,
            overseerr_api_key="overseerr-key",
            overseerr_webhook_token=WEBHOOK_TOKEN,
        )
        values.update(overrides)
        return load_settings(**values)


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (for a PUBLIC_URL known before start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reachable_settings(world: World, **overrides: Any) -> Settings:
    """Settings whose PUBLIC_URL leads to the bot's own web server, so Overseerr can call it."""
    port = free_port()
    return world.settings(web_port=port, public_url=f"http://127.0.0.1:{port}", **overrides)


def youtube_settings(world: World, media_port: int, **overrides: Any) -> Settings:
    """/youtube on: downloads into world.tmp/youtube, Plex's "YouTube" movie section (key 7),
    from the loopback media server; keyword arguments override any setting."""
    folder = world.tmp / "youtube"
    folder.mkdir()
    world.pms.add_section("7", "movie", "YouTube", str(folder))
    values: dict[str, Any] = dict(
        youtube_download_dir=folder,
        youtube_plex_section="YouTube",
        youtube_allowed_hosts=f"127.0.0.1:{media_port}",
        youtube_extractors="generic,html5",
        youtube_min_free_gb=0,
    )
    return world.settings(**{**values, **overrides})


@asynccontextmanager
async def bot_running(settings: Settings) -> AsyncIterator[MediaNest]:
    """Start the real bot with these settings, wait until it is ready, stop it afterwards.

    Closing the bot unloads its extensions, and discord.py then drops their modules from
    `sys.modules`; they are put back so the next bot in this process uses the same cog
    classes the tests imported (an extension package's `_cog` module is imported once).
    """
    kept = {name: module for name, module in sys.modules.items() if name.startswith("cogs.")}
    try:
        async with running(settings, guild_ready_timeout=0.05) as bot:
            await asyncio.wait_for(bot.wait_until_ready(), 15)
            yield bot
    finally:
        sys.modules.update(kept)


@dataclass
class PlexPeople:
    """plex.tv accounts: the server owner, a friend it is shared with, and a stranger."""

    owner: PlexAccount
    friend: PlexAccount
    stranger: PlexAccount


def plex_people(world: World) -> PlexPeople:
    owner = world.plextv.add_account(1, "owner", token="owner-token")
    friend = world.plextv.add_account(2, "friend")
    stranger = world.plextv.add_account(3, "stranger")
    world.plextv.share_server(owner, MID, owned=True, server_url=world.pms.url)
    world.plextv.share_server(friend, MID, server_url=world.pms.url)
    return PlexPeople(owner, friend, stranger)


async def link_member(world: World, bot: MediaNest, user_key: str, account: PlexAccount) -> None:
    """Link a Discord user to a Plex account the way the polling fallback does."""
    linking = bot.features.get(LinkingService)
    assert linking is not None
    start = await linking.start(world.users[user_key].id)
    world.plextv.authorize_pin(world.plextv.pins[max(world.plextv.pins)]["code"], account)
    assert await linking.poll_open_attempts() == 1, start
