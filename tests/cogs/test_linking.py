"""Plex linking end to end: /link in Discord, the browser's trip through Plex, the DM, /account."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from cogs.link import LINK_POLL_SECONDS
from storage.models import OutboxMessage, OutboxStatus, PlexLink
from tests.browser import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    Browser,
    Shown,
    chromium_path,
    headless_chromium,
    png_size,
)
from tests.eventually import eventually, outbox_drained
from tests.fakes.plex import PlexAccount
from tests.harness import World, bot_running, free_port, plex_people


async def start_link(world: World, user_key: str) -> str:
    """Run /link as that user and return the URL of the "Sign in with Plex" button."""
    interaction = await world.discord.slash(world.users[user_key], "link")
    followup = await interaction.wait_followup()
    assert interaction.ephemeral
    assert followup["content"].startswith("Sign in with Plex to link your account.")
    button = followup["components"][0]["components"][0]
    assert button["label"] == "Sign in with Plex"
    return str(button["url"])


async def browse(url: str) -> tuple[int, str, str | None]:
    """A browser's GET without following redirects: (status, text, Location)."""
    async with aiohttp.ClientSession() as http, http.get(url, allow_redirects=False) as resp:
        return resp.status, html.unescape(await resp.text()), resp.headers.get("Location")


async def sign_in(world: World, button_url: str, account: PlexAccount) -> tuple[int, str]:
    """Follow the button to Plex, sign in there as `account`, and come back to the callback."""
    status, _, location = await browse(button_url)
    assert status == 302 and location is not None
    assert location.startswith("https://app.plex.tv/auth/#!?")
    query = parse_qs(urlsplit(location).fragment.split("?", 1)[1])
    world.plextv.authorize_pin(query["code"][0], account)
    status, text, _ = await browse(query["forwardUrl"][0])
    return status, text


async def wait_dm(world: World, user_key: str, count: int = 1) -> list[str]:
    user = world.users[user_key]
    await eventually(lambda: len(world.discord.dms(user.id)) >= count)
    return [m["content"] for m in world.discord.dms(user.id)]


@pytest.fixture
def public_settings(world: World):  # type: ignore[no-untyped-def]
    port = free_port()
    return world.settings(web_port=port, public_url=f"http://127.0.0.1:{port}")


async def test_owner_links_as_admin_through_the_browser(world: World, public_settings) -> None:  # type: ignore[no-untyped-def]
    """The server owner signs in; the page says linked, a DM confirms, /account shows admin."""
    people = plex_people(world)
    async with bot_running(public_settings) as bot:
        url = await start_link(world, "alice")
        assert url.startswith(f"{public_settings.public_url}/link/")
        status, page = await sign_in(world, url, people.owner)
        assert status == 200
        assert "Linked as owner. You can close this tab and go back to Discord." in page
        dms = await wait_dm(world, "alice")
        assert "owner" in dms[0]
        account = await world.discord.slash(world.users["alice"], "account")
        fields = (await account.response())["data"]["embeds"][0]["fields"]
        assert {f["name"]: f["value"] for f in fields}["Role"] == "Admin"
        assert await bot.services.access.is_admin(world.users["alice"].id)


async def test_shared_user_links_as_user(world: World, public_settings) -> None:  # type: ignore[no-untyped-def]
    """A friend the server is shared with is linked as a plain user, not an admin."""
    people = plex_people(world)
    async with bot_running(public_settings) as bot:
        status, page = await sign_in(world, await start_link(world, "bob"), people.friend)
        assert status == 200 and "Linked as friend." in page
        link = await PlexLink.get(member__discord_id=world.users["bob"].id)
        assert link.role.value == "user"
        assert not await bot.services.access.is_admin(world.users["bob"].id)


