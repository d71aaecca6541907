"""Shared fixtures: the app on SQLite (or PostgreSQL with TEST_DATABASE_URL), clients, people, SMTP."""

from __future__ import annotations

import itertools
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from webapp import create_app
from webapp.config import normalise_database_url
from webapp.auth.models import User
from webapp.extensions import db, mail
from webapp.people.models import AlumnaProfile, CoordinatorProfile, Programme, School, StudentProfile

TEST_DATABASE_URL = normalise_database_url(os.environ["TEST_DATABASE_URL"]) if os.environ.get("TEST_DATABASE_URL") else None
PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + TEST_DATABASE_URL if TEST_DATABASE_URL else 'SQLite'}"


class KringClient(FlaskClient):
    """A test client that sends the CSRF token with every form POST, as the browser does."""

    def open(self, *args, **kwargs):
        # Each request gets its own app context (fresh `g`, its own database session), as in
        # production; the test's own session then forgets what it cached.
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        page = self.get("/login" if not self._logged_in() else "/start")
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1) or match.group(2)

    def _logged_in(self) -> bool:
        with self.session_transaction() as session:
            return "_user_id" in session

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


def _worker_database(url: str, worker: str) -> str:
    """With pytest-xdist, each worker gets its own PostgreSQL database next to the given one."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL if worker_id == "master" else _worker_database(TEST_DATABASE_URL, worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def _schema(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


TEST_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "MAIL_TRANSPORT": "mailbox",
    "MAIL_DEV_MAILBOX": True,
    "BASE_URL": "http://kring.test",
    "RATELIMIT_STORAGE_URI": "memory://",
    # Fast hashing in tests only; production uses argon2id (webapp.auth.passwords).
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
}


@pytest.fixture
def app(database_url, _schema, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **TEST_SETTINGS})
    app.test_client_class = KringClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app) -> KringClient:
    return app.test_client()


@pytest.fixture
def hx(app) -> KringClient:
    """A client whose requests come from htmx."""
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


# --- people -----------------------------------------------------------------------------


def make_school(name: str | None = None) -> School:
    n = next(_counter)
    school = School(name=name or f"Testschool {n}", city="Utrecht")
    db.session.add(school)
    db.session.flush()
    db.session.add(Programme(school_id=school.id, name="Software developer", crebo="25604", level=4, pathway="BOL", sector="ict"))
    db.session.add(Programme(school_id=school.id, name="Technicus elektrotechniek", crebo="25346", level=4, pathway="BOL", sector="elektrotechniek"))
    db.session.commit()
    return school


def make_user(role: str, school: School | None = None, *, email: str | None = None, year: int = 1, activated: bool = True) -> User:
    n = next(_counter)
    user = User(email=email or f"{role}{n}@example.org", first_name=f"{role.title()}{n}", last_name="Test", activated=activated)
    user.add_role(role)
    if activated:
        user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    if role == "student":
        assert school is not None
        db.session.add(StudentProfile(user_id=user.id, school_id=school.id, programme_id=school.programmes[0].id, year=year))
    elif role == "coordinator":
        assert school is not None
        db.session.add(CoordinatorProfile(user_id=user.id, school_id=school.id))
    elif role == "alumna":
        db.session.add(AlumnaProfile(user_id=user.id, school_id=school.id if school else None, graduated_year=2022))
    db.session.commit()
    return user


@dataclass
class World:
    """Two schools, with a person of every role at school A and a coordinator at B."""

    school_a: School
    school_b: School
    users: dict[str, User] = field(default_factory=dict)


@pytest.fixture
def world(app) -> World:
    a, b = make_school("School A"), make_school("School B")
    w = World(a, b)
    w.users = {
        "student": make_user("student", a),
        "alumna": make_user("alumna", a),
        "coordinator": make_user("coordinator", a),
        "coordinator_b": make_user("coordinator", b),
        "student_b": make_user("student", b),
        "admin": make_user("admin"),
    }
    return w


@pytest.fixture
def login_as(app, world):
    """login_as('coordinator') gives a client logged in as that person of `world`."""

    def login(who: str | User, htmx: bool = False) -> KringClient:
        user = world.users[who] if isinstance(who, str) else who
        client = app.test_client()
        if htmx:
            client.environ_base["HTTP_HX_REQUEST"] = "true"
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return client

    return login


# --- e-mail -----------------------------------------------------------------------------


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[EmailMessage]
    controller: object
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp(app) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on loopback; the app delivers to it."""
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []
    server: SmtpServer

    class Handler:
        async def handle_DATA(self, smtp_server, session, envelope):
            with server.lock:
                if server.fail_next > 0:
                    server.fail_next -= 1
                    return "451 Tijdelijke storing"
                received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    server = SmtpServer("127.0.0.1", port, received, controller)
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TRANSPORT="smtp", MAIL_USE_TLS=False, MAIL_USE_SSL=False
    )
    mail.init_app(app)  # Flask-Mail reads its settings when it is initialised
    yield server
    controller.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def body_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(text_body: str) -> str:
    """The first Kring link in an e-mail, as a path the test client can open."""
    match = re.search(r"http://kring\.test(/\S+)", text_body)
    assert match, f"no link in: {text_body}"
    return match.group(1)


# Browser fixtures (Playwright + Debian's Chromium), shared by every test module.
from tests.browser.fixtures import browser, live_server, page  # noqa: E402,F401
