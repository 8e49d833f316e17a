"""The real discord.py client against tests/fakes/discord.py: boot, sync, interactions, REST."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord import FakeDiscord, FakeUser

GENERAL = 3000
ROLE_MEMBER = 4000
TITLES = ["Dune", "Dune: Part Two", "Dunkirk", "Alien"]


class VoteView(discord.ui.View):
    """One button that rewrites the message it sits on."""

    @discord.ui.button(label="Yes", custom_id="vote:yes")
    async def yes(
        self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]
    ) -> None:
        """Edit the message in place (callback type 7)."""
        await interaction.response.edit_message(
            content=f"voted yes by {interaction.user.name}", view=None
        )


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """A modal with one text input."""

    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Text", custom_id="feedback:text"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Thank the user, quoting the text."""
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


@app_commands.command(name="request")
async def request_cmd(interaction: discord.Interaction, title: str, count: int) -> None:
    """Request a title."""
    roles = [r.id for r in getattr(interaction.user, "roles", []) if not r.is_default()]
    await interaction.response.send_message(f"requested {title} x{count} roles={roles}")


@app_commands.command(name="grant")
async def grant_cmd(
    interaction: discord.Interaction,
    member: discord.Member,
    role: discord.Role,
    channel: discord.TextChannel,
    weight: float = 1.0,
    notify: bool = False,
) -> None:
    """Show the resolved user, role and channel options."""
    text = f"{member.name} {role.name} #{channel.name} {weight} {notify}"
    await interaction.response.send_message(text)


@app_commands.command(name="slow")
async def slow_cmd(interaction: discord.Interaction) -> None:
    """Defer, then answer with a followup."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send("slow done", ephemeral=True)


@app_commands.command(name="search")
async def search_cmd(interaction: discord.Interaction, query: str) -> None:
    """Search titles."""
    await interaction.response.send_message(f"picked {query}")


@search_cmd.autocomplete("query")
async def search_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer titles that start with what was typed."""
    return [
        app_commands.Choice(name=t, value=t)
        for t in TITLES
        if t.lower().startswith(current.lower())
    ]


@app_commands.command(name="vote")
async def vote_cmd(interaction: discord.Interaction) -> None:
    """Post a message with a button."""
    await interaction.response.send_message("vote?", view=VoteView())


@app_commands.command(name="dmme")
async def dmme_cmd(interaction: discord.Interaction) -> None:
    """DM the invoker."""
    try:
        await interaction.user.send("hello in private")
    except discord.Forbidden as exc:
        await interaction.response.send_message(f"cannot DM you ({exc.code})", ephemeral=True)
    else:
        await interaction.response.send_message("check your DMs", ephemeral=True)


@app_commands.command(name="feedback")
async def feedback_cmd(interaction: discord.Interaction) -> None:
    """Open the feedback modal."""
    await interaction.response.send_modal(FeedbackModal(custom_id="feedback-modal"))


