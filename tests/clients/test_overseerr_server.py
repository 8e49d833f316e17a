"""The Discord id shapes of Overseerr and Seerr 3.3+ as the client reads them."""

from __future__ import annotations

import pytest

from bot.clients.overseerr import BadAnswer, parse_request

ALICE = "180000000000000001"


def test_a_requester_discord_id_is_read_in_either_shape() -> None:
    """`settings.discordId` (Overseerr) and `settings.discordIds` (Seerr 3.3+) give the same id."""
    single = {"id": 1, "requestedBy": {"id": 2, "settings": {"discordId": ALICE}}}
    listed = {"id": 1, "requestedBy": {"id": 2, "settings": {"discordIds": [ALICE, "7"]}}}
    assert parse_request(single).requested_by_discord == int(ALICE)
    assert parse_request(listed).requested_by_discord == int(ALICE)


def test_a_malformed_discord_id_list_is_a_bad_answer() -> None:
    """A discordIds entry that is no number is refused with the field named."""
    body = {"id": 1, "requestedBy": {"id": 2, "settings": {"discordIds": ["alice"]}}}
    with pytest.raises(BadAnswer, match="discordIds"):
        parse_request(body)
