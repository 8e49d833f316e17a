"""The tables. Plain tortoise models: nothing here knows about Discord or the services."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model


class Role(StrEnum):
    # Tortoise 1.1 quirks: model docstrings become SQL comments and are split on ";", and
    # PostgreSQL inserts fail for a model without a generated key, so every table has an id.
    ADMIN = "admin"
    USER = "user"


class RequestStatus(StrEnum):
    NEEDS_REVIEW = "needs_review"  # free text that matched nothing; an admin decides
    QUEUED = "queued"  # saved, not yet accepted by Overseerr
    PENDING = "pending"  # in Overseerr, waiting for approval
    APPROVED = "approved"
    PARTIALLY_AVAILABLE = "partially_available"
    AVAILABLE = "available"
    DECLINED = "declined"
    FAILED = "failed"
    REJECTED = "rejected"  # Overseerr refused it for good (permission, quota)


class CardDecision(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # deleted in Overseerr before anyone decided


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ItemStatus(StrEnum):
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    REDIRECTED = "redirected"  # DMs closed; posted in the notify channel instead
    UNDELIVERABLE = "undeliverable"


class TargetKind(StrEnum):
    DM = "dm"
    CHANNEL = "channel"


class MentionState(StrEnum):
    ADD = "add"  # to write into Overseerr (retried until Overseerr answers)
    WRITTEN = "written"  # we wrote it: unlink removes it
    ALREADY = "already"  # the member had set it themselves: unlink leaves it
    OTHER = "other"  # a different id is set: left alone and shown in /account
    REMOVE = "remove"  # unlinked: to remove from Overseerr (retried)


# Subscription.season sentinels, so its unique key never holds NULL (NULLs are never equal).
SEASON_WHOLE = -1  # a movie
SEASON_FUTURE = -2  # every season of a show that did not exist yet when it was made


class KeyValue(Model):
    """Small values the bot generates once and keeps (e.g. the Plex client identifier)."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    value = fields.TextField()

    class Meta:
        table = "key_value"


class Member(Model):
    """A Discord user the bot has met."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member"


class PlexLink(Model):
    """A member's verified Plex account, its token stored encrypted only."""

    id = fields.IntField(primary_key=True)
    member: fields.OneToOneRelation[Member] = fields.OneToOneField(
        "models.Member", related_name="plex_link", on_delete=fields.CASCADE
    )
    plex_user_id = fields.BigIntField(db_index=True)
    plex_username = fields.CharField(max_length=255)
    plex_email = fields.CharField(max_length=255, null=True)
    role = fields.CharEnumField(Role, max_length=16)
    token_encrypted = fields.TextField()
    linked_at = fields.DatetimeField()
    verified_at = fields.DatetimeField()

    class Meta:
        table = "plex_link"
        indexes = (("linked_at",),)


class LinkAttempt(Model):
    """An open link sign-in, keyed by the SHA-256 of its single-use state."""

    id = fields.IntField(primary_key=True)
    state_hash = fields.CharField(max_length=64, unique=True)
    discord_id = fields.BigIntField(db_index=True)
    pin_id = fields.BigIntField()
    pin_code = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "link_attempt"


class MediaRequest(Model):
    """A media request, from the moment it is saved until the media is available or refused."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(db_index=True)
    media_type = fields.CharField(max_length=8)  # movie | tv
    tmdb_id = fields.IntField(null=True)
    title = fields.CharField(max_length=500)
    year = fields.IntField(null=True)
    seasons: fields.Field[list[int] | None] = fields.JSONField(null=True)
    season_spec = fields.CharField(max_length=100, null=True)  # what the user typed, for review
    is_4k = fields.BooleanField(default=False)
    status = fields.CharEnumField(RequestStatus, max_length=24, db_index=True)
    overseerr_user_id = fields.IntField(null=True)
    overseerr_request_id = fields.IntField(null=True, db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    resolved_by = fields.BigIntField(null=True)  # the admin who resolved a manual review
    # Saved while Overseerr was down: validated (title, account, quota) before delivery.
    unchecked = fields.BooleanField(default=False)
    plex_user_id = fields.BigIntField(null=True)  # to find the Overseerr user of an unchecked one
    elsewhere = fields.BooleanField(default=False)  # made outside Discord, by a linked member
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    available_at = fields.DatetimeField(null=True)  # for time to available

    class Meta:
        table = "media_request"
        # Covering indexes for the dashboard: open requests per member, requests per period
        # (by outcome and member), and times to available per period.
        indexes = (
            ("media_type", "tmdb_id"),
            ("status", "discord_id", "created_at"),
            ("created_at", "status", "discord_id"),
            ("available_at", "media_type", "created_at"),
        )

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        # Saves that make a request available stamp the moment; conditional updates set it.
        stamped = []
        if self.status == RequestStatus.AVAILABLE and self.available_at is None:
            self.available_at = datetime.now(UTC)
            stamped.append("available_at")
        if update_fields is not None:
            update_fields = [*update_fields, *stamped]
        await super().save(using_db, update_fields, force_create, force_update)


class MemberActivity(Model):
    """That a member ran at least one command on one day (UTC), for the active-member count."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField()
    day = fields.DateField()

    class Meta:
        table = "member_activity"
        unique_together = (("discord_id", "day"),)
        indexes = (("day", "discord_id"),)


