"""/account and /unlink with the member's Discord id in Overseerr, through the real bot."""

from __future__ import annotations

from bot.services.overseerr_identity import DiscordMentions
from tests.harness import World, bot_running, link_member, plex_people

OTHER_ID = "190000000000000009"


async def account_fields(world: World, user_key: str) -> dict[str, str]:
    """Run /account as the user and return its embed's fields by name."""
    reply = await (await world.discord.slash(world.users[user_key], "account")).response()
    return {f["name"]: f["value"] for f in reply["data"]["embeds"][0]["fields"]}


async def test_link_writes_the_id_and_account_says_so(world: World) -> None:
    """Linking puts the member's id in Overseerr, /account says so, /unlink takes it out."""
    people = plex_people(world)
    world.overseerr.add_user(5, plex_id=people.friend.id, plex_username="friend")
    async with bot_running(world.settings()) as bot:
        await link_member(world, bot, "bob", people.friend)
        bob = str(world.users["bob"].id)
        assert world.overseerr.discord_ids(5) == [bob]
        fields = await account_fields(world, "bob")
        assert fields["Overseerr notifications"] == "mention as you"
        reply = await (await world.discord.slash(world.users["bob"], "unlink")).response()
        assert reply["data"]["content"].startswith("Your Plex account is unlinked")
        assert world.overseerr.discord_ids(5) == []


async def test_account_names_a_different_id(world: World) -> None:
    """A different id set in Overseerr is left alone and /account says how to change it."""
    people = plex_people(world)
    world.overseerr.add_user(5, plex_id=people.friend.id, plex_username="friend")
    world.overseerr.set_discord_ids(5, [OTHER_ID])
    async with bot_running(world.settings()) as bot:
        await link_member(world, bot, "bob", people.friend)
        fields = await account_fields(world, "bob")
        assert fields["Overseerr notifications"] == (
            f"Overseerr has a different Discord id set ({OTHER_ID}): change it in "
            "Overseerr → your profile → Notifications"
        )
        assert world.overseerr.discord_ids(5) == [OTHER_ID]


async def test_account_with_overseerr_down_says_it_waits(world: World) -> None:
    """With Overseerr down at link and at /account, the add waits and /account says so."""
    people = plex_people(world)
    world.overseerr.add_user(5, plex_id=people.friend.id, plex_username="friend")
    async with bot_running(world.settings()) as bot:
        world.overseerr.fail_next("*", "/api/v1/user", 503, times=20)
        await link_member(world, bot, "bob", people.friend)
        fields = await account_fields(world, "bob")
        assert "isn't answering" in fields["Overseerr user"]
        assert fields["Overseerr notifications"] == (
            "not set yet: I'll add it when Overseerr answers again"
        )
        world.overseerr._failures.clear()
        assert bot.features.get(DiscordMentions) is not None
        assert await bot.features.get(DiscordMentions).sync_pending() == 1
        assert world.overseerr.discord_ids(5) == [str(world.users["bob"].id)]
