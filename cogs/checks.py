"""Reusable checks for slash commands: "requires a linked account" and "requires admin"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.errors import NotAllowed, NotLinked

if TYPE_CHECKING:
    from bot.app import MediaNest

T = TypeVar("T")
REVERIFY_AFTER = timedelta(days=1)


class CheckRefused(app_commands.CheckFailure):
    """A check said no; the message is shown to the user privately."""


def _roles(interaction: discord.Interaction) -> list[int]:
    return [r.id for r in getattr(interaction.user, "roles", [])]


async def is_admin(interaction: discord.Interaction[MediaNest]) -> bool:
    """Linked server owner, ADMIN_DISCORD_IDS, or ADMIN_ROLE_ID; asked once per interaction."""
    known = interaction.extras.get("is_admin")
    if known is None:
        access = interaction.client.services.access
        known = interaction.extras["is_admin"] = await access.is_admin(
            interaction.user.id, _roles(interaction)
        )
    return bool(known)


def requires_admin() -> Callable[[T], T]:
    """Only admins may run the command; others get a short private refusal."""

    async def predicate(interaction: discord.Interaction[MediaNest]) -> bool:
        if not await is_admin(interaction):
            raise CheckRefused(NotAllowed.message)
        return True

    return app_commands.check(predicate)


def requires_link() -> Callable[[T], T]:
    """The user must have linked Plex; a link last verified over a day ago is re-checked first."""

    async def predicate(interaction: discord.Interaction[MediaNest]) -> bool:
        linking: Any = interaction.client.services.linking
        if linking is None or not await linking.reverify(
            interaction.user.id, max_age=REVERIFY_AFTER
        ):
            raise CheckRefused(NotLinked.message)
        return True

    return app_commands.check(predicate)
