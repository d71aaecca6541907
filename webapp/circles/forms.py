"""Forms of the circles area; select choices are filled per school by the routes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField, TimeField, URLField, ValidationError
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from webapp.circles.services import NOTE_MAX, local_today
from webapp.forms import DateField, MultiCheckboxField


class CircleForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(message=_l("Geef de kring een naam.")), Length(max=120)])
    theme = StringField(
        _l("Thema"),
        validators=[Length(max=200, message=_l("Maximaal 200 tekens."))],
        description=_l("Bijvoorbeeld: stage zoeken, werken als vrouw in de techniek, doorstuderen."),
    )
    description = TextAreaField(_l("Beschrijving"), validators=[Length(max=2000, message=_l("Maximaal 2000 tekens."))])
    programme_id = SelectField(_l("Voor wie"), coerce=int, validate_choice=True)
    capacity = IntegerField(
        _l("Aantal plekken"),
        default=8,
        validators=[
            InputRequired(message=_l("Vul het aantal plekken in.")),
            NumberRange(min=1, max=30, message=_l("Kies 1 tot 30 plekken.")),
        ],
        description=_l("Een kring werkt het best met 5 tot 8 studentes."),
    )
    mentor_id = SelectField(_l("Mentor"), coerce=int, validate_choice=True)
    invite_only = BooleanField(
        _l("Alleen op uitnodiging"),
        description=_l("De kring staat dan niet in de lijst voor studentes; je nodigt zelf studentes uit."),
    )
    open_now = BooleanField(_l("Meteen openzetten voor aanmelding"), default=True)


class MeetingForm(FlaskForm):
    day = DateField(_l("Datum"), validators=[InputRequired(message=_l("Kies een datum."))])
    start = TimeField(_l("Begintijd"), validators=[InputRequired(message=_l("Kies een begintijd."))])
    end = TimeField(_l("Eindtijd"), validators=[InputRequired(message=_l("Kies een eindtijd."))])
    place = StringField(
        _l("Plaats"), validators=[Length(max=200, message=_l("Maximaal 200 tekens."))], description=_l("Bijvoorbeeld: lokaal 2.14")
    )
    video_url = URLField(
        _l("Videolink"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Maximaal 500 tekens.")),
            URL(message=_l("Vul een volledige link in, beginnend met https://")),
            Regexp(r"^https?://", message=_l("Vul een volledige link in, beginnend met https://")),
        ],
        description=_l("Voor een bijeenkomst op afstand, bijvoorbeeld een Teams- of Meet-link."),
    )
    topic = StringField(_l("Onderwerp"), validators=[Length(max=200, message=_l("Maximaal 200 tekens."))])

    def validate_day(self, field):
        if field.data and field.data < local_today():
            raise ValidationError(_l("Kies een datum vanaf vandaag."))

    def validate_end(self, field):
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError(_l("De eindtijd moet na de begintijd liggen."))

    def validate_place(self, field):
        if not (field.data or "").strip() and not (self.video_url.data or "").strip():
            raise ValidationError(_l("Vul een plaats of een videolink in."))


class InviteForm(FlaskForm):
    student_ids = MultiCheckboxField(_l("Studentes"), coerce=int)

    def validate_student_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Kies minstens één studente."))


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Notitie van de mentor"),
        validators=[Length(max=NOTE_MAX, message=_l("Maximaal 2000 tekens."))],
        description=_l("Kort: waar ging het over, wat spraken jullie af? Alleen jij en de coördinator zien dit."),
    )
