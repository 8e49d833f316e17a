"""What `/setup` shows: each place with the bot's permissions there, and every service's state."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from bot.clients.discord_rest import DiscordREST
from bot.config import Settings
from bot.errors import FeatureDisabled, InvalidInput, MediaNestError
from bot.i18n import N_, Msg
from bot.services.access import Access
from bot.services.discord_checks import ChannelCheck, bot_channel_checks, channel_needs
from bot.services.places import BY_NAME, Choice, Places
from bot.services.probes import Probe, ProbeResult, run_probes
from bot.services.webhook_agent import Applied, DeliveryReport, WebhookAgentSetup, WebhookPlan

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
    webhook: WebhookPlan | None = None  # Overseerr's webhook agent, when the bot can set it
    webhook_problem: Msg | None = None  # why the agent could not be read
    webhook_test: DeliveryReport | None = None  # the last test the admin fired from the panel


class SetupReview:
    """Checks the chosen places and the services, and stores what an admin picks."""

    def __init__(
        self,
        places: Places,
        rest: DiscordREST,
        settings: Settings,
        probes: Mapping[str, Probe],
        access: Access,
        agent: WebhookAgentSetup | None = None,
    ) -> None:
        """`settings` as the environment sets them; the chosen places are read from `places`."""
        self.places = places
        self.access = access
        self.agent = agent
        self.rest = rest
        self.settings = settings
        self.probes = probes

    async def report(self, guild_id: int) -> SetupReport:
        """The panel's content: places with their checks, and every service's state."""
        (checks, problem), services, (plan, webhook_problem) = await asyncio.gather(
            self._channel_checks(guild_id), self.services(), self._webhook()
        )
        states = []
        for choice in self.places.choices():
            found = checks.get(choice.place.variable) if choice.value is not None else None
            states.append(PlaceState(choice, found))
        return SetupReport(states, services, problem, plan, webhook_problem)

    async def apply_webhook(self, *, replace_elsewhere: bool = False) -> Applied:
        """Point Overseerr's webhook at the bot and test it (see WebhookAgentSetup.apply)."""
        return await self._agent().apply(replace_elsewhere=replace_elsewhere)

    async def test_webhook(self) -> DeliveryReport:
        """Fire Overseerr's test notification again and wait for it."""
        return await self._agent().test()

    def _agent(self) -> WebhookAgentSetup:
        if self.agent is None:
            raise FeatureDisabled(
                N_("Media requests are off: set OVERSEERR_URL and OVERSEERR_API_KEY (and Plex).")
            )
        return self.agent

    async def _webhook(self) -> tuple[WebhookPlan | None, Msg | None]:
        if self.agent is None:
            return None, None
        try:
            return await self.agent.inspect(), None
        except MediaNestError as exc:
            return None, exc.msg

    async def services(self) -> list[ProbeResult]:
        """Each configured service as `check` shows it (Discord answers: we are in it)."""
        return await run_probes(self.probes, PROBE_TIMEOUT)

    async def choose(self, name: str, value: int | None, by: Chooser) -> None:
        """Store an admin's pick and start using it at once.

        An admin role the chooser lacks would lock them out of `/setup`: that is refused.
        """
        if name not in BY_NAME:
            raise InvalidInput(N_("Unknown setting {name}."), name=repr(name))
        self.places.ensure_choosable(name)
        if BY_NAME[name].kind == "role":
            if value == by.guild_id:
                raise InvalidInput(
                    N_("@everyone cannot be the admin role: pick a role only admins have.")
                )
            if not await self.access.is_admin_with(
                value, by.user_id, by.role_ids, by.guild_owner_id
            ):
                raise InvalidInput(
                    N_(
                        "You don't have that role, so you would no longer be an admin: "
                        "give yourself the role first, or pick one you have."
                    )
                )
        await self.places.choose(name, value)  # every service reads it when it next sends

    async def _channel_checks(self, guild_id: int) -> tuple[dict[str, ChannelCheck], str | None]:
        needs = channel_needs(self.places.applied_to(self.settings))
        if not needs:
            return {}, None
        try:
            checks = await bot_channel_checks(self.rest, guild_id, needs)
        except MediaNestError as exc:
            return {}, f"could not read the channels from Discord: {exc}"
        return {c.need.variable: c for c in checks}, None
