"""DiscordMentions against the fake Overseerr, Jellyseerr and Seerr, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.clients.overseerr import BadAnswer, OverseerrClient
from bot.clients.overseerr.server import OverseerrServer, identify, server
from bot.services.overseerr_identity import DiscordMentions
from bot.services.requests.accounts import Accounts
from storage.models import MentionState, OverseerrMention, PlexLink
from tests.fakes.overseerr import FakeOverseerr

KEY = "overseerr-key"
ALICE, BOB = 180000000000000001, 180000000000000002  # Discord ids
ALICE_PLEX, BOB_PLEX, NOBODY_PLEX = 2002, 3003, 9009
OTHER_ID = "190000000000000009"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOverseerr]:
    """A fake Overseerr with Alice (a pushover key set) and Bob."""
    server = FakeOverseerr(api_key=KEY)
    server.add_user(2, plex_id=ALICE_PLEX, plex_username="alice")
    server.users[2]["settings"]["pushoverUserKey"] = "alice-pushover"
    server.add_user(3, plex_id=BOB_PLEX, plex_username="bob")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(fake: FakeOverseerr) -> AsyncIterator[OverseerrClient]:
    async with aiohttp.ClientSession() as http:
        yield OverseerrClient(http, fake.url, KEY, timeout=2)


@pytest.fixture
async def mentions(db: str, client: OverseerrClient) -> DiscordMentions:
    return DiscordMentions(client, Accounts(client))


async def state(discord_id: int) -> MentionState | None:
    row = await OverseerrMention.get_or_none(discord_id=discord_id)
    return row.state if row else None


async def test_link_writes_the_id_and_unlink_removes_it(
    fake: FakeOverseerr, mentions: DiscordMentions
) -> None:
    """On link the id lands in discordId, other settings kept; unlink clears it again."""
    await mentions.linked(ALICE, ALICE_PLEX)
    assert fake.discord_ids(2) == [str(ALICE)]
    assert fake.users[2]["settings"]["pushoverUserKey"] == "alice-pushover"
    assert await state(ALICE) == MentionState.WRITTEN
    assert (await mentions.describe(ALICE, ALICE_PLEX)).english() == "mention as you"
    await mentions.unlinked(ALICE)
    assert fake.discord_ids(2) == []
    assert fake.users[2]["settings"]["pushoverUserKey"] == "alice-pushover"
    assert await OverseerrMention.all().count() == 0


async def test_a_different_id_is_never_overwritten(
    fake: FakeOverseerr, mentions: DiscordMentions
) -> None:
    """A user's own different id stays, /account names it, and unlink leaves it."""
    fake.set_discord_ids(2, [OTHER_ID])
    await mentions.linked(ALICE, ALICE_PLEX)
    assert fake.discord_ids(2) == [OTHER_ID]
    assert await state(ALICE) == MentionState.OTHER
    text = (await mentions.describe(ALICE, ALICE_PLEX)).english()
    assert text == (
        f"Overseerr has a different Discord id set ({OTHER_ID}): change it in "
        "Overseerr → your profile → Notifications"
    )
    await mentions.unlinked(ALICE)
    assert fake.discord_ids(2) == [OTHER_ID]


async def test_an_id_cleared_in_overseerr_is_written_at_the_next_account(
    fake: FakeOverseerr, mentions: DiscordMentions
) -> None:
    """Once the user clears their other id, /account looks again and writes ours."""
    fake.set_discord_ids(2, [OTHER_ID])
    await mentions.linked(ALICE, ALICE_PLEX)
    fake.set_discord_ids(2, [])
    assert (await mentions.describe(ALICE, ALICE_PLEX)).english() == "mention as you"
    assert fake.discord_ids(2) == [str(ALICE)]


async def test_an_id_the_member_set_themselves_stays_on_unlink(
    fake: FakeOverseerr, mentions: DiscordMentions
) -> None:
    """Our own id already there was not written by us, so unlink does not remove it."""
    fake.set_discord_ids(2, [str(ALICE)])
    await mentions.linked(ALICE, ALICE_PLEX)
    assert await state(ALICE) == MentionState.ALREADY
    await mentions.unlinked(ALICE)
    assert fake.discord_ids(2) == [str(ALICE)]


async def test_an_outage_at_link_and_unlink_is_retried_by_the_job(
    fake: FakeOverseerr, mentions: DiscordMentions
) -> None:
    """Overseerr down: the add waits in the table, the job writes it; the same for removal."""
    fake.fail_next("*", "/api/v1/user", 503, times=10)
    await mentions.linked(ALICE, ALICE_PLEX)
    row = await OverseerrMention.get(discord_id=ALICE)
    assert row.state == MentionState.ADD and row.last_error
    assert fake.discord_ids(2) == []
    assert await mentions.sync_pending() == 0  # still down
    fake._failures.clear()
    assert await mentions.sync_pending() == 1
    assert fake.discord_ids(2) == [str(ALICE)]
    fake.fail_next("*", "/api/v1/user", 503, times=10)
    await mentions.unlinked(ALICE)
    assert await state(ALICE) == MentionState.REMOVE
    fake._failures.clear()
    assert await mentions.sync_pending() == 1
    assert fake.discord_ids(2) == []
    assert await OverseerrMention.all().count() == 0


