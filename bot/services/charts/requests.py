"""The Requests page chart: requests per hour or day stacked by outcome, and time to available."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.services.charts.style import GREEN, GREY, LINE, MUTED, RED, YELLOW, chart, figure

BLURPLE = "#5865F2"
TEAL = "#1ABC9C"
SKY = "#00A8FC"
# Outcome colours, in stacking order from the bottom: green and red mean what they do elsewhere.
OUTCOME_COLOURS = {
    "available": GREEN,
    "pending": YELLOW,
    "queued": SKY,
    "declined": GREY,
    "failed": RED,
}
MEDIA_COLOURS = {"movie": BLURPLE, "tv": TEAL}
MEDIA_NAMES = {"movie": "Movies", "tv": "TV"}
# Time-to-available bins, in hours, with their axis labels; the last one is open-ended.
HOUR_BINS = (1, 6, 24, 72, 168, 336)
BIN_LABELS = ("< 1 h", "1–6 h", "6–24 h", "1–3 d", "3–7 d", "1–2 w", "2 w +")
HEIGHT = 560


def hour_bin(hours: float) -> int:
    """The index into BIN_LABELS of a time to available in hours."""
    return next((i for i, bound in enumerate(HOUR_BINS) if hours < bound), len(HOUR_BINS))


def binned(hours: Sequence[float]) -> list[int]:
    counts = [0] * len(BIN_LABELS)
    for value in hours:
        counts[hour_bin(value)] += 1
    return counts


@chart
def requests_chart(
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[int]],
    hours_to_available: Mapping[str, Sequence[float]],
    unit: str,
) -> Figure:
    """Two panels: requests per `unit` stacked by outcome; time to available by media type."""
    fig = figure(HEIGHT)
    top = fig.add_axes((0.07, 0.555, 0.9, 0.325))
    bottom = fig.add_axes((0.07, 0.07, 0.9, 0.325))
    top.set_title(f"Requests per {unit}, by outcome", pad=28)
    positions = list(range(len(labels)))
    base = [0] * len(labels)
    for outcome, colour in OUTCOME_COLOURS.items():
        counts = list(stacks.get(outcome, [0] * len(labels)))
        if any(counts):
            top.bar(positions, counts, bottom=base, color=colour, width=0.8, label=outcome)
            base = [b + c for b, c in zip(base, counts, strict=True)]
    every = max(1, len(labels) // 8)
    top.set_xticks(positions[::every], list(labels)[::every])
    top.set_xlim(-0.6, len(labels) - 0.4)
    top.set_ylim(0, max(1, max(base, default=0)) * 1.15)
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.grid(axis="y", color=LINE, linewidth=0.6)
    top.set_axisbelow(True)
    top.tick_params(length=0)
    top.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(OUTCOME_COLOURS))

    bottom.set_title("Time from request to available", pad=28)
    bins = list(range(len(BIN_LABELS)))
    width = 0.8 / max(1, len(hours_to_available))
    tallest = 0
    for n, (media_type, hours) in enumerate(hours_to_available.items()):
        counts = binned(hours)
        tallest = max(tallest, *counts)
        offset = (n - (len(hours_to_available) - 1) / 2) * width
        bottom.bar(
            [b + offset for b in bins],
            counts,
            width=width,
            color=MEDIA_COLOURS.get(media_type, MUTED),
            label=f"{MEDIA_NAMES.get(media_type, media_type)} ({len(hours)})",
        )
    if not tallest:
        bottom.text(
            0.5,
            0.5,
            "Nothing became available in this period.",
            ha="center",
            va="center",
            color=MUTED,
            fontsize=12,
            transform=bottom.transAxes,
        )
    bottom.set_xticks(bins, BIN_LABELS)
    bottom.set_ylim(0, max(1, tallest) * 1.15)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.grid(axis="y", color=LINE, linewidth=0.6)
    bottom.set_axisbelow(True)
    bottom.tick_params(length=0)
    bottom.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
    return fig
