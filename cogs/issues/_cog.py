"""/issue and the Resolve button on issue cards; the work is the issue services'."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import FeatureDisabled
from bot.i18n import N_, Lang, Msg
from bot.i18n.discord import channel_lang, lang_of, server_lang
from bot.services.issues import IssueCardView, Issues, IssueView
from bot.services.issues.summaries import PROBLEM_WORDS
from bot.services.linking import LinkingService
from cogs.checks import is_admin, requires_link
from cogs.choices import shown_choice
from cogs.components import AdminOnly

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)
CARDS_JOB = "issue-cards"
PROBLEM_CHOICES = [
    app_commands.Choice(name=N_("Video"), value="video"),
    app_commands.Choice(name=N_("Audio"), value="audio"),
    app_commands.Choice(name=N_("Subtitles"), value="subtitles"),
    app_commands.Choice(name=N_("Other"), value="other"),
]


def issues_of(interaction: discord.Interaction[MediaNest]) -> Issues:
    """The issue services; FeatureDisabled when they are off (a stale button, say)."""
    found = interaction.client.features.get(Issues)
    if found is None:
        raise FeatureDisabled(N_("Issue reports are switched off on this server."))
    return found


def reported_text(t: Lang, issue: IssueView) -> str:
    return t._(
        "Thanks! I've reported the {problem} problem with **{title}** "
        "(Overseerr issue #{id}). I'll DM you when someone replies or resolves it.",
        problem=problem_word(t, issue),
        title=issue.label,
        id=issue.id,
    )


def problem_word(t: Lang, issue: IssueView) -> str:
    return t.render(Msg(PROBLEM_WORDS.get(issue.problem, issue.problem)))


def open_issue_lines(t: Lang, issues: Sequence[IssueView], *, with_user: bool) -> str:
    """The "Open issues" section of `/requests` (Discord's field limit is 1024)."""
    lines = []
    for issue in issues:
        who = f" · <@{issue.discord_id}>" if with_user and issue.discord_id else ""
        lines.append(f"`#{issue.id}` **{issue.label}** · {problem_word(t, issue)}{who}")
    text = "\n".join(lines)
    return text if len(text) <= 1024 else text[:1023] + "…"


class ResolveButton(
    AdminOnly, discord.ui.DynamicItem[discord.ui.Button], template=r"issue:resolve:(?P<id>\d+)"
):
    """Resolve on an issue card: closes it in Overseerr as the admin's own Overseerr user."""

    def __init__(self, issue_id: int) -> None:
        button = discord.ui.Button[Any](custom_id=f"issue:resolve:{issue_id}")
        super().__init__(button)
        self.issue_id = issue_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        linking = interaction.client.features.get(LinkingService)
        link = await linking.get_link(interaction.user.id) if linking else None
        card = await issues_of(interaction).resolve(
            self.issue_id, interaction.user.id, link.plex_user_id if link else None
        )
        t = server_lang(interaction.client, interaction.guild)
        await interaction.response.edit_message(content=t.render(card.content)[:2000], view=None)


def card_buttons(t: Lang, card: IssueCardView) -> discord.ui.View | None:
    """The card's buttons as a view the persistent handler takes; None when there are none."""
    if not card.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in card.buttons:
        style = getattr(discord.ButtonStyle, button.style, discord.ButtonStyle.secondary)
        view.add_item(
            discord.ui.Button(label=t._(button.label), custom_id=button.custom_id, style=style)
        )
    view.stop()
    return view


class IssuesCog(commands.Cog):
    """Receives /issue and Resolve presses and defers the work to the issue services."""

    def __init__(self, bot: MediaNest, issues: Issues, linking: LinkingService) -> None:
        self.bot = bot
        self.issues = issues
        self.linking = linking

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ResolveButton)
        self.bot.jobs.every(CARDS_JOB, self.update_cards, seconds=30)

    async def cog_unload(self) -> None:
        self.bot.jobs.remove(CARDS_JOB)
        self.bot.remove_dynamic_items(ResolveButton)

    async def update_cards(self) -> None:
        """One round: edit each issue card whose issue changed (comments, resolved, reopened)."""
        if not self.bot.is_ready():
            return
        for card in await self.issues.cards_to_update():
            if await self.edit_card(card):
                await self.issues.card_edited(card.id)

    async def edit_card(self, card: IssueCardView) -> bool:
        """Edit the card's message; False to try again next round."""
        assert card.message_id is not None  # cards_to_update only hands posted ones
        message = self.bot.get_partial_messageable(card.channel_id).get_partial_message(
            card.message_id
        )
        t = channel_lang(self.bot, card.channel_id)
        try:
            await message.edit(content=t.render(card.content)[:2000], view=card_buttons(t, card))
        except discord.NotFound:
            return True  # deleted by someone: nothing left to edit
        except discord.HTTPException as exc:
            log.warning("could not edit issue card %s: %s", card.id, exc)
            return False
        return True

    @app_commands.command(name="issue")
    @app_commands.describe(
        title=N_("Start typing and pick something that is on Plex"),
        problem=N_("What is wrong with it"),
        message=N_("What you noticed, e.g. “no sound after 10 minutes”"),
    )
    @app_commands.choices(problem=PROBLEM_CHOICES)
    @requires_link()
    async def issue(
        self,
        interaction: discord.Interaction[MediaNest],
        title: app_commands.Range[str, 1, 200],
        problem: app_commands.Choice[str],
        message: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        """Report a problem with a movie or show on Plex."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        link = await self.linking.get_link(interaction.user.id)
        assert link is not None  # requires_link checked it
        reported = await self.issues.report(
            interaction.user.id,
            link.plex_user_id,
            title,
            problem.value,
            message,
            exempt=await is_admin(interaction),
        )
        await interaction.followup.send(
            reported_text(lang_of(interaction), reported), ephemeral=True
        )

    @issue.autocomplete("title")
    async def title_suggestions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = await self.issues.suggest(current)
        t = lang_of(interaction)
        return [shown_choice(t, c) for c in choices]
