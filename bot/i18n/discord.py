"""The Discord side of languages: whose language a reply, a post or a command name is in."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.i18n.catalogs import SOURCE, Lang, language, resolve, supported

if TYPE_CHECKING:
    from bot.i18n.members import MemberLanguages

log = logging.getLogger(__name__)

L = app_commands.TranslationContextLocation
# Names need a context: "link" the command is not "link" the word.
NAME_CONTEXT = {L.command_name: "command", L.group_name: "command", L.parameter_name: "option"}
NAME = re.compile(r"^[-_\w]{1,32}$")  # Discord's rule for names, which must also be lowercase
DESCRIPTION_MAX = 100


def _languages(client: Any) -> MemberLanguages | None:
    services = getattr(client, "services", None)
    return getattr(services, "languages", None)


def _default(client: Any) -> str | None:
    services = getattr(client, "services", None)
    return getattr(getattr(services, "settings", None), "default_locale", None)


def lang_of(interaction: discord.Interaction[Any]) -> Lang:
    """The reader's language: their pick in /notifications, Discord's, DEFAULT_LOCALE, English."""
    members = _languages(interaction.client)
    chosen = members.chosen(interaction.user.id) if members else None
    return resolve(chosen, interaction.locale.value, _default(interaction.client))


def note_locale(interaction: discord.Interaction[Any]) -> None:
    """Note the member's Discord locale for later DMs (in memory; a job stores it)."""
    members = _languages(interaction.client)
    if members is not None:
        members.seen(interaction.user.id, interaction.locale.value)


def server_lang(client: Any, guild: discord.Guild | None) -> Lang:
    """A channel post's language: DEFAULT_LOCALE when set, else the server's, else English."""
    preferred = guild.preferred_locale.value if guild is not None else None
    return resolve(_default(client), preferred)


def channel_lang(client: Any, channel_id: int) -> Lang:
    """The language of a post in this channel (its server's, or DEFAULT_LOCALE)."""
    channel = client.get_channel(channel_id)
    return server_lang(client, getattr(channel, "guild", None))


def command_name(lang: Lang, qualified_name: str) -> str:
    """A command's name as members of this language see it ("youtube subscribe")."""
    return " ".join(lang.pgettext("command", part) for part in qualified_name.split())


def command_description(lang: Lang, description: str) -> str:
    return lang.translations.gettext(description)


class CommandTranslator(app_commands.Translator):
    """Gives the synced commands `name_localizations` and `description_localizations`."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        code = supported(locale.value)
        if code is None or code == SOURCE:
            return None
        lang = language(code)
        where = context.location
        if where in NAME_CONTEXT:
            text = lang.pgettext(NAME_CONTEXT[where], string.message)
            if not (NAME.match(text) and text == text.lower()):
                log.warning("i18n: %s name %r breaks Discord's rules", code, text)
                return None
        else:
            text = lang.translations.gettext(string.message)
            if len(text) > DESCRIPTION_MAX:
                log.warning("i18n: %s description %r is too long", code, text)
                return None
        return None if text == string.message else text
