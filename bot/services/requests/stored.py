"""What we store about a title, asked in one query: the webhooks' first question.

Overseerr sends a webhook for every title that changes, most of them asked for and followed
by nobody here. One indexed round trip that finds neither a request nor a follower ends the
work for those. Webhooks that arrive together (a library scan makes many titles available
at once) share that round trip: the titles asked in the same moment go in one query.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tortoise import connections

Title = tuple[str, int]  # (media type, TMDB id)


@dataclass(frozen=True)
class Stored:
    """Whether any request (of any status) and any follower exist for one title."""

    requests: bool
    followers: bool


def batch_sql(count: int, dialect: str) -> str:
    """One row per asked title: its two keys, then "any request?" and "any follower?".

    Both tables have an index on (media_type, tmdb_id). VALUES names its columns column1
    and column2 in SQLite and PostgreSQL alike; the casts give PostgreSQL their types.
    """
    if dialect == "sqlite":
        rows = ", ".join("(CAST(? AS TEXT), CAST(? AS INTEGER))" for _ in range(count))
    else:
        rows = ", ".join(
            f"(CAST(${2 * n + 1} AS TEXT), CAST(${2 * n + 2} AS INTEGER))" for n in range(count)
        )
    return (
        "SELECT t.column1, t.column2,"
        " EXISTS(SELECT 1 FROM media_request r"
        " WHERE r.media_type = t.column1 AND r.tmdb_id = t.column2),"
        " EXISTS(SELECT 1 FROM subscription s"
        " WHERE s.media_type = t.column1 AND s.tmdb_id = t.column2)"
        f" FROM (VALUES {rows}) AS t"
    )


async def stored_for_titles(titles: list[Title]) -> dict[Title, Stored]:
    """Whether we store requests or followers for each title, in one round trip."""
    connection = connections.get("default")
    sql = batch_sql(len(titles), connection.capabilities.dialect)
    values: list[str | int] = [part for title in titles for part in title]
    _, rows = await connection.execute_query(sql, values)
    return {(str(r[0]), int(r[1])): Stored(bool(r[2]), bool(r[3])) for r in rows}


class StoredLookup:
    """`stored_for` for many callers at once: those asking in the same moment share a query."""

    def __init__(self) -> None:
        self._waiting: dict[Title, list[asyncio.Future[Stored]]] = {}
        self._gathering = False
        self._asking: set[asyncio.Task[None]] = set()  # held until done: the loop keeps weak refs

    async def stored_for(self, media_type: str, tmdb_id: int) -> Stored:
        """Whether we store requests or followers for this title."""
        answer: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault((media_type, tmdb_id), []).append(answer)
        if not self._gathering:
            self._gathering = True
            task = asyncio.create_task(self._ask())
            self._asking.add(task)
            task.add_done_callback(self._asking.discard)
        return await answer

    async def _ask(self) -> None:
        await asyncio.sleep(0)  # the webhooks read in this turn of the loop join in
        waiting, self._waiting, self._gathering = self._waiting, {}, False
        try:
            found = await stored_for_titles(list(waiting))
        except Exception as exc:  # each caller gets the error, as if it had asked alone
            for answers in waiting.values():
                for answer in answers:
                    if not answer.done():
                        answer.set_exception(exc)
            return
        for title, answers in waiting.items():
            for answer in answers:
                if not answer.done():  # its caller may have been cancelled meanwhile
                    answer.set_result(found[title])
