"""The default libraries and the Plex access role: the environment's, else an admin's choice.

Like `/setup`'s places: a value set in the environment wins and cannot be changed from
Discord; otherwise `/admin access settings` stores it in `key_value`. Read when used.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.errors import InvalidInput
from bot.i18n import N_
from bot.services.places import SetByEnvironment
from storage.models import KeyValue

LIBRARIES = "setup.plex_access_default_libraries"
ROLE = "setup.plex_access_role_id"


class AccessDefaults:
    """What an approval preselects and which role gives access."""

    def __init__(self, env_libraries: Sequence[str], env_role: int | None) -> None:
        self.env_libraries = tuple(env_libraries)
        self.env_role = env_role

    async def libraries(self) -> tuple[str, ...]:
        """Titles or keys; empty means every library."""
        if self.env_libraries:
            return self.env_libraries
        row = await KeyValue.get_or_none(key=LIBRARIES)
        return tuple(json.loads(row.value)) if row is not None else ()

    async def role_id(self) -> int | None:
        if self.env_role is not None:
            return self.env_role
        row = await KeyValue.get_or_none(key=ROLE)
        return int(row.value) if row is not None and row.value.isdigit() else None

    async def choose_libraries(self, keys: Sequence[str]) -> None:
        if self.env_libraries:
            raise SetByEnvironment("PLEX_ACCESS_DEFAULT_LIBRARIES")
        await _store(LIBRARIES, json.dumps(list(keys)))

    async def choose_role(self, role_id: int, everyone_id: int) -> None:
        if self.env_role is not None:
            raise SetByEnvironment("PLEX_ACCESS_ROLE_ID")
        if role_id == everyone_id:
            raise InvalidInput(
                N_("@everyone can't be the Plex access role: pick a role to hand out.")
            )
        await _store(ROLE, str(role_id))


async def _store(key: str, value: str) -> None:
    if not await KeyValue.filter(key=key).update(value=value):
        await KeyValue.create(key=key, value=value)
