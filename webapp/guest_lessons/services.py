"""Guest lessons, open days and other one-off activities: the queries and writes.

One flow for every kind: a coordinator posts a request with 1 to 3 date options; the
alumnae who fit are suggested (hard filters in the query, order and reasons in ranking.py)
and invited; alumnae offer from their board; the coordinator confirms one offer and the
others are thanked and released; both sides get e-mail with a calendar file on
confirmation, change and cancellation, and a reminder two days before; afterwards the
coordinator marks it done and hands out anonymous single-use feedback links.

Who may see what
    A coordinator only her own school's requests (routes load them with get_in_school).
    An alumna sees a request only when it is of a kind she volunteers for, from a school she
    allows, while she is under her own limit for that school year and free on one of the
    dates, or when she already answered it (her own history).

Double confirmation
    Confirming starts with one conditional UPDATE on the lesson
    (status 'open'/'offered' -> 'confirmed'); a second confirmation at the same moment
    updates no row and is told that another offer was confirmed already. Every write that
    touches a lesson and its offers takes the lesson first, so they queue in one order.

Anonymous feedback
    A feedback link is an Invitation of kind 'feedback' without a user or e-mail address
    (target: the lesson). The feedback row holds only the lesson, the rating and the
    comment. Its time and the link's time of use are kept to the day only, so the order in
    which links were used cannot be matched to the feedback either.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, case, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from webapp.audit.services import record
from webapp.auth import tokens
from webapp.auth.models import Invitation, User
from webapp.extensions import db
from webapp.guest_lessons import ranking
from webapp.guest_lessons.models import (
    ACTIVITY_KINDS,
    GuestLesson,
    GuestLessonFeedback,
    GuestLessonOffer,
    GuestLessonOption,
)
from webapp.ics import CalendarEvent, calendar_file, new_uid
from webapp.modeltools import utcnow
from webapp.outbox.services import queue_email
from webapp.people.directory import reachable_by_school
from webapp.people.models import AlumnaProfile, CoordinatorProfile, Programme, School
from webapp.timeutil import school_year, to_local, to_utc
from webapp.urls import absolute_url

KIND_LABELS = {"guest_lesson": _l("Gastles"), "open_day": _l("Open dag"), "other": _l("Andere activiteit")}
KIND_NOUNS = {"guest_lesson": _l("gastles"), "open_day": _l("open dag"), "other": _l("activiteit")}
# The volunteering activity (AlumnaProfile.activities) that makes an alumna fit a kind.
KIND_ACTIVITIES = {"guest_lesson": ("guest_lesson",), "open_day": ("open_day",), "other": ("guest_lesson", "open_day")}
STATUS_LABELS = {
    "open": _l("Open"),
    "offered": _l("Aanbod binnen"),
    "confirmed": _l("Bevestigd"),
    "done": _l("Afgerond"),
    "cancelled": _l("Geannuleerd"),
}
OFFER_STATUS_LABELS = {
    "invited": _l("Uitgenodigd"),
    "offered": _l("Biedt aan"),
    "confirmed": _l("Bevestigd"),
    "released": _l("Niet nodig, bedankt"),
    "withdrawn": _l("Teruggetrokken"),
    "declined": _l("Past niet"),
}
OPEN_STATUSES = ("open", "offered")
# Offers that keep an alumna out of the suggestions: she is in the list already, or said no.
SETTLED_OFFERS = ("invited", "offered", "confirmed", "declined", "withdrawn")
FEEDBACK_VALID = timedelta(days=30)
REMINDER_BEFORE = timedelta(days=2)
MAX_FEEDBACK_LINKS = 500
SUGGESTION_LIMIT = 25


class GuestLessonError(ValueError):
    """Something that cannot be done; the message is shown to the user."""


# --- small helpers ----------------------------------------------------------------------


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def kinds_for(activities) -> tuple[str, ...]:
    """The kinds of request an alumna volunteers for, given her profile's activities."""
    wanted = set(activities or [])
    return tuple(kind for kind in ACTIVITY_KINDS if wanted.intersection(KIND_ACTIVITIES[kind]))


def school_year_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The stored (UTC) bounds of the school year (1 August to 1 August, local time) of a moment."""
    local = to_local(moment)
    start = local.year if local.month >= 8 else local.year - 1
    return to_utc(datetime(start, 8, 1)), to_utc(datetime(start + 1, 8, 1))


def school_year_of(moment: datetime) -> str:
    return school_year(to_local(moment).date())


def lesson_moment(lesson: GuestLesson, now: datetime | None = None) -> datetime:
    """When the activity is: the confirmed time, else its first option still to come, else its first option."""
    if lesson.starts_at is not None:
        return lesson.starts_at
    now = now or utcnow()
    future = [o.starts_at for o in lesson.options if o.starts_at > now]
    if future:
        return min(future)
    if lesson.options:
        return lesson.options[0].starts_at
    return now


def _overlaps(start: datetime, end: datetime, busy) -> bool:
    return any(b_start < end and b_end > start for b_start, b_end in busy)


def _activity_condition(kind: str):
    # Activities are a JSON list of fixed identifiers; its text contains the quoted name.
    return or_(*(cast(AlumnaProfile.activities, String).contains(f'"{a}"') for a in KIND_ACTIVITIES[kind]))


def _used_count(alumna_id, year_start: datetime, year_end: datetime):
    """How many activities (of all kinds) an alumna gives in a school year: confirmed or done."""
    return (
        select(func.count(GuestLessonOffer.id))
        .join(GuestLesson, GuestLesson.id == GuestLessonOffer.lesson_id)
        .where(
            GuestLessonOffer.alumna_id == alumna_id,
            GuestLessonOffer.status == "confirmed",
            GuestLesson.status.in_(("confirmed", "done")),
            GuestLesson.starts_at >= year_start,
            GuestLesson.starts_at < year_end,
        )
        .scalar_subquery()
    )


def _busy_at(alumna_id, starts_at: datetime, ends_at: datetime, exclude_lesson_id: int | None = None):
    """EXISTS: the alumna gives another confirmed activity that overlaps this time."""
    query = (
        select(GuestLessonOffer.id)
        .join(GuestLesson, GuestLesson.id == GuestLessonOffer.lesson_id)
        .where(
            GuestLessonOffer.alumna_id == alumna_id,
            GuestLessonOffer.status == "confirmed",
            GuestLesson.status == "confirmed",
            GuestLesson.starts_at < ends_at,
            GuestLesson.ends_at > starts_at,
        )
    )
    if exclude_lesson_id is not None:
        query = query.where(GuestLesson.id != exclude_lesson_id)
    return query.exists()


def _busy_intervals(alumna_ids, start: datetime, end: datetime, exclude_lesson_id: int | None = None) -> dict[int, list]:
    """Each alumna's confirmed activities between start and end, as (starts_at, ends_at) pairs."""
    if not alumna_ids:
        return {}
    query = (
        select(GuestLessonOffer.alumna_id, GuestLesson.starts_at, GuestLesson.ends_at)
        .join(GuestLesson, GuestLesson.id == GuestLessonOffer.lesson_id)
        .where(
            GuestLessonOffer.alumna_id.in_(list(alumna_ids)),
            GuestLessonOffer.status == "confirmed",
            GuestLesson.status == "confirmed",
            GuestLesson.starts_at < end,
            GuestLesson.ends_at > start,
        )
    )
    if exclude_lesson_id is not None:
        query = query.where(GuestLesson.id != exclude_lesson_id)
    busy: dict[int, list] = {}
    for alumna_id, starts_at, ends_at in db.session.execute(query):
        busy.setdefault(alumna_id, []).append((starts_at, ends_at))
    return busy


