"""Requests, links, activity and videos at known times around AT, with the figures they give.

Windows ending at AT (21:30 on Dec 1): 24 hours from Nov 30 22:00, 7 days from Nov 25 00:00,
30 days from Nov 2 00:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage.models import (
    DownloadItem,
    DownloadJob,
    ItemStatus,
    JobStatus,
    MediaRequest,
    Member,
    MemberActivity,
    PlexLink,
    RequestStatus,
    Role,
)

S = RequestStatus
AT = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)
ANN, BEN, CAL = 1001, 1002, 1003
HOUR, DAY = 3600.0, 86400.0
GIB = 2**30


def t(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# (id, who, media type, status, created, available), in the order they are created.
REQUESTS = [
    (1, ANN, "movie", S.AVAILABLE, t(12, 1, 20), t(12, 1, 21)),  # 1 h
    (2, ANN, "tv", S.PENDING, t(12, 1, 10), None),
    (3, BEN, "movie", S.DECLINED, t(11, 30, 23), None),
    (4, BEN, "movie", S.FAILED, t(11, 30, 21), None),
    (5, ANN, "tv", S.AVAILABLE, t(11, 28, 12), t(11, 30, 12)),  # 2 d
    (6, BEN, "movie", S.QUEUED, t(11, 26, 8), None),
    (7, CAL, "movie", S.AVAILABLE, t(11, 20), t(11, 26)),  # 6 d
    (8, CAL, "tv", S.APPROVED, t(11, 10), None),
    (9, CAL, "movie", S.AVAILABLE, t(10, 1), t(11, 3)),  # 33 d
    (10, ANN, "tv", S.PENDING, t(10, 15), None),
    (11, BEN, "tv", S.PARTIALLY_AVAILABLE, t(12, 1, 21, 15), None),
]
ACTIVITY = [
    (ANN, date(2026, 12, 1)),
    (ANN, date(2026, 11, 30)),
    (BEN, date(2026, 11, 30)),
    (CAL, date(2026, 11, 27)),
    (CAL, date(2026, 11, 20)),
    (1004, date(2026, 11, 5)),
    (1005, date(2026, 10, 1)),
]
LINKED = [(ANN, t(12, 1, 9)), (BEN, t(11, 27)), (CAL, t(11, 15)), (1004, t(9, 1))]
# (job, status, started, finished, size): jobs 1 and 2.
VIDEOS = [
    (1, ItemStatus.DONE, t(12, 1, 20), t(12, 1, 20, 2), GIB),
    (1, ItemStatus.FAILED, t(12, 1, 20, 2), t(12, 1, 20, 5), None),
    (1, ItemStatus.DONE, t(11, 28, 10), t(11, 28, 10, 10), GIB // 2),
    (2, ItemStatus.DONE, t(11, 10), t(11, 10, 0, 5), 2 * GIB),
    (2, ItemStatus.QUEUED, None, None, None),
    (2, ItemStatus.DONE, t(10, 1), t(10, 1, 1), GIB),
]


async def seed_requests() -> None:
    for id, who, media_type, status, created, available in REQUESTS:
        row = await MediaRequest.create(
            discord_id=who,
            media_type=media_type,
            tmdb_id=100 + id,
            title=f"Title {id}",
            status=status,
            overseerr_user_id=who - 1000 + 10,
            created_at=created,
            available_at=available,
        )
        assert row.id == id  # created in order, so the table numbers them as listed


async def seed_members() -> None:
    await MemberActivity.bulk_create([MemberActivity(discord_id=d, day=day) for d, day in ACTIVITY])
    for who, linked in LINKED:
        member = await Member.create(discord_id=who)
        await PlexLink.create(
            member=member,
            plex_user_id=who,
            plex_username=f"user{who}",
            role=Role.USER,
            token_encrypted="-",
            linked_at=linked,
            verified_at=linked,
        )


async def seed_videos() -> None:
    jobs = {}
    for n in (1, 2):
        jobs[n] = await DownloadJob.create(
            discord_id=ANN,
            url=f"https://youtube.example/playlist?list={n}",
            title=f"Playlist {n}",
            collection=f"Playlist {n}",
            folder=f"/videos/{n}",
            status=JobStatus.COMPLETED,
        )
    await DownloadItem.bulk_create(
        [
            DownloadItem(
                job=jobs[job],
                position=position,
                video_id=f"v{position}",
                title=f"Video {position}",
                url=f"https://youtube.example/watch?v={position}",
                status=status,
                started_at=started,
                finished_at=finished,
                size_bytes=size,
            )
            for position, (job, status, started, finished, size) in enumerate(VIDEOS)
        ]
    )


async def seed() -> None:
    """Everything above, in the open database."""
    await seed_requests()
    await seed_members()
    await seed_videos()
