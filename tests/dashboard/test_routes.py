"""The dashboard pages: who may see them, lazy panels, tables and CSV, suppression, targets."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.dashboard import builders
from tests.dashboard.scenario import CUR, PREV, build, expected
from webapp.dashboard import services
from webapp.dashboard.models import Target
from webapp.extensions import db

PANELS = ["kerncijfers", "deelname", "behoud", "doelen", "te-doen"]
DATASETS = ["kerncijfers", "deelname-trend", "deelname", "deelname-leerjaar", "behoud", "behoud-leerjaar", "behoud-trend", "doelen"]
SCHOOL_URLS = ["/dashboard/", "/dashboard/doelen"] + [f"/dashboard/paneel/{p}" for p in PANELS] + [f"/dashboard/csv/{d}.csv" for d in DATASETS]
ADMIN_URLS = ["/dashboard/netwerk", "/dashboard/netwerk/paneel", "/dashboard/netwerk.csv"]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


@pytest.mark.parametrize("who", ["student", "alumna"])
@pytest.mark.parametrize("url", SCHOOL_URLS + ADMIN_URLS)
def test_students_and_alumnae_get_403(login_as, who, url):
    assert login_as(who).get(url).status_code == 403


@pytest.mark.parametrize("url", SCHOOL_URLS + ADMIN_URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_the_network_view_is_for_admins_only(login_as, url):
    assert login_as("coordinator").get(url).status_code == 403
    assert login_as("admin").get(url).status_code == 200


def test_the_dashboard_is_a_skeleton_whose_panels_load_lazily(login_as):
    page = login_as("coordinator").get("/dashboard/").get_data(as_text=True)
    assert "<html" in page and "Dashboard School A" in page and "Hoe tellen we?" in page
    for name in PANELS:
        assert f'hx-get="/dashboard/paneel/{name}" hx-trigger="load"' in page
        assert f'<a href="/dashboard/paneel/{name}">' in page  # also without JavaScript


@pytest.mark.parametrize("name", PANELS)
def test_a_panel_is_a_fragment_for_htmx_and_a_page_when_opened(login_as, name):
    fragment = login_as("coordinator", htmx=True).get(f"/dashboard/paneel/{name}")
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and f'id="paneel-{name}"' in body
    page = login_as("coordinator").get(f"/dashboard/paneel/{name}").get_data(as_text=True)
    assert "<html" in page and f'id="paneel-{name}"' in page and "← Dashboard School A" in page


def test_unknown_panels_and_datasets_are_404(login_as):
    client = login_as("coordinator")
    assert client.get("/dashboard/paneel/geheim").status_code == 404
    assert client.get("/dashboard/csv/geheim.csv").status_code == 404
    assert client.get("/dashboard/paneel/behoud?schooljaar=kaas").status_code == 200


@pytest.mark.parametrize("label", ["2025-kaas", "kaas-2026", "2025-2026-2027", "-", "2025-2025", "1999-2000"])
def test_a_malformed_school_year_shows_the_current_one(login_as, label):
    client = login_as("coordinator")
    for url in (f"/dashboard/paneel/behoud?schooljaar={label}", f"/dashboard/?schooljaar={label}"):
        assert client.get(url).status_code == 200, url
    assert services.SchoolYear.parse(label) is None


def test_pages_keep_the_content_security_policy(login_as, world):
    build(world.school_a, 5, students=20)
    client = login_as("coordinator")
    for url in ["/dashboard/", "/dashboard/doelen"] + [f"/dashboard/paneel/{p}" for p in PANELS]:
        body = client.get(url).get_data(as_text=True)
        assert not re.search(r"\sstyle=", body), url
        assert "<script>" not in body and " hx-on" not in body, url
    charts = client.get("/dashboard/paneel/kerncijfers").get_data(as_text=True)
    assert charts.count('role="img"') >= 2 and "<title>" in charts and "<desc " in charts
    assert "Toon als tabel" in charts and "/dashboard/csv/kerncijfers.csv" in charts and 'class="bar"' in charts
    assert "<polyline" in charts  # the trend line


def test_participation_csv_equals_independent_counts(login_as, world):
    scenario = build(world.school_a, 3, students=30)
    names = services.programme_names(world.school_a.id)
    rows = _csv(login_as("coordinator").get("/dashboard/csv/deelname.csv"))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Opleiding", "Leerjaar"]
    shown = {(r[0], r[1]): r for r in body}
    for offset, sy in ((2, PREV), (2 + 8, CUR)):  # per year: 4 counts, % and n, lessons, reached
        want = expected(scenario, sy)
        if sy == CUR:  # the world's own studente: year 1, first programme, active, no activity
            key = (world.school_a.programmes[0].id, 1)
            want[key]["n"] += 1
        for (programme_id, year), group in want.items():
            row = shown[(names[programme_id], str(year))]
            n, circle, buddy, speeddate = (int(x) for x in row[offset:offset + 4])
            assert (n, circle, buddy, speeddate) == (group["n"], group["circle"], group["buddy"], group["speeddate"])
            percent, n_cell = row[offset + 4], row[offset + 5]
            if group["n"] >= 5:
                assert (int(percent), int(n_cell)) == ((200 * group["any"] + group["n"]) // (2 * group["n"]), group["n"])
            else:
                assert percent == "" and n_cell == ""


def test_small_groups_show_no_percentage_on_the_page_or_in_the_csv(login_as, world):
    school = world.school_a
    # Programme 2 (the second one), year 1: five studentes in a circle, one of whom switched.
    five = builders.students(school, 4, programme=1, year=1) + builders.students(school, 1, programme=1, year=1, status="switched", left_at=scenario_today())
    four = builders.students(school, 4, programme=1, year=2)
    six = builders.students(school, 6, programme=0, year=2)  # in the same year, so the four stay hidden
    builders.students(school, 5, programme=0, year=1)  # with the world's studente: six in year 1 who did not take part
    builders.circle(school, CUR, [(s.user_id, "joined", True) for s in five + four + six])
    client = login_as("coordinator")
    page = client.get("/dashboard/paneel/behoud").get_data(as_text=True)
    programme = services.programme_names(school.id)[school.programmes[1].id]
    rows = {(r[0], r[1]): r for r in _csv(client.get("/dashboard/csv/behoud.csv"))[1:]}
    assert rows[(programme, "1")][2:4] == ["80", "5"]  # took part: 4 of 5 still here
    assert rows[(programme, "2")][2:4] == ["", ""]  # a group of four: nothing
    assert "80%" in page and "(n&nbsp;=&nbsp;5)" in page
    assert "te weinig studentes (minder dan 5)" in page


def scenario_today():
    from tests.dashboard.scenario import TODAY

    return TODAY


def test_departures_link_to_the_studentes_own_page(login_as, world):
    [gone] = builders.students(world.school_a, 1, year=2, status="left", left_at=scenario_today())
    page = login_as("coordinator").get("/dashboard/paneel/behoud").get_data(as_text=True)
    assert f'href="/school/studenten/{gone.user_id}"' in page
    # An admin looking at the school sees the figures, not the names.
    admin_page = login_as("admin").get(f"/dashboard/paneel/behoud?school={world.school_a.id}").get_data(as_text=True)
    assert f"/school/studenten/{gone.user_id}" not in admin_page and "Behoud" in admin_page


def test_a_coordinators_pages_are_the_same_whatever_another_school_does(login_as, world):
    build(world.school_a, 41, students=20)
    client = login_as("coordinator")
    before = {d: client.get(f"/dashboard/csv/{d}.csv").get_data(as_text=True) for d in DATASETS}
    build(world.school_b, 42, students=25)
    builders.lesson(world.school_b, "done", builders.at(PREV, 30), alumna=builders.alumna())
    login_as("coordinator_b").post_form("/dashboard/doelen", {"metric": "circle_share", "school_year": CUR.label, "value": "50"})
    after = {d: client.get(f"/dashboard/csv/{d}.csv").get_data(as_text=True) for d in DATASETS}
    assert after == before
    # And school B's coordinator sees her own figures, not A's.
    b_rows = _csv(login_as("coordinator_b").get("/dashboard/csv/deelname-trend.csv"))
    a_rows = _csv(client.get("/dashboard/csv/deelname-trend.csv"))
    assert b_rows != a_rows


def test_admin_sees_both_schools_side_by_side_and_can_open_one(login_as, world):
    build(world.school_a, 51, students=12)
    build(world.school_b, 52, students=15)
    admin = login_as("admin")
    assert admin.get("/dashboard/").status_code == 302
    table = admin.get("/dashboard/netwerk/paneel").get_data(as_text=True)
    assert "School A" in table and "School B" in table
    assert f'href="/dashboard/?school={world.school_b.id}"' in table
    rows = _csv(admin.get("/dashboard/netwerk.csv?sort=-students"))
    assert rows[0][0] == "School" and {r[0] for r in rows[1:]} == {"School A", "School B"}
    students = {r[0]: int(r[1]) for r in rows[1:]}
    assert [r[0] for r in rows[1:]] == sorted(students, key=lambda s: -students[s])
    page = admin.get(f"/dashboard/?school={world.school_b.id}").get_data(as_text=True)
    assert "Dashboard School B" in page and f"/dashboard/paneel/behoud?school={world.school_b.id}" in page
    assert admin.get("/dashboard/?school=999999").status_code == 404
    # A coordinator cannot use ?school= to look at another school.
    other = login_as("coordinator").get(f"/dashboard/paneel/kerncijfers?school={world.school_b.id}").get_data(as_text=True)
    assert "School A" in other or "paneel-kerncijfers" in other
    assert login_as("coordinator").get(f"/dashboard/?school={world.school_b.id}").get_data(as_text=True).count("Dashboard School A") == 1


# --- targets ----------------------------------------------------------------------------


def test_a_coordinator_sets_changes_and_deletes_a_target(login_as, world):
    client = login_as("coordinator")
    response = client.post_form("/dashboard/doelen", {"metric": "circle_share", "school_year": CUR.label, "value": "40"})
    assert response.status_code == 302
    target = db.session.query(Target).one()
    assert (target.school_id, target.metric, target.school_year, target.value, target.created_by_id) == (
        world.school_a.id, "circle_share", CUR.label, 40, world.users["coordinator"].id)
    client.post_form("/dashboard/doelen", {"metric": "circle_share", "school_year": CUR.label, "value": "55"})
    assert db.session.query(Target).one().value == 55
    page = client.get("/dashboard/doelen").get_data(as_text=True)
    assert "Aandeel studentes in een mentorkring" in page and "55%" in page and 'class="progress-chart"' in page
    panel = client.get("/dashboard/paneel/doelen").get_data(as_text=True)
    assert "doel 55%" in panel or "Doel 55%" in panel
    # Another coordinator cannot delete it; she can.
    assert login_as("coordinator_b").post_form(f"/dashboard/doelen/{target.id}/verwijderen").status_code == 404
    assert client.post(f"/dashboard/doelen/{target.id}/verwijderen").status_code == 400  # no CSRF token
    assert client.post_form(f"/dashboard/doelen/{target.id}/verwijderen").status_code == 302
    assert db.session.query(Target).count() == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ({"value": "101"}, "Een doel is een percentage van 0 tot en met 100."),
        ({"value": "-1"}, "Een doel is een percentage van 0 tot en met 100."),
        ({"value": ""}, "Vul een percentage in."),
        ({"value": "veel"}, "Vul een heel getal in, zonder procentteken."),
        ({"metric": "geluk"}, "Ongeldige keuze."),
        ({"school_year": "1999-2000"}, "Ongeldige keuze."),
    ],
)
def test_target_form_rejects_bad_input_with_422(login_as, data, message):
    form = {"metric": "retention_year1", "school_year": CUR.label, "value": "80", **data}
    response = login_as("coordinator", htmx=True).post_form("/dashboard/doelen", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(Target).count() == 0


def test_targets_are_for_coordinators(login_as):
    assert login_as("admin").get("/dashboard/doelen").status_code == 403


def test_start_page_shows_the_to_do_and_the_nav_links(login_as, world):
    builders.lesson(world.school_a, "open", None)
    page = login_as("coordinator").get("/start").get_data(as_text=True)
    assert "1 gastles zonder aanbod" in page and 'href="/dashboard/"' in page
    admin = login_as("admin").get("/start").get_data(as_text=True)
    assert 'href="/dashboard/netwerk"' in admin


def test_each_panel_runs_a_fixed_number_of_queries_whatever_the_data(login_as, world):
    from sqlalchemy import event

    client = login_as("coordinator", htmx=True)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def queries(url: str) -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    urls = [f"/dashboard/paneel/{p}" for p in PANELS]
    build(world.school_a, 61, students=10)
    before = {url: queries(url) for url in urls}
    build(world.school_a, 62, students=40)
    after = {url: queries(url) for url in urls}
    assert after == before
    assert max(after.values()) <= 16, after
