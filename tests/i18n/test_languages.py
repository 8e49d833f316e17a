"""Each member in their own language, end to end through the fake Discord.

Replies follow the member's Discord locale (or the language they picked, which wins), a DM
sent later follows the locale stored at their last interaction, and a channel post follows
the server's language.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

import aiohttp
import pytest
from discord import app_commands

from bot.errors import RATE_TEXTS
from bot.i18n import language
from bot.tree import APOLOGY
from cogs.notifications import INTRO, LABELS
from storage.models import MemberLanguage
from tests.cogs.test_new_on_plex import NEW, announcements, dune_arrives, libraries, posts
from tests.cogs.test_requests import DUNE, catalogue, wait_dms
from tests.harness import HEALTH, World, bot_running, link_member, plex_people

# Discord's locale for each shipped language, and the name /link has there.
DISCORD = {"de": "de", "fr": "fr", "es": "es-ES", "nl": "nl", "pt_BR": "pt-BR"}
MATRIX = 603
LINK = {"de": "verknüpfen", "fr": "lier", "es": "vincular", "nl": "koppelen", "pt_BR": "vincular"}


def before(text: str) -> str:
    """A text up to its first placeholder (for texts that end in a time or an id)."""
    return text.split("{", 1)[0]


def help_text(reply: dict[str, Any]) -> str:
    return str(reply["data"]["embeds"][0]["description"])


@pytest.mark.parametrize("code", sorted(DISCORD))
async def test_a_member_is_answered_dmed_and_posted_to_in_their_language(
    world: World, code: str
) -> None:
    """/help, a /request reply, a rate-limit refusal, an error id, a later DM and a post."""
    t = language(code)
    bob = world.users["bob"]
    bob.locale = world.discord.guild_locale = DISCORD[code]
    people = plex_people(world)
    catalogue(world)
    libraries(world)
    world.overseerr.add_movie(MATRIX, "The Matrix", 1999)
    settings = world.settings(rate_limit_request="1/hour", announce_channel_id=NEW)
    async with bot_running(settings) as bot:
        assert await announcements(bot).check() == 0  # Plex as it is: nothing to announce
        synced = {c["name"]: c for c in world.discord.commands(world.discord.guild_id)}
        assert synced["link"]["name_localizations"][DISCORD[code]] == LINK[code]
        assert synced["link"]["description_localizations"][DISCORD[code]] == t._(
            "Link your Plex account so you can request media and more."
        )

        shown = help_text(await (await world.discord.slash(bob, "help")).response())
        assert shown.startswith(t._("Here's what I can do for you:"))
        assert shown != language("en")._("Here's what I can do for you:")
        assert f"`/{LINK[code]}` — " in shown

        await link_member(world, bot, "bob", people.friend)  # a DM sent later, not a reply
        [linked] = await wait_dms(world, "bob", 1)
        role = t._("member")
        assert linked == t._(
            "You're linked to Plex as **{name}** ({role}). "
            "Run `/account` to see your link, or `/unlink` to remove it.",
            name="friend",
            role=role,
        )

        asked = await world.discord.slash(bob, "request", {"title": f"movie:{DUNE}"})
        pending = t._(
            "Requested **{label}**. It's waiting for an admin to approve it; "
            "I'll DM you when it's on Plex.",
            label="Dune (2021)",
        )
        await asked.wait_original(lambda m: m["content"] == pending)

        again = await world.discord.slash(bob, "request", {"title": f"movie:{MATRIX}"})
        refused = (await again.wait_followup())["content"]
        assert refused.startswith(before(t._(RATE_TEXTS["requests"])))

        await dune_arrives(world, bot)
        [post] = await posts(world, NEW, 1)  # New on Plex, in the server's language
        [button] = post["components"][0]["components"]
        assert button["label"] == t._("Watch on Plex") != "Watch on Plex"
        dms = await wait_dms(world, "bob", 2)
        assert dms[1] == t._("**{name}** is now on Plex. Enjoy!", name="Dune (2021)")

        await add_failing_command(bot)
        crashed = await world.discord.slash(bob, "explode")
        content = (await crashed.response())["data"]["content"]
        assert content.startswith(before(t._(APOLOGY)))
        assert "**" in content and content != APOLOGY


async def add_failing_command(bot: Any) -> None:
    @app_commands.command(name="explode")
    async def explode(interaction: Any) -> None:
        """Fail on purpose."""
        raise RuntimeError("kaboom")

    bot.tree.add_command(explode)
    await bot.sync_commands()


async def test_the_language_a_member_picks_wins_over_discords(world: World) -> None:
    """A French Discord app, German picked in /notifications: replies and DMs come in German."""
    bob = world.users["bob"]
    bob.locale = "fr"
    de, fr = language("de"), language("fr")
    people = plex_people(world)
    catalogue(world)
    async with bot_running(world.settings()) as bot:
        opened = await world.discord.slash(bob, "notifications")
        assert (await opened.response())["data"]["content"].startswith(fr._(INTRO))
        panel = opened.original
        assert panel is not None
        picked = await world.discord.click(bob, panel, "notify:language", values=["de"])
        redrawn = (await picked.response())["data"]["content"]
        assert redrawn.startswith(de._(INTRO))
        on = de._("{label}: **{state}**", label=de._(LABELS["followed_media"]), state=de._("on"))
        assert on == "Medien, die ich verfolge: **an**" and on in redrawn
        assert (await MemberLanguage.get(discord_id=bob.id)).chosen == "de"  # stored at once
        await bot.services.languages.flush()
        stored = await MemberLanguage.get(discord_id=bob.id)
        assert (stored.chosen, stored.seen) == ("de", "fr")

        shown = help_text(await (await world.discord.slash(bob, "help")).response())
        assert shown.startswith(de._("Here's what I can do for you:"))

        await link_member(world, bot, "bob", people.friend)
        [linked] = await wait_dms(world, "bob", 1)
        assert linked.startswith(
            before(
                de._(
                    "You're linked to Plex as **{name}** ({role}). "
                    "Run `/account` to see your link, or `/unlink` to remove it."
                )
            )
        )

        back = await world.discord.slash(bob, "notifications")
        await back.response()
        assert back.original is not None
        auto = await world.discord.click(bob, back.original, "notify:language", values=["auto"])
        assert (await auto.response())["data"]["content"].startswith(fr._(INTRO))
        assert (await MemberLanguage.get(discord_id=bob.id)).chosen is None


async def test_an_unsupported_discord_locale_gets_english(world: World) -> None:
    """Thai has no catalog: /help answers in English, without an error."""
    alice = world.users["alice"]
    alice.locale = "th"
    async with bot_running(world.settings()) as bot:
        shown = help_text(await (await world.discord.slash(alice, "help")).response())
        assert shown.startswith("Here's what I can do for you:")
        assert "`/help` — Show what MediaNest can do for you." in shown
        await bot.services.languages.flush()
        assert (await MemberLanguage.get(discord_id=alice.id)).seen == "th"


async def test_default_locale_sets_the_language_of_channel_posts(world: World) -> None:
    """DEFAULT_LOCALE=nl: a post in the channel is Dutch though the server says en-US."""
    bob = world.users["bob"]
    people = plex_people(world)
    catalogue(world)
    libraries(world)
    async with bot_running(world.settings(default_locale="nl", announce_channel_id=NEW)) as bot:
        assert await announcements(bot).check() == 0
        await link_member(world, bot, "bob", people.friend)
        await wait_dms(world, "bob", 1)
        asked = await world.discord.slash(bob, "request", {"title": f"movie:{DUNE}"})
        await asked.wait_original(lambda m: "Requested" in m["content"])  # bob's app is English
        await dune_arrives(world, bot)
        [post] = await posts(world, NEW, 1)
        [button] = post["components"][0]["components"]
        assert button["label"] == "Kijk op Plex"


@pytest.mark.parametrize(
    ("header", "code", "title"),
    [
        ("de-DE,de;q=0.9,en;q=0.5", "de", "Dieser Link funktioniert nicht"),
        ("pt-BR", "pt-BR", "Este link não funciona"),
        ("th", "en", "This link doesn't work"),
    ],
)
async def test_link_pages_follow_accept_language(
    world: World, header: str, code: str, title: str
) -> None:
    """The sign-in pages answer in the browser's language (English when none fits)."""
    plex_people(world)
    async with bot_running(world.settings()) as bot:
        url = f"http://127.0.0.1:{bot.web_port}/link/not-a-state"
        headers = {"Accept-Language": header, "Accept": "text/html"}
        async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as resp:
            page = await resp.text()
        assert resp.status == 400
        assert f"<h1>{html.escape(title)}</h1>" in page
        assert f'<html lang="{code}">' in page


