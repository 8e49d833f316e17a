"""/maintenance and the Acknowledge button end to end, through the fake Discord."""

from __future__ import annotations

from typing import Any

from bot.app import MediaNest
from storage.models import Incident, MaintenanceWindow
from tests.harness import ADMIN_ID, HEALTH, World, bot_running

HOLDS = "Checks go on and incidents are recorded; an outage still on when it ends is alerted then."


async def admin(world: World, subcommand: str, **options: Any) -> str:
    """Run `/maintenance <subcommand>` as the admin; the private reply's text."""
    interaction = await world.discord.slash(
        world.users["admin"], "maintenance", options, subcommand=subcommand
    )
    reply = await interaction.response()
    assert reply["data"]["flags"] & 64, "replies are private"
    return str(reply["data"]["content"])


async def down(bot: MediaNest) -> None:
    bot.services.health.policy.confirm_every = 0.01
    await bot.services.health.check_round()


async def open_incidents(world: World) -> str:
    """The "Open incidents" field of an admin's /status."""
    interaction = await world.discord.slash(world.users["admin"], "status")
    message = await interaction.wait_original(lambda m: bool(m["embeds"]))
    fields = {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
    return str(fields["Open incidents"])


def health_alerts(world: World) -> list[dict[str, Any]]:
    return [m for m in world.discord.channel_messages(HEALTH) if "is down" in m["content"]]


async def test_muted_outage_is_alerted_after_unmute_and_acknowledged(
    world: World, database_url: str
) -> None:
    """Muted: incident stored, no alert; unmuted: one alert; only an admin can acknowledge it."""
    async with bot_running(world.settings(database_url=database_url)) as bot:
        reply = await admin(world, "mute", service="plex", length="1h")
        assert reply.startswith("🔕 **plex** alerts are muted until <t:")
        assert reply.endswith(f":R>). {HOLDS}")
        assert await MaintenanceWindow.filter(service="plex", kind="mute").count() == 1
        await world.pms.stop()
        await down(bot)
        incident = await Incident.get(service="plex")
        assert incident.held is True
        listed = await open_incidents(world)
        assert listed.startswith("**plex** since <t:") and "🔕 muted: Plex: cannot" in listed
        assert await admin(world, "unmute", service="plex") == "🔔 **plex** alerts are back on."
        assert health_alerts(world) == []
        await bot.services.health.run_checks()
        alert = await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(HEALTH) and "is down" in m["content"]
        )
        original = str(alert["content"])  # the fake edits this very dict
        assert original.startswith("🔴 **plex** is down: Plex: cannot connect")
        custom_id = f"health:ack:{incident.id}"
        refused = await world.discord.click(world.users["alice"], alert, custom_id)
        assert (await refused.response())["data"]["content"] == "Only admins can do that."
        assert (await Incident.get(id=incident.id)).acknowledged_by is None
        pressed = await world.discord.click(world.users["admin"], alert, custom_id)
        assert (await pressed.response())["type"] == 7  # the alert itself is updated
        [edited] = health_alerts(world)
        assert edited["content"] == (
            f"{original}\n✅ Acknowledged by <@{ADMIN_ID}>: no more reminders."
        )
        assert edited["components"] == []
        assert (await Incident.get(id=incident.id)).acknowledged_by == ADMIN_ID
        assert f" ✅ <@{ADMIN_ID}>: Plex: cannot connect" in await open_incidents(world)


async def test_windows_are_created_listed_and_removed(world: World) -> None:
    """A weekly window is stored, listed in server time and removed; members can't see them."""
    async with bot_running(world.settings(server_timezone="Europe/Berlin")):
        assert await admin(world, "list") == (
            "No mutes or maintenance windows. "
            "Add one with `/maintenance mute`, `/maintenance once` or `/maintenance weekly`."
        )
        reply = await admin(world, "weekly", service="plex", day=6, start="03:00", end="04:00")
        [window] = await MaintenanceWindow.all()
        assert reply == (
            f"🔧 Window #{window.id} for **plex**: every Sunday 03:00–04:00 (Europe/Berlin). "
            f"{HOLDS}"
        )
        assert await admin(world, "list") == (
            "🔧 Mutes and maintenance windows (weekly times in Europe/Berlin):\n"
            f"`#{window.id}` **plex** · every Sunday 03:00–04:00"
        )
        member = await world.discord.slash(world.users["alice"], "maintenance", subcommand="list")
        assert (await member.response())["data"]["content"] == "Only admins can do that."
        choices = await world.discord.autocomplete(
            world.users["admin"],
            "maintenance",
            {"service": "pl", "length": "1h"},
            "service",
            subcommand="mute",
        )
        assert choices == [{"name": "plex", "value": "plex"}]
        assert await admin(world, "remove", number=window.id) == (
            f"Removed #{window.id}: **plex** · every Sunday 03:00–04:00."
        )
        assert await MaintenanceWindow.all().count() == 0


async def test_bad_input_gets_one_clear_line_and_stores_nothing(world: World) -> None:
    """Mute lengths 0, -1h and 999y, a backwards window, an overlap, an unknown service."""
    async with bot_running(world.settings()):
        examples = "try `30m`, `2h` or `until tomorrow 08:00`"
        for length, line in [
            ("0", f"A mute must last at least 1 minute: {examples}."),
            ("-1h", f"A mute can't last a negative time: {examples}."),
            (
                "999y",
                "A mute can last at most 30 days. For a longer break, use `/maintenance once`.",
            ),
        ]:
            assert await admin(world, "mute", service="plex", length=length) == line
        assert await admin(world, "weekly", service="plex", day=6, start="04:00", end="03:00") == (
            "A window must end after it starts (04:00 → 03:00). "
            "For one past midnight, add two: one until `24:00`, one from `00:00`."
        )
        assert await admin(world, "once", service="jellyfin", start="10:00", end="11:00") == (
            "There is no service called `jellyfin`. "
            "Pick one of: database, discord, disk, overseerr, plex."
        )
        assert await MaintenanceWindow.all().count() == 0
        await admin(world, "weekly", service="plex", day=6, start="03:00", end="04:00")
        [window] = await MaintenanceWindow.all()
        assert await admin(world, "weekly", service="plex", day=6, start="02:00", end="03:30") == (
            f"That overlaps window #{window.id} of **plex** (every Sunday 03:00–04:00). "
            "Remove it with `/maintenance remove` or pick another time."
        )
        assert await MaintenanceWindow.all().count() == 1


async def test_acknowledge_still_works_after_a_restart(world: World) -> None:
    """The button is persistent: an alert posted before a restart is acknowledged after it."""
    settings = world.settings()
    async with bot_running(settings) as bot:
        await world.pms.stop()
        await down(bot)
        alert = await world.discord.wait_for_message(
            lambda m: m["channel_id"] == str(HEALTH) and "is down" in m["content"]
        )
        incident = await Incident.get(service="plex")
    async with bot_running(settings):
        pressed = await world.discord.click(
            world.users["admin"], alert, f"health:ack:{incident.id}"
        )
        assert (await pressed.response())["type"] == 7
    [edited] = health_alerts(world)
    assert edited["content"].endswith(f"✅ Acknowledged by <@{ADMIN_ID}>: no more reminders.")
