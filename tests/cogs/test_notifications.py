"""/notifications: a private panel whose toggles are stored per member and stop those DMs."""

from __future__ import annotations

from bot.app import MediaNest
from bot.i18n import language
from cogs.notifications import INTRO_PLAIN
from storage.models import NotificationPrefs
from tests.cogs.test_requests import bot, linked_bot  # noqa: F401  (the fixture)
from tests.harness import World, bot_running


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


async def test_without_requests_the_panel_keeps_name_me_and_the_language(world: World) -> None:
    """No media requests: /notifications still lets a member be named and pick a language;
    the request toggles are gone, and a press redraws the same short panel."""
    bob = world.users["bob"]
    async with bot_running(world.settings(overseerr_url=None)) as plain:
        assert plain.tree.get_command("request") is None
        opened = await world.discord.slash(bob, "notifications")
        reply = (await opened.response())["data"]
        assert reply["content"] == (
            '"Name me" lets posts everyone sees say it is you: a YouTube download you asked '
            "for, or an update posted there because your DMs are closed. Choose your language "
            "below.\n🔕 Name me in public posts: **off**"
        )
        panel = opened.original
        assert panel is not None
        kinds = [c["type"] for row in panel["components"] for c in row["components"]]
        assert kinds == [2, 3]  # one button, the language menu
        pressed = await world.discord.click(bob, panel, "notify:name_in_public")
        redrawn = (await pressed.response())["data"]["content"]
        assert redrawn.endswith("🔔 Name me in public posts: **on**")
        assert (await NotificationPrefs.get(discord_id=bob.id)).name_in_public
        picked = await world.discord.click(bob, panel, "notify:language", values=["de"])
        german = (await picked.response())["data"]["content"]
        assert german.startswith(language("de")._(INTRO_PLAIN)) and "Anfrage" not in german
        assert await plain.services.outbox.named_in_public(bob.id)  # closed-DM fallbacks show it
