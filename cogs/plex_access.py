"""/admin invite and /admin access …, the Request/Approve/Decline/Keep buttons, the access round.

Thin: the work is `AccessService`'s; the components live in `plex_access_views`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_, Msg
from bot.i18n.discord import lang_of
from bot.services.plex_access import AccessService, InviteDraft, LibraryChoice
from cogs.checks import requires_admin
from cogs.help import ADMIN_ONLY
from cogs.plex_access_views import DYNAMIC_ITEMS, access_of, nothing_after, show_picker

if TYPE_CHECKING:
    from bot.app import MediaNest

log = logging.getLogger(__name__)
SYNC_JOB = "plex-access-sync"
SYNC_MINUTES = 2
ROLES_JOB = "plex-access-roles"
ROLES_MINUTES = 5
ACTIONS = {  # the record's actions, as the admins read them
    "requested": N_("requested"),
    "invited": N_("invited"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "libraries": N_("libraries"),
    "warned": N_("warned"),
    "scheduled": N_("scheduled"),
    "restored": N_("restored"),
    "kept": N_("kept"),
    "removed": N_("removed"),
}


@app_commands.command(name="invite", extras={ADMIN_ONLY: True})
@app_commands.describe(
    member=N_("Who to invite"),
    plex=N_("Their Plex username or email (not needed when they linked Plex)"),
    expires=N_("How long the access lasts, e.g. 30d (none: it lasts)"),
)
@requires_admin()
async def invite_command(
    interaction: discord.Interaction[MediaNest],
    member: discord.User,
    plex: app_commands.Range[str, 1, 255] | None = None,
    expires: app_commands.Range[str, 1, 8] | None = None,
) -> None:
    """Invite a member to the Plex server, with the libraries you pick."""
    access = access_of(interaction)
    draft: InviteDraft | None = None

    async def choice() -> LibraryChoice:
        nonlocal draft
        draft = await access.draft(member.id, plex, expires)
        return draft.choice

    async def act(keys: list[str], admin: int) -> Msg:
        assert draft is not None
        return await access.invite(draft, keys, admin)

    await show_picker(interaction, choice, N_("Send invite"), act, nothing_after)


access_group = app_commands.Group(
    name="access", description=N_("Plex access: libraries, removals, the record")
)


@access_group.command(name="libraries", extras={ADMIN_ONLY: True})
@app_commands.describe(member=N_("Whose libraries to see and change"))
@requires_admin()
async def libraries_command(
    interaction: discord.Interaction[MediaNest], member: discord.User
) -> None:
    """See and change the Plex libraries shared with a member."""
    access = access_of(interaction)

    async def act(keys: list[str], admin: int) -> Msg:
        return await access.change_libraries(member.id, keys, admin)

    await show_picker(
        interaction, lambda: access.library_choice(member.id), N_("Save"), act, nothing_after
    )


@access_group.command(name="settings", extras={ADMIN_ONLY: True})
@app_commands.describe(role=N_("Members with this role get Plex access (role-based access)"))
@requires_admin()
async def settings_command(
    interaction: discord.Interaction[MediaNest], role: discord.Role | None = None
) -> None:
    """Pick the libraries an approval preselects, and the Plex access role."""
    access = access_of(interaction)
    if role is not None:
        everyone = interaction.guild.id if interaction.guild else 0
        text = await access.choose_role(role.id, everyone)
        await interaction.response.send_message(lang_of(interaction).render(text), ephemeral=True)
        return

    async def act(keys: list[str], admin: int) -> Msg:
        return await access.choose_defaults(keys)

    await show_picker(interaction, access.settings_choice, N_("Save"), act, nothing_after)


@access_group.command(name="preview", extras={ADMIN_ONLY: True})
@requires_admin()
async def preview_command(interaction: discord.Interaction[MediaNest]) -> None:
    """List who would lose Plex access, why and when; removes nobody."""
    found = await access_of(interaction).preview()
    t = lang_of(interaction)
    lines = [
        f"<@{r.discord_id}> ({r.plex_username}): {t._(r.why)} <t:{int(r.when.timestamp())}:R>"
        for r in found
    ]
    text = "\n".join(lines) if lines else t._("Nobody would lose Plex access.")
    await interaction.response.send_message(text[:2000], ephemeral=True)


@access_group.command(name="record", extras={ADMIN_ONLY: True})
@requires_admin()
async def record_command(interaction: discord.Interaction[MediaNest]) -> None:
    """The latest changes to Plex access: who did what to whom, when."""
    events = await access_of(interaction).history()
    t = lang_of(interaction)
    lines = []
    for e in events:
        libraries = f" ({', '.join(e.library_titles)})" if e.library_titles else ""
        detail = f": {t._(e.detail)}" if e.detail else ""  # a reason the bot gave is a message id
        line = t._(
            "{when} {action} {member} ({name}){libraries} by {who}",
            when=f"<t:{int(e.created_at.timestamp())}:g>",
            action=t._(ACTIONS.get(e.action, e.action)),
            member=f"<@{e.discord_id}>",
            name=e.plex_username,
            libraries=libraries,
            who=f"<@{e.actor_id}>" if e.actor_id else t._("the bot"),
        )
        lines.append(line + detail)
    text = "\n".join(lines) if lines else t._("No changes to Plex access yet.")
    await interaction.response.send_message(text[:2000], ephemeral=True)


class PlexAccessCog(commands.Cog):
    """Adds the access commands under /admin, the persistent buttons and the access round."""

    def __init__(self, bot: MediaNest, access: AccessService) -> None:
        self.bot = bot
        self.access = access

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        admin = self.bot.tree.get_command("admin")
        if isinstance(admin, app_commands.Group):
            admin.add_command(invite_command, override=True)
            admin.add_command(access_group, override=True)
        else:
            log.warning("plex access: no /admin group to add /admin invite to")
        self.bot.jobs.every(SYNC_JOB, self.access.sync, minutes=SYNC_MINUTES)
        self.bot.jobs.every(ROLES_JOB, self.roles_round, minutes=ROLES_MINUTES)

    async def cog_unload(self) -> None:
        self.bot.jobs.remove(ROLES_JOB)
        self.bot.jobs.remove(SYNC_JOB)
        admin = self.bot.tree.get_command("admin")
        if isinstance(admin, app_commands.Group):
            admin.remove_command("invite")
            admin.remove_command("access")
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    async def roles_round(self) -> int:
        """With PLEX_ACCESS_ROLE_ID: look at each member the feature knows; returns the changes.

        A member Discord does not know (404) has left: a clear state. Any other Discord error
        stops the round (the job records it), so a failed call never removes anyone.
        """
        role_id = await self.access.role_id()
        guild_id = self.bot.settings.discord_guild_id
        guild = self.bot.get_guild(guild_id) if guild_id else next(iter(self.bot.guilds), None)
        if not role_id or guild is None:
            return 0
        changed = 0
        for discord_id in await self.access.role_members():
            try:
                member: discord.Member | None = await guild.fetch_member(discord_id)
            except discord.NotFound:
                member = None
            roles = [r.id for r in member.roles] if member is not None else []
            admin = await self.bot.services.access.is_admin(discord_id, roles, guild.owner_id)
            outcome = await self.access.observe_role(
                discord_id, holds=role_id in roles, present=member is not None, admin=admin
            )
            changed += outcome != "nothing"
        return changed


async def setup(bot: MediaNest) -> None:
    """On with Plex linking and the owner's PLEX_TOKEN: requests, invites, the access round."""
    from bot.clients.plex_sharing import PlexSharing
    from bot.services.linking import LinkingService
    from bot.services.plex_access import build_plex_access

    core = bot.services
    linking = bot.features.get(LinkingService)
    if linking is None or core.plextv is None or core.settings.plex_token is None:
        return
    sharing = PlexSharing(core.settings.plex_token.get_secret_value(), core.plextv.client_id)
    access = build_plex_access(
        core.settings,
        sharing,
        linking.machine_id,
        linking,
        linking.cipher,
        core.outbox,
        lambda: core.places.approval_channel,
    )
    bot.features.add(access)
    await bot.add_cog(PlexAccessCog(bot, access))
