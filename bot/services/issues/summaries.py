"""What the issue services hand the cogs: plain views, and the texts of cards and DMs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clients.overseerr.issues import ISSUE_TYPES
from bot.services.outbox import Button
from storage.models import IssueCard, ReportedIssue

PROBLEMS = ISSUE_TYPES  # "video" -> 1, "audio" -> 2, "subtitles" -> 3, "other" -> 4
PROBLEM_NAMES = {number: name for name, number in ISSUE_TYPES.items()}
THREAD_KEPT = 10  # comments a card shows (the newest); Overseerr keeps them all
COMMENT_MAX = 300  # characters of one comment on a card or in a DM


@dataclass(frozen=True)
class IssueView:
    """A reported issue as the cogs show it; `id` is Overseerr's issue id."""

    id: int
    discord_id: int | None
    title: str
    year: int | None
    media_type: str
    problem: str
    resolved: bool
    created_at: datetime

    @property
    def label(self) -> str:
        return label(self.title, self.year)


@dataclass(frozen=True)
class IssueCardView:
    """An issue card: the message's text and buttons now."""

    id: int
    overseerr_issue_id: int
    channel_id: int
    message_id: int | None  # None until the outbox has posted it
    content: str
    buttons: tuple[Button, ...]  # Resolve while open, none once resolved
    resolved: bool


def label(title: str, year: int | None) -> str:
    return f"{title} ({year})" if year else title


def view(row: ReportedIssue) -> IssueView:
    return IssueView(
        id=row.overseerr_issue_id,
        discord_id=row.discord_id,
        title=row.title,
        year=row.year,
        media_type=row.media_type,
        problem=PROBLEM_NAMES.get(row.issue_type, "other"),
        resolved=row.resolved,
        created_at=row.created_at,
    )


def resolve_buttons(overseerr_issue_id: int) -> list[Button]:
    """Resolve, with the stable custom id the persistent handler matches."""
    return [Button("Resolve", custom_id=f"issue:resolve:{overseerr_issue_id}", style="success")]


def short(text: str, limit: int = COMMENT_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card_text(row: ReportedIssue, card: IssueCard) -> str:
    """The card: what and who, the comment thread, and how it was resolved."""
    who = f"<@{row.discord_id}>" if row.discord_id else "someone on Overseerr"
    kind = "movie" if row.media_type == "movie" else "TV"
    problem = PROBLEM_NAMES.get(row.issue_type, "other")
    lines = [
        f"🛠️ **{label(row.title, row.year)}** ({kind}): {who} reported a **{problem}** problem. "
        f"Overseerr issue #{row.overseerr_issue_id}."
    ]
    for comment in row.thread[-THREAD_KEPT:]:
        lines.append(f"> **{comment['who']}**: {comment['message']}")
    if row.resolved:
        lines.append(f"✅ {resolved_how(card)}.")
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1999] + "…"


def resolved_how(card: IssueCard) -> str:
    when = f" <t:{int(card.resolved_at.timestamp())}:R>" if card.resolved_at else ""
    if card.resolved_by is not None:
        return f"Resolved by <@{card.resolved_by}>{when}"
    if card.resolved_by_name:
        return f"Resolved on Overseerr by {card.resolved_by_name}{when}"
    return f"Resolved on Overseerr{when}"


def card_view(row: ReportedIssue, card: IssueCard, message_id: int | None) -> IssueCardView:
    return IssueCardView(
        id=card.id,
        overseerr_issue_id=card.overseerr_issue_id,
        channel_id=card.channel_id,
        message_id=message_id,
        content=card_text(row, card),
        buttons=() if row.resolved else tuple(resolve_buttons(card.overseerr_issue_id)),
        resolved=row.resolved,
    )


def comment_dm(row: ReportedIssue, who: str, message: str) -> str:
    return (
        f"💬 **{who}** replied to your {PROBLEM_NAMES.get(row.issue_type, 'other')} report on "
        f"**{label(row.title, row.year)}**: {short(message)}"
    )


def status_dm(row: ReportedIssue) -> str:
    what = label(row.title, row.year)
    if row.resolved:
        return f"✅ Your report on **{what}** was marked resolved. Thanks for letting us know!"
    return f"🔁 Your report on **{what}** was reopened: someone is looking at it again."
