"""Downloads as they look in Plex: titles, summaries, dates, posters and collection order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from storage.models import JobStatus
from tests.services.downloads.rig import ALICE, Rig, items, settled

FIELDS = {"title", "summary", "originallyAvailableAt", "thumb"}


def publish(rig: Rig) -> str:
    """A feed of three videos, two with a description, a date and a thumbnail."""
    media = rig.media
    media.add_video(
        "ep1",
        'Episode 1: The ../Road? "1"',
        size=20_000,
        description="Boil water.",
        uploaded=date(2024, 5, 17),
        thumbnail=True,
    )
    media.add_video(
        "ep2",
        "Zwei – Straße 東京",
        size=20_000,
        description="Eggs.",
        uploaded=date(2024, 6, 1),
        thumbnail=True,
    )
    media.add_video("ep3", "Three", size=20_000)
    return media.add_playlist(
        "cb", "Cooking Basics", ["ep2", "ep1", "ep3"], description="Learn to cook."
    )


async def test_videos_and_collection_are_described_in_plex(rig: Rig) -> None:
    """After a job each video's title, summary, date and poster are set through the API and
    locked, files keep readable names, and the collection has the poster, summary and order."""
    service = rig.build()
    await service.start()

    job = await settled((await service.queue(ALICE, publish(rig), None, None)).id)

    assert job.status == JobStatus.COMPLETED and job.plex_synced
    rows = await items(job.id)
    assert [Path(r.file_path or "").name for r in rows] == [
        "Zwei – Straße 東京 [ep2].mp4",
        "Episode 1 - The ..-Road '1' [ep1].mp4",
        "Three [ep3].mp4",
    ]
    by_file = {i["file"]: key for key, i in rig.pms.items.items()}
    keys = [by_file[r.file_path] for r in rows]
    shown = [rig.pms.items[k] for k in keys]
    assert [(i["title"], i["summary"], i.get("originallyAvailableAt")) for i in shown] == [
        ("Zwei – Straße 東京", "Eggs.", "2024-06-01"),
        ('Episode 1: The ../Road? "1"', "Boil water.", "2024-05-17"),
        ("Three", "", None),
    ]
    assert rig.pms.poster(keys[0]) == rig.media.videos["ep2"].thumbnail
    assert rig.pms.poster(keys[1]) == rig.media.videos["ep1"].thumbnail
    assert rig.pms.poster(keys[2]) is None
    assert rig.pms.locked(keys[0]) == rig.pms.locked(keys[1]) == FIELDS
    assert rig.pms.locked(keys[2]) == {"title", "summary"}
    assert all(r.plex_filed for r in rows)

    (collection,) = rig.pms.collections.values()
    assert collection["items"] == keys
    assert (collection["summary"], collection["collectionSort"]) == ("Learn to cook.", 2)
    # A feed has no thumbnail of its own: its first video's stands in, as on YouTube.
    assert rig.pms.poster(collection["ratingKey"]) == rig.media.videos["ep2"].thumbnail
    assert {"summary", "thumb"} <= rig.pms.locked(collection["ratingKey"])

    # Plex is asked again later (another job of the same list): nothing is uploaded twice.
    uploads = len(rig.pms.seen("POST", "/library/metadata/"))
    again = await settled((await service.queue(ALICE, publish(rig), None, None)).id)
    assert again.plex_synced
    assert len(rig.pms.seen("POST", "/library/metadata/")) == uploads


async def test_tv_type_section_gets_season_one_episodes(rig: Rig) -> None:
    """In a TV-type section files are named S01E<playlist index>, so Plex numbers the episodes."""
    rig.pms.add_section(2, "show", "Shows", str(rig.download_dir))
    service = rig.build(section="Shows")
    await service.start()

    job = await settled((await service.queue(ALICE, publish(rig), None, None)).id)

    rows = await items(job.id)
    assert [Path(r.file_path or "").name for r in rows] == [
        "S01E01 - Zwei – Straße 東京 [ep2].mp4",
        "S01E02 - Episode 1 - The ..-Road '1' [ep1].mp4",
        "S01E03 - Three [ep3].mp4",
    ]
    by_file = {i["file"]: i for i in rig.pms.items.values()}
    episodes = [by_file[r.file_path] for r in rows]
    assert [(e["type"], e["parentIndex"], e["index"]) for e in episodes] == [
        ("episode", 1, 1),
        ("episode", 1, 2),
        ("episode", 1, 3),
    ]
    assert episodes[1]["title"] == 'Episode 1: The ../Road? "1"'
    assert rig.pms.locked(episodes[1]["ratingKey"]) == FIELDS
