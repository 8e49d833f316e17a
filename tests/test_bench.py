"""The quick bench runs end to end and reports every section (no timing is checked here)."""

from __future__ import annotations

import json

import pytest

from bench.__main__ import QUICK, SECTIONS, run
from bench.report import render


@pytest.mark.timeout(300)  # about 30 s; more when the machine is busy, never a failure
async def test_quick_bench_reports_every_section() -> None:
    """`python -m bench --quick`'s run fills every section, the targets and the machine."""
    result = await run(QUICK, [], quick=True)
    json.dumps(result)  # what --out writes must be plain JSON
    assert set(SECTIONS) <= set(result)
    assert {"floor", "medianest", "ratio_p50", "ratio_p99", "ratio_cpu"} <= set(result["help_ack"])
    assert result["help_ack"]["tracebacks_logged"] == {"floor": 0, "medianest": 0}
    assert {"floor", "medianest", "ratio"} <= set(result["help_ack"]["idle_rss_mb"])
    assert result["help_ack"]["idle_heavy_libraries"] == []  # what only some commands need
    assert {"health-dashboard", "new-on-plex"} <= set(result["help_ack"]["after_jobs"])
    assert result["help_ack"]["after_jobs_heavy_libraries"] == []  # no round needs them
    seen = [row["members_seen"] for row in result["scale"]["checkpoints"]]
    assert seen == list(QUICK.scale_checkpoints)
    assert result["scale"]["checkpoints"][-1]["limiter_windows"] >= QUICK.scale_checkpoints[-1]
    assert {"cold", "warm"} <= set(result["autocomplete"])
    assert {"webhook", "healthz"} <= set(result["web"])
    assert set(result["web"]["webhook"]["statuses"]) == {"200"}
    assert {"without_429", "with_429"} <= set(result["outbox"])
    assert result["outbox"]["with_429"]["429s_sent"] == QUICK.outbox_429s
    assert {"max_ms", "p99_ms"} <= set(result["loop_lag"])
    assert result["loop_lag"]["jobs"]["statuses"] == ["completed", "completed"]
    assert {"idle_mb", "after_second_run_mb", "after_downloads_mb"} <= set(result["memory"])
    assert result["submissions"]["sqlite"]["failed"] == 0
    assert "per_second" in result["submissions"]["postgres"]
    assert result["submissions"]["postgres"]["failed"] == 0
    assert "sqlite" in result["dashboard"]
    assert {"nproc", "cpu", "python"} <= set(result["machine"])
    assert len(result["targets"]) >= 8
    assert "machine:" in render(result)