class DemoBot(commands.Bot):
    """A bot shaped like ours: no privileged intents, quick ready, global sync in setup_hook."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = intents.presences = intents.message_content = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            chunk_guilds_at_startup=False,
            guild_ready_timeout=0.1,
        )
        self.resumed = asyncio.Event()

    async def setup_hook(self) -> None:
        """Register the commands and sync them globally."""
        commands_: list[app_commands.Command[Any, Any, Any]] = [
            request_cmd,
            grant_cmd,
            slow_cmd,
            search_cmd,
            vote_cmd,
            dmme_cmd,
            feedback_cmd,
        ]
        for cmd in commands_:
            self.tree.add_command(cmd)
        await self.tree.sync()

    async def on_resumed(self) -> None:
        """Note the RESUME."""
        self.resumed.set()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    old_base, old_gateway = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    discord.http.Route.BASE = fake.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield fake
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
        await fake.stop()


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[DemoBot]:
    bot = DemoBot()
    runner = asyncio.create_task(bot.start(fake.token))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({runner, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        await bot.close()
        runner.result() if runner.done() else runner.cancel()
        pytest.fail("bot never became ready")
    try:
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(runner, 5)


@pytest.fixture
def alice(fake: FakeDiscord) -> FakeUser:
    return fake.add_user(5001, "alice", roles=[ROLE_MEMBER])


async def test_boot_syncs_commands(fake: FakeDiscord, bot: DemoBot) -> None:
    """The bot logs in, syncs its commands globally and gets the guild from GUILD_CREATE."""
    synced = await fake.wait_commands_synced()
    await fake.wait_ready()
    names = {"request", "grant", "slow", "search", "vote", "dmme", "feedback"}
    assert {c["name"] for c in synced} == names
    assert all(c["id"] and c["application_id"] == "1000" for c in fake.commands())
    assert fake.seen("GET", "/api/v10/users/@me") and fake.seen(
        "GET", "/api/v10/oauth2/applications/@me"
    )
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None and {c.name for c in guild.text_channels} == {
        "general",
        "health",
        "announcements",
    }
    assert guild.default_role.id == fake.guild_id
    assert bot.user is not None and bot.user.id == fake.bot_user_id


async def test_slash_with_typed_options(fake: FakeDiscord, bot: DemoBot, alice: FakeUser) -> None:
    """Options arrive typed, the member carries its roles, the reply lands in the channel."""
    interaction = await fake.slash(alice, "request", {"title": "Dune", "count": 2})
    body = await interaction.response()
    assert body["type"] == 4 and not interaction.ephemeral
    assert body["data"]["content"] == f"requested Dune x2 roles=[{ROLE_MEMBER}]"
    original = await interaction.wait_original()
    assert fake.channel_messages(GENERAL) == [original]
    with pytest.raises(AssertionError, match="is an integer"):
        await fake.slash(alice, "request", {"title": "Dune", "count": "2"})
    with pytest.raises(AssertionError, match="no option 'year'"):
        await fake.slash(alice, "request", {"title": "Dune", "count": 1, "year": 2021})
    with pytest.raises(AssertionError, match="no slash command /nope"):
        await fake.slash(alice, "nope")


async def test_defer_then_followup(fake: FakeDiscord, bot: DemoBot, alice: FakeUser) -> None:
    """A thinking defer is ephemeral; the followup survives a 429 and replaces the thinking."""
    fake.rate_limit("POST", r"^/webhooks/", retry_after=0.1)
    interaction = await fake.slash(alice, "slow")
    body = await interaction.response()
    assert body["type"] == 5 and interaction.ephemeral
    followup = await interaction.wait_followup()
    assert followup["content"] == "slow done"
    assert interaction.original is followup and not followup["flags"] & 128
    assert fake.channel_messages(GENERAL) == []
    assert [e["status"] for e in fake.errors] == [429]


async def test_user_role_channel_options(fake: FakeDiscord, bot: DemoBot, alice: FakeUser) -> None:
    """User, role and channel options carry resolved data that discord.py turns into objects."""
    bob = fake.add_user(5002, "bob")
    options = {"member": bob, "role": ROLE_MEMBER, "channel": 3001, "weight": 2, "notify": True}
    interaction = await fake.slash(alice, "grant", options)
    body = await interaction.response()
    assert body["data"]["content"] == f"bob role-{ROLE_MEMBER} #health 2.0 True"
    with pytest.raises(AssertionError, match="missing required options"):
        await fake.slash(alice, "grant", {"member": bob})


async def test_autocomplete_returns_choices(
    fake: FakeDiscord, bot: DemoBot, alice: FakeUser
) -> None:
    """An autocomplete interaction (type 4) gets the bot's choices (callback type 8)."""
    choices = await fake.autocomplete(alice, "search", {"query": "dun"}, focused="query")
    assert [c["name"] for c in choices] == ["Dune", "Dune: Part Two", "Dunkirk"]


