"""Media requests end to end: /request with autocomplete, delivery, webhooks, review buttons."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.app import MediaNest
from bot.services.requests import Requests
from storage.models import MediaRequest, OutboxMessage, RequestStatus
from tests.eventually import eventually, outbox_drained
from tests.fakes.overseerr import Permission
from tests.harness import HEALTH, WEBHOOK_TOKEN, World, bot_running, link_member, plex_people

DUNE = 438631
FRIEND_OVERSEERR_ID = 10


def catalogue(world: World) -> None:
    """Overseerr knows the friend (Plex id 2) and a few titles."""
    world.overseerr.add_user(
        FRIEND_OVERSEERR_ID, plex_id=2, plex_username="friend", permissions=Permission.REQUEST
    )
    world.overseerr.add_movie(DUNE, "Dune", 2021)
    world.overseerr.add_movie(693134, "Dune: Part Two", 2024, status=5)
    world.overseerr.add_tv(1399, "Game of Thrones", 2011, 8)


async def linked_bot(world: World):  # type: ignore[no-untyped-def]
    """The bot running with bob linked to the friend's Plex account."""
    people = plex_people(world)
    catalogue(world)
    context = bot_running(world.settings())
    bot = await context.__aenter__()
    await link_member(world, bot, "bob", people.friend)
    await wait_dms(world, "bob", 1)  # the link confirmation
    return context, bot


@pytest.fixture
async def bot(world: World):  # type: ignore[no-untyped-def]
    context, bot = await linked_bot(world)
    try:
        yield bot
    finally:
        await context.__aexit__(None, None, None)


async def wait_dms(world: World, user_key: str, count: int) -> list[str]:
    user = world.users[user_key]
    await eventually(lambda: len(world.discord.dms(user.id)) >= count)
    return [m["content"] for m in world.discord.dms(user.id)]


async def test_autocomplete_offers_titles_with_year_type_and_status(
    world: World, bot: MediaNest
) -> None:
    """Typing a title offers movies and shows as "Title (Year) · Movie · status"."""
    choices = await world.discord.autocomplete(
        world.users["bob"], "request", {"title": "dune"}, focused="title"
    )
    assert {"name": "Dune (2021) · Movie", "value": f"movie:{DUNE}"} in choices
    assert {"name": "Dune: Part Two (2024) · Movie · Available", "value": "movie:693134"} in choices


async def test_request_a_movie_as_the_users_own_overseerr_user(
    world: World, bot: MediaNest
) -> None:
    """/request submits as the user's Overseerr account and says it waits for approval."""
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": f"movie:{DUNE}"}
    )
    reply = await interaction.wait_original(lambda m: "Requested" in m["content"])
    assert reply["content"] == (
        "Requested **Dune (2021)**. It's waiting for an admin to approve it; "
        "I'll DM you when it's on Plex."
    )
    assert interaction.ephemeral
    [posted] = world.overseerr.seen("POST", "/api/v1/request")
    assert posted.headers["X-API-User"] == str(FRIEND_OVERSEERR_ID)
    assert posted.json == {"mediaType": "movie", "mediaId": DUNE, "is4k": False} | {
        k: v for k, v in posted.json.items() if k not in ("mediaType", "mediaId", "is4k")
    }
    assert len(world.overseerr.media_requests) == 1


async def test_unlinked_user_is_told_to_link_first(world: World, bot: MediaNest) -> None:
    """Without a Plex link /request answers privately with what to do; nothing is sent."""
    interaction = await world.discord.slash(world.users["alice"], "request", {"title": "Dune"})
    reply = await interaction.response()
    assert reply["data"]["content"] == "You need to link your Plex account first: run `/link`."
    assert interaction.ephemeral
    assert world.overseerr.seen("POST", "/api/v1/request") == []


async def test_already_available_media_is_not_requested(world: World, bot: MediaNest) -> None:
    """Media already on Plex is reported as such and nothing is submitted or saved."""
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": "movie:693134"}
    )
    followup = await interaction.wait_followup()
    assert "already" in followup["content"].lower()
    assert world.overseerr.seen("POST", "/api/v1/request") == []
    assert await MediaRequest.all().count() == 0


