"""webapp/matching must stay pure: no Flask, no database, nothing else from webapp.

Every module of the package is imported in a fresh interpreter in which ``webapp``
is a bare stub package, so ``webapp/__init__.py`` (the app factory, which imports
Flask) never runs; afterwards the interpreter's ``sys.modules`` is inspected.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy")

PROBE = """
import importlib, json, pkgutil, sys, types

stub = types.ModuleType("webapp")
stub.__path__ = [sys.argv[1]]
sys.modules["webapp"] = stub

import webapp.matching

names = ["webapp.matching"]
for info in pkgutil.walk_packages(webapp.matching.__path__, "webapp.matching."):
    importlib.import_module(info.name)
    names.append(info.name)
print(json.dumps({
    "imported": names,
    "modules": sorted(sys.modules),
    "stub_intact": sys.modules["webapp"] is stub,
}))
"""


def _probe() -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "webapp")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_matching_modules_import_neither_flask_nor_the_database():
    result = _probe()
    assert "webapp.matching.speeddates" in result["imported"]
    leaked = [m for m in result["modules"] if m.split(".")[0] in FORBIDDEN]
    assert leaked == []


def test_matching_modules_import_nothing_else_from_webapp():
    result = _probe()
    assert result["stub_intact"]
    inside = ("webapp.matching", "webapp.matching.")
    outside = [
        m
        for m in result["modules"]
        if m.startswith("webapp.") and m != inside[0] and not m.startswith(inside[1])
    ]
    assert outside == []
