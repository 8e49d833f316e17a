"""What /setup shows: each place and its checks, the services, Overseerr's webhook agent."""

from __future__ import annotations

import discord

from bot.config import Settings
from bot.i18n import Lang
from bot.services.announce import Schedule
from bot.services.setup import Places, PlaceState, SetupReport
from bot.services.webhook_agent import AgentState, WebhookPlan


def place_text(t: Lang, state: PlaceState) -> str:
    """One place's value, who set it and what the bot found there."""
    choice = state.choice
    if choice.value is None:
        return t._("not set · {purpose}", purpose=t._(choice.place.purpose))
    mention = f"<#{choice.value}>" if choice.place.kind == "channel" else f"<@&{choice.value}>"
    locked = t._(" · 🔒 set by {variable}", variable=choice.locked_by) if choice.locked_by else ""
    lines = [mention + locked]
    found = state.check
    if found is not None:
        lines.append(("✅ " if found.ok else "❌ ") + found.detail())
        if found.too_public:
            lines.append(t._("⚠️ visible to @everyone: alerts are for admins, make it private"))
    return "\n".join(lines)


def would_set(t: Lang, plan: WebhookPlan) -> str:
    return t.ngettext(
        "**Set up webhook** sets: URL `{url}` · Authorization header `{header}` · "
        "{count} request and issue type ({types}) · Overseerr's default JSON payload",
        "**Set up webhook** sets: URL `{url}` · Authorization header `{header}` · "
        "{count} request and issue types ({types}) · Overseerr's default JSON payload",
        len(plan.types),
        url=plan.url,
        header=plan.header_masked,
        types=", ".join(plan.types),
    )


def webhook_text(t: Lang, report: SetupReport) -> str:
    """The Overseerr webhook agent: its state, what the bot would set, the last test."""
    plan = report.webhook
    if plan is None:
        return f"❌ {t.render(report.webhook_problem or '')}"
    if plan.state is AgentState.OURS:
        lines = [t._("✅ sends every request and issue notification to `{url}`", url=plan.url)]
    elif plan.state is AgentState.OFF:
        lines = [
            t._("⚪ off: Overseerr sends the bot nothing (it polls every 5 minutes)"),
            would_set(t, plan),
        ]
    elif plan.state is AgentState.INCOMPLETE:
        problems = "; ".join(t.render(p) for p in plan.problems)
        lines = [t._("🟡 sends to the bot, but: {problems}", problems=problems), would_set(t, plan)]
    else:
        lines = [
            t._(
                "🟠 sends to `{url}`, not to the bot. Overseerr has one webhook: "
                "setting it up replaces that one (you will be asked first)",
                url=plan.current_url,
            ),
            would_set(t, plan),
        ]
    if report.webhook_test is not None:
        lines.append(
            ("✅ " if report.webhook_test.arrived else "❌ ") + t.render(report.webhook_test.msg)
        )
    return "\n".join(lines)[:1024]


def panel_embed(t: Lang, report: SetupReport) -> discord.Embed:
    """The panel: each place, then every service's state."""
    embed = discord.Embed(
        title=t._("MediaNest set-up"),
        description=t._("Pick the channels and the admin role below; changes apply at once."),
        colour=discord.Colour.blurple(),
    )
    for state in report.places:
        if state.choice.place.group == "main":
            name = t._(state.choice.place.label)
            embed.add_field(name=name, value=place_text(t, state), inline=False)
    if report.discord_problem:
        problem = f"❌ {report.discord_problem}"
        embed.add_field(name=t._("Channel checks"), value=problem, inline=False)
    services = [
        f"{'✅' if r.ok else '❌'} **{r.name}** {r.detail}"
        + (f" ({r.latency_ms:.0f} ms)" if r.latency_ms is not None else "")
        for r in report.services
    ]
    embed.add_field(
        name=t._("Services"), value="\n".join(services)[:1024] or t._("none"), inline=False
    )
    if report.webhook is not None or report.webhook_problem:
        embed.add_field(name=t._("Overseerr webhook"), value=webhook_text(t, report), inline=False)
    return embed


def replace_embed(t: Lang, plan: WebhookPlan) -> discord.Embed:
    """The question asked before replacing a webhook that points elsewhere."""
    return discord.Embed(
        title=t._("Replace Overseerr's webhook?"),
        description=t._(
            "Overseerr's only webhook agent sends to `{current}`. Replacing it "
            "stops those notifications there and sends them to `{url}` instead.",
            current=plan.current_url,
            url=plan.url,
        ),
        colour=discord.Colour.orange(),
    )


def kinds_embed(t: Lang, report: SetupReport, places: Places) -> discord.Embed:
    """Each kind of message and the channel it goes to now (its own, or where it falls back)."""
    embed = discord.Embed(
        title=t._("A channel per kind"),
        description=t._(
            "Pick a channel for a kind, or leave it empty to use the one it falls back to."
        ),
        colour=discord.Colour.blurple(),
    )
    for state in report.places:
        place = state.choice.place
        if place.group != "kinds":
            continue
        text = place_text(t, state)
        if state.choice.value is None:
            now = places.channel(place.name)
            text = t._(
                "not set · {purpose} · goes to {channel}",
                purpose=t._(place.purpose),
                channel=f"<#{now}>" if now else t._("nowhere"),
            )
        embed.add_field(name=t._(place.label), value=text, inline=False)
    return embed


def new_on_plex_embed(t: Lang, schedule: Schedule, settings: Settings) -> discord.Embed:
    """How New on Plex posts, which libraries it watches and how often."""
    every = t._("every movie and show library")
    libraries = ", ".join(settings.new_on_plex_libraries) or every
    return discord.Embed(
        title=t._("New on Plex"),
        description=t._(
            "Posts **{when}**.\n"
            "Libraries: {libraries} (NEW_ON_PLEX_LIBRARIES). "
            "Plex is checked every {interval} min (NEW_ON_PLEX_INTERVAL); more than "
            "{bulk} new items at once become one summary.",
            when=t.render(schedule.describe()),
            libraries=libraries,
            interval=settings.new_on_plex_interval,
            bulk=settings.new_on_plex_bulk,
        ),
        colour=discord.Colour.orange(),
    )
