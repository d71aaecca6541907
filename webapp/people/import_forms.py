"""Forms of the student import: the upload, and the confirmation that carries the signed plan."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from webapp.people.importing import MAX_ROWS, MAX_UPLOAD_BYTES


class StudentImportForm(FlaskForm):
    # The content is checked by webapp.people.importing (encoding, spreadsheet, columns), not
    # the file name: a CSV saved as .txt is fine, an .xlsx renamed to .csv gets a clear answer.
    file = FileField(
        _l("CSV-bestand"),
        validators=[FileRequired(message=_l("Kies een CSV-bestand."))],
        description=_l(
            "Komma, puntkomma of tab als scheidingsteken; hoogstens %(size)s MB en %(rows)s rijen.",
            size=MAX_UPLOAD_BYTES // (1024 * 1024),
            rows=MAX_ROWS,
        ),
    )


class ConfirmImportForm(FlaskForm):
    plan = HiddenField(validators=[DataRequired()])