def _lock_lesson(lesson_id: int) -> GuestLesson | None:
    """Take the lesson row first (FOR UPDATE on PostgreSQL), so writes on a lesson queue in one order."""
    return db.session.scalar(
        select(GuestLesson).where(GuestLesson.id == lesson_id).with_for_update().execution_options(populate_existing=True)
    )


def _sector_label(sector: str | None) -> str:
    from webapp.admin.forms import SECTOR_LABELS

    return SECTOR_LABELS.get(sector, sector or "")


def request_facts(lesson: GuestLesson) -> ranking.RequestFacts:
    programme = lesson.programme
    return ranking.RequestFacts(
        year=to_local(lesson_moment(lesson)).year,
        programme_id=lesson.programme_id,
        crebo=programme.crebo if programme else None,
        programme_name=programme.name if programme else "",
        sector=programme.sector if programme else None,
        sector_label=_sector_label(programme.sector) if programme else "",
    )


def _candidate(profile: AlumnaProfile, used: int = 0, available: tuple[int, ...] = ()) -> ranking.Candidate:
    programme = profile.programme
    return ranking.Candidate(
        alumna_id=profile.user_id,
        name=profile.user.full_name,
        graduated_year=profile.graduated_year,
        programme_id=profile.programme_id,
        crebo=programme.crebo if programme else None,
        programme_name=profile.programme_name or (programme.name if programme else ""),
        sector=profile.sector,
        used=used,
        max_per_year=profile.max_per_year,
        available_option_ids=available,
        extra={"profile": profile},
    )


# --- requests ---------------------------------------------------------------------------


def programmes_of(school_id: int) -> list[Programme]:
    return list(db.session.scalars(select(Programme).where(Programme.school_id == school_id).order_by(Programme.name)))


def _programme_id(school_id: int, programme_id: int | None) -> int | None:
    if not programme_id:
        return None
    if db.session.scalar(select(Programme.id).where(Programme.id == programme_id, Programme.school_id == school_id)) is None:
        raise GuestLessonError(_l("Kies een opleiding van je eigen school."))
    return programme_id


def _apply_details(lesson: GuestLesson, data: dict) -> None:
    lesson.kind = data["kind"] if data["kind"] in ACTIVITY_KINDS else "guest_lesson"
    lesson.topic = data["topic"].strip()
    lesson.programme_id = _programme_id(lesson.school_id, data.get("programme_id"))
    lesson.class_name = (data.get("class_name") or "").strip()
    lesson.year = data.get("year") or None
    lesson.student_count = data.get("student_count") or None
    lesson.place = (data.get("place") or "").strip()
    lesson.description = (data.get("description") or "").strip()


def create_lesson(school_id: int, actor: User, data: dict, moments: list[tuple[datetime, datetime]]) -> GuestLesson:
    """Post a request; `moments` are 1 to 3 (starts_at, ends_at) options in UTC."""
    if not moments:
        raise GuestLessonError(_l("Geef minstens één datum en tijd."))
    lesson = GuestLesson(school_id=school_id, created_by_id=actor.id, status="open", ical_uid=new_uid("guest-lesson", school_id))
    _apply_details(lesson, data)
    lesson.options = [GuestLessonOption(starts_at=s, ends_at=e) for s, e in sorted(moments)[:3]]
    db.session.add(lesson)
    db.session.flush()
    record("guest_lesson.created", school_id=school_id, obj=lesson, kind=lesson.kind)
    db.session.commit()
    return lesson


def options_locked(lesson: GuestLesson) -> bool:
    """Dates cannot change once an alumna offered on one of them."""
    return bool(
        db.session.scalar(
            select(func.count(GuestLessonOffer.id)).where(GuestLessonOffer.lesson_id == lesson.id, GuestLessonOffer.status == "offered")
        )
    )


def update_lesson(lesson: GuestLesson, actor: User, data: dict, moments: list[tuple[datetime, datetime]] | None) -> None:
    """Edit an open request; its dates only while nobody offered on them (`moments` None: keep)."""
    if lesson.status not in OPEN_STATUSES:
        raise GuestLessonError(_l("Alleen een open verzoek kun je zo bewerken."))
    _apply_details(lesson, data)
    if moments is not None and not options_locked(lesson):
        if not moments:
            raise GuestLessonError(_l("Geef minstens één datum en tijd."))
        wanted = sorted(moments)[:3]
        existing = {(o.starts_at, o.ends_at): o for o in lesson.options}
        lesson.options = [existing.get(m) or GuestLessonOption(starts_at=m[0], ends_at=m[1]) for m in wanted]
    record("guest_lesson.changed", school_id=lesson.school_id, obj=lesson)
    db.session.commit()


def lessons_page(school_id: int, status: str | None, kind: str | None, page: int = 1):
    """The school's requests: those still running first (soonest first), then finished ones (latest first)."""
    first_option = (
        select(func.min(GuestLessonOption.starts_at)).where(GuestLessonOption.lesson_id == GuestLesson.id).correlate(GuestLesson).scalar_subquery()
    )
    query = (
        select(GuestLesson)
        .options(joinedload(GuestLesson.programme), selectinload(GuestLesson.options))
        .where(GuestLesson.school_id == school_id)
    )
    if status == "active":
        query = query.where(GuestLesson.status.in_(("open", "offered", "confirmed")))
    elif status in ("open", "offered", "confirmed", "done", "cancelled"):
        query = query.where(GuestLesson.status == status)
    if kind in ACTIVITY_KINDS:
        query = query.where(GuestLesson.kind == kind)
    when = func.coalesce(GuestLesson.starts_at, first_option)
    finished = GuestLesson.status.in_(("done", "cancelled"))
    query = query.order_by(finished.asc(), case((finished, None), else_=when).asc(), when.desc(), GuestLesson.id.desc())
    return db.paginate(query, page=page, per_page=25, error_out=False)


def offer_counts(lesson_ids) -> dict[int, int]:
    """Per lesson: how many alumnae offered and wait for an answer."""
    lesson_ids = list(lesson_ids)
    if not lesson_ids:
        return {}
    return dict(
        db.session.execute(
            select(GuestLessonOffer.lesson_id, func.count(GuestLessonOffer.id))
            .where(GuestLessonOffer.lesson_id.in_(lesson_ids), GuestLessonOffer.status == "offered")
            .group_by(GuestLessonOffer.lesson_id)
        ).all()
    )


