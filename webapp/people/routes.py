"""The coordinator's pages for her school's people: lists, a student's page, invitations."""

from __future__ import annotations

from flask import Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.audit.services import record
from webapp.auth.models import Invitation
from webapp.extensions import db
from webapp.forms import EmptyForm, choices
from webapp.people import bp, directory, services
from webapp.people.forms import AlumnaeBulkInviteForm, CoordinatorStudentForm, StudentInviteForm, StudentStatusForm
from webapp.people.models import School, StudentProfile
from webapp.people.vocabulary import ACTIVITIES, label
from webapp.security import roles_required
from webapp.web import coordinator_school_id, flash_message, get_in_school, is_htmx, redirect_to, render


def _programme_choices():
    return choices(
        (p.id, f"{p.name} ({_('niveau')} {p.level}, {p.pathway})") for p in services.programmes_of(coordinator_school_id())
    )


def _school() -> School:
    return db.session.get(School, coordinator_school_id())


# --- students ---------------------------------------------------------------------------


@bp.get("/studenten")
@roles_required("coordinator")
def students():
    filters = directory.StudentFilters.from_args(request.args)
    return render(
        "people/students.html",
        "people/_students_results.html",
        page=directory.students_page(coordinator_school_id(), filters),
        filters=filters,
        programmes=services.programmes_of(coordinator_school_id()),
    )


@bp.get("/studenten.csv")
@roles_required("coordinator")
def students_csv():
    filters = directory.StudentFilters.from_args(request.args)
    profiles = db.session.scalars(directory.students_query(coordinator_school_id(), filters)).all()
    record("students.exported", school_id=coordinator_school_id(), count=len(profiles))
    db.session.commit()
    body = services.csv_response_body(
        [_("Voornaam"), _("Achternaam"), _("E-mailadres"), _("Studentnummer"), _("Opleiding"), _("Leerjaar"), _("Status"), _("Account actief")],
        (
            [p.user.first_name, p.user.last_name, p.user.email, p.student_number or "", p.programme.name if p.programme else "", p.year, p.status, _("ja") if p.user.activated else _("nee")]
            for p in profiles
        ),
    )
    return _csv(body, "studentes.csv")


