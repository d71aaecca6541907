"""The app core: health check, error pages, security headers, school scoping."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import inspect

from webapp import create_app
from webapp.extensions import db


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_healthz_answers_503_when_the_database_is_gone(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite", "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "error"


def test_not_found_is_a_dutch_page_in_the_layout(client):
    response = client.get("/bestaat-niet")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Niet gevonden" in text and "<nav" in text


def test_errors_for_htmx_are_small_fragments(hx):
    response = hx.get("/bestaat-niet")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Niet gevonden" in text and "<html" not in text


def test_errors_as_json_for_json_callers(client):
    response = client.get("/bestaat-niet", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["error"] == "Niet gevonden"


def test_a_crash_is_a_500_page_and_the_session_is_rolled_back(database_url, _schema):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": False, "SECRET_KEY": "x"})
    boom = Blueprint("boom", __name__)

    @boom.get("/boom")
    def explode():
        raise RuntimeError("kapot")

    app.register_blueprint(boom)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_carry_the_csrf_token_for_htmx_and_load_nothing_from_elsewhere(client):
    text = client.get("/login").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in text
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in text
    assert "/static/vendor/pico-2.1.1/pico.min.css" in text
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text
    assert 'name="viewport"' in text


def test_static_vendored_files_are_served(client):
    for path in ("/static/vendor/htmx-2.0.11/htmx.min.js", "/static/vendor/pico-2.1.1/pico.min.css"):
        response = client.get(path)
        assert response.status_code == 200 and len(response.data) > 10_000
        response.close()


def test_every_school_owned_table_has_an_index_leading_with_school_id(app):
    """Lists are always per school: each such table can find its rows by school fast."""
    for table in db.metadata.sorted_tables:
        if "school_id" not in table.c or table.name == "invitations":
            continue
        leading = {index.columns.values()[0].name for index in table.indexes} | {
            c.columns.values()[0].name for c in table.constraints if c.__class__.__name__ == "UniqueConstraint"
        }
        primary = table.primary_key.columns.values()[0].name if table.primary_key else None
        assert "school_id" in leading or primary == "school_id", table.name


@pytest.mark.parametrize("table", ["users", "student_profiles", "mentoring_circles", "speeddate_slots", "outbox_emails"])
def test_tables_exist(app, table):
    assert table in inspect(db.engine).get_table_names()
