"""Tracking: webhooks and the poll tell the reporter once per comment and status change."""

from __future__ import annotations

import pytest

from bot.services.issues import IssueAlreadyResolved
from bot.services.issues.tracking import Known
from bot.services.requests import InvalidWebhook
from storage.models import IssueCard, OutboxMessage, ReportedIssue
from tests.services.issues import reporters
from tests.services.issues.reporters import (
    ADMIN,
    ADMIN_PLEX,
    ALICE,
    ALICE_OVERSEERR,
    CARDS,
    MATRIX,
    MOD_OVERSEERR,
    World,
    delivered_cards,
    dms,
    posts,
)

fake, world = reporters.fake, reporters.world  # the fixtures of this world


async def test_comment_webhook_dms_the_reporter_once(db: str, world: World) -> None:
    """A moderator's comment is DMed once however often the webhook comes; the card is due."""
    issue_id = await world.report()
    comment = world.fake.add_issue_comment(issue_id, "Re-encoding it", user_id=MOD_OVERSEERR)
    payload = world.fake.issue_webhook_payload("ISSUE_COMMENT", issue_id, comment["id"])
    for _ in range(2):
        assert await world.issues.handle_webhook(payload) == (
            f"ISSUE_COMMENT: issue {issue_id} checked"
        )
    assert await dms(ALICE) == [
        "💬 **mod** replied to your audio report on **The Matrix (1999)**: Re-encoding it"
    ]
    await delivered_cards()
    [due] = await world.issues.cards_to_update()
    assert "> **mod**: Re-encoding it" in due.content.english() and due.buttons


async def test_own_comments_are_not_dmed(db: str, world: World) -> None:
    """The reporter's own follow-up shows on the card but is not DMed back to them."""
    issue_id = await world.report()
    world.fake.add_issue_comment(issue_id, "Still broken", user_id=ALICE_OVERSEERR)
    assert await world.issues.poll() == 1
    assert await dms(ALICE) == []
    row = await ReportedIssue.get(overseerr_issue_id=issue_id)
    assert [c["message"] for c in row.thread] == ["Hiss", "Still broken"]


async def test_resolved_reopened_resolved_each_dmed_once(db: str, world: World) -> None:
    """Each status change is one DM, repeated webhooks and polls add none."""
    issue_id = await world.report()
    issues = world.issues
    for status, kind in ((2, "ISSUE_RESOLVED"), (1, "ISSUE_REOPENED"), (2, "ISSUE_RESOLVED")):
        world.fake.set_issue_status(issue_id, status, user_id=MOD_OVERSEERR)
        payload = world.fake.issue_webhook_payload(kind, issue_id)
        await issues.handle_webhook(payload)
        await issues.handle_webhook(payload)
        await issues.poll()
    texts = await dms(ALICE)
    assert len(texts) == 3
    assert [t.split(" ")[0] for t in texts] == ["✅", "🔁", "✅"]
    row = await ReportedIssue.get(overseerr_issue_id=issue_id)
    assert (row.resolved, row.status_changes) == (True, 3)
    await delivered_cards()
    [due] = await issues.cards_to_update()
    assert "Resolved on Overseerr by mod" in due.content.english() and due.buttons == ()


async def test_poll_is_the_fallback_when_webhooks_are_lost(db: str, world: World) -> None:
    """No webhook at all: the poll finds the comment and the resolution, and DMs each once."""
    issue_id = await world.report()
    world.fake.add_issue_comment(issue_id, "Fixed the file", user_id=MOD_OVERSEERR)
    world.fake.set_issue_status(issue_id, 2, user_id=MOD_OVERSEERR)
    assert await world.issues.poll() == 1
    await world.issues.poll()
    texts = await dms(ALICE)
    assert len(texts) == 2 and "Fixed the file" in texts[0] and "resolved" in texts[1]


async def test_webhook_while_overseerr_is_down_leaves_it_to_the_poll(db: str, world: World) -> None:
    """Overseerr not answering the read-back: the webhook is accepted, the poll tells later."""
    issue_id = await world.report()
    comment = world.fake.add_issue_comment(issue_id, "On it", user_id=MOD_OVERSEERR)
    payload = world.fake.issue_webhook_payload("ISSUE_COMMENT", issue_id, comment["id"])
    world.fake.fail_next("GET", f"/issue/{issue_id}", 503)
    result = await world.issues.handle_webhook(payload)
    assert result == "ISSUE_COMMENT: Overseerr didn't answer, the poll will catch up"
    assert await dms(ALICE) == []
    await world.issues.poll()
    assert len(await dms(ALICE)) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.update(issue=None),
        lambda p: p["issue"].update(issue_id="twelve"),
        lambda p: p["issue"].pop("issue_id"),
        lambda p: p.update(notification_type="ISSUE_EXPLODED"),
        lambda p: p["media"].update(media_type="book"),
    ],
    ids=["no issue", "issue_id not a number", "no issue_id", "unknown type", "bad media"],
)
async def test_malformed_issue_webhooks_write_nothing(db: str, world: World, change) -> None:  # type: ignore[no-untyped-def]
    """A malformed ISSUE_* body is InvalidWebhook before anything is read or written."""
    world.fake.add_issue("movie", MATRIX, 1, "Made on the website", user_id=ALICE_OVERSEERR)
    payload = world.fake.issue_webhook_payload("ISSUE_CREATED", 1)
    change(payload)
    with pytest.raises(InvalidWebhook):
        await world.issues.handle_webhook(payload)
    assert await ReportedIssue.all().count() == 0
    assert await OutboxMessage.all().count() == 0
    assert world.fake.seen("GET", "/api/v1/issue") == []


