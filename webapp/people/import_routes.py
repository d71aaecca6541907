"""Routes for importing students from a CSV export: upload, preview, confirm.

The preview saves nothing. Its confirm form carries a signed token with the rows that would
change something (see `webapp.people.importing`); confirming checks them against the
database again and applies them only if nothing changed in between.
"""

from __future__ import annotations

from flask import Response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.people import bp, importing
from webapp.people.import_forms import ConfirmImportForm, StudentImportForm
from webapp.people.models import School
from webapp.security import roles_required
from webapp.web import coordinator_school_id, flash_message, redirect_to, render

PAGE, PARTIAL = "people/import.html", "people/_import_body.html"
# The preview lists at most this many rows per group; the counts on top are always complete.
PREVIEW_LIMIT = 500

# Request size caps for the import endpoints. They are set before anything reads the body
# (the CSRF check reads the form in a before_request hook), so an oversized upload is
# refused while streaming instead of being spooled to disk first. The upload cap leaves
# room for the multipart envelope; a file just over MAX_UPLOAD_BYTES still gets the
# friendly message from `importing.read_upload`. The confirm form carries the signed plan.
REQUEST_LIMITS = {
    "people.import_students": importing.MAX_UPLOAD_BYTES + 256 * 1024,
    "people.confirm_import": 4 * 1024 * 1024,
}


def _render(form: StudentImportForm, status: int = 200, **context):
    """The import page (or its body, for htmx) with the school's programmes for reference."""
    programmes = importing.ProgrammeIndex.of_school(coordinator_school_id()).by_id.values()
    return render(
        PAGE,
        PARTIAL,
        status=status,
        form=form,
        programmes=sorted(programmes, key=lambda p: (p.name.casefold(), p.pathway)),
        limit=PREVIEW_LIMIT,
        **context,
    )


@bp.url_value_preprocessor
def _limit_import_requests(endpoint: str | None, values: dict | None) -> None:
    # url_value_preprocessors run before every before_request hook, the CSRF check included.
    limit = REQUEST_LIMITS.get(endpoint or "")
    if limit is not None:
        request.max_content_length = limit


@bp.route("/studenten/importeren", methods=["GET", "POST"])
@roles_required("coordinator")
def import_students():
    school_id = coordinator_school_id()
    form = StudentImportForm()
    if form.validate_on_submit():
        try:
            parsed = importing.parse_csv(importing.read_upload(form.file.data.stream))
        except importing.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            preview = importing.build_preview(parsed, school_id)
            confirm_form = ConfirmImportForm(
                formdata=None, plan=importing.sign_plan(preview, school_id, current_user.id) if preview.has_changes else ""
            )
            return _render(form, preview=preview, confirm_form=confirm_form)
    return _render(form, status=422 if form.errors else 200)


@bp.route("/studenten/importeren/bevestigen", methods=["POST"])
@roles_required("coordinator")
def confirm_import():
    school = db.session.get(School, coordinator_school_id())
    confirm_form = ConfirmImportForm()
    error = importing.invalid_plan_message()
    if confirm_form.validate_on_submit():
        try:
            result = importing.apply_plan(confirm_form.plan.data, school, current_user)
        except importing.ImportPlanError as plan_error:
            error = str(plan_error)
        else:
            flash_message(
                _(
                    "De import is klaar: %(new)s nieuwe studentes krijgen een uitnodiging per e-mail, %(updated)s zijn bijgewerkt.",
                    new=result.new,
                    updated=result.updated,
                )
            )
            return redirect_to(url_for("people.import_students"))
    return _render(StudentImportForm(formdata=None), status=422, error=error)


@bp.route("/studenten/importeren/voorbeeld.csv")
@roles_required("coordinator")
def import_template():
    coordinator_school_id()
    # A BOM, so that Excel opens the UTF-8 file with the right accents.
    response = Response("\ufeff" + importing.template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=studenten-voorbeeld.csv"
    return response

