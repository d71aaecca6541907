"""Inviting alumnae in bulk, resending and withdrawing, reminders, and graduates staying as alumnae."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import PASSWORD, body_of, link_in
from webapp.auth.models import Invitation
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.outbox import worker
from webapp.outbox.models import OutboxEmail
from webapp.people.models import AlumnaProfile, StudentProfile
from webapp.people.services import send_due_reminders


def _mails_to(address: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.to_address == address))


def test_bulk_invitation_from_pasted_addresses_skips_what_cannot_be_sent(login_as, world):
    client = login_as("coordinator")
    response = client.post_form(
        "/school/alumnae/uitnodigen",
        {"addresses": "sanne@stedin.nl, Priya@ASML.com;geen-adres\nsanne@stedin.nl\n" + world.users["alumna"].email, "message": "Welkom!"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 uitnodigingen verstuurd." in text
    assert "geen-adres: geen geldig e-mailadres" in text
    assert f"{world.users['alumna'].email}: is al lid van het alumninetwerk" in text
    assert _mails_to("sanne@stedin.nl") == 1 and _mails_to("priya@asml.com") == 1
    again = client.post_form("/school/alumnae/uitnodigen", {"addresses": "sanne@stedin.nl"})
    assert "sanne@stedin.nl: is al uitgenodigd" in again.get_data(as_text=True)
    assert _mails_to("sanne@stedin.nl") == 1


def test_bulk_invitation_from_a_csv_file(login_as, world):
    content = "naam;e-mail\nNoor;noor@bam.nl\nIris;iris@heijmans.nl\n".encode("cp1252")
    response = login_as("coordinator").post_form(
        "/school/alumnae/uitnodigen",
        {"addresses": "", "file": (io.BytesIO(content), "alumnae.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert _mails_to("noor@bam.nl") == 1 and _mails_to("iris@heijmans.nl") == 1


def test_empty_bulk_invitation_gets_a_message(login_as, world):
    response = login_as("coordinator").post_form("/school/alumnae/uitnodigen", {"addresses": "  "})
    assert response.status_code == 422
    assert "Vul minstens één e-mailadres in" in response.get_data(as_text=True)


def _invite(client, address="sanne@stedin.nl") -> Invitation:
    client.post_form("/school/alumnae/uitnodigen", {"addresses": address})
    return db.session.scalar(select(Invitation).where(Invitation.email == address))


def test_invitations_list_shows_who_accepted(login_as, world, client, smtp):
    coordinator = login_as("coordinator")
    _invite(coordinator, "sanne@stedin.nl")
    _invite(coordinator, "priya@asml.com")
    worker.drain()
    link = link_in(body_of(next(m for m in smtp.wait_for(2) if m["To"] == "sanne@stedin.nl")))
    client.post_form(link, {"first_name": "Sanne", "password": PASSWORD, "confirm": PASSWORD})
    text = coordinator.get("/school/uitnodigingen?kind=alumna").get_data(as_text=True)
    assert "sanne@stedin.nl" in text and "Aangenomen" in text and "Wacht op antwoord" in text
    accepted = coordinator.get("/school/uitnodigingen?status=accepted").get_data(as_text=True)
    assert "sanne@stedin.nl" in accepted and "priya@asml.com" not in accepted


def test_resend_makes_a_new_link_and_the_old_one_stops_working(login_as, world, client, smtp):
    coordinator = login_as("coordinator", htmx=True)
    invitation = _invite(coordinator)
    worker.drain()
    old_link = link_in(body_of(smtp.wait_for(1)[0]))
    response = coordinator.post_form(f"/school/uitnodigingen/{invitation.id}/opnieuw")
    assert response.status_code == 200 and response.get_data(as_text=True).lstrip().startswith(f'<tr id="invitation-{invitation.id}"')
    worker.drain()
    new_link = link_in(body_of(smtp.wait_for(2)[1]))
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200


def test_withdrawn_invitation_link_says_so(login_as, world, client, smtp):
    coordinator = login_as("coordinator")
    invitation = _invite(coordinator)
    worker.drain()
    link = link_in(body_of(smtp.wait_for(1)[0]))
    assert coordinator.post_form(f"/school/uitnodigingen/{invitation.id}/intrekken").status_code == 302
    response = client.get(link)
    assert response.status_code == 410 and "ingetrokken" in response.get_data(as_text=True)
    again = coordinator.post_form(f"/school/uitnodigingen/{invitation.id}/intrekken", follow_redirects=True)
    assert "al beantwoord of ingetrokken" in again.get_data(as_text=True)


def test_another_school_cannot_touch_the_invitation(login_as, world):
    invitation = _invite(login_as("coordinator"))
    other = login_as("coordinator_b")
    assert other.post_form(f"/school/uitnodigingen/{invitation.id}/intrekken").status_code == 404
    assert other.post_form(f"/school/uitnodigingen/{invitation.id}/opnieuw").status_code == 404
    assert "sanne@stedin.nl" not in other.get("/school/uitnodigingen").get_data(as_text=True)
    db.session.refresh(invitation)
    assert invitation.status == "pending"


def test_one_reminder_after_seven_days_with_a_working_link(login_as, world, client, smtp):
    coordinator = login_as("coordinator")
    fresh = _invite(coordinator, "vers@example.org")
    old = _invite(coordinator, "oud@example.org")
    answered = _invite(coordinator, "klaar@example.org")
    answered.status = "accepted"
    for invitation in (old, answered):
        invitation.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0
    assert _mails_to("oud@example.org") == 2 and _mails_to("vers@example.org") == 1 and _mails_to("klaar@example.org") == 1
    worker.drain()
    reminder = [m for m in smtp.wait_for(4) if m["To"] == "oud@example.org" and "Herinnering" in m["Subject"]]
    assert len(reminder) == 1
    assert client.get(link_in(body_of(reminder[0]))).status_code == 200
    assert fresh.reminded_at is None


def test_send_mail_command_sends_due_reminders(app, login_as, world, smtp):
    invitation = _invite(login_as("coordinator"))
    invitation.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    assert result.exit_code == 0
    assert [m["Subject"] for m in smtp.wait_for(2)].count("Herinnering: uitnodiging voor het alumninetwerk van Kring") == 1


def test_graduate_is_invited_to_stay_and_keeps_her_history(login_as, world, smtp):
    student = world.users["student"]
    coordinator = login_as("coordinator")
    response = coordinator.post_form(f"/school/studenten/{student.id}/status", {"status": "graduated", "left_at": "2026-07-01", "leave_reason": ""})
    assert response.status_code == 302
    profile = db.session.get(StudentProfile, student.id)
    assert profile.status == "graduated" and str(profile.left_at) == "2026-07-01"
    worker.drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == student.email and "Gefeliciteerd met je diploma" in body_of(mail)
    link = link_in(body_of(mail))
    client = login_as("student")
    assert client.get(link).status_code == 200
    assert client.post_form(link).status_code == 302
    db.session.refresh(student)
    assert student.has_role("alumna") and student.has_role("student")
    alumna = db.session.get(AlumnaProfile, student.id)
    assert alumna.graduated_year == 2026 and alumna.programme_id == profile.programme_id and alumna.school_id == world.school_a.id


def test_status_in_the_future_is_refused(login_as, world):
    response = login_as("coordinator").post_form(
        f"/school/studenten/{world.users['student'].id}/status", {"status": "left", "left_at": "2999-01-01"}
    )
    assert response.status_code == 422 and "in de toekomst" in response.get_data(as_text=True)
    assert db.session.get(StudentProfile, world.users["student"].id).status == "active"


def test_status_filter_is_not_the_http_status(login_as, world):
    _invite(login_as("coordinator"))
    response = login_as("coordinator").get("/school/uitnodigingen?status=pending")
    assert response.status_code == 200 and "sanne@stedin.nl" in response.get_data(as_text=True)
