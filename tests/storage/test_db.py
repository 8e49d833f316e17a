"""Storage: migrations, SQLite pragmas, constraints, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from storage.db import database, migrate_database, normalise_url, tortoise_config
from storage.models import (
    DownloadItem,
    DownloadJob,
    ItemStatus,
    JobStatus,
    Member,
    OutboxMessage,
    OutboxStatus,
    PlexLink,
    Role,
    TargetKind,
)


async def test_migrations_create_every_table_and_rerun_as_no_op(database_url: str) -> None:
    """Migrating twice is safe, and every model can be written and read back."""
    await migrate_database(database_url)
    async with database(database_url):
        member = await Member.create(discord_id=123456789012345678)
        now = datetime.now(UTC)
        await PlexLink.create(
            member=member,
            plex_user_id=2,
            plex_username="friend",
            role=Role.USER,
            token_encrypted="x",
            linked_at=now,
            verified_at=now,
        )
        link = await PlexLink.get(member__discord_id=123456789012345678)
        assert link.role is Role.USER
        assert link.plex_username == "friend"


async def test_foreign_keys_cascade_on_delete(db: str) -> None:
    """Deleting a download job deletes its items: foreign keys are enforced on both backends."""
    job = await DownloadJob.create(
        discord_id=1,
        url="https://youtube.com/playlist?list=x",
        title="t",
        collection="t",
        folder="t",
        status=JobStatus.QUEUED,
    )
    await DownloadItem.create(
        job=job, position=1, video_id="a", title="a", url="u", status=ItemStatus.QUEUED
    )
    await job.delete()
    assert await DownloadItem.all().count() == 0


async def test_outbox_dedupe_key_is_unique(db: str) -> None:
    """Two outbox rows with one dedupe key are refused by the database itself."""
    fields = dict(
        target_kind=TargetKind.DM,
        target_id=1,
        content="hi",
        status=OutboxStatus.PENDING,
        next_attempt_at=datetime.now(UTC),
    )
    await OutboxMessage.create(dedupe_key="k", **fields)
    with pytest.raises(IntegrityError):
        await OutboxMessage.create(dedupe_key="k", **fields)
    assert await OutboxMessage.all().count() == 1


async def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    """The embedded default is tuned: WAL journal, a busy timeout, foreign keys on."""
    async with database(sqlite_url):
        conn = connections.get("default")
        pragmas = {}
        for name in ("journal_mode", "busy_timeout", "foreign_keys"):
            _, rows = await conn.execute_query(f"PRAGMA {name}")
            pragmas[name] = rows[0][0]
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 2000, "foreign_keys": 1}


def test_database_urls_are_normalised() -> None:
    """postgresql:// is accepted, and SQLite URLs get our pragmas unless they set their own."""
    assert normalise_url("postgresql://u@h/db") == "postgres://u@h/db"
    assert normalise_url("sqlite://data/x.db") == (
        "sqlite://data/x.db?journal_mode=WAL&busy_timeout=2000&foreign_keys=ON"
    )
    assert "busy_timeout=100" in normalise_url("sqlite://x.db?busy_timeout=100")
    assert "journal_mode" not in normalise_url("sqlite://:memory:")


async def test_models_and_migrations_agree(sqlite_url: str) -> None:
    """No model change is missing its migration (what `makemigrations` would write is empty)."""
    from tortoise.cli.cli import tortoise_cli_context
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config(sqlite_url)
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    assert [w.name for w in writers] == []
