"""Subscriptions: a playlist checked on a schedule, only what is new downloaded, told once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidInput, NotAllowed
from storage.models import DownloadJob, TargetKind, YoutubeSubscription
from tests.services.downloads.rig import ADMIN, ALICE, BOB, Rig, items, messages, settled

HOURS_7 = timedelta(hours=7)


def more_videos(rig: Rig, name: str, *numbers: int) -> list[str]:
    """Host more videos of a feed made by `rig.playlist` and append them to it."""
    ids = [f"{name}-v{n}" for n in numbers]
    for n, vid in zip(numbers, ids, strict=True):
        rig.media.add_video(vid, f"{name} video {n}", size=20_000)
    rig.media.extend_playlist(name, ids)
    return ids


async def test_new_videos_only_and_told_once_across_restarts(rig: Rig) -> None:
    """The playlist gains two videos: the next check downloads only those two into the same
    folder and collection and tells the subscriber once; restarts in between change nothing."""
    url, first = rig.playlist("cook", 3)
    service = rig.build(subscription_hours=0)  # every subscription is due at each tick
    await service.start()
    subscribed = await service.subscribe(ALICE, url, "Cooking Basics", is_admin=False)
    assert subscribed.existing == 3
    assert await service.check_subscriptions() == 0

    await service.stop()  # a restart, with the playlist growing meanwhile
    new = more_videos(rig, "cook", 4, 5)
    service = rig.build(subscription_hours=0)
    await service.start()
    assert await service.check_subscriptions() == 2

    (job,) = await DownloadJob.all()
    job = await settled(job.id)
    assert job.subscription_id == subscribed.subscription.id and job.plex_synced
    assert [r.video_id for r in await items(job.id)] == new
    assert [r.position for r in await items(job.id)] == [4, 5]  # the playlist index goes on
    assert all(rig.media.downloads.get(v, 0) == 0 for v in first)
    assert job.folder == str(rig.download_dir / "cook title")
    (collection,) = rig.pms.collections.values()
    assert collection["title"] == "Cooking Basics" and len(collection["items"]) == 2

    await service.stop()  # another restart: the next check finds nothing new
    service = rig.build(subscription_hours=0)
    await service.start()
    assert await service.check_subscriptions() == 0
    assert await DownloadJob.all().count() == 1
    assert await messages(TargetKind.DM, ALICE) == [
        "📺 2 new videos in **Cooking Basics**, in Plex."
    ]
    sub = await YoutubeSubscription.get(id=subscribed.subscription.id)
    assert sub.failures == 0 and sub.checked_at is not None and sub.found_at is not None


async def test_limits_stop_and_per_check_cap(rig: Rig) -> None:
    """YOUTUBE_MAX_SUBSCRIPTIONS per member (admins exempt), one each URL, at most
    YOUTUBE_MAX_ITEMS new videos per check, and Stop by the member or an admin only."""
    service = rig.build(max_subscriptions=1, max_items=2)
    await service.start()
    url, _ = rig.playlist("one", 1)
    other, _ = rig.playlist("two", 1)
    sub = (await service.subscribe(ALICE, url, None, is_admin=False)).subscription
    with pytest.raises(InvalidInput, match="already follow"):
        await service.subscribe(ALICE, url, None, is_admin=False)
    with pytest.raises(InvalidInput, match="the most I allow"):
        await service.subscribe(ALICE, other, None, is_admin=False)
    await service.subscribe(ADMIN, url, None, is_admin=True)
    await service.subscribe(ADMIN, other, None, is_admin=True)

    more_videos(rig, "one", 2, 3, 4)
    assert await service.check_subscription(await YoutubeSubscription.get(id=sub.id)) == 2
    assert await service.check_subscription(await YoutubeSubscription.get(id=sub.id)) == 1

    with pytest.raises(NotAllowed):
        await service.stop_subscription(sub.id, BOB, is_admin=False)
    assert await service.stop_subscription(sub.id, ALICE, is_admin=False) == "one title"
    assert [s.discord_id for s in await service.subscriptions_of(None)] == [ADMIN, ADMIN]


async def test_failed_check_is_shown_and_retried_next_tick(rig: Rig) -> None:
    """Checks wait for the interval; one that fails is stored on the subscription and the next
    tick tries it again."""
    url, _ = rig.playlist("flaky", 1)
    service = rig.build()  # checked every 6 hours
    await service.start()
    sub = (await service.subscribe(ALICE, url, None, is_admin=False)).subscription
    more_videos(rig, "flaky", 2)
    assert await service.check_subscriptions() == 0  # just subscribed: not due yet
    await YoutubeSubscription.filter(id=sub.id).update(checked_at=datetime.now(UTC) - HOURS_7)

    await rig.media.stop()
    assert await service.check_subscriptions() == 0
    (view,) = await service.subscriptions_of(ALICE)
    assert view.failures == 1 and view.last_error

    await rig.media.start()
    assert await service.check_subscriptions() == 1  # failed last time: due at the next tick
    (view,) = await service.subscriptions_of(ALICE)
    assert (view.id, view.failures, view.last_error) == (sub.id, 0, None)
