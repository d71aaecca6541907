from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from webapp.admin.forms import SECTOR_LABELS
from webapp.forms import DateField, MultiCheckboxField, choices
from webapp.people.vocabulary import ACTIVITIES, BUDDY_MATTERS, CONTACT, INTERESTS, LANGUAGES, REGIONS


class StudentInviteForm(FlaskForm):
    first_name = StringField(_l("Voornaam"), validators=[DataRequired(message=_l("Vul een voornaam in.")), Length(max=80)])
    last_name = StringField(_l("Achternaam"), validators=[Length(max=120)])
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(message=_l("Vul een e-mailadres in.")), Email(message=_l("Dit is geen geldig e-mailadres.")), Length(max=254)],
    )
    programme_id = SelectField(_l("Opleiding"), coerce=int, validate_choice=True)
    year = SelectField(_l("Leerjaar"), choices=choices((n, str(n)) for n in (1, 2, 3, 4)), coerce=int, default=1)
    student_number = StringField(
        _l("Studentnummer"),
        validators=[Optional(), Length(max=20), Regexp(r"^[0-9A-Za-z-]+$", message=_l("Alleen cijfers, letters en streepjes."))],
    )


class AlumnaInviteForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(message=_l("Vul een e-mailadres in.")), Email(message=_l("Dit is geen geldig e-mailadres.")), Length(max=254)],
    )
    message = TextAreaField(
        _l("Persoonlijk bericht (optioneel)"), validators=[Length(max=1000, message=_l("Maximaal 1000 tekens."))]
    )


PHONE = Regexp(r"^\+?[0-9 ()-]{6,20}$", message=_l("Vul een telefoonnummer in met alleen cijfers, bijvoorbeeld 06 12345678."))


class StudentProfileForm(FlaskForm):
    """What a studente keeps about herself (programme choices are set per school by the route)."""

    programme_id = SelectField(_l("Opleiding"), coerce=int, validate_choice=True)
    year = SelectField(_l("Leerjaar"), choices=choices((n, str(n)) for n in (1, 2, 3, 4)), coerce=int)
    interests = MultiCheckboxField(_l("Waar ben je in geïnteresseerd?"), choices=choices(INTERESTS.items()))
    own_interests = StringField(
        _l("Eigen interesses"),
        validators=[Length(max=300, message=_l("Maximaal 300 tekens."))],
        description=_l("Gescheiden door komma's, bijvoorbeeld: zonnepanelen, lassen"),
    )
    phone = StringField(_l("Telefoonnummer (optioneel)"), validators=[Optional(), Length(max=40), PHONE])
    wants_buddy = BooleanField(_l("Ik wil graag een buddy uit een hoger jaar"))
    volunteers_as_buddy = BooleanField(_l("Ik wil buddy zijn van een studente uit een lager jaar"))
    buddy_capacity = SelectField(
        _l("Voor hoeveel studentes wil je buddy zijn?"), choices=choices((n, str(n)) for n in (1, 2, 3)), coerce=int, default=1
    )
    languages = MultiCheckboxField(_l("Welke talen spreek je?"), choices=choices(LANGUAGES.items()))
    region = SelectField(_l("Uit welke regio reis je?"), choices=choices([("", _l("Zeg ik liever niet"))] + list(REGIONS.items())))
    contact = SelectField(_l("Hoe wil je je buddy het liefst spreken?"), choices=choices(CONTACT.items()))
    matters = MultiCheckboxField(_l("Wat vind je belangrijk bij een buddy?"), choices=choices(BUDDY_MATTERS.items()))

    def validate_volunteers_as_buddy(self, field):
        if field.data and self.year.data is not None and self.year.data < 2:
            raise ValidationError(_l("Buddy worden kan vanaf leerjaar 2."))

    def validate_own_interests(self, field):
        for tag in (field.data or "").split(","):
            if len(tag.strip()) > 30:
                raise ValidationError(_l("Een interesse is maximaal 30 tekens."))