class NotificationPrefs(Model):
    """Which request DMs a member wants (a member without a row gets them all)."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(unique=True)
    discord_requests = fields.BooleanField(default=True)  # their requests made in Discord
    elsewhere_requests = fields.BooleanField(default=True)  # theirs made on Overseerr, Plex, apps
    followed_media = fields.BooleanField(default=True)  # media they follow ("Notify me")
    name_in_public = fields.BooleanField(default=False)  # public posts may name them
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "notification_prefs"


class MemberLanguage(Model):
    """A member's language: the one they picked in /notifications, and their Discord one."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(unique=True)
    chosen = fields.CharField(max_length=16, null=True)  # wins over Discord's; None: automatic
    seen = fields.CharField(max_length=16, null=True)  # Discord's locale at their last interaction
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "member_language"


class Subscription(Model):
    """A member following media they did not request, until it is on Plex or refused."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(db_index=True)
    media_type = fields.CharField(max_length=8)  # movie | tv
    tmdb_id = fields.IntField()
    season = fields.IntField(default=SEASON_WHOLE)  # a TV season, SEASON_WHOLE or SEASON_FUTURE
    is_4k = fields.BooleanField(default=False)
    title = fields.CharField(max_length=500)
    year = fields.IntField(null=True)
    known_seasons: fields.Field[list[int] | None] = fields.JSONField(null=True)  # for FUTURE
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "subscription"
        unique_together = (("discord_id", "media_type", "tmdb_id", "season", "is_4k"),)
        indexes = (("media_type", "tmdb_id"),)


class ApprovalCard(Model):
    """The admin message with Approve and Decline buttons for one pending Overseerr request."""

    id = fields.IntField(primary_key=True)
    overseerr_request_id = fields.IntField(unique=True)
    channel_id = fields.BigIntField()
    dedupe_key = fields.CharField(max_length=200)  # the outbox message that carries it
    content = fields.TextField()  # the text as first posted (English)
    message: fields.Field[dict | None] = fields.JSONField(null=True)  # the same, as a Msg
    media_type = fields.CharField(max_length=8)
    tmdb_id = fields.IntField(null=True)
    decision = fields.CharEnumField(CardDecision, max_length=16, null=True, db_index=True)
    decided_by = fields.BigIntField(null=True)  # the admin's Discord id, when decided here
    decided_by_name = fields.CharField(max_length=255, null=True)  # Overseerr user, elsewhere
    acted_as = fields.IntField(null=True)  # the Overseerr user the bot acted as
    decided_at = fields.DatetimeField(null=True)
    reason = fields.TextField(null=True)
    edited_at = fields.DatetimeField(null=True)  # when the message was edited to show it
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "approval_card"


class ReportedIssue(Model):
    """An Overseerr issue the bot follows: who reported it and what of it was already told."""

    id = fields.IntField(primary_key=True)
    overseerr_issue_id = fields.IntField(unique=True)
    discord_id = fields.BigIntField(null=True, db_index=True)  # the reporter, when known
    overseerr_user_id = fields.IntField(null=True)  # the reporter in Overseerr
    media_type = fields.CharField(max_length=8)  # movie | tv
    tmdb_id = fields.IntField(null=True)
    title = fields.CharField(max_length=500)
    year = fields.IntField(null=True)
    issue_type = fields.IntField()  # Overseerr's: 1 video, 2 audio, 3 subtitles, 4 other
    resolved = fields.BooleanField(default=False, db_index=True)
    status_changes = fields.IntField(default=0)  # resolved/reopened seen, keys their DMs
    last_comment_id = fields.IntField(default=0)  # comments up to this id were handled
    thread: fields.Field[list[dict[str, object]]] = fields.JSONField(default=list)
    overseerr_updated_at = fields.DatetimeField(null=True)  # the poll re-reads newer ones
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "reported_issue"


class IssueCard(Model):
    """The admin message with a Resolve button for one open Overseerr issue."""

    id = fields.IntField(primary_key=True)
    overseerr_issue_id = fields.IntField(unique=True)
    channel_id = fields.BigIntField()
    dedupe_key = fields.CharField(max_length=200)  # the outbox message that carries it
    resolved_by = fields.BigIntField(null=True)  # the admin's Discord id, when resolved here
    resolved_by_name = fields.CharField(max_length=255, null=True)  # Overseerr user, elsewhere
    acted_as = fields.IntField(null=True)  # the Overseerr user the bot acted as
    resolved_at = fields.DatetimeField(null=True)
    edit_due = fields.BooleanField(default=False, db_index=True)  # the message is out of date
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "issue_card"


class DownloadJob(Model):
    """A YouTube playlist download."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(db_index=True)
    url = fields.TextField()
    title = fields.CharField(max_length=500)
    collection = fields.CharField(max_length=500)
    description = fields.TextField(null=True)  # the playlist's, for the collection summary
    folder = fields.TextField()
    status = fields.CharEnumField(JobStatus, max_length=16, db_index=True)
    channel_id = fields.BigIntField(null=True)
    progress_message_id = fields.BigIntField(null=True)
    plex_synced = fields.BooleanField(default=False)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)
    thumbnail_url = fields.TextField(null=True)  # the playlist's, for the collection poster
    subscription_id = fields.IntField(null=True, db_index=True)  # queued by a subscription check
    # Which process works on it and until when; a lapsed lease lets another worker take it.
    lease_owner = fields.CharField(max_length=255, null=True)
    lease_until = fields.DatetimeField(null=True)
    # A worker in another process stores its progress here; the bot relays it to Discord.
    progress: fields.Field[dict | None] = fields.JSONField(null=True)
    progress_at = fields.DatetimeField(null=True, db_index=True)

    items: fields.ReverseRelation[DownloadItem]

    class Meta:
        table = "download_job"


