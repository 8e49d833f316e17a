"""Channel permissions as Discord computes them: roles, then the channel overwrites."""

from __future__ import annotations

from bot.services.discord_checks import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    HEALTH,
    POSTING,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    base_permissions,
    channel_permissions,
    missing_names,
)

GUILD, BOT, ROLE, OTHER_ROLE = 1, 10, 20, 21


def guild(everyone: int = POSTING, role: int = 0, owner: int = 99) -> dict[str, object]:
    roles = [
        {"id": str(GUILD), "permissions": str(everyone)},
        {"id": str(ROLE), "permissions": str(role)},
        {"id": str(OTHER_ROLE), "permissions": "0"},
    ]
    return {"id": str(GUILD), "owner_id": str(owner), "roles": roles}


def overwrite(target: int, kind: int, allow: int = 0, deny: int = 0) -> dict[str, object]:
    return {"id": str(target), "type": kind, "allow": str(allow), "deny": str(deny)}


def test_the_owner_and_administrators_have_every_permission() -> None:
    """The guild owner, and a member whose role has Administrator, get all permissions."""
    assert base_permissions(guild(everyone=0, owner=BOT), [], BOT) == ALL_PERMISSIONS
    assert base_permissions(guild(everyone=0, role=ADMINISTRATOR), [ROLE], BOT) == ALL_PERMISSIONS
    hidden = {"permission_overwrites": [overwrite(GUILD, 0, deny=VIEW_CHANNEL)]}
    assert channel_permissions(ALL_PERMISSIONS, hidden, GUILD, [ROLE], BOT) == ALL_PERMISSIONS


def test_a_role_allow_beats_an_everyone_deny_and_a_member_deny_beats_both() -> None:
    """Overwrites apply in order: @everyone, then the member's roles together, then the member."""
    base = base_permissions(guild(), [ROLE], BOT)
    channel = {
        "permission_overwrites": [
            overwrite(GUILD, 0, deny=SEND_MESSAGES | ATTACH_FILES),
            overwrite(ROLE, 0, allow=SEND_MESSAGES),
            overwrite(OTHER_ROLE, 0, allow=ATTACH_FILES),  # not the bot's role
        ]
    }
    have = channel_permissions(base, channel, GUILD, [ROLE], BOT)
    assert missing_names(have, POSTING) == ["Attach Files"]
    channel["permission_overwrites"].append(overwrite(BOT, 1, deny=SEND_MESSAGES))  # type: ignore[attr-defined]
    have = channel_permissions(base, channel, GUILD, [ROLE], BOT)
    assert missing_names(have, POSTING) == ["Send Messages", "Attach Files"]


def test_a_channel_the_bot_cannot_view_grants_nothing() -> None:
    """Without View Channel every other permission is missing too, as Discord treats it."""
    channel = {"permission_overwrites": [overwrite(GUILD, 0, deny=VIEW_CHANNEL)]}
    have = channel_permissions(base_permissions(guild(), [], BOT), channel, GUILD, [], BOT)
    assert have == 0
    assert missing_names(have, HEALTH)[-1] == "Pin Messages"
