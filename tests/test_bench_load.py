"""The load benchmark's machinery: the bare hello app, and a tiny end-to-end run (SQLite, 2 users, 2 s).

The real measurement is `make bench-load` (PostgreSQL, 20 users, minutes); this only shows that
seeding, gunicorn, the locust users and the report work together without a failed request.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_hello_app_says_hello():
    spec = importlib.util.spec_from_file_location("hello_app", ROOT / "benchmarks" / "hello_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    response = module.app.test_client().get("/")
    assert response.status_code == 200 and response.get_data(as_text=True) == "Hello, World!"


@pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="locust comes with the bench extra: make bench-load installs it")
def test_load_benchmark_smoke_run():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_load.py"), "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    # Both kinds of people logged in and got their first pages; nothing failed.
    for row in ("| POST /login (first) |", "| GET /kringen/ (circles) |", "| GET /school/studenten (students) |"):
        assert row in out, out
    assert "errors: none." in out
    assert "Traceback" not in out
