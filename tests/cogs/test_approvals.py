"""Following and approvals end to end: Notify me, /following, Approve/Decline, quota preview."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import MediaNest
from bot.services.outbox import Button
from bot.services.requests import Requests
from cogs.requests import RequestsCog
from storage.models import ApprovalCard, ErrorEvent, Subscription
from tests.eventually import eventually, outbox_drained
from tests.fakes.overseerr import Permission
from tests.harness import (
    GENERAL,
    HEALTH,
    WEBHOOK_TOKEN,
    World,
    bot_running,
    link_member,
    plex_people,
)

DUNE = 438631
BOB_OVERSEERR, ALICE_OVERSEERR = 10, 11


@pytest.fixture
async def bot(world: World) -> AsyncIterator[MediaNest]:
    """Bob (friend) and Alice (a second friend) linked; the admin linked as the server owner."""
    people = plex_people(world)
    carol = world.plextv.add_account(4, "carol")
    world.plextv.share_server(carol, "mid-1", server_url=world.pms.url)
    world.overseerr.add_user(
        BOB_OVERSEERR,
        plex_id=2,
        plex_username="friend",
        permissions=Permission.REQUEST,
        quota={"movie": {"limit": 2, "days": 7}},
    )
    world.overseerr.add_user(
        ALICE_OVERSEERR, plex_id=4, plex_username="carol", permissions=Permission.REQUEST
    )
    world.overseerr.add_movie(DUNE, "Dune", 2021)
    world.overseerr.add_movie(1, "Arrival", 2016)
    world.overseerr.add_movie(2, "Heat", 1995)
    async with bot_running(world.settings()) as running:
        await link_member(world, running, "bob", people.friend)
        await link_member(world, running, "alice", carol)
        await link_member(world, running, "admin", people.owner)
        yield running


async def request(world: World, who: str, value: str) -> dict:  # type: ignore[type-arg]
    interaction = await world.discord.slash(world.users[who], "request", {"title": value})
    return await interaction.wait_original(
        lambda m: bool(m["content"]) and not m["content"].startswith("Requesting")
    )


def card_of(world: World, request_id: int) -> dict:  # type: ignore[type-arg]
    return next(
        m
        for m in world.discord.channel_messages(HEALTH)
        if any(
            c.get("custom_id") == f"approval:approve:{request_id}"
            for row in m.get("components", [])
            for c in row["components"]
        )
        or f"#{request_id}" in m["content"]
    )


async def wait_card(world: World, request_id: int) -> dict:  # type: ignore[type-arg]
    return await world.discord.wait_for_message(
        lambda m: (
            m["channel_id"] == str(HEALTH)
            and any(
                c.get("custom_id") == f"approval:approve:{request_id}"
                for row in m.get("components", [])
                for c in row["components"]
            )
        )
    )


async def dms_with(world: World, who: str, text: str, count: int = 1) -> list[str]:
    user = world.users[who]

    def found() -> list[str]:
        return [m["content"] for m in world.discord.dms(user.id) if text in m["content"]]

    await eventually(lambda: len(found()) >= count)
    return found()


async def test_notify_me_then_available_dms_requester_and_follower_once(
    world: World, bot: MediaNest
) -> None:
    """Media someone else requested offers Notify me; on availability both are DMed once."""
    await request(world, "bob", f"movie:{DUNE}")
    interaction = await world.discord.slash(
        world.users["alice"], "request", {"title": f"movie:{DUNE}"}
    )
    offer = await interaction.wait_followup()
    [button] = offer["components"][0]["components"]
    assert button["label"] == "Notify me"
    pressed = await world.discord.click(world.users["alice"], offer, button["custom_id"])
    assert (await pressed.response())["data"]["content"].startswith("Done: I'll DM you")
    again = await world.discord.click(world.users["alice"], offer, button["custom_id"])
    assert (await again.response())["data"]["content"] == "You're already following it."
    assert await Subscription.all().count() == 1
    [overseerr_id] = world.overseerr.media_requests
    world.overseerr.set_request_status(overseerr_id, 2)
    world.overseerr.set_media_status(DUNE, "movie", 5)
    url = f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"
    payload = world.overseerr.webhook_payload("MEDIA_AVAILABLE", overseerr_id)
    assert await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN) == 200
    assert await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN) == 200
    bob_dms = await dms_with(world, "bob", "Dune (2021)")
    alice_dms = await dms_with(world, "alice", "Dune (2021)")
    await outbox_drained()
    assert len(await dms_with(world, "bob", "Dune (2021)")) == len(bob_dms) == 1
    assert len(await dms_with(world, "alice", "Dune (2021)")) == len(alice_dms) == 1


async def test_following_lists_and_stops(world: World, bot: MediaNest) -> None:
    """/following lists what the user follows; Stop removes it."""
    requests = bot.features.get(Requests)
    assert requests is not None
    assert await requests.follow(world.users["alice"].id, "movie", DUNE, None, False)
    listing = await world.discord.slash(world.users["alice"], "following")
    reply = await listing.response()
    assert "1. Dune (2021)" in reply["data"]["content"]
    message = listing.original
    assert message is not None
    stop_id = message["components"][0]["components"][0]["custom_id"]
    stopped = await world.discord.click(world.users["alice"], message, stop_id)
    assert (await stopped.response())["data"]["content"] == "Stopped following it."
    assert await Subscription.all().count() == 0


async def test_admin_approves_as_their_own_overseerr_user(world: World, bot: MediaNest) -> None:
    """A pending request gets a card; a member's press is refused, the admin's approves it."""
    await request(world, "bob", f"movie:{DUNE}")
    [overseerr_id] = world.overseerr.media_requests
    card = await wait_card(world, overseerr_id)
    refused = await world.discord.click(
        world.users["alice"], card, f"approval:approve:{overseerr_id}"
    )
    assert (await refused.response())["data"]["content"] == "Only admins can do that."
    assert world.overseerr.media_requests[overseerr_id]["status"] == 1
    approved = await world.discord.click(
        world.users["admin"], card, f"approval:approve:{overseerr_id}"
    )
    assert (await approved.response())["type"] == 7
    assert world.overseerr.media_requests[overseerr_id]["status"] == 2
    [call] = world.overseerr.seen("POST", f"/api/v1/request/{overseerr_id}/approve")
    assert call.headers["X-API-User"] == "1"
    edited = card_of(world, overseerr_id)
    assert edited["components"] == []
    assert "approved" in edited["content"].lower()


async def test_admin_declines_with_a_reason(world: World, bot: MediaNest) -> None:
    """Decline asks for a reason in a modal; the requester's DM carries it."""
    await request(world, "bob", f"movie:{DUNE}")
    [overseerr_id] = world.overseerr.media_requests
    card = await wait_card(world, overseerr_id)
    pressed = await world.discord.click(
        world.users["admin"], card, f"approval:decline:{overseerr_id}"
    )
    modal = await pressed.response()
    assert modal["type"] == 9
    submitted = await world.discord.submit_modal(
        world.users["admin"], modal["data"]["custom_id"], {"reason": "Not in 4K yet"}, message=card
    )
    await submitted.response()
    assert world.overseerr.media_requests[overseerr_id]["status"] == 3
    [dm] = await dms_with(world, "bob", "declined")
    assert "Not in 4K yet" in dm
    assert "declined" in card_of(world, overseerr_id)["content"].lower()


