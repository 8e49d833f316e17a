"""`check`'s Discord lines: the token, the guild, the slash commands and channel permissions.

Permissions are computed as Discord documents it (topics/permissions, "Permission Overwrites"):
@everyone and the member's roles, then the channel's @everyone, role and member overwrites.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.clients.discord_rest import DiscordREST
from bot.config import Settings
from bot.errors import MediaNestError, ServiceRejected
from bot.services.probes import ProbeResult

ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
# Since 2026-01-12 pinning needs Pin Messages; Manage Messages alone no longer allows it.
PIN_MESSAGES = 1 << 51
ALL_PERMISSIONS = (1 << 64) - 1
# Application flags: the portal's Server Members Intent (verified bots; bots under 100 servers).
GATEWAY_GUILD_MEMBERS, GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 14, 1 << 15
MEMBERS_INTENT_FLAGS = GATEWAY_GUILD_MEMBERS | GATEWAY_GUILD_MEMBERS_LIMITED

NAMES = {
    VIEW_CHANNEL: "View Channel",
    SEND_MESSAGES: "Send Messages",
    EMBED_LINKS: "Embed Links",
    ATTACH_FILES: "Attach Files",
    READ_MESSAGE_HISTORY: "Read Message History",
    PIN_MESSAGES: "Pin Messages",
}
POSTING = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
# The health channel also holds the pinned status dashboard.
HEALTH = POSTING | PIN_MESSAGES
# What the invite link asks for: every channel's needs together.
INVITE_PERMISSIONS = HEALTH


@dataclass(frozen=True)
class ChannelNeed:
    """A configured channel: the variable that names it, its id, and what the bot must do."""

    variable: str
    channel_id: int
    needs: int


def channel_needs(settings: Settings) -> list[ChannelNeed]:
    """Every channel the settings name, with the permissions the bot needs there."""
    found = [
        ("HEALTH_CHANNEL_ID", settings.health_channel_id, HEALTH),
        ("NOTIFY_CHANNEL_ID", settings.notify_channel_id, POSTING),
        ("APPROVAL_CHANNEL_ID", settings.approval_channel_id, POSTING),
        ("ANNOUNCE_CHANNEL_ID", settings.announce_channel_id, POSTING),
        ("DM_FALLBACK_CHANNEL_ID", settings.dm_fallback_channel_id, POSTING),
        ("ISSUES_CHANNEL_ID", settings.issues_channel_id, POSTING),
        ("YOUTUBE_CHANNEL_ID", settings.youtube_channel_id, POSTING),
        ("ALERTS_CHANNEL_ID", settings.alerts_channel_id, POSTING),
    ]
    return [ChannelNeed(name, cid, needs) for name, cid, needs in found if cid is not None]


def base_permissions(guild: dict[str, Any], member_roles: Iterable[int], user_id: int) -> int:
    """Guild-wide permissions: @everyone's and the member's roles; all of them for the owner."""
    if int(guild.get("owner_id") or 0) == user_id:
        return ALL_PERMISSIONS
    roles = {int(r["id"]): int(r.get("permissions") or 0) for r in guild.get("roles") or []}
    value = roles.get(int(guild["id"]), 0)
    for role_id in member_roles:
        value |= roles.get(role_id, 0)
    return ALL_PERMISSIONS if value & ADMINISTRATOR else value


def channel_permissions(
    base: int, channel: dict[str, Any], guild_id: int, member_roles: Iterable[int], user_id: int
) -> int:
    """Apply the channel's overwrites to the base permissions, in Discord's order."""
    if base & ADMINISTRATOR:
        return ALL_PERMISSIONS
    overwrites = {int(o["id"]): o for o in channel.get("permission_overwrites") or []}

    def bits(overwrite: dict[str, Any] | None) -> tuple[int, int]:
        if overwrite is None:
            return 0, 0
        return int(overwrite.get("allow") or 0), int(overwrite.get("deny") or 0)

    value = base
    allow, deny = bits(overwrites.get(guild_id))
    value = (value & ~deny) | allow
    role_allow = role_deny = 0
    for role_id in member_roles:
        if role_id == guild_id:
            continue
        allow, deny = bits(overwrites.get(role_id))
        role_allow, role_deny = role_allow | allow, role_deny | deny
    value = (value & ~role_deny) | role_allow
    member = overwrites.get(user_id)
    if member is not None and int(member.get("type", 1)) == 1:
        allow, deny = bits(member)
        value = (value & ~deny) | allow
    # A channel the member cannot see grants nothing else.
    return value if value & VIEW_CHANNEL else 0


def missing_names(have: int, needs: int) -> list[str]:
    """The names of the needed permissions not in `have`, in a fixed order."""
    return [name for bit, name in NAMES.items() if needs & bit and not have & bit]


def invite_url(application_id: int, guild_id: int | None) -> str:
    """The link that adds the bot with its commands and the permissions it needs."""
    url = (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS}"
    )
    return f"{url}&guild_id={guild_id}" if guild_id else url


def not_in_guild(application_id: int, guild_id: int) -> str:
    """What `check` and `run` say when Discord refuses the bot in DISCORD_GUILD_ID."""
    return (
        f"the bot is not in DISCORD_GUILD_ID {guild_id}, or was invited without the "
        f"applications.commands scope: add it with {invite_url(application_id, guild_id)} "
        f"(permissions integer {INVITE_PERMISSIONS})"
    )


def _elapsed(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def members_intent_result(app: dict[str, Any]) -> ProbeResult:
    """Whether the portal allows what DISCORD_MEMBERS_INTENT=true asks for (the application's
    flags: GATEWAY_GUILD_MEMBERS when verified, _LIMITED under 100 servers)."""
    if int(app.get("flags") or 0) & MEMBERS_INTENT_FLAGS:
        return ProbeResult("intent", True, "Server Members Intent is on in the Developer Portal")
    return ProbeResult(
        "intent",
        False,
        "DISCORD_MEMBERS_INTENT=true, but Server Members Intent is off in the Developer Portal "
        "(your application → Bot → Privileged Gateway Intents): turn it on, or set "
        "DISCORD_MEMBERS_INTENT=false; the bot stops at start without it",
    )


async def discord_results(
    rest: DiscordREST,
    guild_id: int | None,
    channels: list[ChannelNeed],
    *,
    members_intent: bool = False,
) -> list[ProbeResult]:
    """One line for the token, the members intent when asked for, the guild, the commands and
    each configured channel."""
    start = time.perf_counter()
    try:
        me = await rest.me()
        app = await rest.application()
    except ServiceRejected as exc:
        hint = (
            ": check DISCORD_TOKEN (Bot tab of the developer portal)" if exc.status == 401 else ""
        )
        return [ProbeResult("discord", False, f"{exc}{hint}")]
    except MediaNestError as exc:
        return [ProbeResult("discord", False, str(exc))]
    user_id, app_id = int(me["id"]), int(app["id"])
    results = [ProbeResult("discord", True, f"logged in as {me.get('username')}", _elapsed(start))]
    if members_intent:
        results.append(members_intent_result(app))
    if guild_id is None:
        results.append(
            ProbeResult(
                "guild",
                True,
                "DISCORD_GUILD_ID not set: commands are registered globally "
                "(Discord may take up to an hour to show them)",
            )
        )
        results.append(await _commands(rest, app_id, None))
        return results
    start = time.perf_counter()
    try:
        guild = await rest.guild(guild_id)
        member = await rest.member(guild_id, user_id)
    except MediaNestError as exc:
        if isinstance(exc, ServiceRejected) and exc.status in (403, 404):
            detail = not_in_guild(app_id, guild_id)
        else:
            detail = str(exc)
        results.append(ProbeResult("guild", False, detail))
        return results
    results.append(ProbeResult("guild", True, f"in {guild.get('name')}", _elapsed(start)))
    results.append(await _commands(rest, app_id, guild_id))
    roles = [int(r) for r in member.get("roles") or []]
    for need in channels:
        found = await check_channel(rest, need, guild, roles, user_id)
        results.append(found.result())
        if found.too_public:
            results.append(
                ProbeResult(
                    "channel",
                    True,
                    f"{need.variable} #{found.name} is visible to @everyone: "
                    "alerts and the dashboard are for admins, make it private",
                    warning=True,
                )
            )
    return results


async def _commands(rest: DiscordREST, app_id: int, guild_id: int | None) -> ProbeResult:
    where = "in the guild" if guild_id is not None else "globally"
    try:
        registered = await rest.commands(app_id, guild_id)
    except MediaNestError as exc:
        scope = isinstance(exc, ServiceRejected) and exc.status == 403
        hint = ": invite the bot with the applications.commands scope" if scope else ""
        return ProbeResult("commands", False, f"cannot read the commands {where}: {exc}{hint}")
    if not registered:  # a new install: not a failure
        return ProbeResult(
            "commands",
            True,
            f"no slash commands registered {where} yet: they are registered when the bot "
            "first starts (`run`)",
            warning=True,
        )
    names = ", ".join(sorted(f"/{c.get('name')}" for c in registered))
    return ProbeResult("commands", True, f"{len(registered)} registered {where}: {names}")


@dataclass(frozen=True)
class ChannelCheck:
    """What the bot found in one configured channel."""

    need: ChannelNeed
    name: str | None = None  # None when the channel could not be read
    missing: tuple[str, ...] = ()
    problem: str | None = None  # not found, another guild's, or unreadable
    public: bool = False  # @everyone can see it

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.missing

    @property
    def too_public(self) -> bool:
        """The health channel (alerts, the dashboard) can be seen by @everyone."""
        return self.public and self.need.variable == "HEALTH_CHANNEL_ID"

    def detail(self) -> str:
        """What is wrong, or what the bot may do there."""
        if self.problem:
            return self.problem
        if self.missing:
            return f"the bot lacks {', '.join(self.missing)}"
        return ", ".join(missing_names(0, self.need.needs))

    def result(self) -> ProbeResult:
        """`check`'s line for the channel."""
        label = f"{self.need.variable} #{self.name}" if self.name else self.need.variable
        if self.name is None:
            label = f"{label} {self.need.channel_id}"
        return ProbeResult("channel", self.ok, f"{label}: {self.detail()}")