async def test_overseerr_down_at_submission_queues_then_delivers_once(
    world: World, bot: MediaNest
) -> None:
    """A 503 on submission: the reply says queued (no second message); delivered once, one DM."""
    world.overseerr.fail_next("POST", "/api/v1/request", status=503)
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": f"movie:{DUNE}"}
    )
    reply = await interaction.wait_original(lambda m: "queued" in m["content"])
    assert reply["content"].startswith("Overseerr isn't answering right now, so I've queued")
    row = await MediaRequest.get()
    assert row.status == RequestStatus.QUEUED
    await MediaRequest.filter(id=row.id).update(next_attempt_at=row.created_at)
    requests = bot.features.get(Requests)
    assert requests is not None
    assert await requests.deliver_due() == 1
    assert await requests.deliver_due() == 0
    assert len(world.overseerr.media_requests) == 1
    dms = await wait_dms(world, "bob", 2)
    assert "Dune (2021)" in dms[1] and "went through" in dms[1]
    assert await OutboxMessage.filter(target_id=world.users["bob"].id).count() == 2
    assert await OutboxMessage.filter(target_id=world.users["bob"].id).count() == 2


async def test_overseerr_down_at_request_keeps_a_picked_title(world: World, bot: MediaNest) -> None:
    """Overseerr down, title picked from cached suggestions: queued, one reply, sent when back."""
    await world.discord.autocomplete(
        world.users["bob"], "request", {"title": "dune"}, focused="title"
    )
    await world.overseerr.stop()
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": f"movie:{DUNE}"}
    )
    reply = await interaction.wait_followup()
    assert reply["content"].startswith("Overseerr isn't answering right now, so I've queued")
    assert "**Dune (2021)**" in reply["content"]
    free = await world.discord.slash(world.users["bob"], "request", {"title": "dune"})
    refused = await free.wait_followup()
    assert "Pick a title from the suggestions" in refused["content"]
    row = await MediaRequest.get()
    assert (row.status, row.unchecked) == (RequestStatus.QUEUED, True)
    await world.overseerr.start()
    await MediaRequest.filter(id=row.id).update(next_attempt_at=row.created_at)
    requests = bot.features.get(Requests)
    assert requests is not None
    assert await requests.deliver_due() == 1
    assert len(world.overseerr.seen("POST", "/api/v1/request")) == 1
    dms = await wait_dms(world, "bob", 2)
    assert "Dune (2021)" in dms[1] and "went through" in dms[1]
    assert await OutboxMessage.filter(target_id=world.users["bob"].id).count() == 2


async def test_webhook_marks_available_and_dms_once(world: World, bot: MediaNest) -> None:
    """MEDIA_AVAILABLE from Overseerr DMs the requester once (New on Plex posts it publicly)."""
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": f"movie:{DUNE}"}
    )
    await interaction.wait_original(lambda m: "Requested" in m["content"])
    [overseerr_id] = world.overseerr.media_requests
    world.overseerr.set_request_status(overseerr_id, 2)
    world.overseerr.set_media_status(DUNE, "movie", 5)
    payload = world.overseerr.webhook_payload("MEDIA_AVAILABLE", overseerr_id)
    url = f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"
    assert await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN) == 200
    assert await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN) == 200
    dms = await wait_dms(world, "bob", 2)
    await outbox_drained()
    assert len(world.discord.dms(world.users["bob"].id)) == 2
    assert "Dune (2021)" in dms[1]
    assert (await MediaRequest.get()).status == RequestStatus.AVAILABLE


async def test_webhook_with_wrong_auth_or_bad_body_is_refused(world: World, bot: MediaNest) -> None:
    """A wrong Authorization gets 401 and a malformed body 400; nothing changes."""
    url = f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"
    payload = world.overseerr.webhook_payload("TEST_NOTIFICATION")
    assert await world.overseerr.send_webhook(url, payload, "Bearer wrong") == 401
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": WEBHOOK_TOKEN, "Content-Type": "application/json"}
        async with http.post(url, data=b"{not json", headers=headers) as resp:
            assert resp.status == 400
            assert await resp.json() == {"error": "malformed webhook body"}
        body = json.dumps({"notification_type": 42}).encode()
        async with http.post(url, data=body, headers=headers) as resp:
            assert resp.status == 400
        async with http.post(url, data=b"x" * 70_000, headers=headers) as resp:
            assert resp.status == 413
    assert await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN) == 200


async def test_free_text_goes_to_admin_review_and_decline_is_admins_only(
    world: World, bot: MediaNest
) -> None:
    """A title matching nothing is posted for review; only an admin's Decline settles it."""
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": "zzqx unknown film"}
    )
    followup = await interaction.wait_followup()
    assert followup["content"].startswith("I couldn't find “zzqx unknown film” in Overseerr")
    review = await world.discord.wait_for_message(
        lambda m: m["channel_id"] == str(HEALTH) and "matches nothing" in m["content"]
    )
    refused = await world.discord.click(
        world.users["alice"], review, f"review:decline:{(await MediaRequest.get()).id}"
    )
    assert (await refused.response())["data"]["content"] == "Only admins can do that."
    assert (await MediaRequest.get()).status == RequestStatus.NEEDS_REVIEW
    row = await MediaRequest.get()
    decided = await world.discord.click(world.users["admin"], review, f"review:decline:{row.id}")
    await decided.response()
    edited = next(m for m in world.discord.channel_messages(HEALTH) if m["id"] == review["id"])
    assert f"declined by <@{world.users['admin'].id}>" in edited["content"]
    assert edited["components"] == []
    assert (await MediaRequest.get()).status == RequestStatus.DECLINED
    dms = await wait_dms(world, "bob", 2)
    assert "declined" in dms[1]


