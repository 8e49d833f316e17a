"""/link, /unlink, /account: the Discord side of Plex account linking."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.i18n.discord import lang_of
from bot.services.crypto import TokenCipher
from bot.services.linking import LinkingService
from bot.services.overseerr_identity import DiscordMentions
from bot.services.plex_access import AccessOffers
from bot.services.requests import Requests
from bot.services.requests.accounts import Accounts
from bot.web import add_link_routes

if TYPE_CHECKING:
    from bot.app import MediaNest
    from bot.config import Settings

PLEX_ORANGE = discord.Colour(0xE5A00D)
LINK_POLL_SECONDS = 3
ROLES = {"admin": N_("Admin"), "user": N_("User")}


def stamp(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp that each reader sees in their own time zone."""
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]


class LinkCog(commands.Cog):
    """Receives the linking commands and defers the work to the linking service."""

    def __init__(self, bot: MediaNest, linking: LinkingService) -> None:
        self.bot = bot
        self.linking = linking

    @app_commands.command(name="link")
    async def link(self, interaction: discord.Interaction) -> None:
        """Link your Plex account so you can request media and more."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        t = lang_of(interaction)
        start = await self.linking.start(interaction.user.id)
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label=t._("Sign in with Plex"), url=start.url))
        await interaction.followup.send(
            t._(
                "Sign in with Plex to link your account. This link is only for you and works "
                "until {time}. I'll DM you when it's done.",
                time=stamp(start.expires_at, "t"),
            ),
            view=view,
            ephemeral=True,
        )

    @app_commands.command(name="unlink")
    async def unlink(self, interaction: discord.Interaction) -> None:
        """Forget your Plex link and its token."""
        t = lang_of(interaction)
        if await self.linking.unlink(interaction.user.id):
            text = t._(
                "Your Plex account is unlinked and its token deleted. Run `/link` to link again."
            )
        else:
            text = t._("You have no Plex account linked.")
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="account")
    async def account(self, interaction: discord.Interaction) -> None:
        """Show which Plex account you are linked to."""
        t = lang_of(interaction)
        link = await self.linking.get_link(interaction.user.id)
        if link is None:
            await interaction.response.send_message(
                t._("You have no Plex account linked. Run `/link` to link one."), ephemeral=True
            )
            return
        embed = discord.Embed(title=t._("Your Plex link"), colour=PLEX_ORANGE)
        embed.add_field(name=t._("Plex user"), value=link.plex_username)
        embed.add_field(name=t._("Role"), value=t._(ROLES.get(link.role.value, link.role.value)))
        embed.add_field(name=t._("Linked since"), value=stamp(link.linked_at, "D"))
        embed.add_field(name=t._("Last verified"), value=stamp(link.verified_at, "R"))
        requests = self.bot.features.get(Requests)
        if requests is not None:
            account = await requests.overseerr_account(link.plex_user_id)
            embed.add_field(name=t._("Overseerr user"), value=t.render(account), inline=False)
        mentions = self.bot.features.get(DiscordMentions)
        if mentions is not None:
            mention = await mentions.describe(interaction.user.id, link.plex_user_id)
            embed.add_field(
                name=t._("Overseerr notifications"), value=t.render(mention), inline=False
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)


def off(settings: Settings) -> str | None:
    """Why linking is off, naming what switches it on (None: on)."""
    if settings.plex_enabled:
        return None
    return N_("Plex linking is off: set PLEX_URL and PLEX_TOKEN to enable /link.")


async def setup(bot: MediaNest) -> None:
    """On with Plex (PLEX_URL, PLEX_TOKEN): linking, its jobs and the sign-in pages.

    With Overseerr too, members' Discord ids are kept in their Overseerr accounts.
    """
    core = bot.services
    if off(core.settings) or core.plex is None or core.plextv is None:
        return
    mentions = None
    if core.overseerr is not None:
        mentions = bot.features.add(DiscordMentions(core.overseerr, Accounts(core.overseerr)))
        bot.jobs.once("overseerr-detect", mentions.detect)
        bot.jobs.every("overseerr-discord-ids", mentions.sync_pending, minutes=5)
    linking = LinkingService(
        core.plextv,
        core.plex,
        TokenCipher(core.secret_key),
        core.outbox,
        public_url=core.settings.public_url,
        access=core.access,
        events=mentions,
        refusals=AccessOffers(TokenCipher(core.secret_key)),  # Request access (plex_access)
    )
    bot.features.add(linking)
    bot.jobs.every("link-poll", linking.poll_open_attempts, seconds=LINK_POLL_SECONDS)
    bot.jobs.every("link-reverify", linking.reverify_all, days=1)
    bot.jobs.every("link-purge", linking.purge_expired, hours=1)
    add_link_routes(bot.web, linking, core.limiter)
    await bot.add_cog(LinkCog(bot, linking))
