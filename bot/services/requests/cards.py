"""Approval cards: the message posted once per pending Overseerr request, and how it reads."""

from __future__ import annotations

import contextlib
import logging

from tortoise.exceptions import IntegrityError

from bot.clients.overseerr import REQUEST_DECLINED, REQUEST_PENDING, OverseerrRequest
from bot.i18n import N_, Msg
from bot.i18n.messages import joined
from bot.services.outbox import Button, Outbox
from bot.services.places import Places
from bot.services.requests.errors import CardNotFound
from bot.services.requests.summaries import ApprovalCardView, label_of, now
from storage.models import ApprovalCard, CardDecision, MediaRequest

log = logging.getLogger(__name__)


def approval_buttons(overseerr_request_id: int) -> list[Button]:
    """Approve and Decline, with the stable custom ids the persistent handler matches."""
    return [
        Button(
            N_("Approve"), custom_id=f"approval:approve:{overseerr_request_id}", style="success"
        ),
        Button(N_("Decline"), custom_id=f"approval:decline:{overseerr_request_id}", style="danger"),
    ]


def card_view(card: ApprovalCard, message_id: int | None) -> ApprovalCardView:
    """A card as the message should read now: the decision appended, buttons gone once decided."""
    decision = CardDecision(card.decision) if card.decision is not None else None
    content = Msg.from_json(card.message) if card.message else joined([card.content])
    buttons: tuple[Button, ...] = tuple(approval_buttons(card.overseerr_request_id))
    if decision is not None:
        content = joined([content, _decision_line(card)], "\n\n")
        buttons = ()
    return ApprovalCardView(
        id=card.id,
        overseerr_request_id=card.overseerr_request_id,
        channel_id=card.channel_id,
        message_id=message_id,
        content=content,
        buttons=buttons,
        decision=decision,
        decided_by=card.decided_by,
        decided_by_name=card.decided_by_name,
        decided_at=card.decided_at,
        reason=card.reason,
    )


# How a decision reads: in a sentence, and at the start of the card's last line.
DECIDED = {
    ("withdrawn", None): (
        N_("withdrawn: it's no longer in Overseerr{when}"),
        N_("Withdrawn: it's no longer in Overseerr{when}"),
    ),
    ("approved", "admin"): (N_("approved by {admin}{when}"), N_("Approved by {admin}{when}")),
    ("declined", "admin"): (N_("declined by {admin}{when}"), N_("Declined by {admin}{when}")),
    ("approved", "name"): (
        N_("approved on Overseerr by {name}{when}"),
        N_("Approved on Overseerr by {name}{when}"),
    ),
    ("declined", "name"): (
        N_("declined on Overseerr by {name}{when}"),
        N_("Declined on Overseerr by {name}{when}"),
    ),
    ("approved", "site"): (N_("approved on Overseerr{when}"), N_("Approved on Overseerr{when}")),
    ("declined", "site"): (N_("declined on Overseerr{when}"), N_("Declined on Overseerr{when}")),
}


def _decided_how(card: ApprovalCard, *, first: bool = False) -> Msg:
    """ "approved by <@1> <t:…:R>", "declined on Overseerr by alice <t:…:R>", …"""
    when = f" <t:{int(card.decided_at.timestamp())}:R>" if card.decided_at else ""
    values = {"when": when, "admin": f"<@{card.decided_by}>", "name": card.decided_by_name}
    if card.decision == CardDecision.WITHDRAWN:
        key: tuple[str, str | None] = ("withdrawn", None)
    else:
        verb = "approved" if card.decision == CardDecision.APPROVED else "declined"
        who = "admin" if card.decided_by is not None else "name" if card.decided_by_name else "site"
        key = (verb, who)
    return Msg(DECIDED[key][int(first)], **values)


def _decision_line(card: ApprovalCard) -> Msg:
    marks = {CardDecision.APPROVED: "✅", CardDecision.DECLINED: "❌"}
    line = joined(
        [marks.get(CardDecision(card.decision), "🗑️"), _decided_how(card, first=True)], " "
    )
    if card.reason:
        return Msg("{line}: {reason}", line=line, reason=card.reason)
    return joined([line, "."], "")


def already_decided(card: ApprovalCard) -> Msg:
    """The refusal for a press on a card someone already decided."""
    return Msg(
        "Overseerr request #{id} was already {how}.",
        id=card.overseerr_request_id,
        how=_decided_how(card),
    )


