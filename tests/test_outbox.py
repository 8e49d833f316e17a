"""The outbox delivers through the real discord.py client: retries, dedupe, fallback, restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.services.outbox import Button
from storage.db import database
from storage.models import OutboxMessage, OutboxStatus, TargetKind
from tests.eventually import eventually
from tests.harness import ANNOUNCE, GENERAL, World, bot_running


async def wait_status(key: str, status: OutboxStatus, timeout: float = 5.0) -> OutboxMessage:
    """Wait until the outbox row with this key reaches the status."""

    async def reached() -> OutboxMessage | None:
        row = await OutboxMessage.get_or_none(dedupe_key=key)
        return row if row is not None and row.status is status else None

    return await eventually(reached, timeout)


async def test_dm_is_delivered_and_a_repeated_key_is_not_sent_twice(world: World) -> None:
    """A DM arrives once; queueing the same key again is refused and sends nothing."""
    alice = world.users["alice"]
    async with bot_running(world.settings()) as bot:
        outbox = bot.services.outbox
        assert await outbox.dm("request:1:available", alice.id, "Dune is on Plex!")
        row = await wait_status("request:1:available", OutboxStatus.SENT)
        assert not await outbox.dm("request:1:available", alice.id, "Dune is on Plex!")
        await asyncio.sleep(0.2)
        assert await OutboxMessage.all().count() == 1
    assert [m["content"] for m in world.discord.dms(alice.id)] == ["Dune is on Plex!"]
    assert row.message_id == int(world.discord.dms(alice.id)[0]["id"])


async def test_closed_dms_fall_back_to_the_notify_channel_with_a_mention(world: World) -> None:
    """Error 50007 is not retried: the message goes to NOTIFY_CHANNEL_ID with a mention.

    The member allowed being named in public posts (/notifications), so the text is shown.
    """
    closed = world.users["closed"]
    async with bot_running(world.settings()) as bot:
        panel = await world.discord.slash(closed, "notifications")
        pressed = await world.discord.click(
            closed, await panel.wait_original(), "notify:name_in_public"
        )
        await pressed.response()
        await bot.services.outbox.dm("k1", closed.id, "Your download finished.")
        original = await wait_status("k1", OutboxStatus.REDIRECTED)
        await wait_status("k1:fallback", OutboxStatus.SENT)
    assert original.attempts == 1
    assert world.discord.dms(closed.id) == []
    posted = world.discord.channel_messages(ANNOUNCE)
    assert [m["content"] for m in posted] == [
        f"<@{closed.id}> I couldn't DM you, so here it is: Your download finished."
    ]
    assert [u["id"] for u in posted[0]["mentions"]] == [str(closed.id)]


async def test_closed_dms_without_a_notify_channel_are_marked_undeliverable(world: World) -> None:
    """With no notify channel, a closed-DM message is marked undeliverable, not retried."""
    closed = world.users["closed"]
    async with bot_running(world.settings(notify_channel_id=None)) as bot:
        await bot.services.outbox.dm("k2", closed.id, "hello")
        row = await wait_status("k2", OutboxStatus.UNDELIVERABLE)
    assert row.attempts == 1
    assert row.last_error == "DMs closed"


async def test_a_429_is_waited_out_and_the_post_arrives_once(world: World) -> None:
    """Discord's 429 with retry_after delays the post; it is delivered exactly once."""
    world.discord.rate_limit("POST", rf"/channels/{GENERAL}/messages", retry_after=0.3, times=2)
    async with bot_running(world.settings()) as bot:
        await bot.services.outbox.post("announce:1", GENERAL, "Server maintenance at 9")
        await wait_status("announce:1", OutboxStatus.SENT)
    assert [m["content"] for m in world.discord.channel_messages(GENERAL)] == [
        "Server maintenance at 9"
    ]


async def test_unknown_channel_is_final_not_retried(world: World) -> None:
    """A post to a channel Discord does not know is marked undeliverable after one try."""
    async with bot_running(world.settings()) as bot:
        await bot.services.outbox.post("bad", 999999, "hi")
        row = await wait_status("bad", OutboxStatus.UNDELIVERABLE)
    assert row.attempts == 1


async def wait_attempted(key: str, timeout: float = 5.0) -> OutboxMessage:
    """Wait until the outbox row with this key was tried once and put back for later."""

    async def tried() -> OutboxMessage | None:
        row = await OutboxMessage.get_or_none(dedupe_key=key)
        tried_once = row is not None and row.attempts >= 1
        return row if tried_once and row.status is OutboxStatus.PENDING else None  # type: ignore[union-attr]

    return await eventually(tried, timeout)