def _csv(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/studenten/uitnodigen", methods=["GET", "POST"])
@roles_required("coordinator")
def invite_student():
    form = StudentInviteForm()
    form.programme_id.choices = _programme_choices()
    if form.validate_on_submit():
        try:
            user = services.invite_student(
                _school(),
                first_name=form.first_name.data,
                last_name=form.last_name.data or "",
                email=form.email.data,
                programme_id=form.programme_id.data,
                year=form.year.data,
                student_number=(form.student_number.data or "").strip() or None,
                invited_by=current_user,
            )
        except services.PeopleError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash_message(_("%(name)s is uitgenodigd. Ze krijgt een e-mail om haar account te activeren.", name=user.first_name))
            return redirect_to(url_for("main.start"))
    return render("people/invite_student.html", form=form, status=422 if form.errors else 200)


def _student_page(profile: StudentProfile, status: int = 200, **forms):
    edit_form = forms.get("edit_form")
    if edit_form is None:
        edit_form = CoordinatorStudentForm(
            data={"programme_id": profile.programme_id, "year": profile.year, "student_number": profile.student_number, "birth_date": profile.birth_date}
        )
        edit_form.programme_id.choices = _programme_choices()
    status_form = forms.get("status_form") or StudentStatusForm(
        data={"status": profile.status, "left_at": profile.left_at, "leave_reason": profile.leave_reason}
    )
    invitations = db.session.scalars(
        db.select(Invitation).where(Invitation.user_id == profile.user_id).order_by(Invitation.id.desc()).limit(5)
    ).all()
    return render("people/student.html", profile=profile, edit_form=edit_form, status_form=status_form, invitations=invitations, status=status)


@bp.get("/studenten/<int:user_id>")
@roles_required("coordinator")
def student(user_id: int):
    profile = get_in_school(StudentProfile, user_id)
    record("student.viewed", subject_user_id=profile.user_id, school_id=profile.school_id)
    db.session.commit()
    return _student_page(profile)


@bp.post("/studenten/<int:user_id>")
@roles_required("coordinator")
def update_student(user_id: int):
    profile = get_in_school(StudentProfile, user_id)
    form = CoordinatorStudentForm()
    form.programme_id.choices = _programme_choices()
    if form.validate_on_submit():
        try:
            services.update_student_by_coordinator(profile, form.data)
        except services.PeopleError as error:
            form[error.field].errors.append(str(error))
        else:
            flash_message(_("De gegevens van %(name)s zijn opgeslagen.", name=profile.user.first_name))
            return redirect_to(url_for("people.student", user_id=user_id))
    return _student_page(profile, status=422, edit_form=form)


@bp.post("/studenten/<int:user_id>/status")
@roles_required("coordinator")
def student_status(user_id: int):
    profile = get_in_school(StudentProfile, user_id)
    form = StudentStatusForm()
    if form.validate_on_submit():
        invitation = services.set_student_status(profile, form.status.data, form.left_at.data, form.leave_reason.data or "", current_user)
        if invitation is not None:
            flash_message(_("Opgeslagen. %(name)s is uitgenodigd om als alumna in het netwerk te blijven.", name=profile.user.first_name))
        else:
            flash_message(_("De status van %(name)s is opgeslagen.", name=profile.user.first_name))
        return redirect_to(url_for("people.student", user_id=user_id))
    return _student_page(profile, status=422, status_form=form)


# --- alumnae ----------------------------------------------------------------------------


@bp.get("/alumnae")
@roles_required("coordinator")
def alumnae():
    filters = directory.AlumnaFilters.from_args(request.args)
    return render(
        "people/alumnae.html",
        "people/_alumnae_results.html",
        page=directory.alumnae_page(coordinator_school_id(), filters),
        filters=filters,
        activities=ACTIVITIES,
    )


@bp.get("/alumnae.csv")
@roles_required("coordinator")
def alumnae_csv():
    filters = directory.AlumnaFilters.from_args(request.args)
    profiles = db.session.scalars(directory.alumnae_query(coordinator_school_id(), filters)).all()
    record("alumnae.exported", school_id=coordinator_school_id(), count=len(profiles))
    db.session.commit()
    body = services.csv_response_body(
        [_("Voornaam"), _("Achternaam"), _("Opleiding"), _("Diploma"), _("Functie"), _("Werkgever"), _("Sector"), _("Wil graag")],
        (
            [p.user.first_name, p.user.last_name, p.programme_name, p.graduated_year or "", p.job_title, p.employer, p.sector,
             ", ".join(label(ACTIVITIES, a) for a in p.activities or [])]
            for p in profiles
        ),
    )
    return _csv(body, "alumnae.csv")


@bp.route("/alumnae/uitnodigen", methods=["GET", "POST"])
@roles_required("coordinator")
def invite_alumna():
    form = AlumnaeBulkInviteForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        csv_bytes = upload.read(2_000_001) if upload else None
        if csv_bytes is not None and len(csv_bytes) > 2_000_000:
            form.file.errors.append(_("Het bestand is te groot (maximaal 2 MB)."))
        else:
            addresses = services.parse_addresses(form.addresses.data or "", csv_bytes)
            if not addresses:
                form.addresses.errors.append(_("Vul minstens één e-mailadres in of kies een bestand."))
            else:
                result = services.invite_alumnae(_school(), addresses, form.message.data or "", current_user)
                if result.invited:
                    flash_message(_("%(count)s uitnodiging(en) verstuurd.", count=len(result.invited)))
                if not result.skipped:
                    return redirect_to(url_for("people.invitations"))
    return render("people/invite_alumna.html", form=form, result=result, status=422 if form.errors else 200)


# --- invitations ------------------------------------------------------------------------


@bp.get("/uitnodigingen")
@roles_required("coordinator")
def invitations():
    kind = request.args.get("kind")
    status_filter = request.args.get("status")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    return render(
        "people/invitations.html",
        "people/_invitations_results.html",
        page=services.invitations_of(coordinator_school_id(), kind, status_filter, page),
        kind=kind,
        status_filter=status_filter,
    )


def _invitation_action(invitation_id: int, action) -> Response:
    invitation = get_in_school(Invitation, invitation_id)
    if invitation.kind not in ("activate", "alumna"):
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        flash_message(action(invitation))
    except services.PeopleError as error:
        flash_message(str(error), "error")
    if is_htmx():
        return render("people/_invitation_row.html", "people/_invitation_row.html", invitation=invitation)
    return redirect(url_for("people.invitations"))


@bp.post("/uitnodigingen/<int:invitation_id>/opnieuw")
@roles_required("coordinator")
def resend_invitation(invitation_id: int):
    def resend(invitation):
        services.resend_invitation(invitation, current_user)
        return _("De uitnodiging is opnieuw verstuurd naar %(email)s.", email=invitation.email)

    return _invitation_action(invitation_id, resend)


@bp.post("/uitnodigingen/<int:invitation_id>/intrekken")
@roles_required("coordinator")
def withdraw_invitation(invitation_id: int):
    def withdraw(invitation):
        services.withdraw_invitation(invitation)
        return _("De uitnodiging aan %(email)s is ingetrokken.", email=invitation.email)

    return _invitation_action(invitation_id, withdraw)


@bp.app_context_processor
def people_helpers():
    from webapp.modeltools import utcnow

    def invitation_status(invitation: Invitation) -> str:
        if invitation.status == "pending" and invitation.expires_at <= utcnow():
            return _("Verlopen")
        return {
            "pending": _("Wacht op antwoord"),
            "accepted": _("Aangenomen"),
            "declined": _("Afgeslagen"),
            "withdrawn": _("Ingetrokken"),
        }[invitation.status]

    def invitation_args(kind, status):
        return lambda **changes: {k: v for k, v in {"kind": kind, "status": status, **changes}.items() if v}

    return {"invitation_status": invitation_status, "invitation_args": invitation_args}