async def test_a_request_decided_on_the_website_updates_its_card(
    world: World, bot: MediaNest
) -> None:
    """Approved in Overseerr itself: the webhook marks the card and the message is edited."""
    await request(world, "bob", f"movie:{DUNE}")
    [overseerr_id] = world.overseerr.media_requests
    await wait_card(world, overseerr_id)
    world.overseerr.set_request_status(overseerr_id, 2)
    url = f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"
    payload = world.overseerr.webhook_payload("MEDIA_APPROVED", overseerr_id)
    assert await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN) == 200
    cog = bot.get_cog("RequestsCog")
    assert isinstance(cog, RequestsCog)
    await cog.update_cards()
    edited = card_of(world, overseerr_id)
    assert edited["components"] == []
    assert "approved" in edited["content"].lower()


async def test_card_buttons_work_after_a_restart(world: World) -> None:
    """Approve on a card posted before a restart still works (persistent custom ids)."""
    people = plex_people(world)
    world.overseerr.add_user(
        BOB_OVERSEERR, plex_id=2, plex_username="friend", permissions=Permission.REQUEST
    )
    world.overseerr.add_movie(DUNE, "Dune", 2021)
    settings = world.settings()
    async with bot_running(settings) as first:
        await link_member(world, first, "bob", people.friend)
        await request(world, "bob", f"movie:{DUNE}")
        [overseerr_id] = world.overseerr.media_requests
        card = await wait_card(world, overseerr_id)
    async with bot_running(settings):
        pressed = await world.discord.click(
            world.users["admin"], card, f"approval:approve:{overseerr_id}"
        )
        assert (await pressed.response())["type"] == 7
    assert world.overseerr.media_requests[overseerr_id]["status"] == 2