async def test_admin_picks_a_title_for_a_review(world: World, bot: MediaNest) -> None:
    """Pick a title opens a modal; the TMDB id given there is submitted for the user."""
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": "that sand movie"}
    )
    await interaction.wait_followup()
    review = await world.discord.wait_for_message(
        lambda m: m["channel_id"] == str(HEALTH) and "matches nothing" in m["content"]
    )
    row = await MediaRequest.get()
    pressed = await world.discord.click(world.users["admin"], review, f"review:pick:{row.id}")
    modal = await pressed.response()
    assert modal["type"] == 9
    submitted = await world.discord.submit_modal(
        world.users["admin"],
        modal["data"]["custom_id"],
        {"tmdb": str(DUNE), "kind": "movie"},
        message=review,
    )
    await submitted.response()
    assert len(world.overseerr.media_requests) == 1
    assert (await MediaRequest.get()).tmdb_id == DUNE


async def test_requests_lists_newest_first_with_pages(world: World, bot: MediaNest) -> None:
    """/requests shows the user's own requests, newest first, ten a page with Next."""
    for n in range(12):
        await MediaRequest.create(
            discord_id=world.users["bob"].id,
            media_type="movie",
            tmdb_id=n,
            title=f"Film {n}",
            status=RequestStatus.PENDING,
        )
    interaction = await world.discord.slash(world.users["bob"], "requests")
    embed = (await interaction.response())["data"]["embeds"][0]
    assert embed["description"].splitlines()[0].startswith("`#12` **Film 11")
    assert embed["footer"]["text"] == "Page 1 of 2"
    original = interaction.original
    assert original is not None
    buttons = {c["label"]: c for row in original["components"] for c in row["components"]}
    assert buttons["Previous"].get("disabled") is True
    turned = await world.discord.click(world.users["bob"], original, buttons["Next"]["custom_id"])
    page_two = (await turned.response())["data"]["embeds"][0]
    assert page_two["footer"]["text"] == "Page 2 of 2"
    assert len(page_two["description"].splitlines()) == 2


async def test_account_shows_the_overseerr_user_it_maps_to(world: World, bot: MediaNest) -> None:
    """/account names the Overseerr user the linked Plex account maps to."""
    reply = await (await world.discord.slash(world.users["bob"], "account")).response()
    fields = {f["name"]: f["value"] for f in reply["data"]["embeds"][0]["fields"]}
    assert fields["Overseerr user"] == f"friend (#{FRIEND_OVERSEERR_ID})"
    assert fields["Plex user"] == "friend"


async def test_webhook_with_a_malformed_field_is_refused_and_changes_nothing(
    world: World, bot: MediaNest
) -> None:
    """A webhook whose tmdbId is not a number is a 400; no request moves and no DM is queued."""
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": f"movie:{DUNE}"}
    )
    await interaction.wait_original(lambda m: "Requested" in m["content"])
    [overseerr_id] = world.overseerr.media_requests
    world.overseerr.set_request_status(overseerr_id, 2)
    payload = world.overseerr.webhook_payload("MEDIA_APPROVED", overseerr_id)
    payload["media"]["tmdbId"] = "dune"
    messages = await OutboxMessage.all().count()
    url = f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"
    assert await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN) == 400
    assert (await MediaRequest.get()).status == RequestStatus.PENDING
    assert await OutboxMessage.all().count() == messages


async def test_a_malformed_overseerr_answer_gives_a_clear_message(
    world: World, bot: MediaNest
) -> None:
    """Overseerr answering a movie with a non-numeric status: the member is told which field."""
    world.overseerr.fail_next(
        "GET",
        f"/movie/{DUNE}",
        status=200,
        body={"id": DUNE, "title": "Dune", "mediaInfo": {"status": "lots"}},
    )
    interaction = await world.discord.slash(
        world.users["bob"], "request", {"title": f"movie:{DUNE}"}
    )
    reply = await interaction.wait_followup()
    assert reply["content"].startswith(
        "Overseerr sent a movie I couldn't read (mediaInfo.status: Input should be a valid integer"
    )
    assert reply["content"].endswith("Ask an admin to check Overseerr.")
    assert await MediaRequest.all().count() == 0
    assert world.overseerr.seen("POST", "/api/v1/request") == []
