"""Load benchmark: Kring under gunicorn with the 'large' demo in PostgreSQL, driven by locust.

Run from the repository root (`make bench-load` does this)::

    .venv/bin/python benchmarks/bench_load.py                 # full run, writes the figures into benchmarks/README.md
    .venv/bin/python benchmarks/bench_load.py --reuse         # keep the seeded database kring_load, time again
    .venv/bin/python benchmarks/bench_load.py --no-capacity   # only the 20-user scenario
    .venv/bin/python benchmarks/bench_load.py --smoke         # tiny: SQLite, small demo, 2 s, for the test suite

What it does:

1. Creates (drops first) the PostgreSQL database `kring_load` (--pg-server, --pg-database), applies
   the migrations (`flask --app webapp db upgrade`) and seeds `flask --app webapp seed-demo --size
   large` (60 schools, 50,040 studentes, 5,000 alumnae, with this year's circles, guest lessons,
   speeddate events and buddy pairs), timed.
2. Serves Kring with gunicorn (gthread worker class; --workers, --threads) with DATABASE_URL
   pointing at it, no debug, a login rate limit far above the load, and the bare Flask app
   `benchmarks/hello_app.py` with the same gunicorn settings on another port.
3. Runs locust headless in a second process (`benchmarks/load_locustfile.py`):
   - scenario: 20 users (14 studentes, 5 coordinators, 1 admin, each her own demo account), arriving
     4 per second (--spawn-rate) and then all at work together, who think 1-3 s between actions
     (--think), for --run-time seconds; then 20 visitors of the hello app who think the same;
   - capacity (unless --no-capacity): per page or htmx action, 20 users of the right kind repeat
     that one request without thinking for --capacity-time seconds; then the hello app alike.
4. Prints requests, requests per second, p50, p95 and errors per page and htmx partial, the ratio
   of each to the hello app, and the target (p95 under 100 ms at 20 users, no errors);
   writes the same tables into benchmarks/README.md (not with --smoke or --no-readme).

Exit status 1 when a request failed or a page or action missed the p95 target in the scenario.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = HERE / "README.md"
LOCUSTFILE = HERE / "load_locustfile.py"
TARGET_P95_MS = 100.0
# Idle keep-alive connections are closed after this many seconds. gunicorn's default of 2 s lies inside
# the simulated people's thinking time (1-3 s): the server then closed a connection at the moment a
# person sent her next request on it, and a POST on such a connection fails without an answer (status 0;
# the client retries a GET, never a POST). Behind a proxy the proxy keeps the browsers' connections.
KEEP_ALIVE_S = 10
START_MARK = "<!-- load-results:start -->"
END_MARK = "<!-- load-results:end -->"
# Capacity runs: target -> the request names whose figures it gives.
CAPACITY = [
    ("start", "start page (studente)"),
    ("circles", "circles list"),
    ("join-leave", "join + leave a circle (htmx)"),
    ("speeddate", "speeddate sign-up page"),
    ("register", "register + unregister for a speeddate (htmx)"),
    ("students", "students list (coordinator)"),
    ("search", "students search (htmx partial)"),
    ("alumnae", "alumnae search (htmx partial)"),
    ("dashboard", "school dashboard: page + 5 panels (htmx)"),
    ("network", "network dashboard: page + panel (htmx, admin)"),
    ("login", "login: page + POST + start page"),
]
ORDER = [
    "GET /login",
    "POST /login (first)",
    "GET /start (first)",
    "POST /login",
    "POST /logout",
    "GET /start (studente)",
    "GET /start (coordinator)",
    "GET /start (admin)",
    "GET /kringen/ (circles)",
    "POST /kringen/[id]/aanmelden (htmx)",
    "POST /kringen/[id]/afmelden (htmx)",
    "GET /speeddates/mijn",
    "GET /speeddates/[id]/aanmelden (sign-up page)",
    "POST /speeddates/[id]/aanmelden (htmx, register)",
    "POST /speeddates/[id]/voorkeuren/[host]/kiezen (htmx)",
    "POST /speeddates/[id]/afmelden (htmx)",
    "GET /school/studenten (students)",
    "GET /school/studenten?q= (htmx search)",
    "GET /school/alumnae?q= (htmx search)",
    "GET /dashboard/ (school)",
    "GET /dashboard/paneel/kerncijfers (htmx)",
    "GET /dashboard/paneel/deelname (htmx)",
    "GET /dashboard/paneel/behoud (htmx)",
    "GET /dashboard/paneel/doelen (htmx)",
    "GET /dashboard/paneel/te-doen (htmx)",
    "GET /dashboard/netwerk (network)",
    "GET /dashboard/netwerk/paneel (htmx)",
]


# --- the database --------------------------------------------------------------------------------


def _server_urls(server: str, name: str) -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    sys.path.insert(0, str(ROOT))
    from webapp.config import normalise_database_url

    url = make_url(normalise_database_url(server))
    return url.set(database="postgres").render_as_string(hide_password=False), url.set(database=name).render_as_string(hide_password=False)


def _seeded(url: str) -> bool:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return inspect(connection).has_table("schools") and bool(connection.execute(text("SELECT count(*) FROM schools")).scalar())
    except Exception:  # noqa: BLE001 - no database yet
        return False
    finally:
        engine.dispose()


def _recreate(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    if name in ("test", "postgres", "kring", "template0", "template1"):
        raise SystemExit(f"refusing to use the database {name!r}: pick a name of its own")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


# PostgreSQL's default random_page_cost (4) assumes spinning disks; with the data in memory or on an
# SSD the usual setting is 1.1 (recommended for production too), which lets the planner use the indexes.
PG_SETTINGS = {"random_page_cost": "1.1"}


def _tune(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for setting, value in PG_SETTINGS.items():
            connection.execute(text(f'ALTER DATABASE "{name}" SET {setting} = {value}'))
    engine.dispose()


def _flask(args: list[str], url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def prepare_database(args, workdir: Path) -> dict:
    """The database URL, and how long migrating and seeding took (None when reused)."""
    if args.smoke:
        # In this process: the schema from the models and the small demo (quicker than two flask commands).
        url = f"sqlite:///{workdir / 'load.sqlite'}"
        t0 = time.perf_counter()
        sys.path.insert(0, str(ROOT))
        from webapp import create_app, demo
        from webapp.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            db.create_all()
            counts = demo.seed(size="small")
            db.session.remove()
            db.engine.dispose()
        seeded = ", ".join(f"{n} {what}" for what, n in counts.items())
        return {"url": url, "migrate_s": 0.0, "seed_s": time.perf_counter() - t0, "seeded": seeded}
    else:
        admin_url, url = _server_urls(args.pg_server, args.pg_database)
        size = "large"
        if args.reuse and _seeded(url):
            print(f"reusing the seeded database {args.pg_database}", flush=True)
            _tune(admin_url, args.pg_database)
            return {"url": url, "migrate_s": None, "seed_s": None, "seeded": ""}
        _recreate(admin_url, args.pg_database)
        _tune(admin_url, args.pg_database)
    t0 = time.perf_counter()
    _flask(["db", "upgrade"], url)
    t1 = time.perf_counter()
    out = _flask(["seed-demo", "--size", size], url)
    t2 = time.perf_counter()
    seeded = out.splitlines()[0] if out else ""
    print(f"migrations {t1 - t0:.1f} s; seed-demo --size {size} {t2 - t1:.1f} s: {seeded}", flush=True)
    return {"url": url, "migrate_s": t1 - t0, "seed_s": t2 - t1, "seeded": seeded}


def load_accounts(url: str, path: Path) -> dict:
    """Demo accounts for the simulated people: studentes of several schools, coordinators, the admin."""
    from sqlalchemy import create_engine, text

    sys.path.insert(0, str(ROOT))
    from webapp import demo

    engine = create_engine(url)
    with engine.connect() as connection:
        emails = set(connection.execute(text("SELECT email FROM users WHERE activated")).scalars())
        admins = sorted(connection.execute(text("SELECT u.email FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'admin'")).scalars())
    engine.dispose()
    per = demo.DEMO_STUDENTS_PER_SCHOOL
    # Two studentes in each school, school after school: the first 14 are those of the scenario.
    students = [demo.demo_student_email(per * school + k) for school in range(40) for k in (1, 2)]
    coordinators = [demo.demo_coordinator_email(index) for index in range(40)]
    accounts = {
        "students": [e for e in students if e in emails],
        "coordinators": [e for e in coordinators if e in emails],
        "admins": admins,
        "password": demo.DEMO_PASSWORD,
    }
    if not accounts["students"] or not accounts["coordinators"] or not admins:
        raise SystemExit("the demo accounts are missing: seed with `flask --app webapp seed-demo`")
    path.write_text(json.dumps(accounts, indent=1), encoding="utf-8")
    return accounts


# --- the servers -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app: str, env: dict, args, cwd: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [
        sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", str(args.workers), "--threads", str(args.threads),
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--keep-alive", str(KEEP_ALIVE_S), "--log-level", "warning", app,
    ]
    handle = log.open("w")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn {app} stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + ("/healthz" if app.startswith("webapp") else "/"), timeout=2) as answer:
                if answer.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"gunicorn {app} did not answer within 60 s:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- locust ----------------------------------------------------------------------------------------


def run_locust(base: str, workdir: Path, label: str, users: int, seconds: float, think: str, kind: str = "app", target: str = "",
               accounts: Path | None = None, spawn_rate: float | None = None) -> list[dict]:
    """One headless locust run in its own process; returns every request it made."""
    raw = workdir / f"{label}.jsonl"
    env = {
        **os.environ, "KRING_LOAD_THINK": think, "KRING_LOAD_USERS": kind, "KRING_LOAD_TARGET": target, "KRING_LOAD_RAW": str(raw),
        "KRING_LOAD_ACCOUNTS": str(accounts or ""),
    }
    cmd = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--users", str(users), "--spawn-rate", str(spawn_rate or users),
        "--run-time", f"{max(1, round(seconds))}s", "--host", base, "--csv", str(workdir / label), "--only-summary",
        "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
    if proc.returncode != 0 or not raw.exists():
        raise SystemExit(f"locust ({label}) failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return [json.loads(line) for line in raw.read_text(encoding="utf-8").splitlines() if line]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


HELLO = "GET / (hello world)"
FIRST = ("POST /login (first)", "GET /start (first)")


def steady(records: list[dict]) -> list[dict]:
    """The first logins (with the start page after them), and the requests that started after every
    user had seen her start page: the figures of 20 people at work, not of fewer while they arrive.
    The first logins are reported on rows of their own."""
    firsts = [r["t"] for r in records if r["name"] in FIRST]
    if not firsts:
        return records
    since = max(firsts)
    return [r for r in records if r["name"] in FIRST or r["t"] - r["ms"] / 1000 >= since]


def summarise(records: list[dict]) -> dict[str, dict]:
    """Per request name: count, errors, requests per second over the run, p50 and p95 in ms."""
    if not records:
        return {}
    times = [r["t"] for r in records if r["name"] not in FIRST] or [r["t"] for r in records]
    span = max(max(times) - min(times), 1e-9)
    by_name: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        if record["name"] != "setup":
            by_name[record["name"]].append(record)
    return {
        name: {
            "count": len(rows),
            "errors": sum(not r["ok"] for r in rows),
            "rps": len(rows) / span,
            "p50": percentile([r["ms"] for r in rows], 50),
            "p95": percentile([r["ms"] for r in rows], 95),
        }
        for name, rows in by_name.items()
    }


def _ordered(names) -> list[str]:
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


# --- the report --------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _ratio(value: float, base: float | None, digits: int = 0) -> str:
    return f"{value / base:.{digits}f}x" if base else "-"


def scenario_table(app: dict[str, dict], hello: dict | None, users: int, think: str) -> tuple[list[str], list[str], list[str]]:
    """Markdown rows; the names that missed the target; the names with errors."""
    h = (hello or {}).get(HELLO) or {}
    lines = [
        f"| request ({users} users, thinking {think.replace(',', '-')} s) | requests | req/s | p50 ms | p95 ms | errors "
        f"| p50 / hello | p95 / hello | p95 < {TARGET_P95_MS:.0f} ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    missed, failed = [], []
    for name in _ordered(app):
        s = app[name]
        ok = s["p95"] < TARGET_P95_MS
        if not ok:
            missed.append(name)
        if s["errors"]:
            failed.append(name)
        verdict = "yes" if ok else "**no**"
        lines.append(
            f"| {name} | {s['count']} | {s['rps']:.2f} | {_ms(s['p50'])} | {_ms(s['p95'])} | {s['errors']} | "
            f"{_ratio(s['p50'], h.get('p50'))} | {_ratio(s['p95'], h.get('p95'))} | {verdict} |"
        )
    steady_rows = [s for name, s in app.items() if name not in FIRST]
    lines.append(
        f"| **all requests after the first logins** | {sum(s['count'] for s in steady_rows)} | {sum(s['rps'] for s in steady_rows):.1f} | | | "
        f"{sum(s['errors'] for s in steady_rows)} | | | |"
    )
    if h:
        lines.append(f"| bare Flask hello world, the same {users} users | {h['count']} | {h['rps']:.1f} | {_ms(h['p50'])} | {_ms(h['p95'])} | {h['errors']} | 1x | 1x | |")
    return lines, missed, failed


def capacity_table(rows: list[tuple[str, dict]], hello: dict, users: int) -> tuple[list[str], list[str]]:
    h = hello.get(HELLO) or {}
    lines = [
        f"| page or action ({users} users, no thinking) | request | req/s | p50 ms | p95 ms | errors | req/s / hello |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    failed = []
    for label, stats in rows:
        names = [n for n in _ordered(stats) if n not in FIRST]
        for index, name in enumerate(names):
            s = stats[name]
            if s["errors"]:
                failed.append(name)
            lines.append(
                f"| {label if index == 0 else ''} | {name} | {s['rps']:.1f} | {_ms(s['p50'])} | {_ms(s['p95'])} | {s['errors']} | {_ratio(s['rps'], h.get('rps'), 3)} |"
            )
    if h:
        lines.append(f"| bare Flask hello world | GET / | {h['rps']:.0f} | {_ms(h['p50'])} | {_ms(h['p95'])} | {h['errors']} | 1x |")
    return lines, failed


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.processor() or 'unknown CPU'}), {platform.python_implementation()} {platform.python_version()}"


def _postgres_version(url: str) -> str:
    if not url.startswith("postgresql"):
        return "SQLite"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return f"PostgreSQL {version}"


def write_readme(block: str) -> None:
    text = README.read_text(encoding="utf-8")
    if START_MARK in text and END_MARK in text:
        head, rest = text.split(START_MARK, 1)
        _old, tail = rest.split(END_MARK, 1)
        text = head + START_MARK + "\n" + block + "\n" + END_MARK + tail
    else:
        text = text.rstrip("\n") + "\n\n" + START_MARK + "\n" + block + "\n" + END_MARK + "\n"
    README.write_text(text, encoding="utf-8")


def run(args, workdir: Path) -> dict:
    """Seed, serve, drive; returns everything the report needs."""
    database = prepare_database(args, workdir)
    accounts = workdir / "accounts.json"
    load_accounts(database["url"], accounts)
    env = {
        **os.environ,
        "DATABASE_URL": database["url"],
        "SECRET_KEY": "load-benchmark-secret",
        "LOGIN_RATE_LIMIT": "1000000 per minute",
        "LOG_LEVEL": "WARNING",
        "FLASK_DEBUG": "0",
    }
    result = {"database": database, "load": {}, "capacity": [], "hello": None, "hello_capacity": {}}
    servers = []
    try:
        app_server, app_base = start_gunicorn("webapp:create_app()", env, args, ROOT, workdir / "gunicorn-app.log")
        servers.append(app_server)
        if not args.smoke:
            hello_server, hello_base = start_gunicorn("hello_app:app", env, args, HERE, workdir / "gunicorn-hello.log")
            servers.append(hello_server)
            # Warm-up (not counted): every worker loads its templates and fills its connection pool.
            run_locust(app_base, workdir, "warmup", args.users, 15, "0.2,0.5", accounts=accounts)
            run_locust(hello_base, workdir, "warmup-hello", args.users, 3, "0,0", kind="hello")
        result["load"]["scenario"] = os.getloadavg()
        print(f"scenario: {args.users} users thinking {args.think} s for {args.run_time:.0f} s ...", flush=True)
        result["app"] = summarise(steady(run_locust(app_base, workdir, "scenario", args.users, args.run_time, args.think, accounts=accounts, spawn_rate=args.spawn_rate)))
        if not args.smoke:
            print(f"scenario: the hello app, {args.users} users thinking {args.think} s for {args.run_time / 2:.0f} s ...", flush=True)
            result["hello"] = summarise(run_locust(hello_base, workdir, "scenario-hello", args.users, args.run_time / 2, args.think, kind="hello", spawn_rate=args.spawn_rate))
        if not args.no_capacity:
            result["load"]["capacity runs"] = os.getloadavg()
            for target, label in CAPACITY:
                print(f"capacity: {label} ...", flush=True)
                records = run_locust(app_base, workdir, f"capacity-{target}", args.users, args.capacity_time, "0,0", target=target, accounts=accounts)
                result["capacity"].append((label, summarise(steady(records))))
            print("capacity: the hello app ...", flush=True)
            result["hello_capacity"] = summarise(run_locust(hello_base, workdir, "capacity-hello", args.users, args.capacity_time, "0,0", kind="hello"))
    finally:
        for server in servers:
            stop(server)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            for path in workdir.iterdir():
                if path.suffix in (".csv", ".jsonl", ".log"):
                    shutil.copy(path, args.out / path.name)
    result["server_log"] = (workdir / "gunicorn-app.log").read_text()
    result["postgres"] = _postgres_version(database["url"])
    return result


def report(args, result: dict, load_before: tuple[float, float, float]) -> tuple[str, list[str], list[str]]:
    lines, missed, failed = scenario_table(result["app"], result["hello"], args.users, args.think)
    database = result["database"]
    size = "small" if args.smoke else "large"
    seed = (
        f"`seed-demo --size {size}` took {database['seed_s']:.0f} s (migrations {database['migrate_s']:.0f} s): {database['seeded']}."
        if database["seed_s"] is not None else "The seeded database was reused."
    )
    command = ".venv/bin/python benchmarks/bench_load.py --smoke" if args.smoke else "make bench-load"
    header = (
        f"Measured {datetime.now():%Y-%m-%d %H:%M} with `{command}` on {machine()}, {result['postgres']} (random_page_cost 1.1); "
        f"gunicorn gthread, {args.workers} workers x {args.threads} threads; locust, {args.users} users (arriving {args.spawn_rate:g} per second), "
        f"in a second process on the same machine. Load average before the run {load_before[0]:.1f} / {load_before[1]:.1f} / "
        f"{load_before[2]:.1f} (1 / 5 / 15 min)"
        + "".join(f", before the {phase} {avg[0]:.1f}" for phase, avg in result["load"].items())
        + f". {seed}"
    )
    block = [header, "", *lines]
    if result["capacity"]:
        capacity, capacity_failed = capacity_table(result["capacity"], result["hello_capacity"], args.users)
        failed += capacity_failed
        block += ["", *capacity]
    if "Traceback" in result["server_log"]:
        failed.append("the server log has a traceback")
    verdict = f"every page and partial met p95 < {TARGET_P95_MS:.0f} ms" if not missed else f"missed p95 < {TARGET_P95_MS:.0f} ms: " + ", ".join(missed)
    block += ["", f"Target ({args.users} users, thinking): {verdict}; errors: {'none' if not failed else ', '.join(sorted(set(failed)))}."]
    return "\n".join(block), missed, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="SQLite, small demo, 2 users for 2 s, no hello app or capacity runs (for the test suite)")
    parser.add_argument("--pg-server", default=os.environ.get("KRING_LOAD_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--pg-database", default="kring_load")
    parser.add_argument("--reuse", action="store_true", help="do not seed again when the database already has the demo")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--run-time", type=float, default=120, help="seconds of the scenario (the hello app gets half)")
    parser.add_argument("--think", default="1,3", help="min,max seconds a person waits between two actions")
    parser.add_argument("--spawn-rate", type=float, default=4, help="people arriving per second in the scenario (20 at 4/s: all there after 5 s)")
    parser.add_argument("--capacity-time", type=float, default=12, help="seconds per capacity run")
    parser.add_argument("--no-capacity", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--out", type=Path, help="keep locust's CSV files, the raw request logs and the server logs in this folder")
    args = parser.parse_args(argv)
    if args.smoke:
        args.users, args.run_time, args.think, args.no_capacity, args.no_readme = 2, 2, "0,0", True, True
        args.workers, args.threads = 1, 2

    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="kring-load-") as folder:
        result = run(args, Path(folder))
    text, missed, failed = report(args, result, load_before)
    print()
    print(text)
    if "Traceback" in result["server_log"]:
        print("\nthe app logged errors:\n" + result["server_log"][-4000:])
    if not args.no_readme:
        write_readme(text)
        print(f"\nwritten to {README.relative_to(ROOT)}")
    if failed:
        return 1
    return 1 if missed and not args.smoke else 0


if __name__ == "__main__":
    raise SystemExit(main())
