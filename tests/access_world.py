"""One object of every kind a route takes as a URL parameter, all of school A, for the access matrix.

`build(world)` extends the `world` fixture of tests/conftest.py: the studente is a member of a
circle the alumna mentors, is registered for a speeddate where the alumna hosts a table, has an
active buddy, and so on, so that every person a route is meant for reaches it for real. It adds
world.users["other_alumna"]: an alumna with no part in any of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from tests.buddies.builders import student as buddy_student
from tests.circles.builders import make_circle, make_meeting
from tests.conftest import World, make_user
from webapp.audit.models import AuditEvent
from webapp.auth import tokens
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.circles.models import CircleMembership, CircleRequest
from webapp.circles.services import current_school_year
from webapp.dashboard.models import Target
from webapp.dashboard.services import SchoolYear
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer, GuestLessonOption
from webapp.ics import new_uid
from webapp.modeltools import utcnow
from webapp.outbox.models import OutboxEmail
from webapp.people.models import AlumnaAllowedSchool, AlumnaProfile, StudentProfile
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddatePreference, SpeeddateRegistration, SpeeddateSlot

# Text that only school A's own pages may show: a coordinator of school B must never see it.
SCHOOL_A_MARK = "Zwaluwstaart"
# What only the studente herself and her school's coordinator may see of her (DESIGN: an
# alumna sees first name, programme and year, never e-mail or phone unless she shared them).
STUDENT_LAST_NAME = "Klaproosveld"
STUDENT_EMAIL = "klaproos.prive@student.example.org"
STUDENT_PHONE = "0611223344"
# The same for her buddy, as the studente sees her buddy.
BUDDY_LAST_NAME = "Bremraapsma"
BUDDY_EMAIL = "bremraap.prive@student.example.org"
BUDDY_PHONE = "0699887766"
DAYS = timedelta(days=1)


@dataclass
class AccessWorld:
    world: World
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, Callable[[], str]] = field(default_factory=dict)

    def buddy_private(self) -> list[str]:
        return [BUDDY_LAST_NAME, BUDDY_EMAIL, BUDDY_PHONE]

    def students_private(self) -> list[str]:
        return [STUDENT_LAST_NAME, STUDENT_EMAIL, STUDENT_PHONE, *self.buddy_private()]

    def school_a_only(self) -> list[str]:
        return [SCHOOL_A_MARK, *self.students_private()]


def _token(kind: str, email: str, **fields) -> Callable[[], str]:
    """A fresh, pending invitation token per call: one request cannot use up another's link."""

    def fresh() -> str:
        invitation = tokens.new_invitation(kind, email, valid_for=timedelta(days=7), **fields)
        db.session.commit()
        return tokens.token_for(invitation)

    return fresh


