"""Every page, with markup stored in every free-text column: shown escaped, never a 500, safe headers.

School A's scene gets `<script>` and `"><img onerror>` in every name, title, place, note,
story, reason and message it has. Then every GET route is opened by everyone (anonymous,
studente, alumna, coordinator, admin), and, by the first who may see it, once more with
hostile query parameters, as a page and as an htmx partial.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import String, Text, select, update

from tests.bad_input.checks import blocked_by_policy, check_security_headers, server_errors
from tests.bad_input.hostile import IMG, MARKERS, SCRIPT
from tests.bad_input.scene import Scene, build_everything, build_scene, url
from webapp.auth import tokens
from webapp.buddies import services as buddy_services
from webapp.buddies.models import BuddyPair
from webapp.dashboard.routes import DATASETS, PANELS
from webapp.extensions import db
from webapp.outbox.models import OutboxEmail
from webapp.people.models import AlumnaProfile, StudentProfile

ACTORS = (None, "student", "alumna", "coordinator", "admin")
PAYLOAD = IMG + SCRIPT
ESCAPED = "&lt;script&gt;alert(1)"  # how the payload shows on a page
# Columns that hold codes, addresses, numbers or machine text, not words people typed.
NOT_FREE_TEXT = {
    "status", "kind", "sector", "locale", "pathway", "role", "metric", "school_year", "nonce", "ical_uid", "email",
    "to_address", "template", "transport", "claimed_by", "crebo", "brin", "password_hash", "target_type", "action",
    "object_type", "student_number", "phone", "video_url", "guardian_email", "last_error", "ics", "body_html",
}
# The query parameters the views read.
QUERY_NAMES = (
    "q", "page", "pagina", "status", "kind", "sort", "school", "student", "soort", "schooljaar", "run", "round", "host",
    "programme_id", "programme", "persoon", "next", "mentor_id", "jaar", "fit", "circle_id", "actie", "year", "sector",
    "activity", "doel", "min", "max",
)
ODD_VALUES = ("99999999999999999999", "-1", "\x00' OR 1=1 --", "é" * 300)
# Markup in every parameter; then each odd value in every parameter (rotated, so that they mix).
MARKUP_QUERY = {name: PAYLOAD for name in QUERY_NAMES}
ODD_QUERIES = [
    {name: ODD_VALUES[(i + k) % len(ODD_VALUES)] for i, name in enumerate(QUERY_NAMES)} for k in range(len(ODD_VALUES))
]


def _store_markup() -> None:
    """Markup in every free-text column of every row, cut to the column's length."""
    for table in db.metadata.sorted_tables:
        columns = {}
        for column in table.columns:
            if column.name in NOT_FREE_TEXT or column.primary_key or column.foreign_keys or not isinstance(column.type, String | Text):
                continue
            length = getattr(column.type, "length", None)
            if length is None or length >= len("<script>alert"):
                columns[column.name] = PAYLOAD if length is None or length >= len(PAYLOAD) + 6 else SCRIPT[:length]
        if not columns:
            continue
        key = list(table.primary_key.columns)[0]
        for number, (row_key,) in enumerate(db.session.execute(select(key)), start=1):
            # A number after the markup keeps unique columns (a school's name) unique.
            values = {name: text if len(text) + 6 > (table.c[name].type.length or 10**6) else f"{text} {number}" for name, text in columns.items()}
            db.session.execute(update(table).where(key == row_key).values(**values))
    # Own interests and topics are free tags kept in JSON lists.
    db.session.execute(update(StudentProfile).values(interests=["robotica", PAYLOAD]))
    db.session.execute(update(AlumnaProfile).values(topics=["programmeren", PAYLOAD]))
    db.session.commit()


def _get_rules():
    return [rule for rule in current_app.url_map.iter_rules() if "GET" in rule.methods]


