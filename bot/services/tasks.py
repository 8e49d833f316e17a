"""Stopping owned background tasks so that nothing they raised goes unseen."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)


async def stop_tasks(tasks: Iterable[asyncio.Task[Any]], *, grace: float = 0.0) -> None:
    """Give the tasks `grace` seconds to end, cancel the rest, await all and log their errors."""
    tasks = list(tasks)
    if not tasks:
        return
    pending: Iterable[asyncio.Task[Any]] = tasks
    if grace > 0:
        _, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, Exception):
            log.error("task %s failed", task.get_name(), exc_info=result)
