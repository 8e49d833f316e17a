"""OverseerrIssues against the fake Overseerr (answers checked against the OpenAPI file)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import ValidationError

from bot.clients.overseerr import MEDIA_AVAILABLE, BadAnswer, OverseerrClient
from bot.clients.overseerr.issues import (
    ISSUE_AUDIO,
    ISSUE_OPEN,
    ISSUE_RESOLVED,
    ISSUE_VIDEO,
    IssueWebhookBody,
    OverseerrIssues,
)
from bot.errors import ServiceRejected
from tests.fakes.overseerr import FakeOverseerr, Permission

KEY = "overseerr-key"
MATRIX, DUNE = 603, 438631
REPORTER = 2


@pytest.fixture
async def fake() -> AsyncIterator[FakeOverseerr]:
    """A fake Overseerr with a reporter who may create issues and one movie on Plex."""
    server = FakeOverseerr(api_key=KEY)
    server.add_user(
        REPORTER,
        plex_id=2002,
        plex_username="alice",
        discord_id="111",
        permissions=Permission.REQUEST | Permission.CREATE_ISSUES,
    )
    server.add_user(3, plex_id=3003, plex_username="carol", permissions=Permission.REQUEST)
    server.add_movie(MATRIX, "The Matrix", 1999, status=MEDIA_AVAILABLE)
    server.add_movie(DUNE, "Dune", 2021)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def issues(fake: FakeOverseerr) -> AsyncIterator[OverseerrIssues]:
    """The issue calls on a client pointed at the fake."""
    async with aiohttp.ClientSession() as http:
        yield OverseerrIssues(OverseerrClient(http, fake.url, KEY, timeout=2))


async def test_create_as_the_reporter_then_read_comments(
    fake: FakeOverseerr, issues: OverseerrIssues
) -> None:
    """An issue is made as the reporter (X-API-User) and reads back with its first comment."""
    ref = await issues.media("movie", MATRIX)
    assert ref is not None and ref.status == MEDIA_AVAILABLE
    made = await issues.create(ref.id, ISSUE_AUDIO, "No sound after 10 min", user_id=REPORTER)
    [call] = fake.seen("POST", "/api/v1/issue")
    assert call.headers["X-API-User"] == str(REPORTER)
    assert made.issue_type == ISSUE_AUDIO and made.status == ISSUE_OPEN
    assert (made.media_type, made.tmdb_id, made.created_by) == ("movie", MATRIX, REPORTER)
    [first] = made.comments
    assert first.message == "No sound after 10 min" and first.user_id == REPORTER
    fake.add_issue_comment(made.id, "Looking at it", user_id=1)
    again = await issues.get(made.id)
    assert [c.message for c in again.comments] == ["No sound after 10 min", "Looking at it"]
    assert [i.id for i in await issues.list(filter="open")] == [made.id]


async def test_resolve_and_reopen_as_the_admin(
    fake: FakeOverseerr, issues: OverseerrIssues
) -> None:
    """Resolving and reopening act as the given user; the answer carries the new status."""
    ref = await issues.media("movie", MATRIX)
    assert ref is not None
    made = await issues.create(ref.id, ISSUE_VIDEO, "Green picture", user_id=REPORTER)
    resolved = await issues.set_resolved(made.id, True, user_id=1)
    assert resolved.status == ISSUE_RESOLVED and resolved.resolved
    assert fake.seen("POST", f"/api/v1/issue/{made.id}/resolved")[0].headers["X-API-User"] == "1"
    assert not (await issues.set_resolved(made.id, False)).resolved


async def test_media_unknown_to_overseerr_has_no_ref(issues: OverseerrIssues) -> None:
    """A title Overseerr holds no media record of answers None (nothing to report)."""
    assert await issues.media("movie", DUNE) is None


async def test_refusals_raise_service_rejected(
    fake: FakeOverseerr, issues: OverseerrIssues
) -> None:
    """A user without the issue permission, or an unknown issue, is a ServiceRejected."""
    ref = await issues.media("movie", MATRIX)
    assert ref is not None
    with pytest.raises(ServiceRejected) as refused:
        await issues.create(ref.id, ISSUE_VIDEO, "x", user_id=3)
    assert refused.value.status == 403
    with pytest.raises(ServiceRejected) as missing:
        await issues.get(99)
    assert missing.value.status == 404


async def test_malformed_issue_is_a_bad_answer(
    fake: FakeOverseerr, issues: OverseerrIssues
) -> None:
    """An issue type outside 1..4 in an answer is one BadAnswer naming the field."""
    fake.fail_next("GET", "/api/v1/issue/1", 200, body={"id": 1, "issueType": 9})
    with pytest.raises(BadAnswer) as bad:
        await issues.get(1)
    assert "issueType" in bad.value.message


async def test_issue_webhook_body_reads_the_default_template(fake: FakeOverseerr) -> None:
    """The fake's ISSUE_COMMENT payload reads; an issue_id that is not a number does not."""
    fake.add_movie(1, "Heat", 1995, status=MEDIA_AVAILABLE)
    issue = fake.add_issue("movie", 1, ISSUE_VIDEO, "Blurry", user_id=REPORTER)
    comment = fake.add_issue_comment(issue["id"], "Fixed?", user_id=1)
    payload = fake.issue_webhook_payload("ISSUE_COMMENT", issue["id"], comment["id"])
    body = IssueWebhookBody.model_validate(payload)
    assert body.issue.issue_id == issue["id"] and body.issue.reported_by_discord == 111
    assert body.comment is not None and body.comment.comment_message == "Fixed?"
    payload["issue"]["issue_id"] = "abc"
    with pytest.raises(ValidationError):
        IssueWebhookBody.model_validate(payload)
