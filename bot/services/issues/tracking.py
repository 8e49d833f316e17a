"""Following Overseerr issues: ISSUE_* webhooks, the poll as their fallback, cards, Resolve.

Everything Overseerr says about an issue goes through `track`, which compares it with the
stored row: a comment not by the reporter is DMed once (keyed by comment id), a status
change once (keyed by how many changes were seen), and the admin card is marked for an
edit. Webhooks only say *that* something happened; `track` always reads the issue itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from tortoise.exceptions import IntegrityError

from bot.clients.overseerr import OverseerrClient, OverseerrUser
from bot.clients.overseerr.issues import IssueWebhookBody, OverseerrIssue, OverseerrIssues
from bot.clients.overseerr.models import describe
from bot.errors import DependencyError, ServiceRejected, UserError
from bot.i18n import N_, Msg
from bot.services.issues.summaries import (
    THREAD_KEPT,
    IssueCardView,
    card_text,
    card_view,
    comment_dm,
    resolve_buttons,
    short,
    status_dm,
)
from bot.services.outbox import Outbox
from bot.services.places import Places
from bot.services.requests import InvalidWebhook, NoOverseerrAccount
from storage.models import IssueCard, OutboxMessage, ReportedIssue

log = logging.getLogger(__name__)

FindUser = Callable[[int], Awaitable[OverseerrUser]]
POLL_PAGE = 50  # issues read per poll, newest change first
POLL_OPEN = 50  # and at most this many of our open ones re-read besides


class IssueNotFound(UserError):
    message = N_("I don't know that issue any more. Look it up on Overseerr.")


class IssueAlreadyResolved(UserError):
    message = N_("That issue is already resolved.")


@dataclass(frozen=True)
class Known:
    """What the bot already knows of a new issue's reporter and title, when it made it."""

    discord_id: int | None = None
    title: str | None = None
    year: int | None = None


def now() -> datetime:
    return datetime.now(UTC)


