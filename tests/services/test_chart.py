"""The uptime chart: a small PNG drawn by matplotlib, cells coloured where the hours are."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

from PIL import Image, ImageColor

from bot.services.charts import in_thread, uptime_chart
from bot.services.charts.style import BACKGROUND, GREEN, GREY, RED, WIDTH_PX, YELLOW
from bot.services.charts.uptime import BOTTOM, LEFT, RIGHT, ROW, TOP, band

LAST_HOUR = datetime(2026, 12, 1, 21, tzinfo=UTC)
ROWS: dict[str, list[float | None]] = {
    "plex": [1.0] * 20 + [0.95, 0.5, None, 1.0],
    "overseerr": [None] * 10 + [1.0] * 14,
    "database": [1.0] * 24,
}


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


def cell(image: Image.Image, row: int, hour: int, hours: int = 24) -> tuple[int, int, int]:
    """The colour at the centre of one service's cell for one hour."""
    step = (image.width - LEFT - RIGHT) / hours
    pixel = image.getpixel((int(LEFT + (hour + 0.5) * step), int(TOP + (row + 0.5) * ROW)))
    assert isinstance(pixel, tuple)
    return pixel[0], pixel[1], pixel[2]


def rgb(colour: str) -> tuple[int, int, int]:
    red, green, blue = ImageColor.getrgb(colour)[:3]
    return red, green, blue


def test_chart_is_a_small_png_with_a_row_per_service() -> None:
    """The PNG is 800 px wide, one 30 px row per service tall, and far from blank."""
    image = opened(uptime_chart(ROWS, LAST_HOUR))
    assert image.size == (WIDTH_PX, TOP + ROW * len(ROWS) + BOTTOM)
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 20  # cells, anti-aliased text, legend
    background = sum(n for n, c in colours if c == rgb(BACKGROUND))
    assert background < 0.8 * image.width * image.height


def test_cells_are_coloured_by_uptime_at_their_hour() -> None:
    """A down hour is red, a shaky one yellow, an unchecked one grey, a good one green."""
    image = opened(uptime_chart(ROWS, LAST_HOUR))
    assert cell(image, 0, 0) == rgb(GREEN)
    assert cell(image, 0, 20) == rgb(YELLOW)
    assert cell(image, 0, 21) == rgb(RED)
    assert cell(image, 0, 22) == rgb(GREY)
    assert cell(image, 1, 9) == rgb(GREY)
    assert cell(image, 1, 10) == rgb(GREEN)
    assert cell(image, 2, 23) == rgb(GREEN)


def test_short_series_line_up_with_the_newest_hours() -> None:
    """A service checked only for the last hours fills the right end of its row."""
    image = opened(uptime_chart({"plex": [1.0] * 24, "redis": [0.5] * 3}, LAST_HOUR))
    assert cell(image, 1, 20) == rgb(GREY)
    assert cell(image, 1, 21) == rgb(RED)
    assert cell(image, 1, 23) == rgb(RED)


def test_no_services_still_draws_a_readable_png() -> None:
    """Before the first check the chart is a short PNG saying so, not an error or blank."""
    image = opened(uptime_chart({}, LAST_HOUR))
    assert image.size == (WIDTH_PX, TOP + ROW + BOTTOM)
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 2


def test_bands_follow_the_thresholds() -> None:
    """99 % and above is green, 90 % up to 99 % yellow, below red, no checks grey."""
    assert [band(v) for v in (None, 0.0, 0.899, 0.9, 0.989, 0.99, 1.0)] == [0, 1, 1, 2, 2, 3, 3]


async def test_concurrent_renders_in_threads_are_whole_pngs() -> None:
    """Charts rendered in worker threads at once come out identical to a direct render."""
    direct = uptime_chart(ROWS, LAST_HOUR)
    renders = await asyncio.gather(*(in_thread(uptime_chart, ROWS, LAST_HOUR) for _ in range(3)))
    assert renders == [direct] * 3
