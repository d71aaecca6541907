"""Every figure equals a count made in the test from the rows it created; schools stay apart."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import inspect

from tests.conftest import make_school, make_user
from tests.dashboard import builders
from tests.dashboard.scenario import CUR, PREV, TODAY, build, enrolled, expected, participants
from webapp.circles.models import CircleMeeting, CircleRequest
from webapp.dashboard import services
from webapp.dashboard.models import Target
from webapp.dashboard.services import ALL, RetentionCube, SchoolYear, cohort_rows
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.timeutil import school_year


def _grouped(rows):
    out = {}
    for r in rows:
        g = out.setdefault((r.programme_id, r.year), {"n": 0, "circle": 0, "buddy": 0, "speeddate": 0, "any": 0,
                                                       "n_took": 0, "n_not": 0, "retained_took": 0, "retained_not": 0})
        part = "took" if r.took_part else "not"
        g["n"] += r.n
        g["circle"] += r.circle
        g["buddy"] += r.buddy
        g["speeddate"] += r.speeddate
        g["any"] += r.n if r.took_part else 0
        g[f"n_{part}"] += r.n
        g[f"retained_{part}"] += r.retained
    return out


def _plain(groups):
    return {key: {k: v for k, v in value.items() if v} for key, value in groups.items()}


def test_school_years_start_on_the_first_of_august():
    assert SchoolYear.of(date(2026, 7, 31)).label == "2025-2026"
    assert SchoolYear.of(date(2026, 8, 1)).label == "2026-2027" == school_year(date(2026, 8, 1))
    assert SchoolYear.parse("2025-2026") == SchoolYear(2025)
    assert SchoolYear.parse("2025-2027") is None and SchoolYear.parse("kaas") is None and SchoolYear.parse(None) is None
    assert [y.label for y in services.recent_years(date(2026, 9, 1))] == ["2023-2024", "2024-2025", "2025-2026", "2026-2027"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_participation_and_retention_equal_independent_counts(app, seed):
    school = make_school()
    world = build(school, seed)
    for sy in (PREV.previous, PREV, CUR):
        want = expected(world, sy)
        got = _grouped(cohort_rows(sy, school.id, TODAY))
        assert _plain(got) == _plain(want), sy
        cube = RetentionCube(cohort_rows(sy, school.id, TODAY))
        for (programme_id, year), group in want.items():
            for part in ("took", "not"):
                cell = cube.get(programme_id, year, part)
                assert (cell.count, cell.n) == (group[f"retained_{part}"], group[f"n_{part}"])
                if cell.percent is not None:
                    assert cell.percent == (200 * cell.count + cell.n) // (2 * cell.n)
        school_all = cube.get(ALL, ALL, "all")
        assert school_all.n == sum(g["n"] for g in want.values())
        assert school_all.count == sum(g["retained_took"] + g["retained_not"] for g in want.values())


def test_panels_show_the_independent_counts(app):
    school = make_school()
    world = build(school, 7, students=30)
    names = services.programme_names(school.id)
    data = services.participation(school.id, TODAY)
    shown = {(g["programme"], g["year"]): g["years"] for g in data["groups"]}
    for index, sy in enumerate((PREV, CUR)):
        for (programme_id, year), group in expected(world, sy).items():
            cells = shown[(names[programme_id], year)][index]
            assert (cells["n"], cells["circle"], cells["buddy"], cells["speeddate"], cells["any"].count) == (
                group["n"], group["circle"], group["buddy"], group["speeddate"], group["any"])
    overview = services.overview(school.id, TODAY)
    for index, sy in enumerate((PREV, CUR)):
        want = expected(world, sy)
        assert overview["students"][index] == sum(g["n"] for g in want.values())
        assert overview["any"][index].count == sum(g["any"] for g in want.values())
    table = overview["tables"]["kerncijfers"]
    assert [row[0] for row in table.rows] == ["Mentorkring", "Buddy", "Speeddate", "Minstens één activiteit"]
    for index, activity in enumerate(("circle", "buddy", "speeddate", "any")):
        enrolled_ids = {s.user_id for s in world.specs if enrolled(s, CUR)}
        enrolled_before = {s.user_id for s in world.specs if enrolled(s, PREV)}
        assert table.rows[index][3] == len(participants(world, CUR)[activity] & enrolled_ids)
        assert table.rows[index][1] == len(participants(world, PREV)[activity] & enrolled_before)


def test_a_hand_counted_school_year(app):
    """A small example with the numbers worked out by hand, next to the generated ones."""
    school = make_school()
    started = builders.at(CUR, 1)
    year1 = builders.students(school, 6, programme=0, year=1)
    year2 = builders.students(school, 3, programme=0, year=2)
    gone = builders.students(school, 1, programme=0, year=1, status="switched", left_at=TODAY)
    old = builders.students(school, 2, programme=0, year=4, status="left", left_at=PREV.first_day + timedelta(days=3))
    ids = [s.user_id for s in year1]
    # In a circle this year: two joined, one left after joining, one left before she joined (not counted).
    builders.circle(school, CUR, [(ids[0], "joined", True), (ids[1], "joined", True), (ids[2], "left", True), (ids[3], "left", False)])
    # A buddy pair this year: one year-2 buddy with a year-1 mentee; a proposal does not count.
    builders.buddy_pair(school, year2[0].user_id, ids[4], "active", started)
    builders.buddy_pair(school, year2[1].user_id, ids[5], "proposed", started, approved=False)
    # The switched studente was at a published speeddate before she switched.
    builders.speeddate(school, started, "published", [gone[0].user_id])
    rows = cohort_rows(CUR, school.id, TODAY)
    total = services.total(rows)
    assert total.n == 10  # 6 + 3 + 1 enrolled in year 1 and 2; the two who left last year are not
    assert (total.circle, total.buddy, total.speeddate, total.took) == (3, 2, 1, 6)
    cube = RetentionCube(rows)
    assert (cube.get(ALL, 1, "all").count, cube.get(ALL, 1, "all").n) == (6, 7)
    assert cube.get(ALL, ALL, "took").n == 6 and cube.get(ALL, ALL, "took").count == 5
    # Last school year: the year-2 studentes were in year 1, the two who left then were in year 4.
    last = RetentionCube(cohort_rows(PREV, school.id, TODAY))
    assert last.get(ALL, 1, "all").n == 3 and last.get(ALL, 4, "all").n == 2 and last.get(ALL, 4, "all").count == 0
    assert old and last.get(ALL, ALL, "all").n == 5


def test_guest_lessons_count_per_lesson_not_per_studente(app):
    school = make_school()
    now = utcnow()
    past_this_year = max(CUR.starts_utc + timedelta(hours=1), now - timedelta(days=1))
    alumna = builders.alumna()
    builders.lesson(school, "done", builders.at(PREV, 30), programme=0, year=1, student_count=20, alumna=alumna)
    builders.lesson(school, "confirmed", builders.at(PREV, 60), programme=0, year=1, student_count=None)
    builders.lesson(school, "cancelled", builders.at(PREV, 70), programme=0, year=1)
    builders.lesson(school, "done", past_this_year, programme=1, year=2, student_count=25)
    builders.lesson(school, "done", past_this_year, programme=None, year=None, student_count=10)
    builders.lesson(school, "confirmed", now + timedelta(days=3), programme=1, year=2)  # not given yet
    builders.lesson(school, "done", past_this_year, kind="open_day", student_count=99)  # not a guest lesson
    builders.lesson(school, "open", None, option_at=now + timedelta(days=9))
    overview = services.overview(school.id, TODAY)
    assert overview["lessons"] == ((2, 20), (2, 35))
    data = services.participation(school.id, TODAY)
    names = services.programme_names(school.id)
    shown = {(g["programme"], g["year"]): g["years"] for g in data["groups"]}
    assert (shown[(names[school.programmes[0].id], 1)][0]["lessons"], shown[(names[school.programmes[0].id], 1)][0]["reached"]) == (2, 20)
    assert shown[(names[school.programmes[1].id], 2)][1]["lessons"] == 1
    assert shown[(names[school.programmes[1].id], 2)][1]["reached"] == 25
    assert shown[(names[None], "alle leerjaren")][1]["lessons"] == 1
    assert overview["open_lessons"] == 1


def test_active_alumnae_are_counted_once(app):
    school, other = make_school(), make_school()
    a, b, c, d, e = (builders.alumna() for _ in range(5))
    now = utcnow()
    soon = now + timedelta(days=2) if now + timedelta(days=2) < CUR.ends_utc else now
    builders.lesson(school, "confirmed", soon, alumna=a)
    builders.circle(school, CUR, [], mentor=a)
    builders.circle(school, CUR, [], mentor=b)
    builders.circle(school, CUR, [], mentor=e, status="draft")  # a draft does not count
    builders.speeddate(school, soon, "open", [], host=c)
    builders.speeddate(school, soon, "open", [], host=d, dropped_out=True)
    builders.circle(school, PREV, [], mentor=d, status="closed")
    builders.circle(other, CUR, [], mentor=e)  # another school
    counts = services.active_alumnae([PREV, CUR], school.id)
    assert counts == {(school.id, CUR.start): 3, (school.id, PREV.start): 1}
    assert services.active_alumnae([CUR])[(other.id, CUR.start)] == 1


def test_todo_lists_what_needs_doing(app):
    school = make_school()
    now = utcnow()
    members = builders.students(school, 3, year=1)
    free = builders.circle(school, CUR, [(members[0].user_id, "joined", True)], capacity=3)
    builders.circle(school, CUR, [(m.user_id, "joined", True) for m in members], capacity=3, status="full")
    builders.circle(school, CUR, [], capacity=5, status="closed")
    builders.circle(school, PREV, [], capacity=5)
    wanted = builders.lesson(school, "open", None, option_at=now + timedelta(days=5))
    undated = builders.lesson(school, "open", None)
    builders.lesson(school, "open", None, option_at=now - timedelta(days=5))  # its only date has passed
    builders.lesson(school, "offered", None, option_at=now + timedelta(days=5))
    overdue = builders.speeddate(school, now + timedelta(days=3), "open", [], deadline=now - timedelta(hours=1))
    builders.speeddate(school, now + timedelta(days=9), "open", [], deadline=now + timedelta(days=2))
    builders.speeddate(school, now + timedelta(days=4), "scheduled", [], deadline=now - timedelta(days=1))
    waiting = builders.students(school, 3, year=1, wants_buddy=True)
    builders.students(school, 1, year=1, wants_buddy=True, status="left", left_at=TODAY)
    older = builders.students(school, 2, year=3)
    builders.buddy_pair(school, older[0].user_id, waiting[0].user_id, "active", now - timedelta(days=3))
    builders.buddy_pair(school, older[1].user_id, waiting[1].user_id, "proposed", now - timedelta(days=3), approved=False)
    meeting_at = now + timedelta(days=1)
    db.session.add(CircleMeeting(circle_id=free.id, starts_at=meeting_at, ends_at=meeting_at + timedelta(hours=1), ical_uid="dash-m1@kring"))
    db.session.add(CircleMeeting(circle_id=free.id, starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=3), ical_uid="dash-m2@kring", cancelled=True))
    db.session.add(CircleRequest(school_id=school.id, student_id=waiting[2].user_id, school_year=CUR.label))
    db.session.commit()
    todo = services.todo(school.id)
    assert [(c.id, c[2]) for c in todo["circles"]] == [(free.id, 2)]
    assert {l.id for l in todo["lessons"]} == {wanted.id, undated.id}
    assert [e.id for e in todo["speeddates"]] == [overdue.id]
    assert (todo["buddy_waiting"], todo["buddy_proposed"], todo["circle_requests"]) == (2, 1, 1)
    assert [u.kind for u in todo["upcoming"]] == ["circle_meeting", "speeddate", "speeddate", "speeddate"]
    assert services.start_counts(school.id) == {"circles": 1, "lessons": 2, "speeddates": 1, "buddy_waiting": 2}


def test_a_coordinators_figures_never_count_another_school(app):
    a, b = make_school(), make_school()
    build(a, 11, students=24)
    before = _snapshot(a)
    # School B gets studentes, activities of every kind, targets, and even its own circles full of them.
    world_b = build(b, 12, students=24)
    ids_b = [s.user_id for s in world_b.specs]
    builders.lesson(b, "done", builders.at(PREV, 20), student_count=30, alumna=builders.alumna())
    builders.lesson(b, "open", None)
    builders.speeddate(b, utcnow() + timedelta(days=3), "open", [], deadline=utcnow() - timedelta(days=1))
    builders.students(b, 2, wants_buddy=True)
    builders.circle(b, CUR, [(ids_b[0], "joined", True)], capacity=4)
    services.set_target(b.id, "circle_share", CUR, 50, make_user("coordinator", b))
    assert _snapshot(a) == before


def _snapshot(school):
    overview = services.overview(school.id, TODAY)
    participation = services.participation(school.id, TODAY)
    retention = services.retention(school.id, CUR, TODAY)
    last = services.retention(school.id, PREV, TODAY)
    todo = services.todo(school.id)
    return {
        "overview": [t.csv() for t in overview["tables"].values()] + [overview["students"], overview["lessons"], overview["alumnae"],
                                                                      overview["open_lessons"], overview["circles_without_mentor"]],
        "participation": [t.csv() for t in participation["tables"].values()],
        "retention": [t.csv() for t in retention["tables"].values()] + [t.csv() for t in last["tables"].values()],
        "targets": services.targets_table(services.progress(school.id, TODAY)).csv(),
        "todo": (todo["circles"], todo["lessons"], todo["speeddates"], todo["buddy_waiting"], todo["upcoming"]),
    }


def test_network_shows_every_school_with_its_own_figures(app):
    a, b = make_school("Alfa College"), make_school("Beta College")
    worlds = {a.id: build(a, 21, students=20), b.id: build(b, 22, students=30)}
    data = services.network(CUR, "school", TODAY)
    items = {item["school_id"]: item for item in data["items"]}
    assert [item["school"] for item in data["items"]] == ["Alfa College", "Beta College"]
    for school_id, world in worlds.items():
        want = expected(world, CUR)
        item = items[school_id]
        assert item["students"] == sum(g["n"] for g in want.values())
        for activity in ("circle", "buddy", "speeddate", "any"):
            assert item[activity].count == sum(g[activity] for g in want.values())
            assert item[activity].n == item["students"]
        assert item["retention_took"].n == sum(g["n_took"] for g in want.values())
        assert item["retention_took"].count == sum(g["retained_took"] for g in want.values())
        assert item["retention_all"].count == sum(g["retained_took"] + g["retained_not"] for g in want.values())
        year1 = [g for (p, y), g in want.items() if y == 1]
        assert item["retention_year1"].n == sum(g["n"] for g in year1)
    by_students = services.network(CUR, "-students", TODAY)["items"]
    assert [i["school"] for i in by_students] == ["Beta College", "Alfa College"] or items[a.id]["students"] > items[b.id]["students"]
    assert services.network(CUR, "nonsense", TODAY)["sort"] == "school"


# --- targets ----------------------------------------------------------------------------


def test_target_table_exists_and_is_unique_per_metric_and_year(app, world):
    assert inspect(db.engine).has_table("dashboard_targets")
    coordinator = world.users["coordinator"]
    target, created = services.set_target(world.school_a.id, "circle_share", CUR, 30, coordinator)
    again, created_again = services.set_target(world.school_a.id, "circle_share", CUR, 45, coordinator)
    assert created and not created_again and again.id == target.id and again.value == 45
    assert db.session.query(Target).count() == 1
    services.set_target(world.school_a.id, "circle_share", PREV, 20, coordinator)
    assert db.session.query(Target).count() == 2
    with pytest.raises(services.TargetError):
        services.set_target(world.school_a.id, "circle_share", CUR, 101, coordinator)
    with pytest.raises(services.TargetError):
        services.set_target(world.school_a.id, "happiness", CUR, 10, coordinator)


def test_progress_compares_with_the_figure_counted_independently(app, world):
    school = world.school_a
    scenario = build(school, 31, students=30)
    coordinator = world.users["coordinator"]
    for metric in ("participation_share", "circle_share", "buddy_share", "speeddate_share", "retention_year1", "retention_all"):
        services.set_target(school.id, metric, CUR, 50, coordinator)
    services.set_target(school.id, "circle_share", SchoolYear(CUR.start + 1), 60, coordinator)
    items = {(p.target.metric, p.target.school_year): p for p in services.progress(school.id, TODAY)}
    want = expected(scenario, CUR)
    # The world's own studente (year 1, active, no activity) is enrolled too.
    n = sum(g["n"] for g in want.values()) + 1
    for metric, activity in (("participation_share", "any"), ("circle_share", "circle"), ("buddy_share", "buddy"), ("speeddate_share", "speeddate")):
        actual = items[(metric, CUR.label)].actual
        assert (actual.count, actual.n) == (sum(g[activity] for g in want.values()), n)
    retention_all = items[("retention_all", CUR.label)].actual
    assert (retention_all.count, retention_all.n) == (sum(g["retained_took"] + g["retained_not"] for g in want.values()) + 1, n)
    year1 = [g for (p, y), g in want.items() if y == 1]
    retention1 = items[("retention_year1", CUR.label)].actual
    assert retention1.n == sum(g["n"] for g in year1) + 1
    future = items[("circle_share", SchoolYear(CUR.start + 1).label)]
    assert future.actual.n == 0 and future.actual.percent is None and not future.reached
    share = items[("circle_share", CUR.label)]
    if share.actual.percent is not None:
        assert share.reached == (share.actual.percent >= 50)
        assert share.gap == 50 - share.actual.percent
