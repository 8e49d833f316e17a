"""The command tree, with the one error handler every slash command goes through."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import DependencyError, UserError
from bot.i18n import N_, Duration
from bot.i18n.discord import lang_of, note_locale
from bot.logs import correlation_id
from bot.services.error_log import DATABASE_DOWN, is_database_error, new_correlation_id
from bot.services.ratelimit import COMMAND_SPAM

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)

APOLOGY = N_(
    "Sorry, something went wrong on our side. "
    "If it keeps happening, tell an admin and quote **{cid}**."
)


async def is_admin(interaction: discord.Interaction[MediaNest]) -> bool:
    """Linked Plex owner, ADMIN_DISCORD_IDS or the admin role (before any: the guild's owner).

    Asked once per interaction: the answer is kept in `interaction.extras`.
    """
    known = interaction.extras.get("is_admin")
    if known is None:
        roles = [r.id for r in getattr(interaction.user, "roles", [])]
        owner = getattr(interaction.guild, "owner_id", None)
        known = interaction.extras["is_admin"] = await interaction.client.services.access.is_admin(
            interaction.user.id, roles, owner
        )
    return bool(known)


CompletionHook = Callable[["discord.Interaction[MediaNest]"], None]


class MediaNestTree(app_commands.CommandTree["MediaNest"]):
    """Gives every interaction a correlation id and turns errors into private replies.

    A finished command is counted by `completed`, called as discord.py dispatches
    `app_command_completion` (see `MediaNest.dispatch`): plain calls, not one task per listener.
    """

    def __init__(self, client: MediaNest, **options: Any) -> None:
        super().__init__(client, **options)
        self.completion_hooks: list[CompletionHook] = []

    def completed(self, interaction: discord.Interaction[MediaNest]) -> None:
        """A command finished without error: its metrics, then each hook (no I/O in any)."""
        started = interaction.extras.get("started")
        if started is not None and interaction.command is not None:
            seconds = time.perf_counter() - started
            self.client.services.metrics.command_done(
                interaction.command.qualified_name, "ok", seconds
            )
        for hook in self.completion_hooks:
            try:
                hook(interaction)
            except Exception:
                log.exception("a command completion hook failed")

    async def interaction_check(self, interaction: discord.Interaction[MediaNest]) -> bool:
        """Tag the interaction with a correlation id and guard against command spam."""
        correlation_id.set(new_correlation_id())
        interaction.extras["started"] = time.perf_counter()
        try:
            note_locale(interaction)
            return await self._admitted(interaction)
        except Exception as exc:  # discord.py would leave the member without an answer
            if interaction.type is discord.InteractionType.autocomplete:
                log.warning("autocomplete refused: %r", exc)
                return False
            await report_error(interaction, exc)
            return False

    async def _admitted(self, interaction: discord.Interaction[MediaNest]) -> bool:
        if interaction.type is not discord.InteractionType.application_command:
            return True  # autocomplete is never counted
        services = interaction.client.services
        if await is_admin(interaction):  # kept in extras for the command's own checks
            return True
        await services.limiter.hit("command", COMMAND_SPAM, interaction.user.id, what="commands")
        return True

    async def on_error(
        self, interaction: discord.Interaction[MediaNest], error: app_commands.AppCommandError
    ) -> None:
        # A command's own exception, or the cause a crashed check carries (cogs/checks.py).
        original: BaseException = getattr(error, "original", error)
        expected = isinstance(original, UserError | DependencyError | app_commands.CheckFailure)
        started = interaction.extras.get("started")
        if started is not None and interaction.command is not None:
            interaction.client.services.metrics.command_done(
                interaction.command.qualified_name,
                "user_error" if expected else "error",
                time.perf_counter() - started,
            )
        await reply_privately(interaction, await message_for(interaction, original))


def command_tree(client: MediaNest) -> MediaNestTree:
    """The bot's tree, typed as ours (discord.py types `Bot.tree` as its base class)."""
    tree = client.tree
    assert isinstance(tree, MediaNestTree)
    return tree


async def message_for(interaction: discord.Interaction[MediaNest], error: BaseException) -> str:
    """The text the user sees for this error, in their language; unexpected ones are stored."""
    t = lang_of(interaction)
    if isinstance(error, UserError | DependencyError):
        if isinstance(error, DependencyError):
            log.warning("dependency failed: %s", error)
        return t.render(error.msg)
    if isinstance(error, app_commands.CommandOnCooldown):
        return t._("Slow down a little: try again in {wait}.", wait=Duration(error.retry_after))
    if isinstance(error, app_commands.CheckFailure) and str(error):
        return t._(str(error))
    if is_database_error(error):  # kept until it can be stored: no id to quote
        await interaction.client.services.error_log.record(
            error, command=where(interaction), discord_id=interaction.user.id
        )
        return t._(DATABASE_DOWN)
    cid = await interaction.client.services.error_log.record(
        error,
        command=where(interaction),
        discord_id=interaction.user.id,
        cid=correlation_id.get() or new_correlation_id(),
    )
    return t._(APOLOGY, cid=cid)


def where(interaction: discord.Interaction) -> str | None:
    """What the member used: the command's name, or the component's custom id prefix."""
    if interaction.command is not None:
        return interaction.command.qualified_name
    data: dict[str, object] = dict(interaction.data or {})
    custom_id = data.get("custom_id")
    return f"component:{str(custom_id).split(':', 1)[0]}" if custom_id else None


async def report_error(interaction: discord.Interaction[MediaNest], error: BaseException) -> None:
    """For buttons, selects and modals: the same private message a command would give."""
    if correlation_id.get() is None:
        correlation_id.set(new_correlation_id())
    await reply_privately(interaction, await message_for(interaction, error))


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """Answer ephemerally, as a followup when the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)
