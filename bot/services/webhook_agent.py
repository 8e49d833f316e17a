"""Point Overseerr's webhook agent at the bot, and prove it by a test notification that arrives.

`WebhookAgentSetup.inspect()` reads the agent and says whether it is off, ours, ours but
incomplete, or pointing elsewhere, with what the bot would set; `apply()` writes that and
fires Overseerr's test notification, then waits for it to reach our own receiver (the web
route calls `test_arrived()`); `test()` fires it again without writing. Overseerr has a
single webhook agent, so replacing one that points elsewhere needs `replace_elsewhere`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import secrets
from dataclasses import dataclass

from bot.clients.overseerr import OverseerrClient
from bot.clients.overseerr.issues import ISSUE_WEBHOOKS
from bot.clients.overseerr.notifications import (
    DEFAULT_WEBHOOK_TEMPLATE,
    WebhookSettings,
    save_webhook_settings,
    send_test_webhook,
    type_names,
    types_mask,
    webhook_settings,
)
from bot.errors import FeatureDisabled, UserError
from bot.i18n import N_, Msg
from bot.services.keyvalue import kept_value
from bot.services.requests.tracking import PENDING_TYPES, WEBHOOK_STATUS

log = logging.getLogger(__name__)

TOKEN_KEY = "overseerr_webhook_token"
TEST_WAIT = 10.0  # seconds the test notification has to arrive
# Every type our receiver acts on: the request tracker's and the issue tracker's.
WANTED_TYPES = type_names(types_mask([*WEBHOOK_STATUS, *PENDING_TYPES, *ISSUE_WEBHOOKS]))


async def webhook_token(configured: str | None) -> str:
    """OVERSEERR_WEBHOOK_TOKEN when set, else one generated once and kept in the database."""
    if configured:
        return configured
    return await kept_value(TOKEN_KEY, lambda: secrets.token_urlsafe(32))


def masked(secret: str) -> str:
    """A secret shown by its last 4 characters only (all hidden when it is short)."""
    return "••••" + (secret[-4:] if len(secret) > 8 else "")


class WebhookUrlMissing(FeatureDisabled):
    message = N_(
        "Set `OVERSEERR_WEBHOOK_URL` to the bot's webhook address as Overseerr reaches it "
        "(such as `http://medianest:8080/webhooks/overseerr`) and restart the bot."
    )


class ReplaceConfirmationNeeded(UserError):
    """The agent points elsewhere; replacing it needs the admin's confirmation."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            N_(
                "Overseerr's webhook sends to {url}. Overseerr has only one webhook, "
                "so confirm that the bot should replace it."
            ),
            url=url,
        )


class NotPointingHere(UserError):
    message = N_("Overseerr's webhook doesn't point at the bot yet: apply the settings first.")


class AgentState(enum.StrEnum):
    OFF = "off"  # disabled, or enabled without a URL
    OURS = "ours"  # our URL, our header, every type we need and the default payload
    INCOMPLETE = "incomplete"  # our URL, but something else differs (`problems` says what)
    ELSEWHERE = "elsewhere"  # enabled and sending to another URL


@dataclass(frozen=True)
class WebhookPlan:
    """What Overseerr's agent holds now and what `apply()` would set, for the panel to show."""

    state: AgentState
    current_url: str  # "" when unset
    current_types: tuple[str, ...]
    current_header_ours: bool  # the header Overseerr sends equals our token
    current_payload_default: bool  # the template is Overseerr's default one
    problems: tuple[Msg, ...]  # for INCOMPLETE: what differs, one short line each
    url: str  # what apply() sets: OVERSEERR_WEBHOOK_URL (default PUBLIC_URL/webhooks/overseerr)
    header_masked: str  # the Authorization header it sets, masked but for the last 4
    types: tuple[str, ...]  # the notification types it sets
    payload_default: bool = True  # apply() always sets Overseerr's default template

    @property
    def needs_confirmation(self) -> bool:
        return self.state is AgentState.ELSEWHERE

    @property
    def up_to_date(self) -> bool:
        return self.state is AgentState.OURS


class Delivery(enum.StrEnum):
    """How a test notification went."""

    ARRIVED = "arrived"  # our receiver got it, authenticated
    FAILED = "failed"  # Overseerr said it could not deliver it (500)
    NOT_ARRIVED = "not_arrived"  # nothing reached us within the wait


@dataclass(frozen=True)
class DeliveryReport:
    """How Overseerr's test notification went; `message` is safe to show an admin."""

    result: Delivery
    url: str
    wait: float
    elapsed_ms: int | None = None  # from firing the test to its arrival
    setting: str = "OVERSEERR_WEBHOOK_URL"  # the setting the URL came from, named on failure

    @property
    def arrived(self) -> bool:
        return self.result is Delivery.ARRIVED

    @property
    def message(self) -> str:
        """The outcome in English (logs, `check`)."""
        return self.msg.english()

    @property
    def msg(self) -> Msg:
        """The outcome, for the admin's language."""
        if self.result is Delivery.ARRIVED:
            return Msg("Overseerr's test notification arrived in {ms} ms.", ms=str(self.elapsed_ms))
        if self.result is Delivery.FAILED:
            return Msg(
                "Overseerr couldn't deliver its test notification to {url}. "
                "Check that `{setting}` is an address Overseerr can reach.",
                url=self.url,
                setting=self.setting,
            )
        return Msg(
            "Overseerr's test notification didn't reach the bot within {wait} s. "
            "Check that {url} leads to this bot from where Overseerr runs.",
            wait=f"{self.wait:g}",
            url=self.url,
        )


