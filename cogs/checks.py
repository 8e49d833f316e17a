"""Reusable checks for slash commands: "requires a linked account" and "requires admin"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

from bot.errors import NotAllowed, NotLinked
from bot.services.linking import LinkingService
from bot.tree import is_admin

if TYPE_CHECKING:
    from bot.app import MediaNest

T = TypeVar("T")
REVERIFY_AFTER = timedelta(days=1)


class CheckRefused(app_commands.CheckFailure):
    """A check said no; the message is shown to the user privately."""


class CheckCrashed(app_commands.CheckFailure):
    """A check could not decide (e.g. the database is down); `original` is why."""

    def __init__(self, original: Exception) -> None:
        super().__init__()
        self.original = original


Predicate = Callable[["discord.Interaction[MediaNest]"], Awaitable[bool]]


def guarded_check(predicate: Predicate) -> Callable[[T], T]:
    """`app_commands.check`, but a check that raises reaches the tree's error handler.

    discord.py lets anything but a CheckFailure escape a check unhandled, which leaves the
    member with "The application did not respond".
    """

    async def guarded(interaction: discord.Interaction[MediaNest]) -> bool:
        try:
            return await predicate(interaction)
        except app_commands.CheckFailure:
            raise
        except Exception as exc:
            raise CheckCrashed(exc) from exc

    return app_commands.check(guarded)


def requires_admin() -> Callable[[T], T]:
    """Only admins may run the command; others get a short private refusal."""

    async def predicate(interaction: discord.Interaction[MediaNest]) -> bool:
        if not await is_admin(interaction):
            raise CheckRefused(NotAllowed.message)
        return True

    return guarded_check(predicate)


def requires_link() -> Callable[[T], T]:
    """The user must have linked Plex; a link last verified over a day ago is re-checked first."""

    async def predicate(interaction: discord.Interaction[MediaNest]) -> bool:
        linking = interaction.client.features.get(LinkingService)
        if linking is None or not await linking.reverify(
            interaction.user.id, max_age=REVERIFY_AFTER
        ):
            raise CheckRefused(NotLinked.message)
        return True

    return guarded_check(predicate)
