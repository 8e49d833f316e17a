"""Invites never accepted: withdrawn on plex.tv when the access they were for ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import MediaNest
from storage.models import AccessEvent, AccessState, PlexAccess
from tests.cogs.test_plex_access import (
    REFUSAL,
    access,
    dms,
    people,
    refused_sign_in,
    sharing_writes,
)
from tests.cogs.test_plex_access_upkeep import ROLE, admin, bot, cog
from tests.harness import BOB_ID, HEALTH, MID, PlexPeople, World

__all__ = ["bot", "people"]  # the fixtures, shared with the other Plex access tests


async def test_role_lost_before_accepting_withdraws_the_invite_after_grace(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """Invited for the role, the role lost before accepting: the admins are told, and once the
    grace period ends the invite is withdrawn on plex.tv (it can no longer be accepted)."""
    assert (await refused_sign_in(world, bot, "bob", people.stranger))["content"] == REFUSAL
    world.users["bob"].roles.append(ROLE)
    assert await cog(bot).roles_round() == 1
    share = world.plextv.share_of(people.stranger)
    assert share is not None and share.accepted_at is None
    world.users["bob"].roles.remove(ROLE)
    assert await cog(bot).roles_round() == 1
    notice = await world.discord.wait_for_message(
        lambda m: m["channel_id"] == str(HEALTH) and "lost the Plex access role" in m["content"]
    )
    assert notice["content"].startswith(
        f"<@{BOB_ID}> (stranger) lost the Plex access role: their Plex invite is withdrawn <t:"
    )
    assert await access(bot).sync() == 0  # the grace period runs
    row = await PlexAccess.get(discord_id=BOB_ID, state=AccessState.INVITED)
    assert row.remove_after is not None
    await PlexAccess.filter(id=row.id).update(remove_after=row.remove_after - timedelta(days=8))
    assert await access(bot).sync() == 1
    withdrawn = sharing_writes(world)[-1]
    assert (withdrawn.method, withdrawn.path) == (
        "DELETE",
        f"/api/servers/{MID}/shared_servers/{share.id}",
    )
    assert world.plextv.share_of(people.stranger) is None
    with pytest.raises(KeyError):
        world.plextv.accept_invite(people.stranger)  # nothing left to accept
    assert (await dms(world, "bob", 3))[2]["content"] == (
        "Your invite to the Plex server was withdrawn (lost the Plex access role). "
        "Ask an admin if that's a mistake."
    )
    assert (await PlexAccess.get(id=row.id)).state == AccessState.REMOVED
    event = await AccessEvent.filter(action="cancelled").get()
    assert event.detail == "lost the Plex access role"
    assert await access(bot).sync() == 0  # done once


async def test_expired_invite_is_withdrawn_and_previewed(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """An invite with an expiry nobody accepted: the preview lists it, and once expired it is
    withdrawn with one DM (no warning: there was no access to warn about)."""
    answer = await admin(world, "admin", "invite", member=BOB_ID, plex="stranger", expires="2d")
    sent = await world.discord.click(world.users["admin"], answer, "plexaccess:send")
    await sent.wait_followup()
    preview = await admin(world, "admin", "access preview")
    assert preview["content"].startswith(f"<@{BOB_ID}> (stranger): invite expires <t:")
    assert await access(bot).sync() == 0  # pending, not yet expired: nothing to do
    row = await PlexAccess.get(discord_id=BOB_ID, state=AccessState.INVITED)
    await PlexAccess.filter(id=row.id).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert await access(bot).sync() == 1
    assert [w.method for w in sharing_writes(world)] == ["POST", "DELETE"]
    texts = [m["content"] for m in await dms(world, "bob", 2)]
    assert texts[1] == (
        "Your invite to the Plex server was withdrawn (it expired before you accepted it). "
        "Ask an admin if that's a mistake."
    )
    assert (await admin(world, "admin", "access preview"))["content"] == (
        "Nobody would lose Plex access."
    )


async def test_invite_already_gone_from_plex_is_closed_without_a_call(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """The invitee declined it on plex.tv meanwhile: expiry closes the access with no DELETE
    and no DM (there was nothing to withdraw)."""
    answer = await admin(world, "admin", "invite", member=BOB_ID, plex="stranger", expires="2d")
    sent = await world.discord.click(world.users["admin"], answer, "plexaccess:send")
    await sent.wait_followup()
    share = world.plextv.share_of(people.stranger)
    assert share is not None
    del world.plextv.shares[share.id]  # declined in the Plex app
    row = await PlexAccess.get(discord_id=BOB_ID, state=AccessState.INVITED)
    await PlexAccess.filter(id=row.id).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert await access(bot).sync() == 1
    assert [w.method for w in sharing_writes(world)] == ["POST"]
    assert len(await dms(world, "bob", 1)) == 1  # "you're invited" only
    event = await AccessEvent.filter(action="cancelled").get()
    assert event.detail == "it expired before you accepted it (gone from plex.tv)"
