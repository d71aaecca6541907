"""Benchmark the dashboards at the 'large' demo size: 60 schools, 50,000 studentes, 5,000 alumnae.

Run from the repository root::

    .venv/bin/python benchmarks/bench_dashboard.py                      # SQLite file in a temp folder
    .venv/bin/python benchmarks/bench_dashboard.py --db /tmp/bench.sqlite --reuse   # seed once, time again
    .venv/bin/python benchmarks/bench_dashboard.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/bench_dashboard.py --smoke              # tiny, for the test suite (< 20 s)

Seeding: `webapp.demo.seed(size="large")` makes the schools, programmes, studentes, alumnae and
coordinators; this script then adds activity rows in bulk (core INSERTs): four school years of
mentoring circles with memberships, buddy pairs, speeddate events with hosts and published schedules,
guest lessons with options and offers, circle meetings ahead, and departures (graduated, switched,
left) with dates. With --postgres the script creates (and afterwards keeps) its own database,
`kring_bench` by default (never `test`).

Timing: the coordinator of the first school is logged in through the session (_user_id) of the Flask
test client; the dashboard page and each panel are requested `--runs` times after a warm-up, and the
admin's network view as well. It prints the median and p95 in ms and the ratio to the 300 ms target,
and exits 1 when the median of the dashboard page or of a panel misses the target (not in --smoke).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_MS = 300.0


def _pg_database_url(server_url: str, name: str) -> tuple[str, str]:
    """(URL of the maintenance database, URL of the benchmark database) from a server URL."""
    from sqlalchemy.engine import make_url

    from webapp.config import normalise_database_url

    url = make_url(normalise_database_url(server_url))
    return url.set(database="postgres").render_as_string(hide_password=False), url.set(database=name).render_as_string(hide_password=False)


def _create_pg_database(server_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    if name in ("test", "postgres", "kring"):
        raise SystemExit(f"refusing to use the database {name!r}: pick a name of its own")
    admin_url, bench_url = _pg_database_url(server_url, name)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return bench_url


def add_activity(seed: int = 2026, today: date | None = None, scale: float = 1.0) -> dict[str, int]:
    """Bulk activity rows for every school: four school years of circles, buddies, speeddates, lessons."""
    from sqlalchemy import bindparam, insert, select, update

    from webapp.buddies.models import BuddyPair
    from webapp.circles.models import CircleMeeting, CircleMembership, CircleRequest, MentoringCircle
    from webapp.dashboard.services import SchoolYear, recent_years
    from webapp.extensions import db
    from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer, GuestLessonOption
    from webapp.modeltools import utcnow
    from webapp.people.models import AlumnaProfile, Programme, School, StudentProfile
    from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddateSlot

    rng = random.Random(seed)
    today = today or date.today()
    now = utcnow()
    years = recent_years(today)
    current = SchoolYear.of(today)
    counts = dict.fromkeys(("circles", "memberships", "buddy_pairs", "events", "slots", "lessons", "departures"), 0)

    schools = db.session.scalars(select(School.id).order_by(School.id)).all()
    students: dict[int, list[tuple[int, int]]] = {s: [] for s in schools}
    for user_id, school_id, year in db.session.execute(select(StudentProfile.user_id, StudentProfile.school_id, StudentProfile.year)):
        students[school_id].append((user_id, year))
    programmes: dict[int, list[int]] = {s: [] for s in schools}
    for programme_id, school_id in db.session.execute(select(Programme.id, Programme.school_id)):
        programmes[school_id].append(programme_id)
    alumnae = db.session.scalars(select(AlumnaProfile.user_id)).all()

    def moment(sy: SchoolYear, lo: int = 0, hi: int = 330) -> datetime:
        """A time inside school year sy (not after now when that would be the future)."""
        start = sy.starts_utc + timedelta(days=rng.randint(lo, hi), hours=rng.randint(8, 15))
        return start

    next_circle = (db.session.scalar(select(MentoringCircle.id).order_by(MentoringCircle.id.desc()).limit(1)) or 0) + 1
    next_event = (db.session.scalar(select(SpeeddateEvent.id).order_by(SpeeddateEvent.id.desc()).limit(1)) or 0) + 1
    next_host = (db.session.scalar(select(SpeeddateHost.id).order_by(SpeeddateHost.id.desc()).limit(1)) or 0) + 1
    next_lesson = (db.session.scalar(select(GuestLesson.id).order_by(GuestLesson.id.desc()).limit(1)) or 0) + 1
    circles, memberships, meetings, requests = [], [], [], []
    pairs, events, hosts, slots = [], [], [], []
    lessons, options, offers = [], [], []
    departures = []

    for school_id in schools:
        people = students[school_id]
        if not people:
            continue
        n_circles = max(1, int(len(people) / 70 * scale))
        for sy in years:
            is_current = sy == current
            # Circles: about one in eight studentes joins one each year.
            for _ in range(n_circles):
                capacity = rng.choice((6, 7, 8))
                members = rng.sample(people, k=min(len(people), capacity + 2))
                joined = members[:capacity - rng.randint(0, 2)]
                circles.append(dict(
                    id=next_circle, school_id=school_id, programme_id=rng.choice(programmes[school_id]),
                    mentor_id=rng.choice(alumnae) if alumnae and rng.random() < 0.9 else None,
                    name=f"Kring {next_circle}", theme="", description="", capacity=capacity, seats_taken=len(joined),
                    status=("open" if len(joined) < capacity else "full") if is_current else "closed", invite_only=False,
                    school_year=sy.label, created_at=moment(sy, 0, 30),
                ))
                for user_id, _year in joined:
                    left = rng.random() < 0.15
                    memberships.append(dict(circle_id=next_circle, student_id=user_id, status="left" if left else "joined",
                                            created_at=moment(sy, 0, 40), joined_at=moment(sy, 0, 40), left_at=moment(sy, 60, 200) if left else None))
                for user_id, _year in members[len(joined):]:
                    memberships.append(dict(circle_id=next_circle, student_id=user_id, status=rng.choice(("waitlisted", "invited", "declined")),
                                            created_at=moment(sy, 0, 40), joined_at=None, left_at=None))
                if is_current:
                    for k in range(2):
                        starts = now + timedelta(days=7 * (k + 1), hours=rng.randint(0, 6))
                        meetings.append(dict(circle_id=next_circle, starts_at=starts, ends_at=starts + timedelta(hours=1), place="Lokaal 1",
                                             topic="", mentor_note="", ical_uid=f"bench-meeting-{next_circle}-{k}@kring", ical_sequence=0, cancelled=False))
                next_circle += 1
            # Buddy pairs: a year-1 studente with a higher-year buddy.
            young = [p for p in people if p[1] == 1]
            old = [p for p in people if p[1] >= 2]
            for _ in range(int(len(people) / 14 * scale)):
                if not young or not old:
                    break
                mentee, buddy = rng.choice(young), rng.choice(old)
                status = rng.choice(("active", "active", "ended", "proposed")) if is_current else rng.choice(("ended", "ended", "discarded"))
                created = moment(sy, 20, 120)
                pairs.append(dict(school_id=school_id, buddy_id=buddy[0], mentee_id=mentee[0], status=status, locked=False, score=1.0,
                                  reasons=[], created_at=created, approved_at=created if status in ("active", "ended") else None,
                                  ended_at=moment(sy, 200, 330) if status == "ended" else None))
            # Speeddates: two events a year with 10 tables and 4 rounds.
            for k in range(2):
                starts = moment(sy, 60 + 120 * k, 100 + 120 * k)
                if is_current and starts > now:
                    status = "open" if k == 1 else "closed"
                else:
                    status = "done" if not is_current else "published"
                events.append(dict(id=next_event, school_id=school_id, kind=rng.choice(("stage", "keuzedeel", "beroep")), title=f"Speeddate {next_event}",
                                   place="Aula", starts_at=starts, rounds=4, minutes_per_round=10, break_minutes=5,
                                   registration_deadline=starts - timedelta(days=7), status=status, created_at=starts - timedelta(days=40),
                                   audience=[], figures={}, schedule_version=1, held_rounds=0))
                event_hosts = []
                for t in range(10):
                    hosts.append(dict(id=next_host, event_id=next_event, alumna_id=rng.choice(alumnae), student_id=None, guest_name=None,
                                      topic="", company="", table_label=str(t + 1), seats_per_round=8, dropped_out=False))
                    event_hosts.append(next_host)
                    next_host += 1
                if status in ("published", "done"):
                    for s_index, (user_id, _year) in enumerate(rng.sample(people, k=min(len(people), int(60 * scale) or 1))):
                        for round_ in range(1, 5):
                            slots.append(dict(event_id=next_event, round=round_, host_id=event_hosts[(s_index + round_) % len(event_hosts)],
                                              student_id=user_id, pinned=False, attended=None if status == "published" else rng.random() > 0.05))
                next_event += 1
            # Guest lessons: given ones in the past, open requests and confirmed ones ahead.
            for _ in range(max(1, int(8 * scale))):
                starts = moment(sy, 10, 320)
                if starts < now:
                    status = rng.choice(("done", "done", "confirmed", "cancelled"))
                else:
                    status = rng.choice(("open", "offered", "confirmed"))
                lessons.append(dict(id=next_lesson, school_id=school_id, kind="guest_lesson", programme_id=rng.choice(programmes[school_id]),
                                    class_name="", year=rng.randint(1, 4), topic=f"Gastles {next_lesson}", description="", place="",
                                    student_count=rng.randint(12, 28), status=status, created_at=starts - timedelta(days=30),
                                    ical_uid=f"bench-lesson-{next_lesson}@kring", ical_sequence=0,
                                    starts_at=starts if status in ("confirmed", "done") else None,
                                    ends_at=starts + timedelta(hours=1) if status in ("confirmed", "done") else None, cancel_reason=""))
                options.append(dict(lesson_id=next_lesson, starts_at=starts, ends_at=starts + timedelta(hours=1)))
                if status in ("confirmed", "done", "offered"):
                    offers.append(dict(lesson_id=next_lesson, alumna_id=rng.choice(alumnae), status="confirmed" if status != "offered" else "offered",
                                       message="", created_at=starts - timedelta(days=20)))
                next_lesson += 1
        # Departures over the four years: some switch or leave, year 4 graduates.
        for user_id, year in people:
            r = rng.random()
            if r < 0.05:
                status = rng.choice(("switched", "left"))
            elif year == 4 and r < 0.12:
                status = "graduated"
            else:
                continue
            sy = rng.choice(years)
            left_at = min(today, sy.first_day + timedelta(days=rng.randint(20, 340)))
            departures.append(dict(b_user_id=user_id, b_status=status, b_left_at=left_at, b_reason="benchmark"))
        for user_id, year in rng.sample(people, k=min(len(people), 10)):
            requests.append(dict(school_id=school_id, student_id=user_id, school_year=current.label, created_at=now))

    def bulk(model, rows, chunk=5000):
        for i in range(0, len(rows), chunk):
            db.session.execute(insert(model), rows[i:i + chunk])

    bulk(MentoringCircle, circles)
    bulk(CircleMembership, memberships)
    bulk(CircleMeeting, meetings)
    bulk(CircleRequest, list({(r["student_id"], r["school_year"]): r for r in requests}.values()))
    # One pair per mentee and status is enough for the figures; skip exact duplicates.
    bulk(BuddyPair, pairs)
    bulk(SpeeddateEvent, events)
    bulk(SpeeddateHost, hosts)
    bulk(SpeeddateSlot, slots)
    bulk(GuestLesson, lessons)
    bulk(GuestLessonOption, options)
    bulk(GuestLessonOffer, list({(o["lesson_id"], o["alumna_id"]): o for o in offers}.values()))
    if departures:
        table = StudentProfile.__table__
        db.session.execute(
            update(table).where(table.c.user_id == bindparam("b_user_id")).values(
                status=bindparam("b_status"), left_at=bindparam("b_left_at"), leave_reason=bindparam("b_reason")
            ),
            departures,
        )
    db.session.commit()
    counts.update(circles=len(circles), memberships=len(memberships), buddy_pairs=len(pairs), events=len(events), slots=len(slots),
                  lessons=len(lessons), departures=len(departures))
    return counts


def _timed(client, url: str, runs: int, headers: dict | None = None) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url, headers=headers or {})
        times.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def run(database_url: str, size: str, runs: int, reuse: bool, label: str) -> bool:
    from sqlalchemy import func, select

    from webapp import create_app, demo
    from webapp.auth.models import User, UserRole
    from webapp.extensions import db
    from webapp.people.models import CoordinatorProfile, School, StudentProfile

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        seeded = reuse and db.inspect(db.engine).has_table("schools") and (db.session.scalar(select(func.count()).select_from(School)) or 0) > 0
        if not seeded:
            db.drop_all()
            db.create_all()
            t0 = time.perf_counter()
            made = demo.seed(size=size)
            t1 = time.perf_counter()
            activity = add_activity(scale=1.0 if size == "large" else 0.5)
            t2 = time.perf_counter()
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as connection:
                    connection.exec_driver_sql("ANALYZE")
                    connection.commit()
            else:
                with db.engine.connect() as connection:
                    connection.exec_driver_sql("ANALYZE")
            print(f"[{label}] seeded {made} in {t1 - t0:.1f} s; activity {activity} in {t2 - t1:.1f} s", flush=True)
        students = db.session.scalar(select(func.count()).select_from(StudentProfile))
        schools = db.session.scalar(select(func.count()).select_from(School))
        coordinator = db.session.scalar(select(CoordinatorProfile).order_by(CoordinatorProfile.school_id).limit(1))
        own = db.session.scalar(select(func.count()).select_from(StudentProfile).where(StudentProfile.school_id == coordinator.school_id))
        admin_id = db.session.scalar(select(User.id).join(UserRole).where(UserRole.role == "admin").limit(1))
        coordinator_id = coordinator.user_id

    def client_for(user_id: int):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
        return client

    coordinator_client, admin_client = client_for(coordinator_id), client_for(admin_id)
    htmx = {"HX-Request": "true"}
    pages = [
        ("dashboard page (skeleton)", coordinator_client, "/dashboard/", None),
        ("panel kerncijfers", coordinator_client, "/dashboard/paneel/kerncijfers", htmx),
        ("panel deelname", coordinator_client, "/dashboard/paneel/deelname", htmx),
        ("panel behoud", coordinator_client, "/dashboard/paneel/behoud", htmx),
        ("panel doelen", coordinator_client, "/dashboard/paneel/doelen", htmx),
        ("panel te-doen", coordinator_client, "/dashboard/paneel/te-doen", htmx),
        ("panel behoud, full page", coordinator_client, "/dashboard/paneel/behoud", None),
        ("csv behoud", coordinator_client, "/dashboard/csv/behoud.csv", None),
        ("network page (skeleton, admin)", admin_client, "/dashboard/netwerk", None),
        ("network panel (admin)", admin_client, "/dashboard/netwerk/paneel", htmx),
        ("network panel, computed now", admin_client, "/dashboard/netwerk/paneel?bijwerken=1", htmx),
    ]
    print(f"[{label}] {schools} schools, {students} studentes; coordinator's school has {own}; {runs} runs after 2 warm-up runs")
    print(f"{'':34}{'median ms':>10}{'p95 ms':>9}{'median/300ms':>14}")
    ok = True
    totals = []
    for name, client, url, headers in pages:
        _timed(client, url, 2, headers)
        times = _timed(client, url, runs, headers)
        median = statistics.median(times)
        ratio = median / TARGET_MS
        if ratio > 1 and "network" not in name:
            ok = False
        if name.startswith(("dashboard page", "panel")) and "full page" not in name:
            totals.append(times)
        print(f"{name:34}{median:10.1f}{_p95(times):9.1f}{ratio:14.2f}", flush=True)
    whole = [sum(t[i] for t in totals) for i in range(runs)]
    print(f"{'page + all five panels, one by one':34}{statistics.median(whole):10.1f}{_p95(whole):9.1f}{statistics.median(whole) / TARGET_MS:14.2f}")
    print(f"[{label}] target: every coordinator panel and the page under {TARGET_MS:.0f} ms (median) -> {'OK' if ok else 'TOO SLOW'}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small demo size and few runs, for the test suite")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", help="SQLite file to use (default: a fresh file in a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="with --db or --postgres-keep: do not seed again when data is there")
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL: the server URL; the script makes its own database")
    parser.add_argument("--pg-database", default="kring_bench")
    parser.add_argument("--no-sqlite", action="store_true", help="with --postgres: skip the SQLite run")
    args = parser.parse_args(argv)
    size = "small" if args.smoke else "large"
    runs = 2 if args.smoke else args.runs
    ok = True
    if not args.no_sqlite:
        if args.db:
            path = Path(args.db)
            if not args.reuse and path.exists():
                path.unlink()
            ok &= run(f"sqlite:///{path.resolve()}", size, runs, args.reuse, "SQLite")
        else:
            with tempfile.TemporaryDirectory() as folder:
                ok &= run(f"sqlite:///{folder}/bench.sqlite", size, runs, False, "SQLite")
    if args.postgres:
        if args.reuse:
            _admin, url = _pg_database_url(args.postgres, args.pg_database)
        else:
            url = _create_pg_database(args.postgres, args.pg_database)
        ok &= run(url, size, runs, args.reuse, "PostgreSQL")
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    raise SystemExit(main())
