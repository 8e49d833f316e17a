"""Languages: gettext catalogs through Babel, and whose language each text is shown in.

Services build `Msg`s (a message id and its values) and know no language; the Discord side
renders them with the reader's `Lang` (`bot.i18n.discord`). See docs/translating.md.
"""

from __future__ import annotations

from bot.i18n.catalogs import ENGLISH, SUPPORTED, Lang, language, resolve, supported
from bot.i18n.messages import N_, WEEKDAYS, Command, Duration, Msg, Number, PluralMsg, Size

__all__ = [
    "ENGLISH",
    "N_",
    "SUPPORTED",
    "WEEKDAYS",
    "Command",
    "Duration",
    "Lang",
    "Msg",
    "Number",
    "PluralMsg",
    "Size",
    "language",
    "resolve",
    "supported",
]
