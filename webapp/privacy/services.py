"""Privacy (AVG/GDPR): what Kring holds on a person, erasure, visibility, guardian consent, retention.

Export
    `export_user_data(user)` gathers every row that names the person, table by table, as plain
    JSON-ready data. Other people in those rows appear by first name only (a buddy, a mentor);
    a password appears only as "set", never as its hash.

Coverage
    `USER_REFERENCES` maps every foreign key to `users.id` to the export section that shows it
    and to what erasure does with it. A test walks `db.metadata` and fails when a table gains a
    foreign key to `users.id` that this mapping does not name, so a new table is never missed
    silently. At run time, rows of an unmapped reference still land in the export under
    `unmapped` (generically), and erasure logs a warning for them.

Erasure (`erase_user`): the account is anonymised, not deleted, so other people's records stay
consistent (a circle keeps its count, a buddy keeps her pair record, the audit log keeps its
trail), while nothing in them still says who she was.

- users: first name "Verwijderde gebruiker", last name empty, e-mail `deleted-<id>@invalid.kring`,
  no password, not activated, phone, last login and locale reset. All roles are removed.
- student profile: kept for the school's figures (school, programme, year, status, left_at),
  personal fields cleared: student number, birth date, interests, buddy wishes and preferences,
  sharing switches, guardian e-mail and consent, leave reason. An active student gets status
  'left' and today's date as left_at.
- alumna profile: kept for figures (school, programme, graduated year, sector); job title,
  employer, story, topics, volunteering activities and school choices cleared.
- coordinator profile: removed.
- invitations addressed to her (her account, her e-mail address, or a guardian consent about
  her): removed. Invitations she sent to others stay, with her as anonymous sender.
- mentoring circles she mentors: a closed circle keeps her as anonymous mentor; a draft, open or
  full circle loses its mentor (mentor empty) so the coordinator sees a new one is needed.
- circle memberships: joined and left memberships stay (seat counts and figures stay right);
  invitations, waitlist places and declined memberships are removed, and so are her requests
  to be placed in a circle. Meeting attendance stays.
- buddy pairs: an active pair is ended and a proposed pair discarded, with the reason
  "account verwijderd"; ended pairs stay. The other buddy keeps her record, showing an
  anonymous partner. Exclusions ("never pair these two") naming her are removed.
- guest lesson offers: offers for lessons that took place stay (message cleared); for lessons
  still to come a confirmed offer becomes 'withdrawn' (the lesson reopens when no offer is
  left), other offers are removed.
- speeddates: registrations, preferences and schedule slots of events still to come are
  removed; of held events the registration and slots stay (attendance figures, the hosts'
  schedules) and only the ranked preferences are removed. A table she hosts at an event still
  to come is marked dropped out; her company is cleared from every table she hosted.
- match runs she ran, lessons and events she created, pairs she ended: kept, with her as
  anonymous actor.
- e-mail outbox: messages to her address (and consent requests to her guardian) not yet sent
  are removed; sent ones keep only their date and status (address, subject and body cleared).
- audit log: events stay (who did what stays provable), with any detail value that contains
  her e-mail address, name, phone or her guardian's address replaced by "[verwijderd]". The
  erasure itself is recorded as 'account.erased' with only the reason code.

A person with another role besides student (a graduate who became an alumna, a student who is
also a coordinator) keeps that account when her student data is removed by a coordinator or by
the retention rule: `erase_student_data` clears only the student part (profile fields, the
student role, consent requests, buddy pairs and exclusions, pending speeddate registrations and
circle places); her history in circles and speeddates stays with her own account, where she can
see, export or erase it herself.

An admin cannot erase the last active admin account.

Visibility
    `public_student_view(profile, viewer)`: a coordinator of her school (and she herself) sees
    everything; anyone else (alumnae, buddies, mentors, admins) sees first name, programme and
    year, plus e-mail and phone only when she chose to share them.

Guardian consent
    The Dutch AVG age is 16: `needs_guardian_consent(profile)` is true for a student under 16
    (by birth date) without consent. A student without a known birth date is treated as 16 or
    older: schools import birth dates from their student information system.

Retention
    `purge_departed(today)` erases students whose status is graduated, switched or left and
    whose left_at is more than the school's retention_years ago. It is idempotent: an erased
    account is never picked again, and a kept alumna account is picked only while its student
    part still holds personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update, and_, delete, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from webapp.audit.models import AuditEvent
from webapp.audit.services import record
from webapp.auth import tokens
from webapp.auth.models import Invitation, User, UserRole
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.buddies.reasons import reason_texts
from webapp.circles.models import CircleMeeting, CircleMembership, MeetingAttendance, MentoringCircle
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer
from webapp.modeltools import utcnow
from webapp.outbox.models import OutboxEmail
from webapp.outbox.services import queue_email
from webapp.people.models import AlumnaAllowedSchool, AlumnaProfile, CoordinatorProfile, Programme, School, StudentProfile
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddatePreference, SpeeddateRegistration, SpeeddateSlot
from webapp.timeutil import to_local
from webapp.urls import absolute_url

log = logging.getLogger(__name__)

ERASED_NAME = "Verwijderde gebruiker"
ERASED_DOMAIN = "invalid.kring"
REDACTED = "[verwijderd]"
GUARDIAN_AGE = 16
CONSENT_VALID = timedelta(days=30)
DEPARTED_STATUSES = ("graduated", "switched", "left")
ERASE_REASONS = ("self", "removed_by_coordinator", "retention")
EXPORT_FORMAT = "kring-export-1"


class PrivacyError(ValueError):
    """A privacy action that cannot be done; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- small helpers -----------------------------------------------------------------------


def local_today() -> date:
    return to_local(utcnow()).date()


def erased_email(user_id: int) -> str:
    return f"deleted-{user_id}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == erased_email(user.id)


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, containers walked."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _first_name(user: User | None) -> str | None:
    return user.first_name if user is not None else None


def _sixteen_cutoff(today: date) -> date:
    """Born after this date means younger than 16 on `today`."""
    try:
        return today.replace(year=today.year - GUARDIAN_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - GUARDIAN_AGE, day=28)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- coverage of every reference to a user -------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    section: str  # the key in the export that shows these rows
    erasure: str  # what erasure does with them (documentation; `_ERASERS[table]` does it)


