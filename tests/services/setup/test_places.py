"""The places /setup stores: kept in the database, the environment wins, read by services."""

from __future__ import annotations

import aiohttp
import pytest

from bot.config import load_settings
from bot.container import build_services
from bot.services.downloads.notices import Notices
from bot.services.issues import IssueTracker
from bot.services.requests import RequestOptions
from bot.services.requests.bundle import wire_requests
from bot.services.setup import Places, SetByEnvironment
from storage.models import KeyValue


def settings(tmp_path, **values):  # type: ignore[no-untyped-def]
    return load_settings(discord_token="t", data_dir=tmp_path, **values)


async def test_a_choice_is_stored_and_read_back_by_a_new_instance(db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Stored under setup.<name>; a second Places (a restart) loads the same value."""
    env = settings(tmp_path)
    await Places(env).choose("approval_channel_id", 3005)
    await Places(env).choose("approval_channel_id", 3006)  # an update, not a second row
    assert await KeyValue.filter(key="setup.approval_channel_id").values_list(
        "value", flat=True
    ) == ["3006"]
    later = Places(env)
    await later.load()
    assert later.value("approval_channel_id") == 3006
    assert later.applied_to(env).approval_channel_id == 3006
    assert later.choice("approval_channel_id").locked_by is None


async def test_an_environment_value_wins_and_cannot_be_changed(db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """HEALTH_CHANNEL_ID set: the stored value is ignored; choosing is refused, nothing written."""
    await KeyValue.create(key="setup.health_channel_id", value="3009")
    places = Places(settings(tmp_path, health_channel_id=3001))
    await places.load()
    assert places.value("health_channel_id") == 3001
    assert places.choice("health_channel_id").locked_by == "HEALTH_CHANNEL_ID"
    with pytest.raises(SetByEnvironment) as refused:
        await places.choose("health_channel_id", 3002)
    assert refused.value.message == (
        "This is set by HEALTH_CHANNEL_ID in the bot's environment; change it there."
    )
    assert await KeyValue.get(key="setup.health_channel_id").values_list("value", flat=True) == (
        "3009"
    )


async def test_choosing_none_forgets(db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """None removes the row and the value."""
    places = Places(settings(tmp_path))
    await places.choose("admin_role_id", 4000)
    await places.choose("admin_role_id", None)
    assert places.value("admin_role_id") is None
    assert await KeyValue.filter(key="setup.admin_role_id").count() == 0


async def test_a_choice_reaches_every_service_that_posts(db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One choice is read by the outbox, health, requests, issues, downloads and access."""
    env = settings(
        tmp_path,
        plex_url="http://127.0.0.1:9",
        plex_token="x",
        overseerr_url="http://127.0.0.1:9",
        overseerr_api_key="k",
        youtube_download_dir=tmp_path / "yt",
    )
    async with aiohttp.ClientSession() as http:
        services = build_services(env, http)
        assert services.overseerr and services.plex
        requests = wire_requests(  # the parts, to see each read the channel it posts to
            services.overseerr,
            services.outbox,
            services.limiter,
            services.places,
            RequestOptions(rate="5/hour"),
        )
        issues = IssueTracker(
            services.overseerr, services.outbox, requests.accounts.user, services.places
        )
        downloads = Notices(services.outbox, services.places)
        try:
            for name, value in [
                ("health_channel_id", 11),
                ("approval_channel_id", 12),
                ("notify_channel_id", 13),
                ("admin_role_id", 14),
            ]:
                await services.places.choose(name, value)
            assert services.places.applied_to(env).health_channel_id == 11
            assert services.health.channel_id == 11
            assert services.outbox.notify_channel_id == 13
            assert services.places.announce_channel == 13  # New on Plex, read when it posts
            assert requests.reviews.channel_id == 11
            assert requests.cards.channel_id == 12
            assert issues.approval_channel_id == 12
            assert (downloads.notify_channel_id, downloads.health_channel_id) == (13, 11)
            assert await services.access.is_admin(99, [14])
            await services.places.choose("approval_channel_id", None)
            # approval cards fall back to the health channel
            assert requests.cards.channel_id == 11 and issues.approval_channel_id == 11
            for name, value in [
                ("announce_channel_id", 21),
                ("dm_fallback_channel_id", 22),
                ("issues_channel_id", 23),
                ("youtube_channel_id", 24),
                ("alerts_channel_id", 25),
            ]:
                await services.places.choose(name, value)
            # each kind's own channel, from the next message on
            assert services.places.announce_channel == 21
            assert services.outbox.notify_channel_id == 22
            assert issues.approval_channel_id == 23
            assert downloads.notify_channel_id == 24
            assert services.health.channel_id == downloads.health_channel_id == 25
            assert requests.reviews.channel_id == 11 and requests.cards.channel_id == 11
        finally:
            services.close()
