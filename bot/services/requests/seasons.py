"""Season numbers: what a member types ("all", "latest", "future", "1,3-4") and compact runs."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.errors import InvalidInput
from bot.i18n import N_, PluralMsg

SEASON_PART = re.compile(r"(\d{1,4})(?:\s*-\s*(\d{1,4}))?")
RUN = re.compile(r"(\d{1,4})(?:-(\d{1,4}))?")
SEASON_HELP = N_(
    "Seasons must be `all`, `latest`, `future` (all, and every new season later), "
    "or season numbers like `1,3-4`."
)
FUTURE_SPECS = {"future", "all future", "future seasons", "all future seasons"}
MAX_SPAN = 500


def _span(pattern: re.Pattern[str], part: str) -> range | None:
    """The seasons one comma-separated part names ("3" or "1-4"); None when it names none."""
    match = pattern.fullmatch(part)
    if not match:
        return None
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if last < first or last - first > MAX_SPAN:
        return None
    return range(first, last + 1)


def wants_future(spec: str | None) -> bool:
    """Whether a seasons option asks for every future season too ("future")."""
    return " ".join((spec or "").replace("+", " ").casefold().split()) in FUTURE_SPECS


def parse_seasons(spec: str | None, real: Sequence[int], title: str) -> list[int]:
    """The seasons `spec` names ("all", "latest", "future", "1,3-4"; None = all), checked.

    "future" asks for all seasons now; the caller also remembers every new one (`wants_future`).
    """
    regular = sorted(n for n in real if n > 0)
    if not regular:
        raise InvalidInput(N_("{title} has no seasons to request yet."), title=title)
    text = (spec or "all").strip().casefold()
    if text == "all" or wants_future(text):
        return regular
    if text == "latest":
        return [regular[-1]]
    wanted: set[int] = set()
    for part in text.replace(" ", "").split(","):
        span = _span(SEASON_PART, part)
        if span is None:
            raise InvalidInput(SEASON_HELP)
        wanted.update(span)
    missing = sorted(wanted - set(real))
    if missing:
        raise InvalidInput(
            PluralMsg(
                "{title} has {seasons}; there is no season {missing}.",
                "{title} has {seasons}; there are no seasons {missing}.",
                len(missing),
                title=title,
                seasons=format_seasons(regular),
                missing=", ".join(map(str, missing[:5])),
            )
        )
    return sorted(wanted)


def format_seasons(numbers: Sequence[int]) -> str:
    """ "season 1", "seasons 1-3" or "seasons 1, 3-4"."""
    ordered = sorted(set(numbers))
    word = "season" if len(ordered) == 1 else "seasons"
    return f"{word} {season_runs(ordered, ', ')}"


def season_runs(seasons: Sequence[int], sep: str = ",") -> str:
    """Season numbers as compact runs: [1, 2, 3, 5] -> "1-3,5"."""
    runs: list[list[int]] = []
    for n in sorted(set(seasons)):
        if runs and runs[-1][-1] == n - 1:
            runs[-1][1:] = [n]
        else:
            runs.append([n])
    return sep.join("-".join(map(str, run)) for run in runs)


def parse_runs(text: str) -> list[int]:
    """The season numbers in "1-3,5"; [] when the text is not runs."""
    numbers: set[int] = set()
    for part in text.split(","):
        span = _span(RUN, part)
        if span is None:
            return []
        numbers.update(span)
    return sorted(numbers)
