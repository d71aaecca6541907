"""Coordinator writes on the people of her school."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from webapp.audit.services import record
from webapp.auth import services as auth_services
from webapp.auth.models import Invitation, User
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.people.models import Programme, School, StudentProfile


class PeopleError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def programmes_of(school_id: int) -> list[Programme]:
    return list(db.session.scalars(select(Programme).where(Programme.school_id == school_id).order_by(Programme.name)))


def invite_student(
    school: School,
    *,
    first_name: str,
    last_name: str,
    email: str,
    programme_id: int | None,
    year: int,
    student_number: str | None,
    invited_by: User,
) -> User:
    """Add a student to the school and e-mail her an activation link."""
    if auth_services.find_user(email) is not None:
        raise PeopleError("email", _("Er is al een account met dit e-mailadres."))
    if programme_id is not None and db.session.scalar(
        select(Programme.id).where(Programme.id == programme_id, Programme.school_id == school.id)
    ) is None:
        raise PeopleError("programme_id", _("Kies een opleiding van je eigen school."))
    if student_number and db.session.scalar(
        select(StudentProfile.user_id).where(StudentProfile.school_id == school.id, StudentProfile.student_number == student_number)
    ):
        raise PeopleError("student_number", _("Dit studentnummer is al in gebruik."))
    user = User(email=auth_services.normalise_email(email), first_name=first_name.strip(), last_name=last_name.strip())
    user.add_role("student")
    db.session.add(user)
    db.session.flush()
    db.session.add(
        StudentProfile(
            user_id=user.id,
            school_id=school.id,
            programme_id=programme_id,
            year=year,
            student_number=student_number or None,
        )
    )
    auth_services.send_activation(user, school_id=school.id, invited_by=invited_by, school_name=school.name)
    record("student.invited", subject_user_id=user.id, school_id=school.id)
    db.session.commit()
    return user


def invite_alumna(school: School, *, email: str, message: str, invited_by: User) -> Invitation:
    invitation = auth_services.invite_alumna(
        email, school_id=school.id, invited_by=invited_by, school_name=school.name, message=message.strip()
    )
    db.session.commit()
    return invitation


def recent_invitations(school_id: int, limit: int = 20) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.school_id == school_id, Invitation.kind.in_(("activate", "alumna")))
            .order_by(Invitation.id.desc())
            .limit(limit)
        )
    )


# --- profiles ---------------------------------------------------------------------------


def student_form_data(profile: StudentProfile) -> dict:
    """The form's view of a student profile: shared tags checked, own tags as text."""
    from webapp.people.vocabulary import INTERESTS

    preferences = profile.buddy_preferences or {}
    return {
        "programme_id": profile.programme_id,
        "year": profile.year,
        "interests": [tag for tag in profile.interests or [] if tag in INTERESTS],
        "own_interests": ", ".join(tag for tag in profile.interests or [] if tag not in INTERESTS),
        "phone": profile.user.phone or "",
        "wants_buddy": profile.wants_buddy,
        "volunteers_as_buddy": profile.volunteers_as_buddy,
        "buddy_capacity": profile.buddy_capacity or 1,
        "languages": preferences.get("languages", []),
        "region": preferences.get("region", ""),
        "contact": preferences.get("contact", ""),
        "matters": preferences.get("matters", []),
    }


def update_student_profile(profile: StudentProfile, data: dict, actor: User) -> None:
    """Save a student's profile from validated form data."""
    from webapp.forms import free_tags

    if data["programme_id"] not in {p.id for p in programmes_of(profile.school_id)}:
        raise PeopleError("programme_id", _("Kies een opleiding van je eigen school."))
    profile.programme_id = data["programme_id"]
    profile.year = data["year"]
    profile.interests = list(dict.fromkeys(list(data["interests"]) + free_tags(data["own_interests"])))
    profile.user.phone = (data.get("phone") or "").strip() or None
    profile.wants_buddy = bool(data["wants_buddy"])
    profile.volunteers_as_buddy = bool(data["volunteers_as_buddy"]) and profile.year >= 2
    profile.buddy_capacity = data["buddy_capacity"] if profile.volunteers_as_buddy else 0
    profile.buddy_preferences = {
        "languages": list(data["languages"]),
        "region": data["region"] or None,
        "contact": data["contact"] or None,
        "matters": list(data["matters"]),
    }
    if actor.id != profile.user_id:
        record("student.changed", subject_user_id=profile.user_id, school_id=profile.school_id, fields=sorted(data))
    db.session.commit()


