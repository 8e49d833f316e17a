"""What `/setup` shows: each place with the bot's permissions there, and every service's state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from bot.clients.discord_rest import DiscordREST
from bot.config import Settings
from bot.errors import InvalidInput, MediaNestError
from bot.services.access import Access
from bot.services.discord_checks import ChannelCheck, bot_channel_checks, channel_needs
from bot.services.probes import Probe, ProbeResult, run_probe
from bot.services.setup.places import BY_NAME, Choice, Places

PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Chooser:
    """Who picks, as the admin check sees them."""

    user_id: int
    role_ids: tuple[int, ...]
    guild_id: int
    guild_owner_id: int | None


@dataclass(frozen=True)
class PlaceState:
    """A choice, and for a chosen channel what the bot found there."""

    choice: Choice
    check: ChannelCheck | None = None


@dataclass(frozen=True)
class SetupReport:
    places: list[PlaceState]
    services: list[ProbeResult]
    discord_problem: str | None = None  # why the channels could not be checked

    def place(self, name: str) -> PlaceState:
        return next(p for p in self.places if p.choice.place.name == name)


class SetupReview:
    """Checks the chosen places and the services, and stores what an admin picks."""

    def __init__(
        self,
        places: Places,
        rest: DiscordREST,
        settings: Callable[[], Settings],
        probes: Callable[[], dict[str, Probe]],
        apply: Callable[[], None],
        access: Access,
    ) -> None:
        self.places = places
        self.access = access
        self.rest = rest
        self.settings = settings
        self.probes = probes
        self.apply = apply

    async def report(self, guild_id: int) -> SetupReport:
        """The panel's content: places with their checks, and every service's state."""
        (checks, problem), services = await asyncio.gather(
            self._channel_checks(guild_id), self.services()
        )
        states = []
        for choice in self.places.choices():
            found = checks.get(choice.place.variable) if choice.value is not None else None
            states.append(PlaceState(choice, found))
        return SetupReport(states, services, problem)

    async def services(self) -> list[ProbeResult]:
        """Each configured service as `check` shows it (Discord answers: we are in it)."""
        probes = {n: p for n, p in self.probes().items() if n != "discord"}
        return list(
            await asyncio.gather(*(run_probe(n, p, PROBE_TIMEOUT) for n, p in probes.items()))
        )

    async def choose(self, name: str, value: int | None, by: Chooser) -> None:
        """Store an admin's pick and start using it at once.

        An admin role the chooser lacks would lock them out of `/setup`: that is refused.
        """
        if name not in BY_NAME:
            raise InvalidInput(f"Unknown setting {name!r}.")
        role = BY_NAME[name].kind == "role"
        if role and value == by.guild_id:
            raise InvalidInput("@everyone cannot be the admin role: pick a role only admins have.")
        before = self.places.value(name)
        await self.places.choose(name, value)
        self.apply()
        if role and not await self.access.is_admin(by.user_id, by.role_ids, by.guild_owner_id):
            await self.places.choose(name, before)
            self.apply()
            raise InvalidInput(
                "You don't have that role, so you would no longer be an admin: "
                "give yourself the role first, or pick one you have."
            )

    async def _channel_checks(self, guild_id: int) -> tuple[dict[str, ChannelCheck], str | None]:
        needs = channel_needs(self.settings())
        if not needs:
            return {}, None
        try:
            checks = await bot_channel_checks(self.rest, guild_id, needs)
        except MediaNestError as exc:
            return {}, f"could not read the channels from Discord: {exc}"
        return {c.need.variable: c for c in checks}, None
