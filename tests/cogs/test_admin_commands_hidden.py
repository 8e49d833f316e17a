"""Admin-only commands are hidden from members by Discord; the bot's own check still decides."""

from __future__ import annotations

from tests.harness import World, bot_running

MANAGE_GUILD = str(1 << 5)


async def test_admin_commands_carry_manage_server_as_default_permissions(world: World) -> None:
    """The synced payload gives /setup and /admin `default_member_permissions` Manage Server, so
    members don't see them; member commands carry none."""
    folder = world.tmp / "yt"
    folder.mkdir()
    settings = world.settings(youtube_download_dir=folder, youtube_plex_section="YouTube")
    async with bot_running(settings):
        synced = {c["name"]: c for c in world.discord.commands(world.discord.guild_id)}
    hidden = {name for name, c in synced.items() if c.get("default_member_permissions")}
    assert hidden == {"setup", "admin"}
    assert {synced[name]["default_member_permissions"] for name in hidden} == {MANAGE_GUILD}
    assert {"help", "link", "request", "youtube"} <= set(synced)


async def test_a_member_who_runs_an_admin_command_anyway_is_refused(world: World) -> None:
    """Discord's default permissions are only a default (a server can change them): a member
    who reaches /setup is still refused by the bot's own admin check."""
    async with bot_running(world.settings()):
        interaction = await world.discord.slash(world.users["alice"], "setup")
        reply = await interaction.response()
    assert interaction.ephemeral
    assert "admin" in reply["data"]["content"].lower()