def alumna_form_data(profile) -> dict:
    from webapp.people.vocabulary import INTERESTS

    return {
        "first_name": profile.user.first_name,
        "last_name": profile.user.last_name,
        "school_id": profile.school_id or 0,
        "programme_name": profile.programme_name or (profile.programme.name if profile.programme else ""),
        "graduated_year": profile.graduated_year,
        "job_title": profile.job_title,
        "employer": profile.employer,
        "sector": profile.sector,
        "topics": [tag for tag in profile.topics or [] if tag in INTERESTS],
        "own_topics": ", ".join(tag for tag in profile.topics or [] if tag not in INTERESTS),
        "activities": list(profile.activities or []),
        "max_per_year": profile.max_per_year,
        "all_schools": profile.all_schools,
        "allowed_schools": [allowed.school_id for allowed in profile.allowed_schools],
        "phone": profile.user.phone or "",
        "story": profile.story,
    }


def update_alumna_profile(profile, data: dict) -> None:
    from webapp.forms import free_tags
    from webapp.people.models import AlumnaAllowedSchool

    user = profile.user
    user.first_name = data["first_name"].strip()
    user.last_name = (data["last_name"] or "").strip()
    user.phone = (data.get("phone") or "").strip() or None
    profile.school_id = data["school_id"] or None
    profile.programme_name = data["programme_name"].strip()
    if profile.programme_id and (profile.programme is None or profile.programme.school_id != profile.school_id):
        profile.programme_id = None
    if profile.school_id and not profile.programme_id:
        match = db.session.scalar(
            select(Programme).where(
                Programme.school_id == profile.school_id, func.lower(Programme.name) == profile.programme_name.lower()
            )
        )
        profile.programme_id = match.id if match else None
    profile.graduated_year = data["graduated_year"]
    profile.job_title = (data["job_title"] or "").strip()
    profile.employer = (data["employer"] or "").strip()
    profile.sector = data["sector"]
    profile.topics = list(dict.fromkeys(list(data["topics"]) + free_tags(data["own_topics"])))
    profile.activities = list(data["activities"])
    profile.max_per_year = data["max_per_year"]
    profile.all_schools = bool(data["all_schools"])
    wanted = set() if profile.all_schools else set(data["allowed_schools"])
    profile.allowed_schools = [a for a in profile.allowed_schools if a.school_id in wanted] + [
        AlumnaAllowedSchool(school_id=school_id) for school_id in sorted(wanted - {a.school_id for a in profile.allowed_schools})
    ]
    profile.story = (data["story"] or "").strip()
    db.session.commit()


def all_schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name)))


def alumna_impact(user_id: int) -> dict[str, int]:
    """What an alumna did for students: lessons given, circles mentored, students met."""
    from webapp.circles.models import CircleMembership, MentoringCircle
    from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer
    from webapp.speeddates.models import SpeeddateHost, SpeeddateSlot

    lessons = db.session.scalar(
        select(func.count())
        .select_from(GuestLessonOffer)
        .join(GuestLesson, GuestLesson.id == GuestLessonOffer.lesson_id)
        .where(GuestLessonOffer.alumna_id == user_id, GuestLessonOffer.status == "confirmed", GuestLesson.status == "done")
    )
    circles = db.session.scalar(select(func.count()).select_from(MentoringCircle).where(MentoringCircle.mentor_id == user_id))
    circle_students = (
        select(CircleMembership.student_id)
        .join(MentoringCircle, MentoringCircle.id == CircleMembership.circle_id)
        .where(MentoringCircle.mentor_id == user_id, CircleMembership.status.in_(("joined", "left")))
    )
    speeddate_students = (
        select(SpeeddateSlot.student_id)
        .join(SpeeddateHost, SpeeddateHost.id == SpeeddateSlot.host_id)
        .where(SpeeddateHost.alumna_id == user_id, SpeeddateSlot.attended.is_not(False))
    )
    met = db.session.scalar(select(func.count()).select_from(circle_students.union(speeddate_students).subquery()))
    return {"lessons": lessons or 0, "circles": circles or 0, "students": met or 0}


