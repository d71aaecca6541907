"""Forms of the guest lessons area: a request, a change, an offer, done, feedback."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.forms import DateField, choices
from webapp.guest_lessons.models import ACTIVITY_KINDS
from webapp.modeltools import utcnow
from webapp.timeutil import to_utc

MAX_OPTIONS = 3
MAX_LENGTH = timedelta(hours=12)


def _kind_choices():
    from webapp.guest_lessons.services import KIND_LABELS

    return choices((kind, KIND_LABELS[kind]) for kind in ACTIVITY_KINDS)


def _option_fields(number: int):
    """A date, a start and an end time for one option; the first option is required."""
    required = number == 1
    return (
        DateField(
            _l("Datum") if required else _l("Datum (optie %(n)s)", n=number),
            validators=[DataRequired(message=_l("Kies een datum."))] if required else [Optional()],
        ),
        TimeField(
            _l("Van"),
            validators=[DataRequired(message=_l("Kies een begintijd."))] if required else [Optional()],
        ),
        TimeField(
            _l("Tot"),
            validators=[DataRequired(message=_l("Kies een eindtijd."))] if required else [Optional()],
        ),
    )


def _moment_pair(form, number: int):
    """(start, end) in UTC for option `number`, or None when it is left empty; errors on the fields."""
    day = form[f"date{number}"]
    start = form[f"start{number}"]
    end = form[f"end{number}"]
    if not (day.data or start.data or end.data):
        return None
    if not (day.data and start.data and end.data):
        target = day if not day.data else (start if not start.data else end)
        target.errors = list(target.errors) + [_l("Vul een datum, begintijd en eindtijd in, of laat de optie helemaal leeg.")]
        return False
    local_start = datetime.combine(day.data, start.data)
    local_end = datetime.combine(day.data, end.data)
    if local_end <= local_start:
        end.errors = list(end.errors) + [_l("De eindtijd ligt na de begintijd.")]
        return False
    if local_end - local_start > MAX_LENGTH:
        end.errors = list(end.errors) + [_l("Een activiteit duurt hoogstens 12 uur.")]
        return False
    starts_at, ends_at = to_utc(local_start), to_utc(local_end)
    if starts_at <= utcnow():
        day.errors = list(day.errors) + [_l("Kies een moment in de toekomst.")]
        return False
    return starts_at, ends_at


class LessonForm(FlaskForm):
    """A request for a guest lesson, an open day or another activity; 1 to 3 date options."""

    kind = SelectField(_l("Soort activiteit"), choices=_kind_choices, default="guest_lesson")
    topic = StringField(
        _l("Onderwerp"),
        validators=[DataRequired(message=_l("Vul een onderwerp in.")), Length(max=200, message=_l("Maximaal 200 tekens."))],
        description=_l("Bijvoorbeeld: werken als monteur in de energietransitie"),
    )
    programme_id = SelectField(_l("Opleiding"), coerce=int, default=0)
    class_name = StringField(_l("Klas"), validators=[Length(max=60, message=_l("Maximaal 60 tekens."))], description=_l("Bijvoorbeeld: ICT-2B"))
    year = SelectField(
        _l("Leerjaar"),
        choices=choices([(0, _l("Niet van toepassing"))] + [(n, str(n)) for n in (1, 2, 3, 4)]),
        coerce=int,
        default=0,
    )
    student_count = IntegerField(
        _l("Aantal studenten"),
        validators=[Optional(), NumberRange(min=1, max=500, message=_l("Kies een aantal van 1 tot 500."))],
    )
    place = StringField(
        _l("Plaats"),
        validators=[Length(max=200, message=_l("Maximaal 200 tekens."))],
        description=_l("Bijvoorbeeld: lokaal B2.14, hoofdgebouw"),
    )
    description = TextAreaField(
        _l("Wensen voor het onderwerp"),
        validators=[Length(max=2000, message=_l("Maximaal 2000 tekens."))],
        description=_l("Wat willen de studenten graag horen? Wat weten ze al?"),
    )
    date1, start1, end1 = _option_fields(1)
    date2, start2, end2 = _option_fields(2)
    date3, start3, end3 = _option_fields(3)

    options_locked = False  # set when alumnae already offered on the current options

    def option_moments(self) -> list[tuple[datetime, datetime]]:
        """The chosen options in UTC, after validate(); empty ones left out, duplicates once."""
        return list(dict.fromkeys(self._moments))

    def validate(self, extra_validators=None) -> bool:
        if self.options_locked:
            for number in range(1, MAX_OPTIONS + 1):
                for name in ("date", "start", "end"):
                    self[f"{name}{number}"].validators = [Optional()]
        ok = super().validate(extra_validators)
        self._moments = []
        if self.options_locked or not ok:
            return ok
        for number in range(1, MAX_OPTIONS + 1):
            pair = _moment_pair(self, number)
            if pair is False:
                ok = False
            elif pair:
                self._moments.append(pair)
        return ok


class ChangeForm(FlaskForm):
    """A change to a confirmed activity: its time and place."""

    date1, start1, end1 = _option_fields(1)
    place = StringField(_l("Plaats"), validators=[Length(max=200, message=_l("Maximaal 200 tekens."))])
    note = TextAreaField(
        _l("Toelichting voor de alumna"),
        validators=[Length(max=1000, message=_l("Maximaal 1000 tekens."))],
        description=_l("Bijvoorbeeld: afgestemd met Sanne aan de telefoon."),
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.moment = None
        if ok:
            pair = _moment_pair(self, 1)
            if not pair:
                return False
            self.moment = pair
        return ok


class InviteForm(FlaskForm):
    """Invite one alumna (the row's button) or the checked ones."""


class OfferForm(FlaskForm):
    option_id = RadioField(_l("Welke datum kun je?"), coerce=int, validators=[InputRequired(message=_l("Kies een datum."))])
    message = TextAreaField(
        _l("Bericht aan de school (optioneel)"),
        validators=[Length(max=1000, message=_l("Maximaal 1000 tekens."))],
        description=_l("Bijvoorbeeld waar je over wilt vertellen, of wat je nodig hebt (beamer, ruimte voor een demo)."),
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden (gaat mee in de e-mail)"), validators=[Length(max=500, message=_l("Maximaal 500 tekens."))]
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom trek je je terug? (gaat mee naar de school)"), validators=[Length(max=500, message=_l("Maximaal 500 tekens."))]
    )


class DoneForm(FlaskForm):
    link_count = IntegerField(
        _l("Hoeveel feedbacklinks wil je maken?"),
        validators=[InputRequired(message=_l("Vul een aantal in (0 als je geen feedback wilt vragen).")), NumberRange(min=0, max=500, message=_l("Kies een aantal van 0 tot 500."))],
        description=_l("Eén link per studente. Elke link werkt één keer en is anoniem."),
    )


class MoreLinksForm(FlaskForm):
    count = IntegerField(
        _l("Extra links"),
        default=5,
        validators=[InputRequired(message=_l("Vul een aantal in.")), NumberRange(min=1, max=100, message=_l("Kies een aantal van 1 tot 100."))],
    )


class FeedbackForm(FlaskForm):
    rating = RadioField(
        _l("Hoe vond je de les?"),
        choices=choices(
            [
                ("1", _l("1 – niks aan")),
                ("2", _l("2 – matig")),
                ("3", _l("3 – oké")),
                ("4", _l("4 – goed")),
                ("5", _l("5 – super")),
            ]
        ),
        validators=[InputRequired(message=_l("Kies een cijfer van 1 tot 5."))],
    )
    comment = StringField(
        _l("Wat wil je nog kwijt? (één zin, mag leeg blijven)"),
        validators=[Length(max=280, message=_l("Maximaal 280 tekens."))],
    )
