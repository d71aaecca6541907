"""The target form: which figure, which school year, which percentage."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from webapp.dashboard.models import METRICS
from webapp.forms import choices


class PercentField(IntegerField):
    """An integer field whose parse error is in plain Dutch."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Vul een heel getal in, zonder procentteken.")) from error


class TargetForm(FlaskForm):
    metric = SelectField(_l("Doel"), validate_choice=True)
    school_year = SelectField(_l("Schooljaar"), validate_choice=True)
    value = PercentField(
        _l("Streefwaarde in procenten"),
        validators=[
            InputRequired(message=_l("Vul een percentage in.")),
            NumberRange(min=0, max=100, message=_l("Een doel is een percentage van 0 tot en met 100.")),
        ],
        description=_l("Een heel getal van 0 tot en met 100, bijvoorbeeld 40."),
        render_kw={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"},
    )

    def __init__(self, metric_labels: dict, years: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.metric.choices = choices((m, str(metric_labels[m])) for m in METRICS)
        self.school_year.choices = choices((y, y) for y in years)
