"""The admin creates schools and programmes and invites coordinators."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import body_of, link_in
from webapp.auth.models import User
from webapp.extensions import db
from webapp.outbox import worker
from webapp.people.models import CoordinatorProfile, Programme, School


def test_admin_creates_a_school(login_as):
    client = login_as("admin")
    response = client.post_form("/beheer/scholen", {"name": "Techniek College Zuid", "city": "Maastricht", "brin": "12ab", "retention_years": "3"})
    assert response.status_code == 302
    school = db.session.scalar(select(School).where(School.name == "Techniek College Zuid"))
    assert school.brin == "12AB" and school.retention_years == 3
    assert "Techniek College Zuid" in client.get("/beheer/scholen").get_data(as_text=True)


def test_duplicate_school_name_and_bad_brin_get_messages_next_to_the_fields(login_as, world):
    client = login_as("admin")
    response = client.post_form("/beheer/scholen", {"name": "school a", "city": "X", "brin": "", "retention_years": "2"})
    assert response.status_code == 422
    assert "Er is al een school met deze naam." in response.get_data(as_text=True)
    response = client.post_form("/beheer/scholen", {"name": "Nieuw", "city": "X", "brin": "toolong", "retention_years": "99"})
    text = response.get_data(as_text=True)
    assert "Een BRIN-code heeft 4 tekens" in text and "Kies 1 tot 10 jaar." in text
    assert 'value="Nieuw"' in text  # what was typed is kept


def test_admin_adds_a_programme_and_a_duplicate_is_refused(login_as, world):
    client = login_as("admin")
    url = f"/beheer/scholen/{world.school_a.id}/opleidingen"
    data = {"programme-name": "Mechatronica", "programme-crebo": "25336", "programme-level": "4", "programme-pathway": "BBL", "programme-sector": "mechatronica"}
    assert client.post_form(url, data).status_code == 302
    assert db.session.scalar(select(Programme).where(Programme.crebo == "25336")).pathway == "BBL"
    response = client.post_form(url, data)
    assert response.status_code == 422 and "heeft deze opleiding" in response.get_data(as_text=True)
    response = client.post_form(url, data | {"programme-crebo": "12"})
    assert "Een crebocode heeft 5 cijfers." in response.get_data(as_text=True)


def test_admin_invites_a_coordinator_who_activates_from_the_email(login_as, world, smtp, client):
    admin = login_as("admin")
    response = admin.post_form(
        f"/beheer/scholen/{world.school_b.id}/coordinatoren",
        {"coordinator-first_name": "Ingrid", "coordinator-last_name": "Bakker", "coordinator-email": "ingrid@school-b.nl", "coordinator-job_title": "Docent"},
    )
    assert response.status_code == 302
    worker.drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "ingrid@school-b.nl" and "School B" in body_of(mail)
    link = link_in(body_of(mail))
    client.post_form(link, {"password": "een goed wachtwoord", "confirm": "een goed wachtwoord"})
    page = client.get("/start").get_data(as_text=True)
    assert "Coördinator van School B" in page
    user = db.session.scalar(select(User).where(User.email == "ingrid@school-b.nl"))
    assert db.session.get(CoordinatorProfile, user.id).school_id == world.school_b.id


def test_a_coordinator_of_another_school_cannot_be_moved(login_as, world):
    response = login_as("admin").post_form(
        f"/beheer/scholen/{world.school_b.id}/coordinatoren",
        {"coordinator-first_name": "X", "coordinator-email": world.users["coordinator"].email},
    )
    assert response.status_code == 422
    assert "al coördinator van een andere school" in response.get_data(as_text=True)


def test_only_admins_reach_school_management(login_as, world):
    for who in ("student", "alumna", "coordinator"):
        client = login_as(who)
        assert client.get("/beheer/scholen").status_code == 403
        assert client.get(f"/beheer/scholen/{world.school_a.id}").status_code == 403
        assert client.post_form("/beheer/scholen", {"name": "Sneaky", "retention_years": "2"}).status_code == 403
    assert db.session.scalar(select(School).where(School.name == "Sneaky")) is None
