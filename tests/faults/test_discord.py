"""The gateway drops and resumes: an interaction already acknowledged still gets its answer."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands

from tests.harness import World, bot_running


async def test_a_deferred_interaction_is_answered_after_the_gateway_resumes(world: World) -> None:
    """The reply to a deferred command goes out over REST, across a gateway disconnect."""
    release = asyncio.Event()
    async with bot_running(world.settings()) as bot:

        @app_commands.command(name="slowpoke")
        async def slowpoke(interaction: discord.Interaction) -> None:
            """Defer, wait, then answer."""
            await interaction.response.defer(ephemeral=True, thinking=True)
            await release.wait()
            await interaction.followup.send("done after the reconnect", ephemeral=True)

        bot.tree.add_command(slowpoke)
        await bot.sync_commands()
        interaction = await world.discord.slash(world.users["alice"], "slowpoke")
        await interaction.response()  # acknowledged (deferred) before the drop
        await world.discord.disconnect_gateway()
        await world.discord.wait_resumed()
        release.set()
        followup = await interaction.wait_followup()
        assert followup["content"] == "done after the reconnect"
        reply = await (await world.discord.slash(world.users["alice"], "help")).response()
        assert reply["data"]["embeds"]  # and new interactions arrive after the resume
