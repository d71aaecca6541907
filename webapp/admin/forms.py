from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from webapp.forms import choices
from webapp.people.models import PATHWAYS, SECTORS

SECTOR_LABELS = {
    "ict": _l("ICT"),
    "elektrotechniek": _l("Elektrotechniek"),
    "werktuigbouw": _l("Werktuigbouw"),
    "mechatronica": _l("Mechatronica"),
    "bouw": _l("Bouw"),
    "installatietechniek": _l("Installatietechniek"),
    "procestechniek": _l("Procestechniek"),
    "motorvoertuigen": _l("Motorvoertuigentechniek"),
    "luchtvaart": _l("Luchtvaarttechniek"),
    "maritiem": _l("Maritieme techniek"),
    "overig": _l("Overig"),
}
assert set(SECTOR_LABELS) == set(SECTORS)


class SchoolForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(message=_l("Vul de naam van de school in.")), Length(max=160)])
    city = StringField(_l("Plaats"), validators=[Length(max=80)])
    brin = StringField(
        _l("BRIN-code"),
        validators=[Optional(), Regexp(r"^[0-9A-Za-z]{4}$", message=_l("Een BRIN-code heeft 4 tekens, bijvoorbeeld 25LX."))],
    )
    retention_years = IntegerField(
        _l("Bewaartermijn na vertrek (jaren)"),
        default=2,
        validators=[NumberRange(min=1, max=10, message=_l("Kies 1 tot 10 jaar."))],
    )


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Opleiding"), validators=[DataRequired(message=_l("Vul de naam van de opleiding in.")), Length(max=160)])
    crebo = StringField(
        _l("Crebo"),
        validators=[DataRequired(message=_l("Vul de crebocode in.")), Regexp(r"^\d{5}$", message=_l("Een crebocode heeft 5 cijfers."))],
    )
    level = SelectField(_l("Niveau"), choices=choices((str(n), str(n)) for n in (1, 2, 3, 4)), default="4")
    pathway = SelectField(_l("Leerweg"), choices=choices((p, p) for p in PATHWAYS), default="BOL")
    sector = SelectField(_l("Sector"), choices=choices(SECTOR_LABELS.items()))


class CoordinatorInviteForm(FlaskForm):
    first_name = StringField(_l("Voornaam"), validators=[DataRequired(message=_l("Vul een voornaam in.")), Length(max=80)])
    last_name = StringField(_l("Achternaam"), validators=[Length(max=120)])
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(message=_l("Vul een e-mailadres in.")), Email(message=_l("Dit is geen geldig e-mailadres.")), Length(max=254)],
    )
    job_title = StringField(_l("Functie"), validators=[Length(max=120)], description=_l("Bijvoorbeeld docent of loopbaancoach."))