async def test_delivery_survives_a_restart(world: World) -> None:
    """A message still pending when the bot stopped is delivered by the next start, once."""
    settings = world.settings()
    world.discord.rate_limit("POST", rf"/channels/{GENERAL}/messages", retry_after=120, times=1)
    async with bot_running(settings) as bot:
        await bot.services.outbox.post("survivor", GENERAL, "still here")
        row = await wait_attempted("survivor")  # Discord said: not for two minutes
    assert world.discord.channel_messages(GENERAL) == []
    assert row.last_error == "rate limited for 120 s"
    async with database(settings.resolved_database_url):  # the two minutes pass
        await OutboxMessage.filter(id=row.id).update(next_attempt_at=datetime.now(UTC))
    async with bot_running(settings):
        await wait_status("survivor", OutboxStatus.SENT)
    assert [m["content"] for m in world.discord.channel_messages(GENERAL)] == ["still here"]


async def test_a_long_429_delays_only_its_own_route(world: World) -> None:
    """A 429 longer than discord.py should wait is handed back: the row waits, others go out."""
    world.discord.rate_limit("POST", rf"/channels/{GENERAL}/messages", retry_after=120, times=1)
    async with bot_running(world.settings()) as bot:
        await bot.services.outbox.post("slow", GENERAL, "later")
        await bot.services.outbox.post("fast", ANNOUNCE, "now")
        await wait_status("fast", OutboxStatus.SENT)
        row = await wait_attempted("slow")
    assert (row.next_attempt_at - datetime.now(UTC)).total_seconds() > 100
    assert world.discord.channel_messages(GENERAL) == []


async def test_discord_5xx_is_retried_without_holding_up_other_targets(world: World) -> None:
    """A route answering 503 is retried until it works; another channel's post is not held."""
    world.discord.outage("POST", rf"/channels/{GENERAL}/messages", status=503, times=2)
    async with bot_running(world.settings()) as bot:
        await bot.services.outbox.post("flaky", GENERAL, "eventually")
        await bot.services.outbox.post("other", ANNOUNCE, "right away")
        other = await wait_status("other", OutboxStatus.SENT)
        flaky = await wait_status("flaky", OutboxStatus.SENT, timeout=20)
    assert other.sent_at is not None and flaky.sent_at is not None
    assert other.sent_at < flaky.sent_at
    assert [m["content"] for m in world.discord.channel_messages(GENERAL)] == ["eventually"]
    assert [e["status"] for e in world.discord.errors] == [503, 503]


async def test_rows_left_by_a_crashed_process_are_delivered(world: World) -> None:
    """Rows written by an earlier process (as after a crash) are picked up at start."""
    settings = world.settings()
    async with database(settings.resolved_database_url):
        await OutboxMessage.create(
            dedupe_key="old",
            target_kind=TargetKind.CHANNEL,
            target_id=GENERAL,
            content="from before",
            status=OutboxStatus.PENDING,
            next_attempt_at=datetime.now(UTC),
        )
    async with bot_running(settings):
        await wait_status("old", OutboxStatus.SENT)
    assert [m["content"] for m in world.discord.channel_messages(GENERAL)] == ["from before"]


async def test_buttons_are_posted_with_the_message(world: World) -> None:
    """Buttons queued with a message arrive as components: custom-id ones and link ones."""
    async with bot_running(world.settings()) as bot:
        buttons = [
            Button("Approve", custom_id="review:approve:7", style="success"),
            Button("Open in Overseerr", url="http://overseerr.local/requests/7"),
        ]
        await bot.services.outbox.post("review:7", GENERAL, "Review needed", buttons=buttons)
        await wait_status("review:7", OutboxStatus.SENT)
    row = world.discord.channel_messages(GENERAL)[0]["components"][0]["components"]
    assert [(b["label"], b.get("custom_id"), b.get("url")) for b in row] == [
        ("Approve", "review:approve:7", None),
        ("Open in Overseerr", None, "http://overseerr.local/requests/7"),
    ]
    assert row[0]["style"] == 3


async def test_a_crash_after_discord_accepted_does_not_post_twice(world: World) -> None:
    """If the bot dies after Discord took a message but before saving that, it is not reposted."""
    settings = world.settings()
    async with bot_running(settings) as bot:
        await bot.services.outbox.post("once", GENERAL, "exactly once")
        sent = await wait_status("once", OutboxStatus.SENT)
        # As if the process died before recording the delivery:
        await OutboxMessage.filter(id=sent.id).update(status=OutboxStatus.PENDING, message_id=None)
    async with bot_running(settings):
        again = await wait_status("once", OutboxStatus.SENT)
    assert [m["content"] for m in world.discord.channel_messages(GENERAL)] == ["exactly once"]
    assert again.message_id == sent.message_id
