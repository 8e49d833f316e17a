"""A small uptime chart as a PNG, drawn without any imaging library."""

from __future__ import annotations

import struct
import zlib

GOOD = (87, 242, 135)
WARN = (254, 231, 92)
BAD = (237, 66, 69)
NONE = (79, 84, 92)
BACKGROUND = (43, 45, 49)


def colour(uptime: float | None) -> tuple[int, int, int]:
    if uptime is None:
        return NONE
    if uptime >= 0.99:
        return GOOD
    return WARN if uptime >= 0.9 else BAD


def uptime_chart(rows: dict[str, list[float | None]], cell: int = 14, gap: int = 2) -> bytes:
    """One row of hourly cells per service, oldest hour on the left; returns PNG bytes."""
    hours = max((len(v) for v in rows.values()), default=0)
    width = max(1, hours * (cell + gap) + gap)
    height = max(1, len(rows) * (cell + gap) + gap)
    pixels = [[BACKGROUND] * width for _ in range(height)]
    for r, series in enumerate(rows.values()):
        top = gap + r * (cell + gap)
        for h, value in enumerate(series):
            left = gap + h * (cell + gap)
            fill = colour(value)
            for y in range(top, top + cell):
                pixels[y][left : left + cell] = [fill] * cell
    return encode_png(pixels)


def encode_png(pixels: list[list[tuple[int, int, int]]]) -> bytes:
    """Encode rows of RGB tuples as a PNG."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
