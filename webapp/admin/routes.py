from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from webapp.admin import bp, services
from webapp.admin.forms import CoordinatorInviteForm, ProgrammeForm, SchoolForm
from webapp.extensions import db
from webapp.people.models import CoordinatorProfile, Programme, School, StudentProfile
from webapp.security import roles_required
from webapp.web import flash_message, redirect_to, render


@bp.route("/scholen", methods=["GET", "POST"])
@roles_required("admin")
def schools():
    form = SchoolForm()
    if form.validate_on_submit():
        try:
            school = services.create_school(form.name.data, form.city.data or "", form.brin.data, form.retention_years.data)
        except services.AdminError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash_message(_("School %(name)s is toegevoegd.", name=school.name))
            return redirect_to(url_for("admin.school", school_id=school.id))
    student_counts = (
        select(StudentProfile.school_id, func.count().label("students"))
        .where(StudentProfile.status == "active")
        .group_by(StudentProfile.school_id)
        .subquery()
    )
    rows = db.session.execute(
        select(School, func.coalesce(student_counts.c.students, 0))
        .outerjoin(student_counts, student_counts.c.school_id == School.id)
        .order_by(School.name)
    ).all()
    return render("admin/schools.html", form=form, rows=rows, status=422 if form.errors else 200)


def _school_page(school: School, programme_form=None, coordinator_form=None, status: int = 200):
    coordinators = db.session.scalars(select(CoordinatorProfile).where(CoordinatorProfile.school_id == school.id)).all()
    programmes = db.session.scalars(select(Programme).where(Programme.school_id == school.id).order_by(Programme.name)).all()
    return render(
        "admin/school.html",
        school=school,
        programmes=programmes,
        coordinators=coordinators,
        programme_form=programme_form or ProgrammeForm(prefix="programme"),
        coordinator_form=coordinator_form or CoordinatorInviteForm(prefix="coordinator"),
        status=status,
    )


@bp.get("/scholen/<int:school_id>")
@roles_required("admin")
def school(school_id: int):
    return _school_page(db.get_or_404(School, school_id))


@bp.post("/scholen/<int:school_id>/opleidingen")
@roles_required("admin")
def add_programme(school_id: int):
    school = db.get_or_404(School, school_id)
    form = ProgrammeForm(prefix="programme")
    if form.validate_on_submit():
        try:
            services.add_programme(
                school,
                name=form.name.data,
                crebo=form.crebo.data,
                level=int(form.level.data),
                pathway=form.pathway.data,
                sector=form.sector.data,
            )
        except services.AdminError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash_message(_("Opleiding %(name)s is toegevoegd.", name=form.name.data))
            return redirect_to(url_for("admin.school", school_id=school.id))
    return _school_page(school, programme_form=form, status=422)


@bp.post("/scholen/<int:school_id>/coordinatoren")
@roles_required("admin")
def invite_coordinator(school_id: int):
    school = db.get_or_404(School, school_id)
    form = CoordinatorInviteForm(prefix="coordinator")
    if form.validate_on_submit():
        try:
            user = services.invite_coordinator(
                school,
                email=form.email.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data or "",
                job_title=form.job_title.data or "",
                invited_by=current_user,
            )
        except services.AdminError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash_message(_("%(name)s is uitgenodigd als coördinator.", name=user.full_name))
            return redirect_to(url_for("admin.school", school_id=school.id))
    return _school_page(school, coordinator_form=form, status=422)
