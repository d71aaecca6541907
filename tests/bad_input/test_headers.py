"""Security headers on every kind of answer, and cookies that production sends over HTTPS only."""

from __future__ import annotations

import re

import pytest

from tests.bad_input.checks import check_security_headers
from tests.conftest import PASSWORD, KringClient
from webapp import create_app
from webapp.config import secure_cookies_by_default
from webapp.extensions import db


@pytest.fixture
def new_app(app, database_url):
    """Another app on the test database (the test app's context stays open), configured from the environment."""
    made = []

    def make(**config):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_TRANSPORT": "mailbox", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config})
        app.test_client_class = KringClient
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def production(new_app, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return lambda **config: new_app(**{"SECRET_KEY": "production-secret", "BASE_URL": "https://kring.example.nl", **config})


def _cookie(response, name: str) -> dict[str, str]:
    """The attributes of a Set-Cookie header, lower-cased names; {} when the cookie is not set."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            parts = [p.strip() for p in header.split(";")[1:]]
            return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts}
    return {}


def test_production_sends_session_and_remember_cookies_secure_httponly_and_lax(world, production):
    app = production()
    assert not app.debug and not app.testing
    client = app.test_client()
    response = client.post_form("/login", {"email": world.users["student"].email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/start")
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert cookie, f"no {name} cookie after logging in with 'remember me'"
        assert "secure" in cookie, f"{name} cookie without Secure"
        assert "httponly" in cookie, f"{name} cookie without HttpOnly"
        assert cookie.get("samesite") == "Lax", f"{name} cookie with SameSite={cookie.get('samesite')}"


def test_production_cookies_are_secure_also_behind_a_plain_http_address(production):
    app = production(BASE_URL="http://kring.example.nl")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_make_run_in_debug_on_loopback_keeps_cookies_over_http(new_app, monkeypatch):
    """`make run` serves http://127.0.0.1:5000 in debug mode: a Secure cookie would never come back."""
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = new_app()
    assert app.debug and app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["REMEMBER_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/login")
    assert "secure" not in _cookie(response, "session")


@pytest.mark.parametrize(
    ("environment", "secure"),
    [
        ({"SESSION_COOKIE_SECURE": "0"}, False),  # production over plain HTTP, by choice
        ({"SESSION_COOKIE_SECURE": "1", "FLASK_DEBUG": "1"}, True),
        ({"FLASK_DEBUG": "1", "BASE_URL": "https://kring.example.nl"}, True),
        ({"BASE_URL": "http://localhost:8000"}, False),  # a local run without debug, such as the load benchmark
    ],
)
def test_the_environment_decides_when_it_says_so(new_app, monkeypatch, environment, secure):
    for name in ("SESSION_COOKIE_SECURE", "FLASK_DEBUG", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = new_app()
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["REMEMBER_COOKIE_SECURE"] is secure


def test_secure_by_default_rule():
    assert secure_cookies_by_default("https://kring.example.nl", debug=True, testing=True)
    assert secure_cookies_by_default("http://kring.example.nl", debug=False, testing=False)
    assert not secure_cookies_by_default("http://127.0.0.1:5000", debug=False, testing=False)
    assert not secure_cookies_by_default("http://kring.example.nl", debug=True, testing=False)
    assert not secure_cookies_by_default("http://kring.example.nl", debug=False, testing=True)


def test_errors_redirects_files_and_partials_carry_the_headers(production, world):
    app = production()

    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/kapot", "boom", boom)
    client = app.test_client()
    answers = {
        "500": client.get("/kapot"),
        "404": client.get("/bestaat-niet"),
        "405": client.get("/logout"),
        "redirect": client.get("/start"),
        "static": client.get("/static/css/kring.css"),
        "htmx 401": client.get("/start", headers={"HX-Request": "true"}),
        "csrf 400": client.post("/login", data={"email": "x@example.org", "password": "x"}),
        "json 415": client.post("/login", json={"email": "x@example.org"}),
        "health": client.get("/healthz"),
    }
    assert answers["500"].status_code == 500 and answers["404"].status_code == 404
    for where, response in answers.items():
        check_security_headers(response, where)
        response.close()


def test_pages_have_no_inline_script_the_policy_would_block(client):
    """The policy only works if the pages need nothing else: no inline scripts or handlers."""
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
