"""New on Plex: posts what arrived (each as it comes, or as a digest) to its channel.

The Plex check (`check`, a job every NEW_ON_PLEX_INTERVAL minutes, and at once when
Overseerr says a request is available) stores new items; in "as it arrives" mode they are
posted straight away, one post per movie or per season's new episodes, or one summary when
a scan brought more than NEW_ON_PLEX_BULK of those. In a digest mode they wait for
`digest_if_due`.
Requesters are named only when they allowed it in `/notifications`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from bot.clients.plex import PlexClient
from bot.errors import DependencyError
from bot.i18n import N_
from bot.services.announce.arrivals import Arrivals
from bot.services.announce.posts import (
    Group,
    digest_embed,
    group_embed,
    groups_of,
    poster_grid,
    poster_jpeg,
    summary_embed,
    watch_url,
)
from bot.services.announce.schedule import Schedule, ScheduleStore
from bot.services.outbox import Button, Outbox
from bot.services.outbox_files import Attachment
from bot.services.places import Places
from bot.services.requests.prefs import Preferences
from storage.models import MediaRequest, NewMedia

log = logging.getLogger(__name__)
KEEP = timedelta(days=90)  # announced rows kept this long: Plex's marks do the rest


def now() -> datetime:
    return datetime.now(UTC)


class Announcements:
    """The New on Plex feature: the check, the posts, the digests and their schedule."""

    def __init__(
        self,
        plex: PlexClient,
        outbox: Outbox,
        places: Places,
        prefs: Preferences,
        arrivals: Arrivals,
        schedules: ScheduleStore,
        *,
        bulk: int,
    ) -> None:
        self.plex = plex
        self.outbox = outbox
        self.places = places
        self.prefs = prefs
        self.arrivals = arrivals
        self.schedules = schedules
        self.bulk = bulk
        self._lock = asyncio.Lock()  # the job and a webhook's check never run together
        self._machine: str | None = None

    async def check(self) -> int:
        """Store what arrived in Plex; in "as it arrives" mode post it. Returns how many."""
        async with self._lock:
            try:
                new = await self.arrivals.collect()
                if not (await self.schedules.load()).digest:
                    await self._post_waiting()
            except DependencyError as exc:  # the health checks report Plex being down
                log.info("new on plex: Plex not checked: %s", exc)
                return 0  # what is stored waits; posts already queued are not queued again
            await NewMedia.filter(announced_at__lt=now() - KEEP).delete()
            return len(new)

    async def schedule(self) -> Schedule:
        return await self.schedules.load()

    async def set_schedule(
        self, mode: str, day: str | None = None, at: str | None = None, zone: str | None = None
    ) -> Schedule:
        """Store a new mode (InvalidInput for a bad time or zone, nothing stored then).

        A digest starts counting from now, so switching to one posts nothing at once.
        """
        before = await self.schedules.load()
        chosen = await self.schedules.save(mode, day, at, zone)
        if chosen.digest and not before.digest:
            await self.schedules.digest_sent(now())
        return chosen

    async def digest_if_due(self, at: datetime | None = None) -> bool:
        """Post the digest when its time has come since the last one; True if one was posted."""
        async with self._lock:
            schedule = await self.schedules.load()
            if not schedule.digest:
                return False
            at = at or now()
            due = schedule.last_due(at)
            last = await self.schedules.last_digest()
            if last is not None and last >= due:
                return False
            rows = await NewMedia.filter(announced_at=None).order_by("added_at", "id")
            posted = False
            channel = self.places.announce_channel
            if rows and channel is not None:
                await self._post_digest(channel, groups_of(rows), due)
                posted = True
            await NewMedia.filter(id__in=[r.id for r in rows]).update(announced_at=now())
            await self.schedules.digest_sent(at)
            return posted

    async def _post_waiting(self) -> int:
        rows = await NewMedia.filter(announced_at=None).order_by("added_at", "id")
        if not rows:
            return 0
        channel = self.places.announce_channel
        if channel is None:
            log.info("new on plex: %d new item(s), but no channel to post in", len(rows))
        else:
            groups = groups_of(rows)
            if len(groups) > self.bulk:  # a season's episodes count once
                key = f"new-on-plex:summary:{rows[0].id}:{rows[-1].id}"
                embed = summary_embed(groups, self.arrivals.titles)
                await self.outbox.post(key, channel, "", embed)
            else:
                for group in groups:
                    await self._post_group(channel, group)
        await NewMedia.filter(id__in=[r.id for r in rows]).update(announced_at=now())
        return len(rows)

    async def _post_group(self, channel: int, group: Group) -> None:
        machine = await self.machine_id()
        named = await self.prefs.named_in_public(await requesters(group))
        poster = await self._poster(group.first.thumb)
        embed = group_embed(group, machine, named, poster.name if poster else None)
        watch = Button(N_("Watch on Plex"), url=watch_url(machine, group.first.link_key))
        await self.outbox.post(
            f"new-on-plex:{group.key}:{group.first.id}",
            channel,
            "",
            embed,
            [watch],
            files=[poster] if poster else [],
        )

    async def _post_digest(self, channel: int, groups: list[Group], due: datetime) -> None:
        machine = await self.machine_id()
        named = {g.key: await self.prefs.named_in_public(await requesters(g)) for g in groups}
        posters = []
        for group in groups[:12]:
            poster = await self._poster(group.first.thumb)
            if poster:
                posters.append(poster.data)
        grid = poster_grid(posters)
        image = Attachment("new-on-plex.png", grid) if grid else None
        embed = digest_embed(groups, machine, named, image.name if image else None)
        await self.outbox.post(
            f"new-on-plex:digest:{due.isoformat()}",
            channel,
            "",
            embed,
            files=[image] if image else [],
        )

    async def machine_id(self) -> str:
        """The server's machineIdentifier (for Watch on Plex links), read once."""
        if self._machine is None:
            self._machine = (await self.plex.identity()).machine_id
        return self._machine

    async def _poster(self, thumb: str | None) -> Attachment | None:
        if not thumb:
            return None
        try:
            data = await self.plex.image(thumb)
        except DependencyError as exc:
            log.info("new on plex: no poster (%s)", exc)
            return None
        jpeg = poster_jpeg(data)
        return Attachment("poster.jpg", jpeg) if jpeg else None


async def requesters(group: Group) -> list[int]:
    """The members whose requests this is (by TMDB id; shows without one by title)."""
    row = group.first
    kind = "movie" if row.kind == "movie" else "tv"
    if row.tmdb_id:
        query = MediaRequest.filter(media_type=kind, tmdb_id=row.tmdb_id)
    elif row.kind == "episode" and row.show_title:
        query = MediaRequest.filter(media_type="tv", title=row.show_title)
    else:
        return []
    found = await query.order_by("id").values_list("discord_id", flat=True)
    return list(dict.fromkeys(int(d) for d in found))  # type: ignore[call-overload]
