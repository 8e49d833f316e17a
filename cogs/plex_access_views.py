"""The buttons, library picker and modal of Plex access, on the guarded bases of `components`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.errors import FeatureDisabled
from bot.i18n import N_, Lang, Msg
from bot.i18n.discord import lang_of
from bot.services.plex_access import REQUEST_BUTTON, AccessService, LibraryChoice
from cogs.components import AdminOnly, AdminView, Guarded, GuardedModal

if TYPE_CHECKING:
    from bot.app import MediaNest

Act = Callable[[list[str], int], Awaitable[Msg]]


def access_of(interaction: discord.Interaction[MediaNest]) -> AccessService:
    """The Plex access service; FeatureDisabled when it is off (a stale button, say)."""
    found = interaction.client.features.get(AccessService)
    if found is None:
        raise FeatureDisabled(N_("Plex access from Discord is switched off on this server."))
    return found


async def settle_card(
    interaction: discord.Interaction, card: discord.Message | None, outcome: Msg
) -> None:
    """Show on the admins' card who decided what, and remove its buttons (in their language)."""
    if card is not None:
        t = lang_of(interaction)
        decided = t._(
            "{outcome} by {admin}.", outcome=t.render(outcome), admin=interaction.user.mention
        )
        text = f"{card.content}\n\n{decided}"
        await card.edit(content=text[:2000], view=None)


class LibraryPicker(AdminView):
    """A multi-select of the server's libraries (preselected) and a button that acts on them."""

    def __init__(
        self, t: Lang, choice: LibraryChoice, label: str, act: Act, after: Callable[..., Any]
    ):
        super().__init__(timeout=600)
        self.act, self.after = act, after
        options = [
            discord.SelectOption(
                label=lib.title[:100], value=lib.key, default=lib.key in choice.chosen
            )
            for lib in choice.libraries[:25]
        ]
        self.chosen = [o.value for o in options if o.default]
        select = cast("discord.ui.Select[Any]", self.pick)
        select.options = options or [discord.SelectOption(label=t._("(no libraries)"), value="-")]
        select.max_values = max(1, len(options))
        select.placeholder = t._("Libraries to share")
        self.send.label = t._(label)

    @discord.ui.select(custom_id="plexaccess:libraries")
    async def pick(
        self, interaction: discord.Interaction[MediaNest], select: discord.ui.Select[Any]
    ) -> None:
        self.chosen = list(select.values)
        await interaction.response.defer()

    @discord.ui.button(custom_id="plexaccess:send", style=discord.ButtonStyle.success)
    async def send(
        self, interaction: discord.Interaction[MediaNest], button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.act(self.chosen, interaction.user.id)
        self.stop()
        await interaction.followup.send(lang_of(interaction).render(text), ephemeral=True)
        await self.after(interaction, text)


async def show_picker(
    interaction: discord.Interaction[MediaNest],
    choice: Callable[[], Awaitable[LibraryChoice]],
    label: str,
    act: Act,
    after: Callable[..., Any],
) -> None:
    """Answer with the library picker (deferred first: plex.tv may be slow); `label` is an id."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    picked = await choice()
    t = lang_of(interaction)
    view = LibraryPicker(t, picked, label, act, after)
    await interaction.followup.send(t.render(picked.heading), view=view, ephemeral=True)


async def nothing_after(interaction: discord.Interaction, text: Msg) -> None:
    return None


class RequestButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=REQUEST_BUTTON):
    """Request access, in `/link`'s refusal DM: one pending request per member."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button[Any](custom_id=REQUEST_BUTTON))

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        text = await access_of(interaction).request(interaction.user.id)
        await interaction.response.send_message(lang_of(interaction).render(text), ephemeral=True)


class ApproveButton(
    AdminOnly, discord.ui.DynamicItem[discord.ui.Button], template=r"plexaccess:approve:(\d+)"
):
    """Approve on a request card: pick the libraries, then the invite goes out."""

    def __init__(self, access_id: int) -> None:
        super().__init__(discord.ui.Button[Any](custom_id=f"plexaccess:approve:{access_id}"))
        self.access_id = access_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        access, card = access_of(interaction), interaction.message

        async def act(keys: list[str], admin: int) -> Msg:
            return await access.approve(self.access_id, keys, admin)

        async def after(pressed: discord.Interaction, text: Msg) -> None:
            done = lang_of(pressed).render(text).removesuffix(".")
            await settle_card(pressed, card, Msg("✅ {done}; approved", done=done))

        await show_picker(
            interaction,
            lambda: access.approval_choice(self.access_id),
            N_("Send invite"),
            act,
            after,
        )


class DeclineButton(
    AdminOnly, discord.ui.DynamicItem[discord.ui.Button], template=r"plexaccess:decline:(\d+)"
):
    """Decline on a request card: a modal asks for an optional reason."""

    def __init__(self, access_id: int) -> None:
        super().__init__(discord.ui.Button[Any](custom_id=f"plexaccess:decline:{access_id}"))
        self.access_id = access_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        t = lang_of(interaction)
        await interaction.response.send_modal(DeclineReason(t, self.access_id, interaction.message))


class DeclineReason(GuardedModal):
    """The optional reason the member is told."""

    def __init__(self, t: Lang, access_id: int, card: discord.Message | None) -> None:
        super().__init__(
            title=t._("Decline the request"), custom_id=f"plexaccess:declined:{access_id}"
        )
        self.reason: discord.ui.TextInput[DeclineReason] = discord.ui.TextInput(
            label=t._("Reason (optional, sent to the member)"),
            custom_id="reason",
            required=False,
            max_length=300,
            style=discord.TextStyle.paragraph,
        )
        self.add_item(self.reason)
        self.access_id, self.card = access_id, card

    async def on_submit(self, interaction: discord.Interaction[MediaNest]) -> None:  # type: ignore[override]
        text = await access_of(interaction).decline(
            self.access_id, str(self.reason.value), interaction.user.id
        )
        await interaction.response.send_message(lang_of(interaction).render(text), ephemeral=True)
        await settle_card(interaction, self.card, Msg("❌ Declined"))


class KeepButton(
    AdminOnly, discord.ui.DynamicItem[discord.ui.Button], template=r"plexaccess:keep:(\d+)"
):
    """Keep access, on the notice of a scheduled removal."""

    def __init__(self, access_id: int) -> None:
        super().__init__(discord.ui.Button[Any](custom_id=f"plexaccess:keep:{access_id}"))
        self.access_id = access_id

    async def run(self, interaction: discord.Interaction[MediaNest]) -> None:
        text = await access_of(interaction).keep(self.access_id, interaction.user.id)
        await interaction.response.send_message(lang_of(interaction).render(text), ephemeral=True)
        await settle_card(interaction, interaction.message, Msg("✅ Kept"))


DYNAMIC_ITEMS = (RequestButton, ApproveButton, DeclineButton, KeepButton)
