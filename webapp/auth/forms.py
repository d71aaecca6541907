from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from webapp.forms import new_password_fields


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(message=_l("Vul je e-mailadres in.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(message=_l("Vul je wachtwoord in.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Ingelogd blijven"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(message=_l("Vul je e-mailadres in.")),
            Email(message=_l("Dit is geen geldig e-mailadres.")),
            Length(max=254),
        ],
    )


class NewPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class AlumnaRegistrationForm(FlaskForm):
    first_name = StringField(
        _l("Voornaam"), validators=[DataRequired(message=_l("Vul je voornaam in.")), Length(max=80)]
    )
    last_name = StringField(_l("Achternaam"), validators=[Length(max=120)])
    password, confirm = new_password_fields()
