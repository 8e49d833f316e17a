"""Approving requests from Discord: a card for every pending Overseerr request, and decisions.

Cards are posted once per Overseerr request id (made here or on the website) and decided
here as the admin's own Overseerr user, or on the website (the poll and webhooks notice).
"""

from __future__ import annotations

import logging

from bot.clients.overseerr import (
    REQUEST_DECLINED,
    REQUEST_PENDING,
    MediaDetails,
    OverseerrClient,
    OverseerrRequest,
)
from bot.errors import DependencyError, NotAllowed, ServiceRejected
from bot.i18n import N_
from bot.services.requests.accounts import Accounts
from bot.services.requests.cards import Cards, already_decided, card_decision, card_view
from bot.services.requests.errors import AlreadyDecided, CardNotFound
from bot.services.requests.following import Follows
from bot.services.requests.progress import StatusUpdates
from bot.services.requests.statuses import status_for
from bot.services.requests.summaries import Decision, label, now
from storage.models import ApprovalCard, CardDecision, MediaRequest

log = logging.getLogger(__name__)
PAGE = 50  # pending requests fetched per page by the approval poll
PAGES = 20  # and at most this many pages per poll
REASON_MAX = 500


class Approvals:
    """Keeps approval cards in step with Overseerr and applies admins' decisions."""

    def __init__(
        self,
        overseerr: OverseerrClient,
        cards: Cards,
        accounts: Accounts,
        progress: StatusUpdates,
        follows: Follows,
    ) -> None:
        self.overseerr = overseerr
        self.cards = cards
        self.accounts = accounts
        self.progress = progress
        self.follows = follows

    async def _post_for(
        self, found: OverseerrRequest, titles: dict[tuple[str, int], MediaDetails]
    ) -> bool:
        """The card for a pending request found in Overseerr (made here or on the website)."""
        rows = await MediaRequest.filter(overseerr_request_id=found.id).order_by("id")
        if rows and rows[0].tmdb_id is not None:
            return await self.cards.post_for_row(rows[0])
        name = f"Overseerr request #{found.id}"
        if found.tmdb_id is not None and found.media_type in ("movie", "tv"):
            key = (found.media_type, found.tmdb_id)
            if key not in titles:
                titles[key] = await self.overseerr.details(*key)
            details = titles[key]
            seasons = found.seasons if found.media_type == "tv" else None
            name = label(details.title, details.year, found.is_4k, seasons)
        if found.requested_by_discord is not None:
            who = f"<@{found.requested_by_discord}>"
        else:
            who = found.requested_by_name or "someone"
        return await self.cards.post(found.id, found.media_type, found.tmdb_id, name, who)

    async def pending_webhook(self, kind: str, request_id: int | None) -> str:
        """MEDIA_PENDING (or an auto-request): post the approval card if it is still pending."""
        if request_id is None or self.cards.channel_id is None:
            return f"{kind} ignored"
        if await ApprovalCard.exists(overseerr_request_id=request_id):
            return f"{kind}: request {request_id} already has an approval card, ignored"
        try:
            found = await self.overseerr.request(request_id)
            if found.status != REQUEST_PENDING:
                return f"{kind}: request {request_id} is no longer pending, ignored"
            posted = await self._post_for(found, {})
        except DependencyError as exc:
            log.info("requests: can't post the card of request %s now: %s", request_id, exc)
            return f"{kind}: Overseerr didn't answer, the poll will post the card"
        return f"{kind}: approval card posted" if posted else f"{kind} ignored"

    async def sync(self) -> int:
        """The poll: a card for every pending request, and settle cards decided elsewhere.

        Returns how many cards were posted or marked decided.
        """
        if self.cards.channel_id is None:
            return 0
        pending: dict[int, OverseerrRequest] = {}
        for page_number in range(PAGES):
            page = await self.overseerr.requests(
                take=PAGE, skip=page_number * PAGE, sort="added", filter="pending"
            )
            pending.update((r.id, r) for r in page if r.status == REQUEST_PENDING)
            if len(page) < PAGE:
                break
        carded = set(
            await ApprovalCard.filter(overseerr_request_id__in=list(pending)).values_list(
                "overseerr_request_id", flat=True
            )
        )
        changes = 0
        titles: dict[tuple[str, int], MediaDetails] = {}
        for found in pending.values():
            if found.id not in carded and await self._post_for(found, titles):
                changes += 1
        for card in await ApprovalCard.filter(decision__isnull=True).order_by("id"):
            if card.overseerr_request_id not in pending:
                changes += int(await self.decided_elsewhere(card.overseerr_request_id))
        return changes

    async def decided_elsewhere(self, request_id: int) -> bool:
        """Mark an undecided card with what Overseerr says now; True when it changed."""
        card = await ApprovalCard.get_or_none(overseerr_request_id=request_id, decision=None)
        if card is None:
            return False
        try:
            found = await self.overseerr.request(request_id)
        except ServiceRejected as exc:
            if exc.status != 404:
                raise
            return await self.cards.settle(card, CardDecision.WITHDRAWN, None)
        decision = card_decision(found)
        if decision is None:
            return False  # still pending: a late or out-of-order event
        return await self.cards.settle(card, decision, found)

    async def decide(
        self,
        overseerr_request_id: int,
        approve: bool,
        admin_discord_id: int,
        admin_plex_user_id: int | None,
        reason: str | None = None,
    ) -> Decision:
        """Approve or decline a pending request from its card, as the admin's Overseerr user.

        Acts with `X-API-User` when the admin's Plex account maps to an Overseerr user, else
        with the API key alone (Overseerr's admin). Raises AlreadyDecided (saying by whom)
        when it was decided already, here or on the website. The returned card text is what
        the message should now show; the card counts as edited (the cog edits it in its
        reply), so it does not come back from `Cards.to_update`.
        """
        card = await ApprovalCard.get_or_none(overseerr_request_id=overseerr_request_id)
        if card is None:
            raise CardNotFound()
        if card.decision is not None:
            raise AlreadyDecided(already_decided(card))
        acting = await self.accounts.acting_user(admin_plex_user_id)
        try:
            current = await self.overseerr.request(overseerr_request_id)
        except ServiceRejected as exc:
            if exc.status != 404:
                raise
            await self.cards.settle(card, CardDecision.WITHDRAWN, None)
            raise AlreadyDecided(already_decided(await ApprovalCard.get(id=card.id))) from exc
        elsewhere = card_decision(current)
        if elsewhere is not None:
            await self.cards.settle(card, elsewhere, current)
            raise AlreadyDecided(already_decided(await ApprovalCard.get(id=card.id)))
        decision = CardDecision.APPROVED if approve else CardDecision.DECLINED
        note = None if approve else " ".join((reason or "").split())[:REASON_MAX] or None
        claimed = await ApprovalCard.filter(id=card.id, decision=None).update(
            decision=decision,
            decided_by=admin_discord_id,
            decided_by_name=None,
            acted_as=acting,
            decided_at=now(),
            reason=note,
            edited_at=now(),
        )
        if not claimed:
            raise AlreadyDecided(already_decided(await ApprovalCard.get(id=card.id)))
        try:
            found = await self.overseerr.decide_request(
                overseerr_request_id, approve, user_id=acting
            )
        except DependencyError as exc:
            # Undo the claim so the buttons work again.
            await ApprovalCard.filter(id=card.id, decided_by=admin_discord_id).update(
                decision=None, decided_by=None, acted_as=None, decided_at=None, reason=None
            )
            if isinstance(exc, ServiceRejected) and exc.status in (401, 403):
                raise NotAllowed(
                    N_(
                        "Overseerr refused: your Overseerr account can't approve or decline "
                        "requests. Ask an Overseerr admin for the Manage Requests permission."
                    )
                ) from exc
            raise
        log.info(
            "requests: admin %s %s Overseerr request %s (as Overseerr user %s)",
            admin_discord_id,
            decision,
            overseerr_request_id,
            acting if acting is not None else "of the API key",
        )
        await self._apply_decision(found)
        card = await ApprovalCard.get(id=card.id)
        message_id = await self.cards.outbox.sent_message_id(card.dedupe_key)
        return Decision(card_view(card, message_id), approve, acting)

    async def _apply_decision(self, found: OverseerrRequest) -> None:
        """Move our requests for a decided Overseerr request and tell followers of a decline."""
        for row in await MediaRequest.filter(overseerr_request_id=found.id).order_by("id"):
            await self.progress.advance(row, status_for(found, row.seasons))
        if found.status == REQUEST_DECLINED and found.tmdb_id is not None:
            await self.follows.try_check_media(found.media_type, found.tmdb_id)
