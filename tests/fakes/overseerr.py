"""A fake Overseerr (also Jellyseerr/Seerr) API v1 on loopback, checked against the OpenAPI file.

Behaviour follows Overseerr 1.33's server code (routes/request.ts, entity/MediaRequest.ts,
entity/User.ts, middleware/auth.ts, lib/notifications/agents/webhook.ts). Every JSON answer
goes through `tests/fakes/openapi.py`; an answer that breaks the spec raises `SpecViolation`
(the client sees a 500, and `stop()` raises it again so the test fails loudly).

Search like the real server wants it: `quote(query, safe="")` and send the URL as
`yarl.URL(url, encoded=True)`; Overseerr refuses a raw `+ : ' ( ) / & ...` in a query
parameter, and yarl quietly turns `%3A`, `%27`, `%28` ... back into those characters.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum, IntFlag
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.base import LoopbackServer
from tests.fakes.openapi import OpenApiSpec, SpecViolation, load_spec

API = "/api/v1"


class Permission(IntFlag):
    """Overseerr's permission bits (server/lib/permissions.ts)."""

    NONE = 0
    ADMIN = 2
    MANAGE_SETTINGS = 4
    MANAGE_USERS = 8
    MANAGE_REQUESTS = 16
    REQUEST = 32
    VOTE = 64
    AUTO_APPROVE = 128
    AUTO_APPROVE_MOVIE = 256
    AUTO_APPROVE_TV = 512
    REQUEST_4K = 1024
    REQUEST_4K_MOVIE = 2048
    REQUEST_4K_TV = 4096
    REQUEST_ADVANCED = 8192
    REQUEST_VIEW = 16384
    AUTO_APPROVE_4K = 32768
    AUTO_APPROVE_4K_MOVIE = 65536
    AUTO_APPROVE_4K_TV = 131072
    REQUEST_MOVIE = 262144
    REQUEST_TV = 524288
    MANAGE_ISSUES = 1048576
    VIEW_ISSUES = 2097152
    CREATE_ISSUES = 4194304
    AUTO_REQUEST = 8388608
    AUTO_REQUEST_MOVIE = 16777216
    AUTO_REQUEST_TV = 33554432
    RECENT_VIEW = 67108864
    WATCHLIST_VIEW = 134217728


class MediaStatus(IntEnum):
    """Media availability; 6 and 7 exist only in Seerr."""

    UNKNOWN = 1
    PENDING = 2
    PROCESSING = 3
    PARTIALLY_AVAILABLE = 4
    AVAILABLE = 5
    BLOCKLISTED = 6
    DELETED = 7


class RequestStatus(IntEnum):
    """Request state; COMPLETED exists only in Seerr."""

    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5


# Operations the fake serves that Overseerr's spec does not describe (Seerr/Jellyseerr
# additions), each with why. Their answers skip validation; anything else undescribed raises.
SEERR_EXTENSIONS: dict[tuple[str, str], str] = {}

# express-openapi-validator refuses these raw (undecoded) in any query parameter.
RESERVED = re.compile(r"[:/?#\[\]@!$&'()*+,;= ]")
NO_PERMISSION = {"status": 403, "error": "You do not have permission to access this endpoint"}
NOTIFICATION_TYPES = {
    "MEDIA_PENDING",
    "MEDIA_APPROVED",
    "MEDIA_AVAILABLE",
    "MEDIA_FAILED",
    "TEST_NOTIFICATION",
    "MEDIA_DECLINED",
    "MEDIA_AUTO_APPROVED",
    "ISSUE_CREATED",
    "ISSUE_COMMENT",
    "ISSUE_RESOLVED",
    "ISSUE_REOPENED",
    "MEDIA_AUTO_REQUESTED",
}
TMDB_IMAGE = "https://image.tmdb.org/t/p/w600_and_h900_bestv2"

Handler = Callable[[web.Request, "dict[str, Any] | None", Any], Awaitable[tuple[int, Any]]]


@dataclass
class _Failure:
    method: str
    prefix: str
    status: int
    times: int
    body: Any
    delay: float


def _has(permissions: int, wanted: int | Sequence[int], *, any_of: bool = False) -> bool:
    """Overseerr's hasPermission: ADMIN passes everything; lists are 'and' unless any_of."""
    if wanted == 0:
        return True
    if permissions & Permission.ADMIN:
        return True
    if not isinstance(wanted, int):
        hits = [bool(permissions & bit) for bit in wanted]
        return any(hits) if any_of else all(hits)
    return bool(permissions & wanted)


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


# ----- issues ------------------------------------------------------------------------------
# Overseerr's routes/issue.ts, routes/issueComment.ts and entity/Issue.ts, kept in one block.

ISSUE_TYPE_NAMES = {1: "Video", 2: "Audio", 3: "Subtitle", 4: "Other"}
ISSUE_STATUS_NAMES = {1: "OPEN", 2: "RESOLVED"}


