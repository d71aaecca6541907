"""The access matrix: every route the app registers, as every kind of person, against school A.

One table (ACCESS) says who may do what. For each route a fresh world is built
(tests/access_world.py) and every method of the route (GET first) is sent as anonymous (as a
browser and as htmx), the studente, alumna and coordinator of school A, a studente and the
coordinator of school B, an alumna with no part in school A's activities, and the admin. Who is
refused goes first, so that a delete by someone allowed cannot hide a leak. Outcomes:

- login:     anonymous is sent to the login page (302 to /login; htmx: 401 with HX-Redirect)
- forbidden: a logged-in person without the role gets 403
- hidden:    an object of another school, or one that is not hers, is 404 (webapp.web.get_in_school:
             nobody learns that another school's object exists)
- allowed:   2xx, 3xx (not to the login page), or 400/422 for an empty form;
             never 401, 403, 404 or 500

A 2xx page never shows what its reader may not see: school A's data to the people of school B
and to the unrelated alumna; a studente's surname, e-mail address or phone number to an alumna,
to her buddy or to the admin's dashboards (DESIGN: privacy by default).
A route that is not in the table fails: add it, with who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import AnyConverter, IntegerConverter, UnicodeConverter

from tests.access_world import AccessWorld, build
from tests.conftest import TEST_SETTINGS, KringClient, _empty_tables
from webapp import create_app
from webapp.extensions import db

ANONYMOUS, ADMIN = "anonymous", "admin"
STUDENT, ALUMNA, COORDINATOR = "student", "alumna", "coordinator"  # of school A
COORDINATOR_B, STUDENT_B = "coordinator_b", "student_b"  # of school B
OTHER_ALUMNA = "other_alumna"  # mentors, hosts and offers nothing at school A, and hears from school B only
ACTORS = (ANONYMOUS, STUDENT, STUDENT_B, ALUMNA, OTHER_ALUMNA, COORDINATOR, COORDINATOR_B, ADMIN)
ALLOWED_ERRORS = {400, 422}  # an empty form: refused as invalid


@dataclass(frozen=True)
class Access:
    allowed: frozenset[str]
    hidden: frozenset[str] = frozenset()
    query: str = ""  # sent with every request, e.g. an admin's ?school=

    def expect(self, actor: str) -> str:
        if actor in self.allowed:
            return "allowed"
        if actor in self.hidden:
            return "hidden"
        return "login" if actor == ANONYMOUS else "forbidden"


def may(*allowed: str, hidden: tuple[str, ...] = (), query: str = "") -> Access:
    unknown = (set(allowed) | set(hidden)) - set(ACTORS)
    assert not unknown, f"unknown actors {unknown}"
    return Access(frozenset(allowed), frozenset(hidden), query)


EVERYONE = may(*ACTORS)
LOGGED_IN = may(STUDENT, STUDENT_B, ALUMNA, OTHER_ALUMNA, COORDINATOR, COORDINATOR_B, ADMIN)
ADMIN_ONLY = may(ADMIN)
# A studente's own pages, without an object in the URL: any studente.
ANY_STUDENT = may(STUDENT, STUDENT_B)
# A studente's part in an object of school A: a studente of school B does not learn it exists.
STUDENT_A = may(STUDENT, hidden=(STUDENT_B,))
# An alumna's own pages, without an object in the URL: any alumna.
ANY_ALUMNA = may(ALUMNA, OTHER_ALUMNA)
# An alumna's part in an object of school A (her circle, her offer): another alumna finds nothing.
ALUMNA_A = may(ALUMNA, hidden=(OTHER_ALUMNA,))
# Pages of the coordinator's own school, without an object in the URL: school B's coordinator
# gets her own school's page.
ANY_COORDINATOR = may(COORDINATOR, COORDINATOR_B)
# An object of school A: its coordinator only; school B's coordinator does not learn it exists.
SCHOOL_A = may(COORDINATOR, hidden=(COORDINATOR_B,))

# endpoint -> Access for every method of the rule, or {method: Access}.
ACCESS: dict[str, Access | dict[str, Access]] = {
    # open to everyone (DESIGN: health; login, activation, password reset, language switch,
    # and the links sent by e-mail, whose signed single-use token is the key)
    "main.healthz": EVERYONE,
    "main.index": EVERYONE,
    "auth.login": EVERYONE,
    "auth.forgot_password": EVERYONE,
    "auth.reset_password": EVERYONE,
    "auth.activate": EVERYONE,
    "auth.register_alumna": EVERYONE,
    "auth.set_language": EVERYONE,
    "circles.invitation": EVERYONE,
    "guest_lessons.feedback": EVERYONE,
    "privacy.guardian_consent": EVERYONE,
    # everyone who is logged in: her own start page and her own data
    "auth.logout": LOGGED_IN,
    "main.start": LOGGED_IN,
    "privacy.my_data": LOGGED_IN,
    "privacy.my_data_json": LOGGED_IN,
    "privacy.delete_account": LOGGED_IN,
    # her own profile: studente and alumna; whoever has neither profile finds no page here
    # (tests/people/test_profile.py)
    "profile.edit": may(STUDENT, STUDENT_B, ALUMNA, OTHER_ALUMNA, hidden=(COORDINATOR, COORDINATOR_B, ADMIN)),
    "profile.save_student": ANY_STUDENT,
    "profile.validate_student": ANY_STUDENT,
    "profile.save_alumna": ANY_ALUMNA,
    "profile.validate_alumna": ANY_ALUMNA,
    "privacy.visibility": ANY_STUDENT,
    "privacy.ask_consent": ANY_STUDENT,
    # the network's staff
    "admin.schools": ADMIN_ONLY,
    "admin.school": ADMIN_ONLY,
    "admin.add_programme": ADMIN_ONLY,
    "admin.invite_coordinator": ADMIN_ONLY,
    "outbox.mailbox": ADMIN_ONLY,
    "outbox.message": ADMIN_ONLY,
    "privacy.audit_log": ADMIN_ONLY,
    "dashboard.network": ADMIN_ONLY,
    "dashboard.network_panel": ADMIN_ONLY,
    "dashboard.network_csv": ADMIN_ONLY,
    # dashboards: a coordinator her own school, the admin any school (?school=)
    "dashboard.index": may(COORDINATOR, COORDINATOR_B, ADMIN, query="school={school}"),
    "dashboard.panel": may(COORDINATOR, COORDINATOR_B, ADMIN, query="school={school}"),
    "dashboard.csv": may(COORDINATOR, COORDINATOR_B, ADMIN, query="school={school}"),
    "dashboard.targets": ANY_COORDINATOR,
    "dashboard.delete_target": SCHOOL_A,
    # the school's people
    "people.students": ANY_COORDINATOR,
    "people.students_csv": ANY_COORDINATOR,
    "people.invite_student": ANY_COORDINATOR,
    "people.alumnae": ANY_COORDINATOR,
    "people.alumnae_csv": ANY_COORDINATOR,
    "people.invite_alumna": ANY_COORDINATOR,
    "people.invitations": ANY_COORDINATOR,
    "people.import_students": ANY_COORDINATOR,
    "people.confirm_import": ANY_COORDINATOR,
    "people.import_template": ANY_COORDINATOR,
    "people.student": SCHOOL_A,
    "people.update_student": SCHOOL_A,
    "people.student_status": SCHOOL_A,
    "people.resend_invitation": SCHOOL_A,
    "people.withdraw_invitation": SCHOOL_A,
    "privacy.consent_overview": ANY_COORDINATOR,
    "privacy.school_audit_log": ANY_COORDINATOR,
    "privacy.send_consent": SCHOOL_A,
    "privacy.remove_student": SCHOOL_A,
    # mentoring circles
    "circles.browse": ANY_STUDENT,
    "circles.join": STUDENT_A,
    "circles.leave": STUDENT_A,
    "circles.decline": STUDENT_A,
    "circles.request_circle": ANY_STUDENT,
    # links in e-mail: the studente sees it, her mentor and her coordinator are sent to their own page
    "circles.circle": may(STUDENT, ALUMNA, COORDINATOR, hidden=(STUDENT_B, OTHER_ALUMNA, COORDINATOR_B)),
    "circles.manage": ANY_COORDINATOR,
    "circles.new": ANY_COORDINATOR,
    # the mentor field of an existing circle (?circle_id=)
    "circles.mentor_options": may(COORDINATOR, hidden=(COORDINATOR_B,), query="circle_id={circle}&programme_id={programme}"),
    "circles.formation_helper": ANY_COORDINATOR,
    "circles.manage_circle": SCHOOL_A,
    "circles.edit": SCHOOL_A,
    "circles.open_circle": SCHOOL_A,
    "circles.close_circle": SCHOOL_A,
    "circles.invite": SCHOOL_A,
    "circles.remove_member": SCHOOL_A,
    "circles.new_meeting": SCHOOL_A,
    "circles.edit_meeting": SCHOOL_A,
    "circles.cancel_meeting": SCHOOL_A,
    # a meeting's attendance: the school's coordinator and the circle's mentor
    "circles.meeting": may(COORDINATOR, ALUMNA, hidden=(OTHER_ALUMNA, COORDINATOR_B)),
    "circles.attendance": may(COORDINATOR, ALUMNA, hidden=(OTHER_ALUMNA, COORDINATOR_B)),
    "circles.note": ALUMNA_A,
    "circles.mentoring": ANY_ALUMNA,
    "circles.mentor_circle": ALUMNA_A,
    # guest lessons: the school's coordinator asks, alumnae offer
    "guest_lessons.index": ANY_COORDINATOR,
    "guest_lessons.new": ANY_COORDINATOR,
    "guest_lessons.lesson": SCHOOL_A,
    "guest_lessons.invite": SCHOOL_A,
    "guest_lessons.edit": SCHOOL_A,
    "guest_lessons.confirm": SCHOOL_A,
    "guest_lessons.cancel": SCHOOL_A,
    "guest_lessons.mark_done": SCHOOL_A,
    "guest_lessons.feedback_links": SCHOOL_A,
    "guest_lessons.feedback_links_txt": SCHOOL_A,
    "guest_lessons.board": ANY_ALUMNA,
    "guest_lessons.request": ALUMNA_A,
    "guest_lessons.offer": ALUMNA_A,
    "guest_lessons.decline": ALUMNA_A,
    "guest_lessons.withdraw": ALUMNA_A,
    "guest_lessons.mine": ANY_ALUMNA,
    # speeddates: the coordinator organises, the studente registers, a host sees her table
    "speeddates.index": ANY_COORDINATOR,
    "speeddates.new": ANY_COORDINATOR,
    "speeddates.event": SCHOOL_A,
    "speeddates.edit": SCHOOL_A,
    "speeddates.add_host": SCHOOL_A,
    "speeddates.edit_host": SCHOOL_A,
    "speeddates.remove_host": SCHOOL_A,
    "speeddates.drop_host": SCHOOL_A,
    "speeddates.restore_host": SCHOOL_A,
    "speeddates.open_registration": SCHOOL_A,
    "speeddates.close_registration": SCHOOL_A,
    "speeddates.cancel": SCHOOL_A,
    "speeddates.finish": SCHOOL_A,
    "speeddates.invite": SCHOOL_A,
    "speeddates.registrations": SCHOOL_A,
    "speeddates.add_registration": SCHOOL_A,
    "speeddates.remove_registration": SCHOOL_A,
    "speeddates.generate": SCHOOL_A,
    "speeddates.repair": SCHOOL_A,
    "speeddates.schedule": SCHOOL_A,
    "speeddates.move": SCHOOL_A,
    "speeddates.unpin": SCHOOL_A,
    "speeddates.publish": SCHOOL_A,
    "speeddates.print_view": SCHOOL_A,
    "speeddates.day": SCHOOL_A,
    "speeddates.start_round": SCHOOL_A,
    "speeddates.toggle_no_show": SCHOOL_A,
    "speeddates.mine": may(STUDENT, STUDENT_B, ALUMNA, OTHER_ALUMNA),
    "speeddates.signup": STUDENT_A,
    "speeddates.register": STUDENT_A,
    "speeddates.unregister": STUDENT_A,
    "speeddates.rank": STUDENT_A,
    "speeddates.rank_step": STUDENT_A,
    # the host's own table; nobody else hosts one at this event
    "speeddates.my_table": may(ALUMNA, hidden=(STUDENT, STUDENT_B, OTHER_ALUMNA)),
    # buddies: the coordinator matches, the studente has her own buddy page
    "buddies.overview": ANY_COORDINATOR,
    # a new run, its weights taken from an earlier run (?run=)
    "buddies.new_run": {"GET": may(COORDINATOR, hidden=(COORDINATOR_B,), query="run={run}"), "POST": ANY_COORDINATOR},
    "buddies.runs": ANY_COORDINATOR,
    "buddies.run": SCHOOL_A,
    "buddies.approve": SCHOOL_A,
    "buddies.discard": SCHOOL_A,
    "buddies.lock_pair": SCHOOL_A,
    "buddies.forbid_pair": SCHOOL_A,
    "buddies.allow_pair": SCHOOL_A,
    "buddies.end_pair": SCHOOL_A,
    "buddies.mine": ANY_STUDENT,
    "buddies.end_mine": STUDENT_A,
    "buddies.ask": ANY_STUDENT,
    "buddies.withdraw": ANY_STUDENT,
}

# URL parameters, by name, filled from the world (AccessWorld.ids) ...
PARAMS = {
    "circle_id": "circle",
    "meeting_id": "meeting",
    "student_id": "member",
    "lesson_id": "lesson",
    "offer_id": "offer",
    "event_id": "event",
    "host_id": "host",
    "registration_id": "registration",
    "slot_id": "slot",
    "run_id": "run",
    "pair_id": "pair",
    "forbid_id": "forbidden",
    "invitation_id": "invitation",
    "user_id": "student",
    "target_id": "target",
    "message_id": "mail",
    "school_id": "school",
}
# ... or, for routes that need an object in a later state, by endpoint.
DONE_LESSON = {"lesson_id": "done_lesson"}
PUBLISHED_SPEEDDATE = {
    "event_id": "published_event",
    "host_id": "published_host",
    "registration_id": "published_registration",
    "slot_id": "published_slot",
}
ENDPOINT_PARAMS = {
    "guest_lessons.feedback_links": DONE_LESSON,
    "guest_lessons.feedback_links_txt": DONE_LESSON,
    **dict.fromkeys(
        [
            "speeddates.schedule",
            "speeddates.move",
            "speeddates.unpin",
            "speeddates.repair",
            "speeddates.print_view",
            "speeddates.day",
            "speeddates.start_round",
            "speeddates.toggle_no_show",
            "speeddates.my_table",
        ],
        PUBLISHED_SPEEDDATE,
    ),
}
STRINGS = {"dataset": "kerncijfers", "name": "kerncijfers", "action": "omhoog", "answer": "ja"}
# <token>: a fresh link of the right kind for each request.
TOKENS = {
    "auth.activate": "activate",
    "auth.reset_password": "password_reset",
    "auth.register_alumna": "alumna",
    "circles.invitation": "circle",
    "guest_lessons.feedback": "feedback",
    "privacy.guardian_consent": "guardian_consent",
}
# The admin's tools that show people's addresses: the development mailbox and the audit log.
ADMIN_SEES_PEOPLE = {"outbox.mailbox", "outbox.message", "privacy.audit_log"}
# Where a logged-in person is rightly sent to the login page.
ENDS_AT_LOGIN = {"auth.logout"}


@pytest.fixture(scope="module")
def app(database_url, _schema):
    """The app of tests/conftest.py, made once for the whole matrix so that its templates compile once."""
    # Every person posts the login form in one minute: rate limits are not access rules.
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **TEST_SETTINGS, "RATELIMIT_ENABLED": False})
    app.test_client_class = KringClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_database(app):
    """Every route gets a database of its own: what one route deletes, the next still finds.

    Row by row: on PostgreSQL, deleting a few rows is much faster than a TRUNCATE of every table
    (which the module's end still does, to reset the ids for the tests after it).
    """
    yield
    db.session.remove()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _url_map():
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}).url_map


def _cases() -> list[tuple[str, str, tuple[str, ...]]]:
    """(endpoint, URL rule, methods) of every rule; GET first, as it changes nothing."""
    cases = []
    for rule in _url_map().iter_rules():
        if rule.endpoint != "static":
            methods = tuple(sorted(rule.methods - {"HEAD", "OPTIONS"}, key=lambda m: (m != "GET", m)))
            cases.append((rule.endpoint, rule.rule, methods))
    return sorted(cases)


CASES = _cases()
CASE_IDS = [endpoint if [e for e, _r, _m in CASES].count(endpoint) == 1 else f"{endpoint}:{path}" for endpoint, path, _m in CASES]


def access_for(endpoint: str, method: str) -> Access:
    entry = ACCESS.get(endpoint)
    if entry is None:
        pytest.fail(f"add {endpoint} to the access table (tests/test_access_matrix.py ACCESS): who may {method} it?")
    if isinstance(entry, dict):
        if method not in entry:
            pytest.fail(f"add {method} of {endpoint} to the access table")
        return entry[method]
    return entry


def _value(endpoint: str, name: str, converter, aw: AccessWorld):
    if isinstance(converter, IntegerConverter):
        key = ENDPOINT_PARAMS.get(endpoint, {}).get(name) or PARAMS.get(name)
        if key is None:
            pytest.fail(f"no value for URL parameter <int:{name}> of {endpoint}: add it to PARAMS (and the object to tests/access_world.py)")
        return aw.ids[key]
    if isinstance(converter, AnyConverter):
        value = STRINGS.get(name)
        if value is None:
            pytest.fail(f"no value for URL parameter <any:{name}> of {endpoint}: add it to STRINGS")
        return value
    if isinstance(converter, UnicodeConverter):
        if name == "token":
            kind = TOKENS.get(endpoint)
            if kind is None:
                pytest.fail(f"no token for {endpoint}: add the kind of link it takes to TOKENS")
            return aw.tokens[kind]()
        value = STRINGS.get(name)
        if value is None:
            pytest.fail(f"no value for URL parameter <{name}> of {endpoint}: add it to STRINGS")
        return value
    pytest.fail(f"unknown converter {type(converter).__name__} for <{name}> of {endpoint}: teach the access matrix how to fill it")


def _url(rule, aw: AccessWorld, access: Access) -> str:
    values = {name: _value(rule.endpoint, name, converter, aw) for name, converter in rule._converters.items()}
    _domain, path = rule.build(values)
    if access.query:
        path += "?" + access.query.format(**aw.ids)
    return path


def _client(app, login_as, actor: str, htmx: bool = False):
    client = app.test_client() if actor == ANONYMOUS else login_as(actor)
    if htmx:
        client.environ_base["HTTP_HX_REQUEST"] = "true"
    # The CSRF token as Flask-WTF makes it: a raw token in the session, signed in the form.
    with client.session_transaction() as session:
        session["csrf_token"] = f"access-matrix-{actor}"
    client.csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(f"access-matrix-{actor}")
    return client


def _send(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": client.csrf})


def _problem(endpoint: str, actor: str, htmx: bool, expected: str, response) -> str | None:
    status = response.status_code
    location = urlsplit(response.headers.get("HX-Redirect") or response.headers.get("Location") or "").path
    if expected == "login":
        if htmx:
            ok = status == 401 and location == "/login"
        else:
            ok = status == 302 and location == "/login"
        return None if ok else f"expected to be sent to /login, got {status} {location}".strip()
    if expected == "forbidden":
        return None if status == 403 else f"expected 403, got {status}"
    if expected == "hidden":
        return None if status == 404 else f"expected 404, got {status}"
    if status >= 500 or status in (401, 403, 404) or (status >= 400 and status not in ALLOWED_ERRORS):
        return f"expected to be let in, got {status}"
    if actor != ANONYMOUS and location == "/login" and endpoint not in ENDS_AT_LOGIN:
        return f"expected to be let in, got {status} to /login"
    return None


def _secrets(endpoint: str, actor: str, aw: AccessWorld) -> list[str]:
    """What this person must not read on this page."""
    if endpoint in TOKENS:
        return []  # whoever holds an e-mailed link may see what it is about
    if actor in (COORDINATOR_B, STUDENT_B, OTHER_ALUMNA):
        return aw.school_a_only()
    if actor == ALUMNA:
        return aw.students_private()
    if actor == STUDENT:
        return aw.buddy_private()
    if actor == ADMIN and endpoint not in ADMIN_SEES_PEOPLE:
        return aw.students_private()
    return []


def _leak(endpoint: str, actor: str, response, aw: AccessWorld) -> str | None:
    if not 200 <= response.status_code < 300:
        return None
    body = response.get_data(as_text=True)
    shown = [text for text in _secrets(endpoint, actor, aw) if text in body]
    return f"shows {shown}" if shown else None


def _order(access: Access) -> list[tuple[str, bool]]:
    """Who is refused first, then who is let in; anonymous both as a browser and as htmx."""
    runs = [(actor, htmx) for actor in ACTORS for htmx in ((False, True) if actor == ANONYMOUS else (False,))]
    return sorted(runs, key=lambda run: access.expect(run[0]) == "allowed")


@pytest.mark.parametrize(("endpoint", "path", "methods"), CASES, ids=CASE_IDS)
def test_access(app, world, login_as, endpoint, path, methods):
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == path]
    aw = build(world)
    problems = []
    for method in methods:
        access = access_for(endpoint, method)
        for actor, htmx in _order(access):
            url = _url(rule, aw, access)
            response = _send(_client(app, login_as, actor, htmx), method, url)
            problem = _problem(endpoint, actor, htmx, access.expect(actor), response) or _leak(endpoint, actor, response, aw)
            if problem:
                problems.append(f"{actor}{' (htmx)' if htmx else ''} {method} {url}: {problem}")
    assert not problems, f"{endpoint}:\n" + "\n".join(problems)


def test_table_has_only_registered_endpoints():
    registered = {endpoint for endpoint, _path, _methods in CASES}
    assert not set(ACCESS) - registered, f"the access table names routes that do not exist: {sorted(set(ACCESS) - registered)}"
    for endpoint, entry in ACCESS.items():
        if isinstance(entry, dict):
            methods = {m for e, _path, ms in CASES if e == endpoint for m in ms}
            assert set(entry) == methods, f"{endpoint}: the table has {sorted(entry)}, the route takes {sorted(methods)}"
