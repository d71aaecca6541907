"""Routes of the privacy area: thin, the work is in services."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from flask import abort, current_app, make_response, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from webapp.audit.services import record
from webapp.auth import tokens
from webapp.extensions import db, limiter
from webapp.people.models import School, StudentProfile
from webapp.privacy import bp, services
from webapp.privacy.forms import (
    LEAVE_REASONS,
    CoordinatorConsentForm,
    CorrectDataForm,
    DeleteAccountForm,
    GuardianAnswerForm,
    GuardianEmailForm,
    RemoveStudentForm,
    SharingForm,
)
from webapp.privacy.labels import ACTION_LABELS, CODED_FIELDS, CONSENT_STATUS_LABELS, FIELD_LABELS, SECTION_LABELS, VALUE_LABELS
from webapp.security import roles_required
from webapp.web import coordinator_school_id, flash_message, get_in_school, is_htmx, redirect_to, render


def _password_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# --- her own data ------------------------------------------------------------------------------


@bp.route("/mijn-gegevens", methods=["GET", "POST"])
@login_required
def my_data():
    form = CorrectDataForm(obj=current_user if request.method == "GET" else None)
    if form.validate_on_submit():
        if services.correct_own_data(
            current_user, first_name=form.first_name.data, last_name=form.last_name.data or "", phone=form.phone.data
        ):
            db.session.commit()
            flash_message(_("Je gegevens zijn aangepast."))
        else:
            flash_message(_("Er was niets veranderd."), "info")
        if is_htmx():
            return render("privacy/my_data.html", "privacy/_correct_form.html", form=form, saved=True)
        return redirect_to(url_for("privacy.my_data"))
    if form.errors:
        return render("privacy/my_data.html", "privacy/_correct_form.html", form=form, data=services.export_user_data(current_user), status=422)
    return render("privacy/my_data.html", form=form, data=services.export_user_data(current_user))


@bp.get("/mijn-gegevens.json")
@login_required
def my_data_json():
    data = services.export_user_data(current_user)
    record("account.exported", subject_user_id=current_user.id, actor_id=current_user.id)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    response = make_response(body)
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="kring-mijn-gegevens-{services.local_today().isoformat()}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account-verwijderen", methods=["GET", "POST"])
@login_required
@limiter.limit(_password_limit, methods=["POST"])
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        typed = form.confirmation.data.strip()
        if typed.lower() != current_user.email.lower() and typed.upper() != "VERWIJDEREN":
            form.confirmation.errors.append(_("Typ precies je e-mailadres of het woord VERWIJDEREN."))
        if not current_user.check_password(form.password.data):
            form.password.errors.append(_("Dit wachtwoord klopt niet."))
        if not form.errors:
            try:
                services.erase_user(current_user._get_current_object(), current_user._get_current_object(), "self")
            except services.PrivacyError as error:
                form.confirmation.errors.append(str(error))
            else:
                db.session.commit()
                logout_user()
                flash_message(_("Je account en je gegevens zijn verwijderd. Bedankt dat je bij Kring was."), "info")
                return redirect_to(url_for("auth.login"))
    last_admin = current_user.has_role("admin") and services.active_admin_count(excluding=current_user.id) == 0
    return render("privacy/delete_account.html", form=form, last_admin=last_admin, status=422 if form.errors else 200)


# --- who sees her profile ----------------------------------------------------------------------


def _own_student_profile() -> StudentProfile:
    profile = db.session.get(StudentProfile, current_user.id)
    if profile is None:
        abort(404)
    return profile


@bp.route("/zichtbaarheid", methods=["GET", "POST"])
@roles_required("student")
def visibility():
    profile = _own_student_profile()
    form = SharingForm(obj=profile if request.method == "GET" else None)
    saved = False
    if form.validate_on_submit():
        if services.set_sharing(profile, share_email=form.share_email.data, share_phone=form.share_phone.data):
            db.session.commit()
        saved = True
        if not is_htmx():
            flash_message(_("Je keuze is opgeslagen."))
            return redirect_to(url_for("privacy.visibility"))
    context = dict(
        form=form,
        profile=profile,
        saved=saved,
        preview=services.public_student_view(profile, None),
        consent=services.consent_status(profile, services.consent_invitation_for(profile)),
    )
    return render("privacy/visibility.html", "privacy/_sharing.html", status=422 if form.errors else 200, **context)


# --- guardian consent ----------------------------------------------------------------------


@bp.route("/toestemming-vragen", methods=["GET", "POST"])
@roles_required("student")
@limiter.limit("10 per hour", methods=["POST"])
def ask_consent():
    profile = _own_student_profile()
    form = GuardianEmailForm(guardian_email=profile.guardian_email)
    status = services.consent_status(profile, services.consent_invitation_for(profile))
    if status.code in ("given", "not_needed"):
        return render("privacy/ask_consent.html", form=None, status_info=status, profile=profile)
    if form.validate_on_submit():
        try:
            services.request_guardian_consent(profile, form.guardian_email.data, current_user)
        except services.PrivacyError as error:
            getattr(form, error.field or "guardian_email").errors.append(str(error))
        else:
            db.session.commit()
            flash_message(_("We hebben een e-mail gestuurd naar %(email)s. Zodra je ouder of verzorger toestemming geeft, kun je meedoen.", email=form.guardian_email.data))
            return redirect_to(url_for("privacy.ask_consent"))
    return render("privacy/ask_consent.html", form=form, status_info=status, profile=profile, status=422 if form.errors else 200)


_TOKEN_MESSAGES = {
    "used": lambda: _("Op deze link is al geantwoord. Wilt u uw antwoord wijzigen? Neem dan contact op met de school."),
    "expired": lambda: _("Deze link is verlopen. Uw kind of de school kan een nieuwe link sturen."),
    "invalid": lambda: _("Deze link is ongeldig. Controleer of u de hele link uit de e-mail hebt gebruikt."),
}


def _consent_link_problem(error: tokens.TokenError):
    cause = error.args[0] if error.args else None
    if cause is tokens.USED or cause is tokens.WITHDRAWN:
        reason = "used"
    elif cause is tokens.EXPIRED:
        reason = "expired"
    else:
        reason = "invalid"
    return render("privacy/consent_link_problem.html", message=_TOKEN_MESSAGES[reason](), status=404 if reason == "invalid" else 410)


@bp.route("/toestemming/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def guardian_consent(token: str):
    try:
        invitation = tokens.load(token, "guardian_consent")
    except tokens.TokenError as error:
        return _consent_link_problem(error)
    profile = db.session.get(StudentProfile, invitation.target_id) if invitation.target_type == "student" else None
    if profile is None:
        return _consent_link_problem(tokens.TokenError(tokens.INVALID))
    form = GuardianAnswerForm()
    if form.validate_on_submit():
        consent = bool(form.consent.data)
        if not consent and not form.refuse.data:
            abort(400)
        try:
            services.answer_guardian_consent(invitation, consent)
        except tokens.TokenError as error:
            return _consent_link_problem(error)
        return render("privacy/guardian_done.html", consent=consent, student=profile.user)
    return render("privacy/guardian_consent.html", form=form, student=profile.user, school=profile.school, status=422 if form.errors else 200)


def _consent_rows(school_id: int, forms: dict | None = None):
    rows = services.students_awaiting_consent(school_id)
    forms = forms or {}
    return [
        (profile, status, forms.get(profile.user_id) or CoordinatorConsentForm(prefix=f"s{profile.user_id}", guardian_email=status.email or profile.guardian_email))
        for profile, status in rows
    ]


@bp.get("/school/toestemming")
@roles_required("coordinator")
def consent_overview():
    school_id = coordinator_school_id()
    rows = _consent_rows(school_id)
    services.audit_view(None, school_id, "consent_overview")
    db.session.commit()
    return render("privacy/consent_overview.html", rows=rows, school=db.session.get(School, school_id))


@bp.post("/school/toestemming/<int:user_id>")
@roles_required("coordinator")
@limiter.limit("60 per hour")
def send_consent(user_id: int):
    profile = get_in_school(StudentProfile, user_id)
    form = CoordinatorConsentForm(prefix=f"s{user_id}")
    if form.validate_on_submit():
        try:
            services.request_guardian_consent(profile, form.guardian_email.data, current_user)
        except services.PrivacyError as error:
            form.guardian_email.errors.append(str(error))
        else:
            db.session.commit()
            flash_message(_("Het verzoek om toestemming voor %(name)s is verstuurd naar %(email)s.", name=profile.user.full_name, email=form.guardian_email.data))
            if is_htmx():
                status = services.consent_status(profile, services.consent_invitation_for(profile))
                fresh = CoordinatorConsentForm(prefix=f"s{user_id}", guardian_email=status.email)
                return render("privacy/consent_overview.html", "privacy/_consent_row.html", row=(profile, status, fresh))
            return redirect_to(url_for("privacy.consent_overview"))
    status = services.consent_status(profile, services.consent_invitation_for(profile))
    if is_htmx():
        return render("privacy/consent_overview.html", "privacy/_consent_row.html", row=(profile, status, form), status=422)
    school_id = coordinator_school_id()
    rows = _consent_rows(school_id, {user_id: form})
    return render("privacy/consent_overview.html", rows=rows, school=db.session.get(School, school_id), status=422)


# --- a coordinator removes a student who left ------------------------------------------------------


@bp.route("/school/studenten/<int:user_id>/verwijderen", methods=["GET", "POST"])
@roles_required("coordinator")
def remove_student(user_id: int):
    profile = get_in_school(StudentProfile, user_id)
    if services.is_erased(profile.user):
        abort(404)
    form = RemoveStudentForm()
    if request.method == "GET":
        form.left_on.data = profile.left_at or services.local_today()
        services.audit_view(profile.user_id, profile.school_id, "remove_student")
        db.session.commit()
    if form.validate_on_submit():
        if profile.status == "active" and form.leave_status.data not in LEAVE_REASONS:
            form.leave_status.errors.append(_("Kies waarom de studente de school heeft verlaten."))
        else:
            name = profile.user.full_name
            services.remove_student(profile, current_user, form.leave_status.data or None, form.left_on.data)
            db.session.commit()
            flash_message(_("De gegevens van %(name)s zijn verwijderd.", name=name))
            return redirect_to(url_for("main.start"))
    return render(
        "privacy/remove_student.html",
        form=form,
        profile=profile,
        keeps_account=services.keeps_account_after_school(profile.user),
        leave_labels=LEAVE_REASONS,
        status=422 if form.errors else 200,
    )


# --- the audit log -------------------------------------------------------------------------------


def _audit_page(template: str, *, school_id: int | None, schools: list | None):
    action = request.args.get("actie", "")[:60]
    person = request.args.get("persoon", "")[:254]
    page = request.args.get("pagina", 1, type=int) or 1
    result = services.audit_events(school_id=school_id, action=action, person=person, page=page)
    filters = {"actie": action, "persoon": person}
    if schools is not None:
        filters["school"] = school_id or ""
    return render(
        template,
        "privacy/_audit_results.html",
        result=result,
        filters=filters,
        query={key: value for key, value in filters.items() if value},
        schools=schools,
        action_labels=ACTION_LABELS,
        endpoint=request.endpoint,
    )


@bp.get("/audit")
@roles_required("admin")
def audit_log():
    school_id = request.args.get("school", type=int)
    schools = db.session.execute(select(School.id, School.name).order_by(School.name)).all()
    return _audit_page("privacy/audit_log.html", school_id=school_id, schools=schools)


@bp.get("/school/audit")
@roles_required("coordinator")
def school_audit_log():
    return _audit_page("privacy/audit_log.html", school_id=coordinator_school_id(), schools=None)


@bp.context_processor
def labels():
    return {
        "section_labels": SECTION_LABELS,
        "field_labels": FIELD_LABELS,
        "consent_labels": CONSENT_STATUS_LABELS,
        "value_labels": VALUE_LABELS,
        "coded_fields": CODED_FIELDS,
        "consent_days": services.CONSENT_VALID.days,
    }


@bp.app_template_filter("audit_details")
def audit_details(details: dict | None) -> str:
    if not details:
        return ""
    return ", ".join(f"{key}: {value}" for key, value in details.items())


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@bp.app_template_filter("readable_value")
def readable_value(value: str) -> str:
    """ISO dates of the export as readable local dates; other text unchanged."""
    if _ISO_DATETIME.match(value):
        return format_datetime(datetime.fromisoformat(value), "short")
    if _ISO_DATE.match(value):
        return format_date(date.fromisoformat(value), "long")
    return value

