from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.extensions import db
from webapp.main import bp
from webapp.people.models import AlumnaProfile, CoordinatorProfile, StudentProfile
from webapp.people.services import recent_invitations
from webapp.web import render


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unavailable"}, 503
    return {"status": "ok"}


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.start"))
    return redirect(url_for("auth.login"))


@bp.get("/start")
@login_required
def start():
    student = db.session.get(StudentProfile, current_user.id) if current_user.has_role("student") else None
    alumna = db.session.get(AlumnaProfile, current_user.id) if current_user.has_role("alumna") else None
    coordinator = db.session.get(CoordinatorProfile, current_user.id) if current_user.has_role("coordinator") else None
    invitations = recent_invitations(coordinator.school_id) if coordinator else []
    return render(
        "main/start.html",
        student=student,
        alumna=alumna,
        coordinator=coordinator,
        invitations=invitations,
    )
