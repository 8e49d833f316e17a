"""The shipped gettext catalogs and `Lang`, one language's way of rendering text and numbers.

Message ids are the English texts (gettext's way: a translator sees the English, and a
message nobody translated yet shows in English). Catalogs are compiled `.mo` files kept
next to their `.po` sources in `bot/i18n/locale/` (`python -m bot.i18n compile`).
"""

from __future__ import annotations

import gettext
import logging
import string
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal
from babel.support import Translations
from babel.units import format_unit

from bot.i18n.messages import Command, Duration, Msg, Number, Size

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE = "en"
# Every shipped language; the first is the source language (no catalog needed).
SUPPORTED = ("en", "de", "fr", "es", "nl", "pt_BR")
UNITS = ("byte", "kilobyte", "megabyte", "gigabyte", "terabyte")


def supported(code: str | None) -> str | None:
    """Our catalog for a Discord or HTTP locale ("pt-BR", "es-419", "de-AT"), None if none fits."""
    if not code:
        return None
    code = code.replace("-", "_")
    if code in SUPPORTED:
        return code
    lang = code.split("_", 1)[0].lower()
    if lang == "pt":
        return "pt_BR"  # the only Portuguese we ship
    return lang if lang in SUPPORTED else None


class Lang:
    """One language: translated texts filled with values, numbers, sizes and durations."""

    def __init__(self, code: str, translations: gettext.NullTranslations) -> None:
        self.code = code
        self.locale = Locale.parse(code)
        self.translations = translations

    def __repr__(self) -> str:
        return f"Lang({self.code!r})"

    def _(self, text: str, /, **values: Any) -> str:
        """The text in this language, its `{placeholders}` filled."""
        return self._fill(self.translations.gettext(text), values)

    def ngettext(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        """The form for `count` (also given to the text as `{count}`)."""
        values.setdefault("count", Number(count))
        return self._fill(self.translations.ngettext(singular, plural, count), values)

    def pgettext(self, context: str, text: str, /) -> str:
        """A short text that needs a context to translate (a command or option name)."""
        return self.translations.pgettext(context, text)

    def render(self, msg: Msg | str) -> str:
        """A `Msg` in this language; a plain string is shown as it is."""
        if isinstance(msg, str):
            return msg
        if msg.plural is not None and msg.count is not None:
            return self.ngettext(msg.text, msg.plural, msg.count, **msg.values)
        return self._(msg.text, **msg.values)

    def render_embed(self, embed: Any) -> Any:
        """An embed dict with its `embedded` messages rendered in this language."""
        if isinstance(embed, dict):
            if embed.keys() == {"$msg"}:
                return self.render(Msg.from_json(embed["$msg"]))
            return {key: self.render_embed(value) for key, value in embed.items()}
        if isinstance(embed, list):
            return [self.render_embed(value) for value in embed]
        return embed

    def _fill(self, text: str, values: dict[str, Any]) -> str:
        if not values:
            return text
        shown = {key: self.value(v) for key, v in values.items()}
        try:
            return text.format_map(shown)
        except (KeyError, IndexError, ValueError):  # a broken translation: the tests catch it
            log.warning("i18n: %s could not fill %r", self.code, text)
            return string.Formatter().vformat(text, (), _Blank(shown))

    def value(self, value: Any) -> str:
        """One value as this language shows it."""
        if isinstance(value, Msg):
            return self.render(value)
        if isinstance(value, Size):
            return self.size(value.bytes)
        if isinstance(value, Duration):
            return self.duration(value.seconds)
        if isinstance(value, Number):
            return self.number(value.value, value.decimals)
        if isinstance(value, Command):
            name = " ".join(self.pgettext("command", part) for part in value.name.split())
            return f"`/{name}`"
        return "" if value is None else str(value)

    def number(self, value: float, decimals: int | None = None) -> str:
        if decimals is None:
            return format_decimal(value, locale=self.locale)
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, format=pattern, locale=self.locale)

    def size(self, size: float) -> str:
        """Bytes in the largest unit that keeps the number at or above 1 (1 KB = 1024 bytes,
        as the download settings and the disk probe count)."""
        unit = 0
        while size >= 1024 and unit < len(UNITS) - 1:
            size /= 1024
            unit += 1
        shown = round(size, 1) if unit else int(size)
        return format_unit(shown, f"digital-{UNITS[unit]}", length="short", locale=self.locale)

    def duration(self, seconds: float) -> str:
        return format_timedelta(
            timedelta(seconds=seconds), threshold=1.5, format="long", locale=self.locale
        )

    def date(self, day: date | datetime) -> str:
        return format_date(day, format="medium", locale=self.locale)

    def name(self) -> str:
        """The language's own name ("Deutsch", "português (Brasil)")."""
        return self.locale.get_display_name(self.locale) or self.code


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@cache
def language(code: str) -> Lang:
    """The `Lang` of a supported code (compiled catalogs are read once per process)."""
    if code == SOURCE:
        return Lang(code, gettext.NullTranslations())
    found = Translations.load(LOCALE_DIR, [code], DOMAIN)
    if not isinstance(found, Translations):
        log.warning("i18n: no compiled catalog for %s, showing English", code)
    return Lang(code, found)


def resolve(*codes: str | None) -> Lang:
    """The first supported language among the codes, else English."""
    for code in codes:
        found = supported(code)
        if found:
            return language(found)
    return ENGLISH


def from_accept_language(header: str | None, default: str | None = None) -> Lang:
    """A web page's language from the browser's `Accept-Language` (highest q first)."""
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate((header or "").split(",")):
        code, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if code and code != "*" and weight > 0:
            ranked.append((-weight, n, code))
    return resolve(*(code for _, _, code in sorted(ranked)), default)


ENGLISH = language(SOURCE)
