"""What a bot loads before anyone uses a feature: the libraries only some commands need stay out.

Issue 23: each of these is imported by the first call that needs it (idle RSS, see
docs/performance-23.md). Checked in a fresh interpreter, since this test process has them all.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
