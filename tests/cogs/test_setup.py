"""/setup end to end: the panel's channel and role selects, checks, locks and Re-check."""

from __future__ import annotations

from typing import Any

from bot.app import MediaNest
from cogs.health import HealthCog
from storage.models import KeyValue
from tests.fakes.discord import FakeDiscord, FakeInteraction, FakeUser
from tests.harness import ANNOUNCE, GENERAL, HEALTH, World, bot_running

OWNER_ID = 900  # the fake guild's owner
ADMIN_ROLE = 4000
PIN_MESSAGES = 1 << 51
ATTACH_FILES = 1 << 15
VIEW_CHANNEL = 1 << 10


def fresh_install(world: World, **overrides: Any) -> Any:
    """Settings of a new install: no admins, no channels, every service configured."""
    values: dict[str, Any] = dict(
        admin_discord_ids="", health_channel_id=None, notify_channel_id=None
    )
    values.update(overrides)
    return world.settings(**values)


async def open_panel(discord: FakeDiscord, user: FakeUser) -> dict[str, Any]:
    interaction = await discord.slash(user, "setup")
    await interaction.response()
    assert interaction.ephemeral
    return await interaction.wait_followup(lambda m: bool(m["embeds"]))


def fields(message: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0].get("fields", [])}


def component(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    found = [c for row in message["components"] for c in row["components"]]
    return next(c for c in found if c.get("custom_id") == custom_id)


async def pick(
    discord: FakeDiscord, user: FakeUser, panel: dict[str, Any], custom_id: str, values: list[str]
) -> FakeInteraction:
    return await discord.click(user, panel, custom_id, values=values)


async def redrawn(clicked: FakeInteraction, field: str, text: str) -> dict[str, Any]:
    """The panel once the click's edit shows `text` in `field`."""
    return await clicked.wait_original(lambda m: text in fields(m).get(field, ""), timeout=10)


async def test_owner_finishes_a_new_install_with_channel_selects(world: World) -> None:
    """Before any admin exists the guild owner opens /setup; picked channels are stored, used."""
    owner = world.discord.add_user(OWNER_ID, "owner")
    async with bot_running(fresh_install(world)) as bot:
        panel = await open_panel(world.discord, owner)
        assert fields(panel)["Health channel"].startswith("not set · alerts")
        select = component(panel, "setup:health_channel_id")
        assert select["type"] == 8 and select["min_values"] == 0 and select["max_values"] == 1
        assert select["channel_types"] == [0, 5]
        clicked = await pick(world.discord, owner, panel, "setup:health_channel_id", [str(HEALTH)])
        panel = await redrawn(clicked, "Health channel", f"<#{HEALTH}>")
        health = fields(panel)["Health channel"]
        assert "✅ View Channel, Send Messages, Embed Links" in health and "Pin Messages" in health
        assert "⚠️ visible to @everyone" in health
        [default] = component(panel, "setup:health_channel_id")["default_values"]
        assert (int(default["id"]), default["type"]) == (HEALTH, "channel")
        clicked = await pick(
            world.discord, owner, panel, "setup:notify_channel_id", [str(ANNOUNCE)]
        )
        panel = await redrawn(clicked, "Notify channel", f"<#{ANNOUNCE}>")
        assert await KeyValue.get(key="setup.health_channel_id").values_list(
            "value", flat=True
        ) == (str(HEALTH))
        # In use at once: the settings, the health monitor and the outbox's announcements.
        assert bot.settings.health_channel_id == HEALTH
        assert bot.services.health.channel_id == HEALTH
        assert bot.services.outbox.notify_channel_id == ANNOUNCE
        status = await world.discord.slash(owner, "status")
        shown = await status.wait_original(lambda m: bool(m["embeds"]), timeout=10)
        assert "#health is visible to @everyone" in fields(shown)["⚠️ Warnings"]


async def test_members_other_than_the_owner_are_refused(world: World) -> None:
    """A member who is not the owner gets the admin refusal and no panel."""
    world.discord.add_user(OWNER_ID, "owner")
    async with bot_running(fresh_install(world)):
        reply = await (await world.discord.slash(world.users["alice"], "setup")).response()
        assert reply["data"]["content"] == "Only admins can do that."


async def test_the_owner_is_no_admin_once_admins_are_configured(world: World) -> None:
    """With ADMIN_DISCORD_IDS set, the guild owner is an ordinary member."""
    owner = world.discord.add_user(OWNER_ID, "owner")
    async with bot_running(world.settings()):
        reply = await (await world.discord.slash(owner, "setup")).response()
        assert reply["data"]["content"] == "Only admins can do that."


async def test_a_permission_gap_is_named_for_the_picked_channel(world: World) -> None:
    """A channel where the bot's role may not attach files shows exactly what is missing."""
    world.discord.set_overwrite(GENERAL, world.discord.bot_role_id, deny=ATTACH_FILES)
    async with bot_running(world.settings(notify_channel_id=None)):
        admin = world.users["admin"]
        panel = await open_panel(world.discord, admin)
        clicked = await pick(world.discord, admin, panel, "setup:notify_channel_id", [str(GENERAL)])
        panel = await redrawn(clicked, "Notify channel", f"<#{GENERAL}>")
        assert "❌ the bot lacks Attach Files" in fields(panel)["Notify channel"]


async def test_a_private_health_channel_has_no_warning(world: World) -> None:
    """Hidden from @everyone, open to the bot's role: no @everyone warning."""
    world.discord.set_overwrite(HEALTH, world.discord.guild_id, deny=VIEW_CHANNEL)
    world.discord.set_overwrite(HEALTH, world.discord.bot_role_id, allow=VIEW_CHANNEL)
    async with bot_running(world.settings()):
        panel = await open_panel(world.discord, world.users["admin"])
        health = fields(panel)["Health channel"]
        assert health.startswith(f"<#{HEALTH}> · 🔒 set by HEALTH_CHANNEL_ID\n✅ View Channel")
        assert "@everyone" not in health


async def test_environment_values_are_shown_locked(world: World) -> None:
    """HEALTH_CHANNEL_ID from the environment: the select is disabled and says so."""
    async with bot_running(world.settings()):
        panel = await open_panel(world.discord, world.users["admin"])
        select = component(panel, "setup:health_channel_id")
        assert select["disabled"] is True
        assert select["placeholder"] == "Health channel: set by HEALTH_CHANNEL_ID"
        assert "🔒 set by HEALTH_CHANNEL_ID" in fields(panel)["Health channel"]
        assert component(panel, "setup:approval_channel_id").get("disabled") is not True


async def test_choices_are_used_after_a_restart(world: World) -> None:
    """A stored health channel survives a restart: the panel shows it and alerts go there."""
    owner = world.discord.add_user(OWNER_ID, "owner")
    settings = fresh_install(world)
    async with bot_running(settings):
        panel = await open_panel(world.discord, owner)
        clicked = await pick(world.discord, owner, panel, "setup:health_channel_id", [str(HEALTH)])
        await redrawn(clicked, "Health channel", f"<#{HEALTH}>")
    async with bot_running(settings) as bot:
        assert bot.services.health.channel_id == HEALTH
        panel = await open_panel(world.discord, owner)
        assert fields(panel)["Health channel"].startswith(f"<#{HEALTH}>\n")
        await world.pms.stop()
        await outage(bot)
        alert = await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(HEALTH) and "is down" in m["content"]
        )
        assert alert["content"].startswith("🔴 **plex** is down: ")