def offers_of(lesson: GuestLesson) -> list[GuestLessonOffer]:
    order = {"confirmed": 0, "offered": 1, "invited": 2, "released": 3, "declined": 4, "withdrawn": 5}
    offers = db.session.scalars(
        select(GuestLessonOffer)
        .options(joinedload(GuestLessonOffer.alumna), joinedload(GuestLessonOffer.option))
        .where(GuestLessonOffer.lesson_id == lesson.id)
    ).all()
    return sorted(offers, key=lambda o: (order.get(o.status, 9), o.created_at, o.id))


def alumna_profiles(user_ids) -> dict[int, AlumnaProfile]:
    if not user_ids:
        return {}
    return {
        p.user_id: p
        for p in db.session.scalars(
            select(AlumnaProfile).options(joinedload(AlumnaProfile.programme)).where(AlumnaProfile.user_id.in_(list(user_ids)))
        )
    }


# --- suggestions ------------------------------------------------------------------------


def eligible_alumnae_query(lesson: GuestLesson, now: datetime | None = None):
    """The alumnae who may be asked for this request: every hard filter, in the query.

    She is activated; volunteers for this kind of activity; allows this school; has room under
    her own limit in the school year of the activity (confirmed and done activities of all
    kinds count); and is free on at least one date option still to come. None when no option
    is still to come.
    """
    now = now or utcnow()
    options = [o for o in lesson.options if o.starts_at > now]
    if not options:
        return None
    year_start, year_end = school_year_bounds(lesson_moment(lesson, now))
    used = _used_count(AlumnaProfile.user_id, year_start, year_end)
    return (
        select(AlumnaProfile, used.label("used"))
        .join(User, User.id == AlumnaProfile.user_id)
        .options(joinedload(AlumnaProfile.programme), joinedload(AlumnaProfile.school))
        .where(
            User.activated.is_(True),
            _activity_condition(lesson.kind),
            reachable_by_school(lesson.school_id),
            AlumnaProfile.max_per_year > used,
            or_(*(~_busy_at(AlumnaProfile.user_id, o.starts_at, o.ends_at, exclude_lesson_id=lesson.id) for o in options)),
        )
    )


def suggestions(lesson: GuestLesson, now: datetime | None = None, limit: int | None = SUGGESTION_LIMIT) -> list[ranking.Suggestion]:
    """The alumnae to ask, best first, with the reasons; those already asked or who said no are left out."""
    now = now or utcnow()
    if lesson.status not in OPEN_STATUSES:
        return []
    query = eligible_alumnae_query(lesson, now)
    if query is None:
        return []
    settled = (
        select(GuestLessonOffer.id)
        .where(
            GuestLessonOffer.lesson_id == lesson.id,
            GuestLessonOffer.alumna_id == AlumnaProfile.user_id,
            GuestLessonOffer.status.in_(SETTLED_OFFERS),
        )
        .exists()
    )
    rows = db.session.execute(query.where(~settled)).unique().all()
    options = [o for o in lesson.options if o.starts_at > now]
    busy = _busy_intervals(
        [p.user_id for p, _used in rows],
        min(o.starts_at for o in options),
        max(o.ends_at for o in options),
        exclude_lesson_id=lesson.id,
    )
    candidates = [
        _candidate(
            profile,
            used,
            tuple(o.id for o in options if not _overlaps(o.starts_at, o.ends_at, busy.get(profile.user_id, []))),
        )
        for profile, used in rows
    ]
    ranked = ranking.rank(request_facts(lesson), candidates)
    return ranked[:limit] if limit else ranked


def invite(lesson: GuestLesson, alumna_ids, actor: User, now: datetime | None = None) -> list[User]:
    """Invite alumnae to offer: an offer row 'invited' and an e-mail with a link to the request.

    Only alumnae who pass every hard filter right now are invited; the others are skipped.
    """
    now = now or utcnow()
    if lesson.status not in OPEN_STATUSES:
        raise GuestLessonError(_l("Dit verzoek is niet meer open."))
    wanted = {int(i) for i in alumna_ids if str(i).isdigit()}
    if not wanted:
        raise GuestLessonError(_l("Kies wie je wilt uitnodigen."))
    query = eligible_alumnae_query(lesson, now)
    if query is None:
        raise GuestLessonError(_l("Alle data liggen in het verleden. Kies eerst nieuwe data."))
    eligible = [p for p, _used in db.session.execute(query.where(AlumnaProfile.user_id.in_(wanted))).unique().all()]
    existing = {
        o.alumna_id: o
        for o in db.session.scalars(
            select(GuestLessonOffer).where(GuestLessonOffer.lesson_id == lesson.id, GuestLessonOffer.alumna_id.in_(wanted))
        )
    }
    invited = []
    for profile in eligible:
        offer = existing.get(profile.user_id)
        if offer is not None and offer.status in SETTLED_OFFERS:
            continue
        if offer is None:
            offer = GuestLessonOffer(lesson_id=lesson.id, alumna_id=profile.user_id)
            db.session.add(offer)
        offer.status = "invited"
        offer.option_id = None
        offer.decided_at = None
        invited.append(profile.user)
        _mail_alumna(lesson, profile.user, "guest_lessons_invite", _l("%(school)s vraagt je voor een %(kind)s", school=lesson.school.name, kind=KIND_NOUNS[lesson.kind]), inviter=actor)
    if not invited:
        db.session.rollback()
        raise GuestLessonError(_l("Niemand uitgenodigd: de gekozen alumnae zijn al gevraagd of passen niet meer bij dit verzoek."))
    record("guest_lesson.invited", school_id=lesson.school_id, obj=lesson, alumnae=[u.id for u in invited])
    try:
        db.session.commit()
    except IntegrityError:  # the same invitation sent twice at once
        db.session.rollback()
        raise GuestLessonError(_l("Deze alumna is net al uitgenodigd.")) from None
    return invited


# --- the alumna's side ------------------------------------------------------------------


def own_profile(user: User) -> AlumnaProfile | None:
    return db.session.get(AlumnaProfile, user.id)


def _used_by_year(alumna_id: int) -> Counter:
    """How many activities she gives (confirmed or done) per school year, e.g. {'2026-2027': 2}."""
    moments = db.session.scalars(
        select(GuestLesson.starts_at)
        .join(GuestLessonOffer, GuestLessonOffer.lesson_id == GuestLesson.id)
        .where(
            GuestLessonOffer.alumna_id == alumna_id,
            GuestLessonOffer.status == "confirmed",
            GuestLesson.status.in_(("confirmed", "done")),
            GuestLesson.starts_at.is_not(None),
        )
    )
    return Counter(school_year_of(moment) for moment in moments)


def _allows_school(profile: AlumnaProfile, school_id: int) -> bool:
    return profile.all_schools or any(a.school_id == school_id for a in profile.allowed_schools)


def available_options(profile: AlumnaProfile, lesson: GuestLesson, now: datetime | None = None) -> list[GuestLessonOption]:
    """The options still to come on which she gives no other confirmed activity."""
    now = now or utcnow()
    options = [o for o in lesson.options if o.starts_at > now]
    if not options:
        return []
    busy = _busy_intervals(
        [profile.user_id], min(o.starts_at for o in options), max(o.ends_at for o in options), exclude_lesson_id=lesson.id
    ).get(profile.user_id, [])
    return [o for o in options if not _overlaps(o.starts_at, o.ends_at, busy)]


