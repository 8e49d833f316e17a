"""Reporting: titles on Plex only, as the member's own Overseerr user, checks come first."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput, NotAllowed, RateLimited, ServiceRejected
from bot.services.requests import NoOverseerrAccount
from storage.models import IssueCard, ReportedIssue
from tests.services.issues import reporters
from tests.services.issues.reporters import (
    ALICE,
    ALICE_OVERSEERR,
    BOB,
    BOB_PLEX,
    CARDS,
    DUNE,
    GOT,
    MATRIX,
    World,
    posts,
)

fake, world = reporters.fake, reporters.world  # the fixtures of this world


async def test_suggestions_are_only_titles_on_plex(world: World) -> None:
    """The title autocomplete offers what is (partly) on Plex and leaves the rest out."""
    world.fake.add_movie(1, "The Matrix Resurrections", 2021)
    names = [c.name for c in await world.issues.suggest("matrix")]
    assert names == ["The Matrix (1999) · Movie"]
    [show] = await world.issues.suggest("thrones")
    assert (show.name, show.value) == ("Game of Thrones (2011) · TV", f"tv:{GOT}")
    assert await world.issues.suggest("   ") == []


async def test_report_acts_as_the_member_and_posts_one_card(db: str, world: World) -> None:
    """The issue is made with X-API-User of the member, stored once, and gets a Resolve card."""
    issue_id = await world.report(message="  No   sound  ")
    [call] = world.fake.seen("POST", "/api/v1/issue")
    assert call.headers["X-API-User"] == str(ALICE_OVERSEERR)
    assert call.json == {"issueType": 2, "message": "No sound", "mediaId": 1}
    row = await ReportedIssue.get(overseerr_issue_id=issue_id)
    assert (row.discord_id, row.title, row.year, row.resolved) == (ALICE, "The Matrix", 1999, False)
    [card] = await posts(CARDS)
    assert "The Matrix (1999)" in card.content and f"<@{ALICE}>" in card.content
    assert "> **alice**: No sound" in card.content
    assert card.buttons == [
        {
            "label": "Resolve",
            "custom_id": f"issue:resolve:{issue_id}",
            "url": None,
            "style": "success",
        }
    ]
    assert await IssueCard.all().count() == 1


async def test_typed_text_names_a_title_on_plex(db: str, world: World) -> None:
    """Free text that names one title on Plex works like picking it; the message may be empty."""
    issue_id = await world.report("the matrix (1999)", "subtitles", None)
    issue = world.fake.issues[issue_id]
    assert issue["issueType"] == 3
    assert issue["comments"][0]["message"] == "A subtitles problem, reported from Discord."


async def test_bad_reports_make_nothing(db: str, world: World) -> None:
    """Off Plex, unknown problem, no account or no permission: nothing made, nothing stored."""
    with pytest.raises(InvalidInput, match="isn't on Plex"):
        await world.report(f"movie:{DUNE}")
    with pytest.raises(InvalidInput, match="Nothing on Plex"):
        await world.report("Dune")
    with pytest.raises(InvalidInput, match="video, audio, subtitles or other"):
        await world.report(problem="smell")
    with pytest.raises(NoOverseerrAccount, match="report issues"):
        await world.issues.report(BOB, 999, f"movie:{MATRIX}", "video", "x")
    with pytest.raises(NotAllowed, match="Report Issues"):
        await world.issues.report(BOB, BOB_PLEX, f"movie:{MATRIX}", "video", "x")
    assert world.fake.issues == {}
    assert await ReportedIssue.all().count() == 0


async def test_reports_are_rate_limited(db: str, world: World) -> None:
    """A member over the rate gets RateLimited before anything is made in Overseerr."""
    world.issues = world.build(rate="1/hour")
    await world.report()
    with pytest.raises(RateLimited):
        await world.report()
    assert len(world.fake.issues) == 1


async def test_a_malformed_answer_stores_nothing(db: str, world: World) -> None:
    """Overseerr answering the POST with a bad issue type is a clear error; nothing stored."""
    world.fake.fail_next("POST", "/issue", 201, body={"id": 5, "issueType": 7})
    with pytest.raises(ServiceRejected, match="issueType"):
        await world.report()
    assert await ReportedIssue.all().count() == 0
    assert await IssueCard.all().count() == 0


async def test_open_issues_lists_the_members_open_reports(db: str, world: World) -> None:
    """open_issues holds the member's unresolved reports, newest first."""
    first = await world.report()
    second = await world.report(f"tv:{GOT}", "video", "Blocky")
    await ReportedIssue.filter(overseerr_issue_id=first).update(resolved=True)
    [shown] = await world.issues.open_issues(ALICE)
    assert (shown.id, shown.label, shown.problem) == (second, "Game of Thrones (2011)", "video")
    assert await world.issues.open_issues(BOB) == []
