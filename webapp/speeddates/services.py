"""Speeddate events: the queries and writes, with the access checks, audit events and e-mail.

The flow
    A coordinator creates an event (draft), adds hosts (an alumna who volunteers for
    speeddates and allows the school, a senior student of the school, or a typed-in guest),
    opens registration and invites students of chosen programmes and years. A student of
    that school and group registers and ranks hosts until the deadline. Then the coordinator
    generates the schedule (webapp/matching/speeddates.py), reviews it (grid, satisfaction),
    moves students by hand (a moved meeting is pinned) and publishes it: every student and
    every host with an account gets her round-by-round schedule with a calendar file.

Late changes
    Every change after a schedule exists (a host drops out or changes seats, a student is
    added or removed, a no-show on the day) runs `repair`, which keeps as many existing
    meetings as possible and never touches rounds already held (`held_rounds`). After
    publishing only the people whose personal schedule changed get an e-mail, with a calendar
    file that keeps each round's UID and raises SEQUENCE (`schedule_version`).

Who may see what
    A coordinator only her own school's events (routes load them with get_in_school). A
    student sees an event of her own school once registration is open, when her programme and
    year were invited (`audience`) or she is registered. A host sees her own table.

Guardian consent
    A student under 16 without a parent's consent may not talk with people from outside the
    school. When an event has outside hosts (alumnae, guests), such a student stays out of the
    generated schedule (a note says so on the review page and her own page); the coordinator
    may still seat her by hand at a senior student's table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from webapp.audit.services import record
from webapp.auth.models import User
from webapp.extensions import db
from webapp.ics import CalendarEvent, calendar_file
from webapp.matching.speeddates import TOP_K, Host, Meeting, ScheduleError, StudentPrefs, changed_people, repair, schedule, validate
from webapp.modeltools import utcnow
from webapp.outbox.services import queue_email
from webapp.people.directory import reachable_by_school
from webapp.people.models import AlumnaProfile, Programme, StudentProfile
from webapp.speeddates.models import (
    EVENT_KINDS,
    SpeeddateEvent,
    SpeeddateHost,
    SpeeddatePreference,
    SpeeddateRegistration,
    SpeeddateSlot,
)
from webapp.urls import absolute_url

KIND_LABELS = {"stage": _l("Stage"), "keuzedeel": _l("Keuzedeel"), "beroep": _l("Beroep")}
KIND_TITLES = {"stage": _l("Stagespeeddate"), "keuzedeel": _l("Keuzedeelspeeddate"), "beroep": _l("Beroepenspeeddate")}
STATUS_LABELS = {
    "draft": _l("Concept"),
    "open": _l("Aanmelding open"),
    "closed": _l("Aanmelding gesloten"),
    "scheduled": _l("Schema klaar, niet gepubliceerd"),
    "published": _l("Gepubliceerd"),
    "done": _l("Afgerond"),
    "cancelled": _l("Geannuleerd"),
}
HOST_KIND_LABELS = {"alumna": _l("Alumna"), "student": _l("Ouderejaars studente"), "guest": _l("Gast")}
#: A student ranks at most this many hosts (and never more than the event has).
MAX_RANKED = 8
#: Statuses in which students of the invited groups see the event.
VISIBLE_TO_STUDENTS = ("open", "closed", "scheduled", "published", "done")
#: Statuses in which a schedule exists.
SCHEDULED = ("scheduled", "published")
#: Statuses in which the event is still being prepared or held (not done, not cancelled).
ACTIVE = ("draft", "open", "closed", "scheduled", "published")


class SpeeddateError(ValueError):
    """Something that cannot be done; the message is shown to the user."""


# --- small helpers ------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def round_start(event: SpeeddateEvent, number: int) -> datetime:
    """When round `number` (1-based) begins: the start plus the rounds and breaks before it."""
    return event.starts_at + timedelta(minutes=(number - 1) * (event.minutes_per_round + event.break_minutes))


def round_end(event: SpeeddateEvent, number: int) -> datetime:
    return round_start(event, number) + timedelta(minutes=event.minutes_per_round)


def event_end(event: SpeeddateEvent) -> datetime:
    return round_end(event, event.rounds)


def registration_open(event: SpeeddateEvent, now: datetime | None = None) -> bool:
    """Students may register and change their ranking: registration is open and the deadline not passed."""
    return event.status == "open" and (now or utcnow()) < event.registration_deadline


def host_kind(host: SpeeddateHost) -> str:
    if host.alumna_id is not None:
        return "alumna"
    if host.student_id is not None:
        return "student"
    return "guest"


def host_user(host: SpeeddateHost) -> User | None:
    """The account behind a host (guests have none)."""
    return host.alumna if host.alumna_id is not None else host.student if host.student_id is not None else None


def host_name(host: SpeeddateHost) -> str:
    user = host_user(host)
    return user.full_name if user is not None else (host.guest_name or "")


def is_outside(host: SpeeddateHost) -> bool:
    """An alumna or a guest comes from outside the school; a senior student does not."""
    return host.student_id is None


def host_about(host: SpeeddateHost) -> str:
    """Topic and company in one line: 'Stage bij Stedin · Stedin'."""
    return " · ".join(part for part in (host.topic, host.company) if part)


def table_of(host: SpeeddateHost) -> str:
    return host.table_label or str(host.id)


def _lock(event: SpeeddateEvent) -> SpeeddateEvent:
    """Take the event row first (FOR UPDATE on PostgreSQL), so writes on one event queue in one order."""
    locked = db.session.scalar(
        select(SpeeddateEvent).where(SpeeddateEvent.id == event.id).with_for_update().execution_options(populate_existing=True)
    )
    if locked is None:
        raise SpeeddateError(_("Deze speeddate bestaat niet meer."))
    return locked


def _needs_consent(profile: StudentProfile | None) -> bool:
    """Privacy rule, imported late: the privacy area owns it."""
    if profile is None:
        return False
    from webapp.privacy.services import needs_guardian_consent

    return needs_guardian_consent(profile)


def parse_time(value) -> datetime | None:
    """A stored ISO time (naive UTC) from a JSON column, or None."""
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def consent_blocks(event: SpeeddateEvent, profile: StudentProfile | None) -> bool:
    """She stays out of the generated schedule: outside hosts are at the event and she needs a parent's consent."""
    return any(is_outside(h) for h in active_hosts(event)) and _needs_consent(profile)


def programmes_of(school_id: int) -> list[Programme]:
    return list(db.session.scalars(select(Programme).where(Programme.school_id == school_id).order_by(Programme.name, Programme.id)))


def _student_label(profile: StudentProfile | None, user: User) -> str:
    """What a host sees of a student: first name, programme and year (never more)."""
    if profile is None:
        return user.first_name
    parts = [profile.programme.name] if profile.programme else []
    parts.append(_("jaar %(year)s", year=profile.year))
    return f"{user.first_name} ({', '.join(parts)})"


# --- events -------------------------------------------------------------------------------


def events_page(school_id: int, state: str, page: int):
    query = select(SpeeddateEvent).where(SpeeddateEvent.school_id == school_id)
    if state == "active":
        query = query.where(SpeeddateEvent.status.in_(ACTIVE)).order_by(SpeeddateEvent.starts_at, SpeeddateEvent.id)
    else:
        query = query.order_by(SpeeddateEvent.starts_at.desc(), SpeeddateEvent.id.desc())
    return db.paginate(query, page=page, per_page=25, error_out=False)


def counts(event_ids) -> dict[int, dict[str, int]]:
    """Registrations and (present) hosts per event, two grouped queries for a whole page."""
    ids = list(event_ids)
    result: dict[int, dict[str, int]] = {i: {"registrations": 0, "hosts": 0} for i in ids}
    if not ids:
        return result
    for event_id, n in db.session.execute(
        select(SpeeddateRegistration.event_id, func.count()).where(SpeeddateRegistration.event_id.in_(ids)).group_by(SpeeddateRegistration.event_id)
    ):
        result[event_id]["registrations"] = n
    for event_id, n in db.session.execute(
        select(SpeeddateHost.event_id, func.count())
        .where(SpeeddateHost.event_id.in_(ids), SpeeddateHost.dropped_out.is_(False))
        .group_by(SpeeddateHost.event_id)
    ):
        result[event_id]["hosts"] = n
    return result


