"""Overseerr's webhook agent: read and write its settings, and fire its test notification.

`GET /settings/notifications/webhook` answers the JSON template as text; on `POST` (and
`/test`) the template must be JSON-encoded a second time, as Overseerr's web UI sends it:
a template sent once-encoded is stored, but every notification then fails. Notification
types are a bitmask of Overseerr's `Notification` enum (server/lib/notifications/index.ts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from bot.clients.overseerr.client import OverseerrClient
from bot.clients.overseerr.models import Wire, read
from bot.errors import ServiceUnavailable

WEBHOOK_SETTINGS = "/settings/notifications/webhook"
NOTIFICATION_BITS = {
    "MEDIA_PENDING": 2,
    "MEDIA_APPROVED": 4,
    "MEDIA_AVAILABLE": 8,
    "MEDIA_FAILED": 16,
    "TEST_NOTIFICATION": 32,
    "MEDIA_DECLINED": 64,
    "MEDIA_AUTO_APPROVED": 128,
    "ISSUE_CREATED": 256,
    "ISSUE_COMMENT": 512,
    "ISSUE_RESOLVED": 1024,
    "ISSUE_REOPENED": 2048,
    "MEDIA_AUTO_REQUESTED": 4096,
}

# The template Overseerr ships (server/lib/settings/index.ts), as its settings page shows it.
DEFAULT_WEBHOOK_TEMPLATE = """{
  "notification_type": "{{notification_type}}",
  "event": "{{event}}",
  "subject": "{{subject}}",
  "message": "{{message}}",
  "image": "{{image}}",
  "{{media}}": {
    "media_type": "{{media_type}}",
    "tmdbId": "{{media_tmdbid}}",
    "tvdbId": "{{media_tvdbid}}",
    "status": "{{media_status}}",
    "status4k": "{{media_status4k}}"
  },
  "{{request}}": {
    "request_id": "{{request_id}}",
    "requestedBy_email": "{{requestedBy_email}}",
    "requestedBy_username": "{{requestedBy_username}}",
    "requestedBy_avatar": "{{requestedBy_avatar}}",
    "requestedBy_settings_discordId": "{{requestedBy_settings_discordId}}",
    "requestedBy_settings_telegramChatId": "{{requestedBy_settings_telegramChatId}}"
  },
  "{{issue}}": {
    "issue_id": "{{issue_id}}",
    "issue_type": "{{issue_type}}",
    "issue_status": "{{issue_status}}",
    "reportedBy_email": "{{reportedBy_email}}",
    "reportedBy_username": "{{reportedBy_username}}",
    "reportedBy_avatar": "{{reportedBy_avatar}}",
    "reportedBy_settings_discordId": "{{reportedBy_settings_discordId}}",
    "reportedBy_settings_telegramChatId": "{{reportedBy_settings_telegramChatId}}"
  },
  "{{comment}}": {
    "comment_message": "{{comment_message}}",
    "commentedBy_email": "{{commentedBy_email}}",
    "commentedBy_username": "{{commentedBy_username}}",
    "commentedBy_avatar": "{{commentedBy_avatar}}",
    "commentedBy_settings_discordId": "{{commentedBy_settings_discordId}}",
    "commentedBy_settings_telegramChatId": "{{commentedBy_settings_telegramChatId}}"
  },
  "{{extra}}": []
}"""


def types_mask(names: list[str] | tuple[str, ...]) -> int:
    """The bitmask of these notification type names."""
    mask = 0
    for name in names:
        mask |= NOTIFICATION_BITS[name]
    return mask


def type_names(mask: int) -> tuple[str, ...]:
    """The notification type names set in a bitmask, in Overseerr's order."""
    return tuple(name for name, bit in NOTIFICATION_BITS.items() if mask & bit)


def same_template(a: str | None, b: str | None) -> bool:
    """Whether two templates hold the same JSON (layout aside); an unreadable one never does."""
    try:
        return a is not None and b is not None and json.loads(a) == json.loads(b)
    except ValueError:
        return False


@dataclass(frozen=True)
class WebhookSettings:
    """The webhook agent's settings; `template` is None when Overseerr's can't be sent."""

    enabled: bool
    types: int
    url: str
    auth_header: str
    template: str | None
    embed_poster: bool = True
    other_options: dict[str, Any] = field(default_factory=dict)  # e.g. Seerr's supportVariables

    @property
    def type_names(self) -> tuple[str, ...]:
        return type_names(self.types)

    @property
    def default_template(self) -> bool:
        return same_template(self.template, DEFAULT_WEBHOOK_TEMPLATE)

    def body(self) -> dict[str, Any]:
        """The POST body: the template JSON-encoded a second time, like Overseerr's web UI."""
        return {
            "enabled": self.enabled,
            "embedPoster": self.embed_poster,
            "types": self.types,
            "options": {
                **self.other_options,
                "webhookUrl": self.url,
                "authHeader": self.auth_header,
                "jsonPayload": json.dumps(self.template or DEFAULT_WEBHOOK_TEMPLATE),
            },
        }


class WebhookOptions(Wire):
    webhook_url: str = Field("", alias="webhookUrl")
    auth_header: str = Field("", alias="authHeader")
    # The template text; anything else (an object) is a template stored once-encoded.
    json_payload: Any = Field(None, alias="jsonPayload")


class WebhookSettingsBody(Wire):
    enabled: bool = False
    embed_poster: bool = Field(True, alias="embedPoster")
    types: int = 0
    options: WebhookOptions = Field(default_factory=lambda: WebhookOptions.model_validate({}))

    def record(self, raw: Any) -> WebhookSettings:
        options = self.options
        known = {"webhookUrl", "authHeader", "jsonPayload"}
        raw_options = raw.get("options") if isinstance(raw, dict) else None
        others = {k: v for k, v in (raw_options or {}).items() if k not in known}
        template = options.json_payload if isinstance(options.json_payload, str) else None
        return WebhookSettings(
            enabled=self.enabled,
            types=self.types,
            url=options.webhook_url,
            auth_header=options.auth_header,
            template=template,
            embed_poster=self.embed_poster,
            other_options=others,
        )


async def webhook_settings(client: OverseerrClient) -> WebhookSettings:
    """`GET /settings/notifications/webhook` (needs the admin's API key)."""
    _, body = await client.call("GET", WEBHOOK_SETTINGS)
    return read(WebhookSettingsBody, body, "its webhook settings").record(body)


async def save_webhook_settings(client: OverseerrClient, settings: WebhookSettings) -> None:
    """`POST /settings/notifications/webhook`: replaces every field of the agent."""
    # The answer holds the template as Overseerr stores it (base64), so it is not read back.
    await client.call("POST", WEBHOOK_SETTINGS, json=settings.body())


async def send_test_webhook(client: OverseerrClient, settings: WebhookSettings) -> bool:
    """`POST …/webhook/test` with these settings: True when the receiver answered 2xx.

    False when Overseerr says it failed to send (500); other failures raise as usual.
    """
    try:
        await client.call("POST", WEBHOOK_SETTINGS + "/test", json=settings.body())
    except ServiceUnavailable as exc:
        if exc.status == 500:
            return False
        raise
    return True
