"""The weight labels of buddy matching, through the translation catalogue.

`webapp.matching.buddies` is pure and keeps its Dutch labels in WEIGHT_LABELS; the pages use
these lazy strings instead, so an English-speaking coordinator reads English. A test keeps the
two in step (same keys, same Dutch text).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

WEIGHT_LABELS = {
    "same_programme": _l("Zelfde opleiding"),
    "per_shared_interest": _l("Per gedeelde interesse"),
    "interest_cap": _l("Maximaal aantal gedeelde interesses dat meetelt"),
    "year_gap_ok": _l("Jaarverschil van één of twee jaar"),
    "shared_language": _l("Gedeelde taal"),
    "same_region": _l("Zelfde reisregio"),
    "same_contact": _l("Contactvorm past (op school of online)"),
    "matters_bonus": _l("Extra als iets wat zij belangrijk vindt klopt (per persoon, per punt)"),
    "only_one_priority": _l("Voorrang voor de enige studente van haar opleiding en jaar"),
}
