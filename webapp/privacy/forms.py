"""Forms of the privacy area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from webapp.forms import DateField, choices

LEAVE_REASONS = {
    "graduated": _l("Diploma gehaald"),
    "switched": _l("Overgestapt naar een andere opleiding of school"),
    "left": _l("Gestopt met de opleiding"),
}


class CorrectDataForm(FlaskForm):
    """Rectification: she corrects her own name and phone number."""

    first_name = StringField(_l("Voornaam"), validators=[DataRequired(message=_l("Vul je voornaam in.")), Length(max=80)])
    last_name = StringField(_l("Achternaam"), validators=[Length(max=120)])
    phone = StringField(
        _l("Telefoonnummer"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^\+?[0-9 ()-]{6,}$", message=_l("Vul een telefoonnummer in, bijvoorbeeld 06 12345678.")),
        ],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class DeleteAccountForm(FlaskForm):
    confirmation = StringField(
        _l("Typ je e-mailadres of het woord VERWIJDEREN"),
        validators=[DataRequired(message=_l("Typ je e-mailadres of VERWIJDEREN om te bevestigen."))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(message=_l("Vul je wachtwoord in.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class SharingForm(FlaskForm):
    share_email = BooleanField(_l("Deel mijn e-mailadres"))
    share_phone = BooleanField(_l("Deel mijn telefoonnummer"))


class GuardianEmailForm(FlaskForm):
    guardian_email = EmailField(
        _l("E-mailadres van je ouder of verzorger"),
        validators=[
            DataRequired(message=_l("Vul een e-mailadres in.")),
            Email(message=_l("Dit is geen geldig e-mailadres.")),
            Length(max=254),
        ],
    )


class CoordinatorConsentForm(FlaskForm):
    guardian_email = EmailField(
        _l("E-mailadres ouder of verzorger"),
        validators=[
            DataRequired(message=_l("Vul een e-mailadres in.")),
            Email(message=_l("Dit is geen geldig e-mailadres.")),
            Length(max=254),
        ],
    )


class GuardianAnswerForm(FlaskForm):
    consent = SubmitField(_l("Ik geef toestemming"))
    refuse = SubmitField(_l("Ik geef geen toestemming"))


class RemoveStudentForm(FlaskForm):
    leave_status = SelectField(
        _l("Waarom heeft ze de school verlaten?"),
        choices=choices([("", _l("Kies een reden"))] + list(LEAVE_REASONS.items())),
        validators=[Optional()],
    )
    left_on = DateField(_l("Vertrokken op"), validators=[Optional()])
    confirm = BooleanField(
        _l("Ik begrijp dat haar gegevens definitief worden verwijderd"),
        validators=[DataRequired(message=_l("Vink aan dat je de gegevens definitief wilt verwijderen."))],
    )
