"""Builders for circle tests: mentors who volunteer, circles, meetings."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.conftest import make_user
from webapp.auth.models import User
from webapp.circles import services
from webapp.circles.models import CircleMeeting, MentoringCircle
from webapp.extensions import db
from webapp.ics import new_uid
from webapp.modeltools import utcnow
from webapp.people.models import AlumnaAllowedSchool, AlumnaProfile, Programme, School, StudentProfile


def make_mentor(
    school: School | None = None,
    *,
    programme: Programme | None = None,
    programme_name: str = "",
    sector: str = "ict",
    graduated: int | None = 2022,
    max_per_year: int = 4,
    activities=("circle_mentor",),
    all_schools: bool = True,
    allowed: list[School] | None = None,
    first_name: str | None = None,
) -> User:
    user = make_user("alumna", school)
    if first_name:
        user.first_name = first_name
    profile = db.session.get(AlumnaProfile, user.id)
    profile.programme_id = programme.id if programme else None
    profile.programme_name = programme_name or (programme.name if programme else "")
    profile.sector = sector
    profile.graduated_year = graduated
    profile.max_per_year = max_per_year
    profile.activities = list(activities)
    profile.all_schools = all_schools
    for other in allowed or []:
        profile.allowed_schools.append(AlumnaAllowedSchool(school_id=other.id))
    profile.job_title = "Monteur zonnepanelen"
    profile.employer = "Stedin"
    db.session.commit()
    return user


def make_circle(
    school: School,
    *,
    mentor: User | None = None,
    capacity: int = 8,
    status: str = "open",
    programme: Programme | None = None,
    invite_only: bool = False,
    name: str = "Kring Techniek",
) -> MentoringCircle:
    circle = MentoringCircle(
        school_id=school.id,
        mentor_id=mentor.id if mentor else None,
        programme_id=programme.id if programme else None,
        name=name,
        theme="Stage zoeken",
        capacity=capacity,
        seats_taken=0,
        status=status,
        invite_only=invite_only,
        school_year=services.current_school_year(),
    )
    db.session.add(circle)
    db.session.commit()
    return circle


def make_students(school: School, count: int, **kwargs) -> list[User]:
    return [make_user("student", school, **kwargs) for _ in range(count)]


def make_meeting(circle: MentoringCircle, starts_at: datetime | None = None, minutes: int = 90, **fields) -> CircleMeeting:
    starts_at = starts_at or utcnow().replace(microsecond=0) + timedelta(days=7)
    meeting = CircleMeeting(
        circle_id=circle.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        place=fields.pop("place", "Lokaal 2.14"),
        topic=fields.pop("topic", "Kennismaken"),
        ical_uid=new_uid("kring", circle.id),
        **fields,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def under_16(user: User, consent: bool = False) -> StudentProfile:
    profile = db.session.get(StudentProfile, user.id)
    today = date.today()
    profile.birth_date = date(today.year - 14, 1, 1)
    profile.guardian_consent_at = utcnow() if consent else None
    db.session.commit()
    return profile