async def test_quota_preview_and_refusal_up_front(world: World, bot: MediaNest) -> None:
    """The confirmation shows the quota left; a request over quota is refused with the date."""
    interaction = await world.discord.slash(world.users["bob"], "request", {"title": "movie:1"})
    first = await interaction.wait_followup()
    assert first["content"] == (
        "Requesting **Arrival**… You have 2 of 2 movie requests left (per 7 days)."
    )
    await request(world, "bob", "movie:2")
    refused = await world.discord.slash(world.users["bob"], "request", {"title": f"movie:{DUNE}"})
    text = (await refused.wait_followup())["content"]
    assert text.startswith("You've used your movie request quota (2 per 7 days).")
    assert "You can ask for it again <t:" in text
    assert len(world.overseerr.media_requests) == 2


async def test_a_member_pressing_approve_or_decline_changes_nothing(
    world: World, bot: MediaNest
) -> None:
    """A non-admin's Approve or Decline is refused, opens no modal, and leaves all as it was."""
    await request(world, "bob", f"movie:{DUNE}")
    [overseerr_id] = world.overseerr.media_requests
    card = await wait_card(world, overseerr_id)
    for action in ("approve", "decline"):
        pressed = await world.discord.click(
            world.users["alice"], card, f"approval:{action}:{overseerr_id}"
        )
        reply = await pressed.response()
        assert reply["type"] == 4 and reply["data"]["content"] == "Only admins can do that."
    assert world.overseerr.media_requests[overseerr_id]["status"] == 1
    for action in ("approve", "decline"):
        assert world.overseerr.seen("POST", f"/api/v1/request/{overseerr_id}/{action}") == []
    stored = await ApprovalCard.get(overseerr_request_id=overseerr_id)
    assert stored.decision is None and stored.decided_by is None
    assert card_of(world, overseerr_id)["components"] == card["components"]


async def test_a_button_that_fails_unexpectedly_answers_with_an_id(
    world: World, bot: MediaNest
) -> None:
    """A Stop button whose id the database can't hold: the member gets the apology and its id."""
    huge = "9" * 25  # more than any database integer holds: the query itself fails
    await bot.services.outbox.post(
        "test:unfollow", GENERAL, "Stop?", buttons=[Button("Stop", custom_id=f"unfollow:{huge}")]
    )
    message = await world.discord.wait_for_message(lambda m: m["content"] == "Stop?")
    pressed = await world.discord.click(world.users["alice"], message, f"unfollow:{huge}")
    content = (await pressed.response())["data"]["content"]
    assert content.startswith("Sorry, something went wrong on our side.")
    event = await ErrorEvent.get()
    assert f"**{event.correlation_id}**" in content
    assert event.command == "component:unfollow"
    assert event.discord_id == world.users["alice"].id


async def test_card_updates_are_a_job_of_the_cog(world: World, bot: MediaNest) -> None:
    """Loading the cog registers the approval-card job; unloading it removes the job."""
    assert "approval-cards" in bot.jobs.ids()
    await bot.remove_cog("RequestsCog")
    assert "approval-cards" not in bot.jobs.ids()
