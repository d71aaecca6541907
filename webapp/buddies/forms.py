"""Forms of the buddies area: the weights of a run, and ending a pair."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from webapp.buddies.labels import WEIGHT_LABELS
from webapp.buddies.services import REASON_MAX
from webapp.matching.buddies import DEFAULT_WEIGHTS, MAX_INTEREST_CAP, MAX_WEIGHT, Weights

_WHOLE = re.compile(r"^[0-9]{1,7}$")


class WeightField(IntegerField):
    """A whole number from 0 to `top`; anything else gets one clear Dutch message next to the field.

    A weight missing from the posted form keeps its default (as `Weights.from_dict` does).
    """

    def __init__(self, label=None, validators=None, top: int = MAX_WEIGHT, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.top = top
        self.bad_input = False

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if _WHOLE.match(raw):
            self.data = int(raw)
        else:
            self.data = None
            self.bad_input = True

    def pre_validate(self, form):
        if self.bad_input or self.data is None or not 0 <= self.data <= self.top:
            raise StopValidation(str(_l("Vul een heel getal in van 0 tot %(top)s.", top=self.top)))


class WeightsForm(FlaskForm):
    """The weights of a run; one field per weight, labelled with WEIGHT_LABELS, defaults from DEFAULT_WEIGHTS."""

    def weight_fields(self):
        return [self[name] for name in DEFAULT_WEIGHTS.to_dict()]

    def weights(self) -> Weights:
        """The validated weights (call after validate())."""
        return Weights.from_dict({name: self[name].data for name in DEFAULT_WEIGHTS.to_dict()})


for _name, _default in DEFAULT_WEIGHTS.to_dict().items():
    _top = MAX_INTEREST_CAP if _name == "interest_cap" else MAX_WEIGHT
    setattr(
        WeightsForm,
        _name,
        WeightField(
            WEIGHT_LABELS.get(_name, _name),
            top=_top,
            default=_default,
            description=_l("Standaard %(default)s (0 tot %(top)s)", default=_default, top=_top),
            render_kw={"inputmode": "numeric", "min": 0, "max": _top, "step": 1},
        ),
    )


class EndPairForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom stopt het koppel?"),
        validators=[
            DataRequired(message=_l("Schrijf kort waarom het koppel stopt.")),
            Length(max=REASON_MAX, message=_l("Maximaal %(max)s tekens.", max=REASON_MAX)),
        ],
        description=_l("Een korte reden voor de coördinator. De ander krijgt deze reden niet te zien."),
        render_kw={"maxlength": REASON_MAX, "rows": 3},
    )
    wants_new = BooleanField(_l("Ik wil een nieuwe buddy"))
    stop_volunteering = BooleanField(_l("Ik wil voorlopig geen buddy meer zijn"))
