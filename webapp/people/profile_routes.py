"""A studente's and an alumna's own profile, edited with inline validation."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.extensions import db
from webapp.forms import choices
from webapp.people import profile_bp as bp
from webapp.people import services
from webapp.people.forms import AlumnaProfileForm, StudentProfileForm
from webapp.people.models import AlumnaProfile, StudentProfile
from webapp.security import roles_required
from webapp.web import render


def _student_form(profile: StudentProfile, data: dict | None = None) -> StudentProfileForm:
    form = StudentProfileForm(data=data) if data is not None else StudentProfileForm()
    form.programme_id.choices = choices(
        (p.id, f"{p.name} ({_('niveau')} {p.level}, {p.pathway})") for p in services.programmes_of(profile.school_id)
    )
    return form


def _alumna_form(data: dict | None = None) -> AlumnaProfileForm:
    form = AlumnaProfileForm(data=data) if data is not None else AlumnaProfileForm()
    schools = services.all_schools()
    form.school_id.choices = choices([(0, _("Een andere school"))] + [(s.id, s.name) for s in schools])
    form.allowed_schools.choices = choices((s.id, s.name) for s in schools)
    return form


def _own(model):
    profile = db.session.get(model, current_user.id)
    if profile is None:
        abort(404)
    return profile


def _page(partial: str | None = None, status: int = 200, student_form=None, alumna_form=None, **context):
    """The profile page with a form per role she holds; the posted form keeps what she typed."""
    student = db.session.get(StudentProfile, current_user.id) if current_user.has_role("student") else None
    alumna = db.session.get(AlumnaProfile, current_user.id) if current_user.has_role("alumna") else None
    if student is None and alumna is None:
        abort(404)
    if student is not None and student_form is None:
        student_form = _student_form(student, services.student_form_data(student))
    if alumna is not None and alumna_form is None:
        alumna_form = _alumna_form(services.alumna_form_data(alumna))
    return render(
        "people/profile.html",
        partial,
        status=status,
        student_form=student_form,
        alumna_form=alumna_form,
        alumna=alumna,
        impact=services.alumna_impact(alumna.user_id) if alumna else None,
        **context,
    )


@bp.get("")
@login_required
def edit():
    return _page()


def _validate_field(form, partial: str, **context):
    """Validate the posted form and answer with only the field that was just left."""
    name = request.form.get("_field", "")
    if name not in form._fields or name == "csrf_token":
        abort(400)
    form.validate()
    return render(partial, partial, form=form, name=name, **context)


@bp.post("/studente/valideren")
@roles_required("student")
def validate_student():
    form = _student_form(_own(StudentProfile))
    return _validate_field(form, "people/_profile_field.html", validate_url=url_for("profile.validate_student"))


@bp.post("/studente")
@roles_required("student")
def save_student():
    profile = _own(StudentProfile)
    form = _student_form(profile)
    saved = False
    if form.validate_on_submit():
        try:
            services.update_student_profile(profile, form.data, current_user)
            saved = True
        except services.PeopleError as error:
            form[error.field].errors.append(str(error))
    return _page("people/_student_form.html", status=200 if saved else 422, student_form=form, saved=saved)


@bp.post("/alumna/valideren")
@roles_required("alumna")
def validate_alumna():
    _own(AlumnaProfile)
    return _validate_field(_alumna_form(), "people/_profile_field.html", validate_url=url_for("profile.validate_alumna"))


@bp.post("/alumna")
@roles_required("alumna")
def save_alumna():
    profile = _own(AlumnaProfile)
    form = _alumna_form()
    saved = False
    if form.validate_on_submit():
        services.update_alumna_profile(profile, form.data)
        saved = True
    return _page("people/_alumna_form.html", status=200 if saved else 422, alumna_form=form, saved=saved)