USER_REFERENCES: dict[str, Coverage] = {
    "user_roles.user_id": Coverage("roles", "removed"),
    "invitations.user_id": Coverage("invitations", "removed"),
    "invitations.created_by_id": Coverage("invitations_sent", "kept, sender anonymous"),
    "student_profiles.user_id": Coverage("student_profile", "kept for figures, personal fields cleared"),
    "alumna_profiles.user_id": Coverage("alumna_profile", "kept for figures, personal fields cleared"),
    "coordinator_profiles.user_id": Coverage("coordinator_profile", "removed"),
    "mentoring_circles.mentor_id": Coverage("circles_mentored", "closed: kept anonymous; otherwise mentor emptied"),
    "circle_memberships.student_id": Coverage("circle_memberships", "joined/left kept (counts); others removed"),
    "circle_requests.student_id": Coverage("circle_requests", "removed"),
    "meeting_attendance.student_id": Coverage("meeting_attendance", "kept (figures)"),
    "match_runs.run_by_id": Coverage("match_runs", "kept, actor anonymous"),
    "buddy_pairs.buddy_id": Coverage("buddy_pairs", "active ended, proposed discarded, with reason; kept"),
    "buddy_pairs.mentee_id": Coverage("buddy_pairs", "active ended, proposed discarded, with reason; kept"),
    "buddy_pairs.ended_by_id": Coverage("buddy_pairs_ended", "kept, actor anonymous"),
    "buddy_forbidden_pairs.buddy_id": Coverage("buddy_exclusions", "removed"),
    "buddy_forbidden_pairs.mentee_id": Coverage("buddy_exclusions", "removed"),
    "buddy_forbidden_pairs.created_by_id": Coverage("buddy_exclusions_created", "kept, actor anonymous"),
    "guest_lessons.created_by_id": Coverage("guest_lessons_created", "kept, actor anonymous"),
    "guest_lesson_offers.alumna_id": Coverage("guest_lesson_offers", "held lessons kept; confirmed upcoming withdrawn; others removed"),
    "speeddate_events.created_by_id": Coverage("speeddate_events_created", "kept, actor anonymous"),
    "dashboard_targets.created_by_id": Coverage("targets_created", "kept, actor anonymous"),
    "speeddate_hosts.alumna_id": Coverage("speeddate_hosting", "upcoming: dropped out; company cleared"),
    "speeddate_hosts.student_id": Coverage("speeddate_hosting", "upcoming: dropped out; company cleared"),
    "speeddate_registrations.student_id": Coverage("speeddate_registrations", "upcoming removed; held kept without preferences"),
    "speeddate_slots.student_id": Coverage("speeddate_slots", "upcoming removed; held kept"),
    "audit_events.actor_id": Coverage("audit_events", "kept, personal detail values redacted"),
    "audit_events.subject_user_id": Coverage("audit_events", "kept, personal detail values redacted"),
}


