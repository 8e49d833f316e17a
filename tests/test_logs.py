"""Logging: one line per event, JSON on request, correlation ids, secrets never shown."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import SecretFilter, correlation_id, secret_filter, setup_logging


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Route the root handler set up by setup_logging into a buffer, restoring it after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_secrets = list(secret_filter.secrets)
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    secret_filter.secrets[:] = saved_secrets


def use_buffer(buffer: io.StringIO) -> None:
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)


def test_json_lines_carry_the_correlation_id(captured: io.StringIO) -> None:
    """With LOG_FORMAT=json every record is one JSON object, with the correlation id if any."""
    setup_logging("INFO", "json")
    use_buffer(captured)
    token = correlation_id.set("ABCD1234")
    try:
        logging.getLogger("bot.test").info("request %s saved", 12)
    finally:
        correlation_id.reset(token)
    logging.getLogger("bot.test").warning("no id here")
    first, second = (json.loads(line) for line in captured.getvalue().splitlines())
    assert first["message"] == "request 12 saved"
    assert first["correlation_id"] == "ABCD1234"
    assert first["level"] == "INFO" and first["logger"] == "bot.test"
    assert "correlation_id" not in second


def test_text_lines_end_with_the_correlation_id(captured: io.StringIO) -> None:
    """Text logs show the correlation id at the end of the line."""
    setup_logging("INFO", "text")
    use_buffer(captured)
    token = correlation_id.set("FEEDBEEF")
    try:
        logging.getLogger("bot.test").error("boom")
    finally:
        correlation_id.reset(token)
    assert captured.getvalue().rstrip().endswith("bot.test: boom [cid=FEEDBEEF]")


def test_configured_secrets_and_token_parameters_are_masked(captured: io.StringIO) -> None:
    """Known secrets and token-looking URL parameters never reach the log."""
    setup_logging("INFO", "text", ["discord-bot-token-xyz", None])
    use_buffer(captured)
    log = logging.getLogger("bot.test")
    log.info("login with %s", "discord-bot-token-xyz")
    log.info("GET http://plex:32400/library?X-Plex-Token=abcdef123456&x=1")
    log.info("headers X-Api-Key: overseerr-key-999")
    text = captured.getvalue()
    assert "discord-bot-token-xyz" not in text
    assert "abcdef123456" not in text and "overseerr-key-999" not in text
    assert "login with ***" in text
    assert "X-Plex-Token=***&x=1" in text


def test_short_values_are_not_treated_as_secrets() -> None:
    """A secret shorter than six characters is ignored rather than masking common words."""
    assert SecretFilter(["abc"]).mask("abc def") == "abc def"