def build(world: World) -> AccessWorld:
    a = world.school_a
    users = world.users
    student, alumna, coordinator = users["student"], users["alumna"], users["coordinator"]
    now = utcnow().replace(microsecond=0)
    out = AccessWorld(world)

    student.last_name, student.email, student.phone = STUDENT_LAST_NAME, STUDENT_EMAIL, STUDENT_PHONE
    alumna_profile = db.session.get(AlumnaProfile, alumna.id)
    alumna_profile.activities = ["guest_lesson", "speeddate", "circle_mentor"]
    alumna_profile.all_schools = True
    alumna_profile.job_title, alumna_profile.employer = "Monteur", "Stedin"
    db.session.commit()

    # Circles: the studente joined a circle the alumna mentors; one meeting (yesterday).
    circle = make_circle(a, mentor=alumna, name=f"Kring {SCHOOL_A_MARK}")
    db.session.add(CircleMembership(circle_id=circle.id, student_id=student.id, status="joined", joined_at=now))
    circle.seats_taken = 1
    db.session.add(CircleRequest(school_id=a.id, student_id=student.id, school_year=current_school_year()))
    db.session.commit()
    meeting = make_meeting(circle, now - DAYS, topic=f"Kennismaken {SCHOOL_A_MARK}")

    # Guest lessons: an open request with the alumna's offer, and one that is done.
    lesson = GuestLesson(
        school_id=a.id, created_by_id=coordinator.id, topic=f"Zonnepanelen {SCHOOL_A_MARK}", class_name="ICT-2B",
        year=2, student_count=20, status="offered", ical_uid=new_uid("guest-lesson", a.id),
    )
    lesson.options = [GuestLessonOption(starts_at=now + 10 * DAYS, ends_at=now + 10 * DAYS + timedelta(hours=1))]
    done = GuestLesson(
        school_id=a.id, created_by_id=coordinator.id, topic=f"Netbeheer {SCHOOL_A_MARK}", status="done",
        starts_at=now - 5 * DAYS, ends_at=now - 5 * DAYS + timedelta(hours=1), ical_uid=new_uid("guest-lesson", a.id),
    )
    db.session.add_all([lesson, done])
    db.session.flush()
    offer = GuestLessonOffer(lesson_id=lesson.id, alumna_id=alumna.id, option_id=lesson.options[0].id, status="offered")
    db.session.add(offer)
    db.session.commit()

    # Speeddates: one with registration open, where the alumna hosts table 1 and the studente
    # registered and ranked it; one published, where the studente talks to the alumna in round 1.
    profile = db.session.get(StudentProfile, student.id)
    speeddates = {}
    for status, starts in (("open", 10), ("published", 0)):
        event = SpeeddateEvent(
            school_id=a.id, created_by_id=coordinator.id, kind="stage", title=f"Stagespeeddate {SCHOOL_A_MARK}",
            place="Aula", starts_at=now + starts * DAYS, registration_deadline=now + (starts - 5) * DAYS, rounds=3,
            status=status, audience=[{"programme_id": profile.programme_id, "year": profile.year, "count": 1}], figures={},
            published_at=now if status == "published" else None,
        )
        db.session.add(event)
        db.session.flush()
        host = SpeeddateHost(event_id=event.id, alumna_id=alumna.id, topic="Stage bij een netbeheerder", table_label="1")
        guest = SpeeddateHost(event_id=event.id, guest_name="Gerda Gast", topic="Stage in de bouw", table_label="2")
        db.session.add_all([host, guest])
        db.session.flush()
        registration = SpeeddateRegistration(event_id=event.id, student_id=student.id)
        registration.preferences = [SpeeddatePreference(host_id=host.id, rank=1)]
        slot = SpeeddateSlot(event_id=event.id, round=1, host_id=host.id, student_id=student.id)
        db.session.add_all([registration, slot])
        db.session.flush()
        speeddates[status] = (event.id, host.id, registration.id, slot.id)
    db.session.commit()

    # Buddies: an active pair (a senior studente is her buddy), a proposal run, a forbidden pair.
    buddy = buddy_student(a, year=3, last_name=BUDDY_LAST_NAME, phone=BUDDY_PHONE, volunteers=True)
    buddy.email = BUDDY_EMAIL
    mentee = buddy_student(a, year=1, last_name=SCHOOL_A_MARK, wants=True)
    run = MatchRun(school_id=a.id, run_by_id=coordinator.id, status="proposed", figures={"matched": 0, "unmatched": 0})
    db.session.add(run)
    db.session.flush()
    pair = BuddyPair(school_id=a.id, buddy_id=buddy.id, mentee_id=student.id, status="active", approved_at=now)
    forbidden = BuddyForbiddenPair(school_id=a.id, buddy_id=buddy.id, mentee_id=mentee.id, created_by_id=coordinator.id)
    db.session.add_all([pair, forbidden])

    # An alumna with no part in any of it, who wants to hear from school B only.
    other = make_user("alumna")
    other_profile = db.session.get(AlumnaProfile, other.id)
    other_profile.activities = ["guest_lesson", "speeddate", "circle_mentor"]
    other_profile.all_schools = False
    db.session.add(AlumnaAllowedSchool(alumna_id=other.id, school_id=world.school_b.id))
    users["other_alumna"] = other

    # People: a studente who has not activated her account yet, with her invitation.
    newcomer = make_user("student", a, email=f"nieuw.{SCHOOL_A_MARK.lower()}@student.example.org", activated=False)
    invitation = tokens.new_invitation("activate", newcomer.email, valid_for=timedelta(days=14), user_id=newcomer.id, school_id=a.id, created_by_id=coordinator.id)

    target = Target(school_id=a.id, metric="circle_share", school_year=SchoolYear.of(now.date()).label, value=30, created_by_id=coordinator.id)
    mail = OutboxEmail(to_address=STUDENT_EMAIL, subject=f"Welkom {SCHOOL_A_MARK}", body_text="Hallo", template="activate")
    db.session.add_all([
        target,
        mail,
        AuditEvent(actor_id=coordinator.id, action="student.viewed", subject_user_id=student.id, school_id=a.id, details={"note": SCHOOL_A_MARK}),
    ])
    db.session.commit()

    out.ids = {
        "circle": circle.id,
        "meeting": meeting.id,
        "member": student.id,
        "lesson": lesson.id,
        "done_lesson": done.id,
        "offer": offer.id,
        **dict(zip(("event", "host", "registration", "slot"), speeddates["open"])),
        **dict(zip(("published_event", "published_host", "published_registration", "published_slot"), speeddates["published"])),
        "run": run.id,
        "pair": pair.id,
        "forbidden": forbidden.id,
        "student": student.id,
        "invitation": invitation.id,
        "target": target.id,
        "mail": mail.id,
        "school": a.id,
        "programme": a.programmes[0].id,
    }
    out.tokens = {
        "activate": _token("activate", newcomer.email, user_id=newcomer.id, school_id=a.id),
        "password_reset": _token("password_reset", student.email, user_id=student.id),
        "alumna": _token("alumna", "nieuwe.vakvrouw@example.org", school_id=a.id, created_by_id=coordinator.id),
        "circle": _token("circle", student.email, user_id=student.id, school_id=a.id, target_type="circle", target_id=circle.id),
        "feedback": _token("feedback", "", school_id=a.id, target_type="guest_lesson", target_id=done.id),
        "guardian_consent": _token("guardian_consent", "ouder@example.org", school_id=a.id, target_type="student", target_id=student.id),
    }
    return out