def _has_schedule(event: SpeeddateEvent) -> bool:
    return db.session.scalar(select(SpeeddateSlot.id).where(SpeeddateSlot.event_id == event.id).limit(1)) is not None


def _check_times(starts_at: datetime, deadline: datetime) -> None:
    if deadline > starts_at:
        raise SpeeddateError(_("De aanmelddeadline ligt vóór het begin van de speeddate."))


def create_event(school_id: int, actor: User, data: dict) -> SpeeddateEvent:
    if data["kind"] not in EVENT_KINDS:
        raise SpeeddateError(_("Kies een soort speeddate."))
    if data["starts_at"] <= utcnow():
        raise SpeeddateError(_("Kies een moment in de toekomst."))
    _check_times(data["starts_at"], data["registration_deadline"])
    event = SpeeddateEvent(school_id=school_id, created_by_id=actor.id, status="draft", audience=[], figures={}, **data)
    db.session.add(event)
    db.session.flush()
    record("speeddate.created", school_id=school_id, obj=event, title=event.title)
    db.session.commit()
    return event


def locked_fields(event: SpeeddateEvent) -> set[str]:
    """Fields that may no longer change: the rounds once a schedule exists, time and place once published."""
    locked: set[str] = set()
    if event.status in SCHEDULED or event.status == "done" or _has_schedule(event):
        locked.add("rounds")
    if event.status in ("published", "done"):
        locked |= {"starts_at", "minutes_per_round", "break_minutes", "place", "rounds", "registration_deadline"}
    return locked


def update_event(event: SpeeddateEvent, actor: User, data: dict) -> None:
    event = _lock(event)
    if event.status in ("done", "cancelled"):
        raise SpeeddateError(_("Een afgeronde of geannuleerde speeddate kun je niet meer wijzigen."))
    locked = locked_fields(event)
    changed = {}
    for name, value in data.items():
        if name in locked or getattr(event, name) == value:
            continue
        changed[name] = value
    if "kind" in changed and changed["kind"] not in EVENT_KINDS:
        raise SpeeddateError(_("Kies een soort speeddate."))
    _check_times(changed.get("starts_at", event.starts_at), changed.get("registration_deadline", event.registration_deadline))
    for name, value in changed.items():
        setattr(event, name, value)
    if changed:
        record("speeddate.updated", school_id=event.school_id, obj=event, fields=sorted(changed))
    db.session.commit()


def open_registration(event: SpeeddateEvent, actor: User) -> None:
    event = _lock(event)
    if event.status not in ("draft", "closed"):
        raise SpeeddateError(_("De aanmelding kan nu niet open: de speeddate is %(status)s.", status=status_label(event.status).lower()))
    if not active_hosts(event):
        raise SpeeddateError(_("Voeg eerst minstens één tafel toe: studentes kiezen uit de tafels."))
    if event.registration_deadline <= utcnow():
        raise SpeeddateError(_("De aanmelddeadline is al voorbij. Kies eerst een nieuwe deadline."))
    event.status = "open"
    record("speeddate.opened", school_id=event.school_id, obj=event)
    db.session.commit()


def close_registration(event: SpeeddateEvent, actor: User) -> None:
    event = _lock(event)
    if event.status != "open":
        raise SpeeddateError(_("De aanmelding is niet open."))
    event.status = "closed"
    record("speeddate.closed", school_id=event.school_id, obj=event)
    db.session.commit()


def cancel_event(event: SpeeddateEvent, actor: User) -> int:
    """Cancel; everyone who registered or hosts (with an account) hears it. Returns the e-mails queued."""
    event = _lock(event)
    if event.status in ("done", "cancelled"):
        raise SpeeddateError(_("Deze speeddate is al afgerond of geannuleerd."))
    was_published = event.status == "published"
    event.status = "cancelled"
    if was_published:
        event.schedule_version += 1
    state = _State.load(event)
    rounds_of: dict[int, list[int]] = defaultdict(list)
    if was_published:
        for meeting in state.meetings():
            rounds_of[meeting.student_id].append(meeting.round)
    queued = 0
    for registration in state.registrations:
        queued += _mail_cancelled(event, registration.student, rounds_of[registration.student_id], ("s", registration.student_id), reason="event")
    for host in state.hosts:
        user = host_user(host)
        if user is not None and not host.dropped_out:
            rounds = list(range(1, event.rounds + 1)) if was_published else []
            queued += _mail_cancelled(event, user, rounds, ("h", host.id), reason="event")
    record("speeddate.cancelled", school_id=event.school_id, obj=event, emails=queued)
    db.session.commit()
    return queued


def finish_event(event: SpeeddateEvent, actor: User) -> None:
    """Mark the event done: every meeting of a present student counts as attended."""
    event = _lock(event)
    if event.status != "published":
        raise SpeeddateError(_("Alleen een gepubliceerde speeddate kun je afronden."))
    if utcnow() < event.starts_at:
        raise SpeeddateError(_("De speeddate is nog niet begonnen."))
    absent = {r.student_id for r in _registrations(event) if r.no_show}
    for slot in _slots(event):
        slot.attended = slot.student_id not in absent
    event.status = "done"
    event.held_rounds = event.rounds
    record("speeddate.done", school_id=event.school_id, obj=event)
    db.session.commit()


# --- hosts --------------------------------------------------------------------------------


def hosts_of(event: SpeeddateEvent) -> list[SpeeddateHost]:
    return list(
        db.session.scalars(
            select(SpeeddateHost)
            .options(joinedload(SpeeddateHost.alumna), joinedload(SpeeddateHost.student))
            .where(SpeeddateHost.event_id == event.id)
            .order_by(SpeeddateHost.dropped_out, SpeeddateHost.table_label, SpeeddateHost.id)
        )
    )


def active_hosts(event: SpeeddateEvent) -> list[SpeeddateHost]:
    return [h for h in hosts_of(event) if not h.dropped_out]


def alumna_candidates(event: SpeeddateEvent) -> list[AlumnaProfile]:
    """Activated alumnae who volunteer for speeddates, allow this school, and are not at a table yet."""
    taken = select(SpeeddateHost.alumna_id).where(SpeeddateHost.event_id == event.id, SpeeddateHost.alumna_id.is_not(None))
    return list(
        db.session.scalars(
            select(AlumnaProfile)
            .join(AlumnaProfile.user)
            .where(
                User.activated.is_(True),
                reachable_by_school(event.school_id),
                cast(AlumnaProfile.activities, String).contains('"speeddate"'),
                AlumnaProfile.user_id.not_in(taken),
            )
            .order_by(User.first_name, User.last_name, User.id)
        )
    )


def lowest_invited_year(event: SpeeddateEvent) -> int | None:
    years = [g.get("year") for g in event.audience or [] if g.get("year")]
    return min(years) if years else None


def student_host_candidates(event: SpeeddateEvent) -> list[StudentProfile]:
    """Active students of the school in year 2 or higher, above the lowest invited year, not registered, not at a table."""
    minimum = max(2, (lowest_invited_year(event) or 1) + 1)
    taken = select(SpeeddateHost.student_id).where(SpeeddateHost.event_id == event.id, SpeeddateHost.student_id.is_not(None))
    registered = select(SpeeddateRegistration.student_id).where(SpeeddateRegistration.event_id == event.id)
    return list(
        db.session.scalars(
            select(StudentProfile)
            .join(StudentProfile.user)
            .options(joinedload(StudentProfile.programme))
            .where(
                StudentProfile.school_id == event.school_id,
                StudentProfile.status == "active",
                StudentProfile.year >= minimum,
                User.activated.is_(True),
                StudentProfile.user_id.not_in(taken),
                StudentProfile.user_id.not_in(registered),
            )
            .order_by(User.first_name, User.last_name, User.id)
        )
    )


def _next_table_label(event: SpeeddateEvent) -> str:
    labels = {h.table_label for h in hosts_of(event)}
    number = 1
    while str(number) in labels:
        number += 1
    return str(number)


