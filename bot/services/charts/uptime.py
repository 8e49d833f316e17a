"""The uptime chart of /status: one row of hourly cells per service, oldest hour on the left."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.services.charts.style import BACKGROUND, GREEN, GREY, MUTED, RED, YELLOW, chart, figure

# Index into BANDS by `band()`: the cell colours and their legend entries.
BANDS = ((GREY, "no checks"), (RED, "under 90 %"), (YELLOW, "90–99 %"), (GREEN, "99 % or more"))
# Pixel layout: the title above, hours and legend below, names and averages either side.
TOP, ROW, BOTTOM, LEFT, RIGHT = 42, 30, 58, 96, 70
TICK_EVERY = 3  # hours between labels on the hour axis


def band(uptime: float | None) -> int:
    """Which colour a cell gets: grey without checks, then red, yellow, green."""
    if uptime is None:
        return 0
    if uptime >= 0.99:
        return 3
    return 2 if uptime >= 0.9 else 1


def average(series: Sequence[float | None]) -> str:
    """The mean of the hours that had checks, as the label at the row's end."""
    known = [v for v in series if v is not None]
    return f"{sum(known) / len(known) * 100:.1f} %" if known else "—"


@chart
def uptime_chart(rows: Mapping[str, Sequence[float | None]], last_hour: datetime) -> Figure:
    """Hourly uptime per service; `last_hour` is when the rightmost column's hour began (UTC)."""
    hours = max((len(series) for series in rows.values()), default=0)
    fig = figure(TOP + ROW * max(1, len(rows)) + BOTTOM)
    width, height = fig.bbox.width, fig.bbox.height
    ax = fig.add_axes(
        (LEFT / width, BOTTOM / height, 1 - (LEFT + RIGHT) / width, 1 - (TOP + BOTTOM) / height)
    )
    if not hours:
        ax.set_title("Uptime per hour (UTC)", pad=12)
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No checks yet.", ha="center", va="center", color=MUTED, fontsize=12)
        return fig
    # Shorter series are the newest hours: pad them on the left so hours line up.
    padding: list[float | None] = [None] * hours
    grid = [padding[len(s) :] + list(s) for s in rows.values()]
    ax.set_title(f"Uptime per hour, last {hours} h (UTC)", pad=12)
    ax.pcolormesh(
        [[band(v) for v in series] for series in grid],
        cmap=ListedColormap([colour for colour, _ in BANDS]),
        norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5], len(BANDS)),
        edgecolors=BACKGROUND,
        linewidth=3,
    )
    ax.set_xlim(0, hours)
    ax.set_ylim(len(grid), 0)  # first service on top
    ax.set_yticks([r + 0.5 for r in range(len(grid))], list(rows), fontsize=11)
    first = last_hour - timedelta(hours=hours - 1)
    ticks = [i for i in range(hours + 1) if (first + timedelta(hours=i)).hour % TICK_EVERY == 0]
    ax.set_xticks(ticks, [f"{(first + timedelta(hours=i)):%H}:00" for i in ticks])
    ax.tick_params(length=0, pad=6)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(hours + 0.4, -0.2, f"{hours} h", color=MUTED, va="bottom", fontsize=9)
    for r, series in enumerate(grid):
        ax.text(hours + 0.4, r + 0.5, average(series), va="center", fontsize=10)
    fig.legend(
        handles=[Patch(facecolor=colour, label=label) for colour, label in reversed(BANDS)],
        loc="lower center",
        bbox_to_anchor=(0.5, 2 / height),
        ncols=len(BANDS),
        handlelength=1.0,
        handleheight=1.0,
        columnspacing=1.2,
        handletextpad=0.5,
    )
    return fig
