"""Settings that catch typos, and `.env.example` kept in step with bot/config.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.settings_advice import incomplete_settings, unknown_settings

EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
ENTRY = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$")


def test_unknown_env_file_keys_name_the_closest_setting(tmp_path: Path) -> None:
    """Each unknown `.env` key is one line naming the closest real setting."""
    env = tmp_path / ".env"
    env.write_text(
        "PLEX_TOKN=abc\nOVERSEER_URL=http://o:5055\nDISCORD_GUILD=1\nPLEX_URL=http://p\n"
        "COMPLETELY_ELSE=1\n"
    )
    assert unknown_settings(env, {}) == [
        "unknown setting PLEX_TOKN in .env (did you mean PLEX_TOKEN?)",
        "unknown setting OVERSEER_URL in .env (did you mean OVERSEERR_URL?)",
        "unknown setting DISCORD_GUILD in .env (did you mean DISCORD_GUILD_ID?)",
        "unknown setting COMPLETELY_ELSE in .env (not a MediaNest setting: see .env.example)",
    ]


def test_environment_names_with_our_prefixes_or_close_to_ours_are_named() -> None:
    """Environment names with our prefixes, or close to ours, warn; the rest of the
    environment (PATH, HOME, another program's names) and correct names stay silent."""
    environ = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "DATABASE": "x",
        "plex_token": "ok",  # pydantic-settings reads names case-insensitively
        "OVERSEER_API_KEY": "k",
        "YOUTUBE_DOWNLOAD_FOLDER": "/yt",
        "WEB_PROT": "8080",
        "DISCORD_TOKEN": "t",
    }
    assert unknown_settings(None, environ) == [
        "unknown setting OVERSEER_API_KEY (did you mean OVERSEERR_API_KEY?)",
        "unknown setting WEB_PROT (did you mean WEB_PORT?)",
        "unknown setting YOUTUBE_DOWNLOAD_FOLDER (did you mean YOUTUBE_DOWNLOAD_DIR?)",
    ]


def test_a_name_in_env_file_and_environment_is_named_once(tmp_path: Path) -> None:
    """Compose passes `.env` into the environment too: one warning, not two."""
    env = tmp_path / ".env"
    env.write_text("PLEX_TOKN=abc\n")
    assert unknown_settings(env, {"PLEX_TOKN": "abc"}) == [
        "unknown setting PLEX_TOKN in .env (did you mean PLEX_TOKEN?)"
    ]


def test_download_dir_without_plex_section_warns(tmp_path: Path) -> None:
    """YOUTUBE_DOWNLOAD_DIR without YOUTUBE_PLEX_SECTION says downloads won't appear in Plex."""
    half = load_settings(discord_token="t", youtube_download_dir=tmp_path)
    assert incomplete_settings(half) == [
        "YOUTUBE_DOWNLOAD_DIR is set without YOUTUBE_PLEX_SECTION: downloads will not appear "
        "in Plex until YOUTUBE_PLEX_SECTION names the Plex library of that folder"
    ]
    whole = load_settings(
        discord_token="t", youtube_download_dir=tmp_path, youtube_plex_section="YouTube"
    )
    assert incomplete_settings(whole) == []


@pytest.mark.parametrize("url", ["data/medianest.sqlite3", "/data/medianest.sqlite3", "mysql://x"])
def test_database_url_without_a_known_scheme_is_one_line(url: str) -> None:
    """DATABASE_URL without sqlite:// or postgres:// names the setting and the accepted forms."""
    with pytest.raises(ConfigError) as caught:
        load_settings(discord_token="t", database_url=url)
    assert caught.value.problems == [
        "DATABASE_URL: expected sqlite:///absolute/path.sqlite3, sqlite://relative/path.sqlite3 "
        "or postgres://user:password@host:5432/name; leave it unset for SQLite in DATA_DIR"
    ]


def example_entries() -> dict[str, tuple[str, str]]:
    """`.env.example`'s settings: name → (the comment line above it, the value after `=`)."""
    lines = EXAMPLE.read_text().splitlines()
    found: dict[str, tuple[str, str]] = {}
    for index, line in enumerate(lines):
        match = ENTRY.match(line)
        if match:
            above = lines[index - 1] if index else ""
            found[match.group(1)] = (above, match.group(2))
    return found


def spelled(default: object) -> str | None:
    """A default as `.env.example` writes it; None when unset."""
    if default is None:
        return None
    if isinstance(default, list):
        return ",".join(str(item) for item in default) or None
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def test_env_example_lists_every_setting_with_a_comment_and_its_default() -> None:
    """Every setting of bot/config.py is in .env.example (and nothing else), each under a
    one-line comment that gives its default; values are left empty so `cp` changes nothing."""
    entries = example_entries()
    ours = {name.upper(): field for name, field in Settings.model_fields.items()}
    missing = sorted(set(ours) - set(entries))
    extra = sorted(set(entries) - set(ours))
    assert not missing, (
        f"add to .env.example, each under a one-line '# what it is. Default: …' comment: "
        f"{', '.join(missing)}"
    )
    assert not extra, f"remove from .env.example (not in bot/config.py): {', '.join(extra)}"
    for name, (comment, value) in entries.items():
        assert comment.startswith("# ") and not ENTRY.match(comment), f"{name}: no comment above"
        assert value == "", f"{name}: leave the value empty (the comment gives the default)"
        field = ours[name]
        if field.is_required():
            assert "Required" in comment, f"{name}: say it is required"
            continue
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        expected = spelled(default)
        assert "Default: " in comment, f"{name}: give its default ('Default: …')"
        if expected is not None:
            assert f"Default: {expected}" in comment, f"{name}: the default is {expected}"
