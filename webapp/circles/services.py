"""Mentoring circles: seats and the waitlist, invitations, meetings with calendar files, mentors.

Seats
    A circle counts its taken seats in its own row (`seats_taken`, with the check constraint
    `seats_taken <= capacity`). Taking a seat is one conditional UPDATE::

        UPDATE mentoring_circles SET seats_taken = seats_taken + 1
        WHERE id = :id AND seats_taken < capacity AND status = 'open'

    The database hands out the last seat once: PostgreSQL row-locks the circle and re-checks the
    condition after a concurrent update commits; SQLite takes its database write lock for the
    UPDATE (busy_timeout makes the others wait). Rowcount 1 means she is in ('joined'),
    0 means she is on the waitlist ('waitlisted'). Reads before that UPDATE run outside a write
    transaction on SQLite, so the UPDATE never has to upgrade an old read snapshot.

    Leaving frees the seat in the same transaction: the first waitlisted studente (by
    `created_at`, then id) is moved to 'joined' with a conditional UPDATE (her seat is the freed
    one, so the counter stays the same) and gets an e-mail; with nobody waiting the counter goes
    down by one. Two leaves at once never promote the same studente: the second conditional
    UPDATE finds her already joined and takes the next one.

    A membership row changes state only with a conditional UPDATE on its current state, and the
    unique (circle, student) constraint stops a double insert; both races (two clicks at the
    same moment) end in a rollback and an answer with the current state, never a 500.

Every write function here commits (or rolls back) its own transaction; the routes stay thin.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp.audit.services import record
from webapp.auth import tokens
from webapp.auth.models import Invitation, User
from webapp.circles.models import CircleMeeting, CircleMembership, CircleRequest, MeetingAttendance, MentoringCircle
from webapp.extensions import db
from webapp.ics import CalendarEvent, calendar_file, new_uid
from webapp.modeltools import utcnow
from webapp.outbox.services import queue_email
from webapp.people.directory import reachable_by_school
from webapp.people.models import AlumnaProfile, CoordinatorProfile, Programme, School, StudentProfile
from webapp.timeutil import school_year, to_local, to_utc
from webapp.urls import absolute_url

ACTIVE = ("joined", "waitlisted")
PENDING = ("joined", "waitlisted", "invited")
NOTE_MAX = 2000


class CircleError(ValueError):
    """Something a person cannot do with a circle; the message is shown to her.

    `code` lets a page add the right link ('consent': ask a parent's consent).
    """

    def __init__(self, message: str, code: str = "refused", field: str | None = None):
        super().__init__(message)
        self.code = code
        self.field = field


def local_today() -> date:
    return to_local(utcnow()).date()


def current_school_year() -> str:
    return school_year(local_today())


def needs_guardian_consent(profile: StudentProfile) -> bool:
    """The privacy area's rule (under 16 and no parent's consent), imported when needed."""
    from webapp.privacy.services import needs_guardian_consent as rule

    return rule(profile)


def _sender_address() -> str | None:
    return parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")[1] or None


# --- reading ---------------------------------------------------------------------------------


def membership_of(circle_id: int, student_id: int) -> CircleMembership | None:
    return db.session.scalar(
        select(CircleMembership).where(CircleMembership.circle_id == circle_id, CircleMembership.student_id == student_id)
    )


def waitlist_position(membership: CircleMembership) -> int | None:
    """1 for the first on the waitlist."""
    if membership.status != "waitlisted":
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(CircleMembership)
        .where(
            CircleMembership.circle_id == membership.circle_id,
            CircleMembership.status == "waitlisted",
            (CircleMembership.created_at < membership.created_at)
            | ((CircleMembership.created_at == membership.created_at) & (CircleMembership.id < membership.id)),
        )
    )
    return (ahead or 0) + 1


def members(circle_id: int, statuses: tuple[str, ...] = ("joined",)) -> list[CircleMembership]:
    """Members in the given states; the waitlist in its order."""
    return list(
        db.session.scalars(
            select(CircleMembership)
            .options(joinedload(CircleMembership.student))
            .where(CircleMembership.circle_id == circle_id, CircleMembership.status.in_(statuses))
            .order_by(CircleMembership.created_at, CircleMembership.id)
        )
    )


def waitlist_counts(circle_ids: list[int]) -> dict[int, int]:
    if not circle_ids:
        return {}
    rows = db.session.execute(
        select(CircleMembership.circle_id, func.count())
        .where(CircleMembership.circle_id.in_(circle_ids), CircleMembership.status == "waitlisted")
        .group_by(CircleMembership.circle_id)
    )
    return dict(rows.all())


def meetings_of(circle_id: int, *, upcoming_only: bool = False, include_cancelled: bool = True) -> list[CircleMeeting]:
    query = select(CircleMeeting).where(CircleMeeting.circle_id == circle_id)
    if upcoming_only:
        query = query.where(CircleMeeting.ends_at >= utcnow())
    if not include_cancelled:
        query = query.where(CircleMeeting.cancelled.is_(False))
    return list(db.session.scalars(query.order_by(CircleMeeting.starts_at)))


def next_meetings(circle_ids: list[int]) -> dict[int, CircleMeeting]:
    """The next meeting (not cancelled, not over) of each circle."""
    if not circle_ids:
        return {}
    rows = db.session.scalars(
        select(CircleMeeting)
        .where(CircleMeeting.circle_id.in_(circle_ids), CircleMeeting.cancelled.is_(False), CircleMeeting.ends_at >= utcnow())
        .order_by(CircleMeeting.starts_at)
    )
    found: dict[int, CircleMeeting] = {}
    for meeting in rows:
        found.setdefault(meeting.circle_id, meeting)
    return found


def has_external_mentor(circle: MentoringCircle) -> bool:
    """A mentor from outside the school (an alumna); a circle without one will get one."""
    if circle.mentor_id is None:
        return True
    staff = db.session.scalar(
        select(CoordinatorProfile.user_id).where(
            CoordinatorProfile.user_id == circle.mentor_id, CoordinatorProfile.school_id == circle.school_id
        )
    )
    return staff is None


CONSENT_MESSAGE = _l(
    "Je bent jonger dan 16. Voor een kring met een mentor van buiten school heb je eerst toestemming van je ouder of verzorger nodig."
)


def join_problem(circle: MentoringCircle, profile: StudentProfile | None, *, invited: bool = False) -> CircleError | None:
    """Why this studente may not join this circle now, or None.

    An invitation lets her into an invite-only circle and into a circle of another programme
    (the coordinator chose her); the school, the circle's state and consent always count.
    """
    if profile is None or profile.school_id != circle.school_id:
        return CircleError(_("Deze kring hoort niet bij jouw school."), "school")
    if profile.status != "active":
        return CircleError(_("Alleen studentes die nu op school zitten kunnen meedoen met een kring."), "status")
    if circle.status != "open":
        return CircleError(_("Deze kring is niet open voor aanmelding."), "closed")
    if not invited and circle.invite_only:
        return CircleError(_("Voor deze kring word je uitgenodigd door je coördinator."), "invite_only")
    if not invited and circle.programme_id is not None and circle.programme_id != profile.programme_id:
        name = circle.programme.name if circle.programme else ""
        return CircleError(_("Deze kring is voor studentes van %(programme)s.", programme=name), "programme")
    if needs_guardian_consent(profile) and has_external_mentor(circle):
        return CircleError(str(CONSENT_MESSAGE), "consent")
    return None


@dataclass
class CircleCard:
    """A circle as a studente sees it in the list: her place in it and what she can do."""

    circle: MentoringCircle
    membership: CircleMembership | None
    position: int | None = None
    problem: CircleError | None = None
    next_meeting: CircleMeeting | None = None

    @property
    def status(self) -> str | None:
        return self.membership.status if self.membership else None

    @property
    def seats_free(self) -> int:
        return max(0, self.circle.capacity - self.circle.seats_taken)


def card_for(circle: MentoringCircle, student: User) -> CircleCard:
    return cards_for([circle], student)[0]


def cards_for(circles: list[MentoringCircle], student: User) -> list[CircleCard]:
    profile = db.session.get(StudentProfile, student.id)
    ids = [c.id for c in circles]
    owned = {
        m.circle_id: m
        for m in db.session.scalars(
            select(CircleMembership).where(CircleMembership.student_id == student.id, CircleMembership.circle_id.in_(ids))
        )
    } if ids else {}
    upcoming = next_meetings(ids)
    cards = []
    for circle in circles:
        membership = owned.get(circle.id)
        invited = membership is not None and membership.status == "invited"
        problem = None if membership is not None and membership.status in ACTIVE else join_problem(circle, profile, invited=invited)
        cards.append(
            CircleCard(
                circle=circle,
                membership=membership,
                position=waitlist_position(membership) if membership else None,
                problem=problem,
                next_meeting=upcoming.get(circle.id),
            )
        )
    return cards


def student_overview(student: User) -> dict:
    """What the circles page shows a studente: her circles, invitations, open circles, her request."""
    profile = db.session.get(StudentProfile, student.id)
    if profile is None:
        return {"profile": None, "mine": [], "invited": [], "open": [], "circle_request": None}
    own = list(
        db.session.scalars(
            select(MentoringCircle)
            .join(CircleMembership, CircleMembership.circle_id == MentoringCircle.id)
            .where(
                CircleMembership.student_id == student.id,
                CircleMembership.status.in_(PENDING),
                MentoringCircle.status != "draft",
            )
            .order_by(MentoringCircle.name, MentoringCircle.id)
        )
    )
    own_ids = {c.id for c in own}
    listed = [
        c
        for c in db.session.scalars(
            select(MentoringCircle)
            .where(
                MentoringCircle.school_id == profile.school_id,
                MentoringCircle.status == "open",
                MentoringCircle.invite_only.is_(False),
                (MentoringCircle.programme_id.is_(None)) | (MentoringCircle.programme_id == profile.programme_id),
            )
            .order_by(MentoringCircle.name, MentoringCircle.id)
        )
        if c.id not in own_ids
    ]
    own_cards = cards_for(own, student)
    return {
        "profile": profile,
        "mine": [card for card in own_cards if card.status in ACTIVE],
        "invited": [card for card in own_cards if card.status == "invited"],
        "open": cards_for(listed, student),
        "circle_request": circle_request_of(student.id),
        "needs_consent": needs_guardian_consent(profile),
    }


def can_view_as_student(circle: MentoringCircle, student: User) -> bool:
    profile = db.session.get(StudentProfile, student.id)
    if profile is None or profile.school_id != circle.school_id or circle.status == "draft":
        return False
    membership = membership_of(circle.id, student.id)
    if membership is not None and membership.status in PENDING:
        return True
    return circle.status == "open" and not circle.invite_only


# --- seats -------------------------------------------------------------------------------------


def _lock_circle(circle_id: int) -> None:
    """Take the circle's row lock first (PostgreSQL), so every change to its seats, members and
    invitations locks rows in one order and a join never deadlocks with a leave. On SQLite the
    database write lock already serialises writers (FOR UPDATE is not rendered there)."""
    db.session.execute(select(MentoringCircle.id).where(MentoringCircle.id == circle_id).with_for_update())


def _take_seat(circle_id: int) -> bool:
    result = db.session.execute(
        update(MentoringCircle)
        .where(
            MentoringCircle.id == circle_id,
            MentoringCircle.seats_taken < MentoringCircle.capacity,
            MentoringCircle.status == "open",
        )
        .values(seats_taken=MentoringCircle.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _free_seat(circle_id: int) -> None:
    db.session.execute(
        update(MentoringCircle)
        .where(MentoringCircle.id == circle_id, MentoringCircle.seats_taken > 0)
        .values(seats_taken=MentoringCircle.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _move(membership_id: int, from_statuses: tuple[str, ...], **values) -> bool:
    """Change a membership only if it is still in one of `from_statuses` (two clicks, two tabs)."""
    result = db.session.execute(
        update(CircleMembership)
        .where(CircleMembership.id == membership_id, CircleMembership.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _seat_or_waitlist(
    circle: MentoringCircle, student: User, existing: CircleMembership | None, actor_id: int | None = None
) -> CircleMembership | None:
    """Inside the caller's transaction: a seat if there is one, else the waitlist.

    Returns the membership, or None when a concurrent change got there first (the caller
    rolls back and shows the current state).
    """
    circle_id, student_id = circle.id, student.id
    seated = _take_seat(circle_id)
    now = utcnow()
    values = {
        "status": "joined" if seated else "waitlisted",
        "created_at": now,  # her place in the waitlist counts from now
        "joined_at": now if seated else None,
        "left_at": None,
    }
    if existing is None:
        membership = CircleMembership(circle_id=circle_id, student_id=student_id, **values)
        db.session.add(membership)
        db.session.flush()
    else:
        if not _move(existing.id, (existing.status,), **values):
            return None
        membership = existing
        db.session.expire(membership)
    if seated:
        _queue_welcome(circle, student, "joined")
    record(
        "circle.joined" if seated else "circle.waitlisted",
        subject_user_id=student_id,
        school_id=circle.school_id,
        obj=circle,
        actor_id=actor_id,
    )
    return membership


def join_circle(circle: MentoringCircle, student: User) -> CircleMembership:
    """She signs up: a seat while there is one, else the waitlist. Commits.

    Clicking twice (or two tabs at once) gives the current state, never a second seat.
    """
    profile = db.session.get(StudentProfile, student.id)
    existing = membership_of(circle.id, student.id)
    if existing is not None and existing.status in ACTIVE:
        return existing
    invited = existing is not None and existing.status == "invited"
    problem = join_problem(circle, profile, invited=invited)
    if problem is not None:
        raise problem
    circle_id, student_id = circle.id, student.id
    try:
        _lock_circle(circle_id)
        if invited:
            _close_invitations(circle_id, student_id, "accepted")
        membership = _seat_or_waitlist(circle, student, existing)
        if membership is None:
            db.session.rollback()
        else:
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
    current = membership_of(circle_id, student_id)
    if current is None:  # pragma: no cover - the other click rolled back too
        raise CircleError(_("Dat lukte niet. Probeer het nog een keer."))
    return current


def _promote_next(circle: MentoringCircle) -> CircleMembership | None:
    """A seat was given up: it goes to the first on the waitlist, else the counter goes down."""
    while True:
        candidate = db.session.scalar(
            select(CircleMembership)
            .where(CircleMembership.circle_id == circle.id, CircleMembership.status == "waitlisted")
            .order_by(CircleMembership.created_at, CircleMembership.id)
            .limit(1)
        )
        if candidate is None:
            _free_seat(circle.id)
            return None
        if _move(candidate.id, ("waitlisted",), status="joined", joined_at=utcnow()):
            db.session.expire(candidate)
            _queue_welcome(circle, candidate.student, "promoted")
            record("circle.promoted", subject_user_id=candidate.student_id, school_id=circle.school_id, obj=circle)
            return candidate
        # Someone else promoted her a moment ago: look again.
        db.session.expire(candidate)


def fill_from_waitlist(circle: MentoringCircle) -> int:
    """After more seats (capacity raised, circle opened): move waitlisted studentes in. No commit."""
    moved = 0
    while True:
        candidate = db.session.scalar(
            select(CircleMembership)
            .where(CircleMembership.circle_id == circle.id, CircleMembership.status == "waitlisted")
            .order_by(CircleMembership.created_at, CircleMembership.id)
            .limit(1)
        )
        if candidate is None or not _take_seat(circle.id):
            return moved
        if _move(candidate.id, ("waitlisted",), status="joined", joined_at=utcnow()):
            db.session.expire(candidate)
            _queue_welcome(circle, candidate.student, "promoted")
            record("circle.promoted", subject_user_id=candidate.student_id, school_id=circle.school_id, obj=circle)
            moved += 1
        else:
            _free_seat(circle.id)
            db.session.expire(candidate)


def leave_circle(circle: MentoringCircle, student: User, actor: User | None = None) -> CircleMembership | None:
    """She leaves (or a coordinator takes her out): her seat goes to the first on the waitlist.

    Returns the promoted membership, if any. Commits. Leaving twice is harmless.
    """
    existing = membership_of(circle.id, student.id)
    if existing is None or existing.status not in ACTIVE:
        return None
    if circle.status == "closed":
        raise CircleError(_("Deze kring is afgesloten."), "closed")
    was = existing.status
    promoted = None
    _lock_circle(circle.id)
    if not _move(existing.id, (was,), status="left", left_at=utcnow()):
        db.session.rollback()
        return None
    if was == "joined":
        promoted = _promote_next(circle)
    by_coordinator = actor is not None and actor.id != student.id
    if was == "joined" and student.activated:
        _queue_left(circle, student, by_coordinator)
    record(
        "circle.member_removed" if by_coordinator else "circle.left",
        subject_user_id=student.id,
        school_id=circle.school_id,
        obj=circle,
        was=was,
    )
    db.session.commit()
    return promoted


# --- a studente's request for a circle --------------------------------------------------------


def circle_request_of(student_id: int, year: str | None = None) -> CircleRequest | None:
    return db.session.scalar(
        select(CircleRequest).where(CircleRequest.student_id == student_id, CircleRequest.school_year == (year or current_school_year()))
    )


def request_circle(student: User) -> CircleRequest:
    """'Ik wil in een kring': the coordinator sees her in the formation helper. Commits."""
    profile = db.session.get(StudentProfile, student.id)
    if profile is None or profile.status != "active":
        raise CircleError(_("Alleen studentes die nu op school zitten kunnen een kring aanvragen."))
    if needs_guardian_consent(profile):
        raise CircleError(str(CONSENT_MESSAGE), "consent")
    year = current_school_year()
    existing = circle_request_of(student.id, year)
    if existing is not None:
        return existing
    try:
        db.session.add(CircleRequest(school_id=profile.school_id, student_id=student.id, school_year=year))
        record("circle.requested", subject_user_id=student.id, school_id=profile.school_id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return circle_request_of(student.id, year)


def withdraw_request(student: User) -> None:
    db.session.execute(
        delete(CircleRequest)
        .where(CircleRequest.student_id == student.id, CircleRequest.school_year == current_school_year())
        .execution_options(synchronize_session="fetch")
    )
    db.session.commit()


# --- invitations -------------------------------------------------------------------------------


def invitable_students(circle: MentoringCircle) -> list[tuple[StudentProfile, str | None]]:
    """Active studentes of the school not yet in (or invited to) the circle; with why not, if so.

    Studentes of the circle's programme come first.
    """
    taken = select(CircleMembership.student_id).where(
        CircleMembership.circle_id == circle.id, CircleMembership.status.in_(PENDING)
    )
    profiles = db.session.scalars(
        select(StudentProfile)
        .join(StudentProfile.user)
        .options(joinedload(StudentProfile.programme))
        .where(
            StudentProfile.school_id == circle.school_id,
            StudentProfile.status == "active",
            User.activated.is_(True),
            StudentProfile.user_id.not_in(taken),
        )
        .order_by(User.first_name, User.last_name, User.id)
    ).unique()
    external = has_external_mentor(circle)
    rows = []
    for profile in profiles:
        reason = str(_("toestemming van ouder nodig")) if external and needs_guardian_consent(profile) else None
        rows.append((profile, reason))
    rows.sort(key=lambda row: 0 if circle.programme_id in (None, row[0].programme_id) else 1)
    return rows


def _invitation_days() -> timedelta:
    return timedelta(days=current_app.config.get("INVITATION_DAYS", 14))


def invite_students(circle: MentoringCircle, student_ids: list[int], invited_by: User) -> tuple[list[User], list[User]]:
    """Invite studentes by e-mail with accept and decline links. Returns (invited, skipped). Commits."""
    if circle.status != "open":
        raise CircleError(_("Zet de kring eerst open; daarna kun je studentes uitnodigen."), "closed")
    allowed = {profile.user_id: (profile, reason) for profile, reason in invitable_students(circle)}
    invited: list[User] = []
    skipped: list[User] = []
    try:
        _lock_circle(circle.id)
        for student_id in dict.fromkeys(student_ids):
            if student_id not in allowed:
                continue
            profile, reason = allowed[student_id]
            if reason:
                skipped.append(profile.user)
                continue
            _invite_one(circle, profile.user, invited_by)
            invited.append(profile.user)
        db.session.commit()
    except IntegrityError:  # the same studente invited from two tabs at once
        db.session.rollback()
        raise CircleError(_("Iemand anders nodigde net dezelfde studentes uit. Bekijk de lijst en probeer het opnieuw.")) from None
    return invited, skipped


def _invite_one(circle: MentoringCircle, user: User, invited_by: User) -> Invitation:
    existing = membership_of(circle.id, user.id)
    if existing is None:
        db.session.add(CircleMembership(circle_id=circle.id, student_id=user.id, status="invited", created_at=utcnow()))
    else:
        existing.status = "invited"
        existing.created_at = utcnow()
        existing.left_at = None
    _close_invitations(circle.id, user.id, "withdrawn")  # an older link stops working
    invitation = tokens.new_invitation(
        "circle",
        user.email,
        valid_for=_invitation_days(),
        user_id=user.id,
        school_id=circle.school_id,
        target_type="circle",
        target_id=circle.id,
        created_by_id=invited_by.id,
    )
    token = tokens.token_for(invitation)
    queue_email(
        user.email,
        "circles_invitation",
        _l("Uitnodiging voor de mentorkring %(name)s", name=circle.name),
        locale=user.locale,
        user=user,
        circle=circle,
        mentor=_mentor_profile(circle),
        inviter=invited_by,
        accept_link=absolute_url("circles.invitation", token=token, answer="ja"),
        decline_link=absolute_url("circles.invitation", token=token, answer="nee"),
        expires_at=invitation.expires_at,
    )
    record("circle.invited", subject_user_id=user.id, school_id=circle.school_id, obj=circle)
    return invitation


def _close_invitations(circle_id: int, student_id: int, status: str) -> None:
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.kind == "circle",
            Invitation.target_type == "circle",
            Invitation.target_id == circle_id,
            Invitation.user_id == student_id,
            Invitation.status == "pending",
        )
        .values(status=status, used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


@dataclass
class InvitationView:
    invitation: Invitation
    circle: MentoringCircle
    student: User
    membership: CircleMembership | None


def load_invitation(token: str) -> InvitationView:
    """The circle invitation behind an e-mailed token; TokenError says why it cannot be used."""
    invitation = tokens.load(token, "circle")
    circle = db.session.get(MentoringCircle, invitation.target_id) if invitation.target_type == "circle" else None
    if circle is None or invitation.user is None:
        raise tokens.TokenError(tokens.INVALID)
    return InvitationView(invitation, circle, invitation.user, membership_of(circle.id, invitation.user_id))


def answer_invitation(view: InvitationView, accept: bool) -> CircleMembership | None:
    """Accept (a seat or the waitlist, by the same seat logic) or decline, through the token.

    The token is used once: consuming it is a conditional UPDATE in the same transaction as
    the seat. Raises TokenError (used, expired) or CircleError (she cannot join now; the
    token stays usable). Commits.
    """
    circle, student = view.circle, view.student
    existing = membership_of(circle.id, student.id)
    if accept:
        if existing is not None and existing.status in ACTIVE:
            _lock_circle(circle.id)
            tokens.consume(view.invitation, "accepted")
            db.session.commit()
            return existing
        problem = join_problem(circle, db.session.get(StudentProfile, student.id), invited=True)
        if problem is not None:
            raise problem
    circle_id, student_id = circle.id, student.id
    try:
        _lock_circle(circle_id)
        tokens.consume(view.invitation, "accepted" if accept else "declined")
        if accept:
            if _seat_or_waitlist(circle, student, existing, actor_id=student_id) is None:
                db.session.rollback()
                raise tokens.TokenError(tokens.USED)
        else:
            if existing is not None and existing.status == "invited":
                _move(existing.id, ("invited",), status="declined", left_at=utcnow())
            record("circle.declined", subject_user_id=student_id, school_id=circle.school_id, obj=circle, actor_id=student_id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise tokens.TokenError(tokens.USED) from None
    return membership_of(circle_id, student_id)


def decline_as_student(circle: MentoringCircle, student: User) -> None:
    """Logged in: 'Nee, bedankt' on an invitation. Commits."""
    existing = membership_of(circle.id, student.id)
    if existing is None or existing.status != "invited":
        return
    _lock_circle(circle.id)
    if _move(existing.id, ("invited",), status="declined", left_at=utcnow()):
        _close_invitations(circle.id, student.id, "declined")
        record("circle.declined", subject_user_id=student.id, school_id=circle.school_id, obj=circle)
    db.session.commit()


# --- e-mail --------------------------------------------------------------------------------------


def _mentor_profile(circle: MentoringCircle) -> AlumnaProfile | None:
    return db.session.get(AlumnaProfile, circle.mentor_id) if circle.mentor_id else None


def meeting_event(meeting: CircleMeeting, circle: MentoringCircle | None = None) -> CalendarEvent:
    """The calendar event of a meeting (its UID for life, its current SEQUENCE)."""
    circle = circle or meeting.circle
    summary = _("Mentorkring %(name)s", name=circle.name)
    if meeting.topic:
        summary = f"{summary}: {meeting.topic}"
    lines = [meeting.topic] if meeting.topic else []
    if meeting.video_url:
        lines.append(_("Videolink: %(url)s", url=meeting.video_url))
    lines.append(absolute_url("circles.circle", circle_id=circle.id))
    return CalendarEvent(
        uid=meeting.ical_uid,
        sequence=meeting.ical_sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=summary,
        description="\n".join(lines),
        location=meeting.place or meeting.video_url or "",
        url=meeting.video_url or None,
        organizer_email=_sender_address(),
        cancelled=meeting.cancelled,
    )


def _ics_for(user: User, meetings: list[CircleMeeting], circle: MentoringCircle, cancelled: bool = False) -> str | None:
    """Her calendar file of these meetings; `cancelled` takes them out of her calendar (she left)."""
    if not meetings:
        return None
    with force_locale(user.locale):
        events = (meeting_event(m, circle) for m in meetings)
        if cancelled:
            events = (replace(event, cancelled=True) for event in events)
        return calendar_file(*events, attendee_email=user.email)


def _queue_welcome(circle: MentoringCircle, student: User, how: str) -> None:
    """'joined' (she signed up or accepted), 'promoted' (from the waitlist), 'placed' (formation)."""
    upcoming = meetings_of(circle.id, upcoming_only=True, include_cancelled=False)
    subjects = {
        "joined": _l("Je doet mee met de mentorkring %(name)s", name=circle.name),
        "promoted": _l("Er is een plek vrij: je doet mee met de mentorkring %(name)s", name=circle.name),
        "placed": _l("Je zit in de mentorkring %(name)s", name=circle.name),
    }
    queue_email(
        student.email,
        "circles_welcome",
        subjects[how],
        locale=student.locale,
        ics=_ics_for(student, upcoming, circle),
        user=student,
        how=how,
        circle=circle,
        mentor=_mentor_profile(circle),
        meetings=upcoming,
        link=absolute_url("circles.circle", circle_id=circle.id),
    )


def _queue_left(circle: MentoringCircle, student: User, by_coordinator: bool) -> None:
    """She is out: a confirmation, with a cancellation of the meetings she had in her calendar."""
    upcoming = meetings_of(circle.id, upcoming_only=True, include_cancelled=False)
    queue_email(
        student.email,
        "circles_left",
        _l("Je doet niet meer mee met de mentorkring %(name)s", name=circle.name),
        locale=student.locale,
        ics=_ics_for(student, upcoming, circle, cancelled=True),
        user=student,
        circle=circle,
        by_coordinator=by_coordinator,
        meetings=upcoming,
        link=absolute_url("circles.browse"),
    )


def _queue_mentor_assigned(circle: MentoringCircle, mentor: User) -> None:
    upcoming = meetings_of(circle.id, upcoming_only=True, include_cancelled=False)
    queue_email(
        mentor.email,
        "circles_mentor_assigned",
        _l("Je bent mentor van de kring %(name)s", name=circle.name),
        locale=mentor.locale,
        ics=_ics_for(mentor, upcoming, circle),
        user=mentor,
        circle=circle,
        school=circle.school,
        meetings=upcoming,
        link=absolute_url("circles.mentor_circle", circle_id=circle.id),
    )


def meeting_recipients(circle: MentoringCircle) -> list[User]:
    """Joined members and the mentor with a working account (an erased account gets nothing)."""
    people = [m.student for m in members(circle.id) if m.student.activated]
    if circle.mentor is not None and circle.mentor.activated:
        people.append(circle.mentor)
    return people


def _queue_meeting_mail(meeting: CircleMeeting, kind: str) -> int:
    """kind: 'new', 'changed', 'cancelled'; every joined member and the mentor, each her own .ics."""
    circle = meeting.circle
    subjects = {
        "new": _l("Nieuwe bijeenkomst van je mentorkring %(name)s", name=circle.name),
        "changed": _l("Gewijzigd: bijeenkomst van je mentorkring %(name)s", name=circle.name),
        "cancelled": _l("Afgelast: bijeenkomst van je mentorkring %(name)s", name=circle.name),
    }
    count = 0
    for person in meeting_recipients(circle):
        queue_email(
            person.email,
            "circles_meeting",
            subjects[kind],
            locale=person.locale,
            ics=_ics_for(person, [meeting], circle),
            user=person,
            kind=kind,
            circle=circle,
            meeting=meeting,
            link=absolute_url("circles.mentor_circle" if person.id == circle.mentor_id else "circles.circle", circle_id=circle.id),
        )
        count += 1
    return count


def send_meeting_reminders(now: datetime | None = None) -> int:
    """Queue the reminder for meetings of tomorrow (and later today, if not yet reminded).

    Periodic job of the mail worker. Each meeting is claimed with a conditional UPDATE on
    `reminder_sent_at`, so it is reminded once, also with several workers. Returns how many
    e-mails it queued.
    """
    now = now or utcnow()
    tomorrow = to_local(now).date() + timedelta(days=1)
    until = to_utc(datetime.combine(tomorrow + timedelta(days=1), time(0, 0)))
    due = db.session.scalars(
        select(CircleMeeting)
        .join(MentoringCircle, MentoringCircle.id == CircleMeeting.circle_id)
        .where(
            CircleMeeting.reminder_sent_at.is_(None),
            CircleMeeting.cancelled.is_(False),
            CircleMeeting.starts_at > now,
            CircleMeeting.starts_at < until,
            MentoringCircle.status == "open",
        )
        .order_by(CircleMeeting.starts_at)
    ).all()
    queued = 0
    for meeting in due:
        claimed = db.session.execute(
            update(CircleMeeting)
            .where(CircleMeeting.id == meeting.id, CircleMeeting.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        circle = meeting.circle
        for person in meeting_recipients(circle):
            queue_email(
                person.email,
                "circles_reminder",
                _l("Morgen: je mentorkring %(name)s", name=circle.name)
                if to_local(meeting.starts_at).date() == tomorrow
                else _l("Vandaag: je mentorkring %(name)s", name=circle.name),
                locale=person.locale,
                user=person,
                circle=circle,
                meeting=meeting,
                link=absolute_url("circles.mentor_circle" if person.id == circle.mentor_id else "circles.circle", circle_id=circle.id),
            )
            queued += 1
        db.session.commit()
    db.session.commit()
    return queued


# --- the coordinator's circles ---------------------------------------------------------------------


def school_years_of(school_id: int) -> list[str]:
    """The school years that have circles, newest first, always with the current one."""
    years = set(db.session.scalars(select(MentoringCircle.school_year).where(MentoringCircle.school_id == school_id).distinct()))
    years.add(current_school_year())
    return sorted(years, reverse=True)


def circles_of_school(school_id: int, status: str | None = None, year: str | None = None) -> list[MentoringCircle]:
    query = (
        select(MentoringCircle)
        .options(joinedload(MentoringCircle.mentor), joinedload(MentoringCircle.programme))
        .where(MentoringCircle.school_id == school_id)
    )
    if status:
        query = query.where(MentoringCircle.status == status)
    if year:
        query = query.where(MentoringCircle.school_year == year)
    order = {"open": 0, "draft": 1, "full": 2, "closed": 3}
    circles = list(db.session.scalars(query.order_by(MentoringCircle.name, MentoringCircle.id)))
    circles.sort(key=lambda c: order.get(c.status, 9))
    return circles


def _check_programme(school_id: int, programme_id: int | None) -> Programme | None:
    if not programme_id:
        return None
    programme = db.session.get(Programme, programme_id)
    if programme is None or programme.school_id != school_id:
        raise CircleError(_("Kies een opleiding van je eigen school."), field="programme_id")
    return programme


def _check_mentor(school_id: int, mentor_id: int | None, year: str, current_id: int | None) -> int | None:
    if not mentor_id:
        return None
    if mentor_id == current_id:
        return mentor_id
    chosen = next((s for s in mentor_suggestions(school_id, None, year) if s.user.id == mentor_id), None)
    if chosen is None:
        raise CircleError(_("Kies een mentor uit de lijst: een alumna die mentor wil zijn en jouw school toestaat."), field="mentor_id")
    if not chosen.available:
        raise CircleError(
            _("%(name)s begeleidt dit schooljaar al %(count)s kring(en), haar maximum.", name=chosen.user.first_name, count=chosen.circles_this_year),
            field="mentor_id",
        )
    return mentor_id


def create_circle(school_id: int, data: dict, actor: User) -> MentoringCircle:
    """A new circle from validated form data (name, theme, description, programme_id, capacity,
    mentor_id, invite_only, open_now). Commits."""
    year = current_school_year()
    _check_programme(school_id, data.get("programme_id"))
    mentor_id = _check_mentor(school_id, data.get("mentor_id"), year, None)
    circle = MentoringCircle(
        school_id=school_id,
        programme_id=data.get("programme_id") or None,
        mentor_id=mentor_id,
        name=data["name"].strip(),
        theme=(data.get("theme") or "").strip(),
        description=(data.get("description") or "").strip(),
        capacity=data["capacity"],
        seats_taken=0,
        status="open" if data.get("open_now") else "draft",
        invite_only=bool(data.get("invite_only")),
        school_year=year,
    )
    db.session.add(circle)
    db.session.flush()
    if circle.mentor_id:
        _queue_mentor_assigned(circle, circle.mentor)
    record("circle.created", school_id=school_id, obj=circle, name=circle.name)
    db.session.commit()
    return circle


def update_circle(circle: MentoringCircle, data: dict, actor: User) -> None:
    """Save the coordinator's changes; a raised capacity lets waitlisted studentes in. Commits."""
    _check_programme(circle.school_id, data.get("programme_id"))
    mentor_id = _check_mentor(circle.school_id, data.get("mentor_id"), circle.school_year, circle.mentor_id)
    capacity = data["capacity"]
    taken = db.session.scalar(select(MentoringCircle.seats_taken).where(MentoringCircle.id == circle.id))
    if capacity < taken:
        raise CircleError(
            _("Er doen al %(count)s studentes mee; de kring kan niet kleiner worden dan dat.", count=taken), field="capacity"
        )
    new_mentor = mentor_id is not None and mentor_id != circle.mentor_id
    circle.name = data["name"].strip()
    circle.theme = (data.get("theme") or "").strip()
    circle.description = (data.get("description") or "").strip()
    circle.programme_id = data.get("programme_id") or None
    circle.mentor_id = mentor_id
    circle.invite_only = bool(data.get("invite_only"))
    # The capacity is set with a guarded UPDATE: a seat taken meanwhile is never lost.
    result = db.session.execute(
        update(MentoringCircle)
        .where(MentoringCircle.id == circle.id, MentoringCircle.seats_taken <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise CircleError(_("Er kwamen net studentes bij; de kring kan niet zo klein worden."), field="capacity")
    db.session.flush()
    fill_from_waitlist(circle)
    if new_mentor:
        db.session.flush()
        db.session.expire(circle, ["mentor"])
        _queue_mentor_assigned(circle, circle.mentor)
    record("circle.updated", school_id=circle.school_id, obj=circle)
    db.session.commit()


def open_circle(circle: MentoringCircle) -> None:
    if circle.status == "open":
        return
    circle.status = "open"
    db.session.flush()
    fill_from_waitlist(circle)
    record("circle.opened", school_id=circle.school_id, obj=circle)
    db.session.commit()


def close_circle(circle: MentoringCircle) -> None:
    """The circle ends: no more sign-ups; pending invitations and the waitlist lapse. Commits."""
    if circle.status == "closed":
        return
    _lock_circle(circle.id)
    circle.status = "closed"
    db.session.execute(
        update(CircleMembership)
        .where(CircleMembership.circle_id == circle.id, CircleMembership.status.in_(("waitlisted", "invited")))
        .values(status="left", left_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Invitation)
        .where(Invitation.kind == "circle", Invitation.target_type == "circle", Invitation.target_id == circle.id, Invitation.status == "pending")
        .values(status="withdrawn")
        .execution_options(synchronize_session=False)
    )
    record("circle.closed", school_id=circle.school_id, obj=circle)
    db.session.commit()


# --- mentors -----------------------------------------------------------------------------------------


@dataclass
class MentorSuggestion:
    profile: AlumnaProfile
    fit: int  # 0 same programme, 1 same sector, 2 other
    reasons: list[str]
    circles_this_year: int
    available: bool

    @property
    def user(self) -> User:
        return self.profile.user

    def label(self) -> str:
        parts = [self.user.full_name]
        if self.reasons:
            parts.append(self.reasons[0])
        if not self.available:
            parts.append(_("vol dit schooljaar"))
        return " · ".join(parts)


def circle_counts_this_year(user_ids: list[int], year: str) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(MentoringCircle.mentor_id, func.count())
        .where(MentoringCircle.mentor_id.in_(user_ids), MentoringCircle.school_year == year)
        .group_by(MentoringCircle.mentor_id)
    )
    return dict(rows.all())


def _programme_key(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def mentor_fit(profile: AlumnaProfile, programme: Programme | None) -> int:
    """0: same programme (same row, crebo code or name), 1: same sector, 2: otherwise."""
    if programme is None:
        return 2
    own = profile.programme
    if profile.programme_id == programme.id or (own is not None and own.crebo == programme.crebo):
        return 0
    names = {_programme_key(profile.programme_name), _programme_key(own.name if own else None)} - {""}
    if _programme_key(programme.name) in names:
        return 0
    if profile.sector == programme.sector or (own is not None and own.sector == programme.sector):
        return 1
    return 2


def volunteering_mentors(school_id: int):
    return (
        select(AlumnaProfile)
        .join(AlumnaProfile.user)
        .options(joinedload(AlumnaProfile.programme))
        .where(
            User.activated.is_(True),
            reachable_by_school(school_id),
            cast(AlumnaProfile.activities, String).contains('"circle_mentor"'),
        )
    )


def mentor_suggestions(school_id: int, programme: Programme | None, year: str, keep_id: int | None = None) -> list[MentorSuggestion]:
    """Alumnae who volunteer as circle mentor and allow this school, best fit first.

    Same programme first, then same sector, then the rest; within each, recently graduated
    first. Those who already mentor their maximum of circles this school year come last.
    """
    from webapp.admin.forms import SECTOR_LABELS

    profiles = list(db.session.scalars(volunteering_mentors(school_id)).unique())
    if keep_id and keep_id not in {p.user_id for p in profiles}:
        kept = db.session.get(AlumnaProfile, keep_id)
        if kept is not None:
            profiles.append(kept)
    counts = circle_counts_this_year([p.user_id for p in profiles], year)
    this_year = local_today().year
    suggestions = []
    for profile in profiles:
        fit = mentor_fit(profile, programme)
        reasons = []
        if fit == 0:
            reasons.append(_("zelfde opleiding (%(programme)s)", programme=programme.name))
        elif fit == 1:
            reasons.append(_("zelfde sector (%(sector)s)", sector=SECTOR_LABELS.get(programme.sector, programme.sector)))
        elif programme is not None:
            reasons.append(_("andere richting (%(sector)s)", sector=SECTOR_LABELS.get(profile.sector, profile.sector)))
        if profile.graduated_year:
            if this_year - profile.graduated_year <= 5:
                reasons.append(_("pas afgestudeerd (%(year)s)", year=profile.graduated_year))
            else:
                reasons.append(_("afgestudeerd in %(year)s", year=profile.graduated_year))
        count = counts.get(profile.user_id, 0)
        reasons.append(_("begeleidt %(count)s van max. %(max)s kringen dit schooljaar", count=count, max=profile.max_per_year))
        if profile.user_id == keep_id:
            reasons.append(_("huidige mentor"))
        suggestions.append(
            MentorSuggestion(profile=profile, fit=fit, reasons=reasons, circles_this_year=count, available=count < profile.max_per_year)
        )
    suggestions.sort(
        key=lambda s: (not s.available and s.user.id != keep_id, s.fit, -(s.profile.graduated_year or 0), s.user.last_name, s.user.first_name, s.user.id)
    )
    return suggestions


def mentor_circles(mentor: User) -> list[MentoringCircle]:
    return list(
        db.session.scalars(
            select(MentoringCircle)
            .options(joinedload(MentoringCircle.school))
            .where(MentoringCircle.mentor_id == mentor.id, MentoringCircle.status != "draft")
            .order_by(MentoringCircle.status == "closed", MentoringCircle.name, MentoringCircle.id)
        )
    )


def mentor_member_views(circle: MentoringCircle, viewer: User) -> list[dict]:
    """Members as the mentor may see them: first name, programme, year (contact only if shared)."""
    from webapp.privacy.services import public_student_view

    views = []
    for membership in members(circle.id):
        profile = db.session.get(StudentProfile, membership.student_id)
        if profile is not None:
            views.append(public_student_view(profile, viewer))
    return views


# --- meetings --------------------------------------------------------------------------------------


def meeting_times(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """Local date and times from a form as stored naive UTC."""
    return to_utc(datetime.combine(day, start)), to_utc(datetime.combine(day, end))


def plan_meeting(circle: MentoringCircle, data: dict, actor: User) -> CircleMeeting:
    """A new meeting; members and mentor get an e-mail with its calendar file. Commits."""
    if circle.status == "closed":
        raise CircleError(_("Deze kring is afgesloten."), "closed")
    starts_at, ends_at = meeting_times(data["day"], data["start"], data["end"])
    meeting = CircleMeeting(
        circle_id=circle.id,
        starts_at=starts_at,
        ends_at=ends_at,
        place=(data.get("place") or "").strip(),
        video_url=(data.get("video_url") or "").strip() or None,
        topic=(data.get("topic") or "").strip(),
        ical_uid=new_uid("kring", circle.id),
        ical_sequence=0,
        cancelled=False,
    )
    meeting.circle = circle
    db.session.add(meeting)
    db.session.flush()
    _queue_meeting_mail(meeting, "new")
    record("circle.meeting_planned", school_id=circle.school_id, obj=meeting)
    db.session.commit()
    return meeting


def update_meeting(meeting: CircleMeeting, data: dict, actor: User) -> bool:
    """Save changes; when anything members see changed: same UID, SEQUENCE + 1, e-mail. Commits."""
    if meeting.cancelled:
        raise CircleError(_("Deze bijeenkomst is afgelast en kan niet meer veranderen."), "cancelled")
    starts_at, ends_at = meeting_times(data["day"], data["start"], data["end"])
    new = {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": (data.get("place") or "").strip(),
        "video_url": (data.get("video_url") or "").strip() or None,
        "topic": (data.get("topic") or "").strip(),
    }
    changed = [name for name, value in new.items() if getattr(meeting, name) != value]
    if not changed:
        return False
    if meeting.starts_at != starts_at:
        meeting.reminder_sent_at = None  # a new date gets its own reminder
    for name, value in new.items():
        setattr(meeting, name, value)
    meeting.ical_sequence += 1
    _queue_meeting_mail(meeting, "changed")
    record("circle.meeting_changed", school_id=meeting.circle.school_id, obj=meeting, fields=changed)
    db.session.commit()
    return True


def cancel_meeting(meeting: CircleMeeting, actor: User) -> None:
    """Call a meeting off: the same calendar event as METHOD:CANCEL with a higher SEQUENCE. Commits."""
    if meeting.cancelled:
        return
    meeting.cancelled = True
    meeting.ical_sequence += 1
    _queue_meeting_mail(meeting, "cancelled")
    record("circle.meeting_cancelled", school_id=meeting.circle.school_id, obj=meeting)
    db.session.commit()


def can_manage_meeting(meeting: CircleMeeting, user: User) -> str | None:
    """'coordinator' or 'mentor' when this person may see the meeting's attendance, else None."""
    circle = meeting.circle
    if user.has_role("coordinator"):
        profile = db.session.get(CoordinatorProfile, user.id)
        if profile is not None and profile.school_id == circle.school_id:
            return "coordinator"
    if user.has_role("alumna") and circle.mentor_id == user.id:
        return "mentor"
    return None


def meeting_has_started(meeting: CircleMeeting) -> bool:
    """Attendance is marked from the day of the meeting on."""
    return to_local(meeting.starts_at).date() <= local_today()


def attendance_rows(meeting: CircleMeeting) -> list[tuple[User, bool | None]]:
    """Joined members (and anyone already marked) with present / absent / not marked."""
    marked = {
        row.student_id: row.present
        for row in db.session.scalars(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id))
    }
    people = {m.student_id: m.student for m in members(meeting.circle_id)}
    for student_id in marked:
        if student_id not in people:
            user = db.session.get(User, student_id)
            if user is not None:
                people[student_id] = user
    ordered = sorted(people.values(), key=lambda u: (u.first_name.lower(), u.last_name.lower(), u.id))
    return [(user, marked.get(user.id)) for user in ordered]


def set_attendance(meeting: CircleMeeting, student_id: int, present: bool, actor: User) -> bool:
    """Mark present or absent (idempotent, safe against two clicks). Commits."""
    if meeting.cancelled:
        raise CircleError(_("Deze bijeenkomst is afgelast."), "cancelled")
    if not meeting_has_started(meeting):
        raise CircleError(_("Aanwezigheid vul je in op de dag van de bijeenkomst of daarna."), "future")
    membership = membership_of(meeting.circle_id, student_id)
    already = db.session.get(MeetingAttendance, (meeting.id, student_id))
    if already is None and (membership is None or membership.status not in ("joined", "left")):
        raise CircleError(_("Deze studente zit niet in de kring."), "not_member")
    for _attempt in range(2):
        row = db.session.get(MeetingAttendance, (meeting.id, student_id))
        if row is None:
            db.session.add(MeetingAttendance(meeting_id=meeting.id, student_id=student_id, present=present))
        else:
            row.present = present
        try:
            db.session.commit()
            return present
        except IntegrityError:  # marked by someone else at the same moment: update that row
            db.session.rollback()
    raise CircleError(_("Dat lukte niet. Probeer het nog een keer."))  # pragma: no cover


def save_note(meeting: CircleMeeting, text: str, actor: User) -> None:
    meeting.mentor_note = (text or "").strip()[:NOTE_MAX]
    db.session.commit()


@dataclass
class AttendanceTable:
    meetings: list[CircleMeeting]
    rows: list[tuple[User, list[bool | None], int, int]] = field(default_factory=list)  # user, cells, present, marked


def attendance_table(circle: MentoringCircle) -> AttendanceTable:
    """Per member per held meeting: present, absent or not marked; with a count per member."""
    held = [m for m in meetings_of(circle.id, include_cancelled=False) if meeting_has_started(m)]
    table = AttendanceTable(meetings=held)
    if not held:
        return table
    marks: dict[int, dict[int, bool]] = defaultdict(dict)
    for row in db.session.scalars(select(MeetingAttendance).where(MeetingAttendance.meeting_id.in_([m.id for m in held]))):
        marks[row.student_id][row.meeting_id] = row.present
    people = {m.student_id: m.student for m in members(circle.id, ("joined", "left")) if m.status == "joined" or m.student_id in marks}
    for user in sorted(people.values(), key=lambda u: (u.first_name.lower(), u.id)):
        cells = [marks[user.id].get(m.id) for m in held]
        table.rows.append((user, cells, sum(1 for c in cells if c), sum(1 for c in cells if c is not None)))
    return table


# --- the start page --------------------------------------------------------------------------------


def start_summary(user: User) -> dict:
    """What the start page shows per role (see templates/circles/_start.html)."""
    summary: dict = {}
    if user.has_role("student"):
        overview = student_overview(user)
        if overview["profile"] is not None:
            summary["student"] = {
                "mine": overview["mine"],
                "invited": overview["invited"],
                "open_count": sum(1 for card in overview["open"] if card.problem is None),
                "circle_request": overview["circle_request"],
            }
    if user.has_role("alumna"):
        circles = [c for c in mentor_circles(user) if c.status == "open"]
        if circles:
            upcoming = next_meetings([c.id for c in circles])
            summary["mentor"] = [(c, upcoming.get(c.id)) for c in circles]
    if user.has_role("coordinator"):
        profile = db.session.get(CoordinatorProfile, user.id)
        if profile is not None:
            summary["coordinator"] = coordinator_summary(profile.school_id)
    return summary


def coordinator_summary(school_id: int) -> dict:
    year = current_school_year()
    open_ids = list(
        db.session.scalars(select(MentoringCircle.id).where(MentoringCircle.school_id == school_id, MentoringCircle.status == "open"))
    )
    joined = db.session.scalar(select(func.coalesce(func.sum(MentoringCircle.seats_taken), 0)).where(MentoringCircle.id.in_(open_ids))) if open_ids else 0
    waiting = sum(waitlist_counts(open_ids).values())
    without_mentor = db.session.scalar(
        select(func.count()).select_from(MentoringCircle).where(
            MentoringCircle.school_id == school_id, MentoringCircle.status.in_(("draft", "open")), MentoringCircle.mentor_id.is_(None)
        )
    )
    soon = list(
        db.session.scalars(
            select(CircleMeeting)
            .options(joinedload(CircleMeeting.circle))
            .where(
                CircleMeeting.circle_id.in_(open_ids),
                CircleMeeting.cancelled.is_(False),
                CircleMeeting.ends_at >= utcnow(),
                CircleMeeting.starts_at < utcnow() + timedelta(days=14),
            )
            .order_by(CircleMeeting.starts_at)
            .limit(5)
        )
    ) if open_ids else []
    from webapp.circles.formation import requesters

    return {
        "open": len(open_ids),
        "joined": joined or 0,
        "waiting": waiting,
        "without_mentor": without_mentor or 0,
        "requests": len(requesters(school_id, year)[0]),
        "soon": soon,
    }


def school_of(school_id: int) -> School | None:
    return db.session.get(School, school_id)