def _site(scene: Scene) -> dict[str, list[dict]]:
    """URL values per endpoint (several where the page differs by the object's state)."""
    build_everything(scene)
    ids, users = scene.ids, scene.users
    coordinator = scene.world.users["coordinator"]
    run = buddy_services.run_match(scene.school, coordinator)
    pair = BuddyPair(school_id=scene.school, buddy_id=users["senior"], mentee_id=users["student"], status="active", score=0.5, reasons=[])
    db.session.add(pair)
    circle_invitation = tokens.new_invitation(
        "circle", scene.world.users["student"].email, valid_for=timedelta(days=7), user_id=users["student"], school_id=scene.school,
        target_type="circle", target_id=ids["circle"],
    )
    db.session.add(OutboxEmail(to_address="x@example.org", subject="Onderwerp", body_text="Tekst", template="activate"))
    db.session.commit()
    message = db.session.scalar(db.select(OutboxEmail.id).order_by(OutboxEmail.id))
    token_of = {
        "auth.activate": scene.fresh_account()[1],
        "auth.register_alumna": scene.alumna_invitation()[1],
        "auth.reset_password": scene.token("password_reset", email=scene.world.users["student"].email, user_id=users["student"]),
        "guest_lessons.feedback": scene.token("feedback", school_id=scene.school, target_type="guest_lesson", target_id=ids["lesson_done"]),
        "privacy.guardian_consent": scene.consent_token(),
    }
    by_name = {
        "school_id": [scene.school],
        "circle_id": [ids["circle"]],
        "meeting_id": [ids["meeting"], ids["meeting_past"]],
        "lesson_id": [ids["lesson_open"], ids["lesson_confirmed"], ids["lesson_done"]],
        "event_id": [ids["event_draft"], ids["event_open"], ids["event_published"]],
        "user_id": [users["student"]],
        "run_id": [run.id],
        "pair_id": [pair.id],
        "message_id": [message],
        "dataset": list(DATASETS),
        "name": list(PANELS),
        "filename": ["css/kring.css", "js/nav.js"],
    }
    special = {
        "circles.invitation": [{"token": tokens.token_for(circle_invitation), "answer": answer} for answer in ("ja", "nee")],
        "speeddates.edit_host": [{"event_id": ids["event_draft"], "host_id": ids["host_draft"]}],
        **{endpoint: [{"token": token}] for endpoint, token in token_of.items()},
    }
    site = {}
    for rule in _get_rules():
        if rule.endpoint in special:
            site[rule.endpoint] = special[rule.endpoint]
            continue
        names = sorted(rule.arguments)
        site[rule.endpoint] = [dict(zip(names, combo)) for combo in itertools.product(*(by_name[n] for n in names))]
    return site


def _get(client, path: str, where: str, query: dict | None = None) -> tuple[int, bool]:
    """Open a page and check the answer: its status, and whether it showed markup (escaped)."""
    with server_errors() as errors:
        response = client.get(path, query_string=query)
    assert response.status_code < 500, f"{response.status_code} on {where}\n" + "\n".join(errors)
    check_security_headers(response, where)
    html = ""
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        raw = [marker for marker in MARKERS if marker in html]
        assert not raw, f"unescaped {raw} on {where}"
        blocked = blocked_by_policy(html)
        assert not blocked, f"{where} needs what the Content-Security-Policy blocks: {blocked}"
    response.close()
    return response.status_code, ESCAPED in html


@pytest.fixture
def scene(world) -> Scene:
    return build_scene(world)


def test_every_page_escapes_stored_and_queried_markup_and_sends_the_headers(scene):
    site = _site(scene)
    _store_markup()
    clients = {actor: scene.client(scene.users[actor] if actor else None) for actor in ACTORS}
    htmx = {actor: scene.client(scene.users[actor] if actor else None, htmx=True) for actor in ACTORS}
    seen = showing = 0
    for endpoint, variants in sorted(site.items()):
        for values in variants:
            path = url(endpoint, **values)
            allowed = None
            for actor in ACTORS:
                status, showed = _get(clients[actor], path, f"{path} as {actor or 'anonymous'}")
                if allowed is None and status == 200:
                    allowed = actor
                showing += showed
                seen += 1
            if allowed is None or endpoint == "static":
                continue
            asked = [(clients[allowed], MARKUP_QUERY, "markup"), (htmx[allowed], MARKUP_QUERY, "markup, htmx")]
            asked += [(clients[allowed], query, f"odd values, turn {k}") for k, query in enumerate(ODD_QUERIES)]
            for client, query, what in asked:
                showing += _get(client, path, f"{path} with {what} in every query parameter, as {allowed}", query)[1]
                seen += 1
    # Every route was opened, and the markup did reach the pages (escaped).
    assert seen > 400 and showing > 150, (seen, showing)
