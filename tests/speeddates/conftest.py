"""Builders for the speeddates tests: events, tables, registered students with rankings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from tests.conftest import make_user
from webapp.auth.models import User
from webapp.extensions import db
from webapp.matching.speeddates import Meeting
from webapp.modeltools import utcnow
from webapp.outbox.models import OutboxEmail
from webapp.people.models import AlumnaProfile, School, StudentProfile
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddatePreference, SpeeddateRegistration, SpeeddateSlot


@pytest.fixture(autouse=True)
def dutch(app):
    """Lazy messages are read in Dutch, as a page would show them."""
    with force_locale("nl"):
        yield


def at(days: float, hour: int = 12) -> datetime:
    """A stored (naive UTC) moment `days` from now at hour:00 UTC."""
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def make_event(
    school: School,
    creator: User | None = None,
    *,
    status: str = "open",
    starts_in: float = 10,
    deadline_in: float = 5,
    rounds: int = 4,
    minutes: int = 15,
    break_minutes: int = 5,
    audience: list[tuple[int, int]] | None = None,
    title: str = "Stagespeeddate ICT",
) -> SpeeddateEvent:
    event = SpeeddateEvent(
        school_id=school.id,
        created_by_id=creator.id if creator else None,
        kind="stage",
        title=title,
        place="Aula",
        starts_at=at(starts_in, 12),
        rounds=rounds,
        minutes_per_round=minutes,
        break_minutes=break_minutes,
        registration_deadline=at(deadline_in, 12),
        status=status,
        audience=[{"programme_id": p, "year": y, "count": 0} for p, y in (audience or [])],
        figures={},
    )
    db.session.add(event)
    db.session.commit()
    return event


def make_host(
    event: SpeeddateEvent,
    *,
    kind: str = "guest",
    user: User | None = None,
    seats: int = 8,
    table: str | None = None,
    topic: str = "Stage bij een netbeheerder",
    name: str | None = None,
) -> SpeeddateHost:
    count = db.session.scalar(select(db.func.count()).select_from(SpeeddateHost).where(SpeeddateHost.event_id == event.id))
    host = SpeeddateHost(event_id=event.id, topic=topic, seats_per_round=seats, table_label=table or str(count + 1))
    if kind == "alumna":
        host.alumna_id = (user or make_alumna(event.school)).id
    elif kind == "student":
        host.student_id = (user or make_user("student", event.school, year=3)).id
    else:
        host.guest_name = name or f"Gast {count + 1}"
    db.session.add(host)
    db.session.commit()
    return host


def make_alumna(school: School | None = None, *, activities=("speeddate",), first_name: str | None = None) -> User:
    user = make_user("alumna", school)
    if first_name:
        user.first_name = first_name
    profile = db.session.get(AlumnaProfile, user.id)
    profile.activities = list(activities)
    profile.job_title = "Monteur"
    profile.employer = "Stedin"
    db.session.commit()
    return user


def make_student(school: School, *, year: int = 2, first_name: str | None = None, birth_date: date | None = None) -> User:
    user = make_user("student", school, year=year)
    if first_name:
        user.first_name = first_name
    if birth_date is not None:
        db.session.get(StudentProfile, user.id).birth_date = birth_date
    db.session.commit()
    return user


def register(event: SpeeddateEvent, student: User, hosts: list[SpeeddateHost] = ()) -> SpeeddateRegistration:
    registration = SpeeddateRegistration(event_id=event.id, student_id=student.id)
    registration.preferences = [SpeeddatePreference(host_id=h.id, rank=i) for i, h in enumerate(hosts, start=1)]
    db.session.add(registration)
    db.session.commit()
    return registration


def audience_of(student: User) -> tuple[int, int]:
    profile = db.session.get(StudentProfile, student.id)
    return profile.programme_id, profile.year


def meetings_of(event: SpeeddateEvent) -> set[Meeting]:
    return {Meeting(s.student_id, s.host_id, s.round) for s in db.session.scalars(select(SpeeddateSlot).where(SpeeddateSlot.event_id == event.id))}


def mails(template: str | None = None, to: str | None = None) -> list[OutboxEmail]:
    query = select(OutboxEmail).order_by(OutboxEmail.id)
    if template is not None:
        query = query.where(OutboxEmail.template == template)
    if to is not None:
        query = query.where(OutboxEmail.to_address == to)
    return list(db.session.scalars(query))


def vevents(mail: OutboxEmail):
    calendar = Calendar.from_ical(mail.ics)
    return calendar, list(calendar.walk("VEVENT"))


@dataclass
class Scenario:
    event: SpeeddateEvent
    coordinator: User
    hosts: list[SpeeddateHost]
    students: list[User]
    alumna: User
    host_student: User


@pytest.fixture
def scenario(world) -> Scenario:
    """School A: an event (3 rounds) past its deadline, 5 tables (an alumna, a senior student, three guests), 6 registered students."""
    coordinator = world.users["coordinator"]
    event = make_event(world.school_a, coordinator, status="open", starts_in=3, deadline_in=-1, rounds=3)
    alumna = make_alumna(first_name="Anouk")
    host_student = make_student(world.school_a, year=3, first_name="Sanne")
    hosts = [
        make_host(event, kind="alumna", user=alumna, seats=6),
        make_host(event, kind="student", user=host_student, seats=6),
        make_host(event, kind="guest", name="Gerda Gast", seats=6),
        make_host(event, kind="guest", name="Hanna Gast", seats=6),
        make_host(event, kind="guest", name="Ilse Gast", seats=6),
    ]
    students = [make_student(world.school_a, first_name=name) for name in ("Amira", "Bo", "Cato", "Dewi", "Eva", "Fleur")]
    for i, student in enumerate(students):
        order = [hosts[(i + k) % len(hosts)] for k in range(4)]
        register(event, student, order)
    event.audience = [{"programme_id": p, "year": y, "count": 6} for p, y in {audience_of(s) for s in students}]
    db.session.commit()
    return Scenario(event, coordinator, hosts, students, alumna, host_student)


def _hosts_of(event: SpeeddateEvent) -> list[SpeeddateHost]:
    return list(db.session.scalars(select(SpeeddateHost).where(SpeeddateHost.event_id == event.id)))


def check_valid(event: SpeeddateEvent) -> None:
    """No student twice in a round, never the same host twice, no table over its seats."""
    slots = list(db.session.scalars(select(SpeeddateSlot).where(SpeeddateSlot.event_id == event.id)))
    rounds = {(s.student_id, s.round) for s in slots}
    pairs = {(s.student_id, s.host_id) for s in slots}
    assert len(rounds) == len(slots) and len(pairs) == len(slots)
    seats = {h.id: h.seats_per_round for h in _hosts_of(event)}
    for host_id, limit in seats.items():
        for r in range(1, event.rounds + 1):
            assert sum(1 for s in slots if s.host_id == host_id and s.round == r) <= limit
