"""The circle pages per role: studentes join with htmx, coordinators manage, mentors mark attendance."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.circles.builders import make_circle, make_meeting, make_mentor, make_students, under_16
from tests.conftest import body_of, link_in, make_user
from webapp.auth.models import Invitation
from webapp.circles.models import CircleMeeting, CircleMembership, CircleRequest, MeetingAttendance, MentoringCircle
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.outbox import worker
from webapp.outbox.models import OutboxEmail
from webapp.people.models import StudentProfile


def _seats(circle_id):
    return db.session.scalar(select(MentoringCircle.seats_taken).where(MentoringCircle.id == circle_id))


def _status(circle_id, student_id):
    return db.session.scalar(
        select(CircleMembership.status).where(CircleMembership.circle_id == circle_id, CircleMembership.student_id == student_id)
    )


# --- access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/kringen/", "/kringen/beheer", "/kringen/beheer/nieuw", "/kringen/beheer/indelen", "/kringen/mentor"]
)
def test_pages_need_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_role_reaches_only_its_own_pages(login_as, world):
    circle = make_circle(world.school_a)
    assert login_as("student").get("/kringen/beheer").status_code == 403
    assert login_as("student").get("/kringen/mentor").status_code == 403
    assert login_as("alumna").get("/kringen/").status_code == 403
    assert login_as("coordinator").get("/kringen/").status_code == 403
    assert login_as("coordinator_b").get(f"/kringen/beheer/{circle.id}").status_code == 404
    assert login_as("coordinator_b").get(f"/kringen/beheer/{circle.id}/bewerken").status_code == 404
    assert login_as("coordinator_b").post_form(f"/kringen/beheer/{circle.id}/sluiten").status_code == 404
    assert login_as("student_b").get(f"/kringen/{circle.id}").status_code == 404
    assert login_as("student_b").post_form(f"/kringen/{circle.id}/aanmelden").status_code == 404
    # Another alumna is not this circle's mentor.
    assert login_as("alumna").get(f"/kringen/mentor/{circle.id}").status_code == 404


def test_posts_without_csrf_are_refused(login_as, world):
    circle = make_circle(world.school_a)
    response = login_as("student").post(f"/kringen/{circle.id}/aanmelden")
    assert response.status_code == 400
    assert _status(circle.id, world.users["student"].id) is None


# --- studentes ------------------------------------------------------------------------------------


def test_student_sees_open_circles_of_her_school_and_programme(login_as, world):
    school = world.school_a
    profile = db.session.get(StudentProfile, world.users["student"].id)
    other_programme = next(p for p in school.programmes if p.id != profile.programme_id)
    make_circle(school, name="Kring Open", mentor=make_mentor(first_name="Sanne"))
    make_circle(school, name="Kring Concept", status="draft")
    make_circle(school, name="Kring Dicht", status="closed")
    make_circle(school, name="Kring Uitnodiging", invite_only=True)
    make_circle(school, name="Kring Andere Opleiding", programme=other_programme)
    make_circle(world.school_b, name="Kring School B")
    page = login_as("student").get("/kringen/").get_data(as_text=True)
    assert "Kring Open" in page and "Sanne" in page and "0 van 8 plekken bezet" in page
    for hidden in ("Kring Concept", "Kring Dicht", "Kring Uitnodiging", "Kring Andere Opleiding", "Kring School B"):
        assert hidden not in page
    assert "Ik wil in een kring" in page


def test_join_with_htmx_updates_the_card_and_seat_count_in_place(login_as, world):
    circle = make_circle(world.school_a, capacity=2)
    response = login_as("student", htmx=True).post_form(f"/kringen/{circle.id}/aanmelden")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article id="circle-{circle.id}"')
    assert "1 van 2 plekken bezet" in html and "Je doet mee." in html and "Afmelden" in html
    assert 'hx-swap-oob="innerHTML"' in html and "Je doet mee met Kring Techniek" in html
    assert _seats(circle.id) == 1


def test_join_without_javascript_redirects_back_with_a_message(login_as, world):
    circle = make_circle(world.school_a)
    client = login_as("student")
    response = client.post_form(f"/kringen/{circle.id}/aanmelden")
    assert response.status_code == 302 and response.headers["Location"].endswith("/kringen/")
    page = client.get("/kringen/").get_data(as_text=True)
    assert "Je doet mee met Kring Techniek" in page
    response = client.post_form(f"/kringen/{circle.id}/afmelden", {"detail": "1"})
    assert response.headers["Location"].endswith(f"/kringen/{circle.id}")


def test_full_circle_offers_the_waitlist_and_a_freed_seat_goes_to_the_first_who_gets_an_email(login_as, world, smtp):
    circle = make_circle(world.school_a, capacity=1)
    first = world.users["student"]
    waiting = make_user("student", world.school_a)
    login_as(first).post_form(f"/kringen/{circle.id}/aanmelden")
    page = login_as(waiting).get("/kringen/").get_data(as_text=True)
    assert "Vol" in page and "Op de wachtlijst" in page
    html = login_as(waiting, htmx=True).post_form(f"/kringen/{circle.id}/aanmelden").get_data(as_text=True)
    assert "Je staat op de wachtlijst (plek 1)" in html
    assert _status(circle.id, waiting.id) == "waitlisted"
    worker.drain()
    smtp.messages.clear()

    html = login_as(first, htmx=True).post_form(f"/kringen/{circle.id}/afmelden").get_data(as_text=True)
    assert "Meedoen" in html or "Op de wachtlijst" in html  # she may come back
    assert _status(circle.id, waiting.id) == "joined" and _status(circle.id, first.id) == "left"
    assert _seats(circle.id) == 1
    worker.drain()
    mails = {m["To"]: m for m in smtp.wait_for(2)}
    assert "Je doet niet meer mee" in mails[first.email]["Subject"]  # who left is told so
    mail = mails[waiting.email]
    assert "plek vrij" in mail["Subject"]
    assert link_in(body_of(mail)) == f"/kringen/{circle.id}"
    page = login_as(waiting).get(link_in(body_of(mail))).get_data(as_text=True)
    assert "Je doet mee." in page


def test_under_16_without_consent_sees_a_clear_message_with_a_link(login_as, world):
    circle = make_circle(world.school_a, mentor=make_mentor())
    student = world.users["student"]
    under_16(student)
    page = login_as("student").get("/kringen/").get_data(as_text=True)
    assert "toestemming van je ouder of verzorger nodig" in page and "/toestemming-vragen" in page
    assert "Meedoen" not in page
    html = login_as("student", htmx=True).post_form(f"/kringen/{circle.id}/aanmelden").get_data(as_text=True)
    assert "toestemming" in html and "/toestemming-vragen" in html
    assert _status(circle.id, student.id) is None and _seats(circle.id) == 0


def test_circle_page_shows_meetings_and_fellow_members_to_members_only(login_as, world):
    circle = make_circle(world.school_a, mentor=make_mentor(first_name="Sanne"))
    make_meeting(circle, topic="Netwerken op de beurs")
    other = make_user("student", world.school_a)
    login_as(other).post_form(f"/kringen/{circle.id}/aanmelden")
    page = login_as("student").get(f"/kringen/{circle.id}").get_data(as_text=True)
    assert "Sanne" in page and "Netwerken op de beurs" not in page and other.first_name not in page
    login_as("student").post_form(f"/kringen/{circle.id}/aanmelden")
    page = login_as("student").get(f"/kringen/{circle.id}").get_data(as_text=True)
    assert "Netwerken op de beurs" in page and other.first_name in page and other.email not in page


def test_asking_for_a_circle_with_htmx(login_as, world):
    client = login_as("student", htmx=True)
    html = client.post_form("/kringen/aanvraag", {"wil": "ja"}).get_data(as_text=True)
    assert 'id="circle-request"' in html and "Toch niet" in html
    assert db.session.scalar(select(func.count()).select_from(CircleRequest)) == 1
    client.post_form("/kringen/aanvraag", {"wil": "ja"})  # twice is once
    assert db.session.scalar(select(func.count()).select_from(CircleRequest)) == 1
    html = client.post_form("/kringen/aanvraag", {"wil": "nee"}).get_data(as_text=True)
    assert "Ik wil in een kring" in html
    assert db.session.scalar(select(func.count()).select_from(CircleRequest)) == 0


# --- invitations by e-mail -----------------------------------------------------------------------------


def _invite(login_as, circle, *students):
    return login_as("coordinator").post_form(
        f"/kringen/beheer/{circle.id}/uitnodigen", {"student_ids": [str(s.id) for s in students]}
    )


def _links(mail):
    return re.findall(r"http://kring\.test(/kringen/uitnodiging/\S+)", body_of(mail))


def test_invitation_accept_link_works_without_login_once(login_as, world, smtp, client):
    circle = make_circle(world.school_a, invite_only=True, mentor=make_mentor(first_name="Sanne"))
    student = world.users["student"]
    assert _invite(login_as, circle, student).status_code == 302
    assert _status(circle.id, student.id) == "invited"
    worker.drain()
    [mail] = smtp.wait_for(1)
    accept, decline = _links(mail)
    assert accept.endswith("/ja") and decline.endswith("/nee") and accept[:-3] == decline[:-4]

    page = client.get(accept)  # a link checker opening the link changes nothing
    assert page.status_code == 200 and "Ja, ik doe mee" in page.get_data(as_text=True) and "Sanne" in page.get_data(as_text=True)
    assert _status(circle.id, student.id) == "invited"
    response = client.post_form(accept)
    assert response.status_code == 200 and "Je doet mee!" in response.get_data(as_text=True)
    assert _status(circle.id, student.id) == "joined" and _seats(circle.id) == 1
    again = client.post_form(accept)
    assert again.status_code == 410 and "al gebruikt" in again.get_data(as_text=True)
    assert client.get(decline).status_code == 410
    assert _status(circle.id, student.id) == "joined"


def test_invitation_decline_link_and_a_full_circle_waitlists(login_as, world, smtp, client):
    circle = make_circle(world.school_a, capacity=1)
    first, second = world.users["student"], make_user("student", world.school_a)
    _invite(login_as, circle, first, second)
    worker.drain()
    mails = {m["To"]: m for m in smtp.wait_for(2)}
    login_as(make_user("student", world.school_a)).post_form(f"/kringen/{circle.id}/aanmelden")  # takes the only seat

    accept_first, _decline = _links(mails[first.email])
    page = client.post_form(accept_first).get_data(as_text=True)
    assert "Je staat op de wachtlijst (plek 1)" in page and _status(circle.id, first.id) == "waitlisted"

    _accept, decline_second = _links(mails[second.email])
    assert "Nee, bedankt" in client.get(decline_second).get_data(as_text=True)
    page = client.post_form(decline_second).get_data(as_text=True)
    assert "afgeslagen" in page and _status(circle.id, second.id) == "declined"
    statuses = dict(db.session.execute(select(Invitation.user_id, Invitation.status).where(Invitation.kind == "circle")).all())
    assert statuses == {first.id: "accepted", second.id: "declined"}


def test_forged_or_foreign_tokens_do_not_work(world, client, login_as):
    assert client.get("/kringen/uitnodiging/nep-token/ja").status_code == 404
    assert client.post_form("/kringen/uitnodiging/nep-token/ja").status_code == 404
    from webapp.auth import tokens

    invitation = tokens.new_invitation("guardian_consent", "ouder@example.org", valid_for=timedelta(days=1), target_type="student", target_id=1)
    db.session.commit()
    assert client.get(f"/kringen/uitnodiging/{tokens.token_for(invitation)}/ja").status_code == 404


def test_invited_student_can_answer_when_logged_in(login_as, world):
    circle = make_circle(world.school_a, invite_only=True)
    student = world.users["student"]
    _invite(login_as, circle, student)
    page = login_as("student").get("/kringen/").get_data(as_text=True)
    assert "Uitnodigingen" in page and "Ja, ik doe mee" in page and "Kring Techniek" in page
    html = login_as("student", htmx=True).post_form(f"/kringen/{circle.id}/aanmelden").get_data(as_text=True)
    assert "Je doet mee." in html
    assert db.session.scalar(select(Invitation.status).where(Invitation.kind == "circle")) == "accepted"


def test_invitation_accept_by_a_student_under_16_asks_for_consent_and_keeps_the_token(login_as, world, smtp, client):
    circle = make_circle(world.school_a, mentor=make_mentor())
    student = world.users["student"]
    under_16(student, consent=True)
    _invite(login_as, circle, student)
    under_16(student, consent=False)  # the consent was withdrawn meanwhile
    worker.drain()
    accept, _decline = _links(smtp.wait_for(1)[0])
    response = client.post_form(accept)
    assert response.status_code == 409 and "toestemming" in response.get_data(as_text=True)
    under_16(student, consent=True)
    assert "Je doet mee!" in client.post_form(accept).get_data(as_text=True)


# --- the coordinator ------------------------------------------------------------------------------------


def _circle_form(**changes):
    data = {"name": "Kring Software", "theme": "Stage zoeken", "description": "", "programme_id": "0", "capacity": "6", "mentor_id": "0", "open_now": "y"}
    data.update(changes)
    return data


def test_coordinator_creates_a_circle_with_a_suggested_mentor_who_gets_an_email(login_as, world, smtp):
    software = next(p for p in world.school_a.programmes if p.sector == "ict")
    best = make_mentor(programme=software, graduated=2023, first_name="Fatima")
    make_mentor(sector="bouw", graduated=2024, first_name="Bouwvrouw")
    client = login_as("coordinator")
    page = client.get("/kringen/beheer/nieuw").get_data(as_text=True)
    assert "Fatima" in page and "Bouwvrouw" in page
    options = login_as("coordinator", htmx=True).get(f"/kringen/beheer/mentoren?programme_id={software.id}").get_data(as_text=True)
    assert options.index("Fatima") < options.index("Bouwvrouw")
    assert f"zelfde opleiding ({software.name})" in options and "andere richting (Bouw)" in options

    response = client.post_form("/kringen/beheer/nieuw", _circle_form(programme_id=str(software.id), mentor_id=str(best.id)))
    assert response.status_code == 302
    circle = db.session.scalar(select(MentoringCircle))
    assert (circle.name, circle.mentor_id, circle.programme_id, circle.capacity, circle.status) == ("Kring Software", best.id, software.id, 6, "open")
    assert response.headers["Location"].endswith(f"/kringen/beheer/{circle.id}")
    worker.drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == best.email and "mentor van de kring Kring Software" in mail["Subject"]
    assert link_in(body_of(mail)) == f"/kringen/mentor/{circle.id}"


def test_circle_form_errors_answer_422_and_keep_the_input(login_as, world):
    client = login_as("coordinator")
    response = client.post_form("/kringen/beheer/nieuw", _circle_form(name="", capacity="40", theme="Bewaard thema"))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Geef de kring een naam." in text and "Kies 1 tot 30 plekken." in text and 'value="Bewaard thema"' in text
    other_school_programme = world.school_b.programmes[0].id
    assert client.post_form("/kringen/beheer/nieuw", _circle_form(programme_id=str(other_school_programme))).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(MentoringCircle)) == 0


def test_coordinator_edits_opens_and_closes_a_circle(login_as, world):
    circle = make_circle(world.school_a, status="draft", capacity=1)
    client = login_as("coordinator")
    students = make_students(world.school_a, 2)
    page = client.get(f"/kringen/beheer/{circle.id}/bewerken").get_data(as_text=True)
    assert 'value="Kring Techniek"' in page
    client.post_form(f"/kringen/beheer/{circle.id}/openen")
    for student in students:
        login_as(student).post_form(f"/kringen/{circle.id}/aanmelden")
    assert client.post_form(f"/kringen/beheer/{circle.id}/bewerken", _circle_form(name="Nieuwe naam", capacity="2")).status_code == 302
    assert [_status(circle.id, s.id) for s in students] == ["joined", "joined"]
    response = client.post_form(f"/kringen/beheer/{circle.id}/bewerken", _circle_form(capacity="1"))
    assert response.status_code == 422 and "al 2 studentes" in response.get_data(as_text=True)
    response = login_as("coordinator", htmx=True).post_form(f"/kringen/beheer/{circle.id}/sluiten")
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"/kringen/beheer/{circle.id}")
    page = client.get(f"/kringen/beheer/{circle.id}").get_data(as_text=True)
    assert "Nieuwe naam" in page and "Afgesloten" in page
    assert db.session.get(MentoringCircle, circle.id).status == "closed"
    # closed by mistake: she opens it again; the members are still there
    assert "Weer openzetten" in page
    client.post_form(f"/kringen/beheer/{circle.id}/openen")
    db.session.expire_all()
    assert db.session.get(MentoringCircle, circle.id).status == "open"
    assert [_status(circle.id, s.id) for s in students] == ["joined", "joined"]


def test_coordinator_sees_members_waitlist_and_removes_a_member(login_as, world):
    circle = make_circle(world.school_a, capacity=1)
    first, second = make_students(world.school_a, 2)
    login_as(first).post_form(f"/kringen/{circle.id}/aanmelden")
    login_as(second).post_form(f"/kringen/{circle.id}/aanmelden")
    page = login_as("coordinator").get("/kringen/beheer").get_data(as_text=True)
    assert "Kring Techniek" in page and "1 op de wachtlijst" in page
    page = login_as("coordinator").get(f"/kringen/beheer/{circle.id}").get_data(as_text=True)
    assert first.full_name in page and "Wachtlijst" in page and second.full_name in page
    html = login_as("coordinator", htmx=True).post_form(f"/kringen/beheer/{circle.id}/leden/{first.id}/verwijderen").get_data(as_text=True)
    assert html.lstrip().startswith('<section id="members"')
    assert "schuift door van de wachtlijst" in html
    assert _status(circle.id, first.id) == "left" and _status(circle.id, second.id) == "joined"
    assert login_as("coordinator").post_form(f"/kringen/beheer/{circle.id}/leden/999999/verwijderen").status_code == 404


def test_coordinator_plans_changes_and_cancels_a_meeting(login_as, world):
    circle = make_circle(world.school_a, mentor=make_mentor())
    student = world.users["student"]
    login_as(student).post_form(f"/kringen/{circle.id}/aanmelden")
    client = login_as("coordinator")
    day = (date.today() + timedelta(days=10)).isoformat()
    bad = client.post_form(f"/kringen/beheer/{circle.id}/bijeenkomsten/nieuw", {"day": day, "start": "15:00", "end": "14:00", "place": ""})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "De eindtijd moet na de begintijd liggen." in text and "Vul een plaats of een videolink in." in text
    past = client.post_form(f"/kringen/beheer/{circle.id}/bijeenkomsten/nieuw", {"day": "2020-01-01", "start": "15:00", "end": "16:00", "place": "Aula"})
    assert past.status_code == 422
    response = client.post_form(
        f"/kringen/beheer/{circle.id}/bijeenkomsten/nieuw", {"day": day, "start": "15:00", "end": "16:30", "place": "Lokaal 2.14", "topic": "Stage"}
    )
    assert response.status_code == 302
    meeting = db.session.scalar(select(CircleMeeting))
    assert meeting.ical_sequence == 0
    form = client.get(f"/kringen/bijeenkomsten/{meeting.id}/bewerken").get_data(as_text=True)
    assert 'value="15:00"' in form and f'value="{day}"' in form
    client.post_form(f"/kringen/bijeenkomsten/{meeting.id}/bewerken", {"day": day, "start": "15:30", "end": "16:30", "place": "Aula", "topic": "Stage"})
    assert db.session.get(CircleMeeting, meeting.id).ical_sequence == 1
    client.post_form(f"/kringen/bijeenkomsten/{meeting.id}/afgelasten")
    meeting = db.session.get(CircleMeeting, meeting.id)
    assert meeting.cancelled and meeting.ical_sequence == 2
    templates = db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.to_address == student.email, OutboxEmail.template == "circles_meeting")).all()
    assert [s.split(":")[0] for s in templates] == ["Nieuwe bijeenkomst van je mentorkring Kring Techniek", "Gewijzigd", "Afgelast"]
    assert login_as("coordinator_b").get(f"/kringen/bijeenkomsten/{meeting.id}/bewerken").status_code == 404


# --- the mentor ----------------------------------------------------------------------------------------------


def test_mentor_sees_her_circles_marks_attendance_and_writes_a_note(login_as, world):
    mentor = make_mentor(first_name="Sanne")
    circle = make_circle(world.school_a, mentor=mentor)
    student = world.users["student"]
    profile = db.session.get(StudentProfile, student.id)
    profile.share_email = False
    db.session.commit()
    login_as(student).post_form(f"/kringen/{circle.id}/aanmelden")
    held = make_meeting(circle, utcnow() - timedelta(hours=3), topic="Kennismaken")

    page = login_as(mentor).get("/kringen/mentor").get_data(as_text=True)
    assert "Kring Techniek" in page and "School A" in page
    page = login_as(mentor).get(f"/kringen/mentor/{circle.id}").get_data(as_text=True)
    assert student.first_name in page and student.email not in page and student.last_name not in page

    hx = login_as(mentor, htmx=True)
    html = hx.post_form(f"/kringen/bijeenkomsten/{held.id}/aanwezigheid/{student.id}", {"aanwezig": "1"}).get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="attendance-{student.id}"') and 'aria-pressed="true"' in html
    assert db.session.get(MeetingAttendance, (held.id, student.id)).present is True
    hx.post_form(f"/kringen/bijeenkomsten/{held.id}/aanwezigheid/{student.id}", {"aanwezig": "0"})
    assert db.session.get(MeetingAttendance, (held.id, student.id)).present is False

    html = hx.post_form(f"/kringen/bijeenkomsten/{held.id}/notitie", {"note": "Goed gesprek over stages."}).get_data(as_text=True)
    assert "Opgeslagen" in html
    assert db.session.get(CircleMeeting, held.id).mentor_note == "Goed gesprek over stages."

    # The coordinator sees attendance and the note, and can mark too.
    page = login_as("coordinator").get(f"/kringen/beheer/{circle.id}").get_data(as_text=True)
    assert "afwezig" in page and "0 van 1" in page
    page = login_as("coordinator").get(f"/kringen/bijeenkomsten/{held.id}").get_data(as_text=True)
    assert "Goed gesprek over stages." in page
    login_as("coordinator").post_form(f"/kringen/bijeenkomsten/{held.id}/aanwezigheid/{student.id}", {"aanwezig": "1"})
    assert db.session.get(MeetingAttendance, (held.id, student.id)).present is True
    # Only the mentor writes the note; others cannot reach her meetings.
    assert login_as("coordinator").post_form(f"/kringen/bijeenkomsten/{held.id}/notitie", {"note": "x"}).status_code == 403
    other = make_mentor()
    assert login_as(other).get(f"/kringen/bijeenkomsten/{held.id}").status_code == 404
    assert login_as(other).post_form(f"/kringen/bijeenkomsten/{held.id}/aanwezigheid/{student.id}", {"aanwezig": "1"}).status_code == 404
    assert login_as("coordinator_b").get(f"/kringen/bijeenkomsten/{held.id}").status_code == 404


def test_attendance_for_a_non_member_is_404(login_as, world):
    mentor = make_mentor()
    circle = make_circle(world.school_a, mentor=mentor)
    held = make_meeting(circle, utcnow() - timedelta(hours=1))
    outsider = world.users["student"]
    assert login_as(mentor).post_form(f"/kringen/bijeenkomsten/{held.id}/aanwezigheid/{outsider.id}", {"aanwezig": "1"}).status_code == 404


# --- the formation helper ----------------------------------------------------------------------------------------


def test_formation_helper_proposes_lets_her_adjust_and_creates_all_circles(login_as, world, smtp):
    school = world.school_a
    students = make_students(school, 8)
    for student in students:
        login_as(student).post_form("/kringen/aanvraag", {"wil": "ja"})
    first_mentor = make_mentor(first_name="Fatima")
    second_mentor = make_mentor(first_name="Sanne", graduated=2015)
    client = login_as("coordinator")
    page = client.get("/kringen/beheer/indelen?doel=4&min=3&max=5").get_data(as_text=True)
    assert "8 studentes wachten op een kring" in page and "2 mentoren beschikbaar" in page
    assert page.count('class="formation-circle"') == 2
    assert all(f'name="studente-{s.id}"' in page for s in students)

    form = {"doel": "4", "min": "3", "max": "5", "aantal": "2", "naam-1": "Kring Maandag", "naam-2": "Kring Dinsdag",
            "mentor-1": str(first_mentor.id), "mentor-2": str(second_mentor.id)}
    for index, student in enumerate(students):
        form[f"studente-{student.id}"] = "1" if index < 5 else "2"
    form[f"studente-{students[-1].id}"] = "0"  # not placed this time
    review = client.post_form("/kringen/beheer/indelen", dict(form, actie="bekijken"))
    assert review.status_code == 200
    text = review.get_data(as_text=True)
    assert "5 studentes" in text and "2 studentes" in text and "Niet ingedeeld" in text

    bad = client.post_form("/kringen/beheer/indelen", dict(form, actie="aanmaken", **{"mentor-2": ""}))
    assert bad.status_code == 422 and "Kies een mentor voor Kring Dinsdag." in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MentoringCircle)) == 0

    created = client.post_form("/kringen/beheer/indelen", dict(form, actie="aanmaken"))
    assert created.status_code == 302 and created.headers["Location"].endswith("/kringen/beheer")
    circles = {c.name: c for c in db.session.scalars(select(MentoringCircle))}
    assert circles["Kring Maandag"].seats_taken == 5 and circles["Kring Dinsdag"].seats_taken == 2
    assert circles["Kring Maandag"].mentor_id == first_mentor.id
    assert _status(circles["Kring Maandag"].id, students[0].id) == "joined"
    # The one not placed still waits; the helper shows her alone.
    page = client.get("/kringen/beheer/indelen").get_data(as_text=True)
    assert "1 studente wacht op een kring" in page
    worker.drain()
    assert len(smtp.wait_for(9)) == 9  # 7 studentes and 2 mentors


def test_formation_helper_empty_states(login_as, world):
    page = login_as("coordinator").get("/kringen/beheer/indelen").get_data(as_text=True)
    assert "Er zijn geen studentes die wachten op een kring" in page
    login_as("student").post_form("/kringen/aanvraag", {"wil": "ja"})
    page = login_as("coordinator").get("/kringen/beheer/indelen").get_data(as_text=True)
    assert "Er is geen mentor beschikbaar" in page
    response = login_as("coordinator").get("/kringen/beheer/indelen?doel=99")
    assert response.status_code == 422 and "Kies een kringgrootte van 2 tot 30." in response.get_data(as_text=True)


# --- the start page -------------------------------------------------------------------------------------------


def test_start_page_shows_circles_per_role(login_as, world):
    mentor = make_mentor(first_name="Sanne")
    circle = make_circle(world.school_a, mentor=mentor)
    make_meeting(circle, topic="Stage")
    login_as("student").post_form(f"/kringen/{circle.id}/aanmelden")
    page = login_as("student").get("/start").get_data(as_text=True)
    assert "Mentorkringen" in page and "volgende keer" in page
    page = login_as(mentor).get("/start").get_data(as_text=True)
    assert "Jouw mentorkringen" in page and "Kring Techniek" in page
    page = login_as("coordinator").get("/start").get_data(as_text=True)
    assert "open kringen" in page and "Bijeenkomsten de komende twee weken" in page
    assert "Kringen" in login_as("student").get("/start").get_data(as_text=True)
