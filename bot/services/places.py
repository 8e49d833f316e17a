"""Where the bot posts and which role makes an admin: set in the environment or by `/setup`.

A value set in the environment wins and cannot be changed from Discord; otherwise the one
an admin chose in `/setup` is kept in the database (`key_value`, keys `setup.<name>`).
One `Places` is injected into every service that posts; each asks it when it sends, so a
choice made in `/setup` is used from the next message on, with nothing pushed anywhere.
Each kind of message has its own channel (`channel(name)`); an unset one falls back along
its `falls_back_to`, so a new install posts where it always did.
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
Group = Literal["main", "kinds"]


@dataclass(frozen=True)
class Place:
    """One choice: the Settings field, its environment variable, and what it is for."""

    name: str
    label: str
    kind: Kind
    purpose: str
    falls_back_to: tuple[str, ...] = ()
    group: Group = "main"  # the kinds' channels have their own `/setup` page

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
        "approval_channel_id",
        N_("Approval channel"),
        "channel",
        N_("approval cards and issues"),
        ("health_channel_id",),
    ),
    Place(
        "notify_channel_id",
        N_("Notify channel"),
        "channel",
        N_("the default for New on Plex, YouTube and closed-DM updates"),
    ),
    Place("admin_role_id", N_("Admin role"), "role", N_("members with it are admins")),
    Place(
        "announce_channel_id",
        N_("New on Plex"),
        "channel",
        N_("what arrived on Plex"),
        ("notify_channel_id",),
        "kinds",
    ),
    Place(
        "dm_fallback_channel_id",
        N_("Closed DMs"),
        "channel",
        N_("request updates for members whose DMs are closed"),
        ("notify_channel_id",),
        "kinds",
    ),
    Place(
        "issues_channel_id",
        N_("Issues"),
        "channel",
        N_("reported problems with media"),
        ("approval_channel_id", "health_channel_id"),
        "kinds",
    ),
    Place(
        "youtube_channel_id",
        N_("YouTube"),
        "channel",
        N_("finished YouTube downloads"),
        ("notify_channel_id",),
        "kinds",
    ),
    Place(
        "alerts_channel_id",
        N_("Health alerts"),
        "channel",
        N_("services down and back, download trouble"),
        ("health_channel_id",),
        "kinds",
    ),
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
        """The dashboard, reviews, and requests that match nothing."""
        return self.value("health_channel_id")

    @property
    def notify_channel(self) -> int | None:
        """Where New on Plex, YouTube and closed-DM updates go unless they have their own."""
        return self.value("notify_channel_id")

    @property
    def approval_channel(self) -> int | None:
        """Approval cards; the health channel when none is chosen."""
        return self.channel("approval_channel_id")

    @property
    def admin_role(self) -> int | None:
        """Members with this role are admins."""
        return self.value("admin_role_id")

    @property
    def announce_channel(self) -> int | None:
        """New on Plex; the notify channel when none is chosen."""
        return self.channel("announce_channel_id")

    @property
    def dm_fallback_channel(self) -> int | None:
        """Request updates for members whose DMs are closed; the notify channel by default."""
        return self.channel("dm_fallback_channel_id")

    @property
    def issues_channel(self) -> int | None:
        """Issue cards; the approval channel, then the health channel, by default."""
        return self.channel("issues_channel_id")

    @property
    def youtube_channel(self) -> int | None:
        """Finished YouTube downloads; the notify channel by default."""
        return self.channel("youtube_channel_id")

    @property
    def alerts_channel(self) -> int | None:
        """Services down and back, download trouble; the health channel by default."""
        return self.channel("alerts_channel_id")

    async def load(self) -> None:
        """Read the stored choices (at start-up, before the services use them)."""
        rows = await KeyValue.filter(key__in=[p.key for p in PLACES])
        by_key = {r.key: r.value for r in rows}
        self._stored = {p.name: int(by_key[p.key]) for p in PLACES if by_key.get(p.key)}

    def value(self, name: str) -> int | None:
        env = self._env[name]
        return env if env is not None else self._stored.get(name)

    def channel(self, name: str) -> int | None:
        """Where this kind of message goes now: its own channel, else its first set fallback."""
        for candidate in (name, *BY_NAME[name].falls_back_to):
            value = self.value(candidate)
            if value is not None:
                return value
        return None

    def fallback(self, channel_id: int) -> int | None:
        """Another channel for messages meant for `channel_id` (it is gone or closed to us).

        The first kind that posts there and has a fallback elsewhere decides.
        """
        for place in PLACES:
            if place.kind != "channel" or self.channel(place.name) != channel_id:
                continue
            for candidate in place.falls_back_to:
                value = self.channel(candidate)
                if value is not None and value != channel_id:
                    return value
        return None

    def admin_channel(self) -> int | None:
        """Where admins are told about channels the bot cannot use."""
        return self.channel("alerts_channel_id")

    def choices(self, group: Group | None = None) -> list[Choice]:
        return [self.choice(p.name) for p in PLACES if group in (None, p.group)]

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