@dataclass(frozen=True)
class Applied:
    """The agent after `apply()` wrote it, and how the test notification went."""

    plan: WebhookPlan
    test: DeliveryReport


class WebhookAgentSetup:
    """Configures Overseerr's webhook agent for the bot's receiver and tests it end to end."""

    def __init__(
        self,
        overseerr: OverseerrClient,
        webhook_url: str | None,
        token: str,
        *,
        setting: str = "OVERSEERR_WEBHOOK_URL",
        wait: float = TEST_WAIT,
    ) -> None:
        self.overseerr = overseerr
        self.webhook_url = webhook_url.rstrip("/") if webhook_url else None
        self.setting = setting  # where `webhook_url` came from, for the failure message
        self.token = token
        self.wait = wait
        self._waiting: set[asyncio.Future[float]] = set()

    @property
    def url(self) -> str:
        """Where Overseerr should send its webhooks; WebhookUrlMissing when unknown."""
        if not self.webhook_url:
            raise WebhookUrlMissing()
        return self.webhook_url

    async def _current(self) -> WebhookSettings:
        """Overseerr's agent as it is; refuses without a webhook URL before asking Overseerr."""
        if not self.webhook_url:
            raise WebhookUrlMissing()
        return await webhook_settings(self.overseerr)

    def wanted(self, current: WebhookSettings) -> WebhookSettings:
        """The settings `apply()` writes: ours, keeping the poster option and unknown options."""
        return WebhookSettings(
            enabled=True,
            types=types_mask(WANTED_TYPES),
            url=self.url,
            auth_header=self.token,
            template=DEFAULT_WEBHOOK_TEMPLATE,
            embed_poster=current.embed_poster,
            other_options=current.other_options,
        )

    def plan(self, current: WebhookSettings) -> WebhookPlan:
        """Classify these settings and describe what `apply()` would set."""
        url = self.url
        header_ours = current.auth_header == self.token
        payload_default = current.default_template
        state, problems = AgentState.OURS, list[Msg]()
        if not current.enabled or not current.url:
            state = AgentState.OFF
        elif current.url.rstrip("/") != url:
            state = AgentState.ELSEWHERE
        else:
            missing = [t for t in WANTED_TYPES if t not in current.type_names]
            if missing:
                problems.append(Msg("Types not sent yet: {types}", types=", ".join(missing)))
            if not header_ours:
                problems.append(Msg("The authorization header isn't the bot's token"))
            if not payload_default:
                problems.append(Msg("The JSON payload isn't Overseerr's default"))
            if problems:
                state = AgentState.INCOMPLETE
        return WebhookPlan(
            state=state,
            current_url=current.url,
            current_types=current.type_names,
            current_header_ours=header_ours,
            current_payload_default=payload_default,
            problems=tuple(problems),
            url=url,
            header_masked=masked(self.token),
            types=WANTED_TYPES,
        )

    async def inspect(self) -> WebhookPlan:
        """Read Overseerr's agent: its state and what `apply()` would set."""
        return self.plan(await self._current())

    async def apply(self, *, replace_elsewhere: bool = False) -> Applied:
        """Write our settings, then fire the test notification and wait for it to arrive.

        ReplaceConfirmationNeeded when the agent points elsewhere and that wasn't confirmed.
        """
        current = await self._current()
        before = self.plan(current)
        if before.needs_confirmation and not replace_elsewhere:
            raise ReplaceConfirmationNeeded(before.current_url)
        wanted = self.wanted(current)
        await save_webhook_settings(self.overseerr, wanted)
        log.info(
            "webhook agent: Overseerr now sends to %s (was %s: %s)",
            wanted.url,
            before.state,
            before.current_url or "no URL",
        )
        saved = self.plan(await webhook_settings(self.overseerr))
        return Applied(saved, await self._fire(wanted))

    async def test(self) -> DeliveryReport:
        """Fire the test notification with Overseerr's current settings (they must be ours)."""
        current = await self._current()
        if self.plan(current).state not in (AgentState.OURS, AgentState.INCOMPLETE):
            raise NotPointingHere()
        return await self._fire(current)

    def test_arrived(self) -> None:
        """The receiver heard an authenticated TEST_NOTIFICATION: wake whoever waits for one."""
        now = asyncio.get_running_loop().time()
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_result(now)

    async def _fire(self, settings: WebhookSettings) -> DeliveryReport:
        """`/test` with these settings; waits up to `wait` s in all for the arrival."""
        loop = asyncio.get_running_loop()
        arrival: asyncio.Future[float] = loop.create_future()
        self._waiting.add(arrival)
        started = loop.time()
        delivered = True
        try:
            async with asyncio.timeout(self.wait):
                delivered = await send_test_webhook(self.overseerr, settings)
                if delivered:
                    await arrival
        except TimeoutError:
            pass  # Overseerr still sending, or it said 2xx and nothing came: judged below
        finally:
            self._waiting.discard(arrival)
        if not delivered:
            return DeliveryReport(Delivery.FAILED, settings.url, self.wait, setting=self.setting)
        if not arrival.done() or arrival.cancelled():  # the timeout cancels the wait
            return DeliveryReport(Delivery.NOT_ARRIVED, settings.url, self.wait)
        elapsed = max(0, round((arrival.result() - started) * 1000))
        return DeliveryReport(Delivery.ARRIVED, settings.url, self.wait, elapsed)
