"""The notification outbox: every DM and channel post is stored first, then delivered.

Delivery is retried with backoff, deduplicated by key, and survives restarts. The
service knows nothing about Discord: a `Sender` does the actual posting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from bot.i18n.messages import N_, Msg
from bot.services.delivery import Button, Delivery, DeliveryFailed, Sender, Urgent
from bot.services.error_log import is_database_error
from bot.services.outbox_files import Attachment, loaded_files, stored_files
from bot.services.places import Places
from bot.services.retry import OUTBOX, RetryPolicy
from storage.models import OutboxMessage, OutboxStatus, TargetKind

log = logging.getLogger(__name__)


Fence = Callable[[], Awaitable[bool]]


REDIRECTED = N_("{user} I couldn't DM you, so here it is: {text}")


def now() -> datetime:
    return datetime.now(UTC)


def _content(content: str | Msg) -> tuple[str, dict[str, Any] | None]:
    """The stored text (English for a Msg, kept for logs) and the Msg rendered when sent."""
    if isinstance(content, Msg):
        return content.english()[:2000], content.to_json()
    return content[:2000], None


SHOW_PREFIX = "outbox:show:"  # the button that shows a hidden fallback to its member
HIDDEN = N_(
    "<@{user}> I couldn't DM you, so your message is here. Only you can read it: "
    "press **Show me**. (Allow DMs from this server to get them directly.)"
)


class Outbox:
    """Stores messages and delivers the due ones through a sender."""

    def __init__(
        self,
        *,
        places: Places | None = None,
        policy: RetryPolicy = OUTBOX,
        batch: int = 20,
        fence: Fence | None = None,
        named_in_public: Callable[[int], Awaitable[bool]] | None = None,
    ) -> None:
        self.places = places or Places({})
        self.fence = fence  # asked before each send: False once another process leads
        # With it, a closed-DM fallback shows its text only to members who allowed being
        # named in public posts; the others get a button that shows it to them alone.
        self.named_in_public = named_in_public
        self.policy = policy
        self.batch = batch
        self._wake = asyncio.Event()
        self.urgent = Urgent()

    @property
    def notify_channel_id(self) -> int | None:
        """Where a DM goes when the member closed their DMs (read from the places each time)."""
        return self.places.dm_fallback_channel

    async def dm(
        self,
        key: str,
        user_id: int,
        content: str | Msg,
        embed: dict | None = None,
        buttons: Sequence[Button] = (),
    ) -> bool:
        """Queue a DM; returns False when a message with this key was queued before."""
        return await self._enqueue(key, TargetKind.DM, user_id, content, embed, buttons)

    async def post(
        self,
        key: str,
        channel_id: int,
        content: str | Msg,
        embed: dict | None = None,
        buttons: Sequence[Button] = (),
        *,
        urgent: bool = False,
        files: Sequence[Attachment] = (),
    ) -> bool:
        """Queue a channel post; returns False when this key was queued before.

        An urgent post (an admin alert) that cannot be stored because the database is down
        is kept in memory and sent from there: the alert that the database is down must
        not depend on the database.
        """
        try:
            return await self._enqueue(
                key, TargetKind.CHANNEL, channel_id, content, embed, buttons, files
            )
        except Exception as exc:
            if not (urgent and is_database_error(exc)):
                raise
        text, message = _content(content)
        delivery = Delivery(
            TargetKind.CHANNEL, channel_id, text, embed, tuple(buttons), message=message
        )
        kept = self.urgent.keep(key, delivery)
        self._wake.set()
        return kept

    async def _enqueue(
        self,
        key: str,
        kind: TargetKind,
        target_id: int,
        content: str | Msg,
        embed: dict | None,
        buttons: Sequence[Button],
        files: Sequence[Attachment] = (),
    ) -> bool:
        text, message = _content(content)
        try:
            await OutboxMessage.create(
                dedupe_key=key[:200],
                target_kind=kind,
                target_id=target_id,
                content=text,
                message=message,
                embed=embed,
                buttons=[asdict(b) for b in buttons] or None,
                files=stored_files(files),
                status=OutboxStatus.PENDING,
                next_attempt_at=now(),
            )
        except IntegrityError:
            log.debug("outbox: %s already queued", key)
            return False
        self._wake.set()
        return True

    async def backlog(self) -> int:
        """How many messages wait for delivery."""
        return await OutboxMessage.filter(status=OutboxStatus.PENDING).count()

    async def posted_messages(self, keys: Sequence[str]) -> dict[str, int | None]:
        """The Discord message id of each key's message, None while it waits to be sent.

        Keys never queued, and messages that were given up on or redirected, are left out.
        """
        if not keys:
            return {}
        gone = (OutboxStatus.UNDELIVERABLE, OutboxStatus.REDIRECTED)
        rows = await OutboxMessage.filter(dedupe_key__in=list(keys)).exclude(status__in=gone)
        return {row.dedupe_key: row.message_id for row in rows}

    async def sent_message_id(self, key: str) -> int | None:
        """The Discord message id of the key's message once it was sent, else None."""
        return (await self.posted_messages([key])).get(key)

    async def deliver_due(self, sender: Sender) -> int:
        """Try every message that is due once; returns how many were sent."""
        due = (
            await OutboxMessage.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now())
            .order_by("next_attempt_at", "id")
            .limit(self.batch)
        )
        by_target: dict[tuple[TargetKind, int], list[OutboxMessage]] = {}
        for message in due:
            by_target.setdefault((message.target_kind, message.target_id), []).append(message)
        # Targets in parallel, so a slow or failing channel holds up only its own messages.
        counts = await asyncio.gather(
            *(self._deliver_in_order(sender, m) for m in by_target.values())
        )
        return sum(counts)

    async def _deliver_in_order(self, sender: Sender, messages: list[OutboxMessage]) -> int:
        """One target's messages, oldest first; stop at the first failure to keep the order."""
        sent = 0
        for message in messages:
            delivered = await self._deliver(sender, message)
            if not delivered:
                break
            sent += delivered
        return sent

    async def _deliver(self, sender: Sender, message: OutboxMessage) -> int:
        if self.fence is not None and not await self.fence():
            return 0  # deposed: the row stays as it is for the leader to send
        buttons = tuple(Button(**b) for b in message.buttons or ())
        delivery = Delivery(
            message.target_kind,
            message.target_id,
            message.content,
            message.embed,
            buttons,
            nonce=f"outbox-{message.id}",
            message=message.message,
            files=loaded_files(message.files),
        )
        message.attempts += 1
        try:
            message.message_id = await sender.send(delivery)
        except DeliveryFailed as exc:
            await self._failed(message, exc)
            return 0
        message.status = OutboxStatus.SENT
        message.sent_at = now()
        await message.save()
        return 1

    async def _failed(self, message: OutboxMessage, exc: DeliveryFailed) -> None:
        message.last_error = str(exc)[:500]
        if exc.dms_closed:
            await self._redirect(message)
        elif exc.channel_unusable and await self._reroute(message, exc):
            pass
        elif exc.final or self.policy.gives_up_after(message.attempts):
            message.status = OutboxStatus.UNDELIVERABLE
            log.warning("outbox: giving up on %s: %s", message.dedupe_key, exc)
        else:
            wait = exc.retry_after if exc.retry_after is not None else 0.0
            wait = max(wait, self.policy.delay(message.attempts))
            message.next_attempt_at = now() + timedelta(seconds=wait)
            log.info("outbox: %s failed (%s), retry in %.1fs", message.dedupe_key, exc, wait)
        await message.save()

    async def _redirect(self, message: OutboxMessage) -> None:
        """The user closed their DMs: post in the notify channel with a mention instead."""
        channel = self.notify_channel_id
        if channel is None:
            message.status = OutboxStatus.UNDELIVERABLE
            log.info("outbox: DMs closed for %s and no notify channel", message.target_id)
            return
        message.status = OutboxStatus.REDIRECTED
        key = f"{message.dedupe_key}:fallback"
        if self.named_in_public is None or await self.named_in_public(message.target_id):
            text = Msg.from_json(message.message) if message.message else message.content
            content = Msg(REDIRECTED, user=f"<@{message.target_id}>", text=text)
            buttons = [Button(**b) for b in message.buttons or () if b.get("url")]
            await self.post(key, channel, content, message.embed, buttons)
            return
        show = Button(N_("Show me"), custom_id=f"{SHOW_PREFIX}{message.id}", style="primary")
        await self.post(key, channel, Msg(HIDDEN, user=message.target_id), None, [show])

    async def hidden_message(self, outbox_id: int, user_id: int) -> OutboxMessage | None:
        """The DM a hidden fallback stands for, if it was meant for `user_id`."""
        return await OutboxMessage.get_or_none(
            id=outbox_id, target_kind=TargetKind.DM, target_id=user_id
        )

    async def _reroute(self, message: OutboxMessage, exc: DeliveryFailed) -> bool:
        """The channel is gone or closed to the bot: post in its fallback, tell the admins once.

        False when there is no other channel (the message is then given up as before).
        """
        if message.target_kind is not TargetKind.CHANNEL:
            return False
        channel = message.target_id
        fallback = self.places.fallback(channel)
        admins = self.places.admin_channel()
        if admins is not None and admins != channel:
            day = now().date().isoformat()
            await self.post(
                f"channel-unusable:{channel}:{day}",
                admins,
                Msg(
                    "⚠️ I can't post in {channel} ({error}). Until that is fixed, what was meant "
                    "for it goes to {where}. Give me View Channel and Send Messages there, "
                    "or pick another channel in `/setup`.",
                    channel=f"<#{channel}>",
                    error=str(exc),
                    where=f"<#{fallback}>" if fallback else Msg("nowhere"),
                ),
            )
        if fallback is None or fallback == channel:
            return False
        message.status = OutboxStatus.REDIRECTED
        log.warning("outbox: %s moved from channel %s to %s", message.dedupe_key, channel, fallback)
        await self._enqueue(
            f"{message.dedupe_key}:moved",
            TargetKind.CHANNEL,
            fallback,
            Msg.from_json(message.message) if message.message else message.content,
            message.embed,
            [Button(**b) for b in message.buttons or ()],
            loaded_files(message.files),
        )
        return True

    async def run(self, sender: Sender, idle: float = 5.0) -> None:
        """Deliver forever: wake on new messages, otherwise poll every `idle` seconds."""
        while True:
            wait = idle
            try:
                await self.urgent.deliver(sender)
                await self.deliver_due(sender)
                self._wake.clear()
                wait = await self._seconds_until_next(idle)
            except Exception as exc:  # the database may be down: try again after `idle`
                if is_database_error(exc):
                    log.warning("outbox: database unavailable, retrying: %r", exc)
                else:
                    log.exception("outbox: delivery round failed")
                self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _seconds_until_next(self, idle: float) -> float:
        nxt = (
            await OutboxMessage.filter(status=OutboxStatus.PENDING)
            .order_by("next_attempt_at")
            .first()
            .values_list("next_attempt_at", flat=True)
        )
        if nxt is None:
            return idle
        return min(idle, max(0.05, (nxt - now()).total_seconds()))  # type: ignore[operator]