def add_host(event: SpeeddateEvent, actor: User, data: dict) -> SpeeddateHost:
    """Add a table. `data`: kind (alumna/student/guest), person_id or guest_name, topic, company, table_label, seats."""
    event = _lock(event)
    if event.status in ("done", "cancelled"):
        raise SpeeddateError(_("Bij een afgeronde of geannuleerde speeddate kun je geen tafels meer toevoegen."))
    kind = data["kind"]
    host = SpeeddateHost(
        event_id=event.id,
        topic=(data.get("topic") or "").strip(),
        company=(data.get("company") or "").strip(),
        table_label=(data.get("table_label") or "").strip() or _next_table_label(event),
        seats_per_round=data.get("seats") or 8,
    )
    if kind == "alumna":
        profile = next((p for p in alumna_candidates(event) if p.user_id == data.get("person_id")), None)
        if profile is None:
            raise SpeeddateError(_("Kies een alumna uit de lijst: zij doet mee aan speeddates en laat jouw school toe."))
        host.alumna_id = profile.user_id
        host.topic = host.topic or profile.job_title or ""
        host.company = host.company or profile.employer or ""
    elif kind == "student":
        profile = next((p for p in student_host_candidates(event) if p.user_id == data.get("person_id")), None)
        if profile is None:
            raise SpeeddateError(_("Kies een ouderejaars studente van je school uit de lijst."))
        host.student_id = profile.user_id
    elif kind == "guest":
        name = " ".join((data.get("guest_name") or "").split())
        if not name:
            raise SpeeddateError(_("Vul de naam van de gast in."))
        host.guest_name = name[:120]
    else:
        raise SpeeddateError(_("Kies wie aan de tafel zit."))
    if any(h.table_label == host.table_label and not h.dropped_out for h in hosts_of(event)):
        raise SpeeddateError(_("Tafel %(table)s is al bezet. Kies een ander tafelnummer.", table=host.table_label))
    db.session.add(host)
    db.session.flush()
    record("speeddate.host_added", school_id=event.school_id, obj=host, event_id=event.id, kind=kind)
    # A new table is free seats for a schedule that exists already.
    _after_change(event, actor, reason="host_added")
    db.session.commit()
    return host


def update_host(host: SpeeddateHost, actor: User, data: dict) -> ChangeResult | None:
    event = _lock(host.event)
    if event.status in ("done", "cancelled"):
        raise SpeeddateError(_("Een afgeronde of geannuleerde speeddate kun je niet meer wijzigen."))
    if host.dropped_out:
        raise SpeeddateError(_("Deze tafel is afgemeld."))
    label = (data.get("table_label") or "").strip() or host.table_label
    if any(h.id != host.id and h.table_label == label and not h.dropped_out for h in hosts_of(event)):
        raise SpeeddateError(_("Tafel %(table)s is al bezet. Kies een ander tafelnummer.", table=label))
    seats_changed = data["seats"] != host.seats_per_round
    host.topic = (data.get("topic") or "").strip()
    host.company = (data.get("company") or "").strip()
    host.table_label = label
    host.seats_per_round = data["seats"]
    record("speeddate.host_updated", school_id=event.school_id, obj=host, event_id=event.id)
    result = _after_change(event, actor, reason="seats") if seats_changed else None
    db.session.commit()
    return result


def remove_host(host: SpeeddateHost, actor: User) -> None:
    """Remove a table that has no meetings yet (before scheduling); later it is 'afmelden'."""
    event = _lock(host.event)
    if db.session.scalar(select(SpeeddateSlot.id).where(SpeeddateSlot.host_id == host.id).limit(1)) is not None:
        raise SpeeddateError(_("Deze tafel staat al in het schema. Meld haar af: het schema wordt dan hersteld."))
    record("speeddate.host_removed", school_id=event.school_id, obj=host, event_id=event.id)
    db.session.delete(host)
    db.session.commit()


def drop_out_host(host: SpeeddateHost, actor: User) -> ChangeResult | None:
    """A host cannot come: her table leaves the schedule and the rounds still to come are repaired."""
    event = _lock(host.event)
    if event.status in ("done", "cancelled"):
        raise SpeeddateError(_("Een afgeronde of geannuleerde speeddate kun je niet meer wijzigen."))
    if host.dropped_out:
        raise SpeeddateError(_("Deze tafel is al afgemeld."))
    host.dropped_out = True
    record("speeddate.host_dropped_out", school_id=event.school_id, obj=host, event_id=event.id)
    result = _after_change(event, actor, reason="host_dropped_out", told_host=host)
    db.session.commit()
    return result


def restore_host(host: SpeeddateHost, actor: User) -> ChangeResult | None:
    """Undo a drop-out: her table is back, and the rounds still to come are repaired.

    Repairing keeps every meeting that still fits, so her table mostly fills free seats and
    students who would rather sit with her; she hears of her new schedule once it is published.
    """
    event = _lock(host.event)
    if event.status in ("done", "cancelled"):
        raise SpeeddateError(_("Een afgeronde of geannuleerde speeddate kun je niet meer wijzigen."))
    if not host.dropped_out:
        raise SpeeddateError(_("Deze tafel doet al mee."))
    if any(h.id != host.id and h.table_label == host.table_label and not h.dropped_out for h in hosts_of(event)):
        raise SpeeddateError(
            _("Tafel %(table)s is intussen door een ander bezet. Geef die tafel eerst een ander nummer.", table=host.table_label)
        )
    host.dropped_out = False
    record("speeddate.host_restored", school_id=event.school_id, obj=host, event_id=event.id)
    result = _after_change(event, actor, reason="host_restored", told_host=host)
    db.session.commit()
    return result


# --- invitations and what students see ----------------------------------------------------


def invite(event: SpeeddateEvent, actor: User, programme_ids: list[int], years: list[int]) -> dict:
    """E-mail the active students of the chosen programmes and years a link to register.

    Groups that were invited before are skipped (no second e-mail); students already
    registered or at a table get none. Returns the counts for the message.
    """
    event = _lock(event)
    if event.status != "open" or not registration_open(event):
        raise SpeeddateError(_("Open eerst de aanmelding; de uitnodiging linkt naar de aanmeldpagina."))
    own = {p.id for p in programmes_of(event.school_id)}
    programme_ids = sorted({p for p in programme_ids if p in own})
    years = sorted({y for y in years if 1 <= y <= 4})
    if not programme_ids or not years:
        raise SpeeddateError(_("Kies minstens één opleiding en één leerjaar."))
    audience = list(event.audience or [])
    done_before = {(g["programme_id"], g["year"]) for g in audience}
    groups = [(p, y) for p in programme_ids for y in years if (p, y) not in done_before]
    skipped = len(programme_ids) * len(years) - len(groups)
    sent = not_activated = 0
    if groups:
        excluded = {r.student_id for r in _registrations(event)} | {h.student_id for h in hosts_of(event) if h.student_id}
        students = db.session.scalars(
            select(StudentProfile)
            .join(StudentProfile.user)
            .where(
                StudentProfile.school_id == event.school_id,
                StudentProfile.status == "active",
                StudentProfile.programme_id.in_(programme_ids),
                StudentProfile.year.in_(years),
            )
            .order_by(StudentProfile.user_id)
        ).all()
        link = absolute_url("speeddates.signup", event_id=event.id)
        counted: dict[tuple[int, int], int] = defaultdict(int)
        for profile in students:
            if (profile.programme_id, profile.year) not in groups or profile.user_id in excluded:
                continue
            if not profile.user.activated:
                not_activated += 1
                continue
            user = profile.user
            queue_email(
                user.email,
                "speeddates_invitation",
                _l("Uitnodiging: %(title)s", title=event.title),
                locale=user.locale,
                user=user,
                event=event,
                kind=kind_label(event.kind),
                ends_at=event_end(event),
                link=link,
            )
            counted[profile.programme_id, profile.year] += 1
            sent += 1
        now = utcnow().isoformat(timespec="minutes")
        audience += [{"programme_id": p, "year": y, "at": now, "count": counted[p, y]} for p, y in groups]
        event.audience = audience
        record("speeddate.invited", school_id=event.school_id, obj=event, groups=[list(g) for g in groups], emails=sent)
    db.session.commit()
    return {"sent": sent, "skipped_groups": skipped, "not_activated": not_activated, "groups": len(groups)}