async def test_the_locale_is_stored_by_the_job_and_only_when_it_changed(world: World) -> None:
    """Replies write nothing; the flush stores a new or changed Discord locale, once."""
    alice = world.users["alice"]
    async with bot_running(world.settings()) as bot:
        languages = bot.services.languages
        for _ in range(3):
            await (await world.discord.slash(alice, "help")).response()
        assert await MemberLanguage.filter(discord_id=alice.id).count() == 0
        await languages.flush()
        assert (await MemberLanguage.get(discord_id=alice.id)).seen == "en-US"
        await (await world.discord.slash(alice, "help")).response()
        assert languages.unsaved == {}  # unchanged: nothing to write
        alice.locale = "es-419"
        shown = help_text(await (await world.discord.slash(alice, "help")).response())
        assert shown.startswith("Esto es lo que puedo hacer por ti:")
        assert languages.unsaved == {alice.id: "es-419"}
        await languages.flush()
        assert (await MemberLanguage.get(discord_id=alice.id)).seen == "es-419"
        assert await MemberLanguage.filter(discord_id=alice.id).count() == 1


async def test_autocomplete_tags_are_in_the_members_language(world: World) -> None:
    """/request's suggestions say "Film · Verfügbar" to a German member."""
    bob = world.users["bob"]
    bob.locale = "de"
    catalogue(world)
    async with bot_running(world.settings()):
        choices = await world.discord.autocomplete(
            bob, "request", {"title": "dune"}, focused="title"
        )
        names = {c["name"] for c in choices}
        assert "Dune: Part Two (2024) · Film · Verfügbar" in names
        assert "Dune (2021) · Film" in names