async def test_an_issue_made_on_the_website_gets_a_card(db: str, world: World) -> None:
    """ISSUE_CREATED for a website issue stores it (no Discord reporter) and posts its card."""
    world.fake.add_issue("movie", MATRIX, 1, "Out of sync", user_id=ALICE_OVERSEERR)
    await world.issues.handle_webhook(world.fake.issue_webhook_payload("ISSUE_CREATED", 1))
    [card] = await posts(CARDS)
    assert "alice" in card.content and "video" in card.content and "Out of sync" in card.content
    assert (await ReportedIssue.get(overseerr_issue_id=1)).discord_id is None


async def test_resolve_from_the_card_acts_as_the_admin(db: str, world: World) -> None:
    """Resolve closes the issue as the admin's Overseerr user and DMs the reporter once."""
    issue_id = await world.report()
    card = await world.issues.resolve(issue_id, ADMIN, ADMIN_PLEX)
    [call] = world.fake.seen("POST", f"/api/v1/issue/{issue_id}/resolved")
    assert call.headers["X-API-User"] == "1"
    assert world.fake.issues[issue_id]["status"] == 2
    assert f"Resolved by <@{ADMIN}>" in card.content.english() and card.buttons == ()
    assert (await IssueCard.get(overseerr_issue_id=issue_id)).acted_as == 1
    with pytest.raises(IssueAlreadyResolved):
        await world.issues.resolve(issue_id, ADMIN, ADMIN_PLEX)
    await world.issues.handle_webhook(world.fake.issue_webhook_payload("ISSUE_RESOLVED", issue_id))
    assert len(await dms(ALICE)) == 1
    await delivered_cards()
    assert await world.issues.cards_to_update() == []


async def test_created_webhook_before_the_post_answered(db: str, world: World) -> None:
    """ISSUE_CREATED landing before our POST returned: the reporter is added, no second card."""
    made = world.fake.add_issue("movie", MATRIX, 2, "Hiss", user_id=ALICE_OVERSEERR)
    tracking = world.tracker()
    await tracking.handle_webhook(world.fake.issue_webhook_payload("ISSUE_CREATED", made["id"]))
    issue = await tracking.issues.get(made["id"])
    await tracking.track(issue, Known(discord_id=ALICE, title="The Matrix", year=1999))
    assert (await ReportedIssue.get(overseerr_issue_id=made["id"])).discord_id == ALICE
    assert len(await posts(CARDS)) == 1
    await delivered_cards()
    [due] = await tracking.cards_to_update()
    assert f"<@{ALICE}>" in due.content.english()


async def test_poll_survives_a_deleted_and_an_unreadable_issue(db: str, world: World) -> None:
    """A deleted issue stops being followed (no DM); a malformed one doesn't stop the round."""
    gone = await world.report()
    broken = await world.report(message="Crackle")
    fine = await world.report(message="Pop")
    del world.fake.issues[gone]
    world.fake.fail_next("GET", f"/issue/{broken}", 200, body={"id": broken, "issueType": "x"})
    world.fake.add_issue_comment(fine, "Swapped the file", user_id=MOD_OVERSEERR)
    assert await world.issues.poll() == 1
    assert (await ReportedIssue.get(overseerr_issue_id=gone)).resolved
    [dm] = await dms(ALICE)
    assert "Swapped the file" in dm


async def test_website_issue_whose_title_cannot_be_read_waits_for_the_poll(
    db: str, world: World
) -> None:
    """ISSUE_CREATED while Overseerr can't load the title: accepted, stored by the next poll."""
    made = world.fake.add_issue("movie", MATRIX, 4, "Wrong film", user_id=ALICE_OVERSEERR)
    world.fake.fail_next("GET", f"/movie/{MATRIX}", 503)
    payload = world.fake.issue_webhook_payload("ISSUE_CREATED", made["id"])
    result = await world.issues.handle_webhook(payload)
    assert result == "ISSUE_CREATED: Overseerr didn't answer, the poll will catch up"
    assert await ReportedIssue.all().count() == 0
    assert await world.issues.poll() == 1
    row = await ReportedIssue.get(overseerr_issue_id=made["id"])
    assert (row.title, row.issue_type) == ("The Matrix", 4)
    assert len(await posts(CARDS)) == 1
