"""The coordinator's student list and alumnae directory: search, filters, paging, export, isolation."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.conftest import make_user
from webapp.auth.models import User
from webapp.extensions import db
from webapp.people.models import AlumnaAllowedSchool, AlumnaProfile, StudentProfile


def _students(school, n: int, year: int = 1, prefix: str = "Studente", programme=None):
    programme = programme or school.programmes[0]
    users = []
    for i in range(n):
        user = User(email=f"{prefix.lower()}{school.id}-{year}-{i}@example.org", first_name=f"{prefix}{i:04d}", last_name="Jansen")
        user.add_role("student")
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(
        StudentProfile(user_id=u.id, school_id=school.id, programme_id=programme.id, year=year, student_number=f"{prefix[:3]}{year}{i:05d}")
        for i, u in enumerate(users)
    )
    db.session.commit()
    return users


def _alumnae(n: int, *, sector="ict", activities=("guest_lesson",), all_schools=True, allowed=(), topics=("robotica",), prefix="Alumna"):
    users = []
    for i in range(n):
        user = User(email=f"{prefix.lower()}{i}-{sector}-{len(allowed)}@example.org", first_name=f"{prefix}{i:04d}", last_name="de Vries", activated=True)
        user.add_role("alumna")
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    for u in users:
        profile = AlumnaProfile(
            user_id=u.id, sector=sector, activities=list(activities), all_schools=all_schools, topics=list(topics),
            graduated_year=2020, job_title="Servicemonteur", employer="Stedin", programme_name="Elektrotechniek",
        )
        profile.allowed_schools = [AlumnaAllowedSchool(school_id=s.id) for s in allowed]
        db.session.add(profile)
    db.session.commit()
    return users


@contextmanager
def count_queries():
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_active_search_answers_htmx_with_only_the_results(login_as, world):
    _students(world.school_a, 3)
    _students(world.school_a, 2, prefix="Fatima")
    client = login_as("coordinator")
    full = client.get("/school/studenten?q=fatima")
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)
    assert 'value="fatima"' in full.get_data(as_text=True)  # the pushed URL renders the full page too
    partial = login_as("coordinator", htmx=True).get("/school/studenten?q=fatima")
    text = partial.get_data(as_text=True)
    # Only what goes inside the results box: a second box with the same id would nest.
    assert "<html" not in text and 'id="results"' not in text
    assert "Fatima0000" in text and "Fatima0001" in text and "Studente0000" not in text
    assert "2 studentes gevonden" in text
    assert "HX-Request" in partial.headers["Vary"]


def test_filters_sorting_and_paging(login_as, world):
    second = world.school_a.programmes[1]
    _students(world.school_a, 30, year=1)
    _students(world.school_a, 4, year=3, prefix="Derde", programme=second)
    client = login_as("coordinator")
    text = client.get(f"/school/studenten?programme={second.id}").get_data(as_text=True)
    assert "4 studentes gevonden" in text and "Studente0000" not in text
    text = client.get("/school/studenten?year=3").get_data(as_text=True)
    assert "4 studentes gevonden" in text
    # 31 first-years (30 + the world's own student) over two pages of 25.
    first = client.get("/school/studenten?year=1&sort=naam").get_data(as_text=True)
    assert "Pagina 1 van 2" in first
    second_page = client.get("/school/studenten?year=1&sort=naam&page=2").get_data(as_text=True)
    assert "Pagina 2 van 2" in second_page
    names_first = set(n for n in (f"Studente{i:04d}" for i in range(30)) if n in first)
    names_second = set(n for n in (f"Studente{i:04d}" for i in range(30)) if n in second_page)
    assert names_first and names_second and not names_first & names_second
    descending = client.get("/school/studenten?year=1&sort=-naam").get_data(as_text=True)
    assert descending.index("Studente0029") < descending.index("Studente0028")


def test_bad_query_parameters_are_ignored_not_errors(login_as, world):
    client = login_as("coordinator")
    for query in ("page=-4", "page=abc", "year=9", "programme=x", "sort=drop table", "status=<script>", "q=" + "x" * 500, "q=%25_%25"):
        assert client.get(f"/school/studenten?{query}").status_code == 200, query
        assert client.get(f"/school/alumnae?{query}").status_code == 200, query


def test_search_is_escaped_not_a_wildcard(login_as, world):
    _students(world.school_a, 3)
    text = login_as("coordinator").get("/school/studenten?q=%25").get_data(as_text=True)
    assert "0 studentes gevonden" in text


@pytest.mark.parametrize("url", ["/school/studenten", "/school/alumnae"])
def test_list_pages_issue_a_fixed_number_of_queries(login_as, world, url):
    client = login_as("coordinator")
    _students(world.school_a, 10)
    _alumnae(10)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _students(world.school_a, 990, year=2)
    _alumnae(990, prefix="Meer")
    with count_queries() as large:
        page = client.get(url)
    assert page.status_code == 200
    assert len(small) == len(large), (small, large)
    assert len(large) <= 8  # login, roles, school, the page, its count, the page's roles, filter options


def test_students_of_another_school_are_never_listed_searched_or_exported(login_as, world):
    _students(world.school_b, 3, prefix="Anders")
    client = login_as("coordinator")
    assert "Anders" not in client.get("/school/studenten?status=all").get_data(as_text=True)
    assert "Anders" not in client.get("/school/studenten?q=anders").get_data(as_text=True)
    assert "Anders" not in client.get("/school/studenten.csv?status=all").get_data(as_text=True)
    assert client.get(f"/school/studenten/{world.users['student_b'].id}").status_code == 404
    assert client.post_form(f"/school/studenten/{world.users['student_b'].id}/status", {"status": "left"}).status_code == 404


def test_student_export_is_excel_friendly_and_neutralises_formulas(login_as, world):
    user = _students(world.school_a, 1)[0]
    user.first_name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    response = login_as("coordinator").get("/school/studenten.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Voornaam", "Achternaam", "E-mailadres"]
    assert len(rows) == 3  # header, the world's student, the new one
    assert "'=HYPERLINK(\"http://evil\")" in [row[0] for row in rows]


def test_alumnae_directory_shows_only_those_who_allow_this_school(login_as, world):
    _alumnae(2, prefix="Open")
    _alumnae(1, all_schools=False, allowed=[world.school_a], prefix="Alleena")
    _alumnae(1, all_schools=False, allowed=[world.school_b], prefix="Alleenb")
    text = login_as("coordinator").get("/school/alumnae").get_data(as_text=True)
    assert "Open0000" in text and "Alleena0000" in text and "Alleenb0000" not in text
    text_b = login_as("coordinator_b").get("/school/alumnae").get_data(as_text=True)
    assert "Alleenb0000" in text_b and "Alleena0000" not in text_b


def test_alumnae_filters_and_topic_search(login_as, world):
    _alumnae(2, sector="bouw", activities=("circle_mentor",), topics=("drones",), prefix="Bouw")
    _alumnae(2, sector="ict", activities=("guest_lesson", "speeddate"), topics=("cybersecurity",), prefix="Ict")
    client = login_as("coordinator")
    text = client.get("/school/alumnae?sector=bouw").get_data(as_text=True)
    assert "Bouw0000" in text and "Ict0000" not in text
    text = client.get("/school/alumnae?activity=speeddate").get_data(as_text=True)
    assert "Ict0001" in text and "Bouw0000" not in text
    text = client.get("/school/alumnae?q=cyber").get_data(as_text=True)
    assert "Ict0000" in text and "Bouw0000" not in text
    export = client.get("/school/alumnae.csv?sector=bouw").get_data(as_text=True)
    assert "Bouw0000" in export and "Ict0000" not in export and "@" not in export


@pytest.mark.parametrize("who", ["student", "alumna", "admin"])
@pytest.mark.parametrize("url", ["/school/studenten", "/school/alumnae", "/school/studenten.csv", "/school/alumnae.csv", "/school/uitnodigingen"])
def test_people_pages_are_for_coordinators_only(login_as, world, who, url):
    assert login_as(who).get(url).status_code == 403


def test_viewing_a_student_is_audited(login_as, world):
    from webapp.audit.models import AuditEvent

    student = world.users["student"]
    assert login_as("coordinator").get(f"/school/studenten/{student.id}").status_code == 200
    event_row = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "student.viewed"))
    assert event_row.subject_user_id == student.id and event_row.actor_id == world.users["coordinator"].id
