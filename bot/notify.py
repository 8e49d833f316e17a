"""The Discord side of the outbox: turns a Delivery into a real message."""

from __future__ import annotations

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


class DiscordSender:
    """Posts outbox deliveries through a discord.py client."""

    def __init__(self, client: discord.Client, languages: MemberLanguages | None = None) -> None:
        self.client = client
        self.languages = languages

    async def send(self, delivery: Delivery) -> int:
        embed = discord.Embed.from_dict(delivery.embed) if delivery.embed else None
        try:
            t = await self.reader_lang(delivery)
            content = t.render(Msg.from_json(delivery.message)) if delivery.message else None
            channel = await self._channel(delivery)
            message = await channel.send(
                (content or delivery.content)[:2000] or None,
                embed=embed,  # type: ignore[arg-type]
                view=button_view(delivery.buttons, t),  # type: ignore[arg-type]
                nonce=delivery.nonce,  # type: ignore[arg-type]
                allowed_mentions=discord.AllowedMentions(users=True, roles=False, everyone=False),
            )
        except discord.RateLimited as exc:  # longer than max_ratelimit_timeout: retry later
            raise DeliveryFailed(
                f"rate limited for {exc.retry_after:.0f} s", retry_after=exc.retry_after
            ) from exc
        except discord.Forbidden as exc:
            if exc.code == DMS_CLOSED:
                raise DeliveryFailed("DMs closed", dms_closed=True) from exc
            raise DeliveryFailed(f"forbidden: {exc.text}", final=True) from exc
        except discord.NotFound as exc:
            raise DeliveryFailed(f"not found: {exc.text}", final=True) from exc
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
