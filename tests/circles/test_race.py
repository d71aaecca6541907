"""The last seat goes to one studente: many concurrent sign-ups, on SQLite and on PostgreSQL.

Each racer is a real HTTP request through the app (its own test client, app context and
database session), released at the same moment by a barrier. The SQLite run uses its own
database file (WAL, busy_timeout as in production) and always runs; the PostgreSQL run uses
TEST_DATABASE_URL and runs when that is set.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_DATABASE_URL, KringClient, make_school, make_user
from webapp import create_app
from webapp.circles import services
from webapp.circles.models import CircleMembership, MentoringCircle
from webapp.extensions import db
from webapp.outbox.models import OutboxEmail

RACERS = 40
SEATS = 10
POOL = {"pool_size": 20, "max_overflow": 30, "pool_timeout": 60}


def _config(url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": POOL,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "MAIL_TRANSPORT": "mailbox",
        "BASE_URL": "http://kring.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def race_app(request, tmp_path):
    """An app whose connection pool lets every racer in at once, on the database of the param."""
    if request.param == "sqlite":
        app = create_app(_config(f"sqlite:///{tmp_path / 'race.sqlite'}"))
        app.test_client_class = KringClient
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            db.engine.dispose()
        return
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL race: set TEST_DATABASE_URL")
    request.getfixturevalue("app")  # the schema, and the tables emptied afterwards
    app = create_app(_config(request.getfixturevalue("database_url")))
    app.test_client_class = KringClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _race(app, user_ids: list[int], path: str) -> list[int]:
    """POST `path` as each user at the same moment (htmx, with CSRF); the status codes."""
    return _race_mixed(app, [(user_id, path) for user_id in user_ids])


def _race_mixed(app, requests: list[tuple[int, str]]) -> list[int]:
    """POST each (user, path) at the same moment (htmx, with CSRF); the status codes."""
    barrier = threading.Barrier(len(requests), timeout=120)
    codes: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def racer(user_id: int, path: str) -> None:
        try:
            with app.app_context():
                client = app.test_client()
                with client.session_transaction() as session:
                    session["_user_id"] = str(user_id)
                    session["_fresh"] = True
                token = client.csrf_token()
                client.environ_base["HTTP_HX_REQUEST"] = "true"
                barrier.wait()
                response = client.post(path, data={"csrf_token": token})
                with lock:
                    codes.append(response.status_code)
        except BaseException as error:  # noqa: BLE001 - reported below
            barrier.abort()
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=racer, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not errors, errors
    return codes


def _counts(circle_id: int) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(
        select(CircleMembership.status, func.count()).where(CircleMembership.circle_id == circle_id).group_by(CircleMembership.status)
    )
    return dict(rows.all())


def _setup(capacity: int, students: int):
    school = make_school()
    circle = MentoringCircle(
        school_id=school.id, name="Kring Race", capacity=capacity, seats_taken=0, status="open", school_year=services.current_school_year()
    )
    db.session.add(circle)
    db.session.commit()
    users = [make_user("student", school) for _ in range(students)]
    return circle.id, [u.id for u in users]


def test_forty_sign_ups_at_once_for_ten_seats(race_app):
    circle_id, user_ids = _setup(SEATS, RACERS)
    codes = _race(race_app, user_ids, f"/kringen/{circle_id}/aanmelden")
    assert codes == [200] * RACERS
    counts = _counts(circle_id)
    seats = db.session.scalar(select(MentoringCircle.seats_taken).where(MentoringCircle.id == circle_id))
    assert counts == {"joined": SEATS, "waitlisted": RACERS - SEATS}
    assert seats == SEATS
    # Exactly the ten who got a seat got the welcome e-mail.
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.template == "circles_welcome")) == SEATS


def test_one_student_clicking_many_times_at_once_takes_one_seat(race_app):
    circle_id, [user_id] = _setup(3, 1)
    codes = _race(race_app, [user_id] * 8, f"/kringen/{circle_id}/aanmelden")
    assert codes == [200] * 8
    assert _counts(circle_id) == {"joined": 1}
    assert db.session.scalar(select(MentoringCircle.seats_taken).where(MentoringCircle.id == circle_id)) == 1


def test_members_leaving_at_once_each_promote_a_different_waiting_student(race_app):
    circle_id, user_ids = _setup(SEATS, SEATS + 10)
    circle = db.session.get(MentoringCircle, circle_id)
    from webapp.auth.models import User

    with race_app.test_request_context("/"):
        for user_id in user_ids:  # in order: the first ten join, the rest wait
            services.join_circle(circle, db.session.get(User, user_id))
    leavers = user_ids[:6]
    codes = _race(race_app, leavers, f"/kringen/{circle_id}/afmelden")
    assert codes == [200] * len(leavers)
    assert _counts(circle_id) == {"joined": SEATS, "waitlisted": 4, "left": 6}
    assert db.session.scalar(select(MentoringCircle.seats_taken).where(MentoringCircle.id == circle_id)) == SEATS
    promoted = set(
        db.session.scalars(
            select(CircleMembership.student_id).where(CircleMembership.circle_id == circle_id, CircleMembership.status == "joined")
        )
    ) - set(user_ids[:SEATS])
    assert promoted == set(user_ids[SEATS : SEATS + 6])  # the first six on the waitlist, in order


def test_leaving_and_joining_at_once_keeps_the_counter_true(race_app):
    circle_id, user_ids = _setup(SEATS, SEATS + 5 + 10)
    circle = db.session.get(MentoringCircle, circle_id)
    from webapp.auth.models import User

    with race_app.test_request_context("/"):
        for user_id in user_ids[: SEATS + 5]:  # ten in, five waiting
            services.join_circle(circle, db.session.get(User, user_id))
    leaving = [(user_id, f"/kringen/{circle_id}/afmelden") for user_id in user_ids[:5]]
    joining = [(user_id, f"/kringen/{circle_id}/aanmelden") for user_id in user_ids[SEATS + 5 :]]
    codes = _race_mixed(race_app, leaving + joining)
    assert codes == [200] * 15
    assert _counts(circle_id) == {"joined": SEATS, "left": 5, "waitlisted": 10}
    assert db.session.scalar(select(MentoringCircle.seats_taken).where(MentoringCircle.id == circle_id)) == SEATS
