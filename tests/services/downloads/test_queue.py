"""Queueing: the collection option, the playlist cap, safe folder names, per-user cap and
rate limit, and listing jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import InvalidInput, RateLimited
from storage.models import DownloadJob, JobStatus
from tests.services.downloads.rig import ALICE, BOB, CHANNEL, Rig, settled


async def test_collection_option_and_max_items(rig: Rig) -> None:
    """The collection option names the collection; a playlist over the cap is refused."""
    url, _ = rig.playlist("named", 2)
    big, _ = rig.playlist("big", 4)
    service = rig.build(max_items=3)
    with pytest.raises(InvalidInput, match="has 4 videos; I can take at most 3"):
        await service.queue(ALICE, big, None, None)
    assert not [r for r in rig.media.ranges if r[0].startswith("big")]
    await service.start()

    job = await settled((await service.queue(ALICE, url, " Road\x00 Trip ", None)).id)

    assert job.collection == "Road Trip"
    assert [c["title"] for c in rig.pms.collections.values()] == ["Road Trip"]


async def test_hostile_titles_stay_inside_the_download_dir(rig: Rig) -> None:
    """Titles with `../`, slashes and control characters give safe names under the folder."""
    rig.media.add_video("../../x/evil", '../../../etc/passwd\x07/"<b>"')
    rig.media.add_video("v2", "..")
    url = rig.media.add_playlist("bad", "../../Bad/<Playlist>\x01", ["../../x/evil", "v2"])
    service = rig.build()
    await service.start()

    job = await settled((await service.queue(ALICE, url, None, None)).id)

    assert job.status == JobStatus.COMPLETED
    folder = rig.download_dir / "Bad-Playlist"
    assert Path(job.folder) == folder
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".mp4") == [
        "etc-passwd-'b' [x-evil].mp4",
        "video [v2].mp4",
    ]
    for path in rig.root.rglob("*"):
        if path.is_file():
            assert path.resolve().is_relative_to(rig.download_dir)
    assert rig.pms.collections[next(iter(rig.pms.collections))]["title"] == "../../Bad/<Playlist>"


async def test_rate_limit_and_per_user_cap(rig: Rig) -> None:
    """The per-user cap refuses before the rate limit is spent; the rate limit refuses after;
    an exempt (admin) call passes both."""
    urls = [rig.playlist(f"p{n}", 1)[0] for n in range(4)]
    service = rig.build(rate="2/day", per_user_queued=1)  # not started: jobs stay queued

    await service.queue(ALICE, urls[0], None, None)
    listed = len(rig.media.requests)
    with pytest.raises(InvalidInput, match="already have 1 YouTube download"):
        await service.queue(ALICE, urls[1], None, None)
    assert len(rig.media.requests) == listed  # refused before listing

    await service.queue(BOB, urls[1], None, None)
    await DownloadJob.filter(discord_id=BOB).update(status=JobStatus.COMPLETED)
    await service.queue(BOB, urls[2], None, None)
    await DownloadJob.filter(discord_id=BOB).update(status=JobStatus.COMPLETED)
    with pytest.raises(RateLimited):
        await service.queue(BOB, urls[3], None, None)
    await service.queue(BOB, urls[3], None, None, exempt=True)
    assert await DownloadJob.filter(discord_id=BOB).count() == 3


async def test_list_jobs_for_owner_and_admin(rig: Rig) -> None:
    """A member sees their own jobs, None (admins) sees everyone's, active ones first."""
    a, _ = rig.playlist("alice", 2)
    b, _ = rig.playlist("bob", 1)
    service = rig.build()
    job_a = await service.queue(ALICE, a, None, CHANNEL)
    job_b = await service.queue(BOB, b, None, None)

    mine = await service.list_jobs(ALICE)
    assert [(p.job_id, p.status, p.total, p.channel_id) for p in mine] == [
        (job_a.id, JobStatus.QUEUED, 2, CHANNEL)
    ]
    assert [p.job_id for p in await service.list_jobs(None)] == [job_a.id, job_b.id]
    progress = await service.progress(job_b.id)
    assert progress is not None and progress.fraction == 0.0 and progress.bar(4) == "▱▱▱▱ 0%"
