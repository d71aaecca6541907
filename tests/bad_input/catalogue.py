"""Every POST endpoint of the app: the forms that take input, and the buttons that take none.

A form entry says who may post it, where (built from the scene of school A), its fields with
their valid values, the object it acts on (fresh per example when a valid post uses it up),
and `saved`: a snapshot of what was saved before, which a refused post must leave alone.
test_catalogue.py fails when a POST route of the app is in neither list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from tests.bad_input.hostile import (
    Field,
    choice,
    clock,
    const,
    day,
    email,
    flag,
    integer,
    multi,
    password,
    text,
    upload,
)
from tests.bad_input.scene import Scene, url
from tests.conftest import PASSWORD
from webapp.admin.forms import SECTOR_LABELS
from webapp.auth.models import Invitation, User
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.buddies.services import REASON_MAX
from webapp.circles.models import CircleMeeting, CircleMembership, MeetingAttendance, MentoringCircle
from webapp.circles.services import NOTE_MAX
from webapp.dashboard.models import METRICS, Target
from webapp.dashboard.services import target_years
from webapp.extensions import db
from webapp.guest_lessons.models import ACTIVITY_KINDS, GuestLesson, GuestLessonFeedback, GuestLessonOffer, GuestLessonOption
from webapp.matching.buddies import DEFAULT_WEIGHTS, MAX_INTEREST_CAP, MAX_WEIGHT
from webapp.people.models import PATHWAYS, SECTORS, AlumnaAllowedSchool, AlumnaProfile, Programme, School, StudentProfile
from webapp.people.vocabulary import ACTIVITIES, BUDDY_MATTERS, CONTACT, INTERESTS, LANGUAGES, REGIONS
from webapp.speeddates.models import EVENT_KINDS, SpeeddateEvent, SpeeddateHost, SpeeddatePreference, SpeeddateRegistration, SpeeddateSlot

CircleRequest = db.metadata.tables["circle_requests"]


@dataclass(repr=False)
class Form:
    endpoint: str
    actor: str | None | Callable[[Scene, Any], int | None]  # a user of the scene, None: anonymous
    url: Callable[[Scene, Any], str]
    fields: dict[str, Field] | Callable[[Scene], dict[str, Field]]
    target: Callable[[Scene], Any] = lambda scene: None
    saved: Callable[[Scene, Any], Any] = lambda scene, target: None
    htmx: bool = False
    variant: str = ""
    fresh_client: bool = False  # a post may log the client in or out
    deletes: bool = False  # a valid post erases people
    bad_request: bool = False  # a malformed post is answered 400 by design, not with the form again

    @property
    def name(self) -> str:
        return f"{self.endpoint}[{self.variant}]" if self.variant else self.endpoint

    def __repr__(self) -> str:
        return f"<form {self.name}>"

    def _repr_pretty_(self, printer, cycle) -> None:  # how Hypothesis shows a failing example
        printer.text(repr(self))

    def user(self, scene: Scene, target: Any) -> int | None:
        return self.actor(scene, target) if callable(self.actor) else (scene.users[self.actor] if self.actor else None)

    def field_map(self, scene: Scene) -> dict[str, Field]:
        return self.fields(scene) if callable(self.fields) else self.fields


# --- snapshots --------------------------------------------------------------------------------


def row(model, key, *columns: str):
    """The values of some columns of one row (None when the row is gone)."""
    found = db.session.get(model, key)
    return None if found is None else tuple(getattr(found, c) for c in columns)


def rows(model, *where, columns: tuple[str, ...] = ("id",)):
    source = model.c if hasattr(model, "c") else model  # a mapped class, or a table
    query = select(*(getattr(source, c) for c in columns)).where(*where)
    return sorted(tuple(r) for r in db.session.execute(query))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user_row(user_id):
    return row(User, user_id, "email", "first_name", "last_name", "phone", "locale", "password_hash", "activated")


# --- field sets shared by several forms ------------------------------------------------------------

YEARS = [1, 2, 3, 4]
THIS_YEAR = date.today().year


def _programmes(scene: Scene) -> list[int]:
    return scene.programmes


def circle_fields() -> dict[str, Field]:
    return {
        "name": text(120, required=True),
        "theme": text(200),
        "description": text(2000),
        "programme_id": choice(lambda s: [0, *s.programmes]),
        "capacity": integer(1, 30),
        "mentor_id": choice(lambda s: [0, s.users["alumna"]]),
        "invite_only": flag(),
        "open_now": flag(),
    }


def meeting_fields() -> dict[str, Field]:
    return {
        "day": day(1, 60),
        "start": clock("morning"),
        "end": clock("afternoon"),
        "place": text(200),
        "video_url": choice(["https://meet.example.org/kring-abc", ""]),
        "topic": text(200),
    }


def lesson_fields() -> dict[str, Field]:
    fields = {
        "kind": choice(list(ACTIVITY_KINDS)),
        "topic": text(200, required=True),
        "programme_id": choice(lambda s: [0, *s.programmes]),
        "class_name": text(60),
        "year": choice([0, *YEARS]),
        "student_count": integer(1, 500),
        "place": text(200),
        "description": text(2000),
    }
    for n in (1, 2, 3):
        fields |= {f"date{n}": day(2, 90), f"start{n}": clock("morning"), f"end{n}": clock("afternoon")}
    return fields


def event_fields() -> dict[str, Field]:
    return {
        "kind": choice(list(EVENT_KINDS)),
        "title": text(160, required=True),
        "day": day(10, 60),
        "start": clock(),
        "place": text(200),
        "rounds": integer(1, 20),
        "minutes_per_round": integer(1, 120),
        "break_minutes": integer(0, 60),
        "deadline_day": day(1, 9),
        "deadline_time": clock(),
    }


def host_details() -> dict[str, Field]:
    return {"topic": text(160), "company": text(160), "table_label": text(20), "seats": integer(1, 50)}


def password_fields() -> dict[str, Field]:
    return {"password": password(), "confirm": password()}


def end_pair_fields() -> dict[str, Field]:
    return {"reason": text(REASON_MAX, required=True), "wants_new": flag(), "stop_volunteering": flag()}


def student_profile_fields() -> dict[str, Field]:
    return {
        "programme_id": choice(_programmes),
        "year": choice(YEARS),
        "interests": multi(list(INTERESTS)),
        "own_interests": text(300),
        "phone": choice(["06 12345678", "+31 (0)10-1234567", ""]),
        "wants_buddy": flag(),
        "volunteers_as_buddy": flag(),
        "buddy_capacity": choice([1, 2, 3]),
        "languages": multi(list(LANGUAGES)),
        "region": choice(["", *REGIONS]),
        "contact": choice(list(CONTACT)),
        "matters": multi(list(BUDDY_MATTERS)),
    }


def alumna_profile_fields() -> dict[str, Field]:
    return {
        "first_name": text(80, required=True),
        "last_name": text(120),
        "school_id": choice(lambda s: [0, s.school]),
        "programme_name": text(160, required=True),
        "graduated_year": integer(1960, THIS_YEAR),
        "job_title": text(120),
        "employer": text(160),
        "sector": choice(list(SECTORS)),
        "topics": multi(list(INTERESTS)),
        "own_topics": text(300),
        "activities": multi(list(ACTIVITIES)),
        "max_per_year": integer(0, 50),
        "all_schools": flag(),
        "allowed_schools": multi(lambda s: [s.school]),
        "phone": choice(["06 12345678", ""]),
        "story": text(2000),
    }


def with_field_name(fields: dict[str, Field]) -> dict[str, Field]:
    """The inline validation posts the whole form and names the field that was just left."""
    return fields | {"_field": choice(list(fields))}


def student_profile(scene: Scene, target=None):
    uid = scene.users["student"]
    return (
        row(StudentProfile, uid, "programme_id", "year", "interests", "wants_buddy", "volunteers_as_buddy", "buddy_capacity", "buddy_preferences"),
        user_row(uid),
    )


def alumna_profile(scene: Scene, target=None):
    uid = scene.users["alumna"]
    return (
        row(AlumnaProfile, uid, "school_id", "programme_name", "graduated_year", "job_title", "employer", "sector", "topics", "activities", "max_per_year", "all_schools", "story"),
        rows(AlumnaAllowedSchool, AlumnaAllowedSchool.alumna_id == uid, columns=("school_id",)),
        user_row(uid),
    )


def lesson_row(lesson_id):
    return (
        row(GuestLesson, lesson_id, "kind", "topic", "programme_id", "class_name", "year", "student_count", "place", "description", "status", "starts_at", "ends_at", "cancel_reason"),
        rows(GuestLessonOption, GuestLessonOption.lesson_id == lesson_id, columns=("starts_at", "ends_at")),
        rows(GuestLessonOffer, GuestLessonOffer.lesson_id == lesson_id, columns=("alumna_id", "status", "message")),
    )


def event_row(event_id):
    return row(SpeeddateEvent, event_id, "kind", "title", "place", "starts_at", "rounds", "minutes_per_round", "break_minutes", "registration_deadline", "status")


def memberships(scene: Scene):
    return rows(CircleMembership, CircleMembership.circle_id == scene.ids["circle"], columns=("student_id", "status"))


def slots(event_id):
    return rows(SpeeddateSlot, SpeeddateSlot.event_id == event_id, columns=("round", "host_id", "student_id", "pinned"))


# --- the forms ------------------------------------------------------------------------------------


FORMS: list[Form] = [
    # admin
    Form(
        "admin.schools", "admin", lambda s, t: url("admin.schools"),
        {"name": text(160, required=True), "city": text(80), "brin": choice(["25LX", "01AB", ""]), "retention_years": integer(1, 10)},
        saved=lambda s, t: rows(School, columns=("name", "city", "brin", "retention_years")),
    ),
    Form(
        "admin.add_programme", "admin", lambda s, t: url("admin.add_programme", school_id=s.school),
        {
            "programme-name": text(160, required=True),
            "programme-crebo": choice(["25604", "12345"]),
            "programme-level": choice(YEARS),
            "programme-pathway": choice(list(PATHWAYS)),
            "programme-sector": choice(list(SECTOR_LABELS)),
        },
        saved=lambda s, t: rows(Programme, Programme.school_id == s.school, columns=("name", "crebo", "level", "pathway", "sector")),
    ),
    Form(
        "admin.invite_coordinator", "admin", lambda s, t: url("admin.invite_coordinator", school_id=s.school),
        {"coordinator-first_name": text(80, required=True), "coordinator-last_name": text(120), "coordinator-email": email(), "coordinator-job_title": text(120)},
        saved=lambda s, t: rows(User, columns=("email", "first_name", "last_name")),
    ),
    # auth
    Form(
        "auth.login", None, lambda s, t: url("auth.login"),
        {"email": choice(lambda s: [s.world.users["student"].email, "onbekend@example.org"]), "password": choice([PASSWORD, "fout wachtwoord"]), "remember": flag()},
        saved=lambda s, t: rows(User, columns=("email", "password_hash", "activated")),
        fresh_client=True,
    ),
    Form(
        "auth.forgot_password", None, lambda s, t: url("auth.forgot_password"),
        {"email": choice(lambda s: [s.world.users["student"].email, "onbekend@example.org"])},
        saved=lambda s, t: rows(User, columns=("email", "password_hash")),
    ),
    Form(
        "auth.reset_password", None, lambda s, t: url("auth.reset_password", token=t),
        password_fields(),
        target=lambda s: s.token("password_reset", email=s.world.users["student"].email, user_id=s.users["student"]),
        saved=lambda s, t: user_row(s.users["student"]),
    ),
    Form(
        "auth.activate", None, lambda s, t: url("auth.activate", token=t[1]),
        password_fields(),
        target=lambda s: s.fresh_account(),
        saved=lambda s, t: user_row(t[0]),
        fresh_client=True,
    ),
    Form(
        "auth.register_alumna", None, lambda s, t: url("auth.register_alumna", token=t[1]),
        {"first_name": text(80, required=True), "last_name": text(120)} | password_fields(),
        target=lambda s: s.alumna_invitation(),
        saved=lambda s, t: rows(User, User.email == t[0], columns=("email",)),
        fresh_client=True,
    ),
    Form(
        "auth.set_language", "student", lambda s, t: url("auth.set_language"),
        {"locale": choice(["nl", "en"]), "next": choice(["/start", "/profiel"])},
        saved=lambda s, t: user_row(s.users["student"]),
    ),
    # buddies
    Form(
        "buddies.allow_pair", "coordinator", lambda s, t: url("buddies.allow_pair", forbid_id=t),
        {"next": choice(["run", ""])},
        target=lambda s: s.forbidden(),
        saved=lambda s, t: row(BuddyForbiddenPair, t, "buddy_id", "mentee_id"),
    ),
    Form(
        "buddies.end_pair", "coordinator", lambda s, t: url("buddies.end_pair", pair_id=t[0]),
        end_pair_fields(), target=lambda s: s.pair(),
        saved=lambda s, t: row(BuddyPair, t[0], "status", "end_reason", "ended_at"),
        htmx=True,
    ),
    Form(
        "buddies.end_mine", lambda s, t: t[1], lambda s, t: url("buddies.end_mine", pair_id=t[0]),
        end_pair_fields(), target=lambda s: s.pair(),
        saved=lambda s, t: row(BuddyPair, t[0], "status", "end_reason", "ended_at"),
    ),
    Form(
        "buddies.new_run", "coordinator", lambda s, t: url("buddies.new_run"),
        {name: integer(0, MAX_INTEREST_CAP if name == "interest_cap" else MAX_WEIGHT) for name in DEFAULT_WEIGHTS.to_dict()},
        saved=lambda s, t: (rows(MatchRun, columns=("id", "status")), rows(BuddyPair, BuddyPair.status == "active", columns=("id",))),
        htmx=True,
    ),
    # circles
    Form(
        "circles.attendance", "coordinator", lambda s, t: url("circles.attendance", meeting_id=s.ids["meeting_past"], student_id=s.users["student"]),
        {"aanwezig": choice(["1", "0"])}, htmx=True,
        saved=lambda s, t: rows(MeetingAttendance, MeetingAttendance.meeting_id == s.ids["meeting_past"], columns=("student_id", "present")),
    ),
    Form(
        "circles.edit", "coordinator", lambda s, t: url("circles.edit", circle_id=s.ids["circle"]),
        circle_fields(),
        saved=lambda s, t: row(MentoringCircle, s.ids["circle"], "name", "theme", "description", "programme_id", "capacity", "mentor_id", "invite_only", "status"),
    ),
    Form(
        "circles.new", "coordinator", lambda s, t: url("circles.new"), circle_fields(),
        saved=lambda s, t: rows(MentoringCircle, columns=("id", "name")),
    ),
    Form(
        "circles.new_meeting", "coordinator", lambda s, t: url("circles.new_meeting", circle_id=s.ids["circle"]), meeting_fields(),
        saved=lambda s, t: rows(CircleMeeting, CircleMeeting.circle_id == s.ids["circle"], columns=("id", "starts_at", "place", "topic")),
    ),
    Form(
        "circles.edit_meeting", "coordinator", lambda s, t: url("circles.edit_meeting", meeting_id=s.ids["meeting"]), meeting_fields(),
        saved=lambda s, t: row(CircleMeeting, s.ids["meeting"], "starts_at", "ends_at", "place", "video_url", "topic", "cancelled"),
    ),
    Form(
        "circles.formation_helper", "coordinator", lambda s, t: url("circles.formation_helper"),
        lambda s: {
            "doel": integer(2, 30), "min": integer(2, 30), "max": integer(2, 30), "aantal": integer(0, 4),
            "actie": choice(["aanmaken", "bekijken"]),
        }
        | {f"naam-{n}": text(120) for n in (1, 2, 3)}
        | {f"mentor-{n}": choice([0, s.users["alumna"]]) for n in (1, 2, 3)}
        | {f"studente-{uid}": choice([0, 1, 2, 3]) for uid in (s.users["student"], s.users["senior"], s.users["young"])},
        saved=lambda s, t: rows(MentoringCircle, columns=("id", "name", "capacity")),
    ),
    Form(
        "circles.invite", "coordinator", lambda s, t: url("circles.invite", circle_id=s.ids["circle"]),
        {"student_ids": multi(lambda s: [s.target, s.users["young"], s.users["student"]])},
        target=lambda s: s.student(),
        saved=lambda s, t: rows(CircleMembership, CircleMembership.circle_id == s.ids["circle"], CircleMembership.status == "joined", columns=("student_id",)),
    ),
    Form(
        "circles.join", "student", lambda s, t: url("circles.join", circle_id=s.ids["circle"]), {"detail": choice(["1", "0"])},
        saved=lambda s, t: memberships(s), htmx=True,
    ),
    Form(
        "circles.leave", "student", lambda s, t: url("circles.leave", circle_id=s.ids["circle"]), {"detail": choice(["1", "0"])},
        saved=lambda s, t: memberships(s),
    ),
    Form(
        "circles.note", "alumna", lambda s, t: url("circles.note", meeting_id=s.ids["meeting_past"]), {"note": text(NOTE_MAX)},
        saved=lambda s, t: row(CircleMeeting, s.ids["meeting_past"], "mentor_note"), htmx=True,
    ),
    Form(
        "circles.request_circle", "student", lambda s, t: url("circles.request_circle"), {"wil": choice(["ja", "nee"])},
        saved=lambda s, t: rows(CircleRequest, CircleRequest.c.student_id == s.users["student"], columns=("school_year",)), htmx=True,
    ),
    # dashboard
    Form(
        "dashboard.targets", "coordinator", lambda s, t: url("dashboard.targets"),
        {"metric": choice(list(METRICS)), "school_year": choice(lambda s: [y.label for y in target_years()]), "value": integer(0, 100)},
        saved=lambda s, t: rows(Target, columns=("metric", "school_year", "value")),
    ),
    # guest lessons
    Form(
        "guest_lessons.cancel", "coordinator", lambda s, t: url("guest_lessons.cancel", lesson_id=t), {"reason": text(500)},
        target=lambda s: s.lesson("open"), saved=lambda s, t: lesson_row(t),
    ),
    Form(
        "guest_lessons.edit", "coordinator", lambda s, t: url("guest_lessons.edit", lesson_id=s.ids["lesson_open"]), lesson_fields(),
        saved=lambda s, t: lesson_row(s.ids["lesson_open"]), variant="open",
    ),
    Form(
        "guest_lessons.edit", "coordinator", lambda s, t: url("guest_lessons.edit", lesson_id=s.ids["lesson_confirmed"]),
        {"date1": day(2, 90), "start1": clock("morning"), "end1": clock("afternoon"), "place": text(200), "note": text(1000)},
        saved=lambda s, t: lesson_row(s.ids["lesson_confirmed"]), variant="confirmed",
    ),
    Form(
        "guest_lessons.new", "coordinator", lambda s, t: url("guest_lessons.new"), lesson_fields(),
        saved=lambda s, t: rows(GuestLesson, columns=("id", "topic")),
    ),
    Form(
        "guest_lessons.feedback", None, lambda s, t: url("guest_lessons.feedback", token=t),
        {"rating": choice(["1", "2", "3", "4", "5"]), "comment": text(280)},
        target=lambda s: s.token("feedback", school_id=s.school, target_type="guest_lesson", target_id=s.ids["lesson_done"]),
        saved=lambda s, t: rows(GuestLessonFeedback, columns=("rating", "comment")),
    ),
    Form(
        "guest_lessons.feedback_links", "coordinator", lambda s, t: url("guest_lessons.feedback_links", lesson_id=s.ids["lesson_done"]),
        {"count": integer(1, 100)},
        saved=lambda s, t: count(Invitation, Invitation.kind == "feedback"),
    ),
    Form(
        "guest_lessons.invite", "coordinator", lambda s, t: url("guest_lessons.invite", lesson_id=t),
        {"alumna_id": choice(lambda s: [s.users["alumna"]]), "alumna_ids": multi(lambda s: [s.users["alumna"]])},
        target=lambda s: s.lesson("open"), saved=lambda s, t: lesson_row(t), htmx=True,
    ),
    Form(
        "guest_lessons.mark_done", "coordinator", lambda s, t: url("guest_lessons.mark_done", lesson_id=t), {"link_count": integer(0, 30)},
        target=lambda s: s.lesson("confirmed", days=-1, offer="confirmed"), saved=lambda s, t: lesson_row(t),
    ),
    Form(
        "guest_lessons.offer", "alumna", lambda s, t: url("guest_lessons.offer", lesson_id=t),
        {"option_id": choice(lambda s: [o.id for o in db.session.get(GuestLesson, s.target).options]), "message": text(1000)},
        target=lambda s: s.lesson("open"), saved=lambda s, t: lesson_row(t),
    ),
    Form(
        "guest_lessons.withdraw", "alumna", lambda s, t: url("guest_lessons.withdraw", lesson_id=t), {"reason": text(500)},
        target=lambda s: s.lesson("open", offer="offered"), saved=lambda s, t: lesson_row(t),
    ),
    # people
    Form(
        "people.confirm_import", "coordinator", lambda s, t: url("people.confirm_import"), {"plan": const(lambda s: s.plan)},
        saved=lambda s, t: rows(StudentProfile, columns=("user_id", "programme_id", "year")),
    ),
    Form(
        "people.import_students", "coordinator", lambda s, t: url("people.import_students"),
        {"file": upload(lambda s: [
            b"voornaam,achternaam,e-mail,opleiding,leerjaar\nNoor,Bakker,noor@example.org,25604,2\n",
            "voornaam;e-mail;opleiding;leerjaar\n<script>alert(1)</script>;zoe@example.org;Software developer;1\n".encode("utf-8-sig"),
        ])},
        saved=lambda s, t: (rows(User, columns=("id", "email", "first_name")), rows(StudentProfile, columns=("user_id", "programme_id", "year"))),
        htmx=True,
    ),
    Form(
        "people.invite_alumna", "coordinator", lambda s, t: url("people.invite_alumna"),
        {
            "addresses": choice(["anna@example.org", "anna@example.org, bea@example.org", ""]),
            "message": text(1000),
            "file": upload(lambda s: [b"naam,email\nCor,cor@example.org\n"]),
        },
        saved=lambda s, t: rows(Invitation, Invitation.kind == "alumna", columns=("email", "status")),
    ),
    Form(
        "people.invite_student", "coordinator", lambda s, t: url("people.invite_student"),
        {
            "first_name": text(80, required=True), "last_name": text(120), "email": email(), "programme_id": choice(_programmes),
            "year": choice(YEARS), "student_number": choice(["S12345", "A-1", ""]),
        },
        saved=lambda s, t: rows(User, columns=("id", "email")),
    ),
    Form(
        "people.student_status", "coordinator", lambda s, t: url("people.student_status", user_id=t),
        {"status": choice(["active", "graduated", "switched", "left"]), "left_at": day(-300, 0), "leave_reason": text(500)},
        target=lambda s: s.student(), saved=lambda s, t: row(StudentProfile, t, "status", "left_at", "leave_reason"),
    ),
    Form(
        "people.update_student", "coordinator", lambda s, t: url("people.update_student", user_id=s.users["student"]),
        {"programme_id": choice(_programmes), "year": choice(YEARS), "student_number": choice(["S12345", "A-1", ""]), "birth_date": day(-8000, -5000)},
        saved=lambda s, t: row(StudentProfile, s.users["student"], "programme_id", "year", "student_number", "birth_date"),
    ),
    # privacy
    Form(
        "privacy.ask_consent", "young", lambda s, t: url("privacy.ask_consent"), {"guardian_email": email()},
        saved=lambda s, t: row(StudentProfile, s.users["young"], "guardian_email", "guardian_consent_at"),
    ),
    Form(
        "privacy.delete_account", lambda s, t: t[0], lambda s, t: url("privacy.delete_account"),
        {"confirmation": choice(lambda s: [s.target[1], "VERWIJDEREN"]), "password": const(PASSWORD)},
        target=lambda s: s.account(),
        saved=lambda s, t: user_row(t[0]), deletes=True, fresh_client=True,
    ),
    Form(
        "privacy.guardian_consent", None, lambda s, t: url("privacy.guardian_consent", token=t),
        {"consent": choice(["Ik geef toestemming"]), "refuse": choice(["Ik geef geen toestemming"])},
        target=lambda s: s.consent_token(),
        saved=lambda s, t: rows(StudentProfile, StudentProfile.guardian_consent_at.is_not(None), columns=("user_id",)),
        bad_request=True,  # neither button: no browser posts that
    ),
    Form(
        "privacy.my_data", "student", lambda s, t: url("privacy.my_data"),
        {"first_name": text(80, required=True), "last_name": text(120), "phone": choice(["06 12345678", ""])},
        saved=lambda s, t: user_row(s.users["student"]), htmx=True,
    ),
    Form(
        "privacy.remove_student", "coordinator", lambda s, t: url("privacy.remove_student", user_id=t),
        {"leave_status": choice(["graduated", "switched", "left", ""]), "left_on": day(-100, 0), "confirm": flag()},
        target=lambda s: s.student(), saved=lambda s, t: (user_row(t), row(StudentProfile, t, "status")), deletes=True,
    ),
    Form(
        "privacy.send_consent", "coordinator", lambda s, t: url("privacy.send_consent", user_id=s.users["young"]),
        lambda s: {f"s{s.users['young']}-guardian_email": email()},
        saved=lambda s, t: row(StudentProfile, s.users["young"], "guardian_email", "guardian_consent_at"), htmx=True,
    ),
    Form(
        "privacy.visibility", "student", lambda s, t: url("privacy.visibility"), {"share_email": flag(), "share_phone": flag()},
        saved=lambda s, t: row(StudentProfile, s.users["student"], "share_email", "share_phone"), htmx=True,
    ),
    # profiles
    Form("profile.save_alumna", "alumna", lambda s, t: url("profile.save_alumna"), alumna_profile_fields(), saved=alumna_profile, htmx=True),
    Form("profile.save_student", "student", lambda s, t: url("profile.save_student"), student_profile_fields(), saved=student_profile, htmx=True),
    Form(
        "profile.validate_alumna", "alumna", lambda s, t: url("profile.validate_alumna"), with_field_name(alumna_profile_fields()),
        saved=alumna_profile, htmx=True, bad_request=True,  # no field named: no browser posts that
    ),
    Form(
        "profile.validate_student", "student", lambda s, t: url("profile.validate_student"), with_field_name(student_profile_fields()),
        saved=student_profile, htmx=True, bad_request=True,  # no field named: no browser posts that
    ),
    # speeddates
    Form(
        "speeddates.add_host", "coordinator", lambda s, t: url("speeddates.add_host", event_id=s.ids["event_draft"]),
        host_details()
        | {
            "kind": choice(["alumna", "student", "guest"]),
            "alumna_id": choice(lambda s: [0, s.users["alumna"]]),
            "student_id": choice(lambda s: [0, s.users["senior"]]),
            "guest_name": text(120),
        },
        saved=lambda s, t: rows(SpeeddateHost, SpeeddateHost.event_id == s.ids["event_draft"], columns=("id", "topic", "company", "table_label", "seats_per_round")),
        htmx=True,
    ),
    Form(
        "speeddates.add_registration", "coordinator", lambda s, t: url("speeddates.add_registration", event_id=s.ids["event_open"]),
        {"student_id": choice(lambda s: [s.users["senior"], s.users["young"]])},
        saved=lambda s, t: rows(SpeeddateRegistration, SpeeddateRegistration.event_id == s.ids["event_open"], columns=("student_id",)),
    ),
    Form(
        "speeddates.edit", "coordinator", lambda s, t: url("speeddates.edit", event_id=s.ids["event_draft"]), event_fields(),
        saved=lambda s, t: event_row(s.ids["event_draft"]),
    ),
    Form(
        "speeddates.edit_host", "coordinator", lambda s, t: url("speeddates.edit_host", event_id=s.ids["event_draft"], host_id=s.ids["host_draft"]),
        host_details(), saved=lambda s, t: row(SpeeddateHost, s.ids["host_draft"], "topic", "company", "table_label", "seats_per_round"),
    ),
    Form(
        "speeddates.invite", "coordinator", lambda s, t: url("speeddates.invite", event_id=s.ids["event_open"]),
        {"programmes": multi(_programmes), "years": multi(YEARS)},
        saved=lambda s, t: event_row(s.ids["event_open"]),
    ),
    Form(
        "speeddates.move", "coordinator", lambda s, t: url("speeddates.move", event_id=s.ids["event_published"]),
        {
            "student_id": choice(lambda s: [r.student_id for r in db.session.scalars(select(SpeeddateRegistration).where(SpeeddateRegistration.event_id == s.ids["event_published"]))]),
            "round": choice([1, 2, 3]),
            "host_id": choice(lambda s: [h.id for h in db.session.scalars(select(SpeeddateHost).where(SpeeddateHost.event_id == s.ids["event_published"]))]),
        },
        saved=lambda s, t: slots(s.ids["event_published"]),
    ),
    Form(
        "speeddates.new", "coordinator", lambda s, t: url("speeddates.new"), event_fields(),
        saved=lambda s, t: rows(SpeeddateEvent, columns=("id", "title")),
    ),
    Form(
        "speeddates.rank", "student", lambda s, t: url("speeddates.rank", event_id=s.ids["event_open"]),
        lambda s: {f"rank-{host}": choice(["", "1", "2", "3"]) for host in s.ids["hosts_open"]},
        saved=lambda s, t: rows(
            SpeeddatePreference,
            SpeeddatePreference.registration_id.in_(select(SpeeddateRegistration.id).where(SpeeddateRegistration.event_id == s.ids["event_open"])),
            columns=("registration_id", "host_id", "rank"),
        ),
        htmx=True,
    ),
    Form(
        "speeddates.start_round", "coordinator", lambda s, t: url("speeddates.start_round", event_id=s.ids["event_published"]),
        {"round": choice([1, 2, 3])}, saved=lambda s, t: event_row(s.ids["event_published"]), htmx=True,
    ),
    Form(
        "speeddates.toggle_no_show", "coordinator",
        lambda s, t: url("speeddates.toggle_no_show", event_id=s.ids["event_published"], registration_id=s.ids["registration"]),
        {"no_show": choice(["1", "0"])}, saved=lambda s, t: slots(s.ids["event_published"]), htmx=True,
    ),
]


# POST endpoints whose view reads nothing from the body but the CSRF token: a button.
BUTTONS = {
    "auth.logout",
    "buddies.approve",
    "buddies.ask",
    "buddies.discard",
    "buddies.forbid_pair",
    "buddies.lock_pair",
    "buddies.withdraw",
    "circles.cancel_meeting",
    "circles.close_circle",
    "circles.decline",
    "circles.invitation",
    "circles.open_circle",
    "circles.remove_member",
    "dashboard.delete_target",
    "guest_lessons.confirm",
    "guest_lessons.decline",
    "people.resend_invitation",
    "people.withdraw_invitation",
    "speeddates.cancel",
    "speeddates.close_registration",
    "speeddates.drop_host",
    "speeddates.finish",
    "speeddates.generate",
    "speeddates.open_registration",
    "speeddates.publish",
    "speeddates.rank_step",
    "speeddates.register",
    "speeddates.remove_host",
    "speeddates.remove_registration",
    "speeddates.repair",
    "speeddates.restore_host",
    "speeddates.unpin",
    "speeddates.unregister",
}