def user_references() -> list[tuple[str, str]]:
    """Every (table, column) in the metadata with a foreign key to users.id."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.table.name == "users" and fk.column.name == "id":
                    found.append((table.name, column.name))
    return found


def uncovered_user_references() -> list[str]:
    return [f"{t}.{c}" for t, c in user_references() if f"{t}.{c}" not in USER_REFERENCES]


# --- export ------------------------------------------------------------------------------


@dataclass
class _Ctx:
    """What an export or erasure works with, gathered once."""

    user: User
    email: str
    guardian_email: str | None
    now: datetime
    today: date
    actor_id: int | None = None
    full: bool = True  # False: only the student part of an account that stays
    invitation_ids: list[int] = field(default_factory=list)

    @property
    def uid(self) -> int:
        return self.user.id


def _ctx(user: User) -> _Ctx:
    profile = db.session.get(StudentProfile, user.id)
    return _Ctx(
        user=user,
        email=user.email.strip().lower(),
        guardian_email=(profile.guardian_email or "").strip().lower() or None if profile else None,
        now=utcnow(),
        today=local_today(),
    )


def _invitations_about(ctx: _Ctx, kinds: tuple[str, ...] | None = None):
    about = or_(
        Invitation.user_id == ctx.uid,
        func.lower(Invitation.email) == ctx.email,
        and_(Invitation.kind == "guardian_consent", Invitation.target_type == "student", Invitation.target_id == ctx.uid),
    )
    query = select(Invitation).where(about)
    if kinds:
        query = query.where(Invitation.kind.in_(kinds))
    return query.order_by(Invitation.id)


def _export_user(ctx: _Ctx) -> dict:
    u = ctx.user
    return {
        "id": u.id,
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "phone": u.phone,
        "locale": u.locale,
        "activated": u.activated,
        "password": "set" if u.password_hash else "not set",  # never the hash itself
        "created_at": u.created_at,
        "last_login_at": u.last_login_at,
    }


def _export_roles(ctx: _Ctx) -> list:
    return sorted(ctx.user.role_names)


def _export_student_profile(ctx: _Ctx) -> dict | None:
    p = db.session.get(StudentProfile, ctx.uid)
    if p is None:
        return None
    return {
        "school": p.school.name,
        "programme": p.programme.name if p.programme else None,
        "year": p.year,
        "student_number": p.student_number,
        "birth_date": p.birth_date,
        "interests": p.interests,
        "wants_buddy": p.wants_buddy,
        "volunteers_as_buddy": p.volunteers_as_buddy,
        "buddy_capacity": p.buddy_capacity,
        "buddy_preferences": p.buddy_preferences,
        "share_email": p.share_email,
        "share_phone": p.share_phone,
        "guardian_email": p.guardian_email,
        "guardian_consent_at": p.guardian_consent_at,
        "status": p.status,
        "left_at": p.left_at,
        "leave_reason": p.leave_reason,
    }


def _export_alumna_profile(ctx: _Ctx) -> dict | None:
    p = db.session.get(AlumnaProfile, ctx.uid)
    if p is None:
        return None
    allowed = db.session.scalars(
        select(School.name).join(AlumnaAllowedSchool, AlumnaAllowedSchool.school_id == School.id).where(AlumnaAllowedSchool.alumna_id == ctx.uid)
    ).all()
    return {
        "school": p.school.name if p.school else None,
        "programme": p.programme.name if p.programme else p.programme_name,
        "graduated_year": p.graduated_year,
        "job_title": p.job_title,
        "employer": p.employer,
        "sector": p.sector,
        "topics": p.topics,
        "activities": p.activities,
        "max_per_year": p.max_per_year,
        "all_schools": p.all_schools,
        "allowed_schools": sorted(allowed),
        "story": p.story,
    }


def _export_coordinator_profile(ctx: _Ctx) -> dict | None:
    p = db.session.get(CoordinatorProfile, ctx.uid)
    if p is None:
        return None
    return {"school": p.school.name, "job_title": p.job_title}


def _export_invitations(ctx: _Ctx) -> list:
    return [
        {
            "kind": i.kind,
            "email": i.email,
            "status": i.status,
            "created_at": i.created_at,
            "expires_at": i.expires_at,
            "used_at": i.used_at,
            "note": i.note,
        }
        for i in db.session.scalars(_invitations_about(ctx))
    ]


def _export_invitations_sent(ctx: _Ctx) -> list:
    # Invitations she sent: what and when, not the other person's address.
    rows = db.session.execute(
        select(Invitation.kind, Invitation.status, Invitation.created_at)
        .where(Invitation.created_by_id == ctx.uid)
        .order_by(Invitation.id)
    ).all()
    return [{"kind": kind, "status": status, "created_at": created} for kind, status, created in rows]


def _export_circle_memberships(ctx: _Ctx) -> list:
    rows = db.session.execute(
        select(CircleMembership, MentoringCircle.name, MentoringCircle.school_year)
        .join(MentoringCircle, MentoringCircle.id == CircleMembership.circle_id)
        .where(CircleMembership.student_id == ctx.uid)
        .order_by(CircleMembership.id)
    ).all()
    return [
        {
            "circle": name,
            "school_year": year,
            "status": m.status,
            "created_at": m.created_at,
            "joined_at": m.joined_at,
            "left_at": m.left_at,
        }
        for m, name, year in rows
    ]


def _table(name: str):
    """A table by name from the metadata (no import of a model that its area may still rename)."""
    return db.metadata.tables[name]


def _export_circle_requests(ctx: _Ctx) -> list:
    requests = _table("circle_requests")
    rows = db.session.execute(
        select(requests.c.school_year, requests.c.created_at).where(requests.c.student_id == ctx.uid).order_by(requests.c.id)
    ).all()
    return [{"school_year": year, "created_at": created} for year, created in rows]


def _export_circles_mentored(ctx: _Ctx) -> list:
    circles = db.session.scalars(select(MentoringCircle).where(MentoringCircle.mentor_id == ctx.uid).order_by(MentoringCircle.id))
    return [
        {"circle": c.name, "school": c.school.name, "school_year": c.school_year, "theme": c.theme, "status": c.status}
        for c in circles
    ]


def _export_meeting_attendance(ctx: _Ctx) -> list:
    rows = db.session.execute(
        select(MeetingAttendance.present, CircleMeeting.starts_at, CircleMeeting.topic, MentoringCircle.name)
        .join(CircleMeeting, CircleMeeting.id == MeetingAttendance.meeting_id)
        .join(MentoringCircle, MentoringCircle.id == CircleMeeting.circle_id)
        .where(MeetingAttendance.student_id == ctx.uid)
        .order_by(CircleMeeting.starts_at)
    ).all()
    return [{"circle": name, "meeting": starts, "topic": topic, "present": present} for present, starts, topic, name in rows]


def _export_match_runs(ctx: _Ctx) -> list:
    runs = db.session.scalars(select(MatchRun).where(MatchRun.run_by_id == ctx.uid).order_by(MatchRun.id))
    return [{"created_at": r.created_at, "status": r.status, "settings": r.settings, "figures": r.figures} for r in runs]


def _export_buddy_pairs(ctx: _Ctx) -> list:
    pairs = db.session.scalars(
        select(BuddyPair).where(or_(BuddyPair.buddy_id == ctx.uid, BuddyPair.mentee_id == ctx.uid)).order_by(BuddyPair.id)
    )
    result = []
    for p in pairs:
        as_buddy = p.buddy_id == ctx.uid
        other = p.mentee if as_buddy else p.buddy
        result.append(
            {
                "role": "buddy" if as_buddy else "mentee",
                "other_first_name": _first_name(other),
                "status": p.status,
                "score": p.score,
                "reasons": reason_texts(p.reasons),
                "created_at": p.created_at,
                "approved_at": p.approved_at,
                "ended_at": p.ended_at,
                "end_reason": p.end_reason,
            }
        )
    return result


def _export_buddy_pairs_ended(ctx: _Ctx) -> list:
    rows = db.session.execute(
        select(BuddyPair.ended_at, BuddyPair.status).where(BuddyPair.ended_by_id == ctx.uid).order_by(BuddyPair.id)
    ).all()
    return [{"ended_at": ended, "status": status} for ended, status in rows]


def _export_buddy_exclusions(ctx: _Ctx) -> list:
    rows = db.session.scalars(
        select(BuddyForbiddenPair)
        .where(or_(BuddyForbiddenPair.buddy_id == ctx.uid, BuddyForbiddenPair.mentee_id == ctx.uid))
        .order_by(BuddyForbiddenPair.id)
    ).all()
    others = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.buddy_id for r in rows} | {r.mentee_id for r in rows})))}
    return [
        {
            "role": "buddy" if r.buddy_id == ctx.uid else "mentee",
            "other_first_name": _first_name(others.get(r.mentee_id if r.buddy_id == ctx.uid else r.buddy_id)),
            "created_at": r.created_at,
        }
        for r in rows
    ]


def _export_buddy_exclusions_created(ctx: _Ctx) -> list:
    rows = db.session.scalars(select(BuddyForbiddenPair.created_at).where(BuddyForbiddenPair.created_by_id == ctx.uid))
    return [{"created_at": created} for created in rows]


def _export_guest_lessons_created(ctx: _Ctx) -> list:
    lessons = db.session.scalars(select(GuestLesson).where(GuestLesson.created_by_id == ctx.uid).order_by(GuestLesson.id))
    return [{"topic": l.topic, "school": l.school.name, "status": l.status, "created_at": l.created_at} for l in lessons]


def _export_guest_lesson_offers(ctx: _Ctx) -> list:
    offers = db.session.scalars(select(GuestLessonOffer).where(GuestLessonOffer.alumna_id == ctx.uid).order_by(GuestLessonOffer.id))
    return [
        {
            "lesson": o.lesson.topic,
            "school": o.lesson.school.name,
            "lesson_status": o.lesson.status,
            "date": o.option.starts_at if o.option else None,
            "status": o.status,
            "message": o.message,
            "created_at": o.created_at,
            "decided_at": o.decided_at,
        }
        for o in offers
    ]


def _export_speeddate_events_created(ctx: _Ctx) -> list:
    events = db.session.scalars(select(SpeeddateEvent).where(SpeeddateEvent.created_by_id == ctx.uid).order_by(SpeeddateEvent.id))
    return [{"title": e.title, "starts_at": e.starts_at, "status": e.status} for e in events]


def _export_targets_created(ctx: _Ctx) -> list:
    from webapp.dashboard.models import Target

    targets = db.session.scalars(select(Target).where(Target.created_by_id == ctx.uid).order_by(Target.id))
    return [{"metric": t.metric, "school_year": t.school_year, "value": t.value, "created_at": t.created_at} for t in targets]


def _host_label(host: SpeeddateHost) -> str:
    person = host.alumna or host.student
    name = person.first_name if person is not None else (host.guest_name or "")
    return " · ".join(part for part in (name, host.topic, host.company) if part)


def _export_speeddate_registrations(ctx: _Ctx) -> list:
    registrations = db.session.scalars(
        select(SpeeddateRegistration).where(SpeeddateRegistration.student_id == ctx.uid).order_by(SpeeddateRegistration.id)
    ).all()
    hosts = {}
    host_ids = {p.host_id for r in registrations for p in r.preferences}
    if host_ids:
        hosts = {h.id: h for h in db.session.scalars(select(SpeeddateHost).where(SpeeddateHost.id.in_(host_ids)))}
    return [
        {
            "event": r.event.title,
            "starts_at": r.event.starts_at,
            "registered_at": r.created_at,
            "no_show": r.no_show,
            "preferences": [{"rank": p.rank, "host": _host_label(hosts[p.host_id])} for p in r.preferences],
        }
        for r in registrations
    ]


def _export_speeddate_slots(ctx: _Ctx) -> list:
    rows = db.session.execute(
        select(SpeeddateSlot, SpeeddateEvent.title, SpeeddateHost)
        .join(SpeeddateEvent, SpeeddateEvent.id == SpeeddateSlot.event_id)
        .join(SpeeddateHost, SpeeddateHost.id == SpeeddateSlot.host_id)
        .where(SpeeddateSlot.student_id == ctx.uid)
        .order_by(SpeeddateSlot.event_id, SpeeddateSlot.round)
    ).all()
    return [
        {"event": title, "round": s.round, "host": _host_label(host), "table": host.table_label, "attended": s.attended}
        for s, title, host in rows
    ]


def _export_speeddate_hosting(ctx: _Ctx) -> list:
    hosts = db.session.scalars(
        select(SpeeddateHost).where(or_(SpeeddateHost.alumna_id == ctx.uid, SpeeddateHost.student_id == ctx.uid)).order_by(SpeeddateHost.id)
    )
    return [
        {
            "event": h.event.title,
            "starts_at": h.event.starts_at,
            "topic": h.topic,
            "company": h.company,
            "table": h.table_label,
            "seats_per_round": h.seats_per_round,
            "dropped_out": h.dropped_out,
        }
        for h in hosts
    ]


def _guardian_mails(ctx: _Ctx):
    """Consent requests to her guardian: by address, template and her name (a guardian may have two children)."""
    if not ctx.guardian_email:
        return None
    return and_(
        func.lower(OutboxEmail.to_address) == ctx.guardian_email,
        OutboxEmail.template == "guardian_consent",
        OutboxEmail.body_text.contains(ctx.user.first_name, autoescape=True),
    )


def _export_emails(ctx: _Ctx) -> list:
    conditions = [func.lower(OutboxEmail.to_address) == ctx.email]
    if (guardian := _guardian_mails(ctx)) is not None:
        conditions.append(guardian)
    messages = db.session.scalars(select(OutboxEmail).where(or_(*conditions)).order_by(OutboxEmail.id))
    return [
        {
            "to": m.to_address,
            "subject": m.subject,
            "status": m.status,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
            "body": m.body_text,
        }
        for m in messages
    ]


def _export_audit_events(ctx: _Ctx) -> list:
    actor = aliased(User)
    rows = db.session.execute(
        select(AuditEvent, actor.first_name, School.name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(School, School.id == AuditEvent.school_id)
        .where(or_(AuditEvent.subject_user_id == ctx.uid, AuditEvent.actor_id == ctx.uid))
        .order_by(AuditEvent.id)
    ).all()
    result = []
    for event, actor_name, school in rows:
        about_her = event.subject_user_id == ctx.uid
        result.append(
            {
                "at": event.created_at,
                "action": event.action,
                "by": "self" if event.actor_id == ctx.uid else (actor_name or "Kring"),
                "about": "self" if about_her else ("someone else" if event.subject_user_id else None),
                "school": school,
                # Details of what she did to someone else's data describe that person: left out.
                "details": event.details if about_her or event.subject_user_id is None else {},
            }
        )
    return result


_EXPORTERS: dict[str, Callable[[_Ctx], Any]] = {
    "roles": _export_roles,
    "student_profile": _export_student_profile,
    "alumna_profile": _export_alumna_profile,
    "coordinator_profile": _export_coordinator_profile,
    "invitations": _export_invitations,
    "invitations_sent": _export_invitations_sent,
    "circle_memberships": _export_circle_memberships,
    "circle_requests": _export_circle_requests,
    "circles_mentored": _export_circles_mentored,
    "meeting_attendance": _export_meeting_attendance,
    "guest_lesson_offers": _export_guest_lesson_offers,
    "guest_lessons_created": _export_guest_lessons_created,
    "speeddate_registrations": _export_speeddate_registrations,
    "speeddate_slots": _export_speeddate_slots,
    "speeddate_hosting": _export_speeddate_hosting,
    "speeddate_events_created": _export_speeddate_events_created,
    "targets_created": _export_targets_created,
    "buddy_pairs": _export_buddy_pairs,
    "buddy_pairs_ended": _export_buddy_pairs_ended,
    "buddy_exclusions": _export_buddy_exclusions,
    "buddy_exclusions_created": _export_buddy_exclusions_created,
    "match_runs": _export_match_runs,
    "emails": _export_emails,  # by address, not by foreign key
    "audit_events": _export_audit_events,
}


def _export_unmapped(ctx: _Ctx) -> dict:
    """Rows of references the mapping does not know yet, exported column by column."""
    result: dict[str, list] = {}
    tables = {t.name: t for t in db.metadata.sorted_tables}
    for name in uncovered_user_references():
        table_name, column_name = name.split(".")
        table = tables[table_name]
        rows = db.session.execute(select(table).where(table.c[column_name] == ctx.uid)).mappings().all()
        if rows:
            result.setdefault(table_name, []).extend(dict(row) for row in rows)
    return result


def export_user_data(user: User) -> dict:
    """Everything Kring holds on this person, as JSON-ready data."""
    ctx = _ctx(user)
    data: dict[str, Any] = {"format": EXPORT_FORMAT, "generated_at": ctx.now, "user": _export_user(ctx)}
    for section, exporter in _EXPORTERS.items():
        data[section] = exporter(ctx)
    unmapped = _export_unmapped(ctx)
    if unmapped:
        data["unmapped"] = unmapped
    return _plain(data)


# --- erasure -------------------------------------------------------------------------------


def _redact(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        lowered = value.lower()
        return REDACTED if any(n in lowered for n in needles) else value
    if isinstance(value, dict):
        return {k: _redact(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, needles) for v in value]
    return value


def _erase_roles(ctx: _Ctx) -> None:
    if ctx.full:
        ctx.user.roles.clear()
    else:
        ctx.user.roles[:] = [r for r in ctx.user.roles if r.role != "student"]


def _erase_invitations(ctx: _Ctx) -> None:
    kinds = None if ctx.full else ("guardian_consent", "circle")
    ids = list(db.session.scalars(_invitations_about(ctx, kinds).with_only_columns(Invitation.id)))
    ctx.invitation_ids = ids
    if ids:
        db.session.execute(delete(Invitation).where(Invitation.id.in_(ids)).execution_options(synchronize_session=False))
    # Invitations she sent to others (created_by_id) stay: their sender is now anonymous.


def _erase_student_profile(ctx: _Ctx) -> None:
    p = db.session.get(StudentProfile, ctx.uid)
    if p is None:
        return
    p.student_number = None
    p.birth_date = None
    p.interests = []
    p.wants_buddy = False
    p.volunteers_as_buddy = False
    p.buddy_capacity = 0
    p.buddy_preferences = {}
    p.share_email = False
    p.share_phone = False
    p.guardian_email = None
    p.guardian_consent_at = None
    p.leave_reason = None
    if p.status == "active":
        p.status = "left"
    if p.left_at is None:
        p.left_at = ctx.today


def _erase_alumna_profile(ctx: _Ctx) -> None:
    p = db.session.get(AlumnaProfile, ctx.uid)
    if p is None or not ctx.full:
        return
    p.job_title = ""
    p.employer = ""
    p.story = ""
    p.topics = []
    p.activities = []
    p.max_per_year = 0
    p.all_schools = False
    p.allowed_schools.clear()


def _erase_coordinator_profile(ctx: _Ctx) -> None:
    profile = db.session.get(CoordinatorProfile, ctx.uid)
    if profile is not None and ctx.full:
        db.session.delete(profile)


def _erase_circles(ctx: _Ctx) -> None:
    if not ctx.full:
        return
    for circle in db.session.scalars(select(MentoringCircle).where(MentoringCircle.mentor_id == ctx.uid)):
        if circle.status != "closed":
            circle.mentor_id = None


def _erase_circle_memberships(ctx: _Ctx) -> None:
    db.session.execute(
        delete(CircleMembership)
        .where(CircleMembership.student_id == ctx.uid, CircleMembership.status.in_(("invited", "waitlisted", "declined")))
        .execution_options(synchronize_session="fetch")
    )


def _erase_circle_requests(ctx: _Ctx) -> None:
    requests = _table("circle_requests")
    db.session.execute(delete(requests).where(requests.c.student_id == ctx.uid))


def _keep(ctx: _Ctx) -> None:
    """Rows others rely on: they stay, pointing at the anonymised account."""


def _erase_buddy_pairs(ctx: _Ctx) -> None:
    pairs = db.session.scalars(
        select(BuddyPair).where(
            or_(BuddyPair.buddy_id == ctx.uid, BuddyPair.mentee_id == ctx.uid),
            BuddyPair.status.in_(("active", "proposed")),
        )
    )
    for pair in pairs:
        pair.status = "ended" if pair.status == "active" else "discarded"
        pair.ended_at = ctx.now
        pair.ended_by_id = ctx.actor_id
        pair.end_reason = "account verwijderd" if ctx.full else "studente vertrokken"
    # The reasons of every pair she was in name her interests, languages and region.
    db.session.execute(
        update(BuddyPair)
        .where(or_(BuddyPair.buddy_id == ctx.uid, BuddyPair.mentee_id == ctx.uid))
        .values(reasons=[])
        .execution_options(synchronize_session="fetch")
    )


def _erase_buddy_exclusions(ctx: _Ctx) -> None:
    db.session.execute(
        delete(BuddyForbiddenPair)
        .where(or_(BuddyForbiddenPair.buddy_id == ctx.uid, BuddyForbiddenPair.mentee_id == ctx.uid))
        .execution_options(synchronize_session="fetch")
    )


def _lesson_held(offer: GuestLessonOffer, now: datetime) -> bool:
    lesson = offer.lesson
    if lesson.status == "done":
        return True
    if lesson.status == "cancelled":
        return False
    return offer.option is not None and offer.option.starts_at < now


def _erase_guest_lesson_offers(ctx: _Ctx) -> None:
    if not ctx.full:
        return
    touched: set[int] = set()
    for offer in db.session.scalars(select(GuestLessonOffer).where(GuestLessonOffer.alumna_id == ctx.uid)).all():
        if _lesson_held(offer, ctx.now):
            offer.message = ""
        elif offer.status == "confirmed" and offer.lesson.status != "cancelled":
            offer.status = "withdrawn"
            offer.message = ""
            offer.decided_at = ctx.now
            touched.add(offer.lesson_id)
        else:
            touched.add(offer.lesson_id)
            db.session.delete(offer)
    db.session.flush()
    for lesson_id in touched:
        lesson = db.session.get(GuestLesson, lesson_id)
        if lesson is None or lesson.status not in ("offered", "confirmed"):
            continue
        remaining = db.session.scalar(
            select(func.count()).select_from(GuestLessonOffer).where(
                GuestLessonOffer.lesson_id == lesson_id, GuestLessonOffer.status.in_(("offered", "confirmed"))
            )
        )
        if not remaining:
            lesson.status = "open"


def _upcoming_event_ids(ctx: _Ctx):
    """Speeddate events that did not take place (yet): still to come, or cancelled."""
    return select(SpeeddateEvent.id).where(
        or_(SpeeddateEvent.status == "cancelled", and_(SpeeddateEvent.status != "done", SpeeddateEvent.starts_at >= ctx.now))
    )


def _erase_speeddate_hosting(ctx: _Ctx) -> None:
    columns = [SpeeddateHost.student_id == ctx.uid]
    if ctx.full:
        columns.append(SpeeddateHost.alumna_id == ctx.uid)
    upcoming = set(db.session.scalars(_upcoming_event_ids(ctx)))
    for host in db.session.scalars(select(SpeeddateHost).where(or_(*columns))):
        host.company = ""
        if host.event_id in upcoming:
            host.dropped_out = True


def _erase_speeddate_registrations(ctx: _Ctx) -> None:
    upcoming = _upcoming_event_ids(ctx)
    mine = select(SpeeddateRegistration.id).where(SpeeddateRegistration.student_id == ctx.uid)
    db.session.execute(
        delete(SpeeddatePreference).where(SpeeddatePreference.registration_id.in_(mine)).execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(SpeeddateRegistration)
        .where(SpeeddateRegistration.student_id == ctx.uid, SpeeddateRegistration.event_id.in_(upcoming))
        .execution_options(synchronize_session=False)
    )


def _erase_speeddate_slots(ctx: _Ctx) -> None:
    db.session.execute(
        delete(SpeeddateSlot)
        .where(SpeeddateSlot.student_id == ctx.uid, SpeeddateSlot.event_id.in_(_upcoming_event_ids(ctx)))
        .execution_options(synchronize_session=False)
    )


def _erase_outbox(ctx: _Ctx) -> None:
    """Messages to her (full erasure) and consent requests to her guardian: unsent removed, sent emptied."""
    conditions = []
    if ctx.full:
        conditions.append(func.lower(OutboxEmail.to_address) == ctx.email)
    if (guardian := _guardian_mails(ctx)) is not None:
        conditions.append(guardian)
    if not conditions:
        return
    for message in db.session.scalars(select(OutboxEmail).where(or_(*conditions))).all():
        if message.status == "sent":
            message.to_address = erased_email(ctx.uid)
            message.subject = REDACTED
            message.body_text = ""
            message.body_html = None
            message.ics = None
            message.last_error = None
        else:
            db.session.delete(message)


def _erase_audit_details(ctx: _Ctx, needles: list[str]) -> None:
    about = [AuditEvent.subject_user_id == ctx.uid, AuditEvent.actor_id == ctx.uid]
    if ctx.invitation_ids:
        about.append(and_(AuditEvent.object_type == "Invitation", AuditEvent.object_id.in_(ctx.invitation_ids)))
    for event in db.session.scalars(select(AuditEvent).where(or_(*about))):
        if event.details:
            cleaned = _redact(event.details, needles)
            if cleaned != event.details:
                event.details = cleaned


# Per table with a reference to users: what erasure does. The coverage test checks that every
# table named in USER_REFERENCES has an entry here.
_ERASERS: dict[str, Callable[[_Ctx], None]] = {
    "user_roles": _erase_roles,
    "invitations": _erase_invitations,
    "student_profiles": _erase_student_profile,
    "alumna_profiles": _erase_alumna_profile,
    "coordinator_profiles": _erase_coordinator_profile,
    "mentoring_circles": _erase_circles,
    "circle_memberships": _erase_circle_memberships,
    "circle_requests": _erase_circle_requests,
    "meeting_attendance": _keep,
    "match_runs": _keep,
    "buddy_pairs": _erase_buddy_pairs,
    "buddy_forbidden_pairs": _erase_buddy_exclusions,
    "guest_lessons": _keep,
    "guest_lesson_offers": _erase_guest_lesson_offers,
    "speeddate_events": _keep,
    "dashboard_targets": _keep,
    "speeddate_hosts": _erase_speeddate_hosting,
    "speeddate_registrations": _erase_speeddate_registrations,
    "speeddate_slots": _erase_speeddate_slots,
    "audit_events": _keep,  # details redacted at the end, see _erase_audit_details
}


def _needles(user: User, ctx: _Ctx) -> list[str]:
    values = [ctx.email, user.full_name.lower(), (user.phone or "").lower(), ctx.guardian_email or ""]
    return [v for v in values if len(v) >= 3]


def active_admin_count(excluding: int | None = None) -> int:
    query = (
        select(func.count(func.distinct(User.id)))
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "admin", User.activated.is_(True))
    )
    if excluding is not None:
        query = query.where(User.id != excluding)
    return db.session.scalar(query) or 0


def check_can_erase(user: User) -> None:
    if user.has_role("admin") and active_admin_count(excluding=user.id) == 0:
        raise PrivacyError(
            _l("Dit is het laatste beheerdersaccount. Maak eerst iemand anders beheerder voordat je dit account verwijdert.")
        )


def _run_erasers(ctx: _Ctx, tables: Iterable[str]) -> None:
    for table in tables:
        _ERASERS[table](ctx)
    db.session.flush()


def erase_user(user: User, actor: User | None, reason: str) -> None:
    """Erase a person: anonymise the account, remove what matters only to her (see the module doc).

    `reason` is a code from ERASE_REASONS; it is the only thing the audit event keeps.
    The caller commits.
    """
    if reason not in ERASE_REASONS:
        raise ValueError(f"unknown erase reason {reason!r}")
    if is_erased(user):
        return
    check_can_erase(user)
    ctx = _ctx(user)
    ctx.actor_id = actor.id if actor is not None else None
    needles = _needles(user, ctx)
    profile = db.session.get(StudentProfile, user.id)
    school_id = profile.school_id if profile else None
    if school_id is None:
        coordinator = db.session.get(CoordinatorProfile, user.id)
        school_id = coordinator.school_id if coordinator else None
    for name in uncovered_user_references():
        log.warning("erase_user: no erasure rule for %s; its rows still point at user %s", name, user.id)
    _run_erasers(ctx, _ERASERS)
    _erase_outbox(ctx)
    _erase_audit_details(ctx, needles)
    user.first_name = ERASED_NAME
    user.last_name = ""
    user.email = erased_email(user.id)
    user.password_hash = None
    user.activated = False
    user.phone = None
    user.locale = "nl"
    user.last_login_at = None
    db.session.flush()
    record("account.erased", subject_user_id=user.id, school_id=school_id, actor_id=ctx.actor_id, reason=reason)


STUDENT_PART_TABLES = (
    "user_roles",
    "invitations",
    "student_profiles",
    "circle_memberships",
    "circle_requests",
    "buddy_pairs",
    "buddy_forbidden_pairs",
    "speeddate_hosts",
    "speeddate_registrations",
    "speeddate_slots",
)


def erase_student_data(profile: StudentProfile, actor: User | None, reason: str) -> None:
    """Remove only the student part of an account that stays (she is also an alumna, say)."""
    user = profile.user
    ctx = _ctx(user)
    ctx.actor_id = actor.id if actor is not None else None
    ctx.full = False
    needles = [n for n in [ctx.guardian_email or ""] if n]
    _run_erasers(ctx, STUDENT_PART_TABLES)
    _erase_outbox(ctx)
    if needles:
        _erase_audit_details(ctx, needles)
    record("student.data_erased", subject_user_id=user.id, school_id=profile.school_id, actor_id=ctx.actor_id, reason=reason)


def keeps_account_after_school(user: User) -> bool:
    """True when she holds a role besides student: only her student data goes."""
    return bool(user.role_names - {"student"})


def erase_student(profile: StudentProfile, actor: User | None, reason: str) -> str:
    """Erase a departed student: the whole account, or only its student part. Returns which."""
    if keeps_account_after_school(profile.user):
        erase_student_data(profile, actor, reason)
        return "student_data"
    erase_user(profile.user, actor, reason)
    return "account"


def remove_student(profile: StudentProfile, actor: User, leave_status: str | None, left_on: date | None = None) -> str:
    """A coordinator removes a student of her school who left; the caller checked the school."""
    if profile.status == "active":
        if leave_status not in DEPARTED_STATUSES:
            raise PrivacyError(_l("Kies waarom de studente de school heeft verlaten."), "leave_status")
        profile.status = leave_status
        profile.left_at = left_on or local_today()
    record("student.removed", subject_user_id=profile.user_id, school_id=profile.school_id, actor_id=actor.id, status=profile.status)
    return erase_student(profile, actor, "removed_by_coordinator")


# --- self-service corrections and visibility -----------------------------------------------


def correct_own_data(user: User, *, first_name: str, last_name: str, phone: str | None) -> bool:
    """Rectification (AVG art. 16): she corrects her name and phone. Returns whether anything changed."""
    changed = []
    for name, value in (("first_name", first_name.strip()), ("last_name", last_name.strip()), ("phone", (phone or "").strip() or None)):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        record("profile.corrected", subject_user_id=user.id, actor_id=user.id, fields=changed)
    return bool(changed)


def set_sharing(profile: StudentProfile, *, share_email: bool, share_phone: bool) -> bool:
    changed = (profile.share_email, profile.share_phone) != (share_email, share_phone)
    if changed:
        profile.share_email = share_email
        profile.share_phone = share_phone
        record(
            "profile.sharing_changed",
            subject_user_id=profile.user_id,
            school_id=profile.school_id,
            actor_id=profile.user_id,
            share_email=share_email,
            share_phone=share_phone,
        )
    return changed


def coordinates_school_of(viewer: User | None, profile: StudentProfile) -> bool:
    if viewer is None or not getattr(viewer, "is_authenticated", True) or not viewer.has_role("coordinator"):
        return False
    coordinator = db.session.get(CoordinatorProfile, viewer.id)
    return coordinator is not None and coordinator.school_id == profile.school_id


def public_student_view(profile: StudentProfile, viewer: User | None) -> dict:
    """What `viewer` may see of this student.

    She herself and a coordinator of her school see everything; anyone else (an alumna, a
    buddy, a mentor, an admin, nobody) sees first name, programme and year, and her e-mail
    address or phone number only when she chose to share it.
    """
    user = profile.user
    programme = db.session.get(Programme, profile.programme_id) if profile.programme_id else None
    view: dict[str, Any] = {
        "user_id": user.id,
        "first_name": user.first_name,
        "programme": programme.name if programme else None,
        "year": profile.year,
    }
    if is_erased(user):
        return view
    viewer_id = getattr(viewer, "id", None) if viewer is not None and getattr(viewer, "is_authenticated", False) else None
    if viewer_id == user.id or coordinates_school_of(viewer, profile):
        view.update(
            last_name=user.last_name,
            email=user.email,
            phone=user.phone,
            school=profile.school.name,
            student_number=profile.student_number,
            birth_date=profile.birth_date,
            interests=list(profile.interests or []),
            status=profile.status,
        )
        return view
    if profile.share_email:
        view["email"] = user.email
    if profile.share_phone and user.phone:
        view["phone"] = user.phone
    return view


# --- guardian consent ------------------------------------------------------------------------


def is_under_16(profile: StudentProfile, today: date | None = None) -> bool:
    if profile.birth_date is None:
        return False
    return profile.birth_date > _sixteen_cutoff(today or local_today())


def needs_guardian_consent(profile: StudentProfile, today: date | None = None) -> bool:
    """True when she may not yet join activities with people from outside her school.

    Under 16 by birth date (AVG art. 8, Dutch age 16) and no consent from a parent or guardian.
    Without a birth date she counts as 16 or older.
    """
    return is_under_16(profile, today) and profile.guardian_consent_at is None


def latest_consent_invitations(student_ids: Iterable[int]) -> dict[int, Invitation]:
    ids = list(student_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Invitation)
        .where(Invitation.kind == "guardian_consent", Invitation.target_type == "student", Invitation.target_id.in_(ids))
        .order_by(Invitation.id)
    )
    return {row.target_id: row for row in rows}  # the last one wins


@dataclass
class ConsentStatus:
    code: str  # given, not_asked, waiting, expired, refused, not_needed
    since: datetime | None = None
    email: str | None = None
    sent_count: int = 0


def consent_status(profile: StudentProfile, invitation: Invitation | None, today: date | None = None) -> ConsentStatus:
    if profile.guardian_consent_at is not None:
        return ConsentStatus("given", profile.guardian_consent_at)
    if not is_under_16(profile, today):
        return ConsentStatus("not_needed")
    if invitation is None:
        return ConsentStatus("not_asked")
    if invitation.status == "declined":
        return ConsentStatus("refused", invitation.used_at, invitation.email, invitation.sent_count)
    if invitation.status == "pending" and invitation.expires_at < utcnow():
        return ConsentStatus("expired", invitation.expires_at, invitation.email, invitation.sent_count)
    if invitation.status == "pending":
        return ConsentStatus("waiting", invitation.created_at, invitation.email, invitation.sent_count)
    return ConsentStatus("not_asked")


def consent_invitation_for(profile: StudentProfile) -> Invitation | None:
    return latest_consent_invitations([profile.user_id]).get(profile.user_id)


RESEND_PAUSE = timedelta(minutes=10)


def request_guardian_consent(profile: StudentProfile, guardian_email: str, actor: User) -> Invitation:
    """E-mail her parent or guardian a single-use link to consent. The caller commits.

    A pending request is sent again (a new link; the old one stops working), to the new
    address if it changed; after a refusal a new request is made.
    """
    email = guardian_email.strip().lower()
    if email == profile.user.email.strip().lower():
        raise PrivacyError(_l("Vul het e-mailadres van je ouder of verzorger in, niet je eigen adres."), "guardian_email")
    if profile.guardian_consent_at is not None:
        raise PrivacyError(_l("Er is al toestemming gegeven."), "guardian_email")
    if not is_under_16(profile):
        raise PrivacyError(_l("Deze studente is 16 jaar of ouder: toestemming van een ouder of verzorger is niet nodig."), "guardian_email")
    invitation = consent_invitation_for(profile)
    if invitation is not None and invitation.status == "pending":
        last_sent = invitation.expires_at - CONSENT_VALID
        if utcnow() - last_sent < RESEND_PAUSE and invitation.email == email:
            raise PrivacyError(_l("Het verzoek is net verstuurd. Wacht een paar minuten voordat je het opnieuw stuurt."), "guardian_email")
        invitation.email = email
        tokens.renew(invitation, CONSENT_VALID)
        invitation.created_by_id = actor.id
    else:
        invitation = tokens.new_invitation(
            "guardian_consent",
            email,
            valid_for=CONSENT_VALID,
            school_id=profile.school_id,
            target_type="student",
            target_id=profile.user_id,
            created_by_id=actor.id,
        )
    profile.guardian_email = email
    queue_email(
        email,
        "guardian_consent",
        _l("Toestemming gevraagd voor %(name)s bij Kring", name=profile.user.first_name),
        student=profile.user,
        school_name=profile.school.name,
        asked_by_student=actor.id == profile.user_id,
        asker=actor,
        link=absolute_url("privacy.guardian_consent", token=tokens.token_for(invitation)),
        expires_at=invitation.expires_at,
    )
    record(
        "guardian_consent.requested",
        subject_user_id=profile.user_id,
        school_id=profile.school_id,
        obj=invitation,
        actor_id=actor.id,
    )
    return invitation


def answer_guardian_consent(invitation: Invitation, consent: bool) -> StudentProfile:
    """The guardian's answer from the e-mailed link: single use (TokenError on a second use)."""
    profile = db.session.get(StudentProfile, invitation.target_id) if invitation.target_type == "student" else None
    if profile is None:
        raise tokens.TokenError(tokens.INVALID)
    tokens.consume(invitation, "accepted" if consent else "declined")
    if consent:
        profile.guardian_consent_at = utcnow()
    record(
        "guardian_consent.given" if consent else "guardian_consent.refused",
        subject_user_id=profile.user_id,
        school_id=profile.school_id,
        obj=invitation,
    )
    db.session.commit()
    return profile