# --- students: the coordinator's changes ------------------------------------------------


def update_student_by_coordinator(profile: StudentProfile, data: dict) -> None:
    if data["programme_id"] not in {p.id for p in programmes_of(profile.school_id)}:
        raise PeopleError("programme_id", _("Kies een opleiding van je eigen school."))
    number = (data.get("student_number") or "").strip() or None
    if number and db.session.scalar(
        select(StudentProfile.user_id).where(
            StudentProfile.school_id == profile.school_id,
            StudentProfile.student_number == number,
            StudentProfile.user_id != profile.user_id,
        )
    ):
        raise PeopleError("student_number", _("Dit studentnummer is al in gebruik."))
    profile.programme_id = data["programme_id"]
    profile.year = data["year"]
    profile.student_number = number
    profile.birth_date = data.get("birth_date")
    record("student.changed", subject_user_id=profile.user_id, school_id=profile.school_id, fields=["programme", "year", "student_number", "birth_date"])
    db.session.commit()


def set_student_status(profile: StudentProfile, status: str, left_at, reason: str, actor: User) -> Invitation | None:
    """Record a graduation, a switch or a departure; a graduate is invited to stay as alumna."""
    from datetime import date

    previous = profile.status
    profile.status = status
    profile.left_at = None if status == "active" else (left_at or date.today())
    profile.leave_reason = None if status == "active" else (reason.strip() or None)
    invitation = None
    user = profile.user
    if status == "graduated" and previous != "graduated" and not user.has_role("alumna"):
        invitation = auth_services.invite_alumna(
            user.email,
            school_id=profile.school_id,
            invited_by=actor,
            school_name=profile.school.name,
            message=_("Gefeliciteerd met je diploma! Blijf als vakvrouw verbonden met je school en inspireer nieuwe studentes."),
        )
    record("student.status_changed", subject_user_id=profile.user_id, school_id=profile.school_id, status=status, previous=previous)
    db.session.commit()
    return invitation


# --- invitations ------------------------------------------------------------------------


@dataclass
class BulkInviteResult:
    invited: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


MAX_BULK = 500


def parse_addresses(text: str, csv_bytes: bytes | None) -> list[str]:
    """E-mail addresses from pasted text and/or a CSV file, in order, without duplicates."""
    import csv
    import io
    import re

    found: list[str] = []
    for part in re.split(r"[\s,;]+", text or ""):
        if part.strip():
            found.append(part.strip().strip("<>\"'"))
    if csv_bytes:
        try:
            content = csv_bytes.decode("utf-8-sig")
        except UnicodeDecodeError:
            content = csv_bytes.decode("cp1252", errors="replace")
        content = content.replace("\x00", "")  # as in every form field: no address has one
        dialect = csv.excel
        try:
            dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
        except csv.Error:
            pass
        try:
            for row in csv.reader(io.StringIO(content), dialect):
                found.extend(cell.strip() for cell in row if "@" in cell)
        except csv.Error:
            pass  # a cell larger than the csv module reads: keep the addresses found before it
    unique: list[str] = []
    for address in found:
        address = address.lower()
        if address not in unique:
            unique.append(address)
    return unique