async def test_stranger_is_refused_with_a_page_and_a_dm(world: World, public_settings) -> None:  # type: ignore[no-untyped-def]
    """A Plex account without access is refused; page and DM offer Request access; no link."""
    people = plex_people(world)
    async with bot_running(public_settings):
        status, page = await sign_in(world, await start_link(world, "bob"), people.stranger)
        assert status == 403
        assert (
            "the Plex account “stranger” doesn't have access to our Plex server. "
            "Press Request access in my DM to ask the admins for it." in page
        )
        dms = await wait_dm(world, "bob")
        assert dms == [
            "I couldn't link your Plex account: the Plex account **stranger** doesn't have "
            "access to our Plex server. Press Request access to ask the admins for it."
        ]
        [dm] = world.discord.dms(world.users["bob"].id)
        assert dm["components"][0]["components"][0]["label"] == "Request access"
        assert await PlexLink.all().count() == 0


async def test_reused_and_forged_states_link_nothing(world: World, public_settings) -> None:  # type: ignore[no-untyped-def]
    """After a link, replaying its callback or inventing a state gives an error page."""
    people = plex_people(world)
    base = public_settings.public_url
    async with bot_running(public_settings):
        url = await start_link(world, "bob")
        status, _ = await sign_in(world, url, people.friend)
        assert status == 200
        state = url.rsplit("/", 1)[1]
        replay_status, replay, _ = await browse(f"{base}/plex/callback?state={state}")
        assert replay_status == 400 and "already been used" in replay
        forged_status, forged, _ = await browse(f"{base}/plex/callback?state=forged-state")
        assert forged_status == 400 and "isn't valid any more" in forged
        link_status, _, _ = await browse(f"{base}/link/forged-state")
        assert link_status == 400
        assert await PlexLink.all().count() == 1


async def test_polling_links_when_the_callback_never_arrives(world: World) -> None:
    """Without PUBLIC_URL the button goes straight to Plex and the scheduled PIN poll links it."""
    people = plex_people(world)
    async with bot_running(world.settings()) as bot:
        assert bot.services.settings.public_url is None
        url = await start_link(world, "bob")
        assert url.startswith("https://app.plex.tv/auth/#!?") and "forwardUrl" not in url
        code = parse_qs(urlsplit(url).fragment.split("?", 1)[1])["code"][0]
        world.plextv.authorize_pin(code, people.friend)
        # the link-poll job, nothing else
        await eventually(PlexLink.exists, timeout=LINK_POLL_SECONDS * 3)
        dms = await wait_dm(world, "bob")
        assert "friend" in dms[0]
        await outbox_drained()
        assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 1


async def test_unlink_forgets_the_link(world: World, public_settings) -> None:  # type: ignore[no-untyped-def]
    """/unlink removes the link and the token; a second /unlink says there is none."""
    people = plex_people(world)
    async with bot_running(public_settings):
        await sign_in(world, await start_link(world, "bob"), people.friend)
        first = await (await world.discord.slash(world.users["bob"], "unlink")).response()
        assert first["data"]["content"].startswith("Your Plex account is unlinked")
        second = await (await world.discord.slash(world.users["bob"], "unlink")).response()
        assert second["data"]["content"] == "You have no Plex account linked."
        assert await PlexLink.all().count() == 0


async def test_pages_are_rate_limited_per_address(world: World, public_settings) -> None:  # type: ignore[no-untyped-def]
    """Hammering the link pages from one address gets 429 with Retry-After."""
    async with bot_running(public_settings):
        url = f"{public_settings.public_url}/plex/callback?state=x"
        async with aiohttp.ClientSession() as http:
            statuses = []
            for _ in range(25):
                async with http.get(url) as resp:
                    statuses.append(resp.status)
                    retry_after = resp.headers.get("Retry-After")
        assert statuses[:20] == [400] * 20
        assert statuses[20:] == [429] * 5
        assert retry_after is not None and 1 <= int(retry_after) <= 61


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for this file's browser tests; its PNGs from earlier runs go."""
    executable = chromium_path()
    if executable is None:
        pytest.fail("these tests need headless Chromium: apt-get install chromium")
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    with headless_chromium(executable) as running:
        yield running


def assert_member_reads(shown: Shown, *lines: str) -> None:
    """Every line is in the visible text at both window sizes, the card fits, the PNGs are real."""
    for size, (width, height) in (("phone", PHONE), ("desktop", DESKTOP)):
        for line in lines:
            assert line in shown.text[size], (size, shown.text[size])
        assert shown.fits[size], f"the page overflows a {size} window: {shown.pngs[size]}"
        assert png_size(shown.pngs[size]) == (width, height)


