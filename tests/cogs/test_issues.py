"""/issue end to end through the fake Discord and the fake Overseerr: report, Resolve, DMs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import MediaNest
from bot.services.issues import Issues
from cogs.issues import IssuesCog
from storage.models import IssueCard, OutboxMessage, ReportedIssue
from tests.eventually import eventually, outbox_drained
from tests.fakes.overseerr import Permission
from tests.harness import HEALTH, WEBHOOK_TOKEN, World, bot_running, link_member, plex_people

MATRIX, DUNE = 603, 438631
BOB_OVERSEERR, MOD_OVERSEERR = 10, 12


@pytest.fixture
async def bot(world: World) -> AsyncIterator[MediaNest]:
    """Bob (a friend who may report issues) and the admin (the server owner) linked."""
    people = plex_people(world)
    world.overseerr.add_user(
        BOB_OVERSEERR,
        plex_id=2,
        plex_username="friend",
        permissions=Permission.REQUEST | Permission.CREATE_ISSUES,
    )
    world.overseerr.add_user(
        MOD_OVERSEERR, plex_id=77, plex_username="mod", permissions=Permission.MANAGE_ISSUES
    )
    world.overseerr.add_movie(MATRIX, "The Matrix", 1999, status=5)
    world.overseerr.add_movie(DUNE, "Dune", 2021)
    async with bot_running(world.settings()) as running:
        await link_member(world, running, "bob", people.friend)
        await link_member(world, running, "admin", people.owner)
        yield running


async def report(world: World, message: str = "Audio drops out") -> dict[str, Any]:
    """Bob runs /issue on The Matrix; the reply."""
    interaction = await world.discord.slash(
        world.users["bob"],
        "issue",
        {"title": f"movie:{MATRIX}", "problem": "audio", "message": message},
    )
    return await interaction.wait_followup()


async def issue_card(world: World, issue_id: int) -> dict[str, Any]:
    return await world.discord.wait_for_message(
        lambda m: m["channel_id"] == str(HEALTH) and f"Overseerr issue #{issue_id}" in m["content"]
    )


def card_now(world: World, issue_id: int) -> dict[str, Any]:
    return next(
        m
        for m in world.discord.channel_messages(HEALTH)
        if f"Overseerr issue #{issue_id}" in m["content"]
    )


async def bob_dms(world: World, count: int) -> list[str]:
    """Bob's DMs about his reports once there are `count` and the outbox is drained (no extra)."""
    user = world.users["bob"]

    def about_reports() -> list[str]:
        found = [m["content"] for m in world.discord.dms(user.id)]
        return [text for text in found if "report on" in text or "your audio report" in text]

    await eventually(lambda: len(about_reports()) >= count)
    await outbox_drained()
    return about_reports()


async def webhook(world: World, bot: MediaNest, payload: Any) -> int:
    url = f"http://127.0.0.1:{bot.web_port}/webhooks/overseerr"
    return await world.overseerr.send_webhook(url, payload, WEBHOOK_TOKEN)


async def test_autocomplete_offers_only_what_is_on_plex(world: World, bot: MediaNest) -> None:
    """Typing a title offers movies and shows on Plex; ones not on Plex are left out."""
    choices = await world.discord.autocomplete(
        world.users["bob"], "issue", {"title": "e", "problem": "video"}, focused="title"
    )
    assert choices == [{"name": "The Matrix (1999) · Movie", "value": f"movie:{MATRIX}"}]


async def test_report_then_admin_resolves_from_the_card(world: World, bot: MediaNest) -> None:
    """/issue makes the issue as Bob; a member can't Resolve, the admin can, Bob is DMed once."""
    reply = await report(world)
    [issue_id] = world.overseerr.issues
    assert reply["content"].startswith("Thanks! I've reported the audio problem with **The Matrix")
    [made] = world.overseerr.seen("POST", "/api/v1/issue")
    assert made.headers["X-API-User"] == str(BOB_OVERSEERR)
    card = await issue_card(world, issue_id)
    assert "> **friend**: Audio drops out" in card["content"]
    custom_id = f"issue:resolve:{issue_id}"
    refused = await world.discord.click(world.users["bob"], card, custom_id)
    assert (await refused.response())["data"]["content"] == "Only admins can do that."
    assert world.overseerr.issues[issue_id]["status"] == 1
    pressed = await world.discord.click(world.users["admin"], card, custom_id)
    assert (await pressed.response())["type"] == 7
    assert world.overseerr.issues[issue_id]["status"] == 2
    [resolved] = world.overseerr.seen("POST", f"/api/v1/issue/{issue_id}/resolved")
    assert resolved.headers["X-API-User"] == "1"
    edited = card_now(world, issue_id)
    assert edited["components"] == [] and "Resolved by <@500>" in edited["content"]
    payload = world.overseerr.issue_webhook_payload("ISSUE_RESOLVED", issue_id)
    assert await webhook(world, bot, payload) == 200
    [dm] = await bob_dms(world, 1)
    assert dm.startswith("✅ Your report on **The Matrix (1999)** was marked resolved")


