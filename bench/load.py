"""An HTTP/1.1 keep-alive load generator, run in its own process so the bot keeps its core.

`python -m bench.load PORT PATH SECONDS CONCURRENCY [METHOD] [BODY_FILE] [HEADER ...]`
prints one JSON line: requests, seconds, requests/s, p50/p99 in ms and a count per status.
Raw streams rather than an HTTP client library, so the generator is not what runs out first.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

from bench.stats import ms, percentile


def build_request(path: str, method: str, body: bytes, headers: list[str]) -> bytes:
    """The bytes of one request, sent again and again on each connection."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def one_connection(
    port: int, request: bytes, until: float, latencies: list[float], statuses: Counter[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            statuses[status] += 1
    finally:
        writer.close()


async def main(argv: list[str]) -> dict[str, object]:
    port, path, seconds, concurrency = int(argv[0]), argv[1], float(argv[2]), int(argv[3])
    method = argv[4] if len(argv) > 4 else "GET"
    body = Path(argv[5]).read_bytes() if len(argv) > 5 and argv[5] else b""
    request = build_request(path, method, body, argv[6:])
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(
        *(one_connection(port, request, until, latencies, statuses) for _ in range(concurrency))
    )
    took = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "seconds": round(took, 2),
        "rps": round(len(latencies) / took, 1),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1:]))))