def students_awaiting_consent(school_id: int, today: date | None = None) -> list[tuple[StudentProfile, ConsentStatus]]:
    """Active students of the school under 16 without consent, with where their request stands."""
    cutoff = _sixteen_cutoff(today or local_today())
    profiles = db.session.scalars(
        select(StudentProfile)
        .join(User, User.id == StudentProfile.user_id)
        .where(
            StudentProfile.school_id == school_id,
            StudentProfile.status == "active",
            StudentProfile.birth_date > cutoff,
            StudentProfile.guardian_consent_at.is_(None),
        )
        .order_by(User.last_name, User.first_name, User.id)
    ).all()
    invitations = latest_consent_invitations(p.user_id for p in profiles)
    return [(p, consent_status(p, invitations.get(p.user_id), today)) for p in profiles]


# --- retention -------------------------------------------------------------------------------


@dataclass
class PurgeItem:
    user_id: int
    school: str
    status: str
    left_at: date
    what: str  # "account" or "student_data"


def _student_part_has_data(profile: StudentProfile) -> bool:
    return bool(
        profile.student_number
        or profile.birth_date
        or profile.interests
        or profile.buddy_preferences
        or profile.guardian_email
        or profile.guardian_consent_at
        or profile.leave_reason
        or profile.wants_buddy
        or profile.volunteers_as_buddy
        or profile.share_email
        or profile.share_phone
        or profile.user.has_role("student")
    )


