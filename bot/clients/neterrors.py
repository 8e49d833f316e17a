"""One short line for a network failure, whichever library raised it.

aiohttp, requests/urllib3 (under plexapi) and asyncpg each wrap the socket error differently;
this walks the chain to the host, the port and the OS reason, e.g.
"cannot connect to 127.0.0.1:9: connection refused".
"""

from __future__ import annotations

import errno
import re
import socket
from collections.abc import Iterator

_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ETIMEDOUT: "timed out",
    errno.EHOSTUNREACH: "no route to host",
    errno.ENETUNREACH: "network unreachable",
    errno.ECONNRESET: "connection reset",
}
# asyncio's own message: "Connect call failed ('127.0.0.1', 9)"
_ASYNCIO_ADDRESS = re.compile(r"\('([^']+)', (\d+)")


def describe_network_error(exc: BaseException) -> str:
    """A one-line reason naming the address when any exception in the chain knows it."""
    chain = list(_chain(exc))
    where = next((a for a in map(_address, chain) if a), None)
    reason = next((r for r in map(_reason, chain) if r), None)
    if reason is None:
        reason = str(exc) or type(exc).__name__
    return f"cannot connect to {where}: {reason}" if where else reason


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and exceptions it carries as attributes."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, *current.args]
        linked += [getattr(current, name, None) for name in ("reason", "os_error")]
        todo.extend(item for item in linked if isinstance(item, BaseException))


def _address(exc: BaseException) -> str | None:
    for holder in (exc, getattr(exc, "pool", None), getattr(exc, "conn", None)):
        host, port = getattr(holder, "host", None), getattr(holder, "port", None)
        if isinstance(host, str) and host and isinstance(port, int):
            return f"{host}:{port}"
    if isinstance(exc, OSError):
        match = _ASYNCIO_ADDRESS.search(str(exc))
        if match:
            return f"{match.group(1)}:{match.group(2)}"
    return None


def _reason(exc: BaseException) -> str | None:
    if isinstance(exc, socket.gaierror):
        return "host name not found"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.errno in _REASONS:
        return _REASONS[exc.errno]
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return None
