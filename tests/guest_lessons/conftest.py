"""Builders for the guest lessons tests: alumnae with a profile, requests, times."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import make_user
from webapp.auth.models import User
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer, GuestLessonOption
from webapp.ics import new_uid
from webapp.modeltools import utcnow
from webapp.people.models import AlumnaAllowedSchool, AlumnaProfile, Programme, School


def at(days: float, hour: int = 10, minutes: int = 0) -> datetime:
    """A stored (naive UTC) moment `days` from today at hour:minutes UTC."""
    base = utcnow().replace(hour=hour, minute=minutes, second=0, microsecond=0)
    return base + timedelta(days=days)


def make_alumna(
    *,
    first_name: str | None = None,
    school: School | None = None,
    programme: Programme | None = None,
    programme_name: str = "",
    sector: str = "ict",
    graduated_year: int | None = 2022,
    activities=("guest_lesson",),
    max_per_year: int = 4,
    all_schools: bool = True,
    allowed: tuple[School, ...] = (),
    activated: bool = True,
) -> User:
    user = make_user("alumna", school, activated=activated)
    if first_name:
        user.first_name = first_name
    profile = db.session.get(AlumnaProfile, user.id)
    profile.programme_id = programme.id if programme else None
    profile.programme_name = programme_name or (programme.name if programme else "")
    profile.sector = sector
    profile.graduated_year = graduated_year
    profile.activities = list(activities)
    profile.max_per_year = max_per_year
    profile.all_schools = all_schools
    profile.job_title = "Monteur"
    profile.employer = "Stedin"
    for allowed_school in allowed:
        db.session.add(AlumnaAllowedSchool(alumna_id=user.id, school_id=allowed_school.id))
    db.session.commit()
    return user


def make_lesson(
    school: School,
    creator: User | None = None,
    *,
    kind: str = "guest_lesson",
    programme: Programme | None = None,
    options=None,
    status: str = "open",
    topic: str = "Werken in de techniek",
    student_count: int | None = 24,
) -> GuestLesson:
    options = options or [(at(10), at(10, 11))]
    lesson = GuestLesson(
        school_id=school.id,
        created_by_id=creator.id if creator else None,
        kind=kind,
        programme_id=programme.id if programme else None,
        topic=topic,
        class_name="ICT-2B",
        year=2,
        place="Lokaal B2.14",
        student_count=student_count,
        status=status,
        ical_uid=new_uid("guest-lesson", school.id),
    )
    lesson.options = [GuestLessonOption(starts_at=s, ends_at=e) for s, e in options]
    db.session.add(lesson)
    db.session.commit()
    return lesson


def give_lesson(alumna: User, school: School, starts_at: datetime, ends_at: datetime | None = None, *, status: str = "confirmed", kind: str = "guest_lesson") -> GuestLesson:
    """An activity she gives (confirmed or done) at that time: it counts against her limit and makes her busy."""
    ends_at = ends_at or starts_at + timedelta(hours=1)
    lesson = make_lesson(school, kind=kind, options=[(starts_at, ends_at)], status=status, topic="Eerdere les")
    lesson.starts_at, lesson.ends_at = starts_at, ends_at
    db.session.add(GuestLessonOffer(lesson_id=lesson.id, alumna_id=alumna.id, option_id=lesson.options[0].id, status="confirmed"))
    db.session.commit()
    return lesson


def offer_on(lesson: GuestLesson, alumna: User, option_index: int = 0, status: str = "offered") -> GuestLessonOffer:
    offer = GuestLessonOffer(lesson_id=lesson.id, alumna_id=alumna.id, option_id=lesson.options[option_index].id, status=status)
    db.session.add(offer)
    if status == "offered" and lesson.status == "open":
        lesson.status = "offered"
    db.session.commit()
    return offer


@pytest.fixture
def ict(world) -> Programme:
    """School A's ICT programme (Software developer, crebo 25604)."""
    return world.school_a.programmes[1] if world.school_a.programmes[0].sector != "ict" else world.school_a.programmes[0]


@pytest.fixture
def electro(world) -> Programme:
    return next(p for p in world.school_a.programmes if p.sector == "elektrotechniek")
