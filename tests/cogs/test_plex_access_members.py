"""Role-based access with the members intent (DISCORD_MEMBERS_INTENT): role holders who never
ran /link are DMed once; without the intent nothing changes; a refused intent is one line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app import MEMBERS_INTENT_REFUSED, MediaNest
from storage.models import AccessState, OutboxMessage, PlexAccess
from tests.cogs.test_plex_access import (
    REFUSAL,
    access,
    dms,
    people,
    refused_sign_in,
    sharing_writes,
)
from tests.cogs.test_plex_access_upkeep import ROLE, cog
from tests.harness import ADMIN_ID, BOB_ID, HEALTH, PlexPeople, World, bot_running, link_member
from tests.test_cli import bot_env, run_cli

__all__ = ["people"]  # the fixture, shared with test_plex_access
CAROL_ID = 504
LINK_FIRST = (
    "You have the Plex access role on our Discord server. To get access to the Plex server, "
    "run `/link` there and sign in with Plex: I'll send you the invite then."
)
MEMBERS = 1 << 1


@pytest.fixture
async def bot(world: World, people: PlexPeople) -> AsyncIterator[MediaNest]:
    """The bot asking for the members intent, which the portal allows; a Plex access role."""
    world.discord.add_role(ROLE, "Plex")
    world.discord.allow_members_intent()
    settings = world.settings(plex_access_role_id=ROLE, discord_members_intent=True)
    async with bot_running(settings) as running:
        await link_member(world, running, "admin", people.owner)
        yield running


async def asked(discord_id: int) -> list[str]:
    """The link-first DMs the bot decided to send this member (delivered or waiting)."""
    rows = await OutboxMessage.filter(target_id=discord_id, dedupe_key__contains="link-first")
    return [r.content for r in rows]


async def test_role_holders_without_link_are_asked_once_then_invited(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """Role holders the bot never saw get one DM to /link (not one a round); after /link the
    round invites them; leaving is seen from GUILD_MEMBER_REMOVE, without asking Discord."""
    await world.discord.member_joins(CAROL_ID, "carol", roles=[ROLE])
    await world.discord.member_roles(BOB_ID, [ROLE])
    await world.discord.member_roles(ADMIN_ID, [ROLE])  # an admin is never asked
    assert await cog(bot).roles_round() == 2
    [chunk] = world.discord.chunk_requests  # the member list, asked once
    assert chunk["query"] == "" and chunk["limit"] == 0
    assert (await dms(world, "bob", 1))[0]["content"] == LINK_FIRST
    assert await asked(CAROL_ID) == [LINK_FIRST]
    assert await cog(bot).roles_round() == 0  # asked once, not every round
    assert len(world.discord.chunk_requests) == 1  # member events keep the list current
    assert await asked(BOB_ID) == [LINK_FIRST] and await asked(ADMIN_ID) == []
    assert (await refused_sign_in(world, bot, "bob", people.stranger))["content"] == REFUSAL
    assert await cog(bot).roles_round() == 1  # invited for the role
    [invite] = sharing_writes(world)
    assert invite.json["shared_server"]["invited_email"] == "stranger"
    world.plextv.accept_invite(people.stranger)
    assert await access(bot).sync() == 1
    assert (await PlexAccess.get(discord_id=BOB_ID, state=AccessState.ACCEPTED)).source == "role"
    world.discord.outage("GET", r"/guilds/\d+/members/\d+", status=403, times=100)
    await world.discord.member_leaves(BOB_ID)
    async with asyncio.timeout(5):  # until discord.py has handled GUILD_MEMBER_REMOVE
        while (guild := bot.get_guild(world.discord.guild_id)) and guild.get_member(BOB_ID):
            await asyncio.sleep(0.02)
    assert await cog(bot).roles_round() == 1  # from the member list: no REST call
    notice = await world.discord.wait_for_message(
        lambda m: m["channel_id"] == str(HEALTH) and "left the Discord server" in m["content"]
    )
    assert notice["content"].startswith(f"<@{BOB_ID}> (stranger) left the Discord server")
    assert await asked(BOB_ID) == [LINK_FIRST]


async def test_without_the_intent_only_known_members_are_looked_at(
    world: World, people: PlexPeople
) -> None:
    """Today's behaviour without DISCORD_MEMBERS_INTENT: no intent asked, no member list, and
    a role holder who never ran /link is not DMed."""
    world.discord.add_role(ROLE, "Plex")
    async with bot_running(world.settings(plex_access_role_id=ROLE)) as running:
        await world.discord.member_roles(BOB_ID, [ROLE])
        assert await cog(running).roles_round() == 0
        assert await asked(BOB_ID) == []
    identify = [p for p in world.discord.gateway_received if p["op"] == 2]
    assert identify and not any(p["d"]["intents"] & MEMBERS for p in identify)
    assert world.discord.chunk_requests == []


async def test_portal_refusing_the_intent_is_one_line(world: World) -> None:
    """DISCORD_MEMBERS_INTENT=true while the portal's switch is off: Discord closes with 4014;
    the bot says so in one line (no traceback) and exits 1."""
    env = bot_env(world, WEB_PORT="0", DISCORD_MEMBERS_INTENT="true")
    proc = await run_cli(env)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
    log = err.decode()
    assert proc.returncode == 1, log
    assert [line for line in log.splitlines() if "4014" in line] == [
        line for line in log.splitlines() if line.endswith(MEMBERS_INTENT_REFUSED)
    ]
    assert log.count(MEMBERS_INTENT_REFUSED) == 1
    assert "Traceback" not in log
