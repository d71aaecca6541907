"""A coordinator invites students and alumnae; they activate or register from the e-mail."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import body_of, link_in
from webapp.auth.models import Invitation, User
from webapp.extensions import db
from webapp.outbox import worker
from webapp.people.models import AlumnaProfile, StudentProfile


def _student_data(world, **overrides):
    data = {
        "first_name": "Yasmina",
        "last_name": "El Amrani",
        "email": "yasmina@student.nl",
        "programme_id": str(world.school_a.programmes[0].id),
        "year": "1",
        "student_number": "123456",
    }
    data.update(overrides)
    return data


def test_invited_student_activates_her_account_from_the_email(login_as, world, smtp, client):
    coordinator = login_as("coordinator")
    response = coordinator.post_form("/school/studenten/uitnodigen", _student_data(world))
    assert response.status_code == 302
    assert "Yasmina is uitgenodigd" in coordinator.get("/start").get_data(as_text=True)
    worker.drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "yasmina@student.nl"
    assert "School A heeft een account voor je gemaakt" in body_of(mail)
    link = link_in(body_of(mail))
    assert client.get("/start").status_code == 302
    response = client.post_form(link, {"password": "zonnepanelen op het dak", "confirm": "zonnepanelen op het dak"})
    assert response.status_code == 302
    page = client.get("/start").get_data(as_text=True)
    assert "Hallo Yasmina" in page and "School A" in page
    user = db.session.scalar(select(User).where(User.email == "yasmina@student.nl"))
    profile = db.session.get(StudentProfile, user.id)
    assert profile.school_id == world.school_a.id and profile.student_number == "123456" and user.activated


def test_student_invitation_rejects_a_programme_of_another_school(login_as, world):
    other = world.school_b.programmes[0].id
    response = login_as("coordinator").post_form("/school/studenten/uitnodigen", _student_data(world, programme_id=str(other)))
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.email == "yasmina@student.nl")) is None


def test_student_invitation_errors_are_shown_and_input_kept(login_as, world):
    client = login_as("coordinator")
    response = client.post_form("/school/studenten/uitnodigen", _student_data(world, email="geen-adres", first_name=""))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dit is geen geldig e-mailadres." in text and "Vul een voornaam in." in text
    assert 'value="El Amrani"' in text
    response = client.post_form("/school/studenten/uitnodigen", _student_data(world, email=world.users["student_b"].email))
    assert "Er is al een account met dit e-mailadres." in response.get_data(as_text=True)


def test_invited_alumna_registers_and_joins_the_network(login_as, world, smtp, client):
    coordinator = login_as("coordinator")
    response = coordinator.post_form("/school/alumnae/uitnodigen", {"addresses": "Sanne@Stedin.nl", "message": "Kom je een gastles geven?"})
    assert response.status_code == 302
    worker.drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "sanne@stedin.nl"
    text = body_of(mail)
    assert "Kom je een gastles geven?" in text and "School A" in text
    link = link_in(text)
    response = client.post_form(link, {"first_name": "Sanne", "last_name": "de Vries", "password": "monteur middenspanning", "confirm": "monteur middenspanning"})
    assert response.status_code == 302
    assert "Jouw alumnaprofiel" in client.get("/start").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "sanne@stedin.nl"))
    assert user.has_role("alumna") and db.session.get(AlumnaProfile, user.id) is not None
    assert db.session.scalar(select(Invitation.status).where(Invitation.kind == "alumna")) == "accepted"


def test_existing_user_accepts_alumna_invitation_after_logging_in(login_as, world, smtp):
    coordinator_b = world.users["coordinator_b"]
    login_as("coordinator").post_form("/school/alumnae/uitnodigen", {"addresses": coordinator_b.email, "message": ""})
    worker.drain()
    link = link_in(body_of(smtp.wait_for(1)[0]))
    anonymous = login_as("student").application.test_client()
    response = anonymous.get(link)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    client = login_as("coordinator_b")
    assert client.get(link).status_code == 200
    assert client.post_form(link).status_code == 302
    db.session.refresh(coordinator_b)
    assert coordinator_b.has_role("alumna") and coordinator_b.has_role("coordinator")


def test_only_coordinators_invite(login_as, world):
    for who in ("student", "alumna", "admin"):
        client = login_as(who)
        assert client.get("/school/studenten/uitnodigen").status_code == 403
        assert client.post_form("/school/alumnae/uitnodigen", {"addresses": "x@example.org"}).status_code == 403
    assert db.session.scalar(select(Invitation)) is None
