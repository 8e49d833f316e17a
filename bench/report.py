"""The targets of issues 14 and 23 checked against a result, and the table printed at the end."""

from __future__ import annotations

from typing import Any

MEMORY_ALLOWANCE_MB = 2.0  # allocator noise: the suggestion caches are full after the first run


def _get(result: dict[str, Any], *path: str) -> Any:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def targets(result: dict[str, Any], overseerr_delay: float) -> list[dict[str, Any]]:
    """Each target: what it is, the measured value, the limit, and whether it is met."""
    cold_limit = overseerr_delay * 1000 + 50
    rows: list[tuple[str, tuple[str, ...], str, float, bool]] = [
        ("/help ack p50 ÷ discord.py floor", ("help_ack", "ratio_p50"), "≤", 1.2, False),
        ("/help ack p99 ÷ discord.py floor", ("help_ack", "ratio_p99"), "≤", 1.5, False),
        ("/help CPU per interaction ÷ floor", ("help_ack", "ratio_cpu"), "≤", 1.2, False),
        ("idle RSS ÷ discord.py floor", ("help_ack", "idle_rss_mb", "ratio"), "≤", 1.5, False),
        ("RSS after our jobs ÷ floor", ("help_ack", "after_jobs_rss_mb", "ratio"), "≤", 1.5, False),
        ("CPU each, 5,000 ÷ 50 members seen", ("scale", "cpu_last_over_first"), "≤", 1.2, False),
        ("autocomplete cold p99 (ms)", ("autocomplete", "cold", "p99_ms"), "≤", cold_limit, False),
        ("autocomplete warm p99 (ms)", ("autocomplete", "warm", "p99_ms"), "≤", 20, False),
        ("webhooks (valid) req/s", ("web", "webhook", "rps"), "≥", 2000, True),
        ("/healthz req/s", ("web", "healthz", "rps"), "≥", 4000, True),
        ("loop lag max, 2 playlists (ms)", ("loop_lag", "max_ms"), "<", 50, False),
        (
            "memory growth, 2nd request run (MiB)",
            ("memory", "growth_second_run_mb"),
            "≤",
            MEMORY_ALLOWANCE_MB,
            False,
        ),
    ]
    out = []
    for name, path, op, limit, at_least in rows:
        value = _get(result, *path)
        if value is None:
            met = None
        elif at_least:
            met = value >= limit
        else:
            met = value < limit if op == "<" else value <= limit
        if path[0] == "memory" and _get(result, "memory", "caches_full_after_first_run") is False:
            met = None  # too few queries to fill the caches (--quick): nothing to judge
        out.append({"target": name, "value": value, "limit": f"{op} {limit:g}", "met": met})
    webhook_statuses = _get(result, "web", "webhook", "statuses")
    if webhook_statuses is not None:
        out.append(
            {
                "target": "webhooks answered 200",
                "value": webhook_statuses,
                "limit": "all 200",
                "met": set(webhook_statuses) == {"200"},
            }
        )
    return out


def _fmt(value: Any) -> str:
    return "—" if value is None else str(value)


def render(result: dict[str, Any]) -> str:
    """A plain-text table of the figures and the targets."""
    figures = [
        ("/help ack, floor p50/p99 ms", "help_ack", "floor", "p50_ms", "p99_ms"),
        ("/help ack, MediaNest p50/p99 ms", "help_ack", "medianest", "p50_ms", "p99_ms"),
        (
            "/help CPU ms each, floor / ours",
            "help_ack",
            "cpu_ms_per_interaction",
            "floor",
            "medianest",
        ),
        ("idle RSS MiB, floor / ours", "help_ack", "idle_rss_mb", "floor", "medianest"),
        (
            "RSS MiB after our jobs, floor / ours",
            "help_ack",
            "after_jobs_rss_mb",
            "floor",
            "medianest",
        ),
        ("autocomplete cold p50/p99 ms", "autocomplete", "cold", "p50_ms", "p99_ms"),
        ("autocomplete warm p50/p99 ms", "autocomplete", "warm", "p50_ms", "p99_ms"),
        ("webhook req/s, p99 ms", "web", "webhook", "rps", "p99_ms"),
        ("/healthz req/s, p99 ms", "web", "healthz", "rps", "p99_ms"),
        ("outbox msg/s, no 429 / with 429", "outbox", None, "without_429", "with_429"),
        ("loop lag p99/max ms, 2 playlists", "loop_lag", None, "p99_ms", "max_ms"),
        ("loop lag p99/max ms, idle", "loop_lag", "idle_baseline", "p99_ms", "max_ms"),
        ("full GCs / longest ms, 2 playlists", "loop_lag", "gc", "full_collections", "full_max_ms"),
        ("RSS MiB idle / after 2nd run", "memory", None, "idle_mb", "after_second_run_mb"),
        ("RSS MiB after downloads", "memory", None, "after_downloads_mb", "downloads"),
        ("submissions/s SQLite / PostgreSQL", "submissions", None, "sqlite", "postgres"),
    ]
    lines = ["figure".ljust(36) + "value"]
    for label, section, sub, a, b in figures:
        base = _get(result, section) if sub is None else _get(result, section, sub)
        if not isinstance(base, dict):
            continue
        first, second = base.get(a), base.get(b)
        if isinstance(first, dict):
            first = first.get("per_second", first.get("skipped"))
        if isinstance(second, dict):
            second = second.get("per_second", second.get("skipped"))
        lines.append(label.ljust(36) + f"{_fmt(first)} / {_fmt(second)}")
    for row in _get(result, "scale", "checkpoints") or []:
        label = f"{row['members_seen']:,} members: CPU ms / p50 ms"
        lines.append(label.ljust(36) + f"{row['cpu_ms_per_interaction']} / {row['p50_ms']}")
    lines += ["", "target".ljust(40) + "value".ljust(14) + "limit".ljust(12) + "met"]
    for row in result.get("targets", []):
        met = {True: "yes", False: "NO", None: "—"}[row["met"]]
        value = row["value"] if not isinstance(row["value"], dict) else "see JSON"
        lines.append(row["target"].ljust(40) + _fmt(value).ljust(14) + row["limit"].ljust(12) + met)
    m = result.get("machine", {})
    lines += [
        "",
        f"machine: {m.get('nproc')} × {m.get('cpu')}, Python {m.get('python')}, "
        f"load {m.get('load_average_at_start')} → {m.get('load_average_at_end')}, "
        f"{result.get('seconds')} s",
    ]
    return "\n".join(lines)
