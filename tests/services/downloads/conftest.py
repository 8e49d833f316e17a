"""The `rig` fixture: the download service's fakes, on SQLite and PostgreSQL (`db`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clients.plex import PlexClient
from tests.fakes.media import FakeMediaServer
from tests.fakes.plex import FakePlexServer
from tests.services.downloads.rig import Rig


@pytest.fixture
async def rig(db: str, tmp_path: Path) -> AsyncIterator[Rig]:
    media = FakeMediaServer()
    pms = FakePlexServer()
    root = tmp_path / "disk"  # only downloads live here (the SQLite file sits in tmp_path)
    pms.add_section(1, "movie", "YouTube", str(root / "youtube"))
    await media.start()
    await pms.start()
    plex = PlexClient(pms.url, pms.owner_token, timeout=3)
    rig = Rig(media, pms, plex, root)
    try:
        yield rig
    finally:
        for service in rig.services:
            await service.stop()
        plex.close()
        await pms.stop()
        await media.stop()
