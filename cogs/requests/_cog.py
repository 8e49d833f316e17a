"""/request, /requests and /following; receives the commands and defers to the services."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import DependencyError, NotAllowed
from bot.i18n import N_, Msg
from bot.i18n.discord import channel_lang, lang_of
from bot.services.issues import Issues
from bot.services.requests import AlreadyRequested, ApprovalCardView, Requests
from bot.services.requests.summaries import label_msg_of
from cogs.checks import is_admin, requires_link
from cogs.choices import shown_choice
from cogs.components import one_button
from cogs.issues._cog import open_issue_lines
from cogs.requests._components import PERSISTENT, RequestsPage
from cogs.requests._text import (
    NOT_FOLLOWING,
    following_view,
    outcome_text,
    queued_text,
    review_text,
)
from storage.models import MediaRequest, RequestStatus

if TYPE_CHECKING:
    from bot.app import MediaNest
    from bot.services.linking import LinkingService

log = logging.getLogger(__name__)
CARDS_JOB = "approval-cards"


class RequestsCog(commands.Cog):
    """Receives request commands and defers the work to the request services."""

    def __init__(self, bot: MediaNest, requests: Requests, linking: LinkingService) -> None:
        self.bot = bot
        self.requests = requests
        self.linking = linking

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*PERSISTENT)
        self.bot.jobs.every(CARDS_JOB, self.update_cards, seconds=30)

    async def cog_unload(self) -> None:
        self.bot.jobs.remove(CARDS_JOB)
        self.bot.remove_dynamic_items(*PERSISTENT)

    async def update_cards(self) -> None:
        """One round: show on each approval card a decision made on Overseerr's website."""
        if not self.bot.is_ready():
            return
        for card in await self.requests.cards_to_update():
            if await self.edit_card(card):
                await self.requests.card_edited(card.id)

    async def edit_card(self, card: ApprovalCardView) -> bool:
        """Edit the card's message to show its decision; False to try again next round."""
        if card.message_id is None:
            return False
        message = self.bot.get_partial_messageable(card.channel_id).get_partial_message(
            card.message_id
        )
        t = channel_lang(self.bot, card.channel_id)
        try:
            await message.edit(content=t.render(card.content)[:2000], view=None)
        except discord.NotFound:
            return True  # deleted by someone: nothing left to edit
        except discord.HTTPException as exc:
            log.warning("could not edit approval card %s: %s", card.id, exc)
            return False
        return True

    @app_commands.command(name="request")
    @app_commands.rename(four_k="4k")
    @app_commands.describe(
        title=N_("Start typing and pick a movie or show"),
        seasons=N_(
            "For TV: all, latest, future (all, and every new season), or numbers like 1,3-4"
        ),
        four_k=N_("Ask for the 4K version"),
    )
    @requires_link()
    async def request(
        self,
        interaction: discord.Interaction[MediaNest],
        title: app_commands.Range[str, 1, 200],
        seasons: app_commands.Range[str, 1, 100] | None = None,
        four_k: bool = False,
    ) -> None:
        """Request a movie or TV show for Plex."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        t = lang_of(interaction)
        link = await self.linking.get_link(interaction.user.id)
        assert link is not None  # requires_link checked it
        try:
            saved = await self.requests.submit(
                interaction.user.id,
                link.plex_user_id,
                title,
                seasons,
                four_k,
                exempt=await is_admin(interaction),
            )
        except AlreadyRequested as exc:
            if not exc.follow_id:
                raise
            view = one_button(t._("Notify me"), exc.follow_id, discord.ButtonStyle.primary)
            await interaction.followup.send(t.render(exc.msg), view=view, ephemeral=True)
            return
        if saved.status == RequestStatus.NEEDS_REVIEW:
            await interaction.followup.send(review_text(t, saved.title), ephemeral=True)
            return
        if saved.unchecked:
            await interaction.followup.send(
                queued_text(t, t.render(label_msg_of(saved))), ephemeral=True
            )
            return
        quota = t.render(await self.quota_line(link.plex_user_id, saved))
        await interaction.followup.send(
            t._("Requesting **{title}**… {quota}", title=saved.title, quota=quota), ephemeral=True
        )
        result = await self.requests.deliver(saved.id)
        await interaction.edit_original_response(content=outcome_text(t, result))

    async def quota_line(self, plex_user_id: int, saved: MediaRequest) -> Msg | str:
        """The user's remaining Overseerr quota, or nothing when Overseerr can't say."""
        try:
            return (await self.requests.quota_preview(plex_user_id, saved.media_type)).text
        except DependencyError:
            return ""

    @request.autocomplete("title")
    async def title_suggestions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = await self.requests.suggest_titles(current)
        t = lang_of(interaction)
        return [shown_choice(t, c) for c in choices]

    @app_commands.command(name="requests")
    @app_commands.describe(everyone=N_("Admins: list everyone's requests"))
    async def requests_list(
        self, interaction: discord.Interaction[MediaNest], everyone: bool = False
    ) -> None:
        """List your media requests and where they are."""
        if everyone and not await is_admin(interaction):
            raise NotAllowed(N_("Only admins can list everyone's requests."))
        owner = None if everyone else interaction.user.id
        issues = self.bot.features.get(Issues)
        found = await issues.open_issues(owner) if issues else []
        t = lang_of(interaction)
        shown = open_issue_lines(t, found, with_user=everyone)
        view = RequestsPage(t, self.requests, interaction.user.id, owner, shown)
        embed = await view.render()
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="following")
    async def following(self, interaction: discord.Interaction) -> None:
        """List the media you follow, with a button to stop following each."""
        t = lang_of(interaction)
        followed = await self.requests.following(interaction.user.id)
        if not followed:
            await interaction.response.send_message(t._(NOT_FOLLOWING), ephemeral=True)
            return
        text, view = following_view(t, followed)
        await interaction.response.send_message(text, view=view, ephemeral=True)
