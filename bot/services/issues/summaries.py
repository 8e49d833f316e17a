"""What the issue services hand the cogs: plain views, and the texts of cards and DMs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clients.overseerr.issues import ISSUE_TYPES
from bot.i18n import N_, Msg
from bot.i18n.messages import joined
from bot.services.outbox import Button
from storage.models import IssueCard, ReportedIssue

PROBLEMS = ISSUE_TYPES  # "video" -> 1, "audio" -> 2, "subtitles" -> 3, "other" -> 4
PROBLEM_NAMES = {number: name for name, number in ISSUE_TYPES.items()}
# What each problem is called in a sentence ("a video problem").
PROBLEM_WORDS = {
    "video": N_("video"),
    "audio": N_("audio"),
    "subtitles": N_("subtitles"),
    "other": N_("other"),
}
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
    content: Msg
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
    return [Button(N_("Resolve"), custom_id=f"issue:resolve:{overseerr_issue_id}", style="success")]


def short(text: str, limit: int = COMMENT_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem_word(row: ReportedIssue) -> Msg:
    return Msg(PROBLEM_WORDS[PROBLEM_NAMES.get(row.issue_type, "other")])


def card_text(row: ReportedIssue, card: IssueCard) -> Msg:
    """The card: what and who, the comment thread, and how it was resolved."""
    who = f"<@{row.discord_id}>" if row.discord_id else Msg("someone on Overseerr")
    kind = Msg("movie") if row.media_type == "movie" else Msg("TV")
    lines: list[Msg | str] = [
        Msg(
            "🛠️ **{title}** ({kind}): {who} reported a **{problem}** problem. "
            "Overseerr issue #{id}.",
            title=label(row.title, row.year),
            kind=kind,
            who=who,
            problem=problem_word(row),
            id=row.overseerr_issue_id,
        )
    ]
    for comment in row.thread[-THREAD_KEPT:]:
        lines.append(f"> **{comment['who']}**: {comment['message']}")
    if row.resolved:
        lines.append(Msg("✅ {how}.", how=resolved_how(card)))
    return joined(lines)


def resolved_how(card: IssueCard) -> Msg:
    when = f" <t:{int(card.resolved_at.timestamp())}:R>" if card.resolved_at else ""
    if card.resolved_by is not None:
        return Msg("Resolved by {admin}{when}", admin=f"<@{card.resolved_by}>", when=when)
    if card.resolved_by_name:
        return Msg("Resolved on Overseerr by {name}{when}", name=card.resolved_by_name, when=when)
    return Msg("Resolved on Overseerr{when}", when=when)


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


def comment_dm(row: ReportedIssue, who: str | Msg, message: str) -> Msg:
    return Msg(
        "💬 **{who}** replied to your {problem} report on **{title}**: {message}",
        who=who,
        problem=problem_word(row),
        title=label(row.title, row.year),
        message=short(message),
    )


def status_dm(row: ReportedIssue) -> Msg:
    what = label(row.title, row.year)
    if row.resolved:
        return Msg(
            "✅ Your report on **{title}** was marked resolved. Thanks for letting us know!",
            title=what,
        )
    return Msg(
        "🔁 Your report on **{title}** was reopened: someone is looking at it again.", title=what
    )
