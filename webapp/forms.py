"""Form pieces shared by every area."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField as CalendarDateField
from wtforms import PasswordField, SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, EqualTo, Length


class EmptyForm(FlaskForm):
    """A button-only form: it carries the CSRF token and nothing else."""


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)
NOT_A_DATE = "Not a valid date value."  # WTForms' own message, translated by WTForms


class DateField(CalendarDateField):
    """A date from 1900 to 9000: far from the ends of the calendar, and no typo like 0202 for 2020.

    A year 1 or 9999 passes the date parser, then overflows when converted to UTC or when the
    end of an activity is worked out; a left school date in year 202 would have the retention
    purge erase a student at once. Every form of Kring takes dates through this field; the
    forms' own validators say what is sensible within these bounds.
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not FIRST_DAY <= self.data <= LAST_DAY:
            self.data = None
            raise ValueError(self.gettext(NOT_A_DATE))


def new_password_fields():
    """A password with its confirmation, as used by activation, registration and reset."""
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[
            DataRequired(message=_l("Kies een wachtwoord.")),
            Length(min=10, max=200, message=_l("Een wachtwoord heeft minstens 10 tekens.")),
        ],
        description=_l("Minstens 10 tekens. Een zin van een paar woorden is sterk en goed te onthouden."),
    )
    confirm = PasswordField(
        _l("Herhaal wachtwoord"),
        validators=[
            DataRequired(message=_l("Herhaal je wachtwoord.")),
            EqualTo("password", message=_l("De wachtwoorden zijn niet gelijk.")),
        ],
    )
    return password, confirm


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; the choices are (value, label) options."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def free_tags(text: str | None, limit: int = 8, max_length: int = 30) -> list[str]:
    """Own tags typed as a comma-separated list: trimmed, lower case, unique, bounded."""
    tags: list[str] = []
    for raw in (text or "").replace(";", ",").split(","):
        tag = " ".join(raw.split()).lower()[:max_length]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:limit]