async def test_button_edits_message(fake: FakeDiscord, bot: DemoBot, alice: FakeUser) -> None:
    """Pressing a button dispatches to the View, whose type-7 answer edits the message."""
    interaction = await fake.slash(alice, "vote")
    message = await interaction.wait_original()
    assert message["components"][0]["components"][0]["custom_id"] == "vote:yes"
    press = await fake.click(alice, message, "vote:yes")
    assert (await press.response())["type"] == 7
    assert message["content"] == "voted yes by alice" and message["components"] == []
    assert fake.edits[-1]["message_id"] == int(message["id"])
    with pytest.raises(AssertionError, match="no component"):
        await fake.click(alice, message, "vote:no")


async def test_modal_submit(fake: FakeDiscord, bot: DemoBot, alice: FakeUser) -> None:
    """A modal the bot showed can be submitted and its on_submit gets the typed value."""
    opened = await fake.slash(alice, "feedback")
    assert (await opened.response())["type"] == 9
    assert opened.responses[0]["data"]["custom_id"] == "feedback-modal"
    submitted = await fake.submit_modal(alice, "feedback-modal", {"feedback:text": "great"})
    assert (await submitted.response())["data"]["content"] == "thanks: great"
    assert submitted.ephemeral


async def test_dm_and_slash_in_dm(fake: FakeDiscord, bot: DemoBot, alice: FakeUser) -> None:
    """The bot DMs the invoker over a stable DM channel; a slash command in a DM carries `user`."""
    interaction = await fake.slash(alice, "dmme")
    assert (await interaction.response())["data"]["content"] == "check your DMs"
    assert [m["content"] for m in fake.dms(alice.id)] == ["hello in private"]
    in_dm = await fake.slash(alice, "request", {"title": "Alien", "count": 1}, in_dm=True)
    assert "user" in in_dm.payload and "member" not in in_dm.payload
    assert (await in_dm.response())["data"]["content"] == "requested Alien x1 roles=[]"
    assert int(in_dm.payload["channel_id"]) == fake.dm_channel_id(alice.id)
    assert len(fake.dms(alice.id)) == 2


async def test_dm_to_closed_user_is_forbidden(fake: FakeDiscord, bot: DemoBot) -> None:
    """Sending to a user with closed DMs raises discord.Forbidden with code 50007."""
    bob = fake.add_user(5002, "bob", dms_closed=True)
    user = await bot.fetch_user(bob.id)
    with pytest.raises(discord.Forbidden) as caught:
        await user.send("hi")
    assert caught.value.code == 50007 and caught.value.status == 403
    interaction = await fake.slash(bob, "dmme")
    assert (await interaction.response())["data"]["content"] == "cannot DM you (50007)"
    assert fake.dms(bob.id) == []


async def test_rate_limited_send_is_retried(fake: FakeDiscord, bot: DemoBot) -> None:
    """A 429 on a channel send is retried by discord.py and the message arrives exactly once."""
    fake.rate_limit("POST", r"^/channels/3000/messages$", retry_after=0.2)
    channel = bot.get_channel(GENERAL)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("after the limit")
    assert [m["content"] for m in fake.channel_messages(GENERAL)] == ["after the limit"]
    assert sent.id == int(fake.channel_messages(GENERAL)[0]["id"])
    assert len(fake.seen("POST", "/api/v10/channels/3000/messages")) == 2
    assert [e["status"] for e in fake.errors] == [429]


async def test_file_attachment_is_parsed(fake: FakeDiscord, bot: DemoBot) -> None:
    """A multipart message keeps payload_json fields and the file's name, size and bytes."""
    channel = bot.get_channel(GENERAL)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(
        "report", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="report.csv")
    )
    stored = fake.channel_messages(GENERAL)[0]
    attachment = stored["attachments"][0]
    assert stored["content"] == "report"
    assert attachment["filename"] == "report.csv" and attachment["size"] == 8
    assert attachment["data"] == b"a,b\n1,2\n" and attachment["content_type"]
    assert sent.attachments[0].filename == "report.csv"
    assert await sent.attachments[0].read() == b"a,b\n1,2\n"