async def outage(bot: MediaNest) -> None:
    health = bot.services.health
    health.policy.confirm_every = 0.01
    await health.check_round()


async def test_clearing_a_select_forgets_the_channel(world: World) -> None:
    """Picking nothing removes the stored channel."""
    owner = world.discord.add_user(OWNER_ID, "owner")
    async with bot_running(fresh_install(world)) as bot:
        panel = await open_panel(world.discord, owner)
        clicked = await pick(world.discord, owner, panel, "setup:health_channel_id", [str(HEALTH)])
        panel = await redrawn(clicked, "Health channel", f"<#{HEALTH}>")
        clicked = await pick(world.discord, owner, panel, "setup:health_channel_id", [])
        await redrawn(clicked, "Health channel", "not set")
        assert await KeyValue.filter(key="setup.health_channel_id").count() == 0
        assert bot.services.health.channel_id is None


async def test_admin_role_pick_refuses_to_lock_the_owner_out(world: World) -> None:
    """A role the owner lacks is refused; one they have is stored and makes its members admins."""
    world.discord.add_role(ADMIN_ROLE, "Plex admins")
    owner = world.discord.add_user(OWNER_ID, "owner")
    async with bot_running(fresh_install(world)):
        panel = await open_panel(world.discord, owner)
        assert component(panel, "setup:admin_role_id")["type"] == 6
        refused = await pick(world.discord, owner, panel, "setup:admin_role_id", [str(ADMIN_ROLE)])
        assert (await refused.response())["data"]["content"] == (
            "You don't have that role, so you would no longer be an admin: "
            "give yourself the role first, or pick one you have."
        )
        assert await KeyValue.filter(key="setup.admin_role_id").count() == 0
        owner.roles.append(ADMIN_ROLE)
        clicked = await pick(world.discord, owner, panel, "setup:admin_role_id", [str(ADMIN_ROLE)])
        await redrawn(clicked, "Admin role", f"<@&{ADMIN_ROLE}>")
        bob = world.users["bob"]
        bob.roles.append(ADMIN_ROLE)
        assert (await open_panel(world.discord, bob))["embeds"][0]["title"] == "MediaNest set-up"
        reply = await (await world.discord.slash(world.users["alice"], "setup")).response()
        assert reply["data"]["content"] == "Only admins can do that."


