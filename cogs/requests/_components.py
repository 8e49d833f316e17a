"""The buttons and modals of requests: review, Notify me, Stop, Approve and Decline, paging.

Every one is built on the guarded bases of `cogs.components`, so a failure is answered
like a failed command; admin-only ones refuse others in `allowed`, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.errors import FeatureDisabled, InvalidInput
from bot.i18n import N_, Lang
from bot.i18n.discord import lang_of, server_lang
from bot.services.linking import LinkingService
from bot.services.requests import Requests
from cogs.components import AdminOnly, Guarded, GuardedModal, GuardedView
from cogs.requests._text import followed_text, requests_embed, unfollowed_text

if TYPE_CHECKING:
    from bot.app import MediaNest

PER_PAGE = 10


def requests_of(interaction: discord.Interaction[MediaNest]) -> Requests:
    """The request services; FeatureDisabled when requests are off (a stale button, say)."""
    found = interaction.client.features.get(Requests)
    if found is None:
        raise FeatureDisabled(N_("Media requests are switched off on this server."))
    return found


class RequestsPage(GuardedView):
    """Previous/Next buttons over a user's (or everyone's) requests; only the viewer may page."""

    def __init__(
        self, t: Lang, requests: Requests, viewer: int, owner: int | None, open_issues: str = ""
    ) -> None:
        super().__init__(timeout=600)
        self.t, self.requests, self.viewer, self.owner = t, requests, viewer, owner
        self.previous.label = t._("Previous")
        self.next.label = t._("Next")
        self.open_issues = open_issues  # the "Open issues" section shown under every page
        self.page = self.pages = 1
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page <= 1
        self.next.disabled = self.page >= self.pages

    async def render(self) -> discord.Embed:
        rows, self.pages = await self.requests.page(self.owner, self.page, PER_PAGE)
        self._sync()
        embed = requests_embed(self.t, rows, self.owner is None, self.page, self.pages)
        if self.open_issues:
            embed.add_field(name=self.t._("Open issues"), value=self.open_issues, inline=False)
        return embed

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.viewer

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = min(max(1, self.page + step), self.pages)
        await interaction.response.edit_message(embed=await self.render(), view=self)

    @discord.ui.button(label=N_("Previous"), style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label=N_("Next"), style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._turn(interaction, 1)


async def settle_review(
    interaction: discord.Interaction, message: discord.Message | None, what: str
) -> None:
    """Show on the review message who decided what, and remove its buttons."""
    t = server_lang_of(interaction)
    if message:
        done = t._("{what} by {admin}.", what=what, admin=interaction.user.mention)
        text = f"{message.content}\n\n✅ {done}"
    else:
        text = what
    if message is not None and not interaction.response.is_done():
        await interaction.response.edit_message(content=text[:2000], view=None)
    elif message is not None:
        await message.edit(content=text[:2000], view=None)
    else:
        await interaction.response.send_message(
            lang_of(interaction)._("Done: {what}.", what=what), ephemeral=True
        )


def server_lang_of(interaction: discord.Interaction) -> Lang:
    """A message everyone in the channel reads: the server's language."""
    return server_lang(interaction.client, interaction.guild)


