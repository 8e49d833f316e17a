"""What a New on Plex post looks like: plain embed dicts and images, no Discord objects."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from bot.i18n import Msg, PluralMsg
from bot.i18n.messages import embedded, joined
from storage.models import NewMedia

WATCH_URL = (
    "https://app.plex.tv/desktop/#!/server/{machine}/details?key=%2Flibrary%2Fmetadata%2F{key}"
)
COLOUR = 0xE5A00D  # Plex's orange
POSTER = (300, 450)
CELL = (150, 225)
GRID_COLUMNS = 4
GRID_MAX = 12
SUMMARY_CHARS = 300
LIST_LINES = 15


@dataclass(frozen=True)
class Group:
    """Rows announced together: one movie, or the new episodes of one season."""

    key: str
    rows: list[NewMedia]

    @property
    def first(self) -> NewMedia:
        return self.rows[0]


def groups_of(rows: Sequence[NewMedia]) -> list[Group]:
    """Rows grouped per movie and per show season, in arrival order; episodes sorted."""
    found: dict[str, list[NewMedia]] = {}
    for row in sorted(rows, key=lambda r: (r.added_at, r.id)):
        found.setdefault(row.group_key, []).append(row)
    return [
        Group(key, sorted(members, key=lambda r: (r.season or 0, r.episode or 0, r.id)))
        for key, members in found.items()
    ]


def watch_url(machine_id: str, rating_key: str) -> str:
    """The app.plex.tv page of an item on this server (it opens the Plex app on phones)."""
    return WATCH_URL.format(machine=machine_id, key=rating_key)


def _name(title: str, year: int | None) -> str:
    return f"{title} ({year})" if year else title


def headline(group: Group) -> Msg | str:
    """ "Dune (2021)", or "3 new episodes of Severance, season 2"."""
    row = group.first
    if row.kind != "episode":
        return _name(row.title, row.year)
    show = row.show_title or row.title
    count = len(group.rows)
    if count == 1:
        return Msg(
            "New episode of {show}, season {season}: {title}",
            show=show,
            season=row.season,
            title=row.title,
        )
    return PluralMsg(
        "{count} new episode of {show}, season {season}",
        "{count} new episodes of {show}, season {season}",
        count,
        show=show,
        season=row.season,
    )


def _short(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _mentions(named: Sequence[int]) -> Msg | str:
    """ "@a", "@a and @b", "@a, @b and @c"."""
    mentions = [f"<@{m}>" for m in named]
    if len(mentions) == 1:
        return mentions[0]
    return Msg("{first} and {last}", first=", ".join(mentions[:-1]), last=mentions[-1])


def requested_line(named: Sequence[int], *, inline: bool = False) -> Msg | None:
    """ "Requested by @a and @b" (" · requested by …" inside a line): only members who
    allowed it are passed in."""
    if not named:
        return None
    if inline:
        return Msg("requested by {members}", members=_mentions(named))
    return Msg("Requested by {members}", members=_mentions(named))


def _more(count: int) -> Msg:
    return Msg("… and {count} more", count=count)


def group_embed(
    group: Group, machine_id: str, named: Sequence[int], poster: str | None
) -> dict[str, object]:
    """One arrival's embed: title, year, short summary, Watch on Plex link, poster."""
    row = group.first
    parts: list[Msg | str] = []
    if row.kind == "episode" and len(group.rows) > 1:
        lines = [f"E{r.episode}: {r.title}" if r.episode else r.title for r in group.rows]
        parts.append("\n".join(lines[:LIST_LINES]))
        if len(lines) > LIST_LINES:
            parts.append(_more(len(lines) - LIST_LINES))
    elif row.summary.strip():
        parts.append(_short(row.summary))
    requested = requested_line(named)
    if requested:
        parts += ["", requested] if parts else [requested]
    title = headline(group)
    embed: dict[str, object] = {
        "title": embedded(title) if isinstance(title, Msg) else title[:256],
        "url": watch_url(machine_id, row.link_key),
        "color": COLOUR,
    }
    if parts:  # Discord refuses an empty description
        embed["description"] = embedded(joined(parts))
    if poster:
        embed["thumbnail"] = {"url": f"attachment://{poster}"}
    return embed


def summary_embed(groups: Sequence[Group], libraries: dict[str, str]) -> dict[str, object]:
    """A scan that added many items at once: counts per library and the first titles."""
    rows = [r for g in groups for r in g.rows]
    counts: dict[str, int] = {}
    for row in rows:
        name = libraries.get(row.section_key, "Plex")
        counts[name] = counts.get(name, 0) + 1
    parts: list[Msg | str] = [
        Msg("**{library}**: {count} new", library=name, count=count)
        for name, count in sorted(counts.items())
    ]
    parts.append("")
    parts += [joined(["• ", headline(g)], "") for g in groups[:LIST_LINES]]
    more = len(groups) - LIST_LINES
    if more > 0:
        parts.append(_more(more))
    title = PluralMsg("{count} new item on Plex", "{count} new items on Plex", len(rows))
    return {"title": embedded(title), "description": embedded(joined(parts)), "color": COLOUR}


def digest_embed(
    groups: Sequence[Group], machine_id: str, named: dict[str, list[int]], image: str | None
) -> dict[str, object]:
    """The digest: every group as a linked line (with who asked, if allowed), and the grid."""
    lines: list[Msg | str] = []
    for group in groups[:40]:
        link = f"({watch_url(machine_id, group.first.link_key)})"
        line: list[Msg | str] = ["• [", headline(group), "]", link]
        requested = requested_line(named.get(group.key, []), inline=True)
        if requested:
            line += [" · ", requested]
        lines.append(joined(line, ""))
    if len(groups) > 40:
        lines.append(_more(len(groups) - 40))
    count = sum(len(g.rows) for g in groups)
    title = PluralMsg("New on Plex: {count} new item", "New on Plex: {count} new items", count)
    embed: dict[str, object] = {
        "title": embedded(title),
        "description": embedded(joined(lines)),
        "color": COLOUR,
    }
    if image:
        embed["image"] = {"url": f"attachment://{image}"}
    return embed


def poster_jpeg(data: bytes, size: tuple[int, int] = POSTER) -> bytes | None:
    """The image shrunk to fit `size`, as JPEG; None when it is not an image."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGB")
        image.thumbnail(size)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return out.getvalue()


def poster_grid(posters: Sequence[bytes]) -> bytes | None:
    """Up to 12 posters side by side, four to a row, as one PNG; None without any."""
    cells = []
    for data in posters[:GRID_MAX]:
        try:
            with Image.open(io.BytesIO(data)) as image:
                cells.append(image.convert("RGB").resize(CELL))
        except (UnidentifiedImageError, OSError, ValueError):
            continue
    if not cells:
        return None
    columns = min(GRID_COLUMNS, len(cells))
    rows = (len(cells) + columns - 1) // columns
    gap = 6
    width, height = CELL
    sheet = Image.new(
        "RGB", (columns * (width + gap) + gap, rows * (height + gap) + gap), (47, 49, 54)
    )
    for index, cell in enumerate(cells):
        x = gap + (index % columns) * (width + gap)
        y = gap + (index // columns) * (height + gap)
        sheet.paste(cell, (x, y))
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=True)
    return out.getvalue()