def blocking_reason(profile: AlumnaProfile | None, lesson: GuestLesson, now: datetime | None = None) -> str | None:
    """Why this alumna cannot offer on this request (the same rules as the query), or None."""
    now = now or utcnow()
    if profile is None or not profile.user.activated:
        return _l("Alleen alumnae met een profiel kunnen aanbieden.")
    if lesson.status not in OPEN_STATUSES:
        return _l("Dit verzoek is niet meer open.")
    if lesson.kind not in kinds_for(profile.activities):
        return _l("In je profiel staat niet dat je wilt helpen bij een %(kind)s.", kind=KIND_NOUNS[lesson.kind])
    if not _allows_school(profile, lesson.school_id):
        return _l("In je profiel staat niet dat %(school)s je mag vragen.", school=lesson.school.name)
    moment = lesson_moment(lesson, now)
    used = _used_by_year(profile.user_id)[school_year_of(moment)]
    if used >= profile.max_per_year:
        return _l(
            "Je helpt in schooljaar %(year)s al %(used)s keer, en je maximum is %(max)s keer.",
            year=school_year_of(moment),
            used=used,
            max=profile.max_per_year,
        )
    if not available_options(profile, lesson, now):
        return _l("Je kunt op geen van de data: ze zijn voorbij, of je geeft dan al een andere les.")
    return None


@dataclass
class BoardItem:
    lesson: GuestLesson
    offer: GuestLessonOffer | None
    options: list[GuestLessonOption]
    tier: int
    reasons: list = field(default_factory=list)


@dataclass
class Board:
    items: list[BoardItem]
    kinds: tuple[str, ...]
    notices: list[str] = field(default_factory=list)


def board(profile: AlumnaProfile, kind: str | None = None, fit: str = "all", now: datetime | None = None) -> Board:
    """Open requests she may take: schools she allows, kinds she volunteers for, under her limit, free.

    Invitations first, then the same programme, the same sector, then the earliest date.
    When nothing can be shown because of her own settings, the notices say why.
    """
    now = now or utcnow()
    kinds = kinds_for(profile.activities)
    notices: list[str] = []
    if not kinds:
        notices.append(_l("In je profiel staat nog niet dat je wilt helpen bij gastlessen of open dagen. Zet dat aan in je profiel, dan zie je hier de verzoeken van scholen."))
    if profile.max_per_year == 0:
        notices.append(_l("In je profiel staat dat je 0 keer per schooljaar wilt helpen. Verhoog dat aantal om verzoeken te zien."))
    used = _used_by_year(profile.user_id)
    this_year = school_year_of(now)
    if profile.max_per_year and used[this_year] >= profile.max_per_year:
        notices.append(
            _l(
                "Je helpt dit schooljaar al %(used)s keer, en je maximum is %(max)s keer. Daarom zie je geen verzoeken voor dit schooljaar. Wil je vaker? Verhoog je maximum in je profiel.",
                used=used[this_year],
                max=profile.max_per_year,
            )
        )
    if not kinds or profile.max_per_year == 0:
        return Board([], kinds, notices)
    future = select(GuestLessonOption.id).where(GuestLessonOption.lesson_id == GuestLesson.id, GuestLessonOption.starts_at > now).exists()
    query = (
        select(GuestLesson)
        .options(joinedload(GuestLesson.school), joinedload(GuestLesson.programme), selectinload(GuestLesson.options))
        .where(GuestLesson.status.in_(OPEN_STATUSES), GuestLesson.kind.in_(kinds), future)
        .order_by(GuestLesson.id)
        .limit(500)
    )
    if kind in kinds:
        query = query.where(GuestLesson.kind == kind)
    if not profile.all_schools:
        allowed = [a.school_id for a in profile.allowed_schools]
        query = query.where(GuestLesson.school_id.in_(allowed or [-1]))
    lessons = db.session.scalars(query).unique().all()
    offers = {
        o.lesson_id: o
        for o in db.session.scalars(
            select(GuestLessonOffer).where(GuestLessonOffer.alumna_id == profile.user_id, GuestLessonOffer.lesson_id.in_([l.id for l in lessons]))
        )
    } if lessons else {}
    option_times = [o for l in lessons for o in l.options if o.starts_at > now]
    busy = (
        _busy_intervals([profile.user_id], min(o.starts_at for o in option_times), max(o.ends_at for o in option_times)).get(profile.user_id, [])
        if option_times
        else []
    )
    me = _candidate(profile)
    items = []
    for lesson in lessons:
        offer = offers.get(lesson.id)
        if offer is not None and offer.status in ("declined", "withdrawn", "confirmed"):
            continue
        if used[school_year_of(lesson_moment(lesson, now))] >= profile.max_per_year:
            continue
        free = [o for o in lesson.options if o.starts_at > now and not _overlaps(o.starts_at, o.ends_at, busy)]
        if not free:
            continue
        facts = request_facts(lesson)
        tier = ranking.tier_of(facts, me)
        if fit == "mine" and tier == ranking.OTHER:
            continue
        reasons = []
        if tier == ranking.SAME_PROGRAMME:
            reasons.append(_l("jouw opleiding"))
        elif tier == ranking.SAME_SECTOR:
            reasons.append(_l("jouw sector: %(sector)s", sector=facts.sector_label))
        items.append(BoardItem(lesson, offer, free, tier, reasons))
    items.sort(key=lambda i: (0 if i.offer and i.offer.status == "invited" else 1, i.tier, i.options[0].starts_at, i.lesson.id))
    return Board(items, kinds, notices)


def offer_of(lesson: GuestLesson, alumna_id: int) -> GuestLessonOffer | None:
    return db.session.scalar(
        select(GuestLessonOffer).where(GuestLessonOffer.lesson_id == lesson.id, GuestLessonOffer.alumna_id == alumna_id)
    )


def may_see(profile: AlumnaProfile | None, lesson: GuestLesson, now: datetime | None = None) -> bool:
    """An alumna sees a request she may take, or one she already answered (her own history)."""
    if profile is None:
        return False
    offer = offer_of(lesson, profile.user_id)
    if offer is not None and offer.status != "invited":
        return True
    return blocking_reason(profile, lesson, now) is None


