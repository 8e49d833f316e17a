"""What the request commands say: outcomes, list lines and pages."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.services.requests import RequestView
from bot.services.requests.following import Followed
from storage.models import RequestStatus

S = RequestStatus

OUTCOME = {
    S.PENDING: "Requested **{label}**. It's waiting for an admin to approve it; "
    "I'll DM you when it's on Plex.",
    S.APPROVED: "Requested **{label}** and it's approved. I'll DM you when it's on Plex.",
    S.PARTIALLY_AVAILABLE: "Requested **{label}**. Part of it is already on Plex; "
    "I'll DM you as the rest arrives.",
    S.AVAILABLE: "**{label}** is already on Plex. Enjoy!",
    S.QUEUED: "Overseerr isn't answering right now, so I've queued **{label}**. "
    "I'll keep trying and DM you when it goes through.",
    S.REJECTED: "Overseerr refused **{label}**: {message}",
    S.DECLINED: "**{label}** was declined.",
    S.FAILED: "**{label}** failed in Overseerr. An admin can retry it there.",
}
NOT_FOLLOWING = "You're not following anything. Press **Notify me** when `/request` offers it."


def outcome_text(request: RequestView) -> str:
    """What the requester is told once the request was submitted (or queued)."""
    template = OUTCOME.get(request.status, "**{label}**: {status}.")
    return template.format(
        label=request.label, message=request.message or "", status=request.status_text
    )


def review_text(title: str) -> str:
    """The answer to a request that matched nothing and went to the admins."""
    return (
        f"I couldn't find “{title}” in Overseerr, so I've asked an admin to look at it. "
        "I'll DM you what they decide."
    )


def queued_text(label: str) -> str:
    """The answer to a request kept while Overseerr is down."""
    return (
        f"Overseerr isn't answering right now, so I've queued **{label}**. It will be "
        "checked and sent as soon as Overseerr answers, and I'll DM you how it went."
    )


def request_line(request: RequestView, *, with_user: bool) -> str:
    who = f" · <@{request.discord_id}>" if with_user else ""
    when = discord.utils.format_dt(request.created_at, "R")
    return f"`#{request.id}` **{request.label}** · {request.status_text} · {when}{who}"


def requests_embed(
    rows: Sequence[RequestView], everyone: bool, page: int, pages: int
) -> discord.Embed:
    """One page of `/requests`."""
    title = "Everyone's requests" if everyone else "Your requests"
    lines = [request_line(r, with_user=everyone) for r in rows]
    embed = discord.Embed(title=title, description="\n".join(lines) or "No requests yet.")
    embed.set_footer(text=f"Page {page} of {pages}")
    return embed


def following_view(followed: Sequence[Followed]) -> tuple[str, discord.ui.View]:
    """`/following`: the list, and a Stop button per subscription (at most 25)."""
    view = discord.ui.View(timeout=None)
    lines = []
    for n, item in enumerate(followed[:25], 1):
        lines.append(f"{n}. {item.label}")
        view.add_item(discord.ui.Button(label=f"Stop {n}", custom_id=f"unfollow:{item.id}"))
    view.stop()
    return "You'll get a DM when these are on Plex:\n" + "\n".join(lines), view


def followed_text(added: bool) -> str:
    if added:
        return "Done: I'll DM you when it's on Plex. See `/following` to stop."
    return "You're already following it."


def unfollowed_text(removed: bool) -> str:
    return "Stopped following it." if removed else "You weren't following that any more."