def audience_labels(event: SpeeddateEvent) -> list[dict]:
    names = {p.id: p.name for p in programmes_of(event.school_id)}
    return [
        {"programme": names.get(g["programme_id"], "?"), "year": g["year"], "count": g.get("count", 0), "at": g.get("at")}
        for g in event.audience or []
    ]


def student_profile(user: User) -> StudentProfile | None:
    if not user.has_role("student"):
        return None
    return db.session.get(StudentProfile, user.id)


def registration_of(event: SpeeddateEvent, student_id: int) -> SpeeddateRegistration | None:
    return db.session.scalar(
        select(SpeeddateRegistration)
        .options(selectinload(SpeeddateRegistration.preferences))
        .where(SpeeddateRegistration.event_id == event.id, SpeeddateRegistration.student_id == student_id)
    )


def _invited(event: SpeeddateEvent, profile: StudentProfile) -> bool:
    return any(g["programme_id"] == profile.programme_id and g["year"] == profile.year for g in event.audience or [])


def may_student_see(event: SpeeddateEvent, profile: StudentProfile | None) -> bool:
    """A student sees an event of her own school once it is open, when her group was invited or she is registered."""
    if profile is None or profile.school_id != event.school_id or event.status not in VISIBLE_TO_STUDENTS + ("cancelled",):
        return False
    registered = registration_of(event, profile.user_id) is not None
    if event.status == "cancelled":
        return registered
    return registered or (profile.status == "active" and _invited(event, profile))


def hosting_of(event: SpeeddateEvent, user: User) -> SpeeddateHost | None:
    """The user's own table at this event, if she hosts one."""
    return db.session.scalar(
        select(SpeeddateHost).where(
            SpeeddateHost.event_id == event.id, or_(SpeeddateHost.alumna_id == user.id, SpeeddateHost.student_id == user.id)
        )
    )


def student_events(profile: StudentProfile) -> list[SpeeddateEvent]:
    """The events a student sees: of her school, open or later, for her group or registered, recent first to come."""
    since = utcnow() - timedelta(days=60)
    registered = select(SpeeddateRegistration.event_id).where(SpeeddateRegistration.student_id == profile.user_id)
    candidates = db.session.scalars(
        select(SpeeddateEvent)
        .where(
            SpeeddateEvent.school_id == profile.school_id,
            SpeeddateEvent.status.in_(VISIBLE_TO_STUDENTS + ("cancelled",)),
            SpeeddateEvent.starts_at >= since,
        )
        .order_by(SpeeddateEvent.starts_at, SpeeddateEvent.id)
        .limit(200)
    ).all()
    mine = set(db.session.scalars(registered))
    return [
        e
        for e in candidates
        if e.id in mine or (e.status != "cancelled" and profile.status == "active" and _invited(e, profile))
    ]


def hosted_tables(user: User) -> list[SpeeddateHost]:
    """Tables the user hosts at events that are not cancelled, newest last."""
    since = utcnow() - timedelta(days=60)
    return list(
        db.session.scalars(
            select(SpeeddateHost)
            .join(SpeeddateEvent, SpeeddateEvent.id == SpeeddateHost.event_id)
            .options(joinedload(SpeeddateHost.event).joinedload(SpeeddateEvent.school))
            .where(
                or_(SpeeddateHost.alumna_id == user.id, SpeeddateHost.student_id == user.id),
                SpeeddateEvent.status != "cancelled",
                SpeeddateEvent.starts_at >= since,
            )
            .order_by(SpeeddateEvent.starts_at, SpeeddateHost.id)
        )
    )


# --- registration and ranking -------------------------------------------------------------


def max_ranked(event: SpeeddateEvent) -> int:
    return min(MAX_RANKED, len(active_hosts(event)))


def register(event: SpeeddateEvent, profile: StudentProfile) -> SpeeddateRegistration:
    event = _lock(event)
    if not registration_open(event):
        raise SpeeddateError(_("De aanmelding is gesloten."))
    if not may_student_see(event, profile):
        raise SpeeddateError(_("Deze speeddate is niet voor jouw opleiding of leerjaar."))
    if hosting_of(event, profile.user) is not None:
        raise SpeeddateError(_("Je zit zelf aan een tafel bij deze speeddate."))
    existing = registration_of(event, profile.user_id)
    if existing is not None:
        return existing
    registration = SpeeddateRegistration(event_id=event.id, student_id=profile.user_id)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = registration_of(event, profile.user_id)
        if existing is None:
            raise
        return existing
    record("speeddate.registered", subject_user_id=profile.user_id, school_id=event.school_id, obj=event)
    db.session.commit()
    return registration


def unregister(event: SpeeddateEvent, profile: StudentProfile) -> None:
    event = _lock(event)
    if not registration_open(event):
        raise SpeeddateError(_("De aanmelding is gesloten. Afmelden kan nu alleen via je coördinator."))
    registration = registration_of(event, profile.user_id)
    if registration is None:
        return
    db.session.delete(registration)
    record("speeddate.unregistered", subject_user_id=profile.user_id, school_id=event.school_id, obj=event)
    db.session.commit()


def ranking(registration: SpeeddateRegistration | None) -> list[int]:
    """The host ids she ranked, best first."""
    if registration is None:
        return []
    return [p.host_id for p in sorted(registration.preferences, key=lambda p: p.rank)]


def _write_ranking(registration: SpeeddateRegistration, host_ids: list[int]) -> None:
    """Replace the ranking: delete first (ranks are unique per registration), then insert 1..n."""
    registration.preferences.clear()
    db.session.flush()
    for rank, host_id in enumerate(host_ids, start=1):
        registration.preferences.append(SpeeddatePreference(host_id=host_id, rank=rank))
    registration.updated_at = utcnow()
    db.session.flush()


def _editable_registration(event: SpeeddateEvent, profile: StudentProfile) -> tuple[SpeeddateEvent, SpeeddateRegistration]:
    event = _lock(event)
    if not registration_open(event):
        if event.status == "open":
            raise SpeeddateError(_("De aanmelddeadline is voorbij: je keuzes staan vast."))
        raise SpeeddateError(_("De aanmelding is gesloten: je keuzes staan vast."))
    registration = registration_of(event, profile.user_id)
    if registration is None:
        raise SpeeddateError(_("Meld je eerst aan."))
    return event, registration


def set_ranking(event: SpeeddateEvent, profile: StudentProfile, choices: dict[int, int | None]) -> list[int]:
    """Save the ranking from the form with a select per host: {host_id: rank or None}.

    Ranks must be unique, hosts of this event and present, at most `max_ranked`. Gaps are
    closed (first and third become first and second).
    """
    event, registration = _editable_registration(event, profile)
    present = {h.id for h in active_hosts(event)}
    limit = max_ranked(event)
    chosen = {h: r for h, r in choices.items() if r}
    unknown = [h for h in chosen if h not in present]
    if unknown:
        raise SpeeddateError(_("Je kunt alleen tafels van deze speeddate kiezen."))
    if any(not 1 <= r <= limit for r in chosen.values()):
        raise SpeeddateError(_("Kies hoogstens %(n)s tafels.", n=limit))
    ranks = list(chosen.values())
    if len(set(ranks)) != len(ranks):
        raise SpeeddateError(_("Je gaf twee tafels dezelfde keus. Geef elke keus één tafel."))
    order = [h for h, _r in sorted(chosen.items(), key=lambda item: item[1])]
    _write_ranking(registration, order)
    db.session.commit()
    return order


def step_ranking(event: SpeeddateEvent, profile: StudentProfile, host_id: int, action: str) -> list[int]:
    """One step of the list: 'kiezen' adds a host at the end, 'omhoog'/'omlaag' move her, 'weg' removes her."""
    event, registration = _editable_registration(event, profile)
    present = {h.id for h in active_hosts(event)}
    order = [h for h in ranking(registration) if h in present]
    if host_id not in present:
        raise SpeeddateError(_("Je kunt alleen tafels van deze speeddate kiezen."))
    if action == "kiezen":
        if host_id not in order:
            if len(order) >= max_ranked(event):
                raise SpeeddateError(_("Je hebt al %(n)s tafels gekozen. Haal er eerst een weg.", n=len(order)))
            order.append(host_id)
    elif host_id not in order:
        raise SpeeddateError(_("Deze tafel staat niet in jouw keuzes."))
    elif action == "weg":
        order.remove(host_id)
    elif action in ("omhoog", "omlaag"):
        index = order.index(host_id)
        other = index - 1 if action == "omhoog" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
    else:
        raise SpeeddateError(_("Onbekende actie."))
    _write_ranking(registration, order)
    db.session.commit()
    return order


