"""The translator's workflow: extract the texts, update each catalog, compile them.

`python -m bot.i18n extract|update|compile|check` (docs/translating.md). Texts come from the
code (`_`, `ngettext`, `pgettext`, `N_`, `Msg`, `PluralMsg`) and from the slash commands
themselves (names, descriptions, option names and choices), read from the cog classes.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n.catalogs import DOMAIN, LOCALE_DIR, SOURCE, SUPPORTED

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "cogs")
KEYWORDS = {**DEFAULT_KEYWORDS, "Msg": None, "PluralMsg": (1, 2)}
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
LANGUAGES = tuple(code for code in SUPPORTED if code != SOURCE)


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def command_texts() -> Iterator[tuple[str | None, str, str]]:
    """(context, text, where) of every command name, description, option and choice."""
    from discord import app_commands
    from discord.ext import commands

    import cogs

    seen: set[type] = set()
    for info in pkgutil.walk_packages(cogs.__path__, "cogs."):
        module = importlib.import_module(info.name)
        # Commands a cog adds to another's group at load (`/admin invite`) live in the module.
        for _, cmd in inspect.getmembers(module):
            kind = app_commands.Command | app_commands.Group
            if isinstance(cmd, kind) and cmd.parent is None and cmd.module == info.name:
                yield from _command(cmd, info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, commands.Cog) or cls in seen or cls.__module__ != info.name:
                continue
            seen.add(cls)
            for cmd in cls.__cog_app_commands__:
                yield from _command(cmd, info.name)


def _command(cmd: object, where: str) -> Iterator[tuple[str | None, str, str]]:
    from discord import app_commands

    assert isinstance(cmd, app_commands.Command | app_commands.Group)
    yield "command", cmd.name, where
    yield None, cmd.description, where
    if isinstance(cmd, app_commands.Group):
        for sub in cmd.commands:
            yield from _command(sub, where)
        return
    for param in cmd.parameters:
        yield "option", param.display_name, where
        yield None, param.description, where
        for choice in param.choices:
            yield None, choice.name, where


def extract(path: Path = TEMPLATE) -> Catalog:
    """Write the template (messages.pot) from the code and the commands."""
    template = Catalog(project="MediaNest Bot", charset="utf-8", fuzzy=False)
    for folder in SCANNED:
        found = extract_from_dir(ROOT / folder, keywords=KEYWORDS, comment_tags=("i18n:",))
        for source, line, text, comments, context in found:
            template.add(
                text,
                locations=[(f"{folder}/{source}", line)],
                auto_comments=comments,
                context=context,
            )
    for context, text, where in command_texts():
        if text and text != "…":
            template.add(text, locations=[(where.replace(".", "/") + ".py", 0)], context=context)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, template, width=100, sort_output=True, include_lineno=False)
    return template


def read(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=code, domain=DOMAIN)


def update() -> None:
    """Bring every language's catalog in line with the template (new texts come untranslated)."""
    template = read(TEMPLATE)
    for code in LANGUAGES:
        path = po_path(code)
        if path.exists():
            catalog = read(path, code)
        else:
            catalog = Catalog(locale=Locale.parse(code), domain=DOMAIN)
            path.parent.mkdir(parents=True, exist_ok=True)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.project, catalog.revision_date = template.project, datetime.now(UTC)
        with path.open("wb") as out:
            write_po(
                out,
                catalog,
                width=100,
                sort_output=True,
                ignore_obsolete=True,
                include_lineno=False,  # files, not lines: moving code changes no catalog
            )


def compile_all() -> None:
    """Compile every catalog to the .mo the bot reads (untranslated texts show in English)."""
    for code in LANGUAGES:
        catalog = read(po_path(code), code)
        with po_path(code).with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog)


def untranslated() -> dict[str, list[str]]:
    """The template's texts each language lacks (or has only as fuzzy), by language."""
    template = read(TEMPLATE)
    missing: dict[str, list[str]] = {}
    for code in LANGUAGES:
        catalog = read(po_path(code), code)
        lacking = []
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, context=message.context)
            strings = found.string if found else None
            if (
                not found
                or found.fuzzy
                or not all(strings if isinstance(strings, tuple) else [strings])
            ):
                lacking.append(str(message.id))
        missing[code] = lacking
    return missing