def departed_past_retention(today: date) -> list[StudentProfile]:
    """Departed students whose retention period ended, not yet erased."""
    candidates: list[StudentProfile] = []
    for school in db.session.scalars(select(School).order_by(School.id)):
        cutoff = years_before(today, school.retention_years or 2)
        profiles = db.session.scalars(
            select(StudentProfile)
            .join(User, User.id == StudentProfile.user_id)
            .where(
                StudentProfile.school_id == school.id,
                StudentProfile.status.in_(DEPARTED_STATUSES),
                StudentProfile.left_at.is_not(None),
                StudentProfile.left_at < cutoff,
                User.email.not_like("deleted-%@" + ERASED_DOMAIN),
            )
            # Her roles decide what goes: loaded for all of them at once, not one query each.
            .options(joinedload(StudentProfile.user).selectinload(User.roles))
            .order_by(StudentProfile.user_id)
        ).all()
        for profile in profiles:
            if is_erased(profile.user):
                continue
            if keeps_account_after_school(profile.user) and not _student_part_has_data(profile):
                continue
            candidates.append(profile)
    return candidates


def departed_without_date() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(StudentProfile)
        .where(StudentProfile.status.in_(DEPARTED_STATUSES), StudentProfile.left_at.is_(None))
    ) or 0