def registrations_view(event: SpeeddateEvent) -> list[dict]:
    """Registered students with profile, ranking and consent note, by name (for the coordinator)."""
    registrations = _registrations(event)
    profiles = _profiles(r.student_id for r in registrations)
    outside = any(is_outside(h) for h in active_hosts(event))
    rows = []
    for registration in registrations:
        profile = profiles.get(registration.student_id)
        rows.append(
            {
                "registration": registration,
                "user": registration.student,
                "profile": profile,
                "ranking": ranking(registration),
                "consent_blocked": outside and _needs_consent(profile),
            }
        )
    rows.sort(key=lambda row: (row["user"].first_name.lower(), row["user"].last_name.lower(), row["user"].id))
    return rows


def student_search(event: SpeeddateEvent, term: str, limit: int = 20) -> list[StudentProfile]:
    """Active students of the school, not registered and not hosting, matching a name, e-mail or number."""
    term = (term or "").strip().lower()[:100]
    if not term:
        return []
    registered = select(SpeeddateRegistration.student_id).where(SpeeddateRegistration.event_id == event.id)
    hosting = select(SpeeddateHost.student_id).where(SpeeddateHost.event_id == event.id, SpeeddateHost.student_id.is_not(None))
    like = [func.lower(c).contains(term, autoescape=True) for c in (User.first_name, User.last_name, User.email, StudentProfile.student_number)]
    return list(
        db.session.scalars(
            select(StudentProfile)
            .join(StudentProfile.user)
            .options(joinedload(StudentProfile.programme))
            .where(
                StudentProfile.school_id == event.school_id,
                StudentProfile.status == "active",
                StudentProfile.user_id.not_in(registered),
                StudentProfile.user_id.not_in(hosting),
                or_(*like),
            )
            .order_by(User.first_name, User.last_name, User.id)
            .limit(limit)
        )
    )


def add_registration(event: SpeeddateEvent, actor: User, student_id: int) -> ChangeResult | None:
    """The coordinator adds a student, also after the deadline; with a schedule, she gets the free seats."""
    event = _lock(event)
    if event.status in ("draft", "done", "cancelled"):
        raise SpeeddateError(_("Studentes toevoegen kan als de aanmelding open is of daarna, tot de speeddate is afgerond."))
    profile = db.session.get(StudentProfile, student_id)
    if profile is None or profile.school_id != event.school_id or profile.status != "active":
        raise SpeeddateError(_("Kies een studente van je eigen school."))
    if hosting_of(event, profile.user) is not None:
        raise SpeeddateError(_("%(name)s zit zelf aan een tafel bij deze speeddate.", name=profile.user.full_name))
    if registration_of(event, student_id) is not None:
        raise SpeeddateError(_("%(name)s is al aangemeld.", name=profile.user.full_name))
    db.session.add(SpeeddateRegistration(event_id=event.id, student_id=student_id))
    db.session.flush()
    record("speeddate.registration_added", subject_user_id=student_id, school_id=event.school_id, obj=event)
    result = _after_change(event, actor, reason="student_added")
    db.session.commit()
    return result


