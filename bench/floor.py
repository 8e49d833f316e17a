"""The floor: a bare discord.py bot whose /help answers a private message, and nothing else.

Its process imports discord.py and this module only (see bench/child.py), so its memory and
CPU are discord.py's own: what any bot on this library pays before doing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import discord
import yarl
from discord import app_commands

FLOOR_TEXT = "MediaNest can link your Plex account and take media requests."


class FloorBot(discord.Client):
    """discord.py alone, with a /help that answers a static private message.

    The bench can hand it the payload our /help sends (`reply_with`), so both send the same bytes.
    """

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=0.05,
        )
        self.tree = app_commands.CommandTree(self)
        self.guild = discord.Object(guild_id)
        self.embed: discord.Embed | None = None

        @self.tree.command(name="help")
        async def help_command(interaction: discord.Interaction) -> None:
            """Show what this bot can do."""
            if self.embed is None:
                await interaction.response.send_message(FLOOR_TEXT, ephemeral=True)
            else:
                await interaction.response.send_message(embed=self.embed, ephemeral=True)

    def reply_with(self, data: dict[str, Any]) -> None:
        """Answer /help with this message payload's (one) embed from now on."""
        (embed,) = data["embeds"]
        self.embed = discord.Embed.from_dict(embed)

    async def setup_hook(self) -> None:
        self.tree.copy_global_to(guild=self.guild)
        await self.tree.sync(guild=self.guild)


@contextlib.asynccontextmanager
async def floor_running(settings: dict[str, Any]) -> AsyncIterator[FloorBot]:
    """The floor bot connected to the fake Discord of these (plain JSON) settings, then closed."""
    discord.http.Route.BASE = settings["discord_api_url"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings["discord_gateway_url"])
    client = FloorBot(int(settings["discord_guild_id"]))
    await client.login(settings["discord_token"])
    task = asyncio.create_task(client.connect(reconnect=False), name="floor-bot")
    try:
        await asyncio.wait_for(client.wait_until_ready(), 15)
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await task