def purge_departed(today: date | None = None, dry_run: bool = False) -> list[PurgeItem]:
    """Erase departed students past their school's retention period; commits per student."""
    today = today or local_today()
    done: list[PurgeItem] = []
    for profile in departed_past_retention(today):
        what = "student_data" if keeps_account_after_school(profile.user) else "account"
        item = PurgeItem(profile.user_id, profile.school.name, profile.status, profile.left_at, what)
        if not dry_run:
            erase_student(profile, None, "retention")
            db.session.commit()
        done.append(item)
    return done


# --- audit log -------------------------------------------------------------------------------


def audit_view(subject_user_id: int | None, school_id: int | None, what: str) -> AuditEvent:
    """Record that the current user viewed someone's data (the caller commits)."""
    return record("viewed", subject_user_id=subject_user_id, school_id=school_id, what=what)


AUDIT_PAGE_SIZE = 50


@dataclass
class AuditRow:
    event: AuditEvent
    actor: User | None
    subject: User | None
    school_name: str | None


@dataclass
class AuditPage:
    rows: list[AuditRow]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def audit_events(*, school_id: int | None = None, action: str = "", person: str = "", page: int = 1) -> AuditPage:
    """One page of the audit log, newest first, with actor, subject and school in one query."""
    actor = aliased(User, name="actor")
    subject = aliased(User, name="subject")
    query = (
        select(AuditEvent, actor, subject, School.name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(subject, subject.id == AuditEvent.subject_user_id)
        .outerjoin(School, School.id == AuditEvent.school_id)
    )
    if school_id is not None:
        query = query.where(AuditEvent.school_id == school_id)
    action = action.strip()
    if action:
        query = query.where(or_(AuditEvent.action == action, AuditEvent.action.startswith(action.rstrip(".") + ".", autoescape=True)))
    person = person.strip().lower()
    if person:
        query = query.where(
            or_(func.lower(actor.email).contains(person, autoescape=True), func.lower(subject.email).contains(person, autoescape=True))
        )
    page = max(page, 1)
    rows = db.session.execute(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE_SIZE + 1)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
    ).all()
    return AuditPage(
        rows=[AuditRow(event, a, s, school_name) for event, a, s, school_name in rows[:AUDIT_PAGE_SIZE]],
        page=page,
        has_next=len(rows) > AUDIT_PAGE_SIZE,
    )