def card_decision(found: OverseerrRequest) -> CardDecision | None:
    """What Overseerr's status means for a card; None while it is still pending."""
    if found.status == REQUEST_PENDING:
        return None
    if found.status == REQUEST_DECLINED:
        return CardDecision.DECLINED
    return CardDecision.APPROVED  # approved, completed, or failed after approval


async def decline_reason(overseerr_request_id: int | None) -> str | None:
    """The reason an admin gave when declining this request in Discord, if any."""
    if overseerr_request_id is None:
        return None
    card = await ApprovalCard.get_or_none(overseerr_request_id=overseerr_request_id)
    return card.reason if card is not None and card.reason else None


class Cards:
    """Posts approval cards through the outbox and keeps what each one should show."""

    def __init__(self, outbox: Outbox, places: Places) -> None:
        self.outbox = outbox
        self.places = places

    @property
    def channel_id(self) -> int | None:
        """The approval channel (the health channel when none is chosen)."""
        return self.places.approval_channel

    async def post(
        self, request_id: int, media_type: str, tmdb_id: int | None, label: str, who: str
    ) -> bool:
        """Post (once) and record the approval card of a pending request; True when new."""
        channel = self.channel_id
        if channel is None:
            return False
        content = Msg(
            "**{label}** ({kind}) was requested by {who} and is waiting for approval. "
            "Overseerr request #{id}.",
            label=label,
            kind=Msg("movie") if media_type == "movie" else Msg("TV"),
            who=who,
            id=request_id,
        )
        key = f"approval:{request_id}"
        posted = await self.outbox.post(key, channel, content, buttons=approval_buttons(request_id))
        # An earlier (or concurrent) post of the same card may have recorded it already.
        with contextlib.suppress(IntegrityError):
            await ApprovalCard.create(
                overseerr_request_id=request_id,
                channel_id=channel,
                dedupe_key=key,
                content=content.english(),
                message=content.to_json(),
                media_type=media_type,
                tmdb_id=tmdb_id,
            )
        if posted:
            log.info("requests: approval card posted for Overseerr request %s", request_id)
        return posted

    async def post_for_row(self, row: MediaRequest) -> bool:
        """The card for one of our requests that Overseerr holds as `overseerr_request_id`."""
        assert row.overseerr_request_id is not None
        return await self.post(
            row.overseerr_request_id,
            row.media_type,
            row.tmdb_id,
            label_of(row),
            f"<@{row.discord_id}>",
        )

    async def settle(
        self, card: ApprovalCard, decision: CardDecision, found: OverseerrRequest | None
    ) -> bool:
        """Record a decision made outside Discord (the cog edits the message later)."""
        settled = await ApprovalCard.filter(id=card.id, decision=None).update(
            decision=decision,
            decided_by_name=found.modified_by_name if found is not None else None,
            decided_at=(found.updated_at if found is not None else None) or now(),
            edited_at=None,
        )
        if settled:
            log.info(
                "requests: Overseerr request %s was %s outside Discord",
                card.overseerr_request_id,
                decision,
            )
        return bool(settled)

    async def get(self, overseerr_request_id: int) -> ApprovalCardView:
        """One approval card as it should read now."""
        card = await ApprovalCard.get_or_none(overseerr_request_id=overseerr_request_id)
        if card is None:
            raise CardNotFound()
        return card_view(card, await self.outbox.sent_message_id(card.dedupe_key))

    async def pending(self) -> list[ApprovalCardView]:
        """Cards still waiting for a decision, oldest first."""
        cards = await ApprovalCard.filter(decision=None).order_by("id")
        ids = await self.outbox.posted_messages([c.dedupe_key for c in cards])
        return [card_view(c, ids.get(c.dedupe_key)) for c in cards]

    async def to_update(self) -> list[ApprovalCardView]:
        """Decided cards whose posted message doesn't show it yet (decided elsewhere).

        Call `edited` after editing each. A card whose message was never delivered has
        nothing to edit and is marked edited here.
        """
        cards = await ApprovalCard.filter(decision__not_isnull=True, edited_at=None).order_by("id")
        posted = await self.outbox.posted_messages([c.dedupe_key for c in cards])
        out = []
        for card in cards:
            if card.dedupe_key not in posted:
                await self.edited(card.id)
            elif (message_id := posted[card.dedupe_key]) is not None:
                out.append(card_view(card, message_id))
        return out

    async def edited(self, card_id: int) -> None:
        """The card's message now shows its decision."""
        await ApprovalCard.filter(id=card_id).update(edited_at=now())