def remove_registration(event: SpeeddateEvent, actor: User, registration_id: int) -> ChangeResult | None:
    """The coordinator takes a student off (she cannot come); the rounds still to come are repaired."""
    event = _lock(event)
    if event.status in ("done", "cancelled"):
        raise SpeeddateError(_("Een afgeronde of geannuleerde speeddate kun je niet meer wijzigen."))
    registration = db.session.get(SpeeddateRegistration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise SpeeddateError(_("Deze aanmelding bestaat niet (meer)."))
    student = registration.student
    if event.held_rounds:
        raise SpeeddateError(_("De speeddate is begonnen: markeer %(name)s als afwezig in plaats van haar af te melden.", name=student.first_name))
    old = _State.load(event).meetings()
    had = [m.round for m in old if m.student_id == student.id]
    for slot in _slots(event):
        if slot.student_id == student.id:
            db.session.delete(slot)
    db.session.delete(registration)
    db.session.flush()
    record("speeddate.registration_removed", subject_user_id=student.id, school_id=event.school_id, obj=event)
    result = _after_change(event, actor, reason="student_removed", old=old)
    if event.status == "published" and had:
        _mail_cancelled(event, student, had, ("s", student.id), reason="removed")
        if result is not None:
            result.emails += 1
    db.session.commit()
    return result


# --- the schedule: DB rows <-> the scheduler's dataclasses ---------------------------------


def _registrations(event: SpeeddateEvent) -> list[SpeeddateRegistration]:
    return list(
        db.session.scalars(
            select(SpeeddateRegistration)
            .options(selectinload(SpeeddateRegistration.preferences), joinedload(SpeeddateRegistration.student))
            .where(SpeeddateRegistration.event_id == event.id)
            .order_by(SpeeddateRegistration.id)
        )
    )


def _slots(event: SpeeddateEvent) -> list[SpeeddateSlot]:
    return list(
        db.session.scalars(
            select(SpeeddateSlot).where(SpeeddateSlot.event_id == event.id).order_by(SpeeddateSlot.round, SpeeddateSlot.host_id, SpeeddateSlot.student_id)
        )
    )


def _profiles(user_ids) -> dict[int, StudentProfile]:
    ids = list(user_ids)
    if not ids:
        return {}
    return {
        p.user_id: p
        for p in db.session.scalars(select(StudentProfile).options(joinedload(StudentProfile.programme)).where(StudentProfile.user_id.in_(ids)))
    }


@dataclass
class _State:
    """One event's rows, mapped to what the scheduler takes."""

    event: SpeeddateEvent
    hosts: list[SpeeddateHost]
    registrations: list[SpeeddateRegistration]
    slots: list[SpeeddateSlot]
    profiles: dict[int, StudentProfile]
    blocked: set[int]

    @classmethod
    def load(cls, event: SpeeddateEvent) -> _State:
        hosts = hosts_of(event)
        registrations = _registrations(event)
        profiles = _profiles(r.student_id for r in registrations)
        outside = any(is_outside(h) for h in hosts if not h.dropped_out)
        blocked = {r.student_id for r in registrations if outside and _needs_consent(profiles.get(r.student_id))}
        return cls(event, hosts, registrations, _slots(event), profiles, blocked)

    @property
    def frozen(self) -> frozenset[int]:
        return frozenset(range(1, self.event.held_rounds + 1))

    @property
    def host_by_id(self) -> dict[int, SpeeddateHost]:
        return {h.id: h for h in self.hosts}

    @property
    def present_hosts(self) -> list[SpeeddateHost]:
        return [h for h in self.hosts if not h.dropped_out]

    @property
    def present_students(self) -> list[SpeeddateRegistration]:
        return [r for r in self.registrations if not r.no_show]

    def meetings(self) -> list[Meeting]:
        return [Meeting(s.student_id, s.host_id, s.round) for s in self.slots]

    def pins(self) -> list[Meeting]:
        """Pinned meetings that can still hold: not in a held round, host present, student present."""
        hosts = {h.id: h for h in self.present_hosts}
        students = {r.student_id for r in self.present_students}
        pins = []
        for slot in self.slots:
            host = hosts.get(slot.host_id)
            if not slot.pinned or slot.round in self.frozen or host is None or slot.student_id not in students:
                continue
            if slot.student_id in self.blocked and is_outside(host):
                continue
            pins.append(Meeting(slot.student_id, slot.host_id, slot.round))
        return pins

    def student_prefs(self, extra_round: tuple[int, int] | None = None) -> list[StudentPrefs]:
        """Every present student with her ranking; a consent-blocked one only in her pinned rounds."""
        pinned_rounds: dict[int, set[int]] = defaultdict(set)
        for pin in self.pins():
            pinned_rounds[pin.student_id].add(pin.round)
        if extra_round is not None:
            pinned_rounds[extra_round[0]].add(extra_round[1])
        prefs = []
        for registration in self.present_students:
            sid = registration.student_id
            available = frozenset(pinned_rounds[sid]) if sid in self.blocked else None
            prefs.append(StudentPrefs(sid, tuple(ranking(registration)), available))
        return prefs

    def host_prefs(self) -> list[Host]:
        return [Host(h.id, h.seats_per_round) for h in self.present_hosts]


@dataclass
class ChangeResult:
    """What a repair did: meetings before and after, the people whose schedule changed, e-mails queued."""

    kept: int
    before: int
    after: int
    changed: set[tuple[str, int]] = field(default_factory=set)
    emails: int = 0


def _figures(result, state: _State, kind: str, previous: int = 0, changed: int = 0) -> dict:
    return {
        "kind": kind,
        "at": utcnow().isoformat(timespec="seconds"),
        "students": len(result.satisfaction),
        "conversations": result.conversations,
        "conversation_bound": result.conversation_bound,
        "total_weight": result.total_weight,
        "weight_bound": result.weight_bound,
        "proven_optimal": bool(result.proven_optimal),
        "fairness_applied": bool(result.fairness_applied),
        "kept": result.kept,
        "previous": previous,
        "changed_people": changed,
        "left_out": sorted(state.blocked),
    }


def _store(event: SpeeddateEvent, state: _State, meetings, pinned: set[Meeting] = frozenset()) -> None:
    """Make the slots equal to `meetings`: keep rows that stay (with their pin), delete the rest, add the new ones."""
    wanted = {(m.round, m.host_id, m.student_id) for m in meetings}
    existing = {(s.round, s.host_id, s.student_id): s for s in state.slots}
    for key, slot in existing.items():
        if key not in wanted:
            db.session.delete(slot)
    db.session.flush()  # deletes first: the unique (round, student) and (host, student) keys may come back
    for key in sorted(wanted - existing.keys()):
        round_, host_id, student_id = key
        db.session.add(
            SpeeddateSlot(
                event_id=event.id, round=round_, host_id=host_id, student_id=student_id, pinned=Meeting(student_id, host_id, round_) in pinned
            )
        )
    db.session.flush()


def generate(event: SpeeddateEvent, actor: User) -> dict:
    """Compute a fresh schedule (pins kept) after the deadline; not after publishing (that is a repair)."""
    event = _lock(event)
    if event.status not in ("open", "closed", "scheduled"):
        raise SpeeddateError(_("Een schema maken kan na de aanmelding en vóór het publiceren."))
    if event.status == "open" and registration_open(event):
        raise SpeeddateError(_("De aanmelding loopt nog. Sluit de aanmelding eerst, of wacht tot de deadline."))
    state = _State.load(event)
    if not state.present_hosts:
        raise SpeeddateError(_("Er zijn geen tafels. Voeg eerst tafels toe."))
    if not state.present_students:
        raise SpeeddateError(_("Er is nog niemand aangemeld."))
    try:
        result = schedule(state.student_prefs(), state.host_prefs(), event.rounds, pinned=state.pins())
    except ScheduleError as error:
        raise SpeeddateError(_("De vastgezette gesprekken passen niet samen (%(detail)s). Maak er een los en probeer het opnieuw.", detail=str(error))) from error
    _store(event, state, result.meetings)
    event.status = "scheduled"
    event.figures = _figures(result, state, "generate")
    record("speeddate.scheduled", school_id=event.school_id, obj=event, conversations=result.conversations)
    db.session.commit()
    return event.figures


def _after_change(
    event: SpeeddateEvent,
    actor: User,
    reason: str,
    told_host: SpeeddateHost | None = None,
    old: list[Meeting] | None = None,
) -> ChangeResult | None:
    """Repair the schedule after a change, if one exists; after publishing, e-mail the people it changed.

    Runs in the caller's transaction (the caller commits). `old` is the schedule the people
    last heard of, when the caller already removed meetings itself.
    """
    if event.status not in SCHEDULED:
        return None
    db.session.flush()
    state = _State.load(event)
    previous = state.meetings()
    heard = old if old is not None else previous
    try:
        result = repair(
            previous, state.student_prefs(), state.host_prefs(), event.rounds, frozen_rounds=state.frozen, pinned=state.pins()
        )
    except ScheduleError as error:
        raise SpeeddateError(
            _("Dit past niet in het schema: de vastgezette gesprekken passen niet meer (%(detail)s). Maak er een los.", detail=str(error))
        ) from error
    _store(event, state, result.meetings)
    changed = changed_people(heard, result.meetings)
    if told_host is not None:  # she dropped out or came back: she hears of it even without a changed meeting
        changed.add(("host", told_host.id))
    outcome = ChangeResult(kept=result.kept, before=len(previous), after=result.conversations, changed=changed)
    event.figures = {**_figures(result, state, "repair", previous=len(previous), changed=len(changed)), "reason": reason}
    if event.status == "published" and changed:
        event.schedule_version += 1
        outcome.emails = _mail_schedules(event, changed, heard, list(result.meetings), kind="changed")
    record(
        "speeddate.repaired", school_id=event.school_id, obj=event, reason=reason, kept=result.kept, changed_people=len(changed), emails=outcome.emails
    )
    return outcome


def repair_now(event: SpeeddateEvent, actor: User) -> ChangeResult:
    """Repair on request (after a change that did not trigger it, such as a consent given later)."""
    event = _lock(event)
    if event.status not in SCHEDULED:
        raise SpeeddateError(_("Er is nog geen schema om te herstellen."))
    result = _after_change(event, actor, reason="manual")
    db.session.commit()
    return result


def move_meeting(event: SpeeddateEvent, actor: User, student_id: int, round_: int, host_id: int) -> ChangeResult:
    """Seat a student at another table in one round, by hand. Refused with a clear message when it clashes.

    The moved meeting is pinned: a new schedule or a repair keeps it.
    """
    event = _lock(event)
    if event.status not in SCHEDULED:
        raise SpeeddateError(_("Er is nog geen schema."))
    state = _State.load(event)
    if not 1 <= round_ <= event.rounds:
        raise SpeeddateError(_("Kies een ronde van 1 tot %(n)s.", n=event.rounds))
    if round_ in state.frozen:
        raise SpeeddateError(_("Ronde %(round)s is al begonnen; die verandert niet meer.", round=round_))
    registration = next((r for r in state.registrations if r.student_id == student_id), None)
    if registration is None:
        raise SpeeddateError(_("Deze studente is niet aangemeld."))
    name = registration.student.first_name
    if registration.no_show:
        raise SpeeddateError(_("%(name)s is afwezig gemeld.", name=name))
    host = next((h for h in state.present_hosts if h.id == host_id), None)
    if host is None:
        raise SpeeddateError(_("Kies een tafel die meedoet."))
    if student_id in state.blocked and is_outside(host):
        raise SpeeddateError(
            _("%(name)s is jonger dan 16 en heeft nog geen toestemming van een ouder: zij kan niet aan tafel bij iemand van buiten de school.", name=name)
        )
    old = state.meetings()
    current = [m for m in old if m.student_id == student_id and m.round == round_]
    new = Meeting(student_id, host.id, round_)
    if current == [new]:
        raise SpeeddateError(_("%(name)s zit in ronde %(round)s al aan tafel %(table)s.", name=name, round=round_, table=table_of(host)))
    elsewhere = next((m for m in old if m.student_id == student_id and m.host_id == host.id), None)
    if elsewhere is not None:
        raise SpeeddateError(
            _("%(name)s spreekt %(host)s al in ronde %(other)s. Niemand zit twee keer aan dezelfde tafel.", name=name, host=host_name(host), other=elsewhere.round)
        )
    meetings = [m for m in old if m not in current] + [new]
    taken = sum(1 for m in meetings if m.host_id == host.id and m.round == round_)
    if taken > host.seats_per_round:
        raise SpeeddateError(
            _("Tafel %(table)s zit in ronde %(round)s al vol (%(seats)s plaatsen).", table=table_of(host), round=round_, seats=host.seats_per_round)
        )
    pins = [p for p in state.pins() if p not in current] + [new]
    students, hosts = state.student_prefs(extra_round=(student_id, round_)), state.host_prefs()
    before = set(validate(old, students, hosts, event.rounds, frozen_rounds=state.frozen))
    problems = [p for p in validate(meetings, students, hosts, event.rounds, pinned=pins, frozen_rounds=state.frozen) if p not in before]
    if problems:
        raise SpeeddateError(_("Deze verplaatsing botst met het schema: %(problem)s", problem=problems[0]))
    for slot in state.slots:
        if slot.student_id == student_id and slot.round == round_:
            db.session.delete(slot)
    db.session.flush()
    db.session.add(SpeeddateSlot(event_id=event.id, round=round_, host_id=host.id, student_id=student_id, pinned=True))
    db.session.flush()
    changed = changed_people(old, meetings)
    outcome = ChangeResult(kept=len(old) - len(current), before=len(old), after=len(meetings), changed=changed)
    if event.status == "published":
        event.schedule_version += 1
        outcome.emails = _mail_schedules(event, changed, old, meetings, kind="changed")
    record(
        "speeddate.moved", subject_user_id=student_id, school_id=event.school_id, obj=event, round=round_, host_id=host.id, emails=outcome.emails
    )
    db.session.commit()
    return outcome


def unpin(event: SpeeddateEvent, actor: User, slot_id: int) -> None:
    event = _lock(event)
    slot = db.session.get(SpeeddateSlot, slot_id)
    if slot is None or slot.event_id != event.id:
        raise SpeeddateError(_("Dit gesprek bestaat niet (meer)."))
    slot.pinned = False
    record("speeddate.unpinned", subject_user_id=slot.student_id, school_id=event.school_id, obj=event, round=slot.round)
    db.session.commit()


def publish(event: SpeeddateEvent, actor: User) -> int:
    """Publish: every present student and every host with an account gets her schedule. Returns e-mails queued."""
    event = _lock(event)
    if event.status != "scheduled":
        raise SpeeddateError(_("Alleen een schema dat klaar is en nog niet gepubliceerd kun je publiceren."))
    state = _State.load(event)
    event.status = "published"
    event.published_at = utcnow()
    event.schedule_version += 1
    people = {("student", r.student_id) for r in state.present_students} | {("host", h.id) for h in state.present_hosts}
    queued = _mail_schedules(event, people, [], state.meetings(), kind="new")
    record("speeddate.published", school_id=event.school_id, obj=event, emails=queued)
    db.session.commit()
    return queued


# --- on the day ---------------------------------------------------------------------------


def start_round(event: SpeeddateEvent, actor: User, number: int) -> None:
    """'Round N has started': rounds 1..N are history now; repairs leave them alone."""
    event = _lock(event)
    if event.status != "published":
        raise SpeeddateError(_("Rondes starten kan als het schema gepubliceerd is."))
    if number != event.held_rounds + 1 or number > event.rounds:
        raise SpeeddateError(_("Ronde %(n)s is al gestart.", n=number) if number <= event.held_rounds else _("Start de rondes op volgorde."))
    event.held_rounds = number
    record("speeddate.round_started", school_id=event.school_id, obj=event, round=number)
    db.session.commit()


def set_no_show(event: SpeeddateEvent, actor: User, registration_id: int, no_show: bool) -> ChangeResult | None:
    """Mark a student absent (or present again); the rounds not yet started are repaired."""
    event = _lock(event)
    if event.status not in SCHEDULED:
        raise SpeeddateError(_("Afwezigheid bijhouden kan als er een schema is."))
    registration = db.session.get(SpeeddateRegistration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise SpeeddateError(_("Deze aanmelding bestaat niet (meer)."))
    if registration.no_show == no_show:
        return None
    registration.no_show = no_show
    record("speeddate.no_show" if no_show else "speeddate.present", subject_user_id=registration.student_id, school_id=event.school_id, obj=event)
    result = _after_change(event, actor, reason="no_show" if no_show else "present")
    db.session.commit()
    return result


# --- review, print, personal schedules ----------------------------------------------------


@dataclass
class StudentRow:
    registration: SpeeddateRegistration
    user: User
    profile: StudentProfile | None
    by_round: dict[int, SpeeddateSlot]
    ranking: list[int]
    conversations: int
    ranked_met: int
    top_met: int
    top_size: int
    first_met: bool
    blocked: bool

    @property
    def no_show(self) -> bool:
        return self.registration.no_show


@dataclass
class Review:
    event: SpeeddateEvent
    hosts: list[SpeeddateHost]
    grid: dict[tuple[int, int], list[SpeeddateSlot]]
    students: list[StudentRow]
    names: dict[int, str]
    frozen: frozenset[int]
    host_by_id: dict[int, SpeeddateHost] = field(default_factory=dict)
    #: What a host may see of each student: first name, programme, year (for table lists).
    table_names: dict[int, str] = field(default_factory=dict)

    @property
    def rounds(self) -> list[int]:
        return list(range(1, self.event.rounds + 1))

    @property
    def conversations(self) -> int:
        return sum(len(v) for v in self.grid.values())

    @property
    def scheduled(self) -> list[StudentRow]:
        return [s for s in self.students if not s.no_show and not s.blocked]

    @property
    def summary(self) -> dict:
        rows = [s for s in self.students if not s.no_show]
        with_top = [s for s in rows if s.top_size]
        return {
            "students": len(rows),
            "conversations": self.conversations,
            "full": sum(1 for s in rows if s.conversations >= self.event.rounds),
            "none": sum(1 for s in rows if s.conversations == 0),
            "first_met": sum(1 for s in with_top if s.first_met),
            "all_top": sum(1 for s in with_top if s.top_met == s.top_size),
            "some_top": sum(1 for s in with_top if s.top_met >= 1),
            "ranked": len(with_top),
            "seats": sum(h.seats_per_round for h in self.hosts if not h.dropped_out) * self.event.rounds,
            "blocked": sum(1 for s in rows if s.blocked),
        }

    def host_rounds(self, host: SpeeddateHost) -> list[tuple[int, list[SpeeddateSlot]]]:
        return [(r, self.grid.get((host.id, r), [])) for r in self.rounds]


def review(event: SpeeddateEvent) -> Review:
    """Everything the coordinator's grid, print view and day page show, from the stored slots."""
    state = _State.load(event)
    present = {h.id for h in state.present_hosts}
    grid: dict[tuple[int, int], list[SpeeddateSlot]] = defaultdict(list)
    by_student: dict[int, dict[int, SpeeddateSlot]] = defaultdict(dict)
    for slot in state.slots:
        grid[slot.host_id, slot.round].append(slot)
        by_student[slot.student_id][slot.round] = slot
    names = {r.student_id: r.student.full_name for r in state.registrations}
    for slots in grid.values():
        slots.sort(key=lambda s: names.get(s.student_id, "").lower())
    rows = []
    for registration in state.registrations:
        sid = registration.student_id
        order = [h for h in ranking(registration) if h in present]
        met = {slot.host_id for slot in by_student[sid].values()}
        top = set(order[:TOP_K])
        rows.append(
            StudentRow(
                registration=registration,
                user=registration.student,
                profile=state.profiles.get(sid),
                by_round=by_student[sid],
                ranking=order,
                conversations=len(by_student[sid]),
                ranked_met=len(met & set(order)),
                top_met=len(met & top),
                top_size=len(top),
                first_met=bool(order) and order[0] in met,
                blocked=sid in state.blocked,
            )
        )
    rows.sort(key=lambda row: (row.user.first_name.lower(), row.user.last_name.lower(), row.user.id))
    hosts = [h for h in state.hosts if not h.dropped_out or any(k[0] == h.id for k in grid)]
    table_names = {r.student_id: _student_label(state.profiles.get(r.student_id), r.student) for r in state.registrations}
    return Review(event, hosts, dict(grid), rows, names, state.frozen, state.host_by_id, table_names)


@dataclass(frozen=True)
class Line:
    """One round of a personal schedule."""

    round: int
    starts_at: datetime
    ends_at: datetime
    table: str
    who: str
    about: str = ""


def student_lines(event: SpeeddateEvent, student_id: int) -> list[Line]:
    hosts = {h.id: h for h in hosts_of(event)}
    return [
        Line(s.round, round_start(event, s.round), round_end(event, s.round), table_of(hosts[s.host_id]), host_name(hosts[s.host_id]), host_about(hosts[s.host_id]))
        for s in _slots(event)
        if s.student_id == student_id
    ]


def host_lines(event: SpeeddateEvent, host: SpeeddateHost, meetings: list[Meeting] | None = None) -> list[Line]:
    """Every round of a host, with the students at her table (first name, programme, year)."""
    meetings = meetings if meetings is not None else [Meeting(s.student_id, s.host_id, s.round) for s in _slots(event)]
    mine = [m for m in meetings if m.host_id == host.id]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([m.student_id for m in mine])))} if mine else {}
    profiles = _profiles(users)
    lines = []
    for number in range(1, event.rounds + 1):
        names = sorted(_student_label(profiles.get(m.student_id), users[m.student_id]) for m in mine if m.round == number and m.student_id in users)
        lines.append(Line(number, round_start(event, number), round_end(event, number), table_of(host), ", ".join(names)))
    return lines


