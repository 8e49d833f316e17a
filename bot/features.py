"""The feature objects the extensions built: how one feature finds another it depends on.

Each extension's `setup(bot)` builds its feature complete and adds it here; an extension
loaded later (`cogs.EXTENSIONS` is in dependency order) asks for what it needs with `get`,
and a feature that is off is simply absent.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


class Features:
    """One object per feature type, added when its extension loads (a reload replaces it)."""

    def __init__(self) -> None:
        self._by_type: dict[type[Any], Any] = {}

    def add(self, feature: T) -> T:
        """Make `feature` findable by its type; returns it."""
        self._by_type[type(feature)] = feature
        return feature

    def get(self, kind: type[T]) -> T | None:
        """The feature of this type, or None when it is off (or its extension not loaded yet)."""
        found: T | None = self._by_type.get(kind)
        return found