async def test_seerr_lists_keep_the_other_ids(
    fake: FakeOverseerr, mentions: DiscordMentions
) -> None:
    """Seerr 3.3 keeps a list: ours goes beside the user's own, and unlink takes only ours."""
    fake.use_server("seerr", "3.3.0", discord_ids=True)
    fake.set_discord_ids(2, [OTHER_ID])
    await mentions.linked(ALICE, ALICE_PLEX)
    assert fake.discord_ids(2) == [OTHER_ID, str(ALICE)]
    assert "discordId" not in fake.users[2]["settings"]
    assert (await mentions.describe(ALICE, ALICE_PLEX)).english() == "mention as you"
    await mentions.unlinked(ALICE)
    assert fake.discord_ids(2) == [OTHER_ID]


async def test_a_malformed_id_from_overseerr_writes_nothing(
    fake: FakeOverseerr, mentions: DiscordMentions, client: OverseerrClient
) -> None:
    """A discordId that is no Discord id is a clear message in /account and nothing is written."""
    fake.users[2]["settings"]["discordId"] = "alice#1234"
    await mentions.linked(ALICE, ALICE_PLEX)
    assert await state(ALICE) == MentionState.ADD
    assert fake.users[2]["settings"]["discordId"] == "alice#1234"
    text = (await mentions.describe(ALICE, ALICE_PLEX)).english()
    assert text.startswith("not set: Overseerr sent notification settings I couldn't read")
    assert "discordId" in text
    with pytest.raises(BadAnswer):
        from bot.clients.overseerr.server import discord_setting

        await discord_setting(client, 2, OverseerrServer("Overseerr", "1.33.2"))


async def test_no_overseerr_account_waits(mentions: DiscordMentions) -> None:
    """A Plex account Overseerr doesn't know yet: nothing written, /account says why."""
    await mentions.linked(BOB, NOBODY_PLEX)
    assert await state(BOB) == MentionState.ADD
    assert (
        await mentions.describe(BOB, NOBODY_PLEX)
    ).english() == "not set: you have no Overseerr account yet"


async def test_relinking_another_plex_account_moves_the_id(
    fake: FakeOverseerr, mentions: DiscordMentions
) -> None:
    """Linking a different Plex account removes our id from the old Overseerr user."""
    await mentions.linked(ALICE, ALICE_PLEX)
    await mentions.linked(ALICE, BOB_PLEX)
    assert fake.discord_ids(2) == []
    assert fake.discord_ids(3) == [str(ALICE)]


async def test_links_made_before_the_feature_are_backfilled(
    fake: FakeOverseerr, mentions: DiscordMentions
) -> None:
    """The job gives every existing link without a row its id in Overseerr."""
    from storage.models import Member, Role

    member = await Member.create(discord_id=BOB)
    await PlexLink.create(
        member=member,
        plex_user_id=BOB_PLEX,
        plex_username="bob",
        role=Role.USER,
        token_encrypted="x",
        linked_at=member.created_at,
        verified_at=member.created_at,
    )
    assert await mentions.sync_pending() == 1
    assert fake.discord_ids(3) == [str(BOB)]


@pytest.mark.parametrize(
    ("kind", "version", "expected", "as_list"),
    [
        ("overseerr", "1.33.2", "Overseerr 1.33.2", False),
        ("jellyseerr", "2.7.3", "Jellyseerr 2.7.3", False),
        ("seerr", "3.1.0", "Seerr 3.1.0", False),
        ("seerr", "3.3.0", "Seerr 3.3.0", True),
        ("seerr", "develop-local", "Seerr develop-local", True),
    ],
)
async def test_server_is_told_apart(
    fake: FakeOverseerr,
    client: OverseerrClient,
    kind: str,
    version: str,
    expected: str,
    as_list: bool,
) -> None:
    """/status and /settings/public tell Overseerr, Jellyseerr and Seerr apart, with the version."""
    fake.use_server(kind, version, discord_ids=as_list)
    found = await server(client)
    assert str(found) == expected
    assert found.discord_ids_list is as_list


def test_identify_without_a_media_server_type_is_overseerr() -> None:
    """No mediaServerType means Overseerr, whatever its version says."""
    assert identify("develop-abc", None) == OverseerrServer("Overseerr", "develop-abc")
    assert identify("v2.1.0", 1).kind == "Jellyseerr"


async def test_a_slow_overseerr_leaves_the_add_to_the_job(
    fake: FakeOverseerr, client: OverseerrClient, db: str
) -> None:
    """Overseerr slower than the timeout: the link goes on, the add waits for the job."""
    mentions = DiscordMentions(client, Accounts(client), timeout=0.2)
    fake.fail_next("*", "/api/v1/user", 503, times=1, delay=1.0)
    await mentions.linked(ALICE, ALICE_PLEX)
    row = await OverseerrMention.get(discord_id=ALICE)
    assert row.state == MentionState.ADD
    assert row.last_error == "Overseerr: no answer within 0.2 s"
    await asyncio.sleep(1.0)  # let the fake's delayed answer go
    assert await mentions.sync_pending() == 1
    assert fake.discord_ids(2) == [str(ALICE)]
