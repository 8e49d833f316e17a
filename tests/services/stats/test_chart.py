"""The requests chart: an 800 x 560 PNG, two panels, coloured where the bars are."""

from __future__ import annotations

import io

from PIL import Image, ImageColor

from bot.services.charts import requests_chart
from bot.services.charts.requests import HEIGHT, binned
from bot.services.charts.style import BACKGROUND, GREEN, RED, WIDTH_PX

LABELS = [f"Nov {d}" for d in range(25, 32)]
STACKS = {"available": [1, 0, 2, 0, 0, 3, 1], "failed": [0, 1, 0, 0, 0, 0, 2]}
HOURS = {"movie": [0.5, 30.0, 200.0], "tv": [5.0]}


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


def share_of(image: Image.Image, colour: str) -> float:
    rgb = ImageColor.getrgb(colour)[:3]
    colours = image.getcolors(maxcolors=1 << 20) or []
    return sum(n for n, c in colours if c == rgb) / (image.width * image.height)


def test_chart_is_an_800_by_560_png_with_bars() -> None:
    """The PNG opens, has the expected size, and shows green and red bars on the dark theme."""
    image = opened(requests_chart(LABELS, STACKS, HOURS, "day"))
    assert image.size == (WIDTH_PX, HEIGHT)
    assert share_of(image, BACKGROUND) < 0.9
    assert share_of(image, GREEN) > 0.005 and share_of(image, RED) > 0.001


def test_nothing_available_still_draws_both_panels() -> None:
    """Without times to available the lower panel says so; the PNG is the same size."""
    image = opened(requests_chart(LABELS, STACKS, {"movie": [], "tv": []}, "day"))
    assert image.size == (WIDTH_PX, HEIGHT)
    assert len(image.getcolors(maxcolors=1 << 20) or []) > 20


def test_hours_fall_into_their_bins() -> None:
    """Under an hour, 1-6 h, 6-24 h, 1-3 d, 3-7 d, 1-2 weeks, and longer."""
    assert binned([0.2, 1.0, 5.9, 6.0, 23.0, 24.0, 71.9, 100.0, 200.0, 400.0]) == [
        1,
        2,
        2,
        2,
        1,
        1,
        1,
    ]
