"""What the request commands say: outcomes, list lines and pages."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.i18n import N_, Lang
from bot.services.requests import RequestView
from bot.services.requests.following import Followed
from storage.models import RequestStatus

S = RequestStatus

OUTCOME = {
    S.PENDING: N_(
        "Requested **{label}**. It's waiting for an admin to approve it; "
        "I'll DM you when it's on Plex."
    ),
    S.APPROVED: N_("Requested **{label}** and it's approved. I'll DM you when it's on Plex."),
    S.PARTIALLY_AVAILABLE: N_(
        "Requested **{label}**. Part of it is already on Plex; I'll DM you as the rest arrives."
    ),
    S.AVAILABLE: N_("**{label}** is already on Plex. Enjoy!"),
    S.QUEUED: N_(
        "Overseerr isn't answering right now, so I've queued **{label}**. "
        "I'll keep trying and DM you when it goes through."
    ),
    S.REJECTED: N_("Overseerr refused **{label}**: {message}"),
    S.DECLINED: N_("**{label}** was declined."),
    S.FAILED: N_("**{label}** failed in Overseerr. An admin can retry it there."),
}
NOT_FOLLOWING = N_("You're not following anything. Press **Notify me** when `/request` offers it.")


def outcome_text(t: Lang, request: RequestView) -> str:
    """What the requester is told once the request was submitted (or queued)."""
    template = OUTCOME.get(request.status, N_("**{label}**: {status}."))
    return t._(
        template,
        label=request.label_msg,
        message=request.message or "",
        status=t._(request.status_text),
    )


def review_text(t: Lang, title: str) -> str:
    """The answer to a request that matched nothing and went to the admins."""
    return t._(
        "I couldn't find “{title}” in Overseerr, so I've asked an admin to look at it. "
        "I'll DM you what they decide.",
        title=title,
    )


def queued_text(t: Lang, label: str) -> str:
    """The answer to a request kept while Overseerr is down."""
    return t._(
        "Overseerr isn't answering right now, so I've queued **{label}**. It will be "
        "checked and sent as soon as Overseerr answers, and I'll DM you how it went.",
        label=label,
    )


def request_line(t: Lang, request: RequestView, *, with_user: bool) -> str:
    who = f" · <@{request.discord_id}>" if with_user else ""
    when = discord.utils.format_dt(request.created_at, "R")
    status = t._(request.status_text)
    return f"`#{request.id}` **{t.render(request.label_msg)}** · {status} · {when}{who}"


def requests_embed(
    t: Lang, rows: Sequence[RequestView], everyone: bool, page: int, pages: int
) -> discord.Embed:
    """One page of `/requests`."""
    title = t._("Everyone's requests") if everyone else t._("Your requests")
    lines = [request_line(t, r, with_user=everyone) for r in rows]
    embed = discord.Embed(title=title, description="\n".join(lines) or t._("No requests yet."))
    embed.set_footer(text=t._("Page {page} of {pages}", page=page, pages=pages))
    return embed


def following_view(t: Lang, followed: Sequence[Followed]) -> tuple[str, discord.ui.View]:
    """`/following`: the list, and a Stop button per subscription (at most 25)."""
    view = discord.ui.View(timeout=None)
    lines = []
    for n, item in enumerate(followed[:25], 1):
        lines.append(f"{n}. {t.render(item.label_msg)}")
        label = t._("Stop {n}", n=n)
        view.add_item(discord.ui.Button(label=label, custom_id=f"unfollow:{item.id}"))
    view.stop()
    return t._("You'll get a DM when these are on Plex:") + "\n" + "\n".join(lines), view


def followed_text(t: Lang, added: bool) -> str:
    if added:
        return t._("Done: I'll DM you when it's on Plex. See `/following` to stop.")
    return t._("You're already following it.")


def unfollowed_text(t: Lang, removed: bool) -> str:
    if removed:
        return t._("Stopped following it.")
    return t._("You weren't following that any more.")