class FakeIssues:
    """The issue endpoints of the fake; state in `issues` (by id, as stored)."""

    users: dict[int, dict[str, Any]]
    media: dict[tuple[str, int], dict[str, Any]]
    clock: Callable[[], datetime]

    def __init__(self) -> None:
        super().__init__()
        self.issues: dict[int, dict[str, Any]] = {}
        self._next_issue = {"issue": 1, "comment": 1}

    # test-facing

    def add_issue(
        self, media_type: str, tmdb_id: int, issue_type: int, message: str, *, user_id: int
    ) -> dict[str, Any]:
        """An issue made on the website by this user (the media must be known)."""
        media = self.media[(media_type, tmdb_id)]
        return self._new_issue(media, issue_type, message, self.users[user_id])

    def add_issue_comment(self, issue_id: int, message: str, *, user_id: int) -> dict[str, Any]:
        """A comment written on the website; returns the stored comment."""
        return self._new_comment(self.issues[issue_id], message, self.users[user_id])

    def set_issue_status(self, issue_id: int, status: int, *, user_id: int = 1) -> None:
        """Resolve (2) or reopen (1) an issue as on the website."""
        issue = self.issues[issue_id]
        issue["status"] = int(status)
        issue["modifiedBy"] = user_id
        issue["updatedAt"] = _iso(self.clock())

    def rendered_issue(self, issue_id: int) -> dict[str, Any]:
        """The issue as `GET /issue/{id}` answers it."""
        return self._render_issue(self.issues[issue_id])

    def issue_webhook_payload(
        self, notification_type: str, issue_id: int, comment_id: int | None = None
    ) -> dict[str, Any]:
        """An ISSUE_* call of the webhook agent's default template, filled in as Overseerr does."""
        issue = self.issues[issue_id]
        reporter = self.users[issue["createdBy"]]
        media = issue["media"]
        payload: dict[str, Any] = self.webhook_payload(  # type: ignore[attr-defined]
            notification_type, tmdb_id=media["tmdbId"], media_type=media["mediaType"]
        )
        kind = ISSUE_TYPE_NAMES[issue["issueType"]]
        payload["event"] = {
            "ISSUE_CREATED": f"New {kind} Issue Reported",
            "ISSUE_COMMENT": f"New Comment on {kind} Issue",
            "ISSUE_RESOLVED": f"{kind} Issue Resolved",
            "ISSUE_REOPENED": f"{kind} Issue Reopened",
        }[notification_type]
        payload["issue"] = {
            "issue_id": str(issue["id"]),
            "issue_type": kind,
            "issue_status": ISSUE_STATUS_NAMES[issue["status"]],
            "reportedBy_email": reporter["email"],
            "reportedBy_username": self._display_name(reporter),  # type: ignore[attr-defined]
            "reportedBy_avatar": reporter["avatar"],
            "reportedBy_settings_discordId": reporter["settings"]["discordId"] or "",
            "reportedBy_settings_telegramChatId": "",
        }
        if comment_id is not None:
            comment = next(c for c in issue["comments"] if c["id"] == comment_id)
            author = self.users[comment["user"]]
            payload["comment"] = {
                "comment_message": comment["message"],
                "commentedBy_email": author["email"],
                "commentedBy_username": self._display_name(author),  # type: ignore[attr-defined]
                "commentedBy_avatar": author["avatar"],
                "commentedBy_settings_discordId": author["settings"]["discordId"] or "",
                "commentedBy_settings_telegramChatId": "",
            }
        return payload

    # routes

    def _issue_routes(self) -> list[tuple[str, str, Handler, int]]:
        # /comment before /{status}: aiohttp takes the first route that matches.
        return [
            ("GET", "/issue", self._list_issues, 0),
            ("POST", "/issue", self._create_issue, 0),
            ("GET", "/issue/{issueId}", self._get_issue, 0),
            ("POST", "/issue/{issueId}/comment", self._comment_issue, 0),
            ("POST", "/issue/{issueId}/{status}", self._issue_status, 0),
            ("GET", "/issueComment/{commentId}", self._get_comment, 0),
        ]

    def _take_issue_id(self, kind: str) -> int:
        value = self._next_issue[kind]
        self._next_issue[kind] += 1
        return value

    def _new_issue(
        self, media: dict[str, Any], issue_type: int, message: str, user: dict[str, Any]
    ) -> dict[str, Any]:
        now = _iso(self.clock())
        issue = {
            "id": self._take_issue_id("issue"),
            "issueType": int(issue_type),
            "status": 1,
            "problemSeason": 0,
            "problemEpisode": 0,
            "media": media,
            "createdBy": user["id"],
            "modifiedBy": None,
            "comments": [],
            "createdAt": now,
            "updatedAt": now,
        }
        self.issues[issue["id"]] = issue
        self._new_comment(issue, message, user)
        return issue

    def _new_comment(
        self, issue: dict[str, Any], message: str, user: dict[str, Any]
    ) -> dict[str, Any]:
        now = _iso(self.clock())
        comment = {
            "id": self._take_issue_id("comment"),
            "user": user["id"],
            "message": message,
            "createdAt": now,
            "updatedAt": now,
            "issue": issue["id"],
        }
        issue["comments"].append(comment)
        issue["updatedAt"] = now
        return comment

    def _render_comment(self, comment: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in comment.items() if k != "issue"}
        out["user"] = self._render_user(self.users[comment["user"]])  # type: ignore[attr-defined]
        return out

    def _render_issue(self, issue: dict[str, Any]) -> dict[str, Any]:
        render_user = self._render_user  # type: ignore[attr-defined]
        out = dict(issue)
        out["media"] = self._render_media(issue["media"])  # type: ignore[attr-defined]
        out["createdBy"] = render_user(self.users[issue["createdBy"]])
        modifier = out.pop("modifiedBy")
        if modifier in self.users:  # the spec's Issue has no null modifiedBy: left out instead
            out["modifiedBy"] = render_user(self.users[modifier])
        out["comments"] = [self._render_comment(c) for c in issue["comments"]]
        return out

    @staticmethod
    def _may_see_issues(user: dict[str, Any]) -> bool:
        wanted = [Permission.MANAGE_ISSUES, Permission.VIEW_ISSUES]
        return _has(user["permissions"], wanted, any_of=True)

    def _find_issue(self, request: web.Request) -> dict[str, Any] | None:
        number = _number(request.match_info["issueId"])
        return self.issues.get(int(number)) if number is not None else None

    async def _list_issues(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        if not self._may_see_issues(user):
            return 403, NO_PERMISSION
        take, skip = self._take_skip(request, 10)  # type: ignore[attr-defined]
        wanted = {"open": {1}, "resolved": {2}}.get(request.query.get("filter") or "open")
        items = [i for i in self.issues.values() if wanted is None or i["status"] in wanted]
        key = "updatedAt" if request.query.get("sort") == "modified" else "createdAt"
        items.sort(key=lambda i: (i[key], i["id"]), reverse=True)
        rendered = [self._render_issue(i) for i in items]
        return 200, self._page(rendered, take, skip)  # type: ignore[attr-defined]

    async def _create_issue(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        wanted = [Permission.MANAGE_ISSUES, Permission.CREATE_ISSUES]
        if not _has(user["permissions"], wanted, any_of=True):
            return 403, NO_PERMISSION
        body = body or {}
        media = next((m for m in self.media.values() if m["id"] == body.get("mediaId")), None)
        if media is None:
            return 404, {"message": "Media does not exist."}
        if body.get("issueType") not in ISSUE_TYPE_NAMES:
            return 500, {"message": "Invalid issue type."}
        issue = self._new_issue(media, body["issueType"], str(body.get("message", "")), user)
        return 201, self._render_issue(issue)

    async def _get_issue(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_issue(request)
        if found is None:
            return 404, {"message": "Issue not found."}
        if found["createdBy"] != user["id"] and not self._may_see_issues(user):
            return 403, NO_PERMISSION
        return 200, self._render_issue(found)

    def _may_change(self, issue: dict[str, Any], user: dict[str, Any]) -> bool:
        return issue["createdBy"] == user["id"] or _has(
            user["permissions"], Permission.MANAGE_ISSUES
        )

    async def _comment_issue(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_issue(request)
        if found is None:
            return 404, {"message": "Issue not found."}
        if not self._may_change(found, user):
            return 403, {"message": "You do not have permission to comment on this issue."}
        self._new_comment(found, str(body["message"]), user)
        return 200, self._render_issue(found)

    async def _issue_status(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_issue(request)
        status = {"open": 1, "resolved": 2}.get(request.match_info["status"])
        if found is None or status is None:
            return 404, {"message": "Issue not found."}
        if not self._may_change(found, user):
            return 401, {"message": "You do not have permission to modify this issue."}
        self.set_issue_status(found["id"], status, user_id=user["id"])
        return 200, self._render_issue(found)

    async def _get_comment(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        number = _number(request.match_info["commentId"])
        for issue in self.issues.values():
            for comment in issue["comments"]:
                if number is not None and comment["id"] == int(number):
                    return 200, self._render_comment(comment)
        return 404, {"message": "Comment not found."}


# ----- end of issues -----------------------------------------------------------------------


# ----- server kinds and users' notification settings (issue 11: Discord ids) ----------------
# Overseerr 1.33 routes/user/usersettings.ts; Seerr's of 2026-02 (3.1) has the same shape.
# Seerr 3.3 (seerr-team/seerr#2712) keeps a list, `discordIds`, instead of `discordId`.

SERVER_KINDS = ("overseerr", "jellyseerr", "seerr")
# What a POST of the notification settings stores; any field left out becomes unset.
NOTIFICATION_FIELDS = (
    "pgpKey",
    "pushbulletAccessToken",
    "pushoverApplicationToken",
    "pushoverUserKey",
    "pushoverSound",
    "telegramChatId",
    "telegramSendSilently",
)


class NotificationSettingsMixin:
    """FakeOverseerr's server kinds and `/user/{id}/settings/notifications`."""

    kind = "overseerr"
    discord_ids_list = False
    # Provided by FakeOverseerr.
    users: dict[int, dict[str, Any]]
    version: str

    def _server_extras(self: Any) -> dict[str, Any]:
        """Jellyseerr and Seerr add the media server type (1 Plex) to the public settings."""
        if self.kind == "overseerr":
            return {}
        title = "Jellyseerr" if self.kind == "jellyseerr" else "Seerr"
        return {"applicationTitle": title, "mediaServerType": 1}

    def use_server(self: Any, kind: str, version: str, *, discord_ids: bool = False) -> None:
        """Answer as this kind of server; `discord_ids` for Seerr 3.3+, which keeps a list."""
        assert kind in SERVER_KINDS
        self.kind, self.version, self.discord_ids_list = kind, version, discord_ids
        for user in self.users.values():
            settings = user["settings"]
            if discord_ids and "discordId" in settings:
                old = settings.pop("discordId")
                settings["discordIds"] = [old] if old else []

    def discord_ids(self: Any, user_id: int) -> list[str]:
        """The Discord ids the user's notification settings hold, in either shape."""
        settings = self.users[user_id]["settings"]
        if "discordIds" in settings:
            return list(settings["discordIds"] or [])
        return [settings["discordId"]] if settings.get("discordId") else []

    def set_discord_ids(self: Any, user_id: int, ids: list[str]) -> None:
        """Set the user's Discord ids as they would in their profile."""
        settings = self.users[user_id]["settings"]
        if self.discord_ids_list:
            settings.pop("discordId", None)
            settings["discordIds"] = list(ids)
        else:
            settings["discordId"] = ids[0] if ids else None

    def _notification_routes(self: Any) -> list[tuple[str, str, Handler, int]]:
        return [
            ("GET", "/user/{userId}/settings/notifications", self._get_notifications, 0),
            ("POST", "/user/{userId}/settings/notifications", self._post_notifications, 0),
        ]

    def _settings_owner(
        self: Any, request: web.Request, user: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, tuple[int, Any] | None]:
        """isOwnProfileOrAdmin, then the user; (None, refusal) when it can't go on."""
        uid = _number(request.match_info["userId"])
        if not _has(user["permissions"], Permission.MANAGE_USERS) and user["id"] != uid:
            return None, (
                403,
                {"message": "You do not have permission to view this user's settings."},
            )
        found = self._find_user(request)
        if found is None:
            return None, (404, {"message": "User not found."})
        return found, None

    def _discord_part(self: Any, user_id: int) -> dict[str, Any]:
        if self.discord_ids_list:
            return {"discordIds": self.discord_ids(user_id)}
        return {"discordId": self.users[user_id]["settings"].get("discordId")}

    async def _get_notifications(
        self: Any, request: web.Request, user: Any, body: Any
    ) -> tuple[int, Any]:
        found, refusal = self._settings_owner(request, user)
        if refusal is not None:
            return refusal
        assert found is not None
        settings = found["settings"]
        return 200, {
            "emailEnabled": False,
            "pgpKey": settings.get("pgpKey"),
            "discordEnabled": True,
            "discordEnabledTypes": 4094,
            **self._discord_part(found["id"]),
            "pushbulletAccessToken": settings.get("pushbulletAccessToken"),
            "pushoverApplicationToken": settings.get("pushoverApplicationToken"),
            "pushoverUserKey": settings.get("pushoverUserKey"),
            "pushoverSound": settings.get("pushoverSound"),
            "telegramEnabled": False,
            "telegramBotUsername": None,
            "telegramChatId": settings.get("telegramChatId"),
            "telegramSendSilently": settings.get("telegramSendSilently"),
            "webPushEnabled": False,
            "notificationTypes": settings.get("notificationTypes") or {},
        }

    async def _post_notifications(
        self: Any, request: web.Request, user: Any, body: Any
    ) -> tuple[int, Any]:
        found, refusal = self._settings_owner(request, user)
        if refusal is not None:
            return refusal
        assert found is not None
        if found["id"] == 1 and user["id"] != 1:
            return 403, {"message": "You do not have permission to modify this user's settings."}
        settings = found["settings"]
        for name in NOTIFICATION_FIELDS:
            settings[name] = body.get(name)
        if self.discord_ids_list:
            settings.pop("discordId", None)
            settings["discordIds"] = body.get("discordIds")
        else:
            settings["discordId"] = body.get("discordId")
        settings["notificationTypes"] = {
            **(settings.get("notificationTypes") or {}),
            **(body.get("notificationTypes") or {}),
        }
        answer = {name: settings[name] for name in NOTIFICATION_FIELDS}
        return 200, {
            **answer,
            **self._discord_part(found["id"]),
            "notificationTypes": settings["notificationTypes"],
        }


# ----- the webhook agent's settings and its test notification (issue 15: /setup) ------------
# Seerr's routes/settings/notifications.ts and lib/notifications/agents/webhook.ts (Overseerr
# 1.33's are the same but keep no embedPoster). The template is stored as base64 of the
# `jsonPayload` string received; GET answers JSON.parse of that, and sending parses it twice,
# so only a template JSON-encoded a second time (what the web UI sends) can be sent.

FAKE_DEFAULT_TEMPLATE: dict[str, Any] = {
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
        "status4k": "{{media_status4k}}",
    },
    "{{request}}": {
        f"{name}": f"{{{{{name}}}}}"
        for name in (
            "request_id",
            "requestedBy_email",
            "requestedBy_username",
            "requestedBy_avatar",
            "requestedBy_settings_discordId",
            "requestedBy_settings_telegramChatId",
        )
    },
    "{{issue}}": {
        f"{name}": f"{{{{{name}}}}}"
        for name in (
            "issue_id",
            "issue_type",
            "issue_status",
            "reportedBy_email",
            "reportedBy_username",
            "reportedBy_avatar",
            "reportedBy_settings_discordId",
            "reportedBy_settings_telegramChatId",
        )
    },
    "{{comment}}": {
        f"{name}": f"{{{{{name}}}}}"
        for name in (
            "comment_message",
            "commentedBy_email",
            "commentedBy_username",
            "commentedBy_avatar",
            "commentedBy_settings_discordId",
            "commentedBy_settings_telegramChatId",
        )
    },
    "{{extra}}": [],
}
WEBHOOK_BLOCKS = ("media", "request", "issue", "comment")
# The variables the agent fills (its KeyMap); others stay as written.
WEBHOOK_VARIABLES = tuple(
    dict.fromkeys(re.findall(r"\{\{(\w+)\}\}", json.dumps(FAKE_DEFAULT_TEMPLATE)))
)


def _stored_template(text: str) -> str:
    """What Overseerr keeps of a posted `jsonPayload`: base64 of the string as received."""
    return base64.b64encode(text.encode()).decode()


def _render_webhook(template: Any, values: dict[str, str], blocks: set[str]) -> Any:
    """WebhookAgent.parseKeys: fill `{{name}}` (first occurrence) and the optional blocks."""
    if not isinstance(template, dict):
        return template
    out: dict[str, Any] = {}
    for key, value in template.items():
        if key == "{{extra}}":
            key, value = "extra", []
        elif key.startswith("{{") and key[2:-2] in WEBHOOK_BLOCKS:
            key = key[2:-2]
            value = value if key in blocks else None
        if isinstance(value, str):
            for name, filled in values.items():
                value = value.replace(f"{{{{{name}}}}}", filled, 1)
        elif isinstance(value, dict):
            value = _render_webhook(value, values, blocks)
        out[key] = value
    return out


class WebhookAgentMixin:
    """FakeOverseerr's `/settings/notifications/webhook` and its `/test`.

    `webhook_agent` is the agent as Overseerr stores it (template in base64);
    `webhook_deliveries` lists each test sent: (url, receiver's status or the error).
    """

    def __init__(self) -> None:
        super().__init__()
        default = json.dumps(json.dumps(FAKE_DEFAULT_TEMPLATE, indent=2))
        self.webhook_agent: dict[str, Any] = {
            "enabled": False,
            "embedPoster": True,
            "types": 0,
            "options": {"webhookUrl": "", "jsonPayload": _stored_template(default)},
        }
        self.webhook_deliveries: list[tuple[str, int | str]] = []

    # test-facing

    def set_webhook_agent(
        self, *, enabled: bool, url: str, auth_header: str = "", types: int = 0
    ) -> None:
        """Configure the agent as an admin would on the settings page (default template)."""
        self.webhook_agent = {
            **self.webhook_agent,
            "enabled": enabled,
            "types": types,
            "options": {
                "webhookUrl": url,
                "authHeader": auth_header,
                "jsonPayload": self.webhook_agent["options"]["jsonPayload"],
            },
        }

    @property
    def webhook_json_payload(self) -> str:
        """The `jsonPayload` string exactly as the last POST sent it (decoded from base64)."""
        return base64.b64decode(self.webhook_agent["options"]["jsonPayload"]).decode()

    # routes

    def _webhook_routes(self: Any) -> list[tuple[str, str, Handler, int]]:
        admin = int(Permission.ADMIN)
        return [
            ("GET", "/settings/notifications/webhook", self._get_webhook, admin),
            ("POST", "/settings/notifications/webhook", self._post_webhook, admin),
            ("POST", "/settings/notifications/webhook/test", self._test_webhook, admin),
        ]

    @staticmethod
    def _webhook_settings(body: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The agent a POST body describes, or JS's JSON.parse error for its jsonPayload."""
        options = body.get("options") or {}
        text = options.get("jsonPayload")
        if not isinstance(text, str):
            return None, f'"{text}" is not valid JSON'
        try:
            json.loads(text)
        except ValueError:
            return None, f"Unexpected token in JSON at position 0: {text[:20]!r}"
        return {
            "enabled": body.get("enabled"),
            "embedPoster": body.get("embedPoster"),
            "types": body.get("types"),
            "options": {
                "jsonPayload": _stored_template(text),
                "webhookUrl": options.get("webhookUrl"),
                "authHeader": options.get("authHeader"),
            },
        }, None

    async def _get_webhook(
        self: Any, request: web.Request, user: Any, body: Any
    ) -> tuple[int, Any]:
        agent = self.webhook_agent
        options = agent["options"]
        text = base64.b64decode(options["jsonPayload"]).decode()
        return 200, {
            "enabled": agent["enabled"],
            "embedPoster": agent["embedPoster"],
            "types": agent["types"],
            "options": {
                **{k: v for k, v in options.items() if v is not None},
                "jsonPayload": json.loads(text),
            },
        }

    async def _post_webhook(
        self: Any, request: web.Request, user: Any, body: Any
    ) -> tuple[int, Any]:
        agent, problem = self._webhook_settings(body)
        if agent is None:
            return 500, {"message": problem}
        self.webhook_agent = agent
        options = {k: v for k, v in agent["options"].items() if v is not None}  # undefined
        return 200, {**{k: v for k, v in agent.items() if v is not None}, "options": options}

    async def _test_webhook(
        self: Any, request: web.Request, user: Any, body: Any
    ) -> tuple[int, Any]:
        agent, problem = self._webhook_settings(body)
        if agent is None:
            return 500, {"message": problem}
        if await self._send_test(agent):
            return 204, None
        return 500, {"message": "Failed to send webhook notification."}

    async def _send_test(self: Any, agent: dict[str, Any]) -> bool:
        """WebhookAgent.send(TEST_NOTIFICATION): any failure, parsing included, is False."""
        options = agent["options"]
        url = options["webhookUrl"] or ""
        try:
            text = json.loads(base64.b64decode(options["jsonPayload"]).decode())
            if not isinstance(text, str):  # JSON.parse of an object: "[object Object]"
                raise ValueError('"[object Object]" is not valid JSON')
            values = {
                "notification_type": "TEST_NOTIFICATION",
                "subject": "Test Notification",
                "message": "Check check, 1, 2, 3. Are we coming in clear?",
            }
            filled = dict.fromkeys(WEBHOOK_VARIABLES, "") | values  # no media, request, …
            payload = _render_webhook(json.loads(text), filled, set())
            status = await asyncio.wait_for(
                self.send_webhook(url, payload, options["authHeader"] or ""), 15
            )
        except (ValueError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            self.webhook_deliveries.append((url, f"{type(exc).__name__}: {exc}"))
            return False
        self.webhook_deliveries.append((url, status))
        return 200 <= status < 300


class FakeOverseerr(FakeIssues, NotificationSettingsMixin, WebhookAgentMixin, LoopbackServer):
    """Overseerr's `/api/v1` on 127.0.0.1: users, a small TMDB catalogue, media and requests.

    State tests may read: `users`, `catalogue`, `media` (keyed by (media_type, tmdb_id)),
    `media_requests`, `violations`; `clock` can be replaced to age requests for quotas.
    """

    def __init__(
        self, *, api_key: str = "overseerr-key", version: str = "1.33.2", enable_4k: bool = False
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.version = version
        self.enable_4k = enable_4k
        self.spec: OpenApiSpec = load_spec()
        self.violations: list[SpecViolation] = []
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.users: dict[int, dict[str, Any]] = {}
        self.catalogue: dict[tuple[str, int], dict[str, Any]] = {}
        self.media: dict[tuple[str, int], dict[str, Any]] = {}
        self._requests: dict[int, dict[str, Any]] = {}
        self._failures: list[_Failure] = []
        self._next = {"media": 1, "request": 1, "season": 1}
        self.add_user(1, plex_id=1, plex_username="admin", permissions=int(Permission.ADMIN))

    # ----- test-facing set-up -------------------------------------------------------------

    def add_user(
        self,
        id: int,
        *,
        plex_id: int,
        plex_username: str,
        email: str | None = None,
        discord_id: str | None = None,
        permissions: int = int(Permission.REQUEST),
        quota: dict[str, dict[str, int]] | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) an Overseerr user; quota is {"movie": {"limit", "days"}, "tv": …}."""
        now = _iso(self.clock())
        quota = quota or {}
        user = {
            "id": id,
            "email": (email or f"{plex_username}@example.com").lower(),
            "plexUsername": plex_username,
            "plexId": plex_id,
            "userType": 1,
            "permissions": int(permissions),
            "avatar": f"https://plex.tv/users/{plex_id:x}/avatar?c=1",
            "movieQuotaLimit": quota.get("movie", {}).get("limit"),
            "movieQuotaDays": quota.get("movie", {}).get("days"),
            "tvQuotaLimit": quota.get("tv", {}).get("limit"),
            "tvQuotaDays": quota.get("tv", {}).get("days"),
            "createdAt": now,
            "updatedAt": now,
            "settings": {
                "id": id,
                "locale": "",
                "region": None,
                "originalLanguage": None,
                "pgpKey": None,
                "discordId": discord_id,
                "pushbulletAccessToken": None,
                "pushoverApplicationToken": None,
                "pushoverUserKey": None,
                "telegramChatId": None,
                "telegramSendSilently": None,
                "watchlistSyncMovies": None,
                "watchlistSyncTv": None,
                "notificationTypes": {},
            },
        }
        self.users[id] = user
        return user

    def add_movie(
        self,
        tmdb_id: int,
        title: str,
        year: int,
        *,
        status: int | None = None,
        status4k: int | None = None,
    ) -> dict[str, Any]:
        """Add a TMDB movie; a status (1..5, Seerr 6/7) also makes Overseerr know the media."""
        movie = {
            "id": tmdb_id,
            "title": title,
            "releaseDate": f"{year}-06-01",
            "overview": f"{title} is a film from {year}.",
            "posterPath": f"/poster{tmdb_id}.jpg",
            "imdbId": f"tt{tmdb_id:07d}",
        }
        self.catalogue[("movie", tmdb_id)] = movie
        if status is not None or status4k is not None:
            self._ensure_media("movie", tmdb_id, status or 1, status4k or 1)
        return movie

    def add_tv(
        self,
        tmdb_id: int,
        name: str,
        year: int,
        seasons: int | list[int],
        *,
        status: int | None = None,
        season_statuses: dict[int, int] | None = None,
    ) -> dict[str, Any]:
        """Add a TMDB series; `seasons` is a count (1..n) or the season numbers (0 = specials)."""
        numbers = list(range(1, seasons + 1)) if isinstance(seasons, int) else list(seasons)
        show = {
            "id": tmdb_id,
            "name": name,
            "firstAirDate": f"{year}-01-15",
            "overview": f"{name} is a series from {year}.",
            "posterPath": f"/poster{tmdb_id}.jpg",
            "tvdbId": tmdb_id + 100000,
            "seasons": [
                {
                    "id": tmdb_id * 100 + n,
                    "seasonNumber": n,
                    "episodeCount": 10,
                    "name": "Specials" if n == 0 else f"Season {n}",
                    "airDate": f"{year + max(n - 1, 0)}-01-15",
                    "overview": "",
                    "posterPath": f"/season{tmdb_id}_{n}.jpg",
                }
                for n in numbers
            ],
        }
        self.catalogue[("tv", tmdb_id)] = show
        if status is not None or season_statuses:
            media = self._ensure_media("tv", tmdb_id, status or 1, 1)
            self._set_seasons(media, season_statuses or {}, is4k=False)
        return show

    def add_person(self, tmdb_id: int, name: str) -> dict[str, Any]:
        """Add a TMDB person, so searches also return `mediaType: "person"` results."""
        person = {"id": tmdb_id, "name": name, "profilePath": f"/person{tmdb_id}.jpg"}
        self.catalogue[("person", tmdb_id)] = person
        return person

    def set_media_status(
        self,
        tmdb_id: int,
        media_type: str,
        status: int,
        *,
        seasons: dict[int, int] | None = None,
        is4k: bool = False,
    ) -> dict[str, Any]:
        """Set a title's availability (as Plex/Sonarr/Radarr scans would), with season statuses."""
        media = self._ensure_media(media_type, tmdb_id, 1, 1)
        media["status4k" if is4k else "status"] = int(status)
        self._set_seasons(media, seasons or {}, is4k=is4k)
        media["updatedAt"] = _iso(self.clock())
        return media

    def set_request_status(self, request_id: int, status: int) -> dict[str, Any]:
        """Change a request's status as an admin on the website would (media status follows)."""
        request = self._requests[request_id]
        self._apply_request_status(request, int(status), modified_by=1)
        return self._render_request(request)

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int = 503,
        times: int = 1,
        body: Any = None,
        *,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` matching calls (method "*" = any) with `status`, after `delay` s.

        `body`: a dict is sent as JSON, a str as text (a proxy's HTML page, say).
        """
        prefix = path_prefix if path_prefix.startswith(API) else API + path_prefix
        self._failures.append(_Failure(method.upper(), prefix, status, times, body, delay))

    @property
    def media_requests(self) -> dict[int, dict[str, Any]]:
        """The created requests by id, rendered as Overseerr returns them."""
        return {rid: self._render_request(r) for rid, r in self._requests.items()}

    # ----- webhooks ------------------------------------------------------------------------

    def webhook_payload(
        self,
        notification_type: str,
        request_id: int | None = None,
        *,
        tmdb_id: int | None = None,
        media_type: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """The webhook agent's default JSON template filled in as Overseerr does (all strings).

        Keyword arguments replace top-level fields (`subject`, `message`, `image`, `event`,
        `extra`, `issue`, `comment`, `media`, `request`).
        """
        if notification_type not in NOTIFICATION_TYPES:
            raise ValueError(f"unknown notification type {notification_type!r}")
        request = self._requests[request_id] if request_id is not None else None
        media: dict[str, Any] | None = None
        if request is not None:
            media = self.media[request["media_key"]]
        elif tmdb_id is not None:
            kind = media_type or "movie"
            media = self.media.get((kind, tmdb_id)) or {
                "mediaType": kind,
                "tmdbId": tmdb_id,
                "tvdbId": self.catalogue.get((kind, tmdb_id), {}).get("tvdbId"),
                "status": int(MediaStatus.UNKNOWN),
                "status4k": int(MediaStatus.UNKNOWN),
            }
        payload: dict[str, Any] = {
            "notification_type": notification_type,
            "event": "",
            "subject": "",
            "message": "",
            "image": "",
            "media": None,
            "request": None,
            "issue": None,
            "comment": None,
            "extra": [],
        }
        if notification_type == "TEST_NOTIFICATION":
            payload["subject"] = "Test Notification"
            payload["message"] = "Check check, 1, 2, 3. Are we coming in clear?"
        if media is not None:
            title = self.catalogue.get((media["mediaType"], media["tmdbId"]), {})
            name = title.get("title") or title.get("name") or ""
            date = title.get("releaseDate") or title.get("firstAirDate") or ""
            payload["subject"] = f"{name} ({date[:4]})" if date else name
            payload["message"] = title.get("overview", "")[:500]
            payload["image"] = TMDB_IMAGE + title["posterPath"] if title else ""
            payload["event"] = self._event(notification_type, media["mediaType"], request)
            payload["media"] = {
                "media_type": media["mediaType"],
                "tmdbId": str(media["tmdbId"]),
                "tvdbId": "" if media["tvdbId"] is None else str(media["tvdbId"]),
                "status": self._status_name(media["status"]),
                "status4k": self._status_name(media["status4k"]) if media["status"] else "",
            }
        if request is not None:
            user = self.users[request["requestedBy"]]
            payload["request"] = {
                "request_id": str(request["id"]),
                "requestedBy_email": user["email"],
                "requestedBy_username": self._display_name(user),
                "requestedBy_avatar": user["avatar"],
                "requestedBy_settings_discordId": user["settings"]["discordId"] or "",
                "requestedBy_settings_telegramChatId": user["settings"]["telegramChatId"] or "",
            }
            if request["type"] == "tv":
                seasons = ", ".join(str(s["seasonNumber"]) for s in request["seasons"])
                payload["extra"] = [{"name": "Requested Seasons", "value": seasons}]
        payload.update(extra)
        return payload

    @staticmethod
    def _event(notification_type: str, media_type: str, request: dict[str, Any] | None) -> str:
        """The `event` line Overseerr writes for media notifications."""
        quality = "4K " if request and request["is4k"] else ""
        noun = "Movie" if media_type == "movie" else "Series"
        templates = {
            "MEDIA_PENDING": "New {q}{n} Request",
            "MEDIA_APPROVED": "{q}{n} Request Approved",
            "MEDIA_AUTO_APPROVED": "{q}{n} Request Automatically Approved",
            "MEDIA_DECLINED": "{q}{n} Request Declined",
            "MEDIA_FAILED": "{q}{n} Request Failed",
            "MEDIA_AUTO_REQUESTED": "{q}{n} Request Automatically Submitted",
            "MEDIA_AVAILABLE": "{q}{n} Request Now Available",
        }
        return templates.get(notification_type, "").format(q=quality, n=noun)

    async def send_webhook(self, url: str, payload: dict[str, Any], authorization: str) -> int:
        """POST the payload like Overseerr's webhook agent (Authorization verbatim); the status."""
        headers = {
            "Accept": "application/json, text/plain, */*",
            "Content-Type": "application/json",
        }
        if authorization:
            headers["Authorization"] = authorization
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=data, headers=headers) as response,
        ):
            await response.read()
            return response.status

    # ----- server --------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop serving; raise the first spec violation the fake made, if any."""
        await super().stop()
        if self.violations:
            first, self.violations = self.violations[0], []
            raise first

    def build_app(self) -> web.Application:
        app = web.Application()
        described = self.spec.operations()
        for method, template, handler, permission in self._routes():
            if (method, template) not in described and (method, template) not in SEERR_EXTENSIONS:
                raise SpecViolation(f"{method} {template} is neither in the spec nor an extension")
            app.router.add_route(
                method, API + template, self._endpoint(method, template, handler, permission)
            )
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    def _routes(self) -> list[tuple[str, str, Handler, int]]:
        """(method, spec path template, handler, permission the caller needs) per operation."""
        return [
            ("GET", "/status", self._status, 0),
            ("GET", "/status/appdata", self._appdata, 0),
            ("GET", "/settings/public", self._settings_public, 0),
            ("GET", "/settings/main", self._settings_main, Permission.ADMIN),
            ("GET", "/settings/radarr", self._settings_radarr, Permission.ADMIN),
            ("GET", "/settings/sonarr", self._settings_sonarr, Permission.ADMIN),
            ("GET", "/auth/me", self._auth_me, 0),
            ("GET", "/search", self._search, 0),
            ("GET", "/movie/{movieId}", self._movie, 0),
            ("GET", "/tv/{tvId}", self._tv, 0),
            ("GET", "/request", self._list_requests, 0),
            ("POST", "/request", self._create_request, 0),
            ("GET", "/request/count", self._count_requests, 0),
            ("GET", "/request/{requestId}", self._get_request, 0),
            ("DELETE", "/request/{requestId}", self._delete_request, 0),
            ("POST", "/request/{requestId}/{status}", self._moderate, Permission.MANAGE_REQUESTS),
            ("GET", "/user", self._list_users, 0),
            ("GET", "/user/{userId}", self._get_user, 0),
            ("GET", "/user/{userId}/quota", self._quota_endpoint, 0),
            ("GET", "/user/{userId}/requests", self._user_requests, 0),
            ("GET", "/media", self._list_media, 0),
            *self._issue_routes(),
            *self._notification_routes(),
            *self._webhook_routes(),
        ]

    def _endpoint(
        self, method: str, template: str, handler: Handler, permission: int
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        public = self.spec.is_public(method, template)

        async def endpoint(request: web.Request) -> web.StreamResponse:
            failure = await self._take_failure(request)
            if failure is not None:
                return failure
            if not public and not (
                request.headers.get("X-Api-Key") or "connect.sid" in request.cookies
            ):
                message = "cookie 'connect.sid' required"
                body = {"message": message, "errors": [{"path": request.path, "message": message}]}
                return self._answer(method, template, 401, body)
            problem = self._check_query(method, template, request)
            payload: Any = None
            if problem is None and method in ("POST", "PUT", "PATCH"):
                payload, problem = await self._read_json(method, template, request)
            if problem is not None:
                return self._answer(method, template, 400, problem)
            user = self._acting_user(request)
            if not public and (user is None or not _has(user["permissions"], permission)):
                return self._answer(method, template, 403, NO_PERMISSION)
            status, body = await handler(request, user, payload)
            return self._answer(method, template, status, body)

        return endpoint

    def _answer(self, method: str, template: str, status: int, body: Any) -> web.Response:
        """Check the answer against the spec, then send it as Express would."""
        if (method, template) not in SEERR_EXTENSIONS:
            try:
                self.spec.check_response(method, template, status, body)
            except SpecViolation as violation:
                self.violations.append(violation)
                raise
        if body is None:
            return web.Response(status=status)
        return web.Response(
            status=status,
            body=json.dumps(body, separators=(",", ":")).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    async def _not_found(self, request: web.Request) -> web.Response:
        body = {"message": "not found", "errors": [{"path": request.path, "message": "not found"}]}
        return web.json_response(body, status=404)

    async def _take_failure(self, request: web.Request) -> web.Response | None:
        for failure in self._failures:
            if failure.method in (request.method, "*") and request.path.startswith(failure.prefix):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                await asyncio.sleep(failure.delay)
                if isinstance(failure.body, str):
                    return web.Response(status=failure.status, text=failure.body)
                body = failure.body
                if body is None:
                    body = {"message": f"Injected failure {failure.status}"}
                return web.json_response(body, status=failure.status)
        return None

    def _check_query(self, method: str, template: str, request: web.Request) -> Any:
        """express-openapi-validator's query checks: unknown names, reserved characters, types."""
        raw: dict[str, list[str]] = {}
        for part in request.rel_url.raw_query_string.split("&"):
            if part:
                key, _, rest = part.partition("=")
                raw.setdefault(key, []).append(rest.split("=")[0])
        if self.spec.operation(method, template) is None:
            return None  # a Seerr extension: its parameters are not in the spec
        params = self.spec.query_parameters(method, template)
        known = {p["name"] for p in params}
        for name in request.query:
            if name not in known:
                message = f"Unknown query parameter '{name}'"
                return {
                    "message": message,
                    "errors": [{"path": f".query.{name}", "message": message}],
                }
        for param in params:
            name = param["name"]
            if not param.get("allowReserved") and any(
                RESERVED.search(v) for v in raw.get(name, [])
            ):
                message = (
                    f"Parameter '{name}' must be url encoded. "
                    "Its value may not contain reserved characters."
                )
                return {
                    "message": message,
                    "errors": [{"path": f".query.{name}", "message": message}],
                }
            value = request.query.get(name)
            schema = param.get("schema", {})
            types = schema.get("type", [])
            types = [types] if isinstance(types, str) else types
            if value is None:
                if param.get("required"):
                    return self._bad_request(
                        "request/query", f"must have required property '{name}'"
                    )
                continue
            if ("number" in types or "integer" in types) and value and _number(value) is None:
                return self._bad_request(f"request/query/{name}", f"must be {types[0]}")
            enum = [e for e in schema.get("enum", []) if e is not None]
            if enum and value not in enum:
                allowed = ", ".join(map(str, enum))
                return self._bad_request(
                    f"request/query/{name}",
                    f"must be equal to one of the allowed values: {allowed}",
                )
        return None

    async def _read_json(self, method: str, template: str, request: web.Request) -> tuple[Any, Any]:
        text = await request.text() if request.body_exists else ""
        op = self.spec.operation(method, template) or {}
        if not text:
            # Express hands an empty body to the validator as {}.
            return (
                ({}, None) if "requestBody" not in op else self._body_problem(method, template, {})
            )
        try:
            payload = json.loads(text)
        except ValueError as exc:
            return None, {"message": f"Unexpected token in JSON: {exc}"}
        return self._body_problem(method, template, payload)

    def _body_problem(self, method: str, template: str, payload: Any) -> tuple[Any, Any]:
        """Validate a JSON request body like express-openapi-validator (first error only)."""
        errors = self.spec.request_errors(method, template, payload)
        if not errors:
            return payload, None
        error = errors[0]
        where = "request/body" + "".join(f"/{p}" for p in error.path)
        if error.validator == "required":
            missing = error.message.split("'")[1]
            return payload, self._bad_request(where, f"must have required property '{missing}'")
        if error.validator == "type":
            return payload, self._bad_request(where, f"must be {error.validator_value}")
        if error.validator == "enum":
            allowed = ", ".join(map(str, error.validator_value))
            return payload, self._bad_request(
                where, f"must be equal to one of the allowed values: {allowed}"
            )
        return payload, self._bad_request(where, error.message)

    @staticmethod
    def _bad_request(where: str, message: str) -> dict[str, Any]:
        path = "/" + where.split("/", 1)[1]
        return {"message": f"{where} {message}", "errors": [{"path": path, "message": message}]}

    def _acting_user(self, request: web.Request) -> dict[str, Any] | None:
        """checkUser: the API key acts as user 1, or as `X-API-User` when given."""
        if request.headers.get("X-Api-Key") != self.api_key:
            return None
        header = request.headers.get("X-API-User")
        user_id = 1
        if header:
            match = re.match(r"\s*[-+]?\d+", header)
            if not match:
                return None
            user_id = int(match.group())
        return self.users.get(user_id)

    # ----- rendering -----------------------------------------------------------------------

    @staticmethod
    def _display_name(user: dict[str, Any]) -> str:
        return user.get("username") or user.get("plexUsername") or user["email"]

    @staticmethod
    def _status_name(status: int) -> str:
        try:
            return MediaStatus(status).name
        except ValueError:
            return ""

    def _render_user(self, user: dict[str, Any], *, settings: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in user.items() if k != "settings"}
        out["requestCount"] = sum(
            1 for r in self._requests.values() if r["requestedBy"] == user["id"]
        )
        out["displayName"] = self._display_name(user)
        if settings:
            out["settings"] = dict(user["settings"])
        return out

    def _render_media(self, media: dict[str, Any], *, requests: bool = False) -> dict[str, Any]:
        out = dict(media)
        out["seasons"] = [dict(s) for s in media["seasons"]]
        if requests:
            out["requests"] = [
                self._render_request(r, media=False)
                for r in self._requests.values()
                if r["media_key"] == (media["mediaType"], media["tmdbId"])
            ]
        return out

    def _render_request(
        self, request: dict[str, Any], *, media: bool = True, settings: bool = False
    ) -> dict[str, Any]:
        out = {k: v for k, v in request.items() if k not in ("media_key", "created")}
        out["seasons"] = [dict(s) for s in request["seasons"]]
        out["seasonCount"] = len(request["seasons"])
        out["requestedBy"] = self._render_user(
            self.users[request["requestedBy"]], settings=settings
        )
        modifier = request["modifiedBy"]
        out["modifiedBy"] = (
            self._render_user(self.users[modifier]) if modifier in self.users else None
        )
        if media:
            out["media"] = self._render_media(self.media[request["media_key"]])
        return out

    def _movie_result(self, movie: dict[str, Any]) -> dict[str, Any]:
        out = {
            "id": movie["id"],
            "mediaType": "movie",
            "adult": False,
            "genreIds": [],
            "originalLanguage": "en",
            "originalTitle": movie["title"],
            "overview": movie["overview"],
            "popularity": 10.0,
            "releaseDate": movie["releaseDate"],
            "title": movie["title"],
            "video": False,
            "voteAverage": 7.5,
            "voteCount": 1000,
            "backdropPath": f"/backdrop{movie['id']}.jpg",
            "posterPath": movie["posterPath"],
        }
        if ("movie", movie["id"]) in self.media:
            out["mediaInfo"] = self._render_media(self.media[("movie", movie["id"])])
        return out

    def _tv_result(self, show: dict[str, Any]) -> dict[str, Any]:
        out = {
            "id": show["id"],
            "mediaType": "tv",
            "firstAirDate": show["firstAirDate"],
            "genreIds": [],
            "name": show["name"],
            "originCountry": ["US"],
            "originalLanguage": "en",
            "originalName": show["name"],
            "overview": show["overview"],
            "popularity": 10.0,
            "voteAverage": 7.5,
            "voteCount": 1000,
            "backdropPath": f"/backdrop{show['id']}.jpg",
            "posterPath": show["posterPath"],
        }
        if ("tv", show["id"]) in self.media:
            out["mediaInfo"] = self._render_media(self.media[("tv", show["id"])])
        return out

    def _person_result(self, person: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": person["id"],
            "mediaType": "person",
            "name": person["name"],
            "popularity": 5.0,
            "adult": False,
            "profilePath": person["profilePath"],
            "knownFor": [],
        }

    # ----- state changes -------------------------------------------------------------------

    def _ensure_media(
        self, media_type: str, tmdb_id: int, status: int, status4k: int
    ) -> dict[str, Any]:
        key = (media_type, tmdb_id)
        if key not in self.media:
            now = _iso(self.clock())
            title = self.catalogue.get(key, {})
            self.media[key] = {
                "downloadStatus": [],
                "downloadStatus4k": [],
                "id": self._take_id("media"),
                "mediaType": media_type,
                "tmdbId": tmdb_id,
                "tvdbId": title.get("tvdbId"),
                "imdbId": title.get("imdbId"),
                "status": int(status),
                "status4k": int(status4k),
                "createdAt": now,
                "updatedAt": now,
                "lastSeasonChange": now,
                "mediaAddedAt": None,
                "serviceId": None,
                "serviceId4k": None,
                "externalServiceId": None,
                "externalServiceId4k": None,
                "externalServiceSlug": None,
                "externalServiceSlug4k": None,
                "ratingKey": None,
                "ratingKey4k": None,
                "seasons": [],
            }
        return self.media[key]

    def _set_seasons(self, media: dict[str, Any], statuses: dict[int, int], *, is4k: bool) -> None:
        now = _iso(self.clock())
        field = "status4k" if is4k else "status"
        for number, status in statuses.items():
            season = next((s for s in media["seasons"] if s["seasonNumber"] == number), None)
            if season is None:
                season = {
                    "id": self._take_id("season"),
                    "seasonNumber": number,
                    "status": 1,
                    "status4k": 1,
                    "createdAt": now,
                    "updatedAt": now,
                }
                media["seasons"].append(season)
            season[field] = int(status)
            season["updatedAt"] = now

    def _take_id(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] += 1
        return value

    def _apply_request_status(self, request: dict[str, Any], status: int, modified_by: int) -> None:
        """Set a request's status and run Overseerr's updateParentStatus on its media."""
        request["status"] = status
        request["modifiedBy"] = modified_by
        request["updatedAt"] = _iso(self.clock())
        media = self.media[request["media_key"]]
        field = "status4k" if request["is4k"] else "status"
        if status == RequestStatus.APPROVED:
            for season in request["seasons"]:
                season["status"] = int(RequestStatus.APPROVED)
            if media[field] not in (MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE):
                media[field] = int(MediaStatus.PROCESSING)
        elif status == RequestStatus.DECLINED:
            pending = any(
                r["status"] == RequestStatus.PENDING
                for r in self._requests.values()
                if r["media_key"] == request["media_key"]
            )
            if media["mediaType"] == "movie" or (
                not pending and media[field] == MediaStatus.PENDING
            ):
                media[field] = int(MediaStatus.UNKNOWN)

    def _quota(self, user: dict[str, Any]) -> dict[str, Any]:
        """User.getQuota(): MANAGE_USERS bypasses; TV quotas count seasons."""
        bypass = _has(user["permissions"], [Permission.MANAGE_USERS], any_of=True)
        now = self.clock()
        out: dict[str, Any] = {}
        for kind in ("movie", "tv"):
            limit = None if bypass else user[f"{kind}QuotaLimit"]
            days = user[f"{kind}QuotaDays"]
            since = now - timedelta(days=days) if days else None
            used = 0
            if limit:
                for r in self._requests.values():
                    recent = since is None or r["created"] > since
                    mine = r["requestedBy"] == user["id"] and r["type"] == kind
                    if mine and recent and r["status"] != RequestStatus.DECLINED:
                        used += len(r["seasons"]) if kind == "tv" else 1
            entry: dict[str, Any] = {"used": used}
            if bypass or limit is not None:
                entry["limit"] = limit or 0
            if days is not None:
                entry["days"] = days
            if limit:
                entry["remaining"] = max(0, limit - used)
            entry["restricted"] = bool(limit and limit - used <= 0)
            out[kind] = entry
        return out

    # ----- endpoints -----------------------------------------------------------------------

    async def _status(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        return 200, {
            "version": self.version,
            "commitTag": "local",
            "updateAvailable": False,
            "commitsBehind": 0,
            "restartRequired": False,
        }

    async def _appdata(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        return 200, {"appData": True, "appDataPath": "/app/config"}

    async def _settings_public(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        return 200, {
            "initialized": True,
            "applicationTitle": "Overseerr",
            "applicationUrl": "",
            "hideAvailable": False,
            "localLogin": True,
            "movie4kEnabled": self.enable_4k,
            "series4kEnabled": self.enable_4k,
            "region": "",
            "originalLanguage": "",
            "partialRequestsEnabled": True,
            "cacheImages": False,
            "vapidPublic": "",
            "enablePushRegistration": False,
            "locale": "en",
            "emailEnabled": False,
            "newPlexLogin": True,
            **self._server_extras(),
        }

    async def _settings_main(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        return 200, {
            "apiKey": self.api_key,
            "applicationTitle": "Overseerr",
            "applicationUrl": "",
            "csrfProtection": False,
            "cacheImages": False,
            "defaultPermissions": int(Permission.REQUEST),
            "defaultQuotas": {"movie": {}, "tv": {}},
            "hideAvailable": False,
            "localLogin": True,
            "newPlexLogin": True,
            "region": "",
            "originalLanguage": "",
            "trustProxy": False,
            "partialRequestsEnabled": True,
            "locale": "en",
        }

    def _servers(self, kind: str) -> list[dict[str, Any]]:
        port, folder = (7878, "/movies") if kind == "radarr" else (8989, "/tv")
        servers = []
        for index, is4k in enumerate([False, True] if self.enable_4k else [False]):
            server: dict[str, Any] = {
                "id": index,
                "name": f"{kind.title()}{' 4K' if is4k else ''}",
                "hostname": f"{kind}{'4k' if is4k else ''}",
                "port": port,
                "apiKey": f"{kind}-key",
                "useSsl": False,
                "baseUrl": "",
                "activeProfileId": 1,
                "activeProfileName": "Ultra-HD" if is4k else "HD-1080p",
                "activeDirectory": folder,
                "is4k": is4k,
                "isDefault": True,
                "externalUrl": "",
                "syncEnabled": False,
                "preventSearch": False,
                "tags": [],
            }
            if kind == "radarr":
                server["minimumAvailability"] = "released"
            else:
                server.update(enableSeasonFolders=True, activeLanguageProfileId=1, animeTags=[])
            servers.append(server)
        return servers

    async def _settings_radarr(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        return 200, self._servers("radarr")

    async def _settings_sonarr(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        return 200, self._servers("sonarr")

    async def _auth_me(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        return 200, self._render_user(user, settings=True)

    async def _search(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        query = request.query["query"]
        page = max(1, int(_number(request.query.get("page", "1")) or 1))
        by_id = re.fullmatch(r"tmdb:(\d+)", query.strip().lower())
        hits = []
        for (kind, tmdb_id), item in self.catalogue.items():
            if not query.strip():
                found = False
            elif by_id:
                found = kind != "person" and tmdb_id == int(by_id.group(1))
            else:
                found = query.lower() in (item.get("title") or item.get("name") or "").lower()
            if found:
                hits.append((kind, item))
        chunk = hits[(page - 1) * 20 : page * 20]
        render = {"movie": self._movie_result, "tv": self._tv_result, "person": self._person_result}
        return 200, {
            "page": page,
            "totalPages": max(1, math.ceil(len(hits) / 20)),
            "totalResults": len(hits),
            "results": [render[kind](item) for kind, item in chunk],
        }

    async def _movie(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        tmdb_id = _number(request.match_info["movieId"])
        movie = self.catalogue.get(("movie", int(tmdb_id))) if tmdb_id is not None else None
        if movie is None:
            return 500, {"message": "Unable to retrieve movie."}
        out = self._movie_result(movie)
        out.pop("mediaType")
        out.pop("genreIds")
        out.update(
            imdbId=movie["imdbId"],
            budget=0,
            genres=[],
            homepage="",
            relatedVideos=[],
            releases={"results": []},
            revenue=None,
            runtime=120,
            spokenLanguages=[{"englishName": "English", "iso_639_1": "en", "name": "English"}],
            productionCompanies=[],
            productionCountries=[],
            status="Released",
            tagline="",
            credits={"cast": [], "crew": []},
            externalIds={"imdbId": movie["imdbId"], "facebookId": None, "twitterId": None},
            watchProviders=[],
        )
        if ("movie", movie["id"]) in self.media:
            out["mediaInfo"] = self._render_media(self.media[("movie", movie["id"])], requests=True)
        return 200, out

    async def _tv(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        tmdb_id = _number(request.match_info["tvId"])
        show = self.catalogue.get(("tv", int(tmdb_id))) if tmdb_id is not None else None
        if show is None:
            return 500, {"message": "Unable to retrieve series."}
        out = self._tv_result(show)
        for key in ("mediaType", "genreIds"):
            out.pop(key)
        seasons = [dict(s) for s in show["seasons"]]
        out.update(
            contentRatings={"results": []},
            createdBy=[],
            episodeRunTime=[45],
            genres=[],
            homepage="",
            inProduction=False,
            languages=["en"],
            lastAirDate=seasons[-1]["airDate"] if seasons else show["firstAirDate"],
            networks=[],
            numberOfEpisodes=sum(s["episodeCount"] for s in seasons),
            numberOfSeasons=len([s for s in seasons if s["seasonNumber"] > 0]),
            productionCompanies=[],
            productionCountries=[],
            spokenLanguages=[{"englishName": "English", "iso_639_1": "en", "name": "English"}],
            seasons=seasons,
            status="Ended",
            tagline="",
            type="Scripted",
            credits={"cast": [], "crew": []},
            externalIds={"tvdbId": show["tvdbId"], "imdbId": None, "tvrageId": None},
            keywords=[],
            watchProviders=[],
        )
        if ("tv", show["id"]) in self.media:
            out["mediaInfo"] = self._render_media(self.media[("tv", show["id"])], requests=True)
        return 200, out

    def _visible(self, user: dict[str, Any]) -> bool:
        return _has(
            user["permissions"], [Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW], any_of=True
        )

    def _page(self, items: list[Any], take: int, skip: int) -> dict[str, Any]:
        return {
            "pageInfo": {
                "pages": math.ceil(len(items) / take) if take else 0,
                "pageSize": take,
                "results": len(items),
                "page": math.ceil(skip / take) + 1 if take else 1,
            },
            "results": items[skip : skip + take],
        }

    @staticmethod
    def _take_skip(request: web.Request, default: int) -> tuple[int, int]:
        take = int(_number(request.query.get("take") or "") or default)
        skip = int(_number(request.query.get("skip") or "") or 0)
        return take, skip

    async def _list_requests(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        take, skip = self._take_skip(request, 10)
        requested_by = int(_number(request.query.get("requestedBy") or "") or 0) or None
        flt = request.query.get("filter")
        statuses = {
            "approved": {2},
            "processing": {2},
            "available": {2},
            "pending": {1},
            "unavailable": {1, 2},
            "failed": {4},
        }.get(flt or "", {1, 2, 3, 4, 5})
        media_statuses = {
            "available": {5},
            "processing": {1, 2, 3, 4},
            "unavailable": {1, 2, 3, 4},
        }.get(flt or "", {1, 2, 3, 4, 5, 6, 7})
        if not self._visible(user):
            if requested_by and requested_by != user["id"]:
                message = "You do not have permission to view this user's requests."
                return 403, {"message": message}
            requested_by = user["id"]
        chosen = []
        for r in self._requests.values():
            media = self.media[r["media_key"]]
            media_status = media["status4k" if r["is4k"] else "status"]
            wanted = requested_by is None or r["requestedBy"] == requested_by
            if wanted and r["status"] in statuses and media_status in media_statuses:
                chosen.append(r)
        key = "updatedAt" if request.query.get("sort") == "modified" else "id"
        chosen.sort(key=lambda r: (r[key], r["id"]), reverse=True)
        # A query builder list: requestedBy comes without its eager settings.
        return 200, self._page([self._render_request(r) for r in chosen], take, skip)

    async def _count_requests(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        rs = list(self._requests.values())

        def media_status(r: dict[str, Any]) -> int:
            return int(self.media[r["media_key"]]["status4k" if r["is4k"] else "status"])

        approved = [r for r in rs if r["status"] == RequestStatus.APPROVED]
        return 200, {
            "total": len(rs),
            "movie": sum(r["type"] == "movie" for r in rs),
            "tv": sum(r["type"] == "tv" for r in rs),
            "pending": sum(r["status"] == RequestStatus.PENDING for r in rs),
            "approved": len(approved),
            "declined": sum(r["status"] == RequestStatus.DECLINED for r in rs),
            "processing": sum(media_status(r) != MediaStatus.AVAILABLE for r in approved),
            "available": sum(media_status(r) == MediaStatus.AVAILABLE for r in approved),
        }

    def _find_request(self, request: web.Request) -> dict[str, Any] | None:
        rid = _number(request.match_info["requestId"])
        return self._requests.get(int(rid)) if rid is not None else None

    async def _get_request(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_request(request)
        if found is None:
            return 404, {"message": "Request not found."}
        if found["requestedBy"] != user["id"] and not self._visible(user):
            return 403, {"message": "You do not have permission to view this request."}
        return 200, self._render_request(found, settings=True)

    async def _delete_request(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_request(request)
        if found is None:
            return 404, {"message": "Request not found."}
        if (
            not _has(user["permissions"], Permission.MANAGE_REQUESTS)
            and found["requestedBy"] != user["id"]
            and found["status"] != RequestStatus.PENDING
        ):
            return 401, {"message": "You do not have permission to delete this request."}
        del self._requests[found["id"]]
        media = self.media[found["media_key"]]
        left = [r for r in self._requests.values() if r["media_key"] == found["media_key"]]
        for field, is4k in (("status", False), ("status4k", True)):
            if not any(r["is4k"] == is4k for r in left) and media[field] != MediaStatus.AVAILABLE:
                media[field] = int(MediaStatus.UNKNOWN)
        return 204, None

    async def _moderate(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_request(request)
        action = request.match_info["status"]
        status = {"pending": 1, "approve": 2, "decline": 3}.get(action)
        if found is None or status is None:
            return 404, {"message": "Request not found."}
        self._apply_request_status(found, status, modified_by=user["id"])
        return 200, self._render_request(found, settings=True)

    async def _create_request(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        """MediaRequest.request(): permission, quota, 409 duplicate, 202 nothing left, 201."""
        body = body or {}
        requester = user
        if body.get("userId"):
            wanted = [Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS]
            if not _has(user["permissions"], wanted):
                return 403, {"message": "You do not have permission to modify the request user."}
            requester = self.users.get(int(body["userId"]))
            if requester is None:
                message = f'Could not find any entity of type "User" matching id {body["userId"]}'
                return 500, {"message": message}
        kind, is4k = body["mediaType"], bool(body.get("is4k"))
        noun = "movie" if kind == "movie" else "series"
        if is4k:
            needed = [
                Permission.REQUEST_4K,
                Permission.REQUEST_4K_MOVIE if kind == "movie" else Permission.REQUEST_4K_TV,
            ]
        else:
            needed = [
                Permission.REQUEST,
                Permission.REQUEST_MOVIE if kind == "movie" else Permission.REQUEST_TV,
            ]
        if not _has(requester["permissions"], needed, any_of=True):
            quality = "4K " if is4k else ""
            return 403, {"message": f"You do not have permission to make {quality}{noun} requests."}
        quota = self._quota(requester)
        if quota[kind]["restricted"]:
            return 403, {
                "message": "Movie Quota exceeded." if kind == "movie" else "Series Quota exceeded."
            }
        title = self.catalogue.get((kind, int(body["mediaId"])))
        if title is None:
            what = "movie details" if kind == "movie" else "TV show details"
            return 500, {
                "message": f"[TMDB] Failed to fetch {what}: Request failed with status code 404"
            }
        key = (kind, title["id"])
        existing = sorted(
            (r for r in self._requests.values() if r["media_key"] == key and r["is4k"] == is4k),
            key=lambda r: r["id"],
        )
        if kind == "movie" and existing and existing[0]["status"] != RequestStatus.DECLINED:
            return 409, {"message": "Request for this media already exists."}
        seasons: list[int] = []
        if kind == "tv":
            asked = body.get("seasons")
            if asked is None:
                return 500, {"message": "Cannot read properties of undefined (reading 'filter')"}
            if asked == "all":
                asked = [s["seasonNumber"] for s in title["seasons"] if s["seasonNumber"] > 0]
            taken = {
                s["seasonNumber"]
                for r in existing
                if r["status"] != RequestStatus.DECLINED
                for s in r["seasons"]
            }
            media = self.media.get(key)
            field = "status4k" if is4k else "status"
            for season in media["seasons"] if media else []:
                if season[field] != MediaStatus.UNKNOWN:
                    taken.add(season["seasonNumber"])
            seasons = [int(n) for n in asked if n not in taken]
            if not seasons:
                return 202, {"message": "No seasons available to request"}
            if quota["tv"].get("limit") and len(seasons) > quota["tv"].get("remaining", 0):
                return 403, {"message": "Series Quota exceeded."}
        media = self.media.get(key)
        if media is None:
            media = self._ensure_media(kind, title["id"], 1 if is4k else 2, 2 if is4k else 1)
        elif media["status4k" if is4k else "status"] == MediaStatus.UNKNOWN:
            media["status4k" if is4k else "status"] = int(MediaStatus.PENDING)
        auto_bits = {
            (False, "movie"): [Permission.AUTO_APPROVE, Permission.AUTO_APPROVE_MOVIE],
            (False, "tv"): [Permission.AUTO_APPROVE, Permission.AUTO_APPROVE_TV],
            (True, "movie"): [Permission.AUTO_APPROVE_4K, Permission.AUTO_APPROVE_4K_MOVIE],
            (True, "tv"): [Permission.AUTO_APPROVE_4K, Permission.AUTO_APPROVE_4K_TV],
        }[(is4k, kind)]
        # Overseerr judges auto-approval by the caller (X-API-User), not by body.userId.
        approved = _has(user["permissions"], [*auto_bits, Permission.MANAGE_REQUESTS], any_of=True)
        status = RequestStatus.APPROVED if approved else RequestStatus.PENDING
        now = self.clock()
        record: dict[str, Any] = {
            "id": self._take_id("request"),
            "status": int(status),
            "createdAt": _iso(now),
            "updatedAt": _iso(now),
            "type": kind,
            "is4k": is4k,
            "isAutoRequest": False,
            "media_key": key,
            "created": now,
            "requestedBy": requester["id"],
            "modifiedBy": user["id"] if approved else None,
            "seasons": [
                {
                    "id": self._take_id("season"),
                    "seasonNumber": n,
                    "status": int(status),
                    "createdAt": _iso(now),
                    "updatedAt": _iso(now),
                }
                for n in seasons
            ],
        }
        for field in ("serverId", "profileId", "rootFolder", "languageProfileId", "tags"):
            if body.get(field) is not None:
                record[field] = body[field]
        self._requests[record["id"]] = record
        # The 201 body is rendered before updateParentStatus runs, as in Overseerr.
        answer = self._render_request(record, settings=True)
        if approved:
            self._apply_request_status(record, int(status), modified_by=user["id"])
        return 201, answer

    async def _list_users(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        take, skip = self._take_skip(request, 10)
        users = sorted(self.users.values(), key=lambda u: u["id"])
        sort = request.query.get("sort")
        if sort == "displayname":
            users.sort(key=lambda u: self._display_name(u).lower())
        elif sort == "requests":
            users.sort(key=lambda u: -self._render_user(u)["requestCount"])
        return 200, self._page([self._render_user(u) for u in users], take, skip)

    def _find_user(self, request: web.Request) -> dict[str, Any] | None:
        uid = _number(request.match_info["userId"])
        return self.users.get(int(uid)) if uid is not None else None

    async def _get_user(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_user(request)
        if found is None:
            return 404, {"message": "User not found."}
        return 200, self._render_user(found, settings=True)

    async def _quota_endpoint(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_user(request)
        wanted = [Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS]
        if (found is None or found["id"] != user["id"]) and not _has(user["permissions"], wanted):
            message = "You do not have permission to view this user's request limits."
            return 403, {"message": message}
        if found is None:
            return 404, {"message": "User not found."}
        return 200, self._quota(found)

    async def _user_requests(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        found = self._find_user(request)
        if found is None:
            return 404, {"message": "User not found."}
        if found["id"] != user["id"] and not self._visible(user):
            return 403, {"message": "You do not have permission to view this user's requests."}
        take, skip = self._take_skip(request, 20)
        mine = [r for r in self._requests.values() if r["requestedBy"] == found["id"]]
        mine.sort(key=lambda r: r["id"], reverse=True)
        return 200, self._page([self._render_request(r) for r in mine], take, skip)

    async def _list_media(self, request: web.Request, user: Any, body: Any) -> tuple[int, Any]:
        take, skip = self._take_skip(request, 20)
        wanted = {
            "available": {5},
            "partial": {4},
            "allavailable": {4, 5},
            "processing": {3},
            "pending": {2},
        }.get(request.query.get("filter") or "")
        items = [m for m in self.media.values() if wanted is None or m["status"] in wanted]
        key = "updatedAt" if request.query.get("sort") == "modified" else "createdAt"
        items.sort(key=lambda m: (m[key], m["id"]), reverse=True)
        return 200, self._page([self._render_media(m) for m in items], take, skip)
