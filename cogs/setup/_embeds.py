"""What /setup shows: each place and its checks, the services, Overseerr's webhook agent."""

from __future__ import annotations

import discord

from bot.config import Settings
from bot.services.announce import Schedule
from bot.services.setup import Places, PlaceState, SetupReport
from bot.services.webhook_agent import AgentState, WebhookPlan


def place_text(state: PlaceState) -> str:
    """One place's value, who set it and what the bot found there."""
    choice = state.choice
    if choice.value is None:
        return f"not set · {choice.place.purpose}"
    mention = f"<#{choice.value}>" if choice.place.kind == "channel" else f"<@&{choice.value}>"
    lines = [mention + (f" · 🔒 set by {choice.locked_by}" if choice.locked_by else "")]
    found = state.check
    if found is not None:
        lines.append(("✅ " if found.ok else "❌ ") + found.detail())
        if found.too_public:
            lines.append("⚠️ visible to @everyone: alerts are for admins, make it private")
    return "\n".join(lines)


def would_set(plan: WebhookPlan) -> str:
    return (
        f"**Set up webhook** sets: URL `{plan.url}` · Authorization header "
        f"`{plan.header_masked}` · {len(plan.types)} request and issue types "
        f"({', '.join(plan.types)}) · Overseerr's default JSON payload"
    )


def webhook_text(report: SetupReport) -> str:
    """The Overseerr webhook agent: its state, what the bot would set, the last test."""
    plan = report.webhook
    if plan is None:
        return f"❌ {report.webhook_problem}"
    if plan.state is AgentState.OURS:
        lines = [f"✅ sends every request and issue notification to `{plan.url}`"]
    elif plan.state is AgentState.OFF:
        lines = [
            "⚪ off: Overseerr sends the bot nothing (it polls every 5 minutes)",
            would_set(plan),
        ]
    elif plan.state is AgentState.INCOMPLETE:
        lines = [f"🟡 sends to the bot, but: {'; '.join(plan.problems)}", would_set(plan)]
    else:
        lines = [
            f"🟠 sends to `{plan.current_url}`, not to the bot. Overseerr has one webhook: "
            "setting it up replaces that one (you will be asked first)",
            would_set(plan),
        ]
    if report.webhook_test is not None:
        lines.append(
            ("✅ " if report.webhook_test.arrived else "❌ ") + report.webhook_test.message
        )
    return "\n".join(lines)[:1024]


def panel_embed(report: SetupReport) -> discord.Embed:
    """The panel: each place, then every service's state."""
    embed = discord.Embed(
        title="MediaNest set-up",
        description="Pick the channels and the admin role below; changes apply at once.",
        colour=discord.Colour.blurple(),
    )
    for state in report.places:
        if state.choice.place.group == "main":
            embed.add_field(name=state.choice.place.label, value=place_text(state), inline=False)
    if report.discord_problem:
        embed.add_field(name="Channel checks", value=f"❌ {report.discord_problem}", inline=False)
    services = [
        f"{'✅' if r.ok else '❌'} **{r.name}** {r.detail}"
        + (f" ({r.latency_ms:.0f} ms)" if r.latency_ms is not None else "")
        for r in report.services
    ]
    embed.add_field(name="Services", value="\n".join(services)[:1024] or "none", inline=False)
    if report.webhook is not None or report.webhook_problem:
        embed.add_field(name="Overseerr webhook", value=webhook_text(report), inline=False)
    return embed


def replace_embed(plan: WebhookPlan) -> discord.Embed:
    """The question asked before replacing a webhook that points elsewhere."""
    return discord.Embed(
        title="Replace Overseerr's webhook?",
        description=(
            f"Overseerr's only webhook agent sends to `{plan.current_url}`. Replacing it "
            f"stops those notifications there and sends them to `{plan.url}` instead."
        ),
        colour=discord.Colour.orange(),
    )


def kinds_embed(report: SetupReport, places: Places) -> discord.Embed:
    """Each kind of message and the channel it goes to now (its own, or where it falls back)."""
    embed = discord.Embed(
        title="A channel per kind",
        description="Pick a channel for a kind, or leave it empty to use the one it falls back to.",
        colour=discord.Colour.blurple(),
    )
    for state in report.places:
        place = state.choice.place
        if place.group != "kinds":
            continue
        text = place_text(state)
        if state.choice.value is None:
            now = places.channel(place.name)
            text = f"not set · {place.purpose} · goes to " + (f"<#{now}>" if now else "nowhere")
        embed.add_field(name=place.label, value=text, inline=False)
    return embed


def new_on_plex_embed(schedule: Schedule, settings: Settings) -> discord.Embed:
    """How New on Plex posts, which libraries it watches and how often."""
    libraries = ", ".join(settings.new_on_plex_libraries) or "every movie and show library"
    return discord.Embed(
        title="New on Plex",
        description=(
            f"Posts **{schedule.describe()}**.\n"
            f"Libraries: {libraries} (NEW_ON_PLEX_LIBRARIES). "
            f"Plex is checked every {settings.new_on_plex_interval} min "
            "(NEW_ON_PLEX_INTERVAL); more than "
            f"{settings.new_on_plex_bulk} new items at once become one summary."
        ),
        colour=discord.Colour.orange(),
    )
