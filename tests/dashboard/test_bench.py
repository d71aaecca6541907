"""The dashboard benchmark runs (tiny size) and reports its timings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_smoke_run():
    t0 = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_dashboard.py"), "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "median ms" in out and "panel behoud" in out and "network panel (admin)" in out and "median/300ms" in out
    assert time.perf_counter() - t0 < 90