def current_round(event: SpeeddateEvent, now: datetime | None = None) -> int | None:
    """The round going on by the clock (None before the first and after the last)."""
    now = now or utcnow()
    for number in range(1, event.rounds + 1):
        if round_start(event, number) <= now < round_end(event, number) + timedelta(minutes=event.break_minutes):
            return number
    return None


# --- e-mail -------------------------------------------------------------------------------


def _uid(event: SpeeddateEvent, round_: int, who: tuple[str, int]) -> str:
    """Stable per event, round and person: an update replaces the calendar entry it sent before."""
    return f"speeddate-{event.id}-r{round_}-{who[0]}{who[1]}@kring"


def _calendar(event: SpeeddateEvent, user: User, who: tuple[str, int], lines: list[Line], cancelled_rounds) -> str | None:
    link = absolute_url("speeddates.signup" if who[0] == "s" else "speeddates.my_table", event_id=event.id)
    items = []
    with force_locale(user.locale):
        for line in lines:
            summary = _("Speeddate ronde %(round)s: %(who)s", round=line.round, who=line.who) if who[0] == "s" else _(
                "Speeddate ronde %(round)s: jouw tafel", round=line.round
            )
            items.append(
                CalendarEvent(
                    uid=_uid(event, line.round, who),
                    sequence=event.schedule_version,
                    starts_at=line.starts_at,
                    ends_at=line.ends_at,
                    summary=summary,
                    description=line.about if who[0] == "s" else line.who,
                    location=", ".join(p for p in (event.place, _("tafel %(table)s", table=line.table)) if p),
                    url=link,
                )
            )
        for number in sorted(set(cancelled_rounds)):
            items.append(
                CalendarEvent(
                    uid=_uid(event, number, who),
                    sequence=event.schedule_version,
                    starts_at=round_start(event, number),
                    ends_at=round_end(event, number),
                    summary=_("Speeddate ronde %(round)s (vervalt)", round=number),
                    location=event.place,
                    url=link,
                    cancelled=True,
                )
            )
    items.sort(key=lambda item: item.starts_at)
    return calendar_file(*items, attendee_email=user.email) if items else None


