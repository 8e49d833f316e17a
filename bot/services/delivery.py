"""What senders are asked to post, how they fail, and the admin alerts held while the
database is down. The outbox stores and schedules; these are the terms it speaks in."""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot.services.outbox_files import Attachment
from storage.models import TargetKind

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """A sender could not deliver; `final` says whether retrying is pointless."""

    def __init__(
        self,
        reason: str,
        *,
        final: bool = False,
        dms_closed: bool = False,
        retry_after: float | None = None,
        channel_unusable: bool = False,
    ) -> None:
        super().__init__(reason)
        self.final = final or dms_closed or channel_unusable
        self.dms_closed = dms_closed
        self.retry_after = retry_after
        self.channel_unusable = channel_unusable  # deleted, or the bot may not post there


@dataclass(frozen=True)
class Button:
    """A message button; `custom_id` is handled by a persistent handler, `url` opens a page."""

    label: str
    custom_id: str | None = None
    url: str | None = None
    style: str = "secondary"  # primary | secondary | success | danger (ignored for links)


@dataclass(frozen=True)
class Delivery:
    """What a sender is asked to post."""

    kind: TargetKind
    target_id: int
    content: str
    embed: dict[str, Any] | None = None
    buttons: tuple[Button, ...] = ()
    nonce: str | None = None  # lets Discord drop a resend of the same outbox row
    message: dict[str, Any] | None = None  # a Msg as JSON: rendered in the reader's language
    files: tuple[Attachment, ...] = ()


class Sender(Protocol):
    async def send(self, delivery: Delivery) -> int:
        """Post the delivery and return the message id; raise DeliveryFailed otherwise."""
        ...


class Urgent:
    """Admin alerts kept in memory while the database is down; each key is sent once."""

    def __init__(self, cap: int = 100) -> None:
        self.cap = cap
        self.waiting: dict[str, Delivery] = {}
        self.sent: deque[str] = deque(maxlen=1000)

    def keep(self, key: str, delivery: Delivery) -> bool:
        """Hold an alert for sending; False when this key is already held or was sent."""
        if key in self.waiting or key in self.sent:
            return False
        if len(self.waiting) >= self.cap:
            self.waiting.pop(next(iter(self.waiting)))
        nonce = "u" + hashlib.sha256(key.encode()).hexdigest()[:24]
        self.waiting[key] = replace(delivery, nonce=nonce)
        return True

    async def deliver(self, sender: Sender) -> int:
        """Send what is held; a failure that may pass is tried again next round."""
        sent = 0
        for key, delivery in list(self.waiting.items()):
            try:
                await sender.send(delivery)
            except DeliveryFailed as exc:
                if not exc.final:
                    continue
                log.warning("outbox: urgent %s dropped: %s", key, exc)
            else:
                sent += 1
                self.sent.append(key)
            del self.waiting[key]
        return sent
