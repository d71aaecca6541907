"""The reasons of the circle formation helper in the reader's language.

`webapp.matching.circles` gives each proposed circle its reasons as ``(code, params)`` parts with
data in the params (programme ids and names, sector keys, years, counts), and the code of why
studentes stay unplaced. The formation page is built per request, so they are put into words
here, in the current locale, with sectors translated too. Nothing of this is stored.

The Dutch texts are those of `webapp.matching.circles` (REASON_TEMPLATES, PHRASE_TEMPLATES,
UNPLACED_TEMPLATES), written here with gettext placeholders; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from webapp.admin.forms import SECTOR_LABELS
from webapp.i18n import join_words
from webapp.matching import circles as matching

CIRCLE_REASONS = {
    "same_programme_year": _l("allemaal %(programme)s jaar %(year)s"),
    "same_programme": _l("allemaal %(programme)s, jaar %(years)s"),
    "same_sector": _l("allemaal sector %(sector)s: %(programmes)s"),
    "mixed": _l("gemengd: %(programmes)s"),
    "mentor_programme": _l("mentor: zelfde opleiding, %(graduated)s"),
    "mentor_sector": _l("mentor: zelfde sector (%(sector)s), %(graduated)s"),
    "mentor_other": _l("mentor: andere richting (%(sector)s), %(graduated)s"),
    "no_mentor": _l("nog geen mentor"),
    "size_off": _l("%(size)s studentes in plaats van %(band)s, voor een betere indeling"),
    "size_out_of_bounds": _l("%(size)s studentes, buiten de grenzen %(min_size)s-%(max_size)s"),
}

PHRASES = {
    "graduated": _l("afgestudeerd in %(year)s"),
    "graduated_unknown": _l("afstudeerjaar onbekend"),
    "programme_fallback": _l("opleiding %(programme_id)s"),
    "programme_unknown": _l("opleiding onbekend"),
    "sector_unknown": _l("sector onbekend"),
    "either": _l("%(low)s of %(high)s"),
}

UNPLACED_REASONS = {
    "no_mentors": _l("er is geen mentor beschikbaar"),
    "mentor_capacity": _l("geen mentor meer vrij: de mentoren kunnen samen %(capacity)s kring(en) begeleiden"),
    "too_few_students": _l("te weinig studentes over voor nog een kring van minimaal %(min_size)s"),
}


class TranslatedLabels(matching.ReasonLabels):
    """The words for the data in the current locale."""

    def programme(self, programme_id: int | None, name: str | None) -> str:
        if programme_id is None:
            return str(PHRASES["programme_unknown"])
        return name or str(PHRASES["programme_fallback"]) % {"programme_id": programme_id}

    def sector(self, sector: str | None) -> str:
        if sector is None:
            return str(PHRASES["sector_unknown"])
        return str(SECTOR_LABELS.get(sector, sector))

    def graduated(self, year: int | None) -> str:
        if year is None:
            return str(PHRASES["graduated_unknown"])
        return str(PHRASES["graduated"]) % {"year": year}

    def either(self, low: int, high: int) -> str:
        return str(low) if low == high else str(PHRASES["either"]) % {"low": low, "high": high}

    def join(self, items: Sequence[str]) -> str:
        return join_words(items)


LABELS = TranslatedLabels()


def reason_text(part: matching.ReasonPart) -> str:
    """One reason of a proposed circle as text in the current locale."""
    try:
        return str(CIRCLE_REASONS[part.code]) % matching.display_params(part.code, part.params, LABELS)
    except (KeyError, TypeError, ValueError):
        return part.text()  # a code this version does not know: the matcher's own Dutch


def reason_texts(parts: Iterable[matching.ReasonPart]) -> list[str]:
    return [reason_text(part) for part in parts]


def unplaced_text(code: str | None, params: Mapping[str, Any], fallback: str | None = None) -> str | None:
    """Why studentes stay unplaced, in the current locale (None when all are placed)."""
    if not code:
        return fallback
    try:
        return str(UNPLACED_REASONS[code]) % dict(params)
    except (KeyError, TypeError, ValueError):
        return fallback
