"""Plex access after the invite: library changes, expiry, the role, leaving, Keep, the preview."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.app import MediaNest
from cogs.plex_access import PlexAccessCog
from storage.models import AccessEvent, AccessState, PlexAccess
from tests.cogs.test_plex_access import (
    LINKED,
    REFUSAL,
    access,
    approve,
    dms,
    people,
    refused_sign_in,
    request_access,
    sharing_writes,
)
from tests.harness import ADMIN_ID, BOB_ID, HEALTH, PlexPeople, World, bot_running, link_member

__all__ = ["people"]  # the fixture, shared with test_plex_access
ROLE = 7000


@pytest.fixture
async def bot(world: World, people: PlexPeople) -> AsyncIterator[MediaNest]:
    """The bot with a Plex access role and a 7-day grace period; the admin linked as owner."""
    world.discord.add_role(ROLE, "Plex")
    async with bot_running(world.settings(plex_access_role_id=ROLE)) as running:
        await link_member(world, running, "admin", people.owner)
        yield running


def cog(bot: MediaNest) -> PlexAccessCog:
    found = bot.get_cog("PlexAccessCog")  # loaded as an extension: its own module object
    assert found is not None and type(found).__name__ == "PlexAccessCog"
    return found  # type: ignore[return-value]


async def on_server(world: World, bot: MediaNest, people: PlexPeople) -> None:
    """Bob requests, is approved for Movies, accepts: on the server and linked."""
    found = await request_access(world, bot, people)
    await approve(world, found, ["1"])
    world.plextv.accept_invite(people.stranger)
    assert await access(bot).sync() == 1
    assert (await dms(world, "bob", 3))[2]["content"] == LINKED


async def admin(world: World, name: str, subcommand: str, **options: Any) -> dict[str, Any]:
    interaction = await world.discord.slash(
        world.users["admin"], name, options, subcommand=subcommand
    )
    body = await interaction.response()
    return await interaction.wait_followup() if body["type"] == 5 else body["data"]


async def test_change_libraries(world: World, bot: MediaNest, people: PlexPeople) -> None:
    """An admin sees the member's libraries preselected and changes them with updateFriend."""
    await on_server(world, bot, people)
    shown = await admin(world, "admin", "access libraries", member=BOB_ID)
    assert shown["content"] == (
        f"**stranger** (<@{BOB_ID}>) has Movies. Pick what they should have:"
    )
    options = shown["components"][0]["components"][0]["options"]
    assert [o["label"] for o in options if o.get("default")] == ["Movies"]
    await world.discord.click(
        world.users["admin"], shown, "plexaccess:libraries", values=["1", "3"]
    )
    saved = await world.discord.click(world.users["admin"], shown, "plexaccess:send")
    assert (await saved.wait_followup())["content"] == "**stranger** now has Movies, Music."
    share = world.plextv.share_of(people.stranger)
    assert share is not None and share.section_ids == [9001, 9003]
    assert (await dms(world, "bob", 4))[3]["content"] == (
        "Your Plex libraries changed: you now have Movies, Music."
    )
    stranger_again = await admin(world, "admin", "access libraries", member=world.users["alice"].id)
    assert (
        stranger_again["content"]
        == f"<@{world.users['alice'].id}> has no Plex access the bot can change."
    )


