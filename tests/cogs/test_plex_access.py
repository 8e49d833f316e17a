"""Plex access end to end: Request access, Approve with libraries, the invite, acceptance, link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import MediaNest
from bot.services.linking import LinkingService
from bot.services.plex_access import AccessService
from storage.models import AccessEvent, AccessState, PlexAccess, PlexLink
from tests.cogs.test_status import admin_status
from tests.eventually import eventually, outbox_drained
from tests.harness import (
    ADMIN_ID,
    BOB_ID,
    HEALTH,
    MID,
    PlexPeople,
    World,
    bot_running,
    link_member,
    plex_people,
)

REFUSAL = (
    "I couldn't link your Plex account: the Plex account **stranger** doesn't have access to "
    "our Plex server. Press Request access to ask the admins for it."
)
INVITED = (
    "You're invited to the Plex server (Movies, TV Shows). Accept the invite in the email from "
    "Plex, or in the Plex app under Settings → Manage Library Access (pending invites). "
    "I'll DM you once it's done."
)
LINKED = (
    "You're in! You have access to the Plex server now, and your Discord account is linked to "
    "Plex as **stranger**."
)
WRITES = ("POST", "PUT", "DELETE")


@pytest.fixture
def people(world: World) -> PlexPeople:
    """The owner, a friend and a stranger; plex.tv lists three libraries of the server."""
    found = plex_people(world)
    world.plextv.add_library(MID, 1, "Movies", "movie")
    world.plextv.add_library(MID, 2, "TV Shows", "show")
    world.plextv.add_library(MID, 3, "Music", "artist")
    return found


@pytest.fixture
async def bot(world: World, people: PlexPeople) -> AsyncIterator[MediaNest]:
    async with bot_running(world.settings()) as running:
        await link_member(world, running, "admin", people.owner)
        yield running


def access(bot: MediaNest) -> AccessService:
    found = bot.features.get(AccessService)
    assert found is not None
    return found


def sharing_writes(world: World) -> list[Any]:
    """What was sent to plex.tv that changes sharing (invites, library changes, removals)."""
    return [
        r
        for r in world.plextv.requests
        if r.method in WRITES and r.path.startswith(("/api/servers", "/api/v2/sharings"))
    ]


async def dms(world: World, who: str, count: int) -> list[dict[str, Any]]:
    """Wait for `who` to have `count` DMs; returns them all."""
    user = world.users[who]
    await eventually(lambda: len(world.discord.dms(user.id)) >= count)
    await outbox_drained()  # and no more than that
    return world.discord.dms(user.id)


async def refused_sign_in(world: World, bot: MediaNest, who: str, account: Any) -> dict[str, Any]:
    """`who` signs in at /link as a Plex account without access; returns the refusal DM."""
    linking = bot.features.get(LinkingService)
    assert linking is not None
    before = len(world.discord.dms(world.users[who].id))
    await linking.start(world.users[who].id)
    world.plextv.authorize_pin(world.plextv.pins[max(world.plextv.pins)]["code"], account)
    assert await linking.poll_open_attempts() == 0
    return (await dms(world, who, before + 1))[-1]


async def card(world: World, access_id: int) -> dict[str, Any]:
    return await world.discord.wait_for_message(
        lambda m: (
            m["channel_id"] == str(HEALTH)
            and any(
                c.get("custom_id") == f"plexaccess:approve:{access_id}"
                for row in m.get("components", [])
                for c in row["components"]
            )
        )
    )


async def request_access(world: World, bot: MediaNest, people: PlexPeople) -> dict[str, Any]:
    """Bob is refused, presses Request access; returns the admins' card."""
    dm = await refused_sign_in(world, bot, "bob", people.stranger)
    assert dm["content"] == REFUSAL
    [button] = dm["components"][0]["components"]
    assert button["label"] == "Request access"
    pressed = await world.discord.click(world.users["bob"], dm, button["custom_id"])
    assert (await pressed.response())["data"]["content"] == (
        "Request sent! The admins will decide, and I'll DM you either way."
    )
    row = await PlexAccess.get(discord_id=BOB_ID)
    return await card(world, row.id)


async def approve(
    world: World, found: dict[str, Any], values: list[str], who: str = "admin"
) -> dict[str, Any]:
    """Press Approve, pick the libraries, press Send invite; returns Send invite's answer."""
    row = await PlexAccess.get(discord_id=BOB_ID)
    pressed = await world.discord.click(world.users[who], found, f"plexaccess:approve:{row.id}")
    picker = await pressed.wait_followup()
    await world.discord.click(world.users[who], picker, "plexaccess:libraries", values=values)
    sent = await world.discord.click(world.users[who], picker, "plexaccess:send")
    return await sent.wait_followup()