async def test_comment_and_reopen_webhooks_dm_once_and_update_the_card(
    world: World, bot: MediaNest
) -> None:
    """A comment, a resolve and a reopen, each webhook sent twice, are three DMs; card is open."""
    await report(world)
    [issue_id] = world.overseerr.issues
    await issue_card(world, issue_id)
    comment = world.overseerr.add_issue_comment(issue_id, "Which minute?", user_id=MOD_OVERSEERR)
    payload = world.overseerr.issue_webhook_payload("ISSUE_COMMENT", issue_id, comment["id"])
    assert await webhook(world, bot, payload) == 200
    assert await webhook(world, bot, payload) == 200
    for status, kind in ((2, "ISSUE_RESOLVED"), (1, "ISSUE_REOPENED")):
        world.overseerr.set_issue_status(issue_id, status, user_id=MOD_OVERSEERR)
        changed = world.overseerr.issue_webhook_payload(kind, issue_id)
        assert await webhook(world, bot, changed) == 200
        assert await webhook(world, bot, changed) == 200
    texts = await bob_dms(world, 3)
    assert texts[0] == (
        "💬 **mod** replied to your audio report on **The Matrix (1999)**: Which minute?"
    )
    assert [t.split(" ")[0] for t in texts] == ["💬", "✅", "🔁"]
    cog = bot.get_cog("IssuesCog")
    assert isinstance(cog, IssuesCog)
    await cog.update_cards()
    card = card_now(world, issue_id)
    assert "> **mod**: Which minute?" in card["content"]
    assert card["components"][0]["components"][0]["custom_id"] == f"issue:resolve:{issue_id}"


async def test_malformed_issue_webhook_is_a_400_and_writes_nothing(
    world: World, bot: MediaNest
) -> None:
    """An ISSUE_COMMENT whose issue_id is not a number is refused (400); nothing is stored."""
    world.overseerr.add_issue("movie", MATRIX, 1, "Made on the website", user_id=BOB_OVERSEERR)
    payload = world.overseerr.issue_webhook_payload("ISSUE_CREATED", 1)
    payload["issue"]["issue_id"] = "1; DROP TABLE"
    assert await webhook(world, bot, payload) == 400
    payload["issue"] = None
    assert await webhook(world, bot, payload) == 400
    assert await ReportedIssue.all().count() == 0
    assert await IssueCard.all().count() == 0
    assert await OutboxMessage.filter(target_id=HEALTH).count() == 0


async def test_poll_catches_up_without_webhooks(world: World, bot: MediaNest) -> None:
    """With no webhook at all, the poll job finds the comment and DMs Bob once."""
    await report(world)
    [issue_id] = world.overseerr.issues
    world.overseerr.add_issue_comment(issue_id, "Fixed the file", user_id=MOD_OVERSEERR)
    issues = bot.features.get(Issues)
    assert issues is not None
    assert "issues-poll" in bot.jobs.ids()
    await issues.poll()
    await issues.poll()
    [dm] = await bob_dms(world, 1)
    assert "Fixed the file" in dm


async def test_requests_lists_open_issues(world: World, bot: MediaNest) -> None:
    """/requests has an "Open issues" section with Bob's open report."""
    await report(world)
    [issue_id] = world.overseerr.issues
    interaction = await world.discord.slash(world.users["bob"], "requests")
    embed = (await interaction.response())["data"]["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed.get("fields", [])}
    assert fields["Open issues"] == f"`#{issue_id}` **The Matrix (1999)** · audio"


async def test_reporting_something_not_on_plex_is_refused(world: World, bot: MediaNest) -> None:
    """Dune is not on Plex: a clear answer and no issue in Overseerr."""
    interaction = await world.discord.slash(
        world.users["bob"], "issue", {"title": f"movie:{DUNE}", "problem": "video"}
    )
    reply = await interaction.wait_followup()
    assert "isn't on Plex" in reply["content"]
    assert world.overseerr.issues == {}
