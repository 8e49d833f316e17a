"""Warnings about settings that are read but look wrong: typos and half-set features.

pydantic-settings ignores names it does not know, so `PLEX_TOKN=abc` in `.env` used to be
silently dropped. Here every unknown `.env` key, and every environment name that carries one
of our prefixes or is close to one of our names, is named with the closest real setting.
`run` logs each line once at start; `check` prints them as WARN lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path

from dotenv import dotenv_values

from bot.config import Settings

# Environment names with these prefixes are ours (or meant to be); others only when close.
PREFIXES = (
    "DISCORD_",
    "PLEX_",
    "OVERSEERR_",
    "YOUTUBE_",
    "HEALTH_",
    "WEB_",
    "RATE_",
    "ADMIN_",
    "APPROVAL_",
    "NOTIFY_",
    "MEDIANEST_",
)
CLOSE = 0.85  # difflib ratio from which an outside name is taken for a typo of ours


def setting_names() -> list[str]:
    """Every setting's environment name, as the settings table spells it."""
    return sorted(name.upper() for name in Settings.model_fields)


def unknown_settings(
    env_file: Path | None = Path(".env"), environ: Mapping[str, str] | None = None
) -> list[str]:
    """One line per unknown `.env` key and per environment name that looks meant for us."""
    known = setting_names()
    lines: list[str] = []
    seen: set[str] = set()
    if env_file is not None and env_file.is_file():
        for key in dotenv_values(env_file):
            name = key.upper()
            if name not in known and name not in seen:
                seen.add(name)
                lines.append(_line(name, known, " in .env"))
    for key in sorted(environ or {}):
        name = key.upper()
        if name in known or name in seen:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=CLOSE)
        if name.startswith(PREFIXES) or close:
            seen.add(name)
            lines.append(_line(name, known, ""))
    return lines


def _line(name: str, known: Iterable[str], where: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f"unknown setting {name}{where} (did you mean {close[0]}?)"
    return f"unknown setting {name}{where} (not a MediaNest setting: see .env.example)"


def incomplete_settings(settings: Settings) -> list[str]:
    """One line per setting that works only half without another one."""
    lines = []
    if settings.youtube_download_dir and not settings.youtube_plex_section:
        lines.append(
            "YOUTUBE_DOWNLOAD_DIR is set without YOUTUBE_PLEX_SECTION: downloads will not "
            "appear in Plex until YOUTUBE_PLEX_SECTION names the Plex library of that folder"
        )
    return lines