async def test_stranger_requests_admin_approves_invite_accepted_then_linked(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """Request → Approve with two libraries → exactly one invite with their ids → accepted →
    linked as user; one DM each step, and a second press of Request says it is pending."""
    found = await request_access(world, bot, people)
    assert found["content"] == (
        f"<@{BOB_ID}> asks for access to the Plex server as **stranger** (stranger@example.com)."
    )
    again = await world.discord.click(
        world.users["bob"], (await dms(world, "bob", 1))[0], "plexaccess:request"
    )
    assert (await again.response())["data"]["content"] == (
        "Your request is pending: the admins will decide soon."
    )
    row = await PlexAccess.get(discord_id=BOB_ID)
    pressed = await world.discord.click(world.users["admin"], found, f"plexaccess:approve:{row.id}")
    picker = await pressed.wait_followup()
    assert picker["content"] == f"Share which libraries with **stranger** (<@{BOB_ID}>)?"
    options = picker["components"][0]["components"][0]["options"]
    assert [(o["label"], o.get("default")) for o in options] == [
        ("Movies", True),
        ("TV Shows", True),
        ("Music", True),
    ]
    await world.discord.click(
        world.users["admin"], picker, "plexaccess:libraries", values=["1", "2"]
    )
    sent = await world.discord.click(world.users["admin"], picker, "plexaccess:send")
    answer = await sent.wait_followup()
    assert answer["content"] == "Invite sent to **stranger** for Movies, TV Shows."
    [invite] = sharing_writes(world)
    assert (invite.method, invite.path) == ("POST", f"/api/servers/{MID}/shared_servers")
    assert invite.json["shared_server"] == {
        "library_section_ids": [9001, 9002],
        "invited_email": "stranger",
    }
    assert [m["content"] for m in await dms(world, "bob", 2)][1] == INVITED
    edited = await world.discord.wait_for_message(
        lambda m: m["id"] == found["id"] and "approved by" in m["content"]
    )
    assert edited["content"].endswith(
        f"✅ Invite sent to **stranger** for Movies, TV Shows; approved by <@{ADMIN_ID}>."
    )
    assert await access(bot).sync() == 0  # not accepted yet: nothing happens
    world.plextv.accept_invite(people.stranger)
    assert await access(bot).sync() == 1
    assert await access(bot).sync() == 0
    link = await PlexLink.get(member__discord_id=BOB_ID)
    assert (link.plex_user_id, link.role.value) == (3, "user")
    assert [m["content"] for m in await dms(world, "bob", 3)] == [REFUSAL, INVITED, LINKED]
    assert (await PlexAccess.get(discord_id=BOB_ID)).token_encrypted is None
    actions = await AccessEvent.all().order_by("id").values_list("action", "actor_id")
    assert actions == [("requested", BOB_ID), ("invited", ADMIN_ID), ("accepted", None)]
    counts = await access(bot).counts()
    assert (counts.pending, counts.invited, counts.accepted, counts.removed) == (0, 1, 1, 0)
    first, status = await admin_status(world)
    await world.discord.click(world.users["admin"], status, "status-page:members")
    members = await first.wait_original(lambda m: m["embeds"][0]["title"].startswith("Members"))
    fields = {f["name"]: f["value"] for f in members["embeds"][0]["fields"]}
    assert fields["Plex access"] == "0 pending · 1 invited · 1 accepted · 0 removed"


async def test_decline_with_a_reason(world: World, bot: MediaNest, people: PlexPeople) -> None:
    """Decline asks for a reason in a modal; the member is DMed it; nothing goes to plex.tv."""
    found = await request_access(world, bot, people)
    row = await PlexAccess.get(discord_id=BOB_ID)
    pressed = await world.discord.click(world.users["admin"], found, f"plexaccess:decline:{row.id}")
    assert (await pressed.response())["type"] == 9  # the modal
    submitted = await world.discord.submit_modal(
        world.users["admin"], f"plexaccess:declined:{row.id}", {"reason": "The server is full."}
    )
    assert (await submitted.response())["data"]["content"] == (
        "Declined **stranger** (The server is full.)."
    )
    assert [m["content"] for m in await dms(world, "bob", 2)][1] == (
        "An admin declined your request for access to the Plex server. "
        "The reason given: The server is full."
    )
    edited = await world.discord.wait_for_message(
        lambda m: m["id"] == found["id"] and "Declined" in m["content"]
    )
    assert edited["content"].endswith(f"❌ Declined by <@{ADMIN_ID}>.") and not edited["components"]
    assert sharing_writes(world) == []
    assert (await PlexAccess.get(id=row.id)).state == AccessState.DECLINED


async def test_non_admin_approve_and_deleted_library_send_nothing(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """A member pressing Approve is refused; a library deleted meanwhile is a clear answer."""
    found = await request_access(world, bot, people)
    row = await PlexAccess.get(discord_id=BOB_ID)
    pressed = await world.discord.click(world.users["alice"], found, f"plexaccess:approve:{row.id}")
    assert (await pressed.response())["data"]["content"] == "Only admins can do that."
    pressed = await world.discord.click(world.users["admin"], found, f"plexaccess:approve:{row.id}")
    picker = await pressed.wait_followup()
    world.plextv.remove_library(MID, "Music")
    await world.discord.click(world.users["admin"], picker, "plexaccess:libraries", values=["3"])
    sent = await world.discord.click(world.users["admin"], picker, "plexaccess:send")
    answer = await sent.wait_followup()
    assert (
        answer["content"] == "A library you picked was deleted meanwhile. Pick the libraries again."
    )
    assert sharing_writes(world) == []
    assert (await PlexAccess.get(id=row.id)).state == AccessState.REQUESTED


async def test_plex_tv_down_at_approve_then_a_retry_works(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """plex.tv down at Send invite: the admin is told, the request stays open; a retry invites."""
    found = await request_access(world, bot, people)
    row = await PlexAccess.get(discord_id=BOB_ID)
    pressed = await world.discord.click(world.users["admin"], found, f"plexaccess:approve:{row.id}")
    picker = await pressed.wait_followup()
    await world.plextv.stop()
    sent = await world.discord.click(world.users["admin"], picker, "plexaccess:send")
    answer = await sent.wait_followup(timeout=15)
    assert answer["content"] == (
        "plex.tv isn't answering, so nothing was changed on Plex. "
        "Try again in a minute: the request is still open."
    )
    assert (await PlexAccess.get(id=row.id)).state == AccessState.REQUESTED
    assert len(await dms(world, "bob", 1)) == 1  # no "you're invited" for an invite not sent
    await world.plextv.start()
    answer = await approve(world, found, ["1"])
    assert answer["content"] == "Invite sent to **stranger** for Movies."
    assert len(sharing_writes(world)) == 1


async def test_admin_invite_with_expiry_and_bad_inputs(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """/admin invite: unknown account, member already on the server and a bad expiry are refused
    with nothing sent; a good one invites with the expiry."""

    async def run(options: dict[str, Any]) -> Any:
        return await world.discord.slash(
            world.users["admin"], "admin", options, subcommand="invite"
        )

    bad = await run({"member": BOB_ID, "plex": "stranger", "expires": "soon"})
    assert (await bad.wait_followup())["content"] == (
        "That expiry isn't valid: use a number of days such as `30d`."
    )
    already = await run({"member": BOB_ID, "plex": "friend"})
    assert (await already.wait_followup())["content"] == (
        "**friend** has access already to the Plex server: nothing to send."
    )
    unknown = await run({"member": BOB_ID, "plex": "nobody@example.com"})
    picker = await unknown.wait_followup()
    sent = await world.discord.click(world.users["admin"], picker, "plexaccess:send")
    assert (await sent.wait_followup())["content"] == (
        "plex.tv refused an invite to **nobody@example.com** (plex.tv: “Invalid user”). "
        "Check the Plex username or email."
    )
    assert world.plextv.shares.keys() == {
        s.id for s in world.plextv.shares.values() if s.accepted_at
    }
    assert await PlexAccess.filter(discord_id=BOB_ID).count() == 0
    good = await run({"member": BOB_ID, "plex": "stranger", "expires": "30d"})
    picker = await good.wait_followup()
    sent = await world.discord.click(world.users["admin"], picker, "plexaccess:send")
    assert (await sent.wait_followup())["content"] == (
        "Invite sent to **stranger** for Movies, TV Shows, Music."
    )
    row = await PlexAccess.get(discord_id=BOB_ID)
    assert row.state == AccessState.INVITED and row.expires_at is not None
    dm = (await dms(world, "bob", 1))[0]["content"]
    assert dm.startswith("You're invited to the Plex server (Movies, TV Shows, Music).")
    assert "Your access lasts until <t:" in dm
    again = await run({"member": BOB_ID, "plex": "stranger"})
    assert (await again.wait_followup())["content"] == (
        f"<@{BOB_ID}> is already invited and hasn't accepted yet."
    )
    assert len(sharing_writes(world)) == 2  # the refused unknown account and the real invite


async def test_admin_invite_of_a_refused_member_links_them_on_acceptance(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """/admin invite without a name uses the member's refused sign-in, so acceptance links."""
    await refused_sign_in(world, bot, "bob", people.stranger)
    interaction = await world.discord.slash(
        world.users["admin"], "admin", {"member": BOB_ID}, subcommand="invite"
    )
    picker = await interaction.wait_followup()
    assert picker["content"] == f"Share which libraries with **stranger** (<@{BOB_ID}>)?"
    sent = await world.discord.click(world.users["admin"], picker, "plexaccess:send")
    assert (await sent.wait_followup())["content"] == (
        "Invite sent to **stranger** for Movies, TV Shows, Music."
    )
    world.plextv.accept_invite(people.stranger)
    assert await access(bot).sync() == 1
    assert (await PlexLink.get(member__discord_id=BOB_ID)).plex_username == "stranger"
    assert (await dms(world, "bob", 3))[2]["content"] == LINKED
    assert await PlexAccess.filter(discord_id=BOB_ID).count() == 1