class IssueTracker:
    """Keeps ReportedIssue rows and cards in step with Overseerr, and tells the reporter."""

    def __init__(
        self, overseerr: OverseerrClient, outbox: Outbox, find_user: FindUser, places: Places
    ) -> None:
        self.overseerr = overseerr
        self.issues = OverseerrIssues(overseerr)
        self.outbox = outbox
        self.find_user = find_user
        self.places = places

    @property
    def approval_channel_id(self) -> int | None:
        """Issue cards: the issues channel, else the approval channel, else the health channel."""
        return self.places.issues_channel

    # -- one issue ------------------------------------------------------------------------

    async def track(self, issue: OverseerrIssue, known: Known = Known()) -> ReportedIssue:
        """Record what Overseerr says of one issue; DM and mark the card for what is new."""
        row = await ReportedIssue.get_or_none(overseerr_issue_id=issue.id)
        if row is None:
            created = await self._first_seen(issue, known)
            if created is not None:
                return created
            row = await ReportedIssue.get(overseerr_issue_id=issue.id)  # made concurrently
        if known.discord_id is not None and row.discord_id is None:
            # The ISSUE_CREATED webhook can land before `POST /issue` has answered us.
            row.discord_id = known.discord_id
            await row.save(update_fields=["discord_id"])
            await IssueCard.filter(overseerr_issue_id=issue.id).update(edit_due=True)
        await self._apply(row, issue)
        return row

    async def _first_seen(self, issue: OverseerrIssue, known: Known) -> ReportedIssue | None:
        """Store an issue seen for the first time (nothing to DM yet); post its card if open."""
        title, year = known.title, known.year
        if title is None:
            title, year = f"Overseerr issue #{issue.id}", None
            if issue.media_type in ("movie", "tv") and issue.tmdb_id is not None:
                details = await self.overseerr.details(issue.media_type, issue.tmdb_id)
                title, year = details.title or title, details.year
        try:
            row = await ReportedIssue.create(
                overseerr_issue_id=issue.id,
                discord_id=known.discord_id,
                overseerr_user_id=issue.created_by,
                media_type=issue.media_type or "movie",
                tmdb_id=issue.tmdb_id,
                title=title[:500],
                year=year,
                issue_type=issue.issue_type,
                resolved=issue.resolved,
                last_comment_id=max((c.id for c in issue.comments), default=0),
                thread=[_entry(c.user_name, c.message) for c in issue.comments][-THREAD_KEPT:],
                overseerr_updated_at=issue.updated_at,
            )
        except IntegrityError:
            return None
        log.info("issues: now following Overseerr issue %s (%s)", issue.id, row.title)
        if not row.resolved:
            await self._post_card(row)
        return row

    async def _apply(self, row: ReportedIssue, issue: OverseerrIssue) -> None:
        new = [c for c in issue.comments if c.id > row.last_comment_id]
        status_changed = issue.resolved != row.resolved
        row.overseerr_updated_at = issue.updated_at
        for comment in new:
            row.thread = [*row.thread, _entry(comment.user_name, comment.message)][-THREAD_KEPT:]
            if row.discord_id is not None and comment.user_id != row.overseerr_user_id:
                key = f"issue:{row.overseerr_issue_id}:comment:{comment.id}"
                who = comment.user_name or Msg("Someone")
                text = comment_dm(row, who, comment.message)
                await self.outbox.dm(key, row.discord_id, text)
        if new:
            row.last_comment_id = max(c.id for c in new)
        if status_changed:
            row.resolved = issue.resolved
            row.status_changes += 1
            if row.discord_id is not None:
                what = "resolved" if row.resolved else "reopened"
                key = f"issue:{row.overseerr_issue_id}:{what}:{row.status_changes}"
                await self.outbox.dm(key, row.discord_id, status_dm(row))
        await row.save()
        if new or status_changed:
            await self._card_follows(row, issue)

    async def _card_follows(self, row: ReportedIssue, issue: OverseerrIssue) -> None:
        card = await IssueCard.get_or_none(overseerr_issue_id=row.overseerr_issue_id)
        if card is None:
            if not row.resolved:
                await self._post_card(row)
            return
        if row.resolved and card.resolved_at is None:
            card.resolved_by_name, card.resolved_at = issue.modified_by_name, now()
        elif not row.resolved:
            card.resolved_by = card.resolved_by_name = card.acted_as = card.resolved_at = None
        card.edit_due = True
        await card.save()

    async def _post_card(self, row: ReportedIssue) -> None:
        """Post (once) the admin card of an open issue, when there is an approval channel."""
        channel = self.approval_channel_id
        if channel is None:
            return
        key = f"issue-card:{row.overseerr_issue_id}"
        try:
            card = await IssueCard.create(
                overseerr_issue_id=row.overseerr_issue_id, channel_id=channel, dedupe_key=key
            )
        except IntegrityError:
            return
        buttons = resolve_buttons(row.overseerr_issue_id)
        await self.outbox.post(key, channel, card_text(row, card), buttons=buttons)

    # -- webhooks and the poll ------------------------------------------------------------

    async def handle_webhook(self, payload: Any) -> str:
        """One ISSUE_* webhook; InvalidWebhook (nothing written) when a field is malformed."""
        try:
            body = IssueWebhookBody.model_validate(payload)
        except ValidationError as exc:
            raise InvalidWebhook(f"issue webhook: {describe(exc)}") from exc
        kind, issue_id = body.notification_type, body.issue.issue_id
        try:
            await self.track(await self.issues.get(issue_id))
        except ServiceRejected as exc:
            if exc.status == 404:
                return f"{kind}: issue {issue_id} is gone, ignored"
            log.warning("issues: can't read issue %s after %s: %s", issue_id, kind, exc)
            return f"{kind}: Overseerr's answer was unusable, the poll will catch up"
        except DependencyError as exc:
            log.info("issues: can't read issue %s after %s: %s", issue_id, kind, exc)
            return f"{kind}: Overseerr didn't answer, the poll will catch up"
        return f"{kind}: issue {issue_id} checked"

    async def poll(self) -> int:
        """Re-read issues that changed in Overseerr, and our open ones; how many were read."""
        changed = await self.issues.list(filter="all", sort="modified", take=POLL_PAGE)
        known = ReportedIssue.filter(overseerr_issue_id__in=[s.id for s in changed])
        rows = {r.overseerr_issue_id: r for r in await known}
        read: set[int] = set()
        for summary in changed:
            row = rows.get(summary.id)
            if row is None and summary.resolved:
                continue  # resolved before we ever saw it: nothing to tell or card to show
            if (
                row is not None
                and row.resolved == summary.resolved
                and row.overseerr_updated_at == summary.updated_at
            ):
                continue  # unchanged; an open one is re-read below for its comments
            if await self._reread(summary.id):
                read.add(summary.id)
        still_open = ReportedIssue.filter(resolved=False)
        if read:
            still_open = still_open.exclude(overseerr_issue_id__in=list(read))
        for row in await still_open.order_by("-overseerr_issue_id").limit(POLL_OPEN):
            if await self._reread(row.overseerr_issue_id):
                read.add(row.overseerr_issue_id)
        return len(read)

    async def _reread(self, issue_id: int) -> bool:
        try:
            issue = await self.issues.get(issue_id)
        except ServiceRejected as exc:
            if exc.status != 404:
                # One unreadable issue must not hold up the others; the next poll tries again.
                log.warning("issues: can't read issue %s: %s", issue_id, exc)
                return False
            # Deleted in Overseerr: stop following it, without a DM.
            await ReportedIssue.filter(overseerr_issue_id=issue_id).update(resolved=True)
            await IssueCard.filter(overseerr_issue_id=issue_id).update(edit_due=True)
            return False
        await self.track(issue)
        return True

    # -- cards ----------------------------------------------------------------------------

    async def resolve(
        self, issue_id: int, admin_discord_id: int, admin_plex_user_id: int | None
    ) -> IssueCardView:
        """Resolve an issue from its card, as the admin's own Overseerr user when linked."""
        card = await IssueCard.get_or_none(overseerr_issue_id=issue_id)
        row = await ReportedIssue.get_or_none(overseerr_issue_id=issue_id)
        if card is None or row is None:
            raise IssueNotFound()
        if row.resolved:
            raise IssueAlreadyResolved()
        acting: int | None = None
        if admin_plex_user_id is not None:
            with contextlib.suppress(NoOverseerrAccount):
                acting = (await self.find_user(admin_plex_user_id)).id
        issue = await self.issues.set_resolved(issue_id, True, user_id=acting)
        card.resolved_by, card.acted_as, card.resolved_at = admin_discord_id, acting, now()
        await card.save()
        await self._apply(row, issue)
        await IssueCard.filter(id=card.id).update(edit_due=False)  # the press edits the message
        log.info("issues: %s resolved issue %s (as %s)", admin_discord_id, issue_id, acting)
        return card_view(row, card, await _message_id(card.dedupe_key))

    async def cards_to_update(self) -> list[IssueCardView]:
        """Posted cards whose message no longer shows the issue as it is."""
        cards = await IssueCard.filter(edit_due=True)
        rows = {
            r.overseerr_issue_id: r
            for r in await ReportedIssue.filter(
                overseerr_issue_id__in=[c.overseerr_issue_id for c in cards]
            )
        }
        found = []
        for card in cards:
            message_id = await _message_id(card.dedupe_key)
            row = rows.get(card.overseerr_issue_id)
            if message_id is not None and row is not None:
                found.append(card_view(row, card, message_id))
        return found

    async def card_edited(self, card_id: int) -> None:
        await IssueCard.filter(id=card_id).update(edit_due=False)


def _entry(who: str | None, message: str) -> dict[str, object]:
    return {"who": short(who or "someone", 60), "message": short(message)}


async def _message_id(dedupe_key: str) -> int | None:
    row = await OutboxMessage.get_or_none(dedupe_key=dedupe_key, message_id__not_isnull=True)
    return row.message_id if row is not None else None
