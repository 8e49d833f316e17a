"""The shipped catalogs: complete, matching the code, compiled, within Discord's rules."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from bot.i18n import Command, Duration, Msg, Number, PluralMsg, Size, language, resolve
from bot.i18n.catalogs import from_accept_language, supported
from bot.i18n.discord import DESCRIPTION_MAX, NAME
from bot.i18n.tools import LANGUAGES, TEMPLATE, command_texts, extract, po_path, read

COMMAND_REF = re.compile(r"`/([^\s`]+)")


def fields(text: str) -> set[str]:
    """The `{placeholders}` of a text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def template() -> Catalog:
    return read(TEMPLATE)


@pytest.fixture(scope="module", params=LANGUAGES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    code = str(request.param)
    return read(po_path(code), code)


def test_the_template_holds_every_text_in_the_code(tmp_path: Path) -> None:
    """`extract` finds no text the committed messages.pot lacks (run it after adding one)."""
    fresh = extract(tmp_path / "messages.pot")
    committed = read(TEMPLATE)
    new = {(m.context, str(m.id)) for m in fresh if m.id} - {
        (m.context, str(m.id)) for m in committed if m.id
    }
    assert not new, f"run `python -m bot.i18n extract && python -m bot.i18n update`: {new}"


def test_every_text_is_translated_in_every_language(template: Catalog, catalog: Catalog) -> None:
    """Each template text has a translation (every plural form, none fuzzy) in each language."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found else None
        forms = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(forms):
            missing.append(message.id)
    assert not missing, f"{catalog.locale}: untranslated (English is shown): {missing}"


def test_translations_keep_the_placeholders(catalog: Catalog) -> None:
    """A translation uses exactly the English text's {placeholders} ({count} may be left out)."""
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            english = fields(message.id[0]) | fields(message.id[1])
            for form in message.string:
                if not fields(form) <= english | {"count"}:
                    wrong.append((message.id, form))
            used = set().union(*(fields(form) for form in message.string))
            if not (english - {"count"}) <= used:
                wrong.append((message.id, message.string))
        elif fields(message.id) != fields(message.string):
            wrong.append((message.id, message.string))
    assert not wrong, f"{catalog.locale}: {wrong}"


def test_plural_forms_match_the_language(catalog: Catalog) -> None:
    """Every plural text has as many forms as the language's Plural-Forms header says."""
    expected = Catalog(locale=str(catalog.locale)).plural_forms
    assert catalog.plural_forms == expected
    for message in catalog:
        if isinstance(message.id, tuple) and message.string:
            assert len(message.string) == catalog.num_plurals, message.id


def test_compiled_catalogs_match_their_sources(catalog: Catalog) -> None:
    """The committed .mo is the compiled .po (run `python -m bot.i18n compile`)."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    code = str(catalog.locale)
    assert po_path(code).with_suffix(".mo").read_bytes() == compiled.getvalue()


def test_command_localizations_keep_discords_rules(catalog: Catalog) -> None:
    """Names are 1-32 lowercase characters and unique where Discord needs it; descriptions ≤ 100."""
    lang = language(str(catalog.locale).replace("-", "_"))
    names: dict[str, str] = {}
    for context, text, _ in command_texts():
        if context is None:
            assert len(lang.translations.gettext(text)) <= DESCRIPTION_MAX, text
            continue
        shown = lang.pgettext(context, text)
        assert NAME.match(shown) and shown == shown.lower(), (text, shown)
        if context == "command":
            names.setdefault(shown, text)
            assert names[shown] == text, f"{shown!r} names both {names[shown]!r} and {text!r}"


def test_texts_name_commands_as_this_language_does(catalog: Catalog) -> None:
    """`/command` in a translation is the command's name in that language, so it can be typed."""
    lang = language(str(catalog.locale).replace("-", "_"))
    localized = {lang.pgettext("command", text) for ctx, text, _ in command_texts() if ctx}
    wrong = []
    for message in catalog:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            for ref in COMMAND_REF.findall(form or ""):
                if ref not in localized:
                    wrong.append((ref, form))
    assert not wrong, f"{catalog.locale}: {wrong}"


def test_an_unknown_locale_falls_back_to_english_without_error() -> None:
    """Thai (no catalog), garbage and nothing resolve to English; regional variants to ours."""
    for code in ("th", "xx-YY", "", None):
        assert resolve(code).code == "en"
    assert resolve("th", "de").code == "de"  # the next choice (DEFAULT_LOCALE) applies
    assert supported("pt-BR") == "pt_BR"
    assert supported("es-419") == supported("es-ES") == "es"
    assert supported("en-GB") == "en"
    assert resolve("th")._("Only admins can do that.") == "Only admins can do that."


def test_accept_language_picks_the_preferred_supported_language() -> None:
    """A browser's Accept-Language is ranked by q; unsupported ones are skipped."""
    assert from_accept_language("th, nl;q=0.8, de;q=0.9").code == "de"
    assert from_accept_language("fr-CA,fr;q=0.9,en;q=0.8").code == "fr"
    assert from_accept_language("pt-BR").code == "pt_BR"
    assert from_accept_language("*").code == "en"
    assert from_accept_language(None).code == "en"


def test_numbers_sizes_and_durations_follow_the_language() -> None:
    """Babel formats values the way each language writes them."""
    de, fr, en = language("de"), language("fr"), language("en")
    assert de.value(Number(1234.5)) == "1.234,5"
    assert en.value(Number(1234.5)) == "1,234.5"
    assert de.value(Size(1.5 * 2**30)) == "1,5\xa0GB"  # CLDR keeps number and unit together
    assert fr.value(Size(1.5 * 2**30)) == "1,5\u202fGo"
    assert de.value(Duration(120)) == "2 Minuten"
    assert en.render(PluralMsg("{count} hour", "{count} hours", 1)) == "1 hour"
    assert de.render(PluralMsg("{count} hour", "{count} hours", 3)) == "3 Stunden"
    assert de.value(Command("youtube resume")) == "`/youtube fortsetzen`"
    assert en.value(Command("link")) == "`/link`"


def test_a_message_survives_json_and_renders_nested_values() -> None:
    """A Msg stored as JSON (the outbox) comes back equal and renders its nested messages."""
    msg = Msg(
        "Your request for **{name}** went through: it's {status}.",
        name="Dune (2021)",
        status=Msg("on Plex"),
    )
    again = Msg.from_json(msg.to_json())
    assert again == msg
    assert language("de").render(again) == "Deine Anfrage für **Dune (2021)** ist durch: auf Plex."
    assert again.english() == "Your request for **Dune (2021)** went through: it's on Plex."


def test_installs_and_the_image_ship_the_compiled_catalogs() -> None:
    """pyproject's package data takes every .mo, so `pip install .` (the Dockerfile) has them."""
    import tomllib
    from fnmatch import fnmatch

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["bot.i18n"]
    package = root / "bot" / "i18n"
    compiled = [str(p.relative_to(package)) for p in package.glob("locale/*/LC_MESSAGES/*.mo")]
    assert len(compiled) == len(LANGUAGES)
    assert all(any(fnmatch(name, pattern) for pattern in patterns) for name in compiled)
