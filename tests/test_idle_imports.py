"""What a bot loads before anyone uses a feature: the libraries only some commands need stay out.

Issue 23: each of these is imported by the first call that needs it (idle RSS, see
docs/performance-23.md). Checked in a fresh interpreter, since this test process has them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The library, and what first needs it.
LAZY = {
    "plexapi": "a plexapi call (linking, sharing, filing downloads)",
    "requests": "a plexapi call",
    "cryptography": "the first Plex token encrypted or decrypted",
    "asyncpg": "a PostgreSQL database",
    "yt_dlp": "YouTube downloads, or `check`'s youtube line",
    "matplotlib": "the first admin chart",
    "PIL": "the first admin chart, or the first New on Plex poster",
}

SCRIPT = """
import importlib, json, sys
import bot.app, bot.__main__, cogs
for name in cogs.EXTENSIONS:
    importlib.import_module(name)
print(json.dumps(sorted(m for m in {lazy!r} if m in sys.modules)))
"""


def test_the_bot_and_every_extension_import_without_the_lazy_libraries() -> None:
    """Importing the bot, its command line and every feature loads none of them."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(lazy=sorted(LAZY))],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == []


WATCHING = """
import asyncio, io, json, sys
from bot.clients.plex import PlexClient, PlexTV, plex_tv_at
from tests.fakes.plex import FakePlexServer, FakePlexTV

async def main():
    pms = FakePlexServer()
    await pms.start()
    try:
        pms.add_section(1, "movie", "Movies", "/media/movies")
        pms.add_section(2, "show", "TV Shows", "/media/tv")
        dune = pms.add_item(1, "Dune", year=2021, guids=["tmdb://438631"])
        pms.set_poster(dune["ratingKey"], b"not really a png")
        show = pms.add_show(2, "Severance", year=2022, guids=["tmdb://95396"])
        pms.add_episode(show, 2, 1, "Hello, Ms. Cobel")
        plex = PlexClient(pms.url, "owner-token")
        await plex.identity()
        movies, shows = await plex.sections()
        (movie,) = await plex.recently_added(movies, 50)
        (episode,) = await plex.recently_added(shows, 50)
        assert (movie.tmdb_id, episode.tmdb_id) == (438631, 95396), (movie, episode)
        await plex.image(movie.thumb)
        tv = FakePlexTV()
        await tv.start()
        try:
            friend = tv.add_account(2, "friend")
            tv.share_server(friend, pms.machine_identifier, server_url=pms.url)
            with plex_tv_at(tv.url):
                info, access = await PlexTV("client").account_access(
                    friend.token, pms.machine_identifier
                )
            assert (info.username, access) == ("friend", "shared"), (info, access)
        finally:
            await tv.stop()
    finally:
        await pms.stop()

asyncio.run(main())
print(json.dumps(sorted(m for m in {lazy!r} if m in sys.modules)))
"""


def test_what_runs_on_a_schedule_reads_plex_without_plexapi() -> None:
    """The health probe, New on Plex (sections, recently added, posters) and the daily
    re-verification of a linked account (plex.tv's user and resources) load none of them.

    New on Plex polls every few minutes: through plexapi it held plexapi, requests and
    cryptography (about 23 MiB) from its first round on, in every bot that announces; the
    re-verification did from its first day on, in every bot with linked members.
    """
    done = subprocess.run(
        [sys.executable, "-c", WATCHING.format(lazy=sorted(LAZY))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,  # the fakes are imported from tests/
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == []
