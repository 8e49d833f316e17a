"""The README keeps what CI and a new admin rely on: the two commands, its links, every setting."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
QUICK_START = "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && python -m bot"


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_quick_start_command_is_a_line_of_its_own() -> None:
    """The install-and-run command a new admin copies is in the README, exactly, on one line."""
    assert QUICK_START in README.splitlines()


def test_test_command_block_is_one_command() -> None:
    """The block between the test-command markers (what .ci/run runs) holds one command."""
    block = README.split("<!-- test-command -->\n", 1)[1].split("<!-- /test-command -->", 1)[0]
    lines = [line for line in block.splitlines() if not line.startswith("```")]
    assert len(lines) == 1 and lines[0].startswith("python3 -m venv .venv && ")
    assert "pip install -e '.[test]'" in lines[0] and "python -m pytest" in lines[0]


def test_every_link_inside_the_readme_has_its_heading() -> None:
    """Each `(#anchor)` link leads to a heading of the README."""
    headings = {anchor(h) for h in re.findall(r"^#+ (.+)$", README, re.MULTILINE)}
    links = set(re.findall(r"\]\(#([^)]+)\)", README))
    assert links and links <= headings, links - headings


def test_every_setting_has_a_row_in_the_settings_table() -> None:
    """Each setting of bot/config.py has its own row, so an admin can look any of them up."""
    rows = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README, re.MULTILINE))
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in rows)
    assert missing == [], "README.md has no settings row for: " + ", ".join(missing)
