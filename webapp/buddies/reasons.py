"""The reasons of buddy matching in the reader's language.

A BuddyPair keeps its reasons as data, one ``{"code": ..., "params": {...}}`` per reason, with
keys in the params (interest keys, language codes, region key, contact and criterion keys, whose
wish it was) and the programme's name and id; a MatchRun keeps the template codes of why a mentee
stayed without a buddy. This module turns them into text at display time, in the current locale
(a page: the reader's; an e-mail: the recipient's, through `force_locale`), with interests and
languages translated too.

Rows from before (a reason as a ready Dutch sentence, an unmatched mentee without codes) are
shown as they were stored.

The Dutch texts are those of `webapp.matching.buddies` (REASON_TEMPLATES, UNMATCHED_TEMPLATES,
CRITERION_LABELS), written here with gettext placeholders; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from webapp.i18n import join_words
from webapp.matching import buddies as matching
from webapp.people.vocabulary import INTERESTS, LANGUAGES, REGIONS, label

#: Reasons of a pair, by code. The contact and "matters" codes have one text per variant below.
PAIR_REASONS = {
    "same_programme": _l("zelfde opleiding %(programme)s"),
    "same_programme_unnamed": _l("zelfde opleiding"),
    "shared_interests": _l("allebei %(interests)s"),
    "year_gap": _l("jaar %(buddy_year)s en jaar %(mentee_year)s"),
    "shared_language": _l("spreken allebei %(languages)s"),
    "same_region": _l("allebei uit regio %(region)s"),
    "contact_either": _l("contact op school of online past bij allebei"),
    "matters": _l("belangrijk voor %(who)s: %(criteria)s"),
    "only_one": _l("enige studente van haar opleiding en jaar"),
}

#: ``contact_both`` and ``contact_one`` by contact key: whole sentences read better in any language.
CONTACT_REASONS = {
    ("contact_both", "school"): _l("allebei contact op school"),
    ("contact_both", "online"): _l("allebei contact online"),
    ("contact_one", "school"): _l("contact op school past bij allebei"),
    ("contact_one", "online"): _l("contact online past bij allebei"),
}

#: ``matters`` when no first name is given (always, for stored pairs): by whose wish it was.
MATTERS_REASONS = {
    "mentee": _l("belangrijk voor de mentee: %(criteria)s"),
    "buddy": _l("belangrijk voor de buddy: %(criteria)s"),
}

CRITERION_LABELS = {
    "programme": _l("opleiding"),
    "interests": _l("interesses"),
    "language": _l("taal"),
    "region": _l("regio"),
    "contact": _l("contactvorm"),
}

#: Why a mentee stays without a buddy, by code (several codes are joined with "; ").
UNMATCHED_REASONS = {
    "no_higher_year": _l("geen buddy in een hoger jaar op haar school"),
    "all_excluded": _l("alle buddy's in een hoger jaar zijn voor haar uitgesloten"),
    "all_full": _l("alle buddy's in een hoger jaar zijn al vol"),
    "full_or_excluded": _l("alle buddy's in een hoger jaar zijn al vol of voor haar uitgesloten"),
    "no_programme": _l("geen buddy in een hoger jaar van haar opleiding"),
}


class TranslatedLabels(matching.ReasonLabels):
    """The words for the keys in the current locale."""

    def interest(self, key: str) -> str:
        return label(INTERESTS, key)

    def language(self, key: str) -> str:
        return label(LANGUAGES, key)

    def region(self, key: str) -> str:
        return label(REGIONS, key)

    def criterion(self, key: str) -> str:
        return str(CRITERION_LABELS.get(key, key))

    def join(self, items: Sequence[str]) -> str:
        return join_words(items)


LABELS = TranslatedLabels()


def reason_text(reason: Any) -> str:
    """One stored reason as text in the current locale; a stored string is shown as it is."""
    if isinstance(reason, str):
        return reason
    if not isinstance(reason, Mapping):
        return str(reason)
    code = reason.get("code")
    params = reason.get("params") or {}
    try:
        shown = matching.display_params(code, params, LABELS)
        if code in ("contact_both", "contact_one") and (code, params.get("contact")) in CONTACT_REASONS:
            return str(CONTACT_REASONS[(code, params["contact"])])
        if code == "matters" and not params.get("name") and params.get("who") in MATTERS_REASONS:
            return str(MATTERS_REASONS[params["who"]]) % {"criteria": shown["criteria"]}
        return str(PAIR_REASONS[code]) % shown
    except (KeyError, TypeError, ValueError):
        # A code or params this version does not know: the matcher's own Dutch, else the code.
        try:
            return matching.ReasonPart(code, params).text()
        except (KeyError, TypeError, ValueError, IndexError):
            return str(code or "")


def reason_texts(reasons: Iterable[Any] | None) -> list[str]:
    """A pair's stored reasons as texts in the current locale (old rows: strings, shown as they are)."""
    return [reason_text(reason) for reason in reasons or []]


def reason_data(parts: Iterable[matching.ReasonPart]) -> list[dict[str, Any]]:
    """A proposed pair's reasons as JSON data for BuddyPair.reasons."""
    return [part.to_dict() for part in parts]


def unmatched_text(item: Mapping[str, Any]) -> str:
    """Why a mentee stayed without a buddy, from a MatchRun.unmatched item, in the current locale.

    From the codes when this version knows them all; else the stored Dutch reason (older runs).
    """
    codes = item.get("codes") or []
    if codes and all(code in UNMATCHED_REASONS for code in codes):
        return "; ".join(str(UNMATCHED_REASONS[code]) for code in codes)
    return str(item.get("reason") or "; ".join(str(code) for code in codes))