class PickTitle(GuardedModal):
    """Asks an admin for the TMDB id (and type) of a request that matched nothing."""

    def __init__(self, t: Lang, request_id: int, message: discord.Message | None) -> None:
        super().__init__(title=t._("Pick the right title"))
        self.tmdb: discord.ui.TextInput[PickTitle] = discord.ui.TextInput(
            label=t._("TMDB id"), custom_id="tmdb", placeholder="438631", max_length=12
        )
        self.kind: discord.ui.TextInput[PickTitle] = discord.ui.TextInput(
            label=t._("Movie or TV?"),
            custom_id="kind",
            placeholder=t._("movie or tv"),
            max_length=5,
        )
        self.add_item(self.tmdb)
        self.add_item(self.kind)
        self.request_id, self.message = request_id, message

    async def on_submit(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        text = str(self.tmdb.value).strip()
        if not text.isdigit():
            raise InvalidInput(N_("The TMDB id must be a number."))
        kind = str(self.kind.value).strip().lower()
        kind = "tv" if kind in ("tv", "show", "series") else kind
        result = await requests_of(interaction).resolve_review(
            self.request_id, int(text), kind, interaction.user.id
        )
        t = server_lang_of(interaction)
        what = t._(
            "resolved as **{label}** ({status})",
            label=result.label_msg,
            status=t._(result.status_text),
        )
        await settle_review(interaction, self.message, what)


class AdminAction(AdminOnly):
    """An admin's button on one request, with the custom id `{prefix}:{action}:{request id}`."""

    prefix: ClassVar[str]

    def __init__(self, action: str, request_id: int) -> None:
        button = discord.ui.Button[Any](custom_id=f"{self.prefix}:{action}:{request_id}")
        super().__init__(button)  # type: ignore[call-arg]  # DynamicItem's, next in the MRO
        self.action, self.request_id = action, request_id


class ReviewButton(
    AdminAction,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"review:(?P<action>pick|decline):(?P<id>\d+)",
):
    """The persistent Pick/Decline buttons on a request that needs review."""

    prefix = "review"

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        if self.action == "pick":
            await interaction.response.send_modal(
                PickTitle(lang_of(interaction), self.request_id, interaction.message)
            )
            return
        await requests_of(interaction).resolve_review(
            self.request_id, None, None, interaction.user.id
        )
        await settle_review(
            interaction, interaction.message, server_lang_of(interaction)._("declined")
        )


class FollowButton(
    Guarded, discord.ui.DynamicItem[discord.ui.Button], template=r"follow:(?P<target>.+)"
):
    """ "Notify me" on media someone else already requested."""

    def __init__(self, target: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"follow:{target}"))
        self.target = target

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        added = await requests_of(interaction).follow_by_id(
            interaction.user.id, f"follow:{self.target}"
        )
        await interaction.response.send_message(
            followed_text(lang_of(interaction), added), ephemeral=True
        )


class UnfollowButton(
    Guarded, discord.ui.DynamicItem[discord.ui.Button], template=r"unfollow:(?P<id>\d+)"
):
    """The Stop button of one subscription in /following."""

    def __init__(self, subscription_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"unfollow:{subscription_id}"))
        self.subscription_id = subscription_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        removed = await requests_of(interaction).unfollow(interaction.user.id, self.subscription_id)
        await interaction.response.send_message(
            unfollowed_text(lang_of(interaction), removed), ephemeral=True
        )


async def decide(
    interaction: discord.Interaction[MediaNest],
    request_id: int,
    approve: bool,
    message: discord.Message | None,
    reason: str | None = None,
) -> None:
    """Approve or decline as this admin, then show the decision on the card."""
    linking = interaction.client.features.get(LinkingService)
    link = await linking.get_link(interaction.user.id) if linking else None
    decision = await requests_of(interaction).decide(
        request_id, approve, interaction.user.id, link.plex_user_id if link else None, reason
    )
    if message is not None:
        text = server_lang_of(interaction).render(decision.card.content)[:2000]
        await interaction.response.edit_message(content=text, view=None)
    else:
        text = lang_of(interaction).render(decision.card.content)[:2000]
        await interaction.response.send_message(text, ephemeral=True)


class DeclineReason(GuardedModal):
    """Asks the admin for an optional reason, shown to the requester."""

    def __init__(self, t: Lang, request_id: int, message: discord.Message | None) -> None:
        super().__init__(title=t._("Decline this request"))
        self.reason: discord.ui.TextInput[DeclineReason] = discord.ui.TextInput(
            label=t._("Reason (optional)"),
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=300,
        )
        self.add_item(self.reason)
        self.request_id, self.message = request_id, message

    async def on_submit(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        reason = str(self.reason.value).strip() or None
        await decide(interaction, self.request_id, False, self.message, reason)


class ApprovalButton(
    AdminAction,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"approval:(?P<action>approve|decline):(?P<id>\d+)",
):
    """Approve / Decline on a pending request's card; admins only."""

    prefix = "approval"

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        if self.action == "approve":
            await decide(interaction, self.request_id, True, interaction.message)
            return
        await interaction.response.send_modal(
            DeclineReason(lang_of(interaction), self.request_id, interaction.message)
        )


PERSISTENT = (ReviewButton, FollowButton, UnfollowButton, ApprovalButton)
