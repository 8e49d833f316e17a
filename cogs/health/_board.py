"""The dashboard's Discord side: one rendered embed posted, edited, pinned or deleted by ids,
and the health channel seen through the gateway's cache for `ChannelCheck`'s rule."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import discord

from bot.services.dashboard import BoardFailed, BoardGone
from bot.services.discord_checks import HEALTH, ChannelCheck, ChannelNeed

if TYPE_CHECKING:
    from bot.app import MediaNest


class ChannelBoard:
    """A `Board` that shows `embed` through the bot's HTTP client."""

    def __init__(self, bot: MediaNest, embed: discord.Embed) -> None:
        self.bot = bot
        self.embed = embed

    def _message(self, channel_id: int, message_id: int) -> discord.PartialMessage:
        return self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)

    async def post(self, channel_id: int) -> int:
        with refused():
            message = await self.bot.get_partial_messageable(channel_id).send(embed=self.embed)
        return message.id

    async def pin(self, channel_id: int, message_id: int) -> None:
        with refused():
            await self._message(channel_id, message_id).pin()

    async def edit(self, channel_id: int, message_id: int) -> None:
        with refused():
            await self._message(channel_id, message_id).edit(embed=self.embed)

    async def delete(self, channel_id: int, message_id: int) -> None:
        with refused():
            await self._message(channel_id, message_id).delete()


@contextmanager
def refused() -> Iterator[None]:
    """Turns Discord's refusals into the dashboard's own: gone (404) or failed."""
    try:
        yield
    except discord.NotFound as exc:
        raise BoardGone(str(exc)) from exc
    except discord.HTTPException as exc:
        raise BoardFailed(str(exc)) from exc


def health_channel_check(channel: discord.abc.GuildChannel) -> ChannelCheck:
    """The health channel as the gateway's cache shows it: whether @everyone can see it."""
    need = ChannelNeed("HEALTH_CHANNEL_ID", channel.id, HEALTH)
    public = channel.permissions_for(channel.guild.default_role).view_channel
    return ChannelCheck(need, channel.name, public=public)