def make_offer(lesson: GuestLesson, profile: AlumnaProfile, option_id: int | None, message: str, now: datetime | None = None) -> GuestLessonOffer:
    """She offers to give it, on one of the options (the only one when there is one)."""
    now = now or utcnow()
    lesson = _lock_lesson(lesson.id)
    reason = blocking_reason(profile, lesson, now)
    if reason:
        db.session.rollback()
        raise GuestLessonError(reason)
    free = available_options(profile, lesson, now)
    if option_id is None and len(free) == 1:
        option_id = free[0].id
    option = next((o for o in free if o.id == option_id), None)
    if option is None:
        db.session.rollback()
        raise GuestLessonError(_l("Kies een datum waarop je kunt."))
    offer = offer_of(lesson, profile.user_id)
    if offer is not None and offer.status in ("offered", "confirmed"):
        db.session.rollback()
        raise GuestLessonError(_l("Je hebt hiervoor al aangeboden."))
    if offer is None:
        offer = GuestLessonOffer(lesson_id=lesson.id, alumna_id=profile.user_id)
        db.session.add(offer)
    offer.status = "offered"
    offer.option_id = option.id
    offer.message = (message or "").strip()[:1000]
    offer.decided_at = None
    lesson.status = "offered"
    db.session.flush()
    for coordinator in _coordinators(lesson):
        _mail(
            coordinator,
            lesson,
            "guest_lessons_offered",
            _l("%(name)s biedt aan: %(topic)s", name=profile.user.first_name, topic=lesson.topic),
            link=absolute_url("guest_lessons.lesson", lesson_id=lesson.id),
            alumna=profile.user,
            profile=profile,
            offer=offer,
            option=option,
        )
    record("guest_lesson.offered", school_id=lesson.school_id, obj=lesson, option_id=option.id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise GuestLessonError(_l("Je hebt hiervoor al aangeboden.")) from None
    return offer


def _reopen_if_empty(lesson: GuestLesson) -> None:
    if lesson.status != "offered":
        return
    left = db.session.scalar(
        select(func.count(GuestLessonOffer.id)).where(GuestLessonOffer.lesson_id == lesson.id, GuestLessonOffer.status == "offered")
    )
    if not left:
        lesson.status = "open"


def decline(lesson: GuestLesson, profile: AlumnaProfile, now: datetime | None = None) -> None:
    """'Not for me': an invitation declined, or a request hidden from her board."""
    now = now or utcnow()
    lesson = _lock_lesson(lesson.id)
    offer = offer_of(lesson, profile.user_id)
    if offer is not None and offer.status in ("offered", "confirmed"):
        db.session.rollback()
        raise GuestLessonError(_l("Je hebt al aangeboden. Trek je aanbod in als je toch niet kunt."))
    if offer is None:
        offer = GuestLessonOffer(lesson_id=lesson.id, alumna_id=profile.user_id)
        db.session.add(offer)
    offer.status = "declined"
    offer.option_id = None
    offer.decided_at = now
    record("guest_lesson.declined", school_id=lesson.school_id, obj=lesson)
    db.session.commit()


def withdraw(lesson: GuestLesson, profile: AlumnaProfile, reason: str = "", now: datetime | None = None) -> None:
    """She takes back her offer; a confirmed activity is cancelled for her and reopens for the school."""
    now = now or utcnow()
    lesson = _lock_lesson(lesson.id)
    offer = offer_of(lesson, profile.user_id)
    if offer is None or offer.status not in ("offered", "confirmed"):
        db.session.rollback()
        raise GuestLessonError(_l("Er is geen aanbod om in te trekken."))
    was_confirmed = offer.status == "confirmed"
    if was_confirmed and (lesson.status != "confirmed" or (lesson.starts_at and lesson.starts_at <= now)):
        db.session.rollback()
        raise GuestLessonError(_l("Deze activiteit is al voorbij of afgesloten."))
    offer.status = "withdrawn"
    offer.decided_at = now
    if was_confirmed:
        lesson.ical_sequence += 1
        cancelled = When(lesson.starts_at, lesson.ends_at)
        icses = {user.id: _ics(lesson, user, cancelled=True) for user in [profile.user, *_coordinators(lesson)]}
        lesson.status = "open"
        lesson.starts_at = lesson.ends_at = None
        lesson.reminder_sent_at = None
        for coordinator in _coordinators(lesson):
            _mail(
                coordinator,
                lesson,
                "guest_lessons_withdrawn",
                _l("%(name)s kan niet: %(topic)s", name=profile.user.first_name, topic=lesson.topic),
                ics=icses[coordinator.id],
                link=absolute_url("guest_lessons.lesson", lesson_id=lesson.id),
                alumna=profile.user,
                reason=(reason or "").strip(),
                when=cancelled,
            )
        _mail_alumna(
            lesson,
            profile.user,
            "guest_lessons_cancelled",
            _l("Geannuleerd: %(topic)s", topic=lesson.topic),
            ics=icses[profile.user.id],
            when=cancelled,
            by_herself=True,
        )
    else:
        _reopen_if_empty(lesson)
    record("guest_lesson.withdrawn", school_id=lesson.school_id, obj=lesson, was_confirmed=was_confirmed)
    db.session.commit()


def my_lessons(user: User, now: datetime | None = None) -> dict[str, list[GuestLessonOffer]]:
    """Her offers in four groups: invitations, offers waiting, upcoming, and past (given) ones."""
    now = now or utcnow()
    offers = db.session.scalars(
        select(GuestLessonOffer)
        .options(
            joinedload(GuestLessonOffer.lesson).joinedload(GuestLesson.school),
            joinedload(GuestLessonOffer.lesson).joinedload(GuestLesson.programme),
            joinedload(GuestLessonOffer.option),
        )
        .where(GuestLessonOffer.alumna_id == user.id)
        .order_by(GuestLessonOffer.id.desc())
        .limit(500)
    ).unique().all()
    groups: dict[str, list] = {"invited": [], "offered": [], "upcoming": [], "past": []}
    for offer in offers:
        lesson = offer.lesson
        if offer.status == "invited" and lesson.status in OPEN_STATUSES:
            if any(o.starts_at > now for o in lesson.options):
                groups["invited"].append(offer)
        elif offer.status == "offered" and lesson.status in OPEN_STATUSES:
            groups["offered"].append(offer)
        elif offer.status == "confirmed" and lesson.status == "confirmed" and lesson.starts_at and lesson.ends_at > now:
            groups["upcoming"].append(offer)
        elif offer.status == "confirmed" and lesson.status in ("confirmed", "done"):
            groups["past"].append(offer)
    groups["upcoming"].sort(key=lambda o: o.lesson.starts_at)
    groups["past"].sort(key=lambda o: o.lesson.starts_at or o.created_at, reverse=True)
    return groups


# --- confirmation, change, cancellation -------------------------------------------------


def confirm_offer(lesson: GuestLesson, offer_id: int, actor: User, now: datetime | None = None) -> GuestLessonOffer:
    """Confirm one offer. The others are thanked and released; both sides get a calendar file.

    The first write is a conditional UPDATE of the lesson: of two confirmations at the same
    moment, only one changes the row; the other is told another offer was confirmed already.
    """
    now = now or utcnow()
    offer = db.session.get(GuestLessonOffer, offer_id)
    if offer is None or offer.lesson_id != lesson.id:
        raise GuestLessonError(_l("Dit aanbod bestaat niet (meer)."))
    if lesson.status == "confirmed":
        raise GuestLessonError(_l("Er is al een aanbod bevestigd voor deze %(kind)s.", kind=KIND_NOUNS[lesson.kind]))
    if lesson.status not in OPEN_STATUSES:
        raise GuestLessonError(_l("Dit verzoek is niet meer open."))
    if offer.status != "offered" or offer.option is None:
        raise GuestLessonError(_l("Dit aanbod kan niet (meer) bevestigd worden."))
    option = offer.option
    if option.starts_at <= now:
        raise GuestLessonError(_l("De gekozen datum is al voorbij. Vraag de alumna om een nieuwe datum."))
    profile = db.session.get(AlumnaProfile, offer.alumna_id)
    year_start, year_end = school_year_bounds(option.starts_at)
    used = db.session.scalar(select(_used_count(offer.alumna_id, year_start, year_end)))
    if profile is None or used >= profile.max_per_year:
        raise GuestLessonError(_l("%(name)s heeft haar maximum voor dit schooljaar al bereikt.", name=offer.alumna.first_name))
    if db.session.scalar(select(_busy_at(offer.alumna_id, option.starts_at, option.ends_at, exclude_lesson_id=lesson.id))):
        raise GuestLessonError(_l("%(name)s geeft op dat moment al een andere les.", name=offer.alumna.first_name))

    result = db.session.execute(
        update(GuestLesson)
        .where(GuestLesson.id == lesson.id, GuestLesson.status.in_(OPEN_STATUSES))
        .values(status="confirmed")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise GuestLessonError(
            _l("Er is net een ander aanbod bevestigd voor deze %(kind)s. Bekijk het verzoek opnieuw.", kind=KIND_NOUNS[lesson.kind])
        )
    result = db.session.execute(
        update(GuestLessonOffer)
        .where(GuestLessonOffer.id == offer.id, GuestLessonOffer.status == "offered")
        .values(status="confirmed", decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise GuestLessonError(_l("%(name)s heeft haar aanbod net ingetrokken.", name=offer.alumna.first_name))
    db.session.refresh(lesson)
    db.session.refresh(offer)
    lesson.starts_at, lesson.ends_at = option.starts_at, option.ends_at
    if lesson.ical_sequence:
        lesson.ical_sequence += 1  # it was in calendars before (then withdrawn): a newer version
    # Confirmed within two days: this e-mail is the reminder.
    lesson.reminder_sent_at = now if option.starts_at - now <= REMINDER_BEFORE else None
    lesson.cancel_reason = ""

    others = db.session.scalars(
        select(GuestLessonOffer)
        .options(joinedload(GuestLessonOffer.alumna))
        .where(GuestLessonOffer.lesson_id == lesson.id, GuestLessonOffer.id != offer.id, GuestLessonOffer.status.in_(("invited", "offered")))
    ).all()
    for other in others:
        had_offered = other.status == "offered"
        other.status = "released"
        other.decided_at = now
        _mail_alumna(lesson, other.alumna, "guest_lessons_released", _l("Bedankt voor je hulp: %(topic)s", topic=lesson.topic), had_offered=had_offered)
    event = When(lesson.starts_at, lesson.ends_at)
    alumna = offer.alumna
    coordinators = _coordinators(lesson, actor)
    _mail_alumna(
        lesson,
        alumna,
        "guest_lessons_confirmed",
        _l("Bevestigd: %(kind)s %(topic)s", kind=KIND_NOUNS[lesson.kind], topic=lesson.topic),
        ics=_ics(lesson, alumna),
        when=event,
        coordinators=coordinators,
    )
    _mail_coordinators(
        coordinators,
        lesson,
        "guest_lessons_confirmed",
        _l("Bevestigd: %(kind)s %(topic)s", kind=KIND_NOUNS[lesson.kind], topic=lesson.topic),
        event,
        with_ics=True,
        alumna=alumna,
    )
    record("guest_lesson.confirmed", school_id=lesson.school_id, obj=lesson, subject_user_id=alumna.id, released=len(others))
    db.session.commit()
    return offer


def confirmed_offer(lesson: GuestLesson) -> GuestLessonOffer | None:
    return db.session.scalar(
        select(GuestLessonOffer)
        .options(joinedload(GuestLessonOffer.alumna))
        .where(GuestLessonOffer.lesson_id == lesson.id, GuestLessonOffer.status == "confirmed")
    )


def change_lesson(lesson: GuestLesson, actor: User, starts_at: datetime, ends_at: datetime, place: str, note: str = "", now: datetime | None = None) -> None:
    """Move a confirmed activity or change its place: both sides get the new version of the event."""
    now = now or utcnow()
    lesson = _lock_lesson(lesson.id)
    if lesson.status != "confirmed":
        db.session.rollback()
        raise GuestLessonError(_l("Alleen een bevestigde activiteit kun je zo wijzigen."))
    offer = confirmed_offer(lesson)
    if offer is not None and db.session.scalar(select(_busy_at(offer.alumna_id, starts_at, ends_at, exclude_lesson_id=lesson.id))):
        db.session.rollback()
        raise GuestLessonError(_l("%(name)s geeft op dat moment al een andere les.", name=offer.alumna.first_name))
    place = (place or "").strip()
    if (starts_at, ends_at, place) == (lesson.starts_at, lesson.ends_at, lesson.place):
        db.session.rollback()
        raise GuestLessonError(_l("Er is niets veranderd."))
    moved = (starts_at, ends_at) != (lesson.starts_at, lesson.ends_at)
    lesson.starts_at, lesson.ends_at, lesson.place = starts_at, ends_at, place
    if offer is not None and offer.option is not None:
        offer.option.starts_at, offer.option.ends_at = starts_at, ends_at
    lesson.ical_sequence += 1
    if moved:
        lesson.reminder_sent_at = now if starts_at - now <= REMINDER_BEFORE else None
    event = When(lesson.starts_at, lesson.ends_at)
    note = (note or "").strip()
    coordinators = _coordinators(lesson, actor)
    if offer is not None:
        _mail_alumna(
            lesson,
            offer.alumna,
            "guest_lessons_changed",
            _l("Gewijzigd: %(kind)s %(topic)s", kind=KIND_NOUNS[lesson.kind], topic=lesson.topic),
            ics=_ics(lesson, offer.alumna, cancelled=event.cancelled),
            when=event,
            note=note,
            actor=actor,
        )
    _mail_coordinators(
        coordinators,
        lesson,
        "guest_lessons_changed",
        _l("Gewijzigd: %(kind)s %(topic)s", kind=KIND_NOUNS[lesson.kind], topic=lesson.topic),
        event,
        with_ics=True,
        note=note,
        actor=actor,
    )
    record("guest_lesson.moved" if moved else "guest_lesson.changed", school_id=lesson.school_id, obj=lesson)
    db.session.commit()


def cancel_lesson(lesson: GuestLesson, actor: User, reason: str = "", now: datetime | None = None) -> None:
    """Cancel a request or a confirmed activity; everyone involved hears it, calendars drop it."""
    now = now or utcnow()
    result = db.session.execute(
        update(GuestLesson)
        .where(GuestLesson.id == lesson.id, GuestLesson.status.in_(("open", "offered", "confirmed")))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise GuestLessonError(_l("Deze activiteit is al afgerond of geannuleerd."))
    was_confirmed = lesson.status == "confirmed"
    db.session.refresh(lesson)
    reason = (reason or "").strip()[:500]
    lesson.cancel_reason = reason
    offers = db.session.scalars(
        select(GuestLessonOffer)
        .options(joinedload(GuestLessonOffer.alumna))
        .where(GuestLessonOffer.lesson_id == lesson.id, GuestLessonOffer.status.in_(("invited", "offered", "confirmed")))
    ).all()
    event = None
    if was_confirmed and lesson.starts_at:
        lesson.ical_sequence += 1
        event = When(lesson.starts_at, lesson.ends_at, cancelled=True)
    for offer in offers:
        if offer.status == "confirmed":
            if event is None:
                continue
            _mail_alumna(
                lesson,
                offer.alumna,
                "guest_lessons_cancelled",
                _l("Geannuleerd: %(topic)s", topic=lesson.topic),
                ics=_ics(lesson, offer.alumna, cancelled=event.cancelled),
                when=event,
                reason=reason,
                actor=actor,
            )
        else:
            offer.status = "released"
            offer.decided_at = now
            _mail_alumna(
                lesson, offer.alumna, "guest_lessons_cancelled", _l("Geannuleerd: %(topic)s", topic=lesson.topic), reason=reason, actor=actor
            )
    if event is not None:
        for coordinator in _coordinators(lesson, actor):
            _mail(
                coordinator,
                lesson,
                "guest_lessons_cancelled",
                _l("Geannuleerd: %(topic)s", topic=lesson.topic),
                ics=_ics(lesson, coordinator, cancelled=event.cancelled),
                link=absolute_url("guest_lessons.lesson", lesson_id=lesson.id),
                when=event,
                reason=reason,
                actor=actor,
                for_coordinator=True,
            )
    record("guest_lesson.cancelled", school_id=lesson.school_id, obj=lesson, was_confirmed=was_confirmed)
    db.session.commit()


# --- after the lesson: done and anonymous feedback ------------------------------------


def may_mark_done(lesson: GuestLesson, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return lesson.status == "confirmed" and lesson.starts_at is not None and lesson.starts_at <= now


def mark_done(lesson: GuestLesson, actor: User, link_count: int, now: datetime | None = None) -> int:
    """The activity took place; make `link_count` anonymous feedback links. Returns how many."""
    now = now or utcnow()
    if lesson.status == "confirmed" and (lesson.starts_at is None or lesson.starts_at > now):
        raise GuestLessonError(_l("Je kunt een activiteit pas afronden als hij begonnen is."))
    result = db.session.execute(
        update(GuestLesson)
        .where(GuestLesson.id == lesson.id, GuestLesson.status == "confirmed")
        .values(status="done")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise GuestLessonError(_l("Alleen een bevestigde activiteit kun je afronden."))
    db.session.refresh(lesson)
    made = _make_feedback_links(lesson, actor, link_count)
    record("guest_lesson.done", school_id=lesson.school_id, obj=lesson, feedback_links=made)
    db.session.commit()
    return made


def _make_feedback_links(lesson: GuestLesson, actor: User, count: int) -> int:
    have = feedback_link_count(lesson)
    count = max(0, min(int(count), MAX_FEEDBACK_LINKS - have))
    for _number in range(count):
        # No user and no e-mail address: a link is handed out in class, not addressed to a student.
        tokens.new_invitation(
            "feedback",
            "",
            valid_for=FEEDBACK_VALID,
            school_id=lesson.school_id,
            target_type="guest_lesson",
            target_id=lesson.id,
            created_by_id=actor.id,
        )
    return count


def add_feedback_links(lesson: GuestLesson, actor: User, count: int) -> int:
    if lesson.status != "done":
        raise GuestLessonError(_l("Feedbacklinks maak je na afloop, als de activiteit is afgerond."))
    if feedback_link_count(lesson) >= MAX_FEEDBACK_LINKS:
        raise GuestLessonError(_l("Er zijn al %(max)s links; meer kan niet.", max=MAX_FEEDBACK_LINKS))
    made = _make_feedback_links(lesson, actor, count)
    record("guest_lesson.feedback_links", school_id=lesson.school_id, obj=lesson, count=made)
    db.session.commit()
    return made


def _feedback_invitations(lesson: GuestLesson):
    return (
        select(Invitation)
        .where(Invitation.kind == "feedback", Invitation.target_type == "guest_lesson", Invitation.target_id == lesson.id)
        .order_by(Invitation.id)
    )


def feedback_link_count(lesson: GuestLesson) -> int:
    return db.session.scalar(select(func.count()).select_from(_feedback_invitations(lesson).subquery())) or 0


@dataclass
class FeedbackLinks:
    links: list[tuple[int, str]]  # (number, url)
    used: int
    expires_at: datetime | None


def feedback_links(lesson: GuestLesson) -> FeedbackLinks:
    """The links to hand out, numbered. Which one was used is not shown: only how many."""
    invitations = db.session.scalars(_feedback_invitations(lesson)).all()
    links = [
        (number, absolute_url("guest_lessons.feedback", token=tokens.token_for(invitation)))
        for number, invitation in enumerate(invitations, start=1)
    ]
    used = sum(1 for invitation in invitations if invitation.used_at is not None)
    expires = max((i.expires_at for i in invitations), default=None)
    return FeedbackLinks(links, used, expires)


def feedback_invitation(token: str) -> tuple[Invitation, GuestLesson]:
    """The invitation and lesson behind a feedback link, or TokenError."""
    invitation = tokens.load(token, "feedback")
    lesson = db.session.get(GuestLesson, invitation.target_id) if invitation.target_type == "guest_lesson" else None
    if lesson is None or lesson.status != "done":
        raise tokens.TokenError(tokens.INVALID)
    return invitation, lesson


def _today_start(now: datetime) -> datetime:
    return datetime.combine(now.date(), time())


def submit_feedback(token: str, rating: int, comment: str, now: datetime | None = None) -> GuestLessonFeedback:
    """Store anonymous feedback and use up the link: only the lesson, the rating and the comment."""
    now = now or utcnow()
    invitation, lesson = feedback_invitation(token)
    if not 1 <= int(rating) <= 5:
        raise GuestLessonError(_l("Kies een cijfer van 1 tot 5."))
    tokens.consume(invitation)
    # Kept to the day: the moment of use could otherwise be matched with the feedback's time.
    invitation.used_at = _today_start(now)
    feedback = GuestLessonFeedback(lesson_id=lesson.id, rating=int(rating), comment=" ".join((comment or "").split())[:280], created_at=_today_start(now))
    db.session.add(feedback)
    db.session.commit()
    return feedback


@dataclass
class FeedbackSummary:
    count: int = 0
    average: float | None = None
    comments: list[tuple[int, str]] = field(default_factory=list)  # (rating, comment)


def feedback_summaries(lesson_ids) -> dict[int, FeedbackSummary]:
    """Per lesson: how many answered, the average rating and the comments (best first, no times)."""
    lesson_ids = list(lesson_ids)
    if not lesson_ids:
        return {}
    summaries: dict[int, FeedbackSummary] = {}
    rows = db.session.execute(
        select(GuestLessonFeedback.lesson_id, GuestLessonFeedback.rating, GuestLessonFeedback.comment).where(
            GuestLessonFeedback.lesson_id.in_(lesson_ids)
        )
    ).all()
    for lesson_id, rating, comment in rows:
        summary = summaries.setdefault(lesson_id, FeedbackSummary())
        summary.count += 1
        summary.average = (summary.average or 0) + rating
        if comment:
            summary.comments.append((rating, comment))
    for summary in summaries.values():
        summary.average = round(summary.average / summary.count, 1)
        summary.comments.sort(key=lambda c: (-c[0], c[1].lower()))
    return summaries


# --- reminders (run by the mail worker) -------------------------------------------------


def send_lesson_reminders(now: datetime | None = None) -> int:
    """A reminder to both sides two days before a confirmed activity. Returns how many e-mails it queued.

    Idempotent: each lesson is claimed with a conditional UPDATE on reminder_sent_at, so a
    second run (or a second worker) sends nothing again.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(GuestLesson.id)
        .where(
            GuestLesson.status == "confirmed",
            GuestLesson.reminder_sent_at.is_(None),
            GuestLesson.starts_at > now,
            GuestLesson.starts_at <= now + REMINDER_BEFORE,
        )
        .order_by(GuestLesson.starts_at)
        .limit(200)
    ).all()
    queued = 0
    for lesson_id in due:
        claimed = db.session.execute(
            update(GuestLesson)
            .where(GuestLesson.id == lesson_id, GuestLesson.reminder_sent_at.is_(None), GuestLesson.status == "confirmed")
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        lesson = db.session.get(GuestLesson, lesson_id)
        offer = confirmed_offer(lesson)
        if offer is None:
            continue
        event = When(lesson.starts_at, lesson.ends_at)
        coordinators = _coordinators(lesson)
        subject = _l("Herinnering: %(kind)s %(topic)s", kind=KIND_NOUNS[lesson.kind], topic=lesson.topic)
        _mail_alumna(lesson, offer.alumna, "guest_lessons_reminder", subject, when=event, coordinators=coordinators)
        queued += 1
        queued += _mail_coordinators(coordinators, lesson, "guest_lessons_reminder", subject, event, alumna=offer.alumna)
    db.session.commit()
    return queued


# --- start page -------------------------------------------------------------------------


@dataclass
class StartSummary:
    to_confirm: list = field(default_factory=list)  # coordinator: lessons with offers waiting
    to_finish: list = field(default_factory=list)  # coordinator: held, not yet marked done
    upcoming: list = field(default_factory=list)  # both: confirmed, still to come
    invitations: list = field(default_factory=list)  # alumna: invitations to answer
    open_requests: int = 0  # alumna: requests on her board


def start_summary(role: str) -> StartSummary:
    """What the start page shows first, for the logged-in coordinator or alumna."""
    from flask_login import current_user

    now = utcnow()
    summary = StartSummary()
    if role == "coordinator":
        profile = db.session.get(CoordinatorProfile, current_user.id)
        if profile is None:
            return summary
        lessons = db.session.scalars(
            select(GuestLesson)
            .options(selectinload(GuestLesson.options))
            .where(GuestLesson.school_id == profile.school_id, GuestLesson.status.in_(("offered", "confirmed")))
            .order_by(GuestLesson.starts_at, GuestLesson.id)
            .limit(100)
        ).all()
        summary.to_confirm = [l for l in lessons if l.status == "offered"][:5]
        summary.to_finish = [l for l in lessons if may_mark_done(l, now)][:5]
        summary.upcoming = [l for l in lessons if l.status == "confirmed" and l.starts_at and l.starts_at > now][:5]
    elif role == "alumna":
        profile = own_profile(current_user)
        if profile is None:
            return summary
        mine = my_lessons(current_user, now)
        summary.invitations = mine["invited"][:5]
        summary.upcoming = mine["upcoming"][:5]
        summary.open_requests = len(board(profile, now=now).items)
    return summary


# --- e-mail -----------------------------------------------------------------------------


def _coordinators(lesson: GuestLesson, actor: User | None = None) -> list[User]:
    """Who hears about a lesson at the school: its creator and whoever acts now, while they coordinate there."""
    ids = [i for i in (lesson.created_by_id, actor.id if actor else None) if i]
    people = []
    for user_id in dict.fromkeys(ids):
        profile = db.session.get(CoordinatorProfile, user_id)
        if profile is not None and profile.school_id == lesson.school_id and profile.user.activated:
            people.append(profile.user)
    if not people:
        people = list(
            db.session.scalars(
                select(User)
                .join(CoordinatorProfile, CoordinatorProfile.user_id == User.id)
                .where(CoordinatorProfile.school_id == lesson.school_id, User.activated.is_(True))
                .order_by(User.id)
                .limit(5)
            )
        )
    return people


@dataclass(frozen=True)
class When:
    """The time an e-mail is about (the calendar file carries the same)."""

    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False


def _event(lesson: GuestLesson, cancelled: bool = False) -> CalendarEvent:
    school: School = lesson.school
    location = ", ".join(part for part in (lesson.place, school.name, school.city) if part)
    return CalendarEvent(
        uid=lesson.ical_uid,
        sequence=lesson.ical_sequence,
        starts_at=lesson.starts_at,
        ends_at=lesson.ends_at,
        summary=f"{kind_label(lesson.kind)}: {lesson.topic}",
        description=lesson.description,
        location=location,
        organizer_email=_sender_address(),
        cancelled=cancelled,
    )


def _ics(lesson: GuestLesson, recipient: User, cancelled: bool = False) -> str:
    """The lesson's calendar file for one recipient, in her language (one UID, the current SEQUENCE)."""
    with force_locale(recipient.locale or "nl"):
        return calendar_file(_event(lesson, cancelled), attendee_email=recipient.email)


def _sender_address() -> str | None:
    from email.utils import parseaddr

    return parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")[1] or None


def _mail(to: User, lesson: GuestLesson, template: str, subject, **context) -> None:
    queue_email(
        to.email,
        template,
        subject,
        locale=to.locale,
        recipient=to,
        lesson=lesson,
        kind_label=KIND_LABELS[lesson.kind],
        kind_noun=KIND_NOUNS[lesson.kind],
        **context,
    )


def _mail_coordinators(coordinators, lesson: GuestLesson, template: str, subject, event, *, with_ics: bool = False, **context) -> int:
    """The same message to each coordinator of the lesson, linking to her page of it; how many were queued."""
    for coordinator in coordinators:
        _mail(
            coordinator,
            lesson,
            template,
            subject,
            ics=_ics(lesson, coordinator, cancelled=event.cancelled) if with_ics else None,
            link=absolute_url("guest_lessons.lesson", lesson_id=lesson.id),
            when=event,
            for_coordinator=True,
            **context,
        )
    return len(coordinators)


def _mail_alumna(lesson: GuestLesson, alumna: User, template: str, subject, **context) -> None:
    context.setdefault("link", absolute_url("guest_lessons.request", lesson_id=lesson.id))
    _mail(alumna, lesson, template, subject, **context)
