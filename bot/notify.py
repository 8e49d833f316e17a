"""The Discord side of the outbox: turns a Delivery into a real message."""

from __future__ import annotations

import io
import logging

import aiohttp
import discord

from bot.services.outbox import Button, Delivery, DeliveryFailed
from storage.models import TargetKind

log = logging.getLogger(__name__)

DMS_CLOSED = 50007
# Discord's codes for a channel the bot cannot post in: Unknown Channel, Missing Access,
# Missing Permissions.
CHANNEL_UNUSABLE = {10003, 50001, 50013}


STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def button_view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """A view of plain buttons; clicks are routed by custom id to persistent handlers."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons:
        if b.url:
            view.add_item(discord.ui.Button(label=b.label, url=b.url))
        else:
            style = STYLES.get(b.style, discord.ButtonStyle.secondary)
            view.add_item(discord.ui.Button(label=b.label, custom_id=b.custom_id, style=style))
    view.stop()  # the view itself handles nothing: persistent handlers do
    return view


def _files(delivery: Delivery) -> list[discord.File]:
    """The delivery's files; discord.py's MISSING without any (an empty list is not the same)."""
    if not delivery.files:
        return discord.utils.MISSING
    return [discord.File(io.BytesIO(f.data), filename=f.name) for f in delivery.files]


class DiscordSender:
    """Posts outbox deliveries through a discord.py client."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def send(self, delivery: Delivery) -> int:
        embed = discord.Embed.from_dict(delivery.embed) if delivery.embed else None
        try:
            channel = await self._channel(delivery)
            message = await channel.send(
                delivery.content or None,
                embed=embed,  # type: ignore[arg-type]
                view=button_view(delivery.buttons),  # type: ignore[arg-type]
                nonce=delivery.nonce,  # type: ignore[arg-type]
                files=_files(delivery),
                allowed_mentions=discord.AllowedMentions(users=True, roles=False, everyone=False),
            )
        except discord.RateLimited as exc:  # longer than max_ratelimit_timeout: retry later
            raise DeliveryFailed(
                f"rate limited for {exc.retry_after:.0f} s", retry_after=exc.retry_after
            ) from exc
        except discord.Forbidden as exc:
            if exc.code == DMS_CLOSED:
                raise DeliveryFailed("DMs closed", dms_closed=True) from exc
            unusable = exc.code in CHANNEL_UNUSABLE and delivery.kind is TargetKind.CHANNEL
            raise DeliveryFailed(exc.text, final=True, channel_unusable=unusable) from exc
        except discord.NotFound as exc:
            unusable = exc.code in CHANNEL_UNUSABLE and delivery.kind is TargetKind.CHANNEL
            raise DeliveryFailed(exc.text, final=True, channel_unusable=unusable) from exc
        except discord.HTTPException as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                raise DeliveryFailed(f"rejected: {exc.status} {exc.text}", final=True) from exc
            raise DeliveryFailed(f"HTTP {exc.status}: {exc.text}") from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise DeliveryFailed(f"connection: {exc!r}") from exc
        return message.id

    async def _channel(self, delivery: Delivery) -> discord.abc.Messageable:
        if delivery.kind is TargetKind.DM:
            return await self.client.create_dm(discord.Object(delivery.target_id))
        return self.client.get_partial_messageable(delivery.target_id)
