"""A light fake Discord for timing: each interaction from its creation to its callback's arrival.

The test fake validates every reply and stores it as a message, and its waiters wake on
any change, so timing a reply at the waiter counts the fake's own work (and, in a burst,
every reply the fake handled before it). Here the clock starts as the INTERACTION_CREATE
goes onto the gateway and stops as the callback request reaches the fake's first line of
application code. The first callback of each kind (command, interaction type, callback type)
goes through the full fake, which checks it; later ones get the same answer back without
the work: the bot still receives what Discord answers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from tests.fakes.discord import FakeDiscord, FakeUser


class TimingDiscord(FakeDiscord):
    """The fake Discord, recording when each interaction was created and answered."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.created: dict[int, float] = {}
        self.arrived: dict[int, float] = {}
        self.reply_bytes: dict[int, int] = {}
        self._answers: dict[tuple[str, int, int], tuple[str, str]] = {}
        self._arrival = asyncio.Event()

    async def _send_event(self, event: str, data: dict[str, Any]) -> None:
        if event == "INTERACTION_CREATE":
            self.created[int(data["id"])] = time.perf_counter()
        await super()._send_event(event, data)

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.endswith("/callback"):
            return await super()._record(request, handler)
        arrived = time.perf_counter()
        iid = int(request.match_info["iid"])
        interaction = self._interactions.get(iid)
        if interaction is None:
            return await handler(request)
        self.arrived[iid] = arrived
        self._arrival.set()
        self._arrival = asyncio.Event()
        raw = await request.read()
        self.reply_bytes[iid] = len(raw)
        body = json.loads(raw)
        data = interaction.payload.get("data") or {}
        kind = (str(data.get("name")), interaction.type, int(body.get("type", 0)))
        answer = self._answers.get(kind)
        if answer is None or interaction.responses:
            response: web.StreamResponse = await handler(request)
            if isinstance(response, web.Response) and response.status == 200 and response.text:
                self._answers[kind] = (response.text, str(iid))
            return response
        interaction.responses.append(body)  # what `FakeInteraction.response()` waits for
        self._bump()
        template, old_id = answer
        return web.Response(  # exactly application/json, as discord.py insists
            body=template.replace(old_id, str(iid)).encode(),
            headers={"Content-Type": "application/json"},
        )

    async def arrivals(self, ids: Sequence[int], timeout: float = 60) -> list[float]:
        """Seconds from creation to callback for each interaction, once all have arrived."""
        async with asyncio.timeout(timeout):
            while not all(i in self.arrived for i in ids):
                await self._arrival.wait()
        return [self.arrived[i] - self.created[i] for i in ids]


async def timed_slash(
    fake: TimingDiscord, users: Sequence[FakeUser], name: str, **options: Any
) -> list[float]:
    """Every user runs /name at once; seconds from each interaction's creation to its reply."""
    sent = await asyncio.gather(*(fake.slash(user, name, **options) for user in users))
    return await fake.arrivals([interaction.id for interaction in sent])


async def timed_autocomplete(
    fake: TimingDiscord, users: Sequence[FakeUser], name: str, typed: Sequence[dict[str, Any]]
) -> list[float]:
    """Every user types into /name's first option at once; seconds until each answer."""
    data = [fake._command_data(name, t, next(iter(t)), None, False) for t in typed]
    sent = await asyncio.gather(
        *(
            fake._interact(user, 4, d, channel_id=None, in_dm=False)
            for user, d in zip(users, data, strict=True)
        )
    )
    return await fake.arrivals([interaction.id for interaction in sent])
