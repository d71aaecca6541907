"""School A with something for every form to act on, and fresh objects for forms that use theirs up.

Objects are kept by id: a post may change or erase them, and the test reads them back itself.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app, url_for
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import KringClient, World, make_user
from webapp.auth import tokens
from webapp.auth.models import User
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair
from webapp.circles import services as circle_services
from webapp.circles.models import CircleMeeting, CircleMembership, MentoringCircle
from webapp.dashboard.models import Target
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer, GuestLessonOption
from webapp.ics import new_uid
from webapp.modeltools import utcnow
from webapp.people import importing
from webapp.people.models import AlumnaProfile, StudentProfile
from webapp.speeddates import services as speeddate_services
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddatePreference, SpeeddateRegistration


def url(endpoint: str, **values) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **values)


@dataclass
class Scene:
    world: World
    school: int
    programmes: list[int]
    users: dict[str, int]
    ids: dict[str, Any] = field(default_factory=dict)
    target: Any = None  # what the current example acts on
    _clients: dict = field(default_factory=dict)
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __repr__(self) -> str:
        return f"<scene of school {self.school}>"

    def _repr_pretty_(self, printer, cycle) -> None:  # how Hypothesis shows a failing example
        printer.text(repr(self))

    # --- clients -----------------------------------------------------------------------------

    def client(self, user_id: int | None, htmx: bool = False, fresh: bool = False) -> KringClient:
        """A client logged in as the user (None: anonymous), with a CSRF token in its session."""
        key = (user_id, htmx)
        if fresh or key not in self._clients:
            client = current_app.test_client()
            if htmx:
                client.environ_base["HTTP_HX_REQUEST"] = "true"
            with client.session_transaction() as session:
                if user_id is not None:
                    session["_user_id"] = str(user_id)
                    session["_fresh"] = True
                # As Flask-WTF makes it: a random value in the session, signed into the token.
                session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
                raw = session["csrf_token"]
            client.csrf = URLSafeTimedSerializer(current_app.secret_key, salt="wtf-csrf-token").dumps(raw)
            if fresh:
                return client
            self._clients[key] = client
        return self._clients[key]

    # --- fresh objects -----------------------------------------------------------------------

    def student(self, year: int = 2, **profile) -> int:
        user = make_user("student", self.world.school_a, year=year)
        if profile:
            row = db.session.get(StudentProfile, user.id)
            for name, value in profile.items():
                setattr(row, name, value)
            db.session.commit()
        return user.id

    def lesson(self, status: str = "open", days: float | None = None, offer: str | None = None) -> int:
        """A guest lesson request; each on its own day unless told, so that they do not clash."""
        days = 20 + next(self._serial) % 300 if days is None else days
        starts = (utcnow() + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
        lesson = GuestLesson(
            school_id=self.school,
            created_by_id=self.users["coordinator"],
            topic="Werken in de techniek",
            class_name="ICT-2B",
            year=2,
            place="Lokaal B2.14",
            student_count=24,
            status=status,
            ical_uid=new_uid("guest-lesson", self.school),
        )
        lesson.options = [GuestLessonOption(starts_at=starts, ends_at=starts + timedelta(hours=1))]
        db.session.add(lesson)
        db.session.flush()
        if offer:
            db.session.add(GuestLessonOffer(lesson_id=lesson.id, alumna_id=self.users["alumna"], option_id=lesson.options[0].id, status=offer))
        if status in ("confirmed", "done"):
            lesson.starts_at, lesson.ends_at = starts, starts + timedelta(hours=1)
        db.session.commit()
        return lesson.id

    def pair(self) -> tuple[int, int]:
        """An active buddy pair of two fresh students: (pair id, mentee id)."""
        buddy, mentee = self.student(year=3, volunteers_as_buddy=True, buddy_capacity=1), self.student(year=1)
        pair = BuddyPair(school_id=self.school, buddy_id=buddy, mentee_id=mentee, status="active", score=0.5, reasons=["dezelfde opleiding"])
        db.session.add(pair)
        db.session.commit()
        return pair.id, mentee

    def forbidden(self) -> int:
        row = BuddyForbiddenPair(school_id=self.school, buddy_id=self.student(year=3), mentee_id=self.student(year=1), created_by_id=self.users["coordinator"])
        db.session.add(row)
        db.session.commit()
        return row.id

    def token(self, kind: str, **fields) -> str:
        invitation = tokens.new_invitation(kind, fields.pop("email", ""), valid_for=timedelta(days=7), **fields)
        db.session.commit()
        return tokens.token_for(invitation)

    def account(self) -> tuple[int, str]:
        """A fresh, active student: (id, e-mail address)."""
        user_id = self.student()
        return user_id, db.session.get(User, user_id).email

    def alumna_invitation(self) -> tuple[str, str]:
        """An invitation to the alumni network for a new address: (address, token)."""
        address = f"alumna{next(self._serial)}@example.org"
        return address, self.token("alumna", email=address, school_id=self.school)

    @property
    def plan(self) -> str:
        """A signed import plan for one new student, as the preview of the CSV import makes it."""
        csv = "voornaam,achternaam,e-mail,opleiding,leerjaar\nSanne,de Vries,sanne.import@example.org,25604,2\n".encode()
        preview = importing.build_preview(importing.parse_csv(csv), self.school)
        plan = importing.sign_plan(preview, self.school, self.users["coordinator"])
        db.session.commit()
        return plan

    def fresh_account(self) -> tuple[int, str]:
        """A user who has not activated her account yet, and her activation token."""
        user = make_user("student", self.world.school_a, activated=False)
        return user.id, self.token("activate", email=user.email, user_id=user.id, school_id=self.school)

    def consent_token(self) -> str:
        young = self.student(year=1, birth_date=date(date.today().year - 14, 1, 1))
        return self.token("guardian_consent", email="ouder@example.org", school_id=self.school, target_type="student", target_id=young)


def _circle(scene: Scene, name: str, **fields) -> MentoringCircle:
    circle = MentoringCircle(
        school_id=scene.school, name=name, theme="Stage zoeken", capacity=8, seats_taken=0, status="open",
        school_year=circle_services.current_school_year(), **fields,
    )
    db.session.add(circle)
    db.session.flush()
    return circle


def _meeting(circle: MentoringCircle, days: float) -> CircleMeeting:
    starts = (utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)
    meeting = CircleMeeting(circle_id=circle.id, starts_at=starts, ends_at=starts + timedelta(hours=1), place="Lokaal 2.14", topic="Kennismaken", ical_uid=new_uid("kring", circle.id))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _event(scene: Scene, status: str, starts_in: float, deadline_in: float, title: str) -> SpeeddateEvent:
    at = lambda days: (utcnow() + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)  # noqa: E731
    event = SpeeddateEvent(
        school_id=scene.school, created_by_id=scene.users["coordinator"], kind="stage", title=title, place="Aula",
        starts_at=at(starts_in), rounds=3, minutes_per_round=15, break_minutes=5, registration_deadline=at(deadline_in),
        status=status, audience=[], figures={},
    )
    db.session.add(event)
    db.session.flush()
    return event


def _hosts(event: SpeeddateEvent, count: int) -> list[SpeeddateHost]:
    hosts = [SpeeddateHost(event_id=event.id, guest_name=f"Gast {n}", topic="Stage bij een netbeheerder", seats_per_round=4, table_label=str(n)) for n in range(1, count + 1)]
    db.session.add_all(hosts)
    db.session.flush()
    return hosts


def _register(event: SpeeddateEvent, student_id: int, hosts: list[SpeeddateHost]) -> SpeeddateRegistration:
    registration = SpeeddateRegistration(event_id=event.id, student_id=student_id)
    registration.preferences = [SpeeddatePreference(host_id=h.id, rank=i) for i, h in enumerate(hosts, start=1)]
    db.session.add(registration)
    db.session.flush()
    return registration


def _circle_part(scene: Scene) -> None:
    users, ids = scene.users, scene.ids
    circle = _circle(scene, "Kring Techniek", mentor_id=users["alumna"])
    db.session.add(CircleMembership(circle_id=circle.id, student_id=users["student"], status="joined", joined_at=utcnow()))
    circle.seats_taken = 1
    ids["circle"] = circle.id
    ids["meeting"] = _meeting(circle, 14).id
    ids["meeting_past"] = _meeting(circle, -2).id
    db.session.commit()


def _lesson_part(scene: Scene) -> None:
    scene.ids["lesson_open"] = scene.lesson("open", days=10)
    scene.ids["lesson_confirmed"] = scene.lesson("confirmed", days=12, offer="confirmed")
    scene.ids["lesson_done"] = scene.lesson("done", days=-7, offer="confirmed")


def _audience(scene: Scene) -> list[dict]:
    student = db.session.get(StudentProfile, scene.users["student"])
    return [{"programme_id": student.programme_id, "year": student.year, "count": 1}]


def _draft_event_part(scene: Scene) -> None:
    draft = _event(scene, "draft", 20, 10, "Stagespeeddate concept")
    scene.ids["event_draft"], scene.ids["host_draft"] = draft.id, _hosts(draft, 1)[0].id
    db.session.commit()


def _open_event_part(scene: Scene) -> None:
    event = _event(scene, "open", 20, 10, "Stagespeeddate open")
    event.audience = _audience(scene)
    hosts = _hosts(event, 3)
    _register(event, scene.users["student"], hosts[:1])
    scene.ids["event_open"], scene.ids["hosts_open"] = event.id, [h.id for h in hosts]
    db.session.commit()


def _published_event_part(scene: Scene) -> None:
    event = _event(scene, "open", 3, -1, "Stagespeeddate gepubliceerd")
    event.audience = _audience(scene)
    hosts = _hosts(event, 3)
    students = (scene.users["student"], scene.student(year=1), scene.student(year=1))
    registrations = [_register(event, student, hosts) for student in students]
    db.session.commit()
    coordinator = db.session.get(User, scene.users["coordinator"])
    speeddate_services.generate(event, coordinator)
    speeddate_services.publish(db.session.get(SpeeddateEvent, event.id), coordinator)
    scene.ids["event_published"], scene.ids["registration"] = event.id, registrations[0].id


PARTS = {
    "circle": _circle_part, "meeting": _circle_part, "meeting_past": _circle_part,
    "lesson_open": _lesson_part, "lesson_confirmed": _lesson_part, "lesson_done": _lesson_part,
    "event_draft": _draft_event_part, "host_draft": _draft_event_part,
    "event_open": _open_event_part, "hosts_open": _open_event_part,
    "event_published": _published_event_part, "registration": _published_event_part,
}


class Parts(dict):
    """The scene's objects by name; a part of the scene is built the first time it is asked for."""

    def __init__(self, scene: Scene):
        super().__init__()
        self.scene = scene

    def __missing__(self, name: str):
        PARTS[name](self.scene)
        return self[name]


def build_scene(world: World) -> Scene:
    """School A with its people; circles, lessons and events follow when a test asks for them."""
    school = world.school_a
    users = {role: user.id for role, user in world.users.items()}
    scene = Scene(world, school.id, [p.id for p in school.programmes], users)
    scene.ids = Parts(scene)

    alumna = db.session.get(AlumnaProfile, users["alumna"])
    alumna.programme_name, alumna.job_title, alumna.employer, alumna.sector = "Software developer", "Developer", "Stedin", "ict"
    alumna.activities = ["guest_lesson", "speeddate", "circle_mentor", "open_day"]
    alumna.max_per_year = 50
    users["senior"] = scene.student(year=3, volunteers_as_buddy=True, buddy_capacity=2)
    users["young"] = scene.student(year=1, birth_date=date(date.today().year - 14, 1, 1))
    db.session.get(StudentProfile, users["student"]).wants_buddy = True
    db.session.add(
        Target(school_id=school.id, metric="circle_share", school_year=circle_services.current_school_year(), value=30, created_by_id=users["coordinator"])
    )
    db.session.commit()
    return scene


def build_everything(scene: Scene) -> None:
    for name in PARTS:
        scene.ids[name]
