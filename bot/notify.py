"""The Discord side of the outbox: turns a Delivery into a real message."""

from __future__ import annotations

import io
import logging
from typing import Any

import aiohttp
import discord

from bot.i18n import Lang, Msg, resolve
from bot.i18n.discord import server_lang
from bot.i18n.members import MemberLanguages
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


def button_view(buttons: tuple[Button, ...], t: Lang) -> discord.ui.View | None:
    """A view of plain buttons; clicks are routed by custom id to persistent handlers."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons:
        label = t._(b.label)  # a button's label is its message id
        if b.url:
            view.add_item(discord.ui.Button(label=label, url=b.url))
        else:
            style = STYLES.get(b.style, discord.ButtonStyle.secondary)
            view.add_item(discord.ui.Button(label=label, custom_id=b.custom_id, style=style))
    view.stop()  # the view itself handles nothing: persistent handlers do
    return view


def _files(delivery: Delivery) -> list[discord.File]:
    """The delivery's files; discord.py's MISSING without any (an empty list is not the same)."""
    if not delivery.files:
        return discord.utils.MISSING
    return [discord.File(io.BytesIO(f.data), filename=f.name) for f in delivery.files]


def embed_of(t: Lang, data: dict[str, Any] | None) -> discord.Embed | None:
    """A stored embed in the reader's language, its texts cut to Discord's limits."""
    if not data:
        return None
    shown = t.render_embed(data)
    for key, limit in (("title", 256), ("description", 4096)):
        if isinstance(shown.get(key), str):
            shown[key] = shown[key][:limit]
    return discord.Embed.from_dict(shown)


class DiscordSender:
    """Posts outbox deliveries through a discord.py client."""

    def __init__(self, client: discord.Client, languages: MemberLanguages | None = None) -> None:
        self.client = client
        self.languages = languages

    async def send(self, delivery: Delivery) -> int:
        try:
            t = await self.reader_lang(delivery)
            content = t.render(Msg.from_json(delivery.message)) if delivery.message else None
            embed = embed_of(t, delivery.embed)
            channel = await self._channel(delivery)
            message = await channel.send(
                (content or delivery.content)[:2000] or None,
                embed=embed,  # type: ignore[arg-type]
                view=button_view(delivery.buttons, t),  # type: ignore[arg-type]
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

    async def reader_lang(self, delivery: Delivery) -> Lang:
        """A DM in the recipient's language as last seen (or picked); a post in the server's."""
        default: Any = getattr(getattr(self.client, "services", None), "settings", None)
        default = getattr(default, "default_locale", None)
        if delivery.kind is TargetKind.DM:
            found = await self.languages.locale_of(delivery.target_id) if self.languages else None
            return resolve(found, default)
        channel = self.client.get_channel(delivery.target_id)
        return server_lang(self.client, getattr(channel, "guild", None))

    async def _channel(self, delivery: Delivery) -> discord.abc.Messageable:
        if delivery.kind is TargetKind.DM:
            return await self.client.create_dm(discord.Object(delivery.target_id))
        return self.client.get_partial_messageable(delivery.target_id)
