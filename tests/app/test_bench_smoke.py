"""`python -m bench --jobs 20 --json` runs end to end and names every figure.

Only that it runs and what it prints: the figures' values are the benchmark's business
(bench/README.md), never a test's, so nothing here compares a time."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from bench.report import KEYS

ROOT = Path(__file__).resolve().parents[2]


def test_a_small_benchmark_run_prints_every_figure() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--jobs", "20", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    figures = json.loads(result.stdout)
    assert list(figures) == list(KEYS)
    has_push = importlib.util.find_spec("bot.web.push") is not None
    for key, value in figures.items():
        if key == "success_to_edit_ms_p95_push" and not has_push:
            assert value is None
            assert "success_to_edit_ms_p95_push is null" in result.stderr
            continue
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