async def test_approval_cards_are_posted_and_edited_in_the_servers_language(world: World) -> None:
    """A French server: the card, its buttons and the decision it shows read in French."""
    world.discord.guild_locale = "fr"
    fr = language("fr")
    people = plex_people(world)
    catalogue(world)
    async with bot_running(world.settings()) as bot:
        await link_member(world, bot, "bob", people.friend)
        await link_member(world, bot, "admin", people.owner)
        asked = await world.discord.slash(world.users["bob"], "request", {"title": f"movie:{DUNE}"})
        await asked.wait_original(lambda m: "Requested" in m["content"])  # bob's app: English
        [overseerr_id] = world.overseerr.media_requests
        approve = f"approval:approve:{overseerr_id}"

        def card() -> dict[str, Any] | None:
            return next(
                (
                    m
                    for m in world.discord.channel_messages(HEALTH)
                    if approve in str(m.get("components")) or str(overseerr_id) in m["content"]
                ),
                None,
            )

        async with asyncio.timeout(5):
            while card() is None:
                await asyncio.sleep(0.02)
        posted = card()
        assert posted is not None
        assert posted["content"].startswith("**Dune (2021)** (film) a été demandé par <@")
        labels = [c["label"] for row in posted["components"] for c in row["components"]]
        assert labels == [fr._("Approve"), fr._("Decline")] == ["Approuver", "Refuser"]

        pressed = await world.discord.click(world.users["admin"], posted, approve)
        edited = (await pressed.response())["data"]["content"]
        assert "\n\n✅ Approuvée par <@" in edited