async def test_edit_pin_and_limits(fake: FakeDiscord, bot: DemoBot) -> None:
    """Edits are applied and recorded, pins stick, and over-long content is refused with 50035."""
    channel = bot.get_channel(GENERAL)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("first")
    await message.edit(content="second")
    await message.pin()
    stored = fake.channel_messages(GENERAL)[0]
    assert stored["content"] == "second" and stored["pinned"]
    assert fake.edits[0]["payload"]["content"] == "second"
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    assert caught.value.code == 50035


async def test_component_layout_limits_are_refused(fake: FakeDiscord, bot: DemoBot) -> None:
    """Six action rows, or a select sharing its row, are refused with 50035 as Discord does;
    five rows of five buttons are fine."""
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=GENERAL)

    def button(n: int) -> dict[str, Any]:
        return {"type": 2, "style": 2, "label": str(n), "custom_id": f"b{n}"}

    def rows(count: int) -> list[dict[str, Any]]:
        return [
            {"type": 1, "components": [button(r * 5 + i) for i in range(5)]} for r in range(count)
        ]

    await bot.http.request(route, json={"content": "ok", "components": rows(5)})
    select = {"type": 8, "custom_id": "pick", "channel_types": [0]}
    for components in (rows(6), [{"type": 1, "components": [select, button(0)]}]):
        with pytest.raises(discord.HTTPException) as caught:
            await bot.http.request(route, json={"content": "no", "components": components})
        assert caught.value.code == 50035
    assert [m["content"] for m in fake.channel_messages(GENERAL)] == ["ok"]


async def test_second_callback_is_rejected(
    fake: FakeDiscord, bot: DemoBot, alice: FakeUser
) -> None:
    """A second callback on the same interaction gets 400 with code 40060."""
    interaction = await fake.slash(alice, "request", {"title": "Dune", "count": 1})
    await interaction.response()
    url = f"{fake.api_url}/interactions/{interaction.id}/{interaction.token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "again"}}) as r,
    ):
        assert r.status == 400 and r.headers["Content-Type"] == "application/json"
        assert (await r.json())["code"] == 40060


async def test_auth_and_unknown_routes(fake: FakeDiscord) -> None:
    """A wrong token gets 401 (LoginFailure); unknown routes get a recorded 404."""
    client = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        await client.login("wrong-token")
    await client.close()
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{fake.api_url}/nothing/here") as r:
            assert r.status == 404 and await r.json() == {"code": 0, "message": "404: Not Found"}
        async with session.get(
            f"{fake.api_url}/users/@me", headers={"Authorization": "Bot nope"}
        ) as r:
            assert r.status == 401 and (await r.json())["message"] == "401: Unauthorized"
    assert fake.unknown_routes == ["GET /api/v10/nothing/here"]


async def test_gateway_resume(fake: FakeDiscord, bot: DemoBot, alice: FakeUser) -> None:
    """After the fake drops the websocket the client RESUMEs and interactions still work."""
    await fake.disconnect_gateway()
    await fake.wait_resumed()
    await asyncio.wait_for(bot.resumed.wait(), 5)
    interaction = await fake.slash(alice, "request", {"title": "Dune", "count": 3})
    assert (await interaction.response())["data"]["content"].startswith("requested Dune x3")


async def test_guild_sync(fake: FakeDiscord, bot: DemoBot, alice: FakeUser) -> None:
    """A guild sync is stored separately and guild commands are preferred for guild interactions."""
    guild = discord.Object(fake.guild_id)
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    assert {c["name"] for c in fake.commands(fake.guild_id)} >= {"request", "vote"}
    interaction = await fake.slash(alice, "request", {"title": "Dune", "count": 1})
    assert interaction.payload["data"]["guild_id"] == str(fake.guild_id)
    assert (await interaction.response())["type"] == 4
