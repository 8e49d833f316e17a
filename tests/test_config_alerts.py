"""The alert settings (issue 25): time zone, thresholds and reminders, and what they build."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import ConfigError, load_settings
from bot.container import alert_policy


def test_defaults_keep_todays_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset: UTC, 3 failures to alert, 2 successes to recover, a reminder every 30 minutes."""
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.delenv("SERVER_TIMEZONE", raising=False)
    settings = load_settings(discord_token="t")
    assert settings.zone.key == "UTC"
    policy = alert_policy(settings)
    assert (policy.fail_after, policy.recover_after) == (3, 2)
    assert policy.remind_every == timedelta(minutes=30)


def test_timezone_falls_back_to_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    """Docker's TZ is read when SERVER_TIMEZONE is not set; SERVER_TIMEZONE wins over it.

    Not TIMEZONE, which tortoise-orm sets to UTC in os.environ when a database opens.
    """
    monkeypatch.setenv("TIMEZONE", "UTC")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert load_settings(discord_token="t").zone.key == "Europe/Berlin"
    monkeypatch.setenv("SERVER_TIMEZONE", "America/New_York")
    assert load_settings(discord_token="t").zone.key == "America/New_York"


def test_bad_alert_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown zone, a reminder under 5 minutes and a zero threshold each get one line."""
    monkeypatch.setenv("SERVER_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("HEALTH_REMIND_HOURS", "0.01")
    monkeypatch.setenv("HEALTH_FAIL_AFTER", "0")
    with pytest.raises(ConfigError) as caught:
        load_settings(discord_token="t")
    assert sorted(caught.value.problems) == [
        "HEALTH_FAIL_AFTER: Input should be greater than or equal to 1",
        "HEALTH_REMIND_HOURS: expected 0 (no reminders) or at least 0.0833 (5 minutes)",
        "SERVER_TIMEZONE: unknown time zone: expected a name such as Europe/Berlin",
    ]


def test_zero_reminder_hours_switch_reminders_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """HEALTH_REMIND_HOURS=0 means one alert per outage and no reminders (Gatus's 0)."""
    monkeypatch.setenv("HEALTH_REMIND_HOURS", "0")
    monkeypatch.setenv("HEALTH_FAIL_AFTER", "1")
    policy = alert_policy(load_settings(discord_token="t"))
    assert policy.remind_every is None and policy.fail_after == 1
