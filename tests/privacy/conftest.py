"""A school life that touches every table with a reference to a user, built with the models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tests.conftest import make_user
from webapp.audit.models import AuditEvent
from webapp.auth import tokens
from webapp.auth.models import User
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.circles.models import CircleMeeting, CircleMembership, MeetingAttendance, MentoringCircle
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer, GuestLessonOption
from webapp.modeltools import utcnow
from webapp.outbox.models import OutboxEmail
from webapp.people.models import StudentProfile
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddatePreference, SpeeddateRegistration, SpeeddateSlot


@dataclass
class Life:
    student: User  # the studente whose data we export and erase
    buddy: User  # her older buddy
    classmate: User  # another member of her circle
    alumna: User  # mentor, guest lesson volunteer, speeddate host
    coordinator: User
    circle: MentoringCircle
    pair: BuddyPair
    past_event: SpeeddateEvent
    future_event: SpeeddateEvent
    lesson_done: GuestLesson
    lesson_upcoming: GuestLesson


def build_life(world) -> Life:
    school = world.school_a
    student = world.users["student"]
    alumna = world.users["alumna"]
    coordinator = world.users["coordinator"]
    buddy = make_user("student", school, year=3)
    classmate = make_user("student", school)
    now = utcnow()

    profile = db.session.get(StudentProfile, student.id)
    profile.student_number = "S12345"
    profile.birth_date = date(2009, 3, 14)
    profile.interests = ["robotica", "zonne-energie"]
    profile.buddy_preferences = {"same_programme": True}
    profile.wants_buddy = True
    profile.guardian_email = "ouder@example.net"
    student.phone = "06 12345678"

    circle = MentoringCircle(school_id=school.id, mentor_id=alumna.id, name="Kring Techniek", capacity=6, seats_taken=2, status="open", school_year="2025-2026")
    db.session.add(circle)
    db.session.flush()
    db.session.add_all(
        [
            CircleMembership(circle_id=circle.id, student_id=student.id, status="joined", joined_at=now),
            CircleMembership(circle_id=circle.id, student_id=classmate.id, status="joined", joined_at=now),
        ]
    )
    requests = db.metadata.tables["circle_requests"]
    db.session.execute(requests.insert().values(school_id=school.id, student_id=student.id, school_year="2026-2027", created_at=now))
    meeting = CircleMeeting(circle_id=circle.id, starts_at=now - timedelta(days=7), ends_at=now - timedelta(days=7, hours=-1), topic="Kennismaken", ical_uid="m1@kring")
    db.session.add(meeting)
    db.session.flush()
    db.session.add(MeetingAttendance(meeting_id=meeting.id, student_id=student.id, present=True))

    run = MatchRun(school_id=school.id, run_by_id=coordinator.id, status="approved", figures={"pairs": 1})
    db.session.add(run)
    db.session.flush()
    pair = BuddyPair(school_id=school.id, buddy_id=buddy.id, mentee_id=student.id, match_run_id=run.id, status="active", score=0.9, reasons=["zelfde opleiding"])
    ended = BuddyPair(school_id=school.id, buddy_id=buddy.id, mentee_id=classmate.id, status="ended", ended_by_id=coordinator.id, ended_at=now)
    db.session.add_all([pair, ended])
    db.session.add(BuddyForbiddenPair(school_id=school.id, buddy_id=classmate.id, mentee_id=student.id, created_by_id=coordinator.id))

    lesson_done = GuestLesson(school_id=school.id, topic="Werken als monteur", status="done", created_by_id=coordinator.id, ical_uid="gl1@kring")
    lesson_upcoming = GuestLesson(school_id=school.id, topic="Slimme netten", status="confirmed", created_by_id=coordinator.id, ical_uid="gl2@kring")
    db.session.add_all([lesson_done, lesson_upcoming])
    db.session.flush()
    option_past = GuestLessonOption(lesson_id=lesson_done.id, starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30, hours=-1))
    option_future = GuestLessonOption(lesson_id=lesson_upcoming.id, starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=1))
    db.session.add_all([option_past, option_future])
    db.session.flush()
    db.session.add_all(
        [
            GuestLessonOffer(lesson_id=lesson_done.id, alumna_id=alumna.id, option_id=option_past.id, status="confirmed", message="Ik neem gereedschap mee"),
            GuestLessonOffer(lesson_id=lesson_upcoming.id, alumna_id=alumna.id, option_id=option_future.id, status="confirmed", message="Graag!"),
        ]
    )

    past_event = SpeeddateEvent(school_id=school.id, kind="stage", title="Stagespeeddate voorjaar", starts_at=now - timedelta(days=60), registration_deadline=now - timedelta(days=70), status="done", created_by_id=coordinator.id)
    future_event = SpeeddateEvent(school_id=school.id, kind="keuzedeel", title="Keuzedelen kiezen", starts_at=now + timedelta(days=20), registration_deadline=now + timedelta(days=10), status="open", created_by_id=coordinator.id)
    db.session.add_all([past_event, future_event])
    db.session.flush()
    past_host = SpeeddateHost(event_id=past_event.id, alumna_id=alumna.id, topic="Stage bij een netbeheerder", company="Netwerk BV", table_label="1")
    future_host = SpeeddateHost(event_id=future_event.id, alumna_id=alumna.id, topic="Keuzedeel PLC", company="Netwerk BV", table_label="1")
    senior_host = SpeeddateHost(event_id=future_event.id, student_id=buddy.id, topic="Keuzedeel domotica", table_label="2")
    db.session.add_all([past_host, future_host, senior_host])
    db.session.flush()
    past_registration = SpeeddateRegistration(event_id=past_event.id, student_id=student.id)
    future_registration = SpeeddateRegistration(event_id=future_event.id, student_id=student.id)
    db.session.add_all([past_registration, future_registration])
    db.session.flush()
    db.session.add_all(
        [
            SpeeddatePreference(registration_id=past_registration.id, host_id=past_host.id, rank=1),
            SpeeddatePreference(registration_id=future_registration.id, host_id=future_host.id, rank=1),
            SpeeddatePreference(registration_id=future_registration.id, host_id=senior_host.id, rank=2),
            SpeeddateSlot(event_id=past_event.id, round=1, host_id=past_host.id, student_id=student.id, attended=True),
            SpeeddateSlot(event_id=future_event.id, round=1, host_id=future_host.id, student_id=student.id),
        ]
    )

    from webapp.dashboard.models import Target

    db.session.add(Target(school_id=school.id, metric="circle_share", school_year="2026-2027", value=30, created_by_id=coordinator.id))
    tokens.new_invitation("activate", student.email, valid_for=timedelta(days=14), user_id=student.id, school_id=school.id, created_by_id=coordinator.id)
    db.session.add_all(
        [
            OutboxEmail(to_address=student.email, subject="Welkom in de kring", body_text=f"Hallo {student.first_name}", template="circle_joined", status="sent", sent_at=now),
            OutboxEmail(to_address=student.email, subject="Je speeddate-rooster", body_text="Ronde 1: tafel 1", template="speeddate_schedule"),
            AuditEvent(actor_id=coordinator.id, action="viewed", subject_user_id=student.id, school_id=school.id, details={"what": "profile", "email": student.email}),
            AuditEvent(actor_id=student.id, action="profile.corrected", subject_user_id=student.id, school_id=school.id, details={"fields": ["phone"]}),
        ]
    )
    db.session.commit()
    return Life(student, buddy, classmate, alumna, coordinator, circle, pair, past_event, future_event, lesson_done, lesson_upcoming)


@pytest.fixture
def life(world) -> Life:
    return build_life(world)
