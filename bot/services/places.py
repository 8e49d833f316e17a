"""Where the bot posts and which role makes an admin: set in the environment or by `/setup`.

A value set in the environment wins and cannot be changed from Discord; otherwise the one
an admin chose in `/setup` is kept in the database (`key_value`, keys `setup.<name>`).
One `Places` is injected into every service that posts; each asks it when it sends, so a
choice made in `/setup` is used from the next message on, with nothing pushed anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.config import Settings
from bot.errors import UserError
from bot.i18n import N_
from storage.models import KeyValue

Kind = Literal["channel", "role"]


@dataclass(frozen=True)
class Place:
    """One choice: the Settings field, its environment variable, and what it is for."""

    name: str
    label: str
    kind: Kind
    purpose: str

    @property
    def variable(self) -> str:
        return self.name.upper()

    @property
    def key(self) -> str:
        return f"setup.{self.name}"


PLACES = (
    Place(
        "health_channel_id", N_("Health channel"), "channel", N_("alerts, the dashboard, reviews")
    ),
    Place(
        "approval_channel_id", N_("Approval channel"), "channel", N_("approval cards and issues")
    ),
    Place("notify_channel_id", N_("Notify channel"), "channel", N_('"now on Plex" announcements')),
    Place("admin_role_id", N_("Admin role"), "role", N_("members with it are admins")),
)
BY_NAME = {p.name: p for p in PLACES}


class SetByEnvironment(UserError):
    """The value comes from the environment, so `/setup` may not change it."""

    def __init__(self, variable: str) -> None:
        super().__init__(
            N_("This is set by {variable} in the bot's environment; change it there."),
            variable=variable,
        )


@dataclass(frozen=True)
class Choice:
    """A place's current value and where it came from (`locked_by` names the variable)."""

    place: Place
    value: int | None
    locked_by: str | None


class Places:
    """The environment's values and the ones stored by `/setup`; the environment wins."""

    def __init__(self, env: Settings | Mapping[str, int | None]) -> None:
        """`env`: the settings, or (tests, tools) the values by field name; absent ones are None."""
        if isinstance(env, Mapping):
            self._env: dict[str, int | None] = {p.name: env.get(p.name) for p in PLACES}
        else:
            self._env = {p.name: getattr(env, p.name) for p in PLACES}
        self._stored: dict[str, int] = {}

    @property
    def health_channel(self) -> int | None:
        """Alerts, the dashboard, and requests that match nothing."""
        return self.value("health_channel_id")

    @property
    def notify_channel(self) -> int | None:
        """The "now on Plex" announcements, and DMs a member closed."""
        return self.value("notify_channel_id")

    @property
    def approval_channel(self) -> int | None:
        """Approval cards and issue cards; the health channel when none is chosen."""
        chosen = self.value("approval_channel_id")
        return chosen if chosen is not None else self.health_channel

    @property
    def admin_role(self) -> int | None:
        """Members with this role are admins."""
        return self.value("admin_role_id")

    async def load(self) -> None:
        """Read the stored choices (at start-up, before the services use them)."""
        rows = await KeyValue.filter(key__in=[p.key for p in PLACES])
        by_key = {r.key: r.value for r in rows}
        self._stored = {p.name: int(by_key[p.key]) for p in PLACES if by_key.get(p.key)}

    def value(self, name: str) -> int | None:
        env = self._env[name]
        return env if env is not None else self._stored.get(name)

    def choices(self) -> list[Choice]:
        return [self.choice(p.name) for p in PLACES]

    def choice(self, name: str) -> Choice:
        place = BY_NAME[name]
        locked = place.variable if self._env[name] is not None else None
        return Choice(place, self.value(name), locked)

    def ensure_choosable(self, name: str) -> None:
        """SetByEnvironment when the environment sets this place."""
        if self._env[name] is not None:
            raise SetByEnvironment(BY_NAME[name].variable)

    async def choose(self, name: str, value: int | None) -> None:
        """Store (or with None, forget) the choice; refused when the environment sets it."""
        place = BY_NAME[name]
        self.ensure_choosable(name)
        if value is None:
            await KeyValue.filter(key=place.key).delete()
            self._stored.pop(name, None)
            return
        updated = await KeyValue.filter(key=place.key).update(value=str(value))
        if not updated:
            await KeyValue.create(key=place.key, value=str(value))
        self._stored[name] = value

    def applied_to(self, settings: Settings) -> Settings:
        """`settings` with every place's effective value."""
        return settings.model_copy(update={p.name: self.value(p.name) for p in PLACES})
