"""Builders for dashboard tests: studentes and activity rows, made quickly and explicitly.

Each builder returns what it made, so a test can count the expected figures itself from its own
records, without the dashboard's queries.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from webapp.auth.models import User
from webapp.buddies.models import BuddyPair
from webapp.circles.models import CircleMembership, MentoringCircle
from webapp.dashboard.services import SchoolYear
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer, GuestLessonOption
from webapp.people.models import School, StudentProfile
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddateSlot

_n = itertools.count(1)


@dataclass
class Spec:
    """A studente as the test made her."""

    user_id: int
    school_id: int
    programme_id: int
    year: int  # recorded year (now, or when she left)
    status: str = "active"
    left_at: date | None = None


def students(school: School, count: int, *, programme: int = 0, year: int = 1, status: str = "active",
             left_at: date | None = None, wants_buddy: bool = False) -> list[Spec]:
    """`count` studentes of one programme (index into the school's programmes) and year."""
    made = []
    programme_id = school.programmes[programme].id
    users = []
    for _ in range(count):
        n = next(_n)
        user = User(email=f"dash{n}@student.example", first_name=f"Studente{n}", last_name="Test", activated=True)
        user.add_role("student")
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    for user in users:
        db.session.add(StudentProfile(user_id=user.id, school_id=school.id, programme_id=programme_id, year=year,
                                      status=status, left_at=left_at, wants_buddy=wants_buddy,
                                      leave_reason="test" if status != "active" else None))
        made.append(Spec(user.id, school.id, programme_id, year, status, left_at))
    db.session.commit()
    return made


def alumna() -> User:
    n = next(_n)
    user = User(email=f"dash-alumna{n}@example.org", first_name=f"Alumna{n}", activated=True)
    user.add_role("alumna")
    db.session.add(user)
    db.session.commit()
    return user


def at(sy: SchoolYear, days: int, hour: int = 10) -> datetime:
    """A naive UTC moment `days` after the start of school year sy."""
    return sy.starts_utc + timedelta(days=days, hours=hour)


def circle(school: School, sy: SchoolYear, members: list[tuple[int, str, bool]], *, capacity: int = 8,
           status: str = "open", mentor: User | None = None) -> MentoringCircle:
    """members: (student id, membership status, joined before)."""
    joined = sum(1 for _id, s, _j in members if s == "joined")
    c = MentoringCircle(school_id=school.id, name=f"Kring {next(_n)}", capacity=max(capacity, joined), seats_taken=joined,
                        status=status, school_year=sy.label, mentor_id=mentor.id if mentor else None)
    db.session.add(c)
    db.session.flush()
    for student_id, membership_status, was_joined in members:
        db.session.add(CircleMembership(circle_id=c.id, student_id=student_id, status=membership_status,
                                        joined_at=at(sy, 5) if was_joined else None,
                                        left_at=at(sy, 50) if membership_status in ("left", "declined") else None))
    db.session.commit()
    return c


def buddy_pair(school: School, buddy_id: int, mentee_id: int, status: str, start: datetime,
               end: datetime | None = None, approved: bool = True) -> BuddyPair:
    pair = BuddyPair(school_id=school.id, buddy_id=buddy_id, mentee_id=mentee_id, status=status, created_at=start,
                     approved_at=start if approved else None, ended_at=end)
    db.session.add(pair)
    db.session.commit()
    return pair


def speeddate(school: School, starts_at: datetime, status: str, student_ids: list[int], *, absent: tuple[int, ...] = (),
              host: User | None = None, deadline: datetime | None = None, dropped_out: bool = False) -> SpeeddateEvent:
    event = SpeeddateEvent(school_id=school.id, kind="stage", title=f"Speeddate {next(_n)}", starts_at=starts_at,
                           registration_deadline=deadline or starts_at - timedelta(days=7), status=status, rounds=2)
    db.session.add(event)
    db.session.flush()
    host_row = SpeeddateHost(event_id=event.id, alumna_id=host.id if host else None, guest_name=None if host else "Gast",
                             dropped_out=dropped_out)
    db.session.add(host_row)
    db.session.flush()
    for student_id in student_ids:
        db.session.add(SpeeddateSlot(event_id=event.id, round=1, host_id=host_row.id, student_id=student_id,
                                     attended=False if student_id in absent else None))
    db.session.commit()
    return event


def lesson(school: School, status: str, starts_at: datetime | None, *, programme: int | None = 0, year: int | None = 1,
           student_count: int | None = 20, kind: str = "guest_lesson", option_at: datetime | None = None,
           alumna: User | None = None) -> GuestLesson:
    n = next(_n)
    row = GuestLesson(school_id=school.id, kind=kind, topic=f"Gastles {n}", status=status,
                      programme_id=school.programmes[programme].id if programme is not None else None, year=year,
                      student_count=student_count, ical_uid=f"dash-lesson-{n}@kring",
                      starts_at=starts_at if status in ("confirmed", "done") else None,
                      ends_at=starts_at + timedelta(hours=1) if status in ("confirmed", "done") and starts_at else None)
    db.session.add(row)
    db.session.flush()
    when = option_at or starts_at
    if when is not None:
        db.session.add(GuestLessonOption(lesson_id=row.id, starts_at=when, ends_at=when + timedelta(hours=1)))
    if alumna is not None:
        db.session.add(GuestLessonOffer(lesson_id=row.id, alumna_id=alumna.id, status="confirmed"))
    db.session.commit()
    return row
