"""Which alumnae fit a guest lesson request best, and why: a plain function over plain data.

The hard filters (volunteers for this kind of activity, allows this school, under her own
limit, free on one of the dates) are applied by the database query in services.py; this
module only orders the alumnae who passed them, and says why each one ranks where she does.

Students recognise themselves best in a vakvrouw who did the same programme, and otherwise
one from the same sector; within each of those, the one who graduated most recently (not
much older than they are) comes first. Ties go to the one with more room left under her
own limit this school year, then by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

SAME_PROGRAMME, SAME_SECTOR, OTHER = 0, 1, 2


@dataclass(frozen=True)
class RequestFacts:
    """What the ranking needs to know about the request."""

    year: int  # the calendar year of the lesson, to say how long ago an alumna graduated
    programme_id: int | None = None
    crebo: str | None = None
    programme_name: str = ""
    sector: str | None = None
    sector_label: str = ""


@dataclass(frozen=True)
class Candidate:
    """An alumna who passed the hard filters."""

    alumna_id: int
    name: str
    graduated_year: int | None = None
    programme_id: int | None = None
    crebo: str | None = None
    programme_name: str = ""
    sector: str | None = None
    used: int = 0  # lessons confirmed or given this school year
    max_per_year: int = 4
    available_option_ids: tuple[int, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # shown by the page, not ranked on


@dataclass
class Suggestion:
    candidate: Candidate
    tier: int
    reasons: list = field(default_factory=list)

    @property
    def alumna_id(self) -> int:
        return self.candidate.alumna_id


def _normal(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def same_programme(request: RequestFacts, candidate: Candidate) -> bool:
    """The same opleiding: the same programme row, the same crebo code, or the same name."""
    if request.programme_id is not None and request.programme_id == candidate.programme_id:
        return True
    if request.crebo and candidate.crebo and request.crebo.strip() == candidate.crebo.strip():
        return True
    return bool(_normal(request.programme_name)) and _normal(request.programme_name) == _normal(candidate.programme_name)


def tier_of(request: RequestFacts, candidate: Candidate) -> int:
    if same_programme(request, candidate):
        return SAME_PROGRAMME
    if request.sector and candidate.sector == request.sector:
        return SAME_SECTOR
    return OTHER


def years_since(request: RequestFacts, candidate: Candidate) -> int | None:
    if candidate.graduated_year is None:
        return None
    return max(0, request.year - candidate.graduated_year)


def reasons_for(request: RequestFacts, candidate: Candidate, tier: int) -> list:
    reasons: list = []
    if tier == SAME_PROGRAMME:
        reasons.append(_l("zelfde opleiding"))
    elif tier == SAME_SECTOR:
        reasons.append(_l("zelfde sector: %(sector)s", sector=request.sector_label or request.sector))
    years = years_since(request, candidate)
    if years == 0:
        reasons.append(_l("dit jaar afgestudeerd"))
    elif years == 1:
        reasons.append(_l("1 jaar geleden afgestudeerd"))
    elif years is not None:
        reasons.append(_l("%(num)s jaar geleden afgestudeerd", num=years))
    reasons.append(
        _l(
            "nog %(left)s van de %(max)s keer dit schooljaar",
            left=max(0, candidate.max_per_year - candidate.used),
            max=candidate.max_per_year,
        )
    )
    return reasons


def rank(request: RequestFacts, candidates: list[Candidate]) -> list[Suggestion]:
    """The candidates best first, each with the reasons for her place."""

    def key(candidate: Candidate):
        years = years_since(request, candidate)
        return (
            tier_of(request, candidate),
            years if years is not None else 10_000,
            -(candidate.max_per_year - candidate.used),
            _normal(candidate.name),
            candidate.alumna_id,
        )

    ordered = sorted(candidates, key=key)
    return [
        Suggestion(candidate, tier_of(request, candidate), reasons_for(request, candidate, tier_of(request, candidate)))
        for candidate in ordered
    ]
