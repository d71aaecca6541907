"""Hostile form posts: never a 500, hostile text shown escaped, and nothing saved before is lost.

Every form of the catalogue gets bodies from `hostile.form_body` (very long text, markup, SQL,
odd unicode with NUL bytes, blanks, wrong types, far dates, huge numbers, wrong choices,
repeated and missing fields, mixed with valid values; one in six sent as JSON), posted with a
valid CSRF token by the person allowed to post it. BAD_INPUT_EXAMPLES sets how many bodies
per form: 12 by default, 60 or more for a deeper hunt.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.bad_input.catalogue import FORMS, Form
from tests.bad_input.checks import check_security_headers, server_errors
from tests.bad_input.hostile import MARKERS, Upload, as_post_data, form_body, json_body
from tests.bad_input.scene import Scene, build_scene
from webapp.auth.models import User
from webapp.buddies.models import BuddyPair
from webapp.circles.models import CircleMeeting, CircleMembership, MentoringCircle
from webapp.dashboard.models import Target
from webapp.extensions import db, limiter
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer
from webapp.people.models import AlumnaProfile, Programme, School, StudentProfile
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddateRegistration

EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "12"))
CSRF_MESSAGE = "De sessie is verlopen of het formulier is ongeldig"
# Rows that a hostile post must never make disappear (only erasing someone may).
KEPT = (
    User, School, Programme, StudentProfile, AlumnaProfile, MentoringCircle, CircleMembership, CircleMeeting,
    GuestLesson, GuestLessonOffer, SpeeddateEvent, SpeeddateHost, SpeeddateRegistration, BuddyPair, Target,
)


@pytest.fixture
def scene(world) -> Scene:
    return build_scene(world)


def _counts() -> dict[str, int]:
    try:
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in KEPT}
    finally:
        db.session.rollback()


def _snapshot(form: Form, scene: Scene, target):
    try:
        return form.saved(scene, target)
    finally:
        db.session.rollback()  # end the read, so that the app's writes are not held up


def _post(form: Form, scene: Scene, target, body: dict, as_json: bool):
    """Post the body as the actor; answer the responses to check (the post, and the page it leads to)."""
    client = scene.client(form.user(scene, target), htmx=form.htmx, fresh=form.fresh_client)
    if as_json:
        response = client.post(form.url(scene, target), json=body, headers={"X-CSRFToken": client.csrf}, follow_redirects=not form.htmx)
    else:
        multipart = any(isinstance(value, Upload) for value in body.values())
        response = client.post(
            form.url(scene, target), data=as_post_data(body) | {"csrf_token": client.csrf}, follow_redirects=not form.htmx,
            content_type="multipart/form-data" if multipart else None,
        )
    first = response.history[0] if response.history else response
    pages = [first, *response.history[1:], response] if response.history else [response]
    location = response.headers.get("HX-Redirect")
    if location:
        pages.append(client.get(location, headers={"HX-Request": "false"}, follow_redirects=True))
    return first, pages


def _stays_here(location: str | None) -> bool:
    """A redirect within the site: no other host, also not the way browsers read //x or /\\x."""
    if not location:
        return True
    parts = urlsplit(location.replace("\\", "/"))
    return parts.netloc in ("", "localhost") and parts.scheme in ("", "http", "https") and not location.lstrip().startswith("//")


def _shown(body: dict) -> str:
    return repr({name: (value if len(repr(value)) < 200 else repr(value)[:200] + "…") for name, value in body.items()})


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_posts_are_refused_or_saved_safely(form: Form, scene: Scene, data):
    limiter.reset()  # the login and consent forms are rate limited per address
    scene.target = target = form.target(scene)
    body = data.draw(form_body(form.field_map(scene), scene), label="body")
    as_json = data.draw(st.sampled_from(["form", "form", "form", "form", "form", "json"]), label="encoding") == "json"
    if as_json:
        body = data.draw(json_body(body), label="json body")
    before, counts = _snapshot(form, scene, target), _counts()
    with server_errors() as errors:
        first, pages = _post(form, scene, target, body, as_json)
    event(f"answer {first.status_code}{' to json' if as_json else ''}")  # see --hypothesis-show-statistics

    for page in pages:
        assert page.status_code < 500, f"{form.name}: {page.status_code} for {_shown(body)}\n" + "\n".join(errors)
        check_security_headers(page, f"{form.name} ({page.request.path})")
        for location in (page.headers.get("Location"), page.headers.get("HX-Redirect")):
            assert _stays_here(location), f"{form.name}: sends the browser off-site to {location!r}, for {_shown(body)}"
        html = page.get_data(as_text=True)
        raw = [marker for marker in MARKERS if marker in html]
        assert not raw, f"{form.name}: unescaped {raw} in the answer ({page.request.path}) to {_shown(body)}"
    assert CSRF_MESSAGE not in first.get_data(as_text=True), f"{form.name}: the CSRF token was refused"
    if as_json:
        assert first.status_code == 415, f"{form.name}: a JSON body was not refused"
    elif not form.bad_request:
        assert first.status_code != 400, f"{form.name}: 400 instead of the form with a message, for {_shown(body)}"

    after = _snapshot(form, scene, target)
    if first.status_code >= 400:
        assert after == before, f"{form.name}: refused ({first.status_code}) but changed what was saved, for {_shown(body)}"
    if not form.deletes:
        lost = {name: (counts[name], n) for name, n in _counts().items() if n < counts[name]}
        assert not lost, f"{form.name}: rows lost {lost} after {_shown(body)}"
