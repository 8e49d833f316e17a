"""Access that ends: one DM per loss of access, whatever the daily re-verification does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import MediaNest
from bot.services.linking import LinkingService
from storage.models import AccessState, OutboxMessage, PlexAccess
from tests.cogs.test_plex_access import LINKED, access, approve, bot, dms, people, request_access
from tests.harness import BOB_ID, PlexPeople, World

__all__ = ["bot", "people"]  # the fixtures, shared with test_plex_access
ENDED = "Your access to the Plex server has ended (expired). Ask an admin if that's a mistake."
UNLINKED = "Your Plex link was removed"


def linking(bot: MediaNest) -> LinkingService:
    found = bot.features.get(LinkingService)
    assert found is not None
    return found


async def bob_linked_with_expiry(world: World, bot: MediaNest, people: PlexPeople) -> PlexAccess:
    """Bob requests, is approved, accepts (linked as user); his access then gets an expiry."""
    found = await request_access(world, bot, people)
    await approve(world, found, ["1"])
    world.plextv.accept_invite(people.stranger)
    assert await access(bot).sync() == 1
    assert (await dms(world, "bob", 3))[2]["content"] == LINKED
    row = await PlexAccess.get(discord_id=BOB_ID, state=AccessState.ACCEPTED)
    await PlexAccess.filter(id=row.id).update(expires_at=datetime.now(UTC) + timedelta(days=1))
    assert await access(bot).sync() == 1  # the warning
    await PlexAccess.filter(id=row.id).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    return row


async def decided_for_bob() -> list[str]:
    """Every DM the bot decided to send Bob (the outbox: delivered or still waiting)."""
    rows = await OutboxMessage.filter(target_id=BOB_ID).order_by("id")
    return [r.content for r in rows]


async def test_expired_access_is_told_once_and_reverify_stays_quiet(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """Expiry removes a linked member's access with one DM; the daily re-verification
    that follows finds no link left and sends nothing (it used to DM "link removed")."""
    row = await bob_linked_with_expiry(world, bot, people)
    assert await access(bot).sync() == 1  # removed from plex.tv
    assert world.plextv.share_of(people.stranger) is None
    assert await linking(bot).get_link(BOB_ID) is None
    assert await linking(bot).reverify_all() == 0
    assert await linking(bot).reverify(BOB_ID) is False  # what a command's check does
    texts = [m["content"] for m in await dms(world, "bob", 5)]
    assert texts[4] == ENDED
    assert await decided_for_bob() == texts  # nothing else waits to go out
    assert (await PlexAccess.get(id=row.id)).state == AccessState.REMOVED
    assert not [t for t in texts if t.startswith(UNLINKED)]


async def test_access_gone_from_plex_first_is_told_once_by_reverify(
    world: World, bot: MediaNest, people: PlexPeople
) -> None:
    """The share vanished on plex.tv before the expiry: the re-verification tells the
    member (one DM), and the expiry round then closes the access without a second DM."""
    row = await bob_linked_with_expiry(world, bot, people)
    share = world.plextv.share_of(people.stranger)
    assert share is not None
    del world.plextv.shares[share.id]  # the admin removed the friend in Plex's own settings
    world.plextv._drop_shared_resources(people.stranger.id, {share.machine_identifier})
    assert await linking(bot).reverify_all() == 1
    assert await access(bot).sync() == 1
    assert (await PlexAccess.get(id=row.id)).state == AccessState.REMOVED
    texts = [m["content"] for m in await dms(world, "bob", 5)]
    assert await decided_for_bob() == texts
    assert texts[4].startswith(UNLINKED)
    assert ENDED not in texts
