"""/request and /requests, and the admin buttons on requests that need review."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.errors import DependencyError, NotAllowed
from bot.services.requests import AlreadyRequested, ApprovalCardView, RequestService, RequestView
from bot.tree import report_error
from cogs.checks import is_admin, requires_link
from storage.models import RequestStatus

if TYPE_CHECKING:
    from bot.app import MediaNest
    from bot.services.linking import LinkingService

log = logging.getLogger(__name__)
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


def one_button(label: str, custom_id: str, style: discord.ButtonStyle) -> discord.ui.View:
    """A view holding one button whose clicks a persistent handler takes."""
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=label, custom_id=custom_id, style=style))
    view.stop()
    return view


def requests_of(interaction: discord.Interaction[MediaNest]) -> RequestService:
    service = interaction.client.services.requests
    assert service is not None
    return service


class FollowButton(discord.ui.DynamicItem[discord.ui.Button], template=r"follow:(?P<target>.+)"):
    """ "Notify me" on media someone else already requested."""

    def __init__(self, target: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"follow:{target}"))
        self.target = target

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FollowButton:
        return cls(match["target"])

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        try:
            added = await requests_of(interaction).subscribe_by_id(
                interaction.user.id, f"follow:{self.target}"
            )
        except Exception as exc:
            await report_error(interaction, exc)
            return
        text = (
            "Done: I'll DM you when it's on Plex. See `/following` to stop."
            if added
            else "You're already following it."
        )
        await interaction.response.send_message(text, ephemeral=True)


class UnfollowButton(discord.ui.DynamicItem[discord.ui.Button], template=r"unfollow:(?P<id>\d+)"):
    """The Stop button of one subscription in /following."""

    def __init__(self, subscription_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"unfollow:{subscription_id}"))
        self.subscription_id = subscription_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UnfollowButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        removed = await requests_of(interaction).unsubscribe(
            interaction.user.id, self.subscription_id
        )
        text = "Stopped following it." if removed else "You weren't following that any more."
        await interaction.response.send_message(text, ephemeral=True)


class DeclineReason(discord.ui.Modal, title="Decline this request"):
    """Asks the admin for an optional reason, shown to the requester."""

    reason: discord.ui.TextInput[DeclineReason] = discord.ui.TextInput(
        label="Reason (optional)",
        custom_id="reason",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=300,
    )

    def __init__(self, request_id: int, message: discord.Message | None) -> None:
        super().__init__()
        self.request_id, self.message = request_id, message

    async def on_submit(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        reason = str(self.reason.value).strip() or None
        await decide(interaction, self.request_id, False, self.message, reason)


async def decide(
    interaction: discord.Interaction[MediaNest],
    request_id: int,
    approve: bool,
    message: discord.Message | None,
    reason: str | None = None,
) -> None:
    """Approve or decline as this admin, then show the decision on the card."""
    try:
        if not await is_admin(interaction):
            raise NotAllowed()
        linking = interaction.client.services.linking
        link = await linking.get_link(interaction.user.id) if linking else None
        decision = await requests_of(interaction).decide(
            request_id, approve, interaction.user.id, link.plex_user_id if link else None, reason
        )
    except Exception as exc:
        await report_error(interaction, exc)
        return
    if message is not None:
        await interaction.response.edit_message(content=decision.card.content[:2000], view=None)
    else:
        await interaction.response.send_message(decision.card.content[:2000], ephemeral=True)


class ApprovalButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"approval:(?P<action>approve|decline):(?P<id>\d+)",
):
    """Approve / Decline on a pending request's card; admins only."""

    def __init__(self, action: str, request_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"approval:{action}:{request_id}"))
        self.action, self.request_id = action, request_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ApprovalButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        if self.action == "approve":
            await decide(interaction, self.request_id, True, interaction.message)
            return
        if not await is_admin(interaction):
            await report_error(interaction, NotAllowed())
            return
        await interaction.response.send_modal(DeclineReason(self.request_id, interaction.message))


PERSISTENT = (ReviewButton, FollowButton, UnfollowButton, ApprovalButton)


class RequestsCog(commands.Cog):
    """Receives request commands and defers the work to the request service."""

    def __init__(self, bot: MediaNest, service: RequestService, linking: LinkingService) -> None:
        self.bot = bot
        self.service = service
        self.linking = linking

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*PERSISTENT)
        self.update_cards.start()

    async def cog_unload(self) -> None:
        self.update_cards.cancel()
        self.bot.remove_dynamic_items(*PERSISTENT)

    @tasks.loop(seconds=30)
    async def update_cards(self) -> None:
        """Show on each approval card a decision made on Overseerr's website."""
        for card in await self.service.cards_to_update():
            if await self.edit_card(card):
                await self.service.card_edited(card.id)

    @update_cards.before_loop
    async def _before_cards(self) -> None:
        await self.bot.wait_until_ready()

    async def edit_card(self, card: ApprovalCardView) -> bool:
        if card.message_id is None:
            return False
        message = self.bot.get_partial_messageable(card.channel_id).get_partial_message(
            card.message_id
        )
        try:
            await message.edit(content=card.content[:2000], view=None)
        except discord.NotFound:
            return True  # deleted by someone: nothing left to edit
        except discord.HTTPException as exc:
            log.warning("could not edit approval card %s: %s", card.id, exc)
            return False
        return True

    @app_commands.command(name="request")
    @app_commands.rename(four_k="4k")
    @app_commands.describe(
        title="Start typing and pick a movie or show",
        seasons="For TV: all, latest, future (all, and every new season), or numbers like 1,3-4",
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
        try:
            saved = await self.service.prepare(
                interaction.user.id,
                link.plex_user_id,
                title,
                seasons,
                four_k,
                exempt=await is_admin(interaction),  # type: ignore[arg-type]
            )
        except AlreadyRequested as exc:
            if not exc.follow_id:
                raise
            view = one_button("Notify me", exc.follow_id, discord.ButtonStyle.primary)
            await interaction.followup.send(exc.message, view=view, ephemeral=True)
            return
        if saved.status == S.NEEDS_REVIEW:
            await interaction.followup.send(
                f"I couldn't find “{saved.title}” in Overseerr, so I've asked an admin to "
                "look at it. I'll DM you what they decide.",
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            f"Requesting **{saved.title}**… {await self.quota_line(link.plex_user_id, saved)}",
            ephemeral=True,
        )
        result = await self.service.deliver(saved.id)
        await interaction.edit_original_response(content=outcome_text(result))

    async def quota_line(self, plex_user_id: int, saved: Any) -> str:
        """The user's remaining Overseerr quota, or nothing when Overseerr can't say."""
        try:
            return (await self.service.quota_preview(plex_user_id, saved.media_type)).text
        except DependencyError:
            return ""

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

    @app_commands.command(name="following")
    async def following(self, interaction: discord.Interaction) -> None:
        """List the media you follow, with a button to stop following each."""
        followed = await self.service.following(interaction.user.id)
        if not followed:
            await interaction.response.send_message(
                "You're not following anything. Press **Notify me** when `/request` offers it.",
                ephemeral=True,
            )
            return
        shown = followed[:25]
        view = discord.ui.View(timeout=None)
        lines = []
        for n, item in enumerate(shown, 1):
            lines.append(f"{n}. {item.label}")
            view.add_item(discord.ui.Button(label=f"Stop {n}", custom_id=f"unfollow:{item.id}"))
        view.stop()
        await interaction.response.send_message(
            "You'll get a DM when these are on Plex:\n" + "\n".join(lines),
            view=view,
            ephemeral=True,
        )
