"""Login, logout, activation, password reset, CSRF and rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, body_of, link_in, make_user
from webapp.auth import tokens
from webapp.auth.models import Invitation
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.outbox import worker
from webapp.outbox.models import OutboxEmail


def _login(client, email, password=PASSWORD):
    return client.post_form("/login", {"email": email, "password": password})


def test_login_page_is_dutch(client):
    page = client.get("/login")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'lang="nl"' in text and "Inloggen bij Kring" in text and "Wachtwoord vergeten?" in text


@pytest.mark.parametrize("role", ["student", "alumna", "coordinator", "admin"])
def test_every_role_logs_in_and_sees_its_start_page(client, world, role):
    user = world.users[role]
    response = _login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/start")
    page = client.get("/start").get_data(as_text=True)
    expected = {
        "student": "Jouw gegevens",
        "alumna": "Jouw alumnaprofiel",
        "coordinator": "Coördinator van School A",
        "admin": "Netwerkbeheer",
    }[role]
    assert expected in page


def test_wrong_password_is_refused_with_a_message_next_to_the_field(client, world):
    response = _login(client, world.users["student"].email, "fout wachtwoord")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Dit e-mailadres en wachtwoord horen niet bij elkaar." in text
    assert world.users["student"].email in text  # what she typed is kept
    assert client.get("/start").status_code == 302


def test_email_is_case_insensitive(client, world):
    assert _login(client, world.users["student"].email.upper()).status_code == 302


def test_login_redirects_only_to_local_pages(client, world):
    token = client.csrf_token()
    response = client.post(
        "/login?next=https://evil.example/steal",
        data={"email": world.users["student"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/start"
    client.post_form("/logout")
    response = client.post(
        "/login?next=/start", data={"email": world.users["student"].email, "password": PASSWORD, "csrf_token": client.csrf_token()}
    )
    assert response.headers["Location"] == "/start"


def test_logout_needs_post_with_csrf(login_as):
    client = login_as("student")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/start").status_code == 200
    client.post_form("/logout")
    assert client.get("/start").status_code == 302


def test_post_without_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"email": world.users["student"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert "formulier is ongeldig" in response.get_data(as_text=True)
    assert client.get("/start").status_code == 302


def test_htmx_post_with_csrf_header_is_accepted(client, world):
    token = client.csrf_token()
    response = client.post(
        "/login",
        data={"email": world.users["student"].email, "password": PASSWORD},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/start"


def test_login_is_rate_limited(client, world, app):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert _login(client, world.users["student"].email, "fout").status_code == 422
    response = _login(client, world.users["student"].email, "fout")
    assert response.status_code == 429
    assert "Te veel pogingen" in response.get_data(as_text=True)


def test_unauthenticated_htmx_request_gets_hx_redirect_not_a_login_page(hx):
    response = hx.get("/start")
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_inactive_account_cannot_log_in(client, world):
    user = make_user("student", world.school_a, activated=False)
    user.set_password(PASSWORD)
    db.session.commit()
    response = _login(client, user.email)
    assert response.status_code == 422
    assert "nog niet geactiveerd" in response.get_data(as_text=True)


# --- password reset ---------------------------------------------------------------------


def test_password_reset_by_email(client, world, smtp):
    student = world.users["student"]
    response = client.post_form("/wachtwoord-vergeten", {"email": student.email})
    assert response.status_code == 302
    worker.drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == student.email
    link = link_in(body_of(mail))
    assert client.get(link).status_code == 200
    response = client.post_form(link, {"password": "nieuw wachtwoord 123", "confirm": "nieuw wachtwoord 123"})
    assert response.status_code == 302
    assert _login(client, student.email, PASSWORD).status_code == 422
    assert _login(client, student.email, "nieuw wachtwoord 123").status_code == 302
    # The link works once.
    again = client.get(link)
    assert again.status_code == 410 and "al gebruikt" in again.get_data(as_text=True)


def test_password_reset_does_not_reveal_whether_an_account_exists(client, world):
    known = client.post_form("/wachtwoord-vergeten", {"email": world.users["student"].email}, follow_redirects=True)
    unknown = client.post_form("/wachtwoord-vergeten", {"email": "niemand@example.org"}, follow_redirects=True)
    assert "Als er een account bij dit e-mailadres hoort" in known.get_data(as_text=True)
    assert "Als er een account bij dit e-mailadres hoort" in unknown.get_data(as_text=True)
    assert db.session.scalar(select(OutboxEmail.to_address)) == world.users["student"].email


def test_new_password_mismatch_shows_error_next_to_field(client, world):
    invitation = tokens.new_invitation("password_reset", world.users["student"].email, valid_for=timedelta(hours=1), user_id=world.users["student"].id)
    db.session.commit()
    link = f"/wachtwoord-herstellen/{tokens.token_for(invitation)}"
    response = client.post_form(link, {"password": "nieuw wachtwoord 123", "confirm": "iets anders 123"})
    assert response.status_code == 422
    assert "De wachtwoorden zijn niet gelijk." in response.get_data(as_text=True)
    response = client.post_form(link, {"password": "kort", "confirm": "kort"})
    assert "minstens 10 tekens" in response.get_data(as_text=True)


# --- activation -------------------------------------------------------------------------


def _activation(world, **overrides) -> tuple[str, Invitation]:
    user = make_user("student", world.school_a, activated=False)
    invitation = tokens.new_invitation("activate", user.email, valid_for=timedelta(days=14), user_id=user.id, school_id=world.school_a.id)
    for key, value in overrides.items():
        setattr(invitation, key, value)
    db.session.commit()
    return f"/activeren/{tokens.token_for(invitation)}", invitation


def test_activation_sets_password_and_logs_in(client, world):
    link, invitation = _activation(world)
    page = client.get(link)
    assert page.status_code == 200 and "Kies een wachtwoord" in page.get_data(as_text=True)
    response = client.post_form(link, {"password": "mijn eigen wachtwoord", "confirm": "mijn eigen wachtwoord"})
    assert response.status_code == 302
    assert client.get("/start").status_code == 200
    db.session.refresh(invitation)
    assert invitation.status == "accepted" and invitation.used_at is not None
    assert invitation.user.activated


def test_used_activation_link_is_refused_with_a_clear_message(client, world):
    link, _ = _activation(world)
    client.post_form(link, {"password": "mijn eigen wachtwoord", "confirm": "mijn eigen wachtwoord"})
    other = client.application.test_client()
    response = other.get(link)
    assert response.status_code == 410
    assert "Deze link is al gebruikt" in response.get_data(as_text=True)


def test_expired_activation_link_is_refused_with_a_clear_message(client, world):
    link, _ = _activation(world, expires_at=utcnow() - timedelta(minutes=1))
    response = client.get(link)
    assert response.status_code == 410
    assert "Deze link is verlopen" in response.get_data(as_text=True)
    response = client.post_form(link, {"password": "mijn eigen wachtwoord", "confirm": "mijn eigen wachtwoord"})
    assert response.status_code == 410


def test_withdrawn_invitation_is_refused(client, world):
    link, _ = _activation(world, status="withdrawn")
    response = client.get(link)
    assert response.status_code == 410 and "ingetrokken" in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["nonsense", "WzEsICJ4Il0.forged", ""])
def test_forged_or_broken_tokens_are_refused(client, world, token):
    _activation(world)
    response = client.get(f"/activeren/{token}")
    assert response.status_code == 404


def test_a_token_cannot_be_replayed_for_another_kind(client, world):
    link, _ = _activation(world)
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/wachtwoord-herstellen/{token}").status_code == 404


def test_resent_invitation_invalidates_the_old_link(client, world):
    link, invitation = _activation(world)
    tokens.renew(invitation, timedelta(days=14))
    db.session.commit()
    assert client.get(link).status_code == 404
    assert client.get(f"/activeren/{tokens.token_for(invitation)}").status_code == 200


def test_consume_is_single_use_even_when_raced(app, world):
    _, invitation = _activation(world)
    invitation_id = invitation.id
    # A second request that loaded the row before the first one used it.
    stale = Invitation(id=invitation_id, status="pending")
    tokens.consume(invitation)
    db.session.commit()
    with pytest.raises(tokens.TokenError):
        tokens.consume(stale)
    assert db.session.get(Invitation, invitation_id).status == "accepted"


# --- language ---------------------------------------------------------------------------


def test_language_switch_to_english_and_back(client, world):
    client.post_form("/taal", {"locale": "en", "next": "/login"})
    text = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in text and "Log in to Kring" in text
    client.post_form("/taal", {"locale": "nl", "next": "/login"})
    assert "Inloggen bij Kring" in client.get("/login").get_data(as_text=True)


def test_language_choice_is_kept_on_the_account(login_as, world):
    client = login_as("student")
    client.post_form("/taal", {"locale": "en"})
    db.session.refresh(world.users["student"])
    assert world.users["student"].locale == "en"


# --- password hashes ---------------------------------------------------------------------------


def test_new_passwords_are_hashed_with_argon2id_at_the_owasp_figures(app, world):
    from argon2 import extract_parameters

    from webapp.auth.passwords import verify_password

    app.config["PASSWORD_HASH_METHOD"] = "argon2id"
    user = world.users["student"]
    user.set_password("een goed wachtwoord")
    parameters = extract_parameters(user.password_hash)
    assert user.password_hash.startswith("$argon2id$")
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19456, 2, 1)
    assert verify_password(user.password_hash, "een goed wachtwoord")
    assert not verify_password(user.password_hash, "een ander wachtwoord")
    assert not verify_password("$argon2id$kapot", "een goed wachtwoord") and not verify_password("onbekend:x$y$z", "x")


def test_an_older_scrypt_hash_still_logs_in_and_is_replaced_by_argon2id(app, client, world):
    from werkzeug.security import generate_password_hash

    app.config["PASSWORD_HASH_METHOD"] = "argon2id"
    user = world.users["student"]
    old = generate_password_hash(PASSWORD, method="scrypt")
    user.password_hash = old
    db.session.commit()

    assert _login(client, user.email, "fout wachtwoord").status_code == 422
    db.session.expire_all()
    assert db.session.get(type(user), user.id).password_hash == old  # a wrong password changes nothing

    assert _login(client, user.email).status_code == 302
    db.session.expire_all()
    upgraded = db.session.get(type(user), user.id).password_hash
    assert upgraded.startswith("$argon2id$")
    client.post_form("/logout", {})
    assert _login(client, user.email).status_code == 302  # the same password, now against the new hash
    db.session.expire_all()
    assert db.session.get(type(user), user.id).password_hash == upgraded  # a current hash is kept


def test_an_unknown_address_costs_a_password_check_too(client, world, monkeypatch):
    from webapp.auth import passwords

    checked = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda stored, password: checked.append(password) or real(stored, password))
    assert _login(client, "niemand@school-a.example", "een gok").status_code == 422
    assert checked == ["een gok"]
    assert _login(client, world.users["student"].email, "nog een gok").status_code == 422
    assert checked == ["een gok", "nog een gok"]
