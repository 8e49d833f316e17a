"""/request and /requests, and the admin buttons on requests that need review."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotAllowed
from bot.services.requests import RequestService, RequestView
from bot.tree import report_error
from cogs.checks import is_admin, requires_link
from storage.models import RequestStatus

if TYPE_CHECKING:
    from bot.app import MediaNest
    from bot.services.linking import LinkingService

S = RequestStatus
PER_PAGE = 10

OUTCOME = {
    S.PENDING: "Requested **{label}**. It's waiting for an admin to approve it; "
    "I'll DM you when it's on Plex.",
    S.APPROVED: "Requested **{label}** and it's approved. I'll DM you when it's on Plex.",
    S.PARTIALLY_AVAILABLE: "Requested **{label}**. Part of it is already on Plex; "
    "I'll DM you as the rest arrives.",
    S.AVAILABLE: "**{label}** is already on Plex. Enjoy!",
    S.QUEUED: "Overseerr isn't answering right now, so I've queued **{label}**. "
    "I'll keep trying and DM you when it goes through.",
    S.REJECTED: "Overseerr refused **{label}**: {message}",
    S.DECLINED: "**{label}** was declined.",
    S.FAILED: "**{label}** failed in Overseerr. An admin can retry it there.",
}


def outcome_text(request: RequestView) -> str:
    """What the requester is told once the request was submitted (or queued)."""
    template = OUTCOME.get(request.status, "**{label}**: {status}.")
    return template.format(
        label=request.label, message=request.message or "", status=request.status_text
    )


def request_line(request: RequestView, *, with_user: bool) -> str:
    who = f" · <@{request.discord_id}>" if with_user else ""
    when = f"<t:{int(request.created_at.timestamp())}:R>"
    return f"`#{request.id}` **{request.label}** · {request.status_text} · {when}{who}"


class RequestsPage(discord.ui.View):
    """Previous/Next buttons over a user's (or everyone's) requests; only the viewer may page."""

    def __init__(self, service: RequestService, viewer: int, owner: int | None, pages: int) -> None:
        super().__init__(timeout=600)
        self.service, self.viewer, self.owner = service, viewer, owner
        self.page, self.pages = 1, pages
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page <= 1
        self.next.disabled = self.page >= self.pages

    async def render(self) -> discord.Embed:
        rows, self.pages = await self.service.list_requests(self.owner, self.page, PER_PAGE)
        self._sync()
        title = "Everyone's requests" if self.owner is None else "Your requests"
        lines = [request_line(r, with_user=self.owner is None) for r in rows]
        embed = discord.Embed(title=title, description="\n".join(lines) or "No requests yet.")
        embed.set_footer(text=f"Page {self.page} of {self.pages}")
        return embed

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.viewer

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = min(max(1, self.page + step), self.pages)
        await interaction.response.edit_message(embed=await self.render(), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._turn(interaction, 1)


class PickTitle(discord.ui.Modal, title="Pick the right title"):
    """Asks an admin for the TMDB id (and type) of a request that matched nothing."""

    tmdb: discord.ui.TextInput[PickTitle] = discord.ui.TextInput(
        label="TMDB id", custom_id="tmdb", placeholder="e.g. 438631", max_length=12
    )
    kind: discord.ui.TextInput[PickTitle] = discord.ui.TextInput(
        label="Movie or TV?", custom_id="kind", placeholder="movie or tv", max_length=5
    )

    def __init__(self, service: RequestService, request_id: int, message: discord.Message | None):
        super().__init__()
        self.service, self.request_id, self.message = service, request_id, message

    async def on_submit(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        try:
            tmdb = int(str(self.tmdb.value).strip())
        except ValueError:
            await interaction.response.send_message("The TMDB id must be a number.", ephemeral=True)
            return
        kind = str(self.kind.value).strip().lower()
        kind = "tv" if kind in ("tv", "show", "series") else kind
        try:
            result = await self.service.resolve_review(
                self.request_id, tmdb, kind, interaction.user.id
            )
        except Exception as exc:
            await report_error(interaction, exc)
            return
        await settle_review(
            interaction, self.message, f"resolved as **{result.label}** ({result.status_text})"
        )


async def settle_review(
    interaction: discord.Interaction, message: discord.Message | None, what: str
) -> None:
    """Show on the review message who decided what, and remove its buttons."""
    text = f"{message.content}\n\n✅ {what} by {interaction.user.mention}." if message else what
    if message is not None and not interaction.response.is_done():
        await interaction.response.edit_message(content=text[:2000], view=None)
    elif message is not None:
        await message.edit(content=text[:2000], view=None)
    else:
        await interaction.response.send_message(f"Done: {what}.", ephemeral=True)


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"review:(?P<action>pick|decline):(?P<id>\d+)",
):
    """The persistent Pick/Decline buttons on a request that needs review."""

    def __init__(self, action: str, request_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"review:{action}:{request_id}"))
        self.action, self.request_id = action, request_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        try:
            if not await is_admin(interaction):
                raise NotAllowed()
            service = interaction.client.services.requests
            assert service is not None
            if self.action == "pick":
                await interaction.response.send_modal(
                    PickTitle(service, self.request_id, interaction.message)
                )
                return
            await service.resolve_review(self.request_id, None, None, interaction.user.id)
        except Exception as exc:
            await report_error(interaction, exc)
            return
        await settle_review(interaction, interaction.message, "declined")


class RequestsCog(commands.Cog):
    """Receives request commands and defers the work to the request service."""

    def __init__(self, bot: MediaNest, service: RequestService, linking: LinkingService) -> None:
        self.bot = bot
        self.service = service
        self.linking = linking

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReviewButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton)

    @app_commands.command(name="request")
    @app_commands.rename(four_k="4k")
    @app_commands.describe(
        title="Start typing and pick a movie or show",
        seasons="For TV: all, latest, or season numbers like 1,3-4",
        four_k="Ask for the 4K version",
    )
    @requires_link()
    async def request(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        seasons: app_commands.Range[str, 1, 100] | None = None,
        four_k: bool = False,
    ) -> None:
        """Request a movie or TV show for Plex."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        link = await self.linking.get_link(interaction.user.id)
        assert link is not None  # requires_link checked it
        saved = await self.service.prepare(
            interaction.user.id,
            link.plex_user_id,
            title,
            seasons,
            four_k,
            exempt=await is_admin(interaction),  # type: ignore[arg-type]
        )
        if saved.status == S.NEEDS_REVIEW:
            await interaction.followup.send(
                f"I couldn't find “{saved.title}” in Overseerr, so I've asked an admin to "
                "look at it. I'll DM you what they decide.",
                ephemeral=True,
            )
            return
        await interaction.followup.send(f"Requesting **{saved.title}**…", ephemeral=True)
        result = await self.service.deliver(saved.id)
        await interaction.edit_original_response(content=outcome_text(result))

    @request.autocomplete("title")
    async def title_suggestions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = await self.service.suggest(current)
        return [app_commands.Choice(name=c.name, value=c.value) for c in choices]

    @app_commands.command(name="requests")
    @app_commands.describe(everyone="Admins: list everyone's requests")
    async def requests(self, interaction: discord.Interaction, everyone: bool = False) -> None:
        """List your media requests and where they are."""
        if everyone and not await is_admin(interaction):  # type: ignore[arg-type]
            raise NotAllowed("Only admins can list everyone's requests.")
        owner = None if everyone else interaction.user.id
        view = RequestsPage(self.service, interaction.user.id, owner, pages=1)
        embed = await view.render()
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
