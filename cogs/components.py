"""Bases for buttons, selects and modals: every failure goes through the tree's one handler.

discord.py logs and swallows what a persistent `DynamicItem` raises, and a failing
`interaction_check` leaves the member with "The application did not respond". Components
built on these bases never need a `try` of their own: `Guarded` answers every error the
way the command tree does (same message, correlation id and stored error event), and
`AdminOnly` refuses non-admins once, in `interaction_check`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.errors import NotAllowed
from bot.i18n.discord import note_locale
from bot.logs import correlation_id
from bot.services.error_log import new_correlation_id
from bot.tree import report_error
from cogs.checks import is_admin

if TYPE_CHECKING:
    from bot.app import MediaNest


def _parsed(group: str) -> str | int:
    return int(group) if group.isdigit() else group


class Guarded:
    """Mixin for `DynamicItem`s: `allowed` decides who may press, `run` does the work."""

    async def allowed(self, interaction: discord.Interaction[MediaNest]) -> bool:
        """Whether this member may use the component; raise a UserError to say why not."""
        return True

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        """What pressing the component does."""
        raise NotImplementedError

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        correlation_id.set(new_correlation_id())
        try:
            note_locale(interaction)
            return await self.allowed(interaction)
        except Exception as exc:  # the one guard: discord.py would swallow it silently
            await report_error(interaction, exc)
            return False

    async def callback(self, interaction: discord.Interaction[Any]) -> Any:
        try:
            await self.run(interaction)
        except Exception as exc:  # the one guard: discord.py would only log it
            await report_error(interaction, exc)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Build the item from its custom id: the template's groups, digits as ints."""
        return cls(*(_parsed(g) for g in match.groups()))


class AdminOnly(Guarded):
    """A `Guarded` component that only admins may use."""

    async def allowed(self, interaction: discord.Interaction[MediaNest]) -> bool:
        if not await is_admin(interaction):
            raise NotAllowed()
        return True


class GuardedView(discord.ui.View):
    """A view whose item failures are answered like command failures."""

    async def on_error(  # type: ignore[override]
        self,
        interaction: discord.Interaction[MediaNest],
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        await report_error(interaction, error)


class AdminView(GuardedView):
    """A view only admins may use; others get the same refusal as an admin command."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if not await is_admin(interaction):
            raise NotAllowed()  # answered by GuardedView.on_error
        return True


class GuardedModal(discord.ui.Modal):
    """A modal whose submit failures are answered like command failures."""

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[MediaNest], error: Exception
    ) -> None:
        await report_error(interaction, error)


def one_button(label: str, custom_id: str, style: discord.ButtonStyle) -> discord.ui.View:
    """A view holding one button whose clicks a persistent handler takes."""
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=label, custom_id=custom_id, style=style))
    view.stop()
    return view
