"""What we store about one title, asked in a single query: the webhooks' first question.

Overseerr sends a webhook for every title that changes, most of them asked for and followed
by nobody here. One indexed round trip that finds neither a request nor a follower ends the
work for those; the ORM's two queries cost several times as much per webhook.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import connections

# Both tables have an index on (media_type, tmdb_id). `{a}`/`{b}` are the dialect's parameters.
_QUERY = (
    "SELECT EXISTS(SELECT 1 FROM media_request WHERE media_type = {a} AND tmdb_id = {b}),"
    " EXISTS(SELECT 1 FROM subscription WHERE media_type = {a} AND tmdb_id = {b})"
)
SQLITE = _QUERY.format(a="?1", b="?2")
POSTGRES = _QUERY.format(a="$1", b="$2")


@dataclass(frozen=True)
class Stored:
    """Whether any request (of any status) and any follower exist for one title."""

    requests: bool
    followers: bool


async def stored_for(media_type: str, tmdb_id: int) -> Stored:
    """Whether we store requests or followers for this title, in one round trip."""
    connection = connections.get("default")
    sql = SQLITE if connection.capabilities.dialect == "sqlite" else POSTGRES
    _, rows = await connection.execute_query(sql, [media_type, tmdb_id])
    requests, followers = rows[0][0], rows[0][1]
    return Stored(bool(requests), bool(followers))