class DownloadItem(Model):
    """One video of a download job."""

    id = fields.IntField(primary_key=True)
    job: fields.ForeignKeyRelation[DownloadJob] = fields.ForeignKeyField(
        "models.DownloadJob", related_name="items", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    video_id = fields.CharField(max_length=255)
    title = fields.CharField(max_length=500)
    url = fields.TextField()
    status = fields.CharEnumField(ItemStatus, max_length=16)
    attempts = fields.IntField(default=0)
    error = fields.TextField(null=True)
    file_path = fields.TextField(null=True)
    started_at = fields.DatetimeField(null=True)  # first attempt of the current run
    finished_at = fields.DatetimeField(null=True)  # when DONE or FAILED
    size_bytes = fields.BigIntField(null=True)  # of the finished file
    # What Plex shows instead of the file name; the listing's values until the download's.
    description = fields.TextField(null=True)
    upload_date = fields.DateField(null=True)
    thumbnail_url = fields.TextField(null=True)
    thumbnail_path = fields.TextField(null=True)
    plex_filed = fields.BooleanField(default=False)  # title, summary, date and poster are set

    class Meta:
        table = "download_item"
        unique_together = (("job", "position"),)
        indexes = (("finished_at", "status"),)

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        # The dashboard's time per video and GB come from these stamps, set as the status moves.
        stamped = self._stamp()
        if update_fields is not None:
            update_fields = [*update_fields, *stamped]
        await super().save(using_db, update_fields, force_create, force_update)

    def _stamp(self) -> list[str]:
        """Set started_at, finished_at and size_bytes for the status; the names of those set."""
        if self.status == ItemStatus.DOWNLOADING:
            if self.started_at is not None and self.finished_at is None:
                return []  # a retry within the same run keeps its first start
            self.started_at, self.finished_at = datetime.now(UTC), None
            return ["started_at", "finished_at"]
        if self.status not in (ItemStatus.DONE, ItemStatus.FAILED) or self.finished_at:
            return []
        self.finished_at = datetime.now(UTC)
        if self.status == ItemStatus.DONE and self.file_path:
            try:
                self.size_bytes = os.stat(self.file_path).st_size
            except OSError:
                self.size_bytes = None
            return ["finished_at", "size_bytes"]
        return ["finished_at"]


class YoutubeSubscription(Model):
    """A member following a YouTube playlist or channel: each check downloads what is new."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(db_index=True)
    url = fields.CharField(max_length=1000)
    title = fields.CharField(max_length=500)
    collection = fields.CharField(max_length=500)
    folder = fields.TextField()
    # Video ids already there when the member subscribed: only what comes after is new.
    baseline: fields.Field[list[str] | None] = fields.JSONField(null=True)
    checked_at = fields.DatetimeField(null=True)
    found_at = fields.DatetimeField(null=True)  # when a check last found new videos
    failures = fields.IntField(default=0)  # checks failed in a row
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "youtube_subscription"
        unique_together = (("discord_id", "url"),)


class HealthSample(Model):
    """One result of one service check."""

    id = fields.BigIntField(primary_key=True)
    service = fields.CharField(max_length=32)
    ok = fields.BooleanField()
    latency_ms = fields.FloatField(null=True)
    detail = fields.TextField(null=True)
    checked_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "health_sample"
        indexes = (("service", "checked_at"),)


class HealthRollup(Model):
    """The checks of one service over one hour, kept after the raw samples are pruned."""

    id = fields.IntField(primary_key=True)
    service = fields.CharField(max_length=32)
    hour = fields.DatetimeField()
    checks = fields.IntField()
    ok = fields.IntField()
    latency_ms_sum = fields.FloatField(default=0.0)
    latency_count = fields.IntField(default=0)

    class Meta:
        table = "health_rollup"
        unique_together = (("service", "hour"),)


class Incident(Model):
    """A period during which a service was down."""

    id = fields.IntField(primary_key=True)
    service = fields.CharField(max_length=32, db_index=True)
    opened_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    held = fields.BooleanField(default=False)  # opened while muted: its alert is not sent yet
    acknowledged_by = fields.BigIntField(null=True)  # Discord id of the admin who took it
    acknowledged_at = fields.DatetimeField(null=True)

    class Meta:
        table = "incident"


class MaintenanceWindow(Model):
    """When the alerts of one service are held back: a mute, a one-off or a weekly window."""

    id = fields.IntField(primary_key=True)
    service = fields.CharField(max_length=32, db_index=True)
    kind = fields.CharField(max_length=8)  # mute, once or weekly
    starts_at = fields.DatetimeField(null=True)  # mute and once
    ends_at = fields.DatetimeField(null=True)
    weekday = fields.SmallIntField(null=True)  # weekly: 0 is Monday, in the server's time zone
    start_minute = fields.SmallIntField(null=True)  # weekly: minutes after local midnight
    end_minute = fields.SmallIntField(null=True)
    created_by = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "maintenance_window"


class ErrorEvent(Model):
    """An unexpected error, stored with the correlation id the user was shown."""

    id = fields.IntField(primary_key=True)
    correlation_id = fields.CharField(max_length=32, unique=True)
    command = fields.CharField(max_length=100, null=True)
    discord_id = fields.BigIntField(null=True)
    error_type = fields.CharField(max_length=200)
    message = fields.TextField()
    place = fields.CharField(max_length=300, null=True)
    traceback = fields.TextField()
    critical = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "error_event"


class OutboxMessage(Model):
    """A DM or channel post waiting to be delivered, or the record that it was."""

    id = fields.IntField(primary_key=True)
    dedupe_key = fields.CharField(max_length=200, unique=True)
    target_kind = fields.CharEnumField(TargetKind, max_length=8)
    target_id = fields.BigIntField()
    content = fields.TextField()
    embed: fields.Field[dict | None] = fields.JSONField(null=True)
    buttons: fields.Field[list | None] = fields.JSONField(null=True)
    message: fields.Field[dict | None] = fields.JSONField(null=True)  # rendered when sent
    files: fields.Field[list | None] = fields.JSONField(null=True)  # [{name, data (base64)}]
    status = fields.CharEnumField(OutboxStatus, max_length=16, db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    last_error = fields.TextField(null=True)
    message_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"


class OverseerrMention(Model):
    """A member's Discord id in their Overseerr notification settings, and who put it there."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(db_index=True)
    plex_user_id = fields.BigIntField()
    overseerr_user_id = fields.IntField(null=True)
    state = fields.CharEnumField(MentionState, max_length=16, db_index=True)
    found_id = fields.CharField(max_length=32, null=True)  # the other id, for OTHER
    last_error = fields.TextField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "overseerr_mention"
        unique_together = (("discord_id", "plex_user_id"),)


class AccessState(StrEnum):
    OFFERED = "offered"  # refused at /link; may press Request access
    REQUESTED = "requested"  # waiting for an admin
    INVITING = "inviting"  # an invite is being sent (claimed, so a second press sends nothing)
    INVITED = "invited"  # plex.tv holds the invite; the member has to accept it
    ACCEPTED = "accepted"  # on the server
    DECLINED = "declined"
    REMOVED = "removed"


class PlexAccess(Model):
    """A member's access to the Plex server, from the request or invite to its removal."""

    id = fields.IntField(primary_key=True)
    discord_id = fields.BigIntField(db_index=True)
    state = fields.CharEnumField(AccessState, max_length=16, db_index=True)
    plex_username = fields.CharField(max_length=255)  # or the email the invite went to
    plex_user_id = fields.BigIntField(null=True)
    plex_email = fields.CharField(max_length=255, null=True)
    token_encrypted = fields.TextField(null=True)  # from the refused sign-in: links on acceptance
    library_keys: fields.Field[list | None] = fields.JSONField(null=True)
    source = fields.CharField(max_length=16)  # request | admin | role
    invited_by = fields.BigIntField(null=True)
    expires_at = fields.DatetimeField(null=True)
    warned_at = fields.DatetimeField(null=True)
    remove_after = fields.DatetimeField(null=True)  # lost the access role: the grace period ends
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "plex_access"


class AccessEvent(Model):
    """The record: who requested, invited, changed or removed whom, when, with which libraries."""

    id = fields.IntField(primary_key=True)
    access_id = fields.IntField(db_index=True)
    discord_id = fields.BigIntField(db_index=True)
    plex_username = fields.CharField(max_length=255)
    action = fields.CharField(max_length=16, db_index=True)
    actor_id = fields.BigIntField(null=True)  # None: the bot itself (acceptance, expiry)
    library_titles: fields.Field[list | None] = fields.JSONField(null=True)
    detail = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "plex_access_event"


class ClusterLeader(Model):
    """The one row naming the process that leads, and its epoch (checked before sending)."""

    id = fields.IntField(primary_key=True)
    epoch = fields.BigIntField()
    holder = fields.CharField(max_length=255)
    since = fields.DatetimeField()

    class Meta:
        table = "cluster_leader"


class ClusterProcess(Model):
    """A running process's heartbeat: leader, standby or download worker."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255, unique=True)
    role = fields.CharField(max_length=16)
    started_at = fields.DatetimeField()
    heartbeat_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "cluster_process"


class NewMedia(Model):
    """An item that arrived in a Plex library: announced once, or held for the next digest."""

    id = fields.IntField(primary_key=True)
    rating_key = fields.CharField(max_length=32, unique=True)
    section_key = fields.CharField(max_length=32)
    kind = fields.CharField(max_length=16)  # movie | episode
    group_key = fields.CharField(max_length=64, db_index=True)  # one post per group
    title = fields.CharField(max_length=500)
    show_title = fields.CharField(max_length=500, null=True)
    season = fields.IntField(null=True)
    episode = fields.IntField(null=True)
    year = fields.IntField(null=True)
    summary = fields.TextField(default="")
    thumb = fields.CharField(max_length=300, null=True)  # a path on the Plex server
    link_key = fields.CharField(max_length=32)  # the ratingKey a Watch on Plex link opens
    tmdb_id = fields.IntField(null=True)
    added_at = fields.DatetimeField()
    announced_at = fields.DatetimeField(null=True, db_index=True)  # None: waits for a digest
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "new_media"
