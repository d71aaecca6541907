"""Writes of the network staff: schools, programmes, coordinators."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webapp.audit.services import record
from webapp.auth import services as auth_services
from webapp.auth.models import User
from webapp.extensions import db
from webapp.outbox.services import queue_email
from webapp.people.models import CoordinatorProfile, Programme, School
from webapp.urls import absolute_url


class AdminError(ValueError):
    """A request that cannot be carried out; the message is for the form."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def create_school(name: str, city: str, brin: str | None, retention_years: int) -> School:
    name = name.strip()
    # lower() on both sides: the database's lower() may leave letters such as Ő alone that Python's changes.
    if db.session.scalar(select(School.id).where(func.lower(School.name) == func.lower(name))):
        raise AdminError("name", _("Er is al een school met deze naam."))
    brin = brin.strip().upper() if brin else None
    if brin and db.session.scalar(select(School.id).where(School.brin == brin)):
        raise AdminError("brin", _("Er is al een school met deze BRIN-code."))
    school = School(name=name, city=city.strip(), brin=brin, retention_years=retention_years)
    db.session.add(school)
    db.session.flush()
    record("school.created", school_id=school.id, obj=school)
    db.session.commit()
    return school


def add_programme(school: School, *, name: str, crebo: str, level: int, pathway: str, sector: str) -> Programme:
    exists = db.session.scalar(
        select(Programme.id).where(Programme.school_id == school.id, Programme.crebo == crebo, Programme.pathway == pathway)
    )
    if exists:
        raise AdminError("crebo", _("Deze school heeft deze opleiding (crebo en leerweg) al."))
    programme = Programme(school_id=school.id, name=name.strip(), crebo=crebo, level=level, pathway=pathway, sector=sector)
    db.session.add(programme)
    db.session.flush()
    record("programme.created", school_id=school.id, obj=programme)
    db.session.commit()
    return programme


def invite_coordinator(school: School, *, email: str, first_name: str, last_name: str, job_title: str, invited_by: User) -> User:
    """Make someone coordinator of a school; a new account gets an activation e-mail."""
    user = auth_services.find_user(email)
    if user is not None:
        profile = db.session.get(CoordinatorProfile, user.id)
        if profile is not None:
            if profile.school_id == school.id:
                raise AdminError("email", _("Deze persoon is al coördinator van deze school."))
            raise AdminError("email", _("Deze persoon is al coördinator van een andere school."))
    else:
        user = User(email=auth_services.normalise_email(email), first_name=first_name.strip(), last_name=last_name.strip())
        db.session.add(user)
    user.add_role("coordinator")
    db.session.flush()
    db.session.add(CoordinatorProfile(user_id=user.id, school_id=school.id, job_title=job_title.strip()))
    if user.activated:
        queue_email(
            user.email,
            "coordinator_added",
            _l("Je bent coördinator bij Kring"),
            locale=user.locale,
            user=user,
            school_name=school.name,
            link=absolute_url("main.start"),
        )
    else:
        auth_services.send_activation(user, school_id=school.id, invited_by=invited_by, school_name=school.name)
    record("coordinator.invited", subject_user_id=user.id, school_id=school.id)
    db.session.commit()
    return user