def invite_alumnae(school: School, addresses: list[str], message: str, invited_by: User) -> BulkInviteResult:
    """Invite many vakvrouwen at once; invalid, known and already invited addresses are skipped with a reason."""
    from email_validator import EmailNotValidError, validate_email

    from webapp.people.models import AlumnaProfile

    result = BulkInviteResult()
    pending = set(
        db.session.scalars(
            select(Invitation.email).where(
                Invitation.school_id == school.id, Invitation.kind == "alumna", Invitation.status == "pending", Invitation.expires_at > utcnow()
            )
        )
    )
    members = set(
        db.session.scalars(select(func.lower(User.email)).join(AlumnaProfile, AlumnaProfile.user_id == User.id).where(func.lower(User.email).in_(addresses)))
    )
    for address in addresses:
        if len(result.invited) >= MAX_BULK:
            result.skipped.append((address, _("niet verstuurd: maximaal %(max)s per keer", max=MAX_BULK)))
            continue
        try:
            address = validate_email(address, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            result.skipped.append((address, _("geen geldig e-mailadres")))
            continue
        if address in members:
            result.skipped.append((address, _("is al lid van het alumninetwerk")))
        elif address in pending:
            result.skipped.append((address, _("is al uitgenodigd")))
        else:
            auth_services.invite_alumna(address, school_id=school.id, invited_by=invited_by, school_name=school.name, message=message.strip())
            pending.add(address)
            result.invited.append(address)
    db.session.commit()
    return result


def invitations_of(school_id: int, kind: str | None = None, status: str | None = None, page: int = 1):
    query = (
        select(Invitation)
        .options(joinedload(Invitation.user))
        .where(Invitation.school_id == school_id, Invitation.kind.in_(("activate", "alumna")))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    if kind in ("activate", "alumna"):
        query = query.where(Invitation.kind == kind)
    if status == "expired":
        query = query.where(Invitation.status == "pending", Invitation.expires_at <= utcnow())
    elif status in ("pending", "accepted", "withdrawn"):
        query = query.where(Invitation.status == status)
        if status == "pending":
            query = query.where(Invitation.expires_at > utcnow())
    return db.paginate(query, page=page, per_page=25, error_out=False)


def resend_invitation(invitation: Invitation, actor: User) -> None:
    from webapp.auth import tokens

    if invitation.status != "pending":
        raise PeopleError("invitation", _("Deze uitnodiging is al beantwoord of ingetrokken."))
    tokens.renew(invitation, timedelta(days=current_app.config["INVITATION_DAYS"]))
    invitation.reminded_at = None
    _send_invitation_mail(invitation, reminder=False, actor=actor)
    record("invitation.resent", school_id=invitation.school_id, obj=invitation, subject_user_id=invitation.user_id)
    db.session.commit()


def withdraw_invitation(invitation: Invitation) -> None:
    if invitation.status != "pending":
        raise PeopleError("invitation", _("Deze uitnodiging is al beantwoord of ingetrokken."))
    invitation.status = "withdrawn"
    record("invitation.withdrawn", school_id=invitation.school_id, obj=invitation, subject_user_id=invitation.user_id)
    db.session.commit()


def _send_invitation_mail(invitation: Invitation, *, reminder: bool, actor: User | None) -> None:
    from flask_babel import lazy_gettext as _l

    from webapp.auth import tokens
    from webapp.outbox.services import queue_email
    from webapp.urls import absolute_url

    school = db.session.get(School, invitation.school_id) if invitation.school_id else None
    token = tokens.token_for(invitation)
    if invitation.kind == "alumna":
        endpoint, template = "auth.register_alumna", "invite_alumna"
        subject = _l("Herinnering: uitnodiging voor het alumninetwerk van Kring") if reminder else _l("Uitnodiging voor het alumninetwerk van Kring")
        extra = {"message": invitation.note or "", "inviter": actor or _inviter(invitation)}
    else:
        endpoint, template = "auth.activate", "activate"
        subject = _l("Herinnering: activeer je account bij Kring") if reminder else _l("Activeer je account bij Kring")
        extra = {"user": invitation.user, "inviter": actor or _inviter(invitation)}
    queue_email(
        invitation.email,
        template,
        subject,
        locale=invitation.user.locale if invitation.user else "nl",
        school_name=school.name if school else "",
        link=absolute_url(endpoint, token=token),
        expires_at=invitation.expires_at,
        reminder=reminder,
        **extra,
    )


def _inviter(invitation: Invitation) -> User | None:
    return db.session.get(User, invitation.created_by_id) if invitation.created_by_id else None


REMINDER_AFTER = timedelta(days=7)


def send_due_reminders(now=None) -> int:
    """One reminder for each invitation left unanswered for 7 days (run by the mail worker)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Invitation).where(
            Invitation.kind.in_(("activate", "alumna")),
            Invitation.status == "pending",
            Invitation.reminded_at.is_(None),
            Invitation.created_at <= now - REMINDER_AFTER,
            Invitation.expires_at > now,
        ).limit(500)
    ).all()
    for invitation in due:
        invitation.reminded_at = now
        _send_invitation_mail(invitation, reminder=True, actor=None)
    db.session.commit()
    return len(due)


# --- exports ----------------------------------------------------------------------------


def csv_response_body(header: list[str], rows) -> str:
    """CSV as Dutch Excel opens it: UTF-8 with a byte order mark, separated by semicolons."""
    import csv
    import io

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["'" + str(cell) if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
    return buffer.getvalue()
