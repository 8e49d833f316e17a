"""The look every chart shares (Discord's dark theme) and how a chart becomes a PNG."""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Callable
from typing import Any, ParamSpec

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

P = ParamSpec("P")

# Discord's dark theme: embed background, text, muted text and separators.
BACKGROUND = "#2B2D31"
TEXT = "#DBDEE1"
MUTED = "#949BA4"
LINE = "#3F4147"
# Discord's status colours, so green, yellow and red mean what they mean in the client.
GREEN = "#23A55A"
YELLOW = "#F0B232"
RED = "#F23F43"
GREY = "#4E5058"

DPI = 100
WIDTH_PX = 800

STYLE: dict[RcKeyType, Any] = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": BACKGROUND,
    "savefig.facecolor": BACKGROUND,
    "axes.facecolor": BACKGROUND,
    "axes.edgecolor": LINE,
    "axes.labelcolor": MUTED,
    "axes.titlecolor": TEXT,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.color": TEXT,
    "xtick.color": LINE,
    "ytick.color": LINE,
    "xtick.labelcolor": MUTED,
    "ytick.labelcolor": TEXT,
    "grid.color": LINE,
    "legend.frameon": False,
    "legend.labelcolor": TEXT,
    "legend.fontsize": 9,
}

# matplotlib shares font and text caches between figures: draw one chart at a time.
_drawing = threading.Lock()


def figure(height_px: int, width_px: int = WIDTH_PX) -> Figure:
    """A blank figure of this many pixels, on the Agg canvas (no GUI, no pyplot state)."""
    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def chart(draw: Callable[P, Figure]) -> Callable[P, bytes]:
    """Turn a function that draws a Figure in the shared style into one that returns a PNG."""

    @functools.wraps(draw)
    def png(*args: P.args, **kwargs: P.kwargs) -> bytes:
        with _drawing, matplotlib.rc_context(STYLE):
            out = io.BytesIO()
            draw(*args, **kwargs).savefig(out, format="png", metadata={"Software": None})
            return out.getvalue()

    return png
