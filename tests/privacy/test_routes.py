"""The privacy pages: own data, account deletion, visibility, guardian consent, removal, audit log."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import PASSWORD, body_of, link_in, make_user
from tests.privacy.conftest import build_life
from webapp.audit.models import AuditEvent
from webapp.audit.services import record
from webapp.auth import tokens
from webapp.auth.models import Invitation, User
from webapp.buddies.models import BuddyPair
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.outbox import worker
from webapp.people.models import AlumnaProfile, StudentProfile
from webapp.privacy import services
from webapp.privacy.cli import init_cli


def _years_ago(years: int, days: int = 0) -> date:
    today = services.local_today()
    return services.years_before(today, years) + timedelta(days=days)


def _set_birth(user: User, birth: date) -> StudentProfile:
    profile = db.session.get(StudentProfile, user.id)
    profile.birth_date = birth
    db.session.commit()
    return profile


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- who may open what --------------------------------------------------------------------------

PAGES = [
    ("/privacy/mijn-gegevens", ("student", "alumna", "coordinator", "admin")),
    ("/privacy/mijn-gegevens.json", ("student", "alumna", "coordinator", "admin")),
    ("/privacy/account-verwijderen", ("student", "alumna", "coordinator", "admin")),
    ("/privacy/zichtbaarheid", ("student",)),
    ("/privacy/toestemming-vragen", ("student",)),
    ("/privacy/school/toestemming", ("coordinator",)),
    ("/privacy/school/audit", ("coordinator",)),
    ("/privacy/audit", ("admin",)),
]


@pytest.mark.parametrize(("url", "allowed"), PAGES)
def test_pages_need_login_and_the_right_role(client, login_as, url, allowed):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for role in ("student", "alumna", "coordinator", "admin"):
        status = login_as(role).get(url).status_code
        assert status == (200 if role in allowed else 403), (url, role, status)


# --- her own data ---------------------------------------------------------------------------------


def test_my_data_page_shows_everything_readably(login_as, world):
    life = build_life(world)
    response = login_as("student").get("/privacy/mijn-gegevens")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'hx-history="false"' in text
    for expected in ("Kring Techniek", "Stagespeeddate voorjaar", "Welkom in de kring", "S12345", "ouder@example.net", life.buddy.first_name, "Je buddy"):
        assert expected in text, expected
    assert life.buddy.email not in text and life.student.password_hash not in text
    assert "14 maart 2009" in text  # dates are readable


def test_json_download_is_an_attachment_with_her_data(login_as, world):
    life = build_life(world)
    response = login_as("student").get("/privacy/mijn-gegevens.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert re.match(r'attachment; filename="kring-mijn-gegevens-\d{4}-\d{2}-\d{2}\.json"', response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    expected = services.export_user_data(life.student)
    for section in ("user", "student_profile", "circle_memberships", "buddy_pairs", "speeddate_registrations", "emails", "invitations"):
        assert data[section] == expected[section], section
    assert [e.subject_user_id for e in _audit("account.exported")] == [life.student.id]


def test_she_corrects_her_name_and_phone(login_as, world):
    client = login_as("student")
    response = client.post_form("/privacy/mijn-gegevens", {"first_name": "Sanne", "last_name": "de Vries", "phone": "0612345678"})
    assert response.status_code == 302
    user = db.session.get(User, world.users["student"].id)
    assert (user.first_name, user.last_name, user.phone) == ("Sanne", "de Vries", "0612345678")
    assert _audit("profile.corrected")[0].details == {"fields": ["first_name", "last_name", "phone"]}

    response = client.post_form("/privacy/mijn-gegevens", {"first_name": "", "last_name": "x", "phone": "bel me"}, headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Vul je voornaam in." in text and "Vul een telefoonnummer in" in text
    assert "<html" not in text  # the form partial only
    assert db.session.get(User, world.users["student"].id).first_name == "Sanne"


# --- deleting her account -------------------------------------------------------------------------


def test_delete_account_needs_confirmation_and_password(login_as, world, client):
    student = world.users["student"]
    session = login_as("student")
    assert session.post("/privacy/account-verwijderen", data={"confirmation": "VERWIJDEREN", "password": PASSWORD}).status_code == 400  # no CSRF
    response = session.post_form("/privacy/account-verwijderen", {"confirmation": "weg ermee", "password": "fout wachtwoord"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Typ precies je e-mailadres of het woord VERWIJDEREN." in text and "Dit wachtwoord klopt niet." in text
    assert db.session.get(User, student.id).activated

    email = student.email
    response = session.post_form("/privacy/account-verwijderen", {"confirmation": email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert session.get("/start").status_code == 302  # logged out
    user = db.session.get(User, student.id)
    assert services.is_erased(user) and not user.activated
    login = client.post_form("/login", {"email": email, "password": PASSWORD})
    assert login.status_code == 422 and "horen niet bij elkaar" in login.get_data(as_text=True)


def test_the_last_admin_is_told_she_cannot_delete_her_account(login_as, world):
    admin = login_as("admin")
    page = admin.get("/privacy/account-verwijderen").get_data(as_text=True)
    assert "laatste beheerdersaccount" in page
    response = admin.post_form("/privacy/account-verwijderen", {"confirmation": "VERWIJDEREN", "password": PASSWORD})
    assert response.status_code == 422 and "laatste beheerdersaccount" in response.get_data(as_text=True)
    assert db.session.get(User, world.users["admin"].id).activated


# --- a coordinator removes a student ----------------------------------------------------------------


def test_coordinator_of_another_school_gets_404(login_as, world):
    url = f"/privacy/school/studenten/{world.users['student'].id}/verwijderen"
    other = login_as("coordinator_b")
    assert other.get(url).status_code == 404
    assert other.post_form(url, {"confirm": "y", "leave_status": "left"}).status_code == 404
    assert not services.is_erased(db.session.get(User, world.users["student"].id))
    assert login_as("student").get(url).status_code == 403


def test_coordinator_removes_a_student_who_left(login_as, world):
    life = build_life(world)
    url = f"/privacy/school/studenten/{life.student.id}/verwijderen"
    her_session = login_as("student")
    assert her_session.get("/start").status_code == 200
    client = login_as("coordinator")
    page = client.get(url)
    assert page.status_code == 200 and life.student.full_name in page.get_data(as_text=True)
    assert _audit("viewed")[-1].details == {"what": "remove_student"}

    response = client.post_form(url, {"leave_status": "", "confirm": "y"})
    assert response.status_code == 422 and "Kies waarom de studente de school heeft verlaten." in response.get_data(as_text=True)
    response = client.post_form(url, {"leave_status": "switched"})
    assert response.status_code == 422 and "Vink aan" in response.get_data(as_text=True)
    assert not services.is_erased(db.session.get(User, life.student.id))

    response = client.post_form(url, {"leave_status": "switched", "left_on": "2026-01-31", "confirm": "y"})
    assert response.status_code == 302
    profile = db.session.get(StudentProfile, life.student.id)
    assert services.is_erased(profile.user) and profile.status == "switched" and profile.left_at == date(2026, 1, 31)
    assert db.session.get(BuddyPair, life.pair.id).status == "ended"
    [removed] = _audit("student.removed")
    [erased] = _audit("account.erased")
    assert removed.actor_id == erased.actor_id == life.coordinator.id and erased.details == {"reason": "removed_by_coordinator"}
    assert client.get(url).status_code == 404  # nothing left to remove
    assert her_session.get("/start").status_code == 302  # her open session no longer works


def test_removing_a_student_who_is_also_an_alumna_keeps_her_alumna_account(login_as, world):
    student = world.users["student"]
    student.add_role("alumna")
    db.session.add(AlumnaProfile(user_id=student.id, graduated_year=2025))
    profile = db.session.get(StudentProfile, student.id)
    profile.status, profile.left_at, profile.student_number = "graduated", date(2025, 7, 1), "123"
    db.session.commit()
    response = login_as("coordinator").post_form(f"/privacy/school/studenten/{student.id}/verwijderen", {"confirm": "y"})
    assert response.status_code == 302
    user = db.session.get(User, student.id)
    assert user.activated and user.role_names == {"alumna"} and db.session.get(StudentProfile, student.id).student_number is None


# --- who sees her profile -------------------------------------------------------------------------


def test_visibility_page_explains_and_saves_sharing_without_js(login_as, world):
    client = login_as("student")
    text = client.get("/privacy/zichtbaarheid").get_data(as_text=True)
    assert "Coördinatoren van School A" in text and "Alleen je voornaam, je opleiding en je leerjaar" in text
    assert 'role="switch"' in text and 'hx-post="/privacy/zichtbaarheid"' in text
    response = client.post_form("/privacy/zichtbaarheid", {"share_email": "y"})
    assert response.status_code == 302
    profile = db.session.get(StudentProfile, world.users["student"].id)
    assert profile.share_email and not profile.share_phone
    assert "Je keuze is opgeslagen." in client.get("/privacy/zichtbaarheid").get_data(as_text=True)
    assert _audit("profile.sharing_changed")[0].details == {"share_email": True, "share_phone": False}


def test_visibility_switch_saves_inline_with_htmx(login_as, world):
    client = login_as("student", htmx=True)
    response = client.post("/privacy/zichtbaarheid", data={"share_phone": "y"}, headers={"X-CSRFToken": client.csrf_token()})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert text.lstrip().startswith('<div id="sharing">') and "Je keuze is opgeslagen." in text
    assert world.users["student"].email not in text.split("Zo zien")[1]  # e-mail stays hidden in the preview
    assert db.session.get(StudentProfile, world.users["student"].id).share_phone


# --- guardian consent -----------------------------------------------------------------------------


def test_guardian_consent_end_to_end(login_as, world, smtp, client):
    student = world.users["student"]
    profile = _set_birth(student, _years_ago(15))
    assert services.needs_guardian_consent(profile)
    session = login_as("student")
    assert "Toestemming vragen" in session.get("/privacy/zichtbaarheid").get_data(as_text=True)
    response = session.post_form("/privacy/toestemming-vragen", {"guardian_email": student.email})
    assert response.status_code == 422 and "niet je eigen adres" in response.get_data(as_text=True)
    response = session.post_form("/privacy/toestemming-vragen", {"guardian_email": "Ouder@Example.net"})
    assert response.status_code == 302
    assert "We wachten op antwoord van ouder@example.net" in session.get("/privacy/toestemming-vragen").get_data(as_text=True)

    worker.drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "ouder@example.net"
    assert f"{student.first_name} vraagt u om toestemming" in body_of(mail)
    link = link_in(body_of(mail))
    assert link.startswith("/privacy/toestemming/")

    page = client.get(link).get_data(as_text=True)  # the guardian is not logged in
    assert f"Toestemming voor {student.first_name}" in page and "Speeddates" in page and "Ik geef toestemming" in page
    response = client.post_form(link, {"consent": "Ik geef toestemming"})
    assert response.status_code == 200 and "U hebt toestemming gegeven" in response.get_data(as_text=True)
    profile = db.session.get(StudentProfile, student.id)
    assert profile.guardian_consent_at is not None and not services.needs_guardian_consent(profile)
    assert [e.subject_user_id for e in _audit("guardian_consent.given")] == [student.id]

    # Single use: a second answer is refused.
    again = client.post_form(link, {"refuse": "Ik geef geen toestemming"})
    assert again.status_code == 410 and "al geantwoord" in again.get_data(as_text=True)
    assert db.session.get(StudentProfile, student.id).guardian_consent_at is not None


def test_refusal_is_recorded_and_shown_to_the_coordinator(login_as, world, client):
    student = world.users["student"]
    profile = _set_birth(student, _years_ago(14))
    invitation = services.request_guardian_consent(profile, "ouder@example.net", world.users["coordinator"])
    db.session.commit()
    link = f"/privacy/toestemming/{tokens.token_for(invitation)}"
    response = client.post_form(link, {"refuse": "Ik geef geen toestemming"})
    assert response.status_code == 200 and "U hebt geen toestemming gegeven" in response.get_data(as_text=True)
    assert db.session.get(Invitation, invitation.id).status == "declined"
    assert services.needs_guardian_consent(db.session.get(StudentProfile, student.id))
    assert len(_audit("guardian_consent.refused")) == 1
    overview = login_as("coordinator").get("/privacy/school/toestemming").get_data(as_text=True)
    assert student.full_name in overview and "Geen toestemming" in overview


def test_expired_and_forged_consent_links_are_refused(world, client):
    profile = _set_birth(world.users["student"], _years_ago(15))
    invitation = services.request_guardian_consent(profile, "ouder@example.net", world.users["student"])
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    link = f"/privacy/toestemming/{tokens.token_for(invitation)}"
    for response in (client.get(link), client.post_form(link, {"consent": "Ik geef toestemming"})):
        assert response.status_code == 410 and "verlopen" in response.get_data(as_text=True)
    assert db.session.get(StudentProfile, profile.user_id).guardian_consent_at is None
    forged = client.get("/privacy/toestemming/" + tokens.token_for(invitation)[:-3] + "abc")
    assert forged.status_code == 404


def test_resending_makes_the_old_link_stop_working(world, client):
    profile = _set_birth(world.users["student"], _years_ago(15))
    first = services.request_guardian_consent(profile, "ouder@example.net", world.users["coordinator"])
    db.session.commit()
    old_link = f"/privacy/toestemming/{tokens.token_for(first)}"
    first.expires_at = utcnow() + services.CONSENT_VALID - timedelta(hours=1)  # sent an hour ago
    db.session.commit()
    second = services.request_guardian_consent(profile, "andere.ouder@example.net", world.users["coordinator"])
    db.session.commit()
    assert second.id == first.id and second.sent_count == 2 and second.email == "andere.ouder@example.net"
    assert client.get(old_link).status_code == 404
    assert client.get(f"/privacy/toestemming/{tokens.token_for(second)}").status_code == 200


def test_consent_overview_lists_only_own_schools_students_under_16(login_as, world):
    young = world.users["student"]
    _set_birth(young, _years_ago(15))
    _set_birth(world.users["student_b"], _years_ago(15))  # other school
    sixteen = make_user("student", world.school_a)
    _set_birth(sixteen, _years_ago(16))  # turns 16 today
    consented = make_user("student", world.school_a)
    profile = _set_birth(consented, _years_ago(14))
    profile.guardian_consent_at = utcnow()
    db.session.commit()

    text = login_as("coordinator").get("/privacy/school/toestemming").get_data(as_text=True)
    assert young.full_name in text and "Nog niet gevraagd" in text
    for absent in (world.users["student_b"], sixteen, consented):
        assert absent.full_name not in text
    assert _audit("viewed")[-1].details == {"what": "consent_overview"}


def test_coordinator_sends_a_consent_request_inline(login_as, world):
    young = world.users["student"]
    _set_birth(young, _years_ago(15))
    client = login_as("coordinator", htmx=True)
    token = client.csrf_token()
    url = f"/privacy/school/toestemming/{young.id}"
    response = client.post(url, data={f"s{young.id}-guardian_email": "geen-adres"}, headers={"X-CSRFToken": token})
    assert response.status_code == 422 and "Dit is geen geldig e-mailadres." in response.get_data(as_text=True)
    response = client.post(url, data={f"s{young.id}-guardian_email": "ouder@example.net"}, headers={"X-CSRFToken": token})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and text.lstrip().startswith(f'<tr id="consent-{young.id}">')
    assert "Wacht op antwoord" in text and "Opnieuw versturen" in text and 'hx-swap-oob' in text
    [invitation] = db.session.scalars(select(Invitation).where(Invitation.kind == "guardian_consent")).all()
    assert (invitation.target_type, invitation.target_id, invitation.school_id) == ("student", young.id, world.school_a.id)
    # Not for a student of 16 or older.
    older = make_user("student", world.school_a)
    _set_birth(older, _years_ago(17))
    response = client.post(f"/privacy/school/toestemming/{older.id}", data={f"s{older.id}-guardian_email": "x@example.net"}, headers={"X-CSRFToken": token})
    assert response.status_code == 422 and "niet nodig" in response.get_data(as_text=True)
    # Another school's student is out of reach.
    other = world.users["student_b"]
    assert client.post(f"/privacy/school/toestemming/{other.id}", data={f"s{other.id}-guardian_email": "x@example.net"}, headers={"X-CSRFToken": token}).status_code == 404


# --- retention command ---------------------------------------------------------------------------


def test_purge_departed_command(app, world):
    init_cli(app)
    gone = make_user("student", world.school_a)
    profile = db.session.get(StudentProfile, gone.id)
    profile.status, profile.left_at = "left", date(2023, 3, 1)
    db.session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["purge-departed", "--today", "2025-03-01"])
    assert result.exit_code == 0 and "0 studente(s) gewist" in result.output
    result = runner.invoke(args=["purge-departed", "--dry-run", "--today", "2025-03-02"])
    assert f"Zou wissen: gebruiker #{gone.id}" in result.output and not services.is_erased(db.session.get(User, gone.id))
    result = runner.invoke(args=["purge-departed", "--today", "2025-03-02"])
    assert f"Gewist: gebruiker #{gone.id}, School A, left op 2023-03-01: account" in result.output
    assert "1 studente(s) gewist" in result.output
    db.session.expire_all()
    assert services.is_erased(db.session.get(User, gone.id))
    result = runner.invoke(args=["purge-departed", "--today", "2025-03-02"])
    assert "0 studente(s) gewist" in result.output  # idempotent
    assert gone.email not in result.output


# --- audit log -----------------------------------------------------------------------------------


def _events(world, per_school: int = 3) -> None:
    for school, coordinator, student in (
        (world.school_a, world.users["coordinator"], world.users["student"]),
        (world.school_b, world.users["coordinator_b"], world.users["student_b"]),
    ):
        for n in range(per_school):
            record("viewed", subject_user_id=student.id, school_id=school.id, actor_id=coordinator.id, what=f"profile {school.name} {n}")
    db.session.commit()


def test_admin_sees_every_school_coordinator_only_hers(login_as, world):
    _events(world)
    admin = login_as("admin").get("/privacy/audit").get_data(as_text=True)
    assert "profile School A 0" in admin and "profile School B 2" in admin
    assert world.users["coordinator_b"].email in admin and world.users["student"].email in admin
    mine = login_as("coordinator").get("/privacy/school/audit").get_data(as_text=True)
    assert "profile School A 1" in mine and "School B" not in mine and world.users["student_b"].email not in mine
    assert login_as("student").get("/privacy/audit").status_code == 403
    assert login_as("coordinator").get("/privacy/audit").status_code == 403


def test_audit_filters_and_newest_first(login_as, world):
    _events(world)
    record("account.erased", subject_user_id=world.users["student"].id, school_id=world.school_a.id, actor_id=world.users["admin"].id, reason="self")
    db.session.commit()
    client = login_as("admin")
    text = client.get(f"/privacy/audit?school={world.school_b.id}").get_data(as_text=True)
    assert "profile School B 0" in text and "profile School A" not in text
    text = client.get("/privacy/audit?actie=account").get_data(as_text=True)
    assert "Account verwijderd" in text and "profile School" not in text
    text = client.get("/privacy/audit?persoon=" + world.users["student_b"].email.upper()).get_data(as_text=True)
    assert "profile School B 1" in text and "profile School A" not in text
    text = client.get("/privacy/audit").get_data(as_text=True)
    assert text.index("profile School B 2") < text.index("profile School B 0")  # newest first
    partial = client.get("/privacy/audit?persoon=nobody%25", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and "Geen gebeurtenissen gevonden." in partial  # % is not a wildcard


@contextmanager
def _count_queries():
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_audit_page_uses_a_fixed_number_of_queries_and_paginates(login_as, world):
    client = login_as("admin")
    _events(world, per_school=2)
    with _count_queries() as few:
        assert client.get("/privacy/audit").status_code == 200
    _events(world, per_school=30)  # 64 events: two pages
    with _count_queries() as many:
        first = client.get("/privacy/audit").get_data(as_text=True)
    assert len(many) == len(few), many
    assert first.count("<tr>") == 1 + services.AUDIT_PAGE_SIZE and "pagina=2" in first
    second = client.get("/privacy/audit?pagina=2").get_data(as_text=True)
    assert second.count("<tr>") == 1 + 64 - services.AUDIT_PAGE_SIZE and "Nieuwere" in second and "pagina=3" not in second
