"""Plex filing: a job that ends while Plex is down is filed later, once."""

from __future__ import annotations

from storage.models import DownloadJob, JobStatus, TargetKind
from tests.services.downloads.rig import ALICE, Rig, messages, settled


async def test_plex_down_at_the_end_is_synced_later(rig: Rig) -> None:
    """Plex being down when the job ends leaves it COMPLETED but unsynced; sync_plex_pending
    files it once Plex is back, and only once."""
    url, _ = rig.playlist("offline", 2, description="Later.")
    await rig.pms.stop()
    service = rig.build()
    await service.start()

    job = await settled((await service.queue(ALICE, url, None, None)).id)

    assert job.status == JobStatus.COMPLETED and not job.plex_synced
    (dm,) = await messages(TargetKind.DM, ALICE)
    assert "show up in Plex" in dm
    assert await service.sync_plex_pending() == 0  # still down

    await rig.pms.start()
    assert await service.sync_plex_pending() == 1
    assert (await DownloadJob.get(id=job.id)).plex_synced
    (collection,) = rig.pms.collections.values()
    assert (collection["title"], collection["summary"], len(collection["items"])) == (
        "offline title",
        "Later.",
        2,
    )
    assert await service.sync_plex_pending() == 0
    assert len(await messages(TargetKind.DM, ALICE)) == 1


async def test_synced_later_after_restart_uses_the_stored_description(rig: Rig) -> None:
    """After a restart the summary comes from the stored description, with no new listing."""
    url, _ = rig.playlist("restart", 1, description="From the feed.")
    await rig.pms.stop()
    first = rig.build()
    await first.start()
    job = await settled((await first.queue(ALICE, url, None, None)).id)
    await first.stop()

    await rig.pms.start()
    fetched = len(rig.media.requests)
    assert await rig.build().sync_plex_pending() == 1
    assert len(rig.media.requests) == fetched
    (collection,) = rig.pms.collections.values()
    assert collection["summary"] == "From the feed."
    assert (await DownloadJob.get(id=job.id)).plex_synced