async def browser_sign_in(world: World, user_key: str, account: PlexAccount) -> str:
    """/link, then Plex authorizes `account`; returns the callback URL Plex sends the browser to."""
    _, _, location = await browse(await start_link(world, user_key))
    assert location is not None
    query = parse_qs(urlsplit(location).fragment.split("?", 1)[1])
    world.plextv.authorize_pin(query["code"][0], account)
    return query["forwardUrl"][0]


async def test_browser_shows_the_linked_page(
    world: World, public_settings, browser: Browser
) -> None:  # type: ignore[no-untyped-def]
    """Headless Chromium shows "Linked!" and "Linked as friend." on a phone and a desktop."""
    people = plex_people(world)
    async with bot_running(public_settings), browser.tab() as tab:
        shown = await tab.show(await browser_sign_in(world, "bob", people.friend), "linked")
        assert_member_reads(
            shown, "Linked!", "Linked as friend. You can close this tab and go back to Discord."
        )
        assert await PlexLink.filter(plex_username="friend").count() == 1


async def test_browser_shows_the_refusal_page(
    world: World, public_settings, browser: Browser
) -> None:  # type: ignore[no-untyped-def]
    """A stranger's browser shows why the account can't be linked and what to do next."""
    people = plex_people(world)
    async with bot_running(public_settings), browser.tab() as tab:
        shown = await tab.show(await browser_sign_in(world, "bob", people.stranger), "refused")
        assert_member_reads(
            shown,
            "This Plex account can't be linked",
            "the Plex account “stranger” doesn't have access to our Plex server.",
            "Press Request access in my DM to ask the admins for it.",
        )
        assert await PlexLink.all().count() == 0


async def test_browser_shows_the_expired_link_pages(
    world: World, public_settings, browser: Browser
) -> None:  # type: ignore[no-untyped-def]
    """An expired button link, and Plex's return after expiry, both tell to run /link again."""
    from storage.models import LinkAttempt

    plex_people(world)
    async with bot_running(public_settings), browser.tab() as tab:
        button = await start_link(world, "bob")
        await LinkAttempt.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        again = "This sign-in link isn't valid any more. Run /link in Discord to get a new one."
        assert_member_reads(
            await tab.show(button, "expired-button"), "This link doesn't work", again
        )
        state = button.rsplit("/", 1)[1]
        callback = f"{public_settings.public_url}/plex/callback?state={state}"
        assert_member_reads(
            await tab.show(callback, "expired-callback"), "Linking didn't work", again
        )
        assert await PlexLink.all().count() == 0


async def test_plex_tv_outage_during_callback_keeps_the_attempt_usable(
    world: World, public_settings
) -> None:  # type: ignore[no-untyped-def]
    """plex.tv down at the callback gives a clear 503 page; reloading after it is back links."""
    people = plex_people(world)
    async with bot_running(public_settings):
        _, _, location = await browse(await start_link(world, "bob"))
        assert location is not None
        query = parse_qs(urlsplit(location).fragment.split("?", 1)[1])
        world.plextv.authorize_pin(query["code"][0], people.friend)
        await world.plextv.stop()
        status, page, _ = await browse(query["forwardUrl"][0])
        assert status == 503
        assert "Plex didn't answer just now. Reload this page in a minute to try again." in page
        assert await PlexLink.all().count() == 0
        await world.plextv.start()
        status, page, _ = await browse(query["forwardUrl"][0])
        assert status == 200 and "Linked as friend." in page


async def test_expired_sign_in_link_shows_an_error_page(world: World, public_settings) -> None:  # type: ignore[no-untyped-def]
    """A sign-in link past its expiry gives an error page and links nothing."""
    from storage.models import LinkAttempt

    plex_people(world)
    async with bot_running(public_settings):
        url = await start_link(world, "bob")
        await LinkAttempt.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        status, page, _ = await browse(url)
        assert status == 400
        assert "Run /link in Discord to get a new one." in page
        assert await PlexLink.all().count() == 0
