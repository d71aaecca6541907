"""Forms of the speeddates area; select choices that depend on the school are filled by the routes."""

from __future__ import annotations

from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.forms import DateField, MultiCheckboxField, choices
from webapp.speeddates.models import EVENT_KINDS
from webapp.timeutil import to_utc


def _kind_choices():
    from webapp.speeddates.services import KIND_LABELS

    return choices((kind, KIND_LABELS[kind]) for kind in EVENT_KINDS)


class EventForm(FlaskForm):
    kind = SelectField(
        _l("Soort"),
        choices=_kind_choices,
        default="stage",
        description=_l("Stage of keuzedeel: studentes die moeten kiezen praten met wie het deed. Beroep: kennismaken met vakvrouwen."),
    )
    title = StringField(
        _l("Titel"),
        validators=[DataRequired(message=_l("Geef de speeddate een titel.")), Length(max=160, message=_l("Maximaal 160 tekens."))],
        description=_l("Bijvoorbeeld: Stagespeeddate ICT jaar 2"),
    )
    day = DateField(_l("Datum"), validators=[InputRequired(message=_l("Kies een datum."))])
    start = TimeField(_l("Begintijd"), validators=[InputRequired(message=_l("Kies een begintijd."))])
    place = StringField(
        _l("Plaats"), validators=[Length(max=200, message=_l("Maximaal 200 tekens."))], description=_l("Bijvoorbeeld: aula, hoofdgebouw")
    )
    rounds = IntegerField(
        _l("Aantal rondes"),
        default=4,
        validators=[InputRequired(message=_l("Vul het aantal rondes in.")), NumberRange(min=1, max=20, message=_l("Kies 1 tot 20 rondes."))],
    )
    minutes_per_round = IntegerField(
        _l("Minuten per ronde"),
        default=15,
        validators=[InputRequired(message=_l("Vul de minuten per ronde in.")), NumberRange(min=1, max=120, message=_l("Kies 1 tot 120 minuten."))],
    )
    break_minutes = IntegerField(
        _l("Wisseltijd tussen rondes (minuten)"),
        default=5,
        validators=[InputRequired(message=_l("Vul de wisseltijd in (0 mag).")), NumberRange(min=0, max=60, message=_l("Kies 0 tot 60 minuten."))],
    )
    deadline_day = DateField(_l("Aanmelden kan tot en met"), validators=[InputRequired(message=_l("Kies een datum voor de aanmelddeadline."))])
    deadline_time = TimeField(_l("Tot"), default=time(23, 59), validators=[InputRequired(message=_l("Kies een tijd."))])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok:
            return False
        if self.deadline_moment > self.start_moment:
            self.deadline_day.errors = list(self.deadline_day.errors) + [_l("De aanmelddeadline ligt vóór het begin van de speeddate.")]
            return False
        return True

    @property
    def start_moment(self) -> datetime:
        """The start in UTC, for storage."""
        return to_utc(datetime.combine(self.day.data, self.start.data))

    @property
    def deadline_moment(self) -> datetime:
        return to_utc(datetime.combine(self.deadline_day.data, self.deadline_time.data))

    def values(self) -> dict:
        return {
            "kind": self.kind.data,
            "title": self.title.data.strip(),
            "place": (self.place.data or "").strip(),
            "starts_at": self.start_moment,
            "rounds": self.rounds.data,
            "minutes_per_round": self.minutes_per_round.data,
            "break_minutes": self.break_minutes.data,
            "registration_deadline": self.deadline_moment,
        }


def _seats_field():
    return IntegerField(
        _l("Plaatsen per ronde"),
        default=8,
        validators=[InputRequired(message=_l("Vul het aantal plaatsen in.")), NumberRange(min=1, max=50, message=_l("Kies 1 tot 50 plaatsen."))],
        description=_l("Hoeveel studentes tegelijk aan deze tafel zitten; meestal tot 8."),
    )


class HostDetailsForm(FlaskForm):
    topic = StringField(
        _l("Onderwerp"),
        validators=[Length(max=160, message=_l("Maximaal 160 tekens."))],
        description=_l("De stage, het keuzedeel of het beroep, bijvoorbeeld: stage bij een netbeheerder"),
    )
    company = StringField(_l("Bedrijf"), validators=[Length(max=160, message=_l("Maximaal 160 tekens."))])
    table_label = StringField(
        _l("Tafel"), validators=[Length(max=20, message=_l("Maximaal 20 tekens."))], description=_l("Leeg laten: Kring kiest het volgende nummer.")
    )
    seats = _seats_field()


class HostForm(HostDetailsForm):
    kind = RadioField(
        _l("Wie zit aan tafel?"),
        choices=choices([("alumna", _l("Een alumna")), ("student", _l("Een ouderejaars studente")), ("guest", _l("Een gast van buiten"))]),
        default="alumna",
        validators=[InputRequired(message=_l("Kies wie aan tafel zit."))],
    )
    alumna_id = SelectField(_l("Alumna"), coerce=int, default=0, validate_choice=False)
    student_id = SelectField(_l("Ouderejaars studente"), coerce=int, default=0, validate_choice=False)
    guest_name = StringField(_l("Naam van de gast"), validators=[Optional(), Length(max=120, message=_l("Maximaal 120 tekens."))])

    def person_values(self) -> dict:
        return {
            "kind": self.kind.data,
            "person_id": self.alumna_id.data if self.kind.data == "alumna" else self.student_id.data,
            "guest_name": self.guest_name.data,
            "topic": self.topic.data,
            "company": self.company.data,
            "table_label": self.table_label.data,
            "seats": self.seats.data,
        }


class InviteForm(FlaskForm):
    programmes = MultiCheckboxField(_l("Opleidingen"), coerce=int)
    years = MultiCheckboxField(_l("Leerjaren"), coerce=int, choices=choices([(n, str(n)) for n in (1, 2, 3, 4)]))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.programmes.data:
            self.programmes.errors = list(self.programmes.errors) + [_l("Kies minstens één opleiding.")]
            ok = False
        if not self.years.data:
            self.years.errors = list(self.years.errors) + [_l("Kies minstens één leerjaar.")]
            ok = False
        return ok


class MoveForm(FlaskForm):
    student_id = SelectField(_l("Studente"), coerce=int, validate_choice=True)
    round = SelectField(_l("Ronde"), coerce=int, validate_choice=True)
    host_id = SelectField(_l("Naar tafel"), coerce=int, validate_choice=True)
