"""Small values the bot generates once and keeps, such as its Plex client identifier."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from tortoise.exceptions import IntegrityError

from storage.models import KeyValue


async def kept_value(key: str, make: Callable[[], str]) -> str:
    """The value stored under `key`; on first use `make()` creates it, once even when racing."""
    found = await KeyValue.get_or_none(key=key)
    if found is not None:
        return found.value
    with contextlib.suppress(IntegrityError):  # another task stored it first: theirs wins
        await KeyValue.create(key=key, value=make())
    return (await KeyValue.get(key=key)).value
