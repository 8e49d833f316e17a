"""requirements.lock (what the image installs) keeps up with pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# Taken newest at every image build instead (see the Dockerfile).
UNLOCKED = {"yt-dlp", "yt-dlp-ejs", "deno"}
REGENERATE = (
    "uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 "
    "--no-emit-package yt-dlp --no-emit-package yt-dlp-ejs --no-emit-package deno "
    "-o requirements.lock"
)


def locked() -> dict[str, str]:
    pins = re.findall(
        r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", (ROOT / "requirements.lock").read_text(), re.M
    )
    return {canonicalize_name(name): version for name, version in pins}


def test_every_dependency_is_locked_with_a_hash_and_fits_pyproject() -> None:
    """Each runtime dependency but yt-dlp, yt-dlp-ejs and Deno is pinned in requirements.lock at a
    version pyproject.toml allows, every pin has hashes, and the three stay out of the lock."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = locked()
    wrong = []
    for spec in map(Requirement, project["dependencies"]):
        name = canonicalize_name(spec.name)
        if name in UNLOCKED:
            assert name not in pins, f"{name} is taken newest in the image: keep it out of the lock"
            continue
        if name not in pins or not spec.specifier.contains(pins[name], prereleases=True):
            wrong.append(f"{name} (locked: {pins.get(name, 'missing')}, wanted: {spec.specifier})")
    assert not wrong, f"regenerate requirements.lock ({REGENERATE}): {', '.join(wrong)}"
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
