"""A message to render later, in the reader's language: its id (the English text) and values.

Services and errors build `Msg`s; they know no language. The Discord side renders them with
a `Lang`. A `Msg` survives a trip through JSON, so an outbox row is rendered when it is sent,
in the recipient's language of that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(text: str) -> str:
    """Mark a module-level text for extraction; it is translated where it is shown."""
    return text


# Monday first, as datetime.weekday() counts.
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


@dataclass(frozen=True)
class Size:
    """A number of bytes, shown as "1.5 GB" / "1,5 Go"."""

    bytes: float


@dataclass(frozen=True)
class Duration:
    """A number of seconds, shown as "3 minutes" / "3 Minuten"."""

    seconds: float


@dataclass(frozen=True)
class Number:
    """A number shown with the reader's separators ("1,234.5" / "1.234,5")."""

    value: float
    decimals: int | None = None  # exactly this many digits after the separator


@dataclass(frozen=True)
class Command:
    """A slash command named in a text, shown as the reader's language names it (`/verknüpfen`)."""

    name: str  # the English qualified name, e.g. "link" or "youtube resume"


Value = Any  # str, int, float, Size, Duration, Number, Command, Msg or None
TAGS: dict[str, type] = {"size": Size, "duration": Duration, "number": Number, "command": Command}


@dataclass(frozen=True, init=False)
class Msg:
    """A catalog message id with its values; `plural`/`count` make it an ngettext message."""

    text: str
    values: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    count: int | None = None

    def __init__(self, text: str, /, **values: Value) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "plural", None)
        object.__setattr__(self, "count", None)

    def english(self) -> str:
        """The message in English, for logs and stored fallbacks."""
        from bot.i18n.catalogs import ENGLISH  # catalogs imports this module

        return ENGLISH.render(self)

    def __str__(self) -> str:
        return self.english()

    def to_json(self) -> dict[str, Any]:
        """A plain dict for a JSON column."""
        out: dict[str, Any] = {"text": self.text, "values": _encode(self.values)}
        if self.plural is not None:
            out.update(plural=self.plural, count=self.count)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Msg:
        """The message `to_json` stored."""
        values = {k: _decode(v) for k, v in (data.get("values") or {}).items()}
        if data.get("plural") is not None:
            return PluralMsg(data["text"], data["plural"], int(data["count"]), **values)
        return cls(data["text"], **values)


def PluralMsg(singular: str, plural: str, count: int, /, **values: Value) -> Msg:
    """A message whose form depends on `count` (available to the text as `{count}`)."""
    msg = Msg(singular, **values)
    object.__setattr__(msg, "plural", plural)
    object.__setattr__(msg, "count", count)
    return msg


def embedded(msg: Msg) -> dict[str, Any]:
    """A message inside a stored embed dict (a title, a description): rendered when sent."""
    return {"$msg": msg.to_json()}


def joined(parts: list[Msg | str], sep: str = "\n") -> Msg:
    """Several messages shown one after the other (each rendered on its own)."""
    text = sep.join(f"{{p{n}}}" for n in range(len(parts)))
    return Msg(text, **{f"p{n}": part for n, part in enumerate(parts)})


def _encode(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Msg):
            out[key] = {"$msg": value.to_json()}
        elif isinstance(value, Size | Duration | Number | Command):
            tag = next(t for t, kind in TAGS.items() if isinstance(value, kind))
            out[key] = {"$" + tag: list(vars(value).values())}
        else:
            out[key] = value
    return out


def _decode(value: Any) -> Any:
    if not isinstance(value, dict) or len(value) != 1:
        return value
    ((tag, inner),) = value.items()
    if tag == "$msg":
        return Msg.from_json(inner)
    kind = TAGS.get(tag.lstrip("$"))
    return kind(*inner) if kind else value
