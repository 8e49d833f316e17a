"""The fake Discord's members intent against the real discord.py client: 4014, chunks, events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest

from tests.fakes.discord import FakeDiscord
from tests.test_fake_discord import fake

__all__ = ["fake"]  # the fixture, shared with test_fake_discord
ROLE = 4242


class Watcher(discord.Client):
    """A plain client that notes the member events discord.py dispatches."""

    def __init__(self, *, members: bool) -> None:
        intents = discord.Intents.default()
        intents.presences = intents.message_content = False
        intents.members = members
        super().__init__(intents=intents, guild_ready_timeout=0.1)
        self.seen: list[tuple[str, int]] = []
        self.changed = asyncio.Event()

    def note(self, event: str, member: discord.Member) -> None:
        self.seen.append((event, member.id))
        self.changed.set()

    async def on_member_join(self, member: discord.Member) -> None:
        self.note("join", member)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        self.note("update", after)

    async def on_member_remove(self, member: discord.Member) -> None:
        self.note("remove", member)

    async def on_guild_role_create(self, role: discord.Role) -> None:
        self.seen.append(("role", role.id))
        self.changed.set()

    async def next_event(self) -> tuple[str, int]:
        await asyncio.wait_for(self.changed.wait(), 5)
        self.changed.clear()
        return self.seen[-1]


async def started(fake: FakeDiscord, client: Watcher) -> asyncio.Task[None]:
    """Start the client and wait for on_ready (after its start-up chunking, if any)."""
    runner = asyncio.create_task(client.start(fake.token))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({runner, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        await client.close()
        runner.result() if runner.done() else runner.cancel()
        pytest.fail("the client never became ready")
    return runner


@pytest.fixture
async def crowd(fake: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    """A guild of 1,500 members besides the bot: two member chunks."""
    for n in range(1500):
        fake.add_user(10_000 + n, f"member{n:04d}", roles=[ROLE] if n % 500 == 0 else [])
    yield fake


async def test_portal_refusing_the_intent_closes_with_4014(fake: FakeDiscord) -> None:
    """Asking for GUILD_MEMBERS the portal does not allow: 4014, PrivilegedIntentsRequired."""
    client = Watcher(members=True)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start(fake.token), 10)
    await client.close()
    [identify] = [p for p in fake.gateway_received if p["op"] == 2]
    assert identify["d"]["intents"] & 1 << 1
    assert not fake.members_intent


async def test_chunks_at_start_then_member_events_keep_the_cache(crowd: FakeDiscord) -> None:
    """With the intent, discord.py chunks the guild (two chunks of at most 1,000), and
    GUILD_MEMBER_ADD/UPDATE/REMOVE keep its member cache right."""
    crowd.allow_members_intent()
    client = Watcher(members=True)
    runner = await started(crowd, client)
    try:
        guild = client.get_guild(crowd.guild_id)
        assert guild is not None and guild.chunked
        assert guild.member_count == len(guild.members) == 1501
        [request] = crowd.chunk_requests
        assert request["query"] == "" and request["limit"] == 0 and request["nonce"]
        role = guild.get_role(ROLE)
        assert role is not None and len(role.members) == 3
        await crowd.member_joins(777, "newcomer", roles=[ROLE])
        assert await client.next_event() == ("join", 777)
        await crowd.member_roles(10_000, [])
        assert await client.next_event() == ("update", 10_000)
        await crowd.member_leaves(10_500)
        assert await client.next_event() == ("remove", 10_500)
        assert sorted(m.id for m in role.members) == [777, 11_000]
        assert guild.chunked and guild.get_member(10_500) is None
        found = await guild.query_members(user_ids=[777, 999_999])
        assert [m.id for m in found] == [777]
    finally:
        await client.close()
        await asyncio.wait_for(runner, 5)


async def test_without_the_intent_no_member_events_and_no_chunks(fake: FakeDiscord) -> None:
    """Without GUILD_MEMBERS Discord sends no member events; the cache knows nobody."""
    fake.allow_members_intent()  # allowed in the portal, but not asked for
    client = Watcher(members=False)
    runner = await started(fake, client)
    try:
        await fake.member_joins(777, "newcomer", roles=[ROLE])
        await fake.member_roles(777, [])
        marker = fake.add_role(9999, "marker")  # GUILD_ROLE_CREATE goes out with the next event
        await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(fake.guild_id), "role": marker})
        while await client.next_event() != ("role", 9999):
            pass  # the role member_joins made (4242) comes first
        assert client.seen == [("role", ROLE), ("role", 9999)]  # and nothing about members
        guild = client.get_guild(fake.guild_id)
        assert guild is not None and guild.get_member(777) is None
        assert fake.chunk_requests == [] and not fake.members_intent
    finally:
        await client.close()
        await asyncio.wait_for(runner, 5)