def _mail_schedules(event: SpeeddateEvent, people, old: list[Meeting], new: list[Meeting], kind: str) -> int:
    """Queue each person's schedule ('new' at publishing, 'changed' after a change). Returns the count."""
    hosts = {h.id: h for h in hosts_of(event)}
    registrations = {r.student_id: r for r in _registrations(event)}
    blocked = _State.load(event).blocked
    queued = 0
    for role, ident in sorted(people):
        if role == "student":
            registration = registrations.get(ident)
            if registration is None or registration.no_show:
                continue
            user = registration.student
            mine = sorted((m for m in new if m.student_id == ident), key=lambda m: m.round)
            lines = [
                Line(m.round, round_start(event, m.round), round_end(event, m.round), table_of(hosts[m.host_id]), host_name(hosts[m.host_id]), host_about(hosts[m.host_id]))
                for m in mine
            ]
            gone = {m.round for m in old if m.student_id == ident} - {m.round for m in mine}
            who = ("s", ident)
            note = "consent" if ident in blocked and not lines else None
            link = absolute_url("speeddates.signup", event_id=event.id)
        else:
            host = hosts.get(ident)
            user = host_user(host) if host is not None else None
            if user is None:
                continue
            who = ("h", ident)
            link = absolute_url("speeddates.my_table", event_id=event.id)
            if host.dropped_out:
                queued += _mail_cancelled(event, user, range(1, event.rounds + 1), who, reason="dropped_out")
                continue
            lines = host_lines(event, host, new)
            gone, note = set(), None
        queue_email(
            user.email,
            "speeddates_schedule",
            _l("Jouw speeddateschema: %(title)s", title=event.title) if kind == "new" else _l("Gewijzigd: jouw speeddateschema voor %(title)s", title=event.title),
            locale=user.locale,
            ics=_calendar(event, user, who, lines, gone),
            user=user,
            event=event,
            kind=kind,
            role=role,
            lines=lines,
            note=note,
            ends_at=event_end(event),
            link=link,
        )
        queued += 1
    return queued


def _mail_cancelled(event: SpeeddateEvent, user: User, rounds, who: tuple[str, int], reason: str) -> int:
    """Tell someone she is no longer in the schedule (or the event is off); the calendar file removes her rounds."""
    if user is None or not user.activated:
        return 0
    rounds = sorted(set(rounds))
    ics = _calendar(event, user, who, [], rounds) if rounds else None
    queue_email(
        user.email,
        "speeddates_cancelled",
        _l("Gaat niet door: %(title)s", title=event.title) if reason == "event" else _l("Afgemeld: %(title)s", title=event.title),
        locale=user.locale,
        ics=ics,
        user=user,
        event=event,
        reason=reason,
        has_calendar=ics is not None,
    )
    return 1


# --- start page ---------------------------------------------------------------------------


@dataclass
class StartSummary:
    coordinator: list = field(default_factory=list)
    student_open: list = field(default_factory=list)
    student_upcoming: list = field(default_factory=list)
    hosting: list = field(default_factory=list)


def next_step(event: SpeeddateEvent, now: datetime | None = None) -> str:
    """What the coordinator should do next, as a short instruction."""
    now = now or utcnow()
    if event.status == "draft":
        return _("voeg tafels toe en open de aanmelding")
    if event.status == "open":
        return _("nodig studentes uit") if not event.audience else (_("maak het schema") if not registration_open(event, now) else _("aanmelding loopt"))
    if event.status == "closed":
        return _("maak het schema")
    if event.status == "scheduled":
        return _("bekijk en publiceer het schema")
    if event.status == "published":
        return _("houd de rondes en afwezigen bij") if event.starts_at <= now + timedelta(hours=12) else ""
    return ""


def start_summary(role: str) -> StartSummary:
    """What the start page shows first, for the logged-in person in one role."""
    from flask_login import current_user

    from webapp.people.models import CoordinatorProfile

    summary = StartSummary()
    now = utcnow()
    if role == "coordinator":
        profile = db.session.get(CoordinatorProfile, current_user.id)
        if profile is not None:
            summary.coordinator = list(
                db.session.scalars(
                    select(SpeeddateEvent)
                    .where(
                        SpeeddateEvent.school_id == profile.school_id,
                        SpeeddateEvent.status.in_(ACTIVE),
                        SpeeddateEvent.starts_at >= now - timedelta(days=1),
                    )
                    .order_by(SpeeddateEvent.starts_at)
                    .limit(5)
                )
            )
    elif role == "student":
        profile = student_profile(current_user)
        if profile is not None:
            registered = set(db.session.scalars(select(SpeeddateRegistration.event_id).where(SpeeddateRegistration.student_id == current_user.id)))
            for event in student_events(profile):
                if event.starts_at < now - timedelta(hours=6) or event.status == "cancelled":
                    continue
                if event.id in registered:
                    summary.student_upcoming.append(event)
                elif registration_open(event, now):
                    summary.student_open.append(event)
    elif role == "host":
        summary.hosting = [h for h in hosted_tables(current_user) if h.event.starts_at >= now - timedelta(hours=6) and not h.dropped_out][:5]
    return summary
