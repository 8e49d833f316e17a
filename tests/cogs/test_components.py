"""The component bases: a failing button, check or modal is answered like a failing command."""

from __future__ import annotations

from typing import Any

import discord
from tortoise.exceptions import OperationalError

from bot.app import MediaNest
from bot.services.error_log import DATABASE_DOWN
from bot.services.outbox import Button
from cogs.components import AdminOnly, Guarded, GuardedModal
from storage.models import ErrorEvent
from tests.harness import GENERAL, World, bot_running


class Boom(Guarded, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"boom:(\d+)"):
    """A persistent button whose work fails unexpectedly."""

    def __init__(self, number: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"boom:{number}"))
        self.number = number

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        raise RuntimeError(f"button {self.number} broke")


class Locked(AdminOnly, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"locked:(\d+)"):
    """A persistent admin-only button."""

    def __init__(self, number: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"locked:{number}"))

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        await interaction.response.send_message("unlocked", ephemeral=True)


class NoDatabase(Guarded, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"nodb:(\d+)"):
    """A button whose check needs the database, which is down."""

    def __init__(self, number: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"nodb:{number}"))

    async def allowed(self, interaction: discord.Interaction[MediaNest]) -> bool:
        raise OperationalError("database is locked")


class Broken(GuardedModal, title="Broken"):
    """A modal whose submit fails."""

    note: discord.ui.TextInput[Broken] = discord.ui.TextInput(label="Note", custom_id="note")

    async def on_submit(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        raise KeyError("note")


class Asks(Guarded, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"ask:(\d+)"):
    """A button that opens the broken modal."""

    def __init__(self, number: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"ask:{number}"))

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        await interaction.response.send_modal(Broken(custom_id="broken"))


async def posted_with(world: World, bot: MediaNest, custom_id: str) -> dict[str, Any]:
    """Post a message carrying one button through the outbox; return it as Discord has it."""
    await bot.services.outbox.post(
        custom_id, GENERAL, "press me", buttons=[Button("Go", custom_id)]
    )
    return await world.discord.wait_for_message(lambda m: m["content"] == "press me")


async def test_an_unexpected_button_failure_gets_the_apology_and_is_stored(world: World) -> None:
    """A persistent button that raises answers with a correlation id that is stored."""
    async with bot_running(world.settings()) as bot:
        bot.add_dynamic_items(Boom)
        message = await posted_with(world, bot, "boom:7")
        click = await world.discord.click(world.users["alice"], message, "boom:7")
        content = (await click.response())["data"]["content"]
        assert click.ephemeral
        event = await ErrorEvent.get()
        assert content.startswith("Sorry, something went wrong on our side.")
        assert f"**{event.correlation_id}**" in content
        assert event.command == "component:boom"
        assert event.discord_id == world.users["alice"].id
        assert event.message == "button 7 broke"


async def test_an_admin_only_button_refuses_members_once_and_lets_admins_through(
    world: World,
) -> None:
    """AdminOnly checks in interaction_check: a member is refused, an admin's press runs."""
    async with bot_running(world.settings()) as bot:
        bot.add_dynamic_items(Locked)
        message = await posted_with(world, bot, "locked:1")
        refused = await world.discord.click(world.users["alice"], message, "locked:1")
        assert (await refused.response())["data"]["content"] == "Only admins can do that."
        allowed = await world.discord.click(world.users["admin"], message, "locked:1")
        assert (await allowed.response())["data"]["content"] == "unlocked"
        assert await ErrorEvent.all().count() == 0


async def test_a_check_that_cannot_reach_the_database_is_answered(world: World) -> None:
    """A database error inside interaction_check gets the short database answer, not silence."""
    async with bot_running(world.settings()) as bot:
        bot.add_dynamic_items(NoDatabase)
        message = await posted_with(world, bot, "nodb:1")
        click = await world.discord.click(world.users["alice"], message, "nodb:1")
        assert (await click.response())["data"]["content"] == DATABASE_DOWN


async def test_a_failing_modal_submit_gets_the_apology(world: World) -> None:
    """A GuardedModal whose on_submit raises answers like a failing command."""
    async with bot_running(world.settings()) as bot:
        bot.add_dynamic_items(Asks)
        message = await posted_with(world, bot, "ask:1")
        opened = await world.discord.click(world.users["alice"], message, "ask:1")
        await opened.response()
        submitted = await world.discord.submit_modal(world.users["alice"], "broken", {"note": "hi"})
        content = (await submitted.response())["data"]["content"]
        assert content.startswith("Sorry, something went wrong on our side.")
        assert (await ErrorEvent.get()).error_type == "builtins.KeyError"