async def check_channel(
    rest: DiscordREST,
    need: ChannelNeed,
    guild: dict[str, Any],
    member_roles: list[int],
    user_id: int,
) -> ChannelCheck:
    """Read the channel and compare the bot's permissions there with what it needs."""
    guild_id = int(guild["id"])
    try:
        channel = await rest.channel(need.channel_id)
    except MediaNestError as exc:
        if isinstance(exc, ServiceRejected) and exc.status in (403, 404):
            return ChannelCheck(need, problem="no such channel, or the bot cannot see it")
        return ChannelCheck(need, problem=str(exc))
    name = str(channel.get("name"))
    if int(channel.get("guild_id") or 0) != guild_id:
        return ChannelCheck(need, name, problem="not a channel of DISCORD_GUILD_ID")
    base = base_permissions(guild, member_roles, user_id)
    have = channel_permissions(base, channel, guild_id, member_roles, user_id)
    everyone = channel_permissions(base_permissions(guild, [], 0), channel, guild_id, [], 0)
    missing = tuple(missing_names(have, need.needs))
    return ChannelCheck(need, name, missing, public=bool(everyone & VIEW_CHANNEL))


async def bot_channel_checks(
    rest: DiscordREST, guild_id: int, needs: list[ChannelNeed]
) -> list[ChannelCheck]:
    """Each channel's check as the bot itself (its user, roles and the guild's roles)."""
    me = await rest.me()
    guild = await rest.guild(guild_id)
    member = await rest.member(guild_id, int(me["id"]))
    roles = [int(r) for r in member.get("roles") or []]
    return [await check_channel(rest, n, guild, roles, int(me["id"])) for n in needs]
