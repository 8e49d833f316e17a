"""Autocomplete choices in the member's language."""

from __future__ import annotations

from discord import app_commands

from bot.i18n import Lang
from bot.services.requests.summaries import Choice, choice_name


def shown_choice(t: Lang, choice: Choice) -> app_commands.Choice[str]:
    """A choice with its tags ("Movie", "Available") in the member's language."""
    if not choice.tags:
        return app_commands.Choice(name=choice.name, value=choice.value)
    name = choice_name(choice.label, [t._(tag) for tag in choice.tags])
    return app_commands.Choice(name=name, value=choice.value)