async def test_everyone_cannot_be_the_admin_role(world: World) -> None:
    """Picking @everyone as the admin role is refused with a reason; nothing is stored."""
    async with bot_running(world.settings()):
        admin = world.users["admin"]
        panel = await open_panel(world.discord, admin)
        everyone = str(world.discord.guild_id)
        refused = await pick(world.discord, admin, panel, "setup:admin_role_id", [everyone])
        assert (await refused.response())["data"]["content"] == (
            "@everyone cannot be the admin role: pick a role only admins have."
        )
        assert await KeyValue.filter(key="setup.admin_role_id").count() == 0


async def test_recheck_shows_a_service_that_went_down(world: World) -> None:
    """Re-check runs every probe again: a stopped Plex turns its line red."""
    async with bot_running(world.settings()):
        admin = world.users["admin"]
        panel = await open_panel(world.discord, admin)
        assert "✅ **plex**" in fields(panel)["Services"]
        await world.pms.stop()
        clicked = await world.discord.click(admin, panel, "setup:recheck")
        panel = await redrawn(clicked, "Services", "❌ **plex** Plex: cannot connect to 127.0.0.1")
        assert "✅ **overseerr**" in fields(panel)["Services"]


async def test_only_admins_may_use_the_panel(world: World) -> None:
    """A non-admin pressing the panel's select (e.g. a forwarded panel) is refused."""
    async with bot_running(world.settings(approval_channel_id=None)):
        panel = await open_panel(world.discord, world.users["admin"])
        refused = await pick(
            world.discord, world.users["alice"], panel, "setup:approval_channel_id", [str(GENERAL)]
        )
        assert (await refused.response())["data"]["content"] == "Only admins can do that."
        assert await KeyValue.filter(key="setup.approval_channel_id").count() == 0


async def test_moving_the_health_channel_moves_the_dashboard(world: World) -> None:
    """A new health channel gets the pinned dashboard; the one in the old channel is deleted."""
    owner = world.discord.add_user(OWNER_ID, "owner")
    async with bot_running(fresh_install(world)) as bot:
        cog = bot.get_cog("HealthCog")
        assert isinstance(cog, HealthCog)
        panel = await open_panel(world.discord, owner)
        clicked = await pick(world.discord, owner, panel, "setup:health_channel_id", [str(HEALTH)])
        panel = await redrawn(clicked, "Health channel", f"<#{HEALTH}>")
        await cog.dashboard()
        [first] = [m for m in world.discord.channel_messages(HEALTH) if m["embeds"]]
        assert first["pinned"] is True
        clicked = await pick(world.discord, owner, panel, "setup:health_channel_id", [str(GENERAL)])
        await redrawn(clicked, "Health channel", f"<#{GENERAL}>")
        await cog.dashboard()
        assert [m for m in world.discord.channel_messages(HEALTH) if m["embeds"]] == []
        [moved] = [m for m in world.discord.channel_messages(GENERAL) if m["embeds"]]
        assert moved["pinned"] is True
        stored = await KeyValue.get(key="health_dashboard_message_id")
        assert stored.value == f"{GENERAL}:{moved['id']}"


async def test_a_dashboard_stored_by_an_older_version_is_edited_in_place(world: World) -> None:
    """A row holding only the message id (before channels could move) still means that message."""
    async with bot_running(world.settings()) as bot:
        cog = bot.get_cog("HealthCog")
        assert isinstance(cog, HealthCog)
        await cog.dashboard()
        [posted] = [m for m in world.discord.channel_messages(HEALTH) if m["embeds"]]
        await KeyValue.filter(key="health_dashboard_message_id").update(value=posted["id"])
        edits = len(world.discord.edits)
        await world.pms.stop()
        await outage(bot)
        await cog.dashboard()
        assert len(world.discord.edits) == edits + 1
        assert [m["id"] for m in world.discord.channel_messages(HEALTH) if m["embeds"]] == [
            posted["id"]
        ]