async def test_expiry_warns_three_days_before_then_removes(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """An invite with `2d` warns at once (within three days), and is removed once expired."""
    answer = await admin(world, "admin", "invite", member=BOB_ID, plex="stranger", expires="2d")
    sent = await world.discord.click(world.users["admin"], answer, "plexaccess:send")
    await sent.wait_followup()
    world.plextv.accept_invite(people.stranger)
    assert await access(bot).sync() == 1  # accepted (no token kept: /link is suggested)
    assert await access(bot).sync() == 1  # the warning
    assert await access(bot).sync() == 0  # warned once
    texts = [m["content"] for m in await dms(world, "bob", 3)]
    assert (
        texts[1]
        == "You're in! You have access to the Plex server now. Run `/link` to link it here."
    )
    assert texts[2].startswith("Your access to the Plex server ends <t:")
    assert texts[2].endswith("Ask an admin if you need it longer.")
    row = await PlexAccess.get(discord_id=BOB_ID)
    await PlexAccess.filter(id=row.id).update(expires_at=row.expires_at - timedelta(days=3))
    assert await access(bot).sync() == 1
    assert world.plextv.share_of(people.stranger) is None
    assert sharing_writes(world)[-1].path == "/api/v2/sharings/3"
    assert (await dms(world, "bob", 4))[3]["content"] == (
        "Your access to the Plex server has ended (expired). Ask an admin if that's a mistake."
    )
    assert (await PlexAccess.get(id=row.id)).state == AccessState.REMOVED


async def test_role_granted_invites_and_losing_it_can_be_kept(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """A signed-in member who gets the role is invited; losing it posts Keep access; Keep holds."""
    assert (await refused_sign_in(world, bot, "bob", people.stranger))["content"] == REFUSAL
    assert await cog(bot).roles_round() == 0  # no role: nothing
    world.users["bob"].roles.append(ROLE)
    assert await cog(bot).roles_round() == 1
    [invite] = sharing_writes(world)
    assert invite.json["shared_server"]["library_section_ids"] == [9001, 9002, 9003]
    world.plextv.accept_invite(people.stranger)
    assert await access(bot).sync() == 1
    world.users["bob"].roles.remove(ROLE)
    assert await cog(bot).roles_round() == 1
    notice = await world.discord.wait_for_message(
        lambda m: m["channel_id"] == str(HEALTH) and "lost the Plex access role" in m["content"]
    )
    assert notice["content"].startswith(
        f"<@{BOB_ID}> (stranger) lost the Plex access role: their Plex access ends <t:"
    )
    preview = await admin(world, "admin", "access preview")
    assert preview["content"].startswith(f"<@{BOB_ID}> (stranger): lost the Plex access role <t:")
    row = await PlexAccess.get(discord_id=BOB_ID, state=AccessState.ACCEPTED)
    kept = await world.discord.click(world.users["admin"], notice, f"plexaccess:keep:{row.id}")
    assert (await kept.response())["data"]["content"] == (
        f"Kept: <@{BOB_ID}> keeps their Plex access."
    )
    assert await cog(bot).roles_round() == 0
    assert await access(bot).sync() == 0
    assert len(sharing_writes(world)) == 1  # the invite; nothing removed
    assert (await admin(world, "admin", "access preview"))["content"] == (
        "Nobody would lose Plex access."
    )


async def test_member_leaves_removed_after_grace_preview_removes_nobody(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """A member who leaves is removed once the grace period ends; the preview only lists."""
    await on_server(world, bot, people)
    del world.discord.users[BOB_ID]
    assert await cog(bot).roles_round() == 1
    preview = await admin(world, "admin", "access preview")
    assert "(stranger): left the Discord server <t:" in preview["content"]
    assert await access(bot).sync() == 0  # the grace period runs
    assert [r.method for r in sharing_writes(world)] == ["POST"]
    row = await PlexAccess.get(discord_id=BOB_ID, state=AccessState.ACCEPTED)
    assert row.remove_after is not None and row.remove_after > row.updated_at + timedelta(days=6)
    await PlexAccess.filter(id=row.id).update(remove_after=row.remove_after - timedelta(days=8))
    assert await access(bot).sync() == 1
    assert [r.method for r in sharing_writes(world)] == ["POST", "DELETE"]
    record = await AccessEvent.filter(action="removed").get()
    assert record.detail == "left the Discord server" and record.actor_id is None
    listing = await admin(world, "admin", "access record")
    assert "removed <@502> (stranger) by the bot" in listing["content"]
    assert f"invited <@502> (stranger) (Movies) by <@{ADMIN_ID}>" in listing["content"]


async def test_admins_pick_default_libraries_and_the_role_in_discord(
    world: World, people: PlexPeople
) -> None:
    """/admin access settings stores the preselected libraries and the role (when the
    environment sets neither); the environment's role cannot be changed from Discord."""
    world.discord.add_role(ROLE, "Plex")
    async with bot_running(world.settings()) as running:
        await link_member(world, running, "admin", people.owner)
        shown = await admin(world, "admin", "access settings")
        assert shown["content"] == (
            "Plex access role: none (role-based access is off). Libraries an approval preselects:"
        )
        await world.discord.click(world.users["admin"], shown, "plexaccess:libraries", values=["2"])
        saved = await world.discord.click(world.users["admin"], shown, "plexaccess:send")
        assert (await saved.wait_followup())["content"] == "Approvals now preselect TV Shows."
        chosen = await admin(world, "admin", "access settings", role=ROLE)
        assert chosen["content"] == (
            f"Members with <@&{ROLE}> now get Plex access once they sign in with `/link`."
        )
        found = await request_access(world, running, people)
        row = await PlexAccess.get(discord_id=BOB_ID)
        pressed = await world.discord.click(
            world.users["admin"], found, f"plexaccess:approve:{row.id}"
        )
        picker = await pressed.wait_followup()
        options = picker["components"][0]["components"][0]["options"]
        assert [o["label"] for o in options if o.get("default")] == ["TV Shows"]
        assert await access(running).role_id() == ROLE
    async with bot_running(world.settings(plex_access_role_id=ROLE + 1)) as running:
        refused = await admin(world, "admin", "access settings", role=ROLE)
        assert refused["content"] == (
            "This is set by PLEX_ACCESS_ROLE_ID in the bot's environment; change it there."
        )


async def test_discord_failing_schedules_no_removal(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """A Discord error reading a member stops the round: nobody is scheduled for removal."""
    await on_server(world, bot, people)
    world.discord.outage("GET", r"/guilds/\d+/members/\d+", status=403)  # e.g. Missing Access
    with pytest.raises(discord.Forbidden):  # the job records it; the next round tries again
        await cog(bot).roles_round()
    row = await PlexAccess.get(discord_id=BOB_ID, state=AccessState.ACCEPTED)
    assert row.remove_after is None
    assert await AccessEvent.filter(action="scheduled").count() == 0
