"""/notifications: a private panel of toggles for the request DMs a member gets, whether
public posts may name them as the one who asked, and their language. Without media requests
the panel keeps the last two."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserError
from bot.i18n import N_, SUPPORTED, Lang, Msg, language
from bot.i18n.discord import lang_of
from bot.services.outbox import SHOW_PREFIX
from bot.services.requests import Requests
from bot.services.requests.prefs import NAMED, TOGGLES, Preferences, Prefs
from cogs.components import Guarded, GuardedView

if TYPE_CHECKING:
    from bot.app import MediaNest

LABELS = {
    "discord_requests": N_("My requests made in Discord"),
    "elsewhere_requests": N_("My requests made elsewhere"),
    "followed_media": N_("Media I follow"),
    "name_in_public": N_("Name me in public posts"),
}
INTRO = N_(
    "Which DMs do you want? Press a button to turn it on or off. "
    '"Elsewhere" means Overseerr\'s website, your Plex watchlist or another app. '
    '"Name me" lets posts everyone sees (New on Plex, YouTube) say you asked for it.'
)
# Without media requests: no request DMs to choose, only being named and the language.
INTRO_PLAIN = N_(
    '"Name me" lets posts everyone sees say it is you: a YouTube download you asked for, or '
    "an update posted there because your DMs are closed. Choose your language below."
)
AUTOMATIC = "auto"


def panel(
    prefs: Prefs, t: Lang, chosen: str | None = None, *, requests: bool = True
) -> tuple[str, discord.ui.View]:
    """The panel's text, its toggle buttons (green: on) and the language menu; without media
    requests (`requests` False) only the "Name me" toggle and the menu."""
    view = GuardedView(timeout=None)
    lines = [t._(INTRO if requests else INTRO_PLAIN)]
    for kind in TOGGLES if requests else (NAMED,):
        on = bool(getattr(prefs, kind))
        state = t._("on") if on else t._("off")
        line = t._("{label}: **{state}**", label=t._(LABELS[kind]), state=state)
        lines.append(f"{'🔔' if on else '🔕'} {line}")
        style = discord.ButtonStyle.success if on else discord.ButtonStyle.secondary
        view.add_item(NotifyToggle(kind, t._(LABELS[kind]), style))
    view.add_item(LanguageMenu(t, chosen))
    view.stop()
    return "\n".join(lines), view


def language_options(t: Lang, chosen: str | None) -> list[discord.SelectOption]:
    """Discord's language (automatic), then each shipped language in its own name."""
    options = [
        discord.SelectOption(
            label=t._("Same as my Discord app"), value=AUTOMATIC, default=chosen is None
        )
    ]
    for code in SUPPORTED:
        options.append(
            discord.SelectOption(label=language(code).name(), value=code, default=chosen == code)
        )
    return options


def member_panel(
    interaction: discord.Interaction[MediaNest], prefs: Prefs
) -> tuple[str, discord.ui.View]:
    """`panel` for the member who asked: their language pick, and request toggles when the
    bot has media requests."""
    client = interaction.client
    chosen = client.services.languages.chosen(interaction.user.id)
    requests = client.features.get(Requests) is not None
    return panel(prefs, lang_of(interaction), chosen, requests=requests)


async def show_panel(interaction: discord.Interaction[MediaNest], prefs: Prefs) -> None:
    """Edit the pressed panel to show the member's choices, in their language."""
    text, view = member_panel(interaction, prefs)
    await interaction.response.edit_message(content=text, view=view)


class LanguageMenu(Guarded, discord.ui.DynamicItem[discord.ui.Select], template=r"notify:language"):
    """The member's language for replies and DMs; it wins over Discord's."""

    def __init__(self, t: Lang | None = None, chosen: str | None = None) -> None:
        t = t or language("en")
        select: discord.ui.Select = discord.ui.Select(
            custom_id="notify:language",
            placeholder=t._("Language"),
            options=language_options(t, chosen),
        )
        super().__init__(select)

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        picked = self.item.values[0] if self.item.values else AUTOMATIC
        code = None if picked == AUTOMATIC else picked
        await interaction.client.services.languages.choose(interaction.user.id, code)
        await show_panel(interaction, await Preferences().of(interaction.user.id))


class NotifyToggle(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"notify:(?P<kind>discord_requests|elsewhere_requests|followed_media|name_in_public)",
):
    """One toggle; it changes the presser's own choices, so anyone may press it."""

    def __init__(
        self,
        kind: str,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"notify:{kind}"))
        self.kind = kind

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        prefs = await Preferences().toggle(interaction.user.id, self.kind)
        await show_panel(interaction, prefs)


class NotForYou(UserError):
    message = N_("That message is for someone else.")


class ShowHidden(
    Guarded, discord.ui.DynamicItem[discord.ui.Button], template=SHOW_PREFIX + r"(?P<outbox_id>\d+)"
):
    """Shows a DM that could not be sent, privately, to the member it was for."""

    def __init__(self, outbox_id: int) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=N_("Show me"), custom_id=f"{SHOW_PREFIX}{outbox_id}"
        )
        super().__init__(button)
        self.outbox_id = outbox_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        outbox = interaction.client.services.outbox
        row = await outbox.hidden_message(self.outbox_id, interaction.user.id)
        if row is None:
            raise NotForYou()
        embed = discord.Embed.from_dict(row.embed) if row.embed else discord.utils.MISSING
        t = lang_of(interaction)  # the message in the language of the member reading it
        text = t.render(Msg.from_json(row.message)) if row.message else row.content
        await interaction.response.send_message(text, embed=embed, ephemeral=True)


class NotificationsCog(commands.Cog):
    """Receives /notifications and the toggle presses; the choices live in `Preferences`."""

    def __init__(self, bot: MediaNest) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(NotifyToggle, LanguageMenu, ShowHidden)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(NotifyToggle, LanguageMenu, ShowHidden)

    @app_commands.command(name="notifications")
    async def notifications(self, interaction: discord.Interaction[MediaNest]) -> None:
        """Choose your DMs, whether public posts may name you, and your language."""
        prefs = await Preferences().of(interaction.user.id)
        text, view = member_panel(interaction, prefs)
        await interaction.response.send_message(text, view=view, ephemeral=True)


async def setup(bot: MediaNest) -> None:
    """Always on: the request DMs to choose come with media requests; being named (also the
    "Show me" of a closed-DM fallback) and the language are every member's."""
    await bot.add_cog(NotificationsCog(bot))
