"""/notifications: a private panel whose toggles are stored per member and stop those DMs."""

from __future__ import annotations

from bot.app import MediaNest
from storage.models import NotificationPrefs
from tests.cogs.test_requests import bot, linked_bot  # noqa: F401  (the fixture)
from tests.harness import World


async def test_panel_toggles_are_stored_per_member(world: World, bot: MediaNest) -> None:  # noqa: F811
    """DMs on and being named off by default; a press flips the presser's own choice."""
    interaction = await world.discord.slash(world.users["bob"], "notifications")
    reply = (await interaction.response())["data"]
    assert interaction.ephemeral
    assert reply["content"].count(": **on**") == 3
    assert "Name me in public posts: **off**" in reply["content"]
    original = interaction.original
    assert original is not None
    buttons = {
        c["label"]: c
        for row in original["components"]
        for c in row["components"]
        if c["type"] == 2  # the language menu is a select
    }
    assert set(buttons) == {
        "My requests made in Discord",
        "My requests made elsewhere",
        "Media I follow",
        "Name me in public posts",
    }
    custom_id = buttons["My requests made elsewhere"]["custom_id"]
    pressed = await world.discord.click(world.users["bob"], original, custom_id)
    redrawn = (await pressed.response())["data"]
    assert "My requests made elsewhere: **off**" in redrawn["content"]
    assert redrawn["content"].count(": **on**") == 2
    stored = await NotificationPrefs.get(discord_id=world.users["bob"].id)
    assert (stored.discord_requests, stored.elsewhere_requests, stored.followed_media) == (
        True,
        False,
        True,
    )
    again = await world.discord.click(world.users["bob"], original, custom_id)
    assert (await again.response())["data"]["content"].count(": **on**") == 3
    assert await NotificationPrefs.filter(discord_id=world.users["alice"].id).count() == 0