class AlumnaProfileForm(FlaskForm):
    first_name = StringField(_l("Voornaam"), validators=[DataRequired(message=_l("Vul je voornaam in.")), Length(max=80)])
    last_name = StringField(_l("Achternaam"), validators=[Length(max=120)])
    school_id = SelectField(_l("Mbo-school waar je je diploma haalde"), coerce=int)
    programme_name = StringField(
        _l("Opleiding"), validators=[DataRequired(message=_l("Vul je opleiding in.")), Length(max=160)],
        description=_l("Bijvoorbeeld: Technicus elektrotechnische installaties"),
    )
    graduated_year = IntegerField(
        _l("Jaar van je diploma"),
        validators=[DataRequired(message=_l("Vul het jaar in waarin je je diploma haalde."))],
    )
    job_title = StringField(_l("Huidige functie"), validators=[Length(max=120)], description=_l("Bijvoorbeeld: servicemonteur"))
    employer = StringField(_l("Werkgever"), validators=[Length(max=160)])
    sector = SelectField(_l("Sector"), choices=choices(SECTOR_LABELS.items()))
    topics = MultiCheckboxField(_l("Waar kun je over vertellen?"), choices=choices(INTERESTS.items()))
    own_topics = StringField(
        _l("Andere onderwerpen"),
        validators=[Length(max=300, message=_l("Maximaal 300 tekens."))],
        description=_l("Gescheiden door komma's"),
    )
    activities = MultiCheckboxField(_l("Waarvoor mogen scholen je vragen?"), choices=choices(ACTIVITIES.items()))
    max_per_year = IntegerField(
        _l("Hoe vaak per schooljaar maximaal?"),
        default=4,
        validators=[NumberRange(min=0, max=50, message=_l("Kies een aantal van 0 tot 50."))],
    )
    all_schools = BooleanField(_l("Alle scholen in het netwerk mogen me vragen"), default=True)
    allowed_schools = MultiCheckboxField(_l("Alleen deze scholen mogen me vragen"), coerce=int)
    phone = StringField(_l("Telefoonnummer (optioneel)"), validators=[Optional(), Length(max=40), PHONE])
    story = TextAreaField(
        _l("Mijn verhaal"),
        validators=[Length(max=2000, message=_l("Maximaal 2000 tekens."))],
        description=_l("Een paar zinnen voor studentes: hoe kwam je in de techniek en wat doe je nu?"),
    )

    def validate_graduated_year(self, field):
        this_year = date.today().year
        if field.data is not None and not (1960 <= field.data <= this_year):
            raise ValidationError(_l("Kies een jaar tussen 1960 en %(year)s.", year=this_year))

    def validate_allowed_schools(self, field):
        if not self.all_schools.data and not field.data:
            raise ValidationError(_l("Kies minstens één school, of laat alle scholen toe."))


class StudentStatusForm(FlaskForm):
    """A coordinator records that a student graduated, switched programme or left school."""

    status = SelectField(
        _l("Status"),
        choices=choices(
            [
                ("active", _l("Studeert")),
                ("graduated", _l("Diploma gehaald")),
                ("switched", _l("Overgestapt naar een niet-technische opleiding")),
                ("left", _l("Van school gegaan")),
            ]
        ),
    )
    left_at = DateField(_l("Datum"), validators=[Optional()], description=_l("Leeg laten voor vandaag."))
    leave_reason = TextAreaField(_l("Reden (optioneel)"), validators=[Length(max=500, message=_l("Maximaal 500 tekens."))])

    def validate_left_at(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("Deze datum ligt in de toekomst."))


class CoordinatorStudentForm(FlaskForm):
    """The school's own data of a student, kept by the coordinator."""

    programme_id = SelectField(_l("Opleiding"), coerce=int, validate_choice=True)
    year = SelectField(_l("Leerjaar"), choices=choices((n, str(n)) for n in (1, 2, 3, 4)), coerce=int)
    student_number = StringField(
        _l("Studentnummer"),
        validators=[Optional(), Length(max=20), Regexp(r"^[0-9A-Za-z-]+$", message=_l("Alleen cijfers, letters en streepjes."))],
    )
    birth_date = DateField(_l("Geboortedatum"), validators=[Optional()], description=_l("Nodig om te weten of toestemming van een ouder nodig is (onder 16)."))

    def validate_birth_date(self, field):
        if field.data and not (date(1940, 1, 1) <= field.data <= date.today()):
            raise ValidationError(_l("Kies een geboortedatum in het verleden."))


class AlumnaeBulkInviteForm(FlaskForm):
    addresses = TextAreaField(
        _l("E-mailadressen"),
        validators=[Length(max=100_000)],
        description=_l("Eén adres per regel, of gescheiden door komma's of puntkomma's."),
    )
    file = FileField(_l("Of een CSV-bestand met een kolom e-mail"))
    message = TextAreaField(_l("Persoonlijk bericht (optioneel)"), validators=[Length(max=1000, message=_l("Maximaal 1000 tekens."))])
