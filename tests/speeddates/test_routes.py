"""Speeddates through the pages: each role's flow, access rules, htmx partials, and the repair through the web."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import body_of, link_in
from tests.speeddates.conftest import (
    audience_of,
    check_valid,
    make_alumna,
    make_event,
    make_host,
    make_student,
    mails,
    meetings_of,
    register,
)
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.outbox import worker
from webapp.speeddates import services
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddateRegistration

IN_TEN_DAYS = (date.today() + timedelta(days=10)).isoformat()
IN_FIVE_DAYS = (date.today() + timedelta(days=5)).isoformat()


def text(response) -> str:
    return response.get_data(as_text=True)


def reload(event: SpeeddateEvent) -> SpeeddateEvent:
    db.session.expire_all()
    return db.session.get(SpeeddateEvent, event.id)


def event_data(**overrides) -> dict:
    data = {
        "kind": "stage",
        "title": "Stagespeeddate ICT jaar 2",
        "day": IN_TEN_DAYS,
        "start": "13:00",
        "place": "Aula",
        "rounds": "4",
        "minutes_per_round": "15",
        "break_minutes": "5",
        "deadline_day": IN_FIVE_DAYS,
        "deadline_time": "23:59",
    }
    data.update(overrides)
    return data


def published(scenario, client) -> SpeeddateEvent:
    assert client.post_form(f"/speeddates/{scenario.event.id}/indelen").status_code == 302
    assert client.post_form(f"/speeddates/{scenario.event.id}/publiceren").status_code == 302
    event = reload(scenario.event)
    assert event.status == "published"
    return event


# --- access -------------------------------------------------------------------------------

COORDINATOR_PAGES = ["", "/bewerken", "/uitnodigen", "/aanmeldingen", "/schema", "/schema/verplaatsen", "/print", "/vandaag"]


@pytest.mark.parametrize("suffix", COORDINATOR_PAGES)
def test_coordinator_pages_are_closed_to_students_and_other_schools(login_as, world, client, suffix):
    event = make_event(world.school_a, world.users["coordinator"], status="published")
    url = f"/speeddates/{event.id}{suffix}"
    assert client.get(url).status_code == 302  # to the login page
    assert login_as("student").get(url).status_code == 403
    assert login_as("coordinator_b").get(url).status_code == 404
    assert login_as("coordinator").get(url).status_code in (200, 302)


def test_posts_need_a_csrf_token(login_as, world):
    event = make_event(world.school_a, world.users["coordinator"], status="draft")
    make_host(event)
    client = login_as("coordinator")
    assert client.post(f"/speeddates/{event.id}/openen").status_code == 400
    assert reload(event).status == "draft"


def test_a_student_of_another_school_cannot_see_or_register(login_as, world):
    student = world.users["student"]
    event = make_event(world.school_a, world.users["coordinator"], audience=[audience_of(student)])
    host = make_host(event)
    other = login_as("student_b")
    assert other.get(f"/speeddates/{event.id}/aanmelden").status_code == 404
    assert other.post_form(f"/speeddates/{event.id}/aanmelden").status_code == 404
    assert other.post_form(f"/speeddates/{event.id}/voorkeuren/{host.id}/kiezen").status_code == 404
    assert event.title not in text(other.get("/speeddates/mijn"))
    assert db.session.scalar(select(SpeeddateRegistration.id)) is None
    # Her own school's student of the invited group does see it.
    assert event.title in text(login_as("student").get("/speeddates/mijn"))


def test_a_student_outside_the_invited_groups_does_not_see_the_event(login_as, world):
    event = make_event(world.school_a, world.users["coordinator"], audience=[])
    make_host(event)
    assert login_as("student").get(f"/speeddates/{event.id}/aanmelden").status_code == 404


# --- coordinator: create, tables, open, invite --------------------------------------------


def test_coordinator_creates_an_event_adds_tables_opens_and_invites(login_as, world):
    client = login_as("coordinator")
    page = text(client.get("/speeddates/nieuw"))
    assert 'value="4"' in page and 'value="15"' in page  # the defaults from practice
    bad = client.post_form("/speeddates/nieuw", event_data(deadline_day=(date.today() + timedelta(days=20)).isoformat()))
    assert bad.status_code == 422 and "deadline ligt vóór het begin" in text(bad)
    response = client.post_form("/speeddates/nieuw", event_data())
    assert response.status_code == 302
    event = db.session.scalar(select(SpeeddateEvent))
    assert event.school_id == world.school_a.id and event.status == "draft" and event.rounds == 4

    alumna = make_alumna(first_name="Anouk")
    senior = make_student(world.school_a, year=3, first_name="Sanne")
    page = text(client.get(f"/speeddates/{event.id}"))
    assert "Anouk" in page and "Sanne" in page
    assert client.post_form(f"/speeddates/{event.id}/tafels", {"kind": "alumna", "alumna_id": alumna.id, "student_id": "0", "seats": "8"}).status_code == 302
    assert client.post_form(f"/speeddates/{event.id}/tafels", {"kind": "student", "alumna_id": "0", "student_id": senior.id, "topic": "Stage bij KPN", "seats": "6"}).status_code == 302
    hx = login_as("coordinator", htmx=True)
    answer = hx.post_form(f"/speeddates/{event.id}/tafels", {"kind": "guest", "alumna_id": "0", "student_id": "0", "guest_name": "Petra", "seats": "8"})
    assert answer.status_code == 200 and 'id="hosts"' in text(answer) and "<html" not in text(answer) and "Petra" in text(answer)
    refused = hx.post_form(f"/speeddates/{event.id}/tafels", {"kind": "guest", "alumna_id": "0", "student_id": "0", "guest_name": "", "seats": "8"})
    assert refused.status_code == 422 and "naam van de gast" in text(refused)
    hosts = db.session.scalars(select(SpeeddateHost).order_by(SpeeddateHost.id)).all()
    assert [services.host_name(h) for h in hosts] == [alumna.full_name, senior.full_name, "Petra"]
    assert [h.table_label for h in hosts] == ["1", "2", "3"]

    assert client.post_form(f"/speeddates/{event.id}/openen").status_code == 302
    assert reload(event).status == "open"
    invited = make_student(world.school_a, year=2)
    programme_id, _year = audience_of(invited)
    response = client.post_form(f"/speeddates/{event.id}/uitnodigen", {"programmes": str(programme_id), "years": "2"})
    assert response.status_code == 302
    [mail] = mails("speeddates_invitation")
    assert mail.to_address == invited.email and f"/speeddates/{event.id}/aanmelden" in mail.body_text
    empty = client.post_form(f"/speeddates/{event.id}/uitnodigen", {})
    assert empty.status_code == 422 and "minstens één opleiding" in text(empty)


# --- student: register and rank -----------------------------------------------------------


def test_student_registers_and_ranks_without_javascript(login_as, world):
    student = world.users["student"]
    event = make_event(world.school_a, world.users["coordinator"], audience=[audience_of(student)])
    a, b, c = make_host(event, name="Anna"), make_host(event, name="Bo"), make_host(event, name="Cato")
    client = login_as("student")
    page = text(client.get(f"/speeddates/{event.id}/aanmelden"))
    assert "Aanmelden" in page and "Cato" in page
    assert client.post_form(f"/speeddates/{event.id}/aanmelden").status_code == 302
    page = text(client.get(f"/speeddates/{event.id}/aanmelden"))
    assert "1e keus" in page and "geen voorkeur" in page
    response = client.post_form(f"/speeddates/{event.id}/voorkeuren", {f"rank-{a.id}": "2", f"rank-{b.id}": "", f"rank-{c.id}": "1"})
    assert response.status_code == 302
    registration = services.registration_of(event, student.id)
    assert services.ranking(registration) == [c.id, a.id]
    # Up and down buttons are plain forms too.
    assert client.post_form(f"/speeddates/{event.id}/voorkeuren/{a.id}/omhoog").status_code == 302
    assert services.ranking(services.registration_of(event, student.id)) == [a.id, c.id]
    duplicate = client.post_form(f"/speeddates/{event.id}/voorkeuren", {f"rank-{a.id}": "1", f"rank-{c.id}": "1"})
    assert duplicate.status_code == 422 and "dezelfde keus" in text(duplicate)
    garbage = client.post_form(f"/speeddates/{event.id}/voorkeuren", {f"rank-{a.id}": "eerste"})
    assert garbage.status_code == 422
    assert services.ranking(services.registration_of(event, student.id)) == [a.id, c.id]


def test_ranking_buttons_with_htmx_swap_only_the_ranking(login_as, world):
    student = world.users["student"]
    event = make_event(world.school_a, audience=[audience_of(student)])
    a, b = make_host(event, name="Anna"), make_host(event, name="Bo")
    register(event, student, [a])
    hx = login_as("student", htmx=True)
    response = hx.post_form(f"/speeddates/{event.id}/voorkeuren/{b.id}/kiezen")
    body = text(response)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="ranking"') and "<html" not in body
    assert re.search(r"1e keus:</strong> tafel 1, Anna.*2e keus:</strong> tafel 2, Bo", body, re.S)
    response = hx.post_form(f"/speeddates/{event.id}/voorkeuren/{b.id}/omhoog")
    assert services.ranking(services.registration_of(event, student.id)) == [b.id, a.id]
    other = make_event(world.school_a)
    stranger = make_host(other)
    refused = hx.post_form(f"/speeddates/{event.id}/voorkeuren/{stranger.id}/kiezen")
    assert refused.status_code == 422 and "deze speeddate" in text(refused)


def test_ranking_changes_are_refused_after_the_deadline(login_as, world):
    student = world.users["student"]
    event = make_event(world.school_a, audience=[audience_of(student)])
    a, b = make_host(event), make_host(event)
    register(event, student, [a, b])
    event.registration_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    client = login_as("student")
    page = text(client.get(f"/speeddates/{event.id}/aanmelden"))
    assert "je keuzes staan vast" in page and "omhoog" not in page
    response = client.post_form(f"/speeddates/{event.id}/voorkeuren", {f"rank-{b.id}": "1", f"rank-{a.id}": "2"})
    assert response.status_code == 422 and "deadline is voorbij" in text(response)
    hx = login_as("student", htmx=True)
    assert hx.post_form(f"/speeddates/{event.id}/voorkeuren/{b.id}/omhoog").status_code == 422
    assert services.ranking(services.registration_of(event, student.id)) == [a.id, b.id]


# --- coordinator: schedule, move, publish, print ------------------------------------------


def test_review_move_and_publish_through_the_pages(login_as, scenario):
    client = login_as(scenario.coordinator)
    event = scenario.event
    assert client.post_form(f"/speeddates/{event.id}/indelen").status_code == 302
    page = text(client.get(f"/speeddates/{event.id}/schema"))
    assert "Rondes per tafel" in page and "Per studente" in page and "spreken hun hele top 3" in page
    assert all(s.full_name in page for s in scenario.students)

    amira = scenario.students[0]
    mine = sorted((m for m in meetings_of(event) if m.student_id == amira.id), key=lambda m: m.round)
    clash = client.post_form(
        f"/speeddates/{event.id}/schema/verplaatsen", {"student_id": amira.id, "round": mine[0].round, "host_id": mine[1].host_id}
    )
    assert clash.status_code == 422 and "Niemand zit twee keer aan dezelfde tafel" in text(clash)
    hx = login_as(scenario.coordinator, htmx=True)
    panel = hx.get(f"/speeddates/{event.id}/schema/verplaatsen?student={amira.id}&round={mine[0].round}")
    assert panel.status_code == 200 and text(panel).lstrip().startswith('<section id="move-panel"')
    free = next(h for h in scenario.hosts if all(m.host_id != h.id for m in mine))
    ok = client.post_form(f"/speeddates/{event.id}/schema/verplaatsen", {"student_id": amira.id, "round": mine[0].round, "host_id": free.id})
    assert ok.status_code == 302

    assert client.post_form(f"/speeddates/{event.id}/publiceren").status_code == 302
    assert reload(event).status == "published"
    assert len(mails("speeddates_schedule")) == 8  # 6 students, the alumna and the senior student

    printed = text(client.get(f"/speeddates/{event.id}/print"))
    assert printed.count('class="sd-table-page"') == 5 and "css/speeddates.css" in printed
    assert "Tafel 3" in printed and "Gerda Gast" in printed
    assert amira.first_name in printed and amira.email not in printed


def test_a_host_drop_out_through_the_pages_keeps_unchanged_meetings(login_as, scenario):
    client = login_as(scenario.coordinator)
    event = published(scenario, client)
    before = meetings_of(event)
    published_count = len(mails())
    dropped = scenario.hosts[2]  # a guest
    response = client.post_form(f"/speeddates/{event.id}/tafels/{dropped.id}/afmelden")
    assert response.status_code == 302
    after = meetings_of(event)
    assert {m for m in before if m.host_id != dropped.id} <= after  # the repair kept every other meeting
    assert len(after) == len(before) and all(m.host_id != dropped.id for m in after)
    affected = {m.student_id for m in before if m.host_id == dropped.id}
    to = [m.to_address for m in mails()[published_count:]]
    assert {s.email for s in scenario.students if s.id in affected} <= set(to)
    assert not set(to) & {s.email for s in scenario.students if s.id not in affected}
    assert len(to) == len(set(to))  # one e-mail each
    page = text(client.get(f"/speeddates/{event.id}"))
    assert "afgemeld" in page
    flash = text(client.get(f"/speeddates/{event.id}/schema"))
    assert "Laatst hersteld" in flash
    # A mistake: she can come after all. The coordinator undoes the drop-out from the same table.
    assert "Weer laten meedoen" in page
    response = client.post_form(f"/speeddates/{event.id}/tafels/{dropped.id}/terug")
    assert response.status_code == 302
    page = text(client.get(f"/speeddates/{event.id}"))
    assert "doet weer mee" in page and "Weer laten meedoen" not in page
    check_valid(reload(event))


def test_a_late_student_added_through_the_pages_gets_the_free_seats(login_as, scenario):
    client = login_as(scenario.coordinator)
    event = published(scenario, client)
    before = meetings_of(event)
    late = make_student(event.school, first_name="Laatkomer")
    found = login_as(scenario.coordinator, htmx=True).get(
        f"/speeddates/{event.id}/aanmeldingen?q=laatkomer", headers={"HX-Target": "student-search"}
    )
    assert found.status_code == 200 and "Laatkomer" in text(found) and "<html" not in text(found)
    assert client.post_form(f"/speeddates/{event.id}/aanmeldingen/toevoegen", {"student_id": late.id}).status_code == 302
    after = meetings_of(event)
    assert before <= after and len([m for m in after if m.student_id == late.id]) == 3
    [mail] = [m for m in mails("speeddates_schedule") if m.to_address == late.email]
    assert "Gewijzigd" in mail.subject or "Jouw speeddateschema" in mail.subject


def test_the_day_page_marks_rounds_and_no_shows_on_a_phone(login_as, scenario):
    client = login_as(scenario.coordinator)
    event = published(scenario, client)
    page = text(client.get(f"/speeddates/{event.id}/vandaag"))
    assert "Ronde 1 is gestart" in page and "Afwezig" in page
    hx = login_as(scenario.coordinator, htmx=True)
    answer = hx.post_form(f"/speeddates/{event.id}/vandaag/ronde", {"round": "1"})
    assert answer.status_code == 200 and text(answer).lstrip().startswith('<div id="day"') and "Ronde 2 is gestart" in text(answer)
    before = meetings_of(event)
    absent = scenario.students[2]
    registration = services.registration_of(event, absent.id)
    answer = hx.post_form(f"/speeddates/{event.id}/vandaag/{registration.id}/afwezig", {"no_show": "1"})
    assert answer.status_code == 200 and "Toch aanwezig" in text(answer)
    after = meetings_of(event)
    assert {m for m in before if m.round == 1} == {m for m in after if m.round == 1}
    assert {m for m in before if m.student_id != absent.id} <= after
    assert not [m for m in after if m.student_id == absent.id and m.round > 1]


def test_hosts_and_students_see_their_own_schedule(login_as, scenario):
    client = login_as(scenario.coordinator)
    event = published(scenario, client)
    alumna = login_as(scenario.alumna)
    page = text(alumna.get(f"/speeddates/{event.id}/tafel"))
    mine = [m for m in meetings_of(event) if m.host_id == scenario.hosts[0].id]
    names = {s.id: s for s in scenario.students}
    assert all(names[m.student_id].first_name in page for m in mine)
    assert not any(names[m.student_id].email in page for m in mine)
    assert login_as(scenario.students[0]).get(f"/speeddates/{event.id}/tafel").status_code == 404
    student_page = text(login_as(scenario.students[0]).get(f"/speeddates/{event.id}/aanmelden"))
    assert "Jouw schema" in student_page and "Ronde" in student_page
    assert event.title in text(alumna.get("/speeddates/mijn"))
    start = text(alumna.get("/start"))
    assert "Jouw speeddatetafels" in start


def test_consent_note_on_the_review_page_and_her_own_page(login_as, world):
    coordinator = world.users["coordinator"]
    young = make_student(world.school_a, birth_date=date.today() - timedelta(days=365 * 14))
    event = make_event(world.school_a, coordinator, deadline_in=-1, audience=[audience_of(young)])
    host = make_host(event, kind="guest")
    register(event, young, [host])
    register(event, make_student(world.school_a), [host])
    client = login_as(coordinator)
    client.post_form(f"/speeddates/{event.id}/indelen")
    assert "toestemming van een ouder" in text(client.get(f"/speeddates/{event.id}/schema"))
    assert "toestemming van je ouder" in text(login_as(young).get(f"/speeddates/{event.id}/aanmelden"))


def test_published_schedule_arrives_by_smtp_with_a_calendar_attachment(login_as, scenario, smtp):
    client = login_as(scenario.coordinator)
    published(scenario, client)
    worker.drain()
    messages = smtp.wait_for(8)
    assert len(messages) == 8
    message = next(m for m in messages if m["To"] == scenario.students[0].email)
    calendars = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1 and calendars[0].get_content().count("BEGIN:VEVENT") == 3
    assert link_in(body_of(message)) == f"/speeddates/{scenario.event.id}/aanmelden"


def test_start_page_and_menu_show_speeddates_per_role(login_as, world):
    student = world.users["student"]
    event = make_event(world.school_a, world.users["coordinator"], audience=[audience_of(student)], title="Keuzedeeldag")
    make_host(event)
    coordinator_start = text(login_as("coordinator").get("/start"))
    assert "Keuzedeeldag" in coordinator_start and "/speeddates/" in coordinator_start
    student_start = text(login_as("student").get("/start"))
    assert "Meld je aan" in student_start and "Keuzedeeldag" in student_start
    assert "Keuzedeeldag" not in text(login_as("student_b").get("/start"))


def test_cancel_and_list_pages(login_as, world):
    event = make_event(world.school_a, world.users["coordinator"], status="draft", title="Beroependag")
    client = login_as("coordinator")
    assert "Beroependag" in text(client.get("/speeddates/"))
    assert "Beroependag" in text(login_as("coordinator", htmx=True).get("/speeddates/?status=all"))
    assert "Beroependag" not in text(login_as("coordinator_b").get("/speeddates/"))
    assert client.post_form(f"/speeddates/{event.id}/annuleren").status_code == 302
    assert reload(event).status == "cancelled"
    assert "Beroependag" not in text(client.get("/speeddates/"))
