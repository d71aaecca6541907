"""Circle formation helper: propose mentoring circles for the studentes who asked for one.

A pure function on plain data (no Flask, no database). The web layer turns the
studentes who asked for a circle into :class:`Student` objects (in order of
request), the available alumnae into :class:`Mentor` objects, calls
:func:`propose_circles` and shows the :class:`Proposal`; the coordinator adjusts
it (:func:`evaluate_circles` re-scores an adjusted proposal) and creates all
circles at once.

Hard rules (never violated by :func:`propose_circles`):

* every circle has between ``min_size`` and ``max_size`` studentes;
* every circle has a mentor (a circle without a mentor is not a circle), and a
  mentor leads at most ``capacity`` circles;
* a studente is in at most one circle; every studente passed in is either in a
  circle or listed in ``Proposal.unplaced``.

How many circles and who is placed (a rule, not an optimisation):

1. Place as many studentes as possible: with ``k`` circles at most
   ``min(n, k * max_size)`` studentes fit, ``k`` is at most the total mentor
   capacity and at most ``n // min_size``.
2. Among the ``k`` that place that many, take the one whose mean circle size is
   closest to ``target_size`` (a tie goes to more, smaller circles).
3. The studentes are taken in the order given (the web layer passes them in
   order of request), so when not everyone fits the latest requests are
   unplaced. ``Proposal.unplaced_reason`` says why: no mentor capacity left, or
   too few studentes left for another circle of ``min_size``.

Objective (exact, all integer). Let ``m`` placed studentes form ``k`` circles;
the balanced band is ``[floor(m/k), ceil(m/k)]``. Each circle ``C`` with mentor
``M`` costs ::

    cost(C, M) = min over labels L of ( sum_{s in C} d(s, L) + f(M, L) )
                 + SIZE_DEVIATION_COST * (distance of |C| to the balanced band)

A *label* is the circle's theme: a (programme, year) pair of one of the placed
studentes (for studentes without a programme: their sector, year ignored).
The programme's sector is the most common sector among its placed studentes.

* ``d(s, L)``, student to label: ``STUDENT_YEAR_COST`` per year of difference
  (at most ``YEAR_GAP_CAP`` years) when the programme is the same;
  ``STUDENT_SECTOR_COST`` for another programme of the same sector;
  ``STUDENT_OTHER_COST`` otherwise (or when unknown). So a different programme
  always costs more than a different year in the same programme.
* ``f(M, L)``, mentor fit: 0 for the same programme, ``MENTOR_SECTOR_COST`` for
  the same sector, ``MENTOR_OTHER_COST`` otherwise; plus
  ``MENTOR_RECENCY_COST`` per year since she graduated (capped at
  ``RECENCY_CAP``; unknown counts as the cap). The fit steps exceed the largest
  recency difference, so same programme > same sector > other comes first and
  recently graduated second, as in the mentor suggestions elsewhere in Kring.
* The size term keeps circles balanced (sizes differ by at most one) unless
  moving a studente saves more than the imbalance costs: a 7/5 split is
  preferred over 6/6 when it keeps two programmes apart, but not to separate
  years (``2 * SIZE_DEVIATION_COST`` is at least the cost of any year
  difference, ``STUDENT_YEAR_COST * YEAR_GAP_CAP``).

Exactness. :func:`propose_circles` minimises the total cost over *all*
partitions of the placed studentes into exactly ``k`` circles with sizes in
``[min_size, max_size]`` and *all* mentor assignments within capacity, jointly
(students, sizes and mentors in one objective, not one after the other). It
does so with one mixed-integer program (``scipy.optimize.milp``, HiGHS) on
aggregated counts instead of single studentes: how many circles each label
gets, how many studentes of each type (programme, sector, year) reach each
label, and how many circles of each programme get a mentor of each
(programme, sector) class and recency (see :func:`_solve_exact`). Every
concrete proposal gives an aggregate solution of the same cost, and every
aggregate solution turns into concrete circles of at most that cost, so the
optima agree. The model has a few hundred variables for a school, and its
size depends on the number of distinct types and mentor classes, not on the
number of studentes.

Guarantee: ``figures["optimal"]`` is true when optimality is proved (the cost
equals ``figures["lower_bound"]``, a bound proved by the solver). That is the
normal outcome: brute force confirms it on small cases in the tests, and the
2,000-student benchmark is solved to proven optimality in well under a
second. On a hard instance the solver stops after ``time_limit`` seconds and
the best solution found is returned (or, if none, a heuristic: studentes
sorted by sector, programme and year, cut into balanced circles, mentors
assigned optimally to those circles with ``linear_sum_assignment``); then
``figures["lower_bound"]`` still holds, and ``figures["gap"] = cost -
lower_bound`` is a proven bound on the distance to the optimum.

Output is deterministic: ties are broken by ids, and the input order of
mentors (and of studentes, when all are placed) does not matter. Only when
the time limit is hit can the result depend on the speed of the machine; the
figures then say so (``optimal`` is false).

Reasons shown to people are Dutch and built only from the templates in
:data:`REASON_TEMPLATES`, :data:`UNPLACED_TEMPLATES` and :data:`ERROR_TEMPLATES`.
Each circle also carries its reasons as ``(code, params)`` parts whose params
hold data, not words (programme ids and names, sector keys, years, counts; see
:class:`ReasonPart`), so the web layer can put them into the reader's
language; the Dutch text here is what :class:`ReasonLabels` makes of them.
"""

from __future__ import annotations

import datetime
import math
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp
from scipy.sparse import coo_array

__all__ = [
    "ERROR_TEMPLATES",
    "PHRASE_TEMPLATES",
    "REASON_TEMPLATES",
    "UNPLACED_TEMPLATES",
    "FormationError",
    "Mentor",
    "ProposedCircle",
    "Proposal",
    "ReasonLabels",
    "ReasonPart",
    "Student",
    "choose_circle_count",
    "default_size_band",
    "evaluate_circles",
    "propose_circles",
    "render",
]

# --------------------------------------------------------------------------
# Dutch text templates (the only source of user-facing strings).
# --------------------------------------------------------------------------

#: Reasons for a proposed circle. Keys are stable codes.
REASON_TEMPLATES: dict[str, str] = {
    "same_programme_year": "allemaal {programme} jaar {year}",
    "same_programme": "allemaal {programme}, jaar {years}",
    "same_sector": "allemaal sector {sector}: {programmes}",
    "mixed": "gemengd: {programmes}",
    "mentor_programme": "mentor: zelfde opleiding, {graduated}",
    "mentor_sector": "mentor: zelfde sector ({sector}), {graduated}",
    "mentor_other": "mentor: andere richting ({sector}), {graduated}",
    "no_mentor": "nog geen mentor",
    "size_off": "{size} studentes in plaats van {band}, voor een betere indeling",
    "size_out_of_bounds": "{size} studentes, buiten de grenzen {min_size}-{max_size}",
}

#: Pieces used inside the reasons above.
PHRASE_TEMPLATES: dict[str, str] = {
    "graduated": "afgestudeerd in {year}",
    "graduated_unknown": "afstudeerjaar onbekend",
    "programme_fallback": "opleiding {programme_id}",
    "programme_unknown": "opleiding onbekend",
    "sector_unknown": "sector onbekend",
    "count": "{name} ({count})",
    "and": "en",
    "or": "of",
}

#: Why studentes stay unplaced (the same reason for all of them).
UNPLACED_TEMPLATES: dict[str, str] = {
    "no_mentors": "er is geen mentor beschikbaar",
    "mentor_capacity": (
        "geen mentor meer vrij: de mentoren kunnen samen {capacity} kring(en) begeleiden"
    ),
    "too_few_students": (
        "te weinig studentes over voor nog een kring van minimaal {min_size}"
    ),
}

#: Messages of :class:`FormationError`.
ERROR_TEMPLATES: dict[str, str] = {
    "not_integer": "{name} moet een geheel getal zijn, niet {value!r}",
    "target_range": "de gewenste kringgrootte (target_size={value}) moet tussen {low} en {high} liggen",
    "min_range": "de minimale kringgrootte (min_size={value}) moet minstens {low} zijn",
    "max_range": "de maximale kringgrootte (max_size={value}) mag hoogstens {high} zijn",
    "min_above_max": (
        "de minimale kringgrootte (min_size={min_size}) is groter dan de maximale "
        "(max_size={max_size})"
    ),
    "target_outside": (
        "de gewenste kringgrootte (target_size={target_size}) ligt niet tussen "
        "min_size={min_size} en max_size={max_size}"
    ),
    "not_student": "element {index} van students is geen Student",
    "not_mentor": "element {index} van mentors is geen Mentor",
    "duplicate_student": "studente {student_id} staat meer dan eens in de lijst",
    "duplicate_mentor": "mentor {mentor_id} staat meer dan eens in de lijst",
    "bad_capacity": "mentor {mentor_id} heeft een ongeldige capaciteit ({capacity})",
    "unknown_student": "studente {student_id} hoort niet bij de opgegeven studentes",
    "unknown_mentor": "mentor {mentor_id} hoort niet bij de opgegeven mentoren",
    "student_twice": "studente {student_id} staat in meer dan één kring",
    "empty_circle": "kring {index} heeft geen studentes",
    "time_limit": "time_limit moet positief zijn, niet {value!r}",
}


def render(code: str, params: Mapping[str, Any], templates: Mapping[str, str] = REASON_TEMPLATES) -> str:
    """Render one template by code; the web layer may pass translated templates."""
    return templates[code].format(**params)


def _join_nl(items: Sequence[str]) -> str:
    """Join words the Dutch way: 'a', 'a en b', 'a, b en c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {PHRASE_TEMPLATES['and']} " + items[-1]


# --------------------------------------------------------------------------
# Cost constants (integers, so optimality is exact)
# --------------------------------------------------------------------------

#: Studente in the circle's programme, per year of difference with its year.
STUDENT_YEAR_COST = 2
#: Year differences above this count as this many.
YEAR_GAP_CAP = 3
#: Studente of another programme in the circle's sector.
STUDENT_SECTOR_COST = 8
#: Studente of another sector (or unknown programme and sector).
STUDENT_OTHER_COST = 12
#: Per studente that a circle is larger or smaller than the balanced band.
SIZE_DEVIATION_COST = 3
#: Mentor of another programme in the circle's sector.
MENTOR_SECTOR_COST = 16
#: Mentor of another sector (or unknown).
MENTOR_OTHER_COST = 32
#: Per year since the mentor graduated.
MENTOR_RECENCY_COST = 1
#: Years since graduation above this count as this many; unknown counts as this.
RECENCY_CAP = 15
#: Cost of a circle without a mentor (only in :func:`evaluate_circles`).
NO_MENTOR_COST = MENTOR_OTHER_COST + MENTOR_RECENCY_COST * RECENCY_CAP + 1

assert MENTOR_SECTOR_COST > MENTOR_RECENCY_COST * RECENCY_CAP
assert MENTOR_OTHER_COST - MENTOR_SECTOR_COST > MENTOR_RECENCY_COST * RECENCY_CAP
assert STUDENT_SECTOR_COST > STUDENT_YEAR_COST * YEAR_GAP_CAP
assert 2 * SIZE_DEVIATION_COST >= STUDENT_YEAR_COST * YEAR_GAP_CAP

#: Limits on the size arguments.
SMALLEST_CIRCLE = 2
LARGEST_CIRCLE = 50
#: Bounds of the default band around the target.
DEFAULT_MIN_FLOOR = 3
DEFAULT_MAX_CEILING = 12
#: Seconds the solver may use before the best solution found is returned.
DEFAULT_TIME_LIMIT = 5.0
#: Extra HiGHS options. All costs are integers, so a gap below 1 between the
#: best solution and the bound proves optimality; telling HiGHS so saves it
#: most of its time. Its RENS heuristic costs more time than it saves here.
_HIGHS_OPTIONS: dict[str, Any] = {"mip_abs_gap": 0.999, "mip_heuristic_run_rens": False}


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Student:
    """A studente who asked for a circle."""

    id: int
    programme_id: int | None
    sector: str | None
    year: int


@dataclass(frozen=True)
class Mentor:
    """An alumna available as circle mentor; ``capacity`` circles at most."""

    id: int
    programme_id: int | None
    sector: str | None
    graduated_year: int | None
    capacity: int = 1


class ReasonLabels:
    """How the data in a reason's params read in a sentence: the matcher's own Dutch.

    The web layer has its own, translated version.
    """

    def programme(self, programme_id: int | None, name: str | None) -> str:
        if programme_id is None:
            return PHRASE_TEMPLATES["programme_unknown"]
        if name:
            return name
        return PHRASE_TEMPLATES["programme_fallback"].format(programme_id=programme_id)

    def count(self, name: str, count: int) -> str:
        return PHRASE_TEMPLATES["count"].format(name=name, count=count)

    def sector(self, sector: str | None) -> str:
        return sector if sector is not None else PHRASE_TEMPLATES["sector_unknown"]

    def graduated(self, year: int | None) -> str:
        if year is None:
            return PHRASE_TEMPLATES["graduated_unknown"]
        return PHRASE_TEMPLATES["graduated"].format(year=year)

    def either(self, low: int, high: int) -> str:
        return str(low) if low == high else f"{low} {PHRASE_TEMPLATES['or']} {high}"

    def join(self, items: Sequence[str]) -> str:
        return _join_nl(items)


DUTCH_LABELS = ReasonLabels()


def display_params(code: str, params: Mapping[str, Any], labels: ReasonLabels = DUTCH_LABELS) -> dict[str, Any]:
    """The params of a reason with its data turned into words, ready for its template."""
    out = dict(params)
    if "programme_id" in params:
        out["programme"] = labels.programme(params["programme_id"], params.get("programme"))
    if code == "same_programme":
        out["years"] = labels.join([str(y) for y in params["years"]])
    if code in ("same_sector", "mixed"):
        out["programmes"] = labels.join(
            [labels.count(labels.programme(p["programme_id"], p.get("programme")), p["count"]) for p in params["programmes"]]
        )
    if code in ("same_sector", "mentor_sector", "mentor_other"):
        out["sector"] = labels.sector(params["sector"])
    if code in ("mentor_programme", "mentor_sector", "mentor_other"):
        out["graduated"] = labels.graduated(params["graduated_year"])
    if code == "size_off":
        out["band"] = labels.either(*params["band"])
    return out


class ReasonPart(NamedTuple):
    """One reason as a template code and its parameters, which hold data, not words.

    ``same_programme_year``: programme_id, programme (name or None), year;
    ``same_programme``: programme_id, programme, years (sorted list);
    ``same_sector``: sector (key), programmes; ``mixed``: programmes (a list of
    {"programme_id", "programme", "count"}, most studentes first);
    ``mentor_programme``: graduated_year (or None); ``mentor_sector`` and
    ``mentor_other``: sector (key or None), graduated_year; ``size_off``: size,
    band ([low, high]); ``size_out_of_bounds``: size, min_size, max_size.
    """

    code: str
    params: Mapping[str, Any]

    def text(self, templates: Mapping[str, str] = REASON_TEMPLATES, labels: ReasonLabels = DUTCH_LABELS) -> str:
        return render(self.code, display_params(self.code, self.params, labels), templates)


@dataclass
class ProposedCircle:
    """A circle in the proposal.

    ``programme_id``, ``sector`` and ``year`` are the circle's label: the
    programme and year it is built around (the dominant ones; ``year`` is None
    for a circle built around studentes without a programme). ``cost`` is the
    circle's share of the objective (lower is better); ``score`` is 0-100
    (higher is better): ``100 * (1 - cost / worst)``, where ``worst`` is the
    cost of a circle of that size with nothing in common and the least fitting
    mentor.
    """

    students: tuple[int, ...]
    mentor_id: int | None
    programme_id: int | None
    sector: str | None
    year: int | None
    score: float
    cost: int
    reasons: list[str]
    reason_parts: tuple[ReasonPart, ...] = field(default=(), compare=False)


@dataclass
class Proposal:
    """The proposal.

    ``unplaced``: ids of studentes not in a circle (in input order), all for the
    reason ``unplaced_reason`` (Dutch; ``unplaced_code`` is its template code
    and ``unplaced_params`` its params, for a translation).
    ``figures``: JSON-serialisable numbers (sizes, costs, lower bound,
    whether optimality was proved, counts of homogeneous circles).
    """

    circles: list[ProposedCircle]
    unplaced: list[int]
    unplaced_reason: str | None
    unplaced_code: str | None
    figures: dict[str, Any]
    unplaced_params: dict[str, Any] = field(default_factory=dict)


class FormationError(ValueError):
    """Raised for invalid input (sizes out of range, duplicate ids, ...).

    ``code`` and ``params`` identify the Dutch message in
    :data:`ERROR_TEMPLATES`, so it can be translated.
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(render(code, params, ERROR_TEMPLATES))


# --------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------


def _check_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise FormationError("not_integer", name=name, value=value)
    return int(value)


def default_size_band(target_size: int) -> tuple[int, int]:
    """The default ``(min_size, max_size)``: target-1 .. target+2 within 3 .. 12.

    The band always contains the target.
    """
    low = min(target_size, max(DEFAULT_MIN_FLOOR, target_size - 1))
    high = max(target_size, min(DEFAULT_MAX_CEILING, target_size + 2))
    return low, high


def _validate_sizes(target_size: Any, min_size: Any, max_size: Any) -> tuple[int, int, int]:
    target = _check_int("target_size", target_size)
    if not SMALLEST_CIRCLE <= target <= LARGEST_CIRCLE:
        raise FormationError("target_range", value=target, low=SMALLEST_CIRCLE, high=LARGEST_CIRCLE)
    default_low, default_high = default_size_band(target)
    low = default_low if min_size is None else _check_int("min_size", min_size)
    high = default_high if max_size is None else _check_int("max_size", max_size)
    if low < SMALLEST_CIRCLE:
        raise FormationError("min_range", value=low, low=SMALLEST_CIRCLE)
    if high > LARGEST_CIRCLE:
        raise FormationError("max_range", value=high, high=LARGEST_CIRCLE)
    if low > high:
        raise FormationError("min_above_max", min_size=low, max_size=high)
    if not low <= target <= high:
        raise FormationError("target_outside", target_size=target, min_size=low, max_size=high)
    return target, low, high


def _validate_people(students: Sequence[Any], mentors: Sequence[Any]) -> None:
    seen: set[int] = set()
    for index, s in enumerate(students):
        if not isinstance(s, Student):
            raise FormationError("not_student", index=index)
        if s.id in seen:
            raise FormationError("duplicate_student", student_id=s.id)
        seen.add(s.id)
        _check_int("year", s.year)
    seen = set()
    for index, m in enumerate(mentors):
        if not isinstance(m, Mentor):
            raise FormationError("not_mentor", index=index)
        if m.id in seen:
            raise FormationError("duplicate_mentor", mentor_id=m.id)
        seen.add(m.id)
        if isinstance(m.capacity, bool) or not isinstance(m.capacity, int) or m.capacity < 0:
            raise FormationError("bad_capacity", mentor_id=m.id, capacity=m.capacity)


def choose_circle_count(
    n_students: int, mentor_capacity: int, target_size: int, min_size: int, max_size: int
) -> tuple[int, int]:
    """Return ``(k, m)``: the number of circles and of studentes placed in them.

    ``m`` is the largest number of studentes that fit in at most
    ``mentor_capacity`` circles with sizes in ``[min_size, max_size]``; among the
    ``k`` that place ``m``, the one with mean size closest to ``target_size``
    (ties: more circles). ``(0, 0)`` when not even one circle can be formed.
    """
    best: tuple[int, Fraction, int] | None = None
    best_km = (0, 0)
    for k in range(1, min(mentor_capacity, n_students // min_size) + 1):
        m = min(n_students, k * max_size)
        key = (m, -abs(Fraction(m, k) - target_size), k)
        if best is None or key > best:
            best, best_km = key, (k, m)
    return best_km


def _balanced_band(m: int, k: int) -> tuple[int, int]:
    return m // k, -(-m // k)


def _size_deviation(size: int, band: tuple[int, int]) -> int:
    return max(0, band[0] - size, size - band[1])


# --------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------


class _Label(NamedTuple):
    programme_id: int | None
    sector: str | None
    year: int | None


def _sort_key(value: Any) -> tuple[bool, Any]:
    """Sort None last, and keep mixed None/value comparisons valid."""
    return (value is None, value if value is not None else 0)


def _label_key(label: _Label) -> tuple[Any, ...]:
    return (_sort_key(label.programme_id), _sort_key(label.sector), _sort_key(label.year))


class _Costs:
    """The cost model for one set of placed studentes (see the module docstring)."""

    def __init__(self, students: Sequence[Student], current_year: int) -> None:
        self.current_year = current_year
        sectors: dict[int, Counter[str]] = defaultdict(Counter)
        programmes: set[int] = set()
        for s in students:
            if s.programme_id is not None:
                programmes.add(s.programme_id)
                if s.sector is not None:
                    sectors[s.programme_id][s.sector] += 1
        self.programme_sector: dict[int, str | None] = {}
        for p in programmes:
            counts = sectors.get(p)
            if counts:
                self.programme_sector[p] = min(counts, key=lambda sec: (-counts[sec], sec))
            else:
                self.programme_sector[p] = None
        labels = {self.label_of(s) for s in students}
        self.labels: list[_Label] = sorted(labels, key=_label_key)

    def label_of(self, s: Student) -> _Label:
        if s.programme_id is None:
            return _Label(None, s.sector, None)
        return _Label(s.programme_id, self.programme_sector.get(s.programme_id, s.sector), s.year)

    @staticmethod
    def student_cost(s: Student, label: _Label) -> int:
        if s.programme_id is not None and s.programme_id == label.programme_id:
            gap = abs(s.year - label.year) if label.year is not None else 0
            return STUDENT_YEAR_COST * min(gap, YEAR_GAP_CAP)
        if s.sector is not None and s.sector == label.sector:
            return STUDENT_SECTOR_COST
        return STUDENT_OTHER_COST

    @staticmethod
    def mentor_fit(mentor: Mentor, label: _Label) -> int:
        if mentor.programme_id is not None and mentor.programme_id == label.programme_id:
            return 0
        if mentor.sector is not None and mentor.sector == label.sector:
            return MENTOR_SECTOR_COST
        return MENTOR_OTHER_COST

    def recency(self, mentor: Mentor) -> int:
        if mentor.graduated_year is None:
            return RECENCY_CAP
        return min(max(self.current_year - mentor.graduated_year, 0), RECENCY_CAP)

    def mentor_cost(self, mentor: Mentor | None, label: _Label) -> int:
        if mentor is None:
            return NO_MENTOR_COST
        return self.mentor_fit(mentor, label) + MENTOR_RECENCY_COST * self.recency(mentor)

    def circle(
        self, members: Sequence[Student], mentor: Mentor | None, band: tuple[int, int]
    ) -> tuple[int, _Label, int, int, int]:
        """Return (cost, label, homogeneity cost, mentor cost, size cost) of one circle.

        The label minimises the cost; ties go to the label with the lowest
        homogeneity cost, then to the first label in sorted order.
        """
        best: tuple[int, int, int] | None = None
        best_label = self.labels[0]
        best_mentor = 0
        for index, label in enumerate(self.labels):
            homogeneity = sum(self.student_cost(s, label) for s in members)
            mentor_cost = self.mentor_cost(mentor, label)
            key = (homogeneity + mentor_cost, homogeneity, index)
            if best is None or key < best:
                best, best_label, best_mentor = key, label, mentor_cost
        assert best is not None
        size_cost = SIZE_DEVIATION_COST * _size_deviation(len(members), band)
        return best[0] + size_cost, best_label, best[1], best_mentor, size_cost


# --------------------------------------------------------------------------
# Reasons
# --------------------------------------------------------------------------


def _homogeneity_reason(members: Sequence[Student], names: Mapping[int, str]) -> ReasonPart:
    programmes = Counter(s.programme_id for s in members)
    years = sorted({s.year for s in members})
    if len(programmes) == 1:
        (programme_id,) = programmes
        if programme_id is not None:
            name = names.get(programme_id) or None
            if len(years) == 1:
                return ReasonPart("same_programme_year", {"programme_id": programme_id, "programme": name, "year": years[0]})
            return ReasonPart("same_programme", {"programme_id": programme_id, "programme": name, "years": years})
    ordered = sorted(programmes, key=lambda p: (-programmes[p], _sort_key(p)))
    listing = [
        {"programme_id": p, "programme": (names.get(p) or None) if p is not None else None, "count": programmes[p]}
        for p in ordered
    ]
    sectors = {s.sector for s in members}
    if len(sectors) == 1 and None not in sectors:
        (sector,) = sectors
        return ReasonPart("same_sector", {"sector": sector, "programmes": listing})
    return ReasonPart("mixed", {"programmes": listing})


def _mentor_reason(mentor: Mentor | None, label: _Label) -> ReasonPart:
    if mentor is None:
        return ReasonPart("no_mentor", {})
    graduated = mentor.graduated_year
    fit = _Costs.mentor_fit(mentor, label)
    if fit == 0:
        return ReasonPart("mentor_programme", {"graduated_year": graduated})
    if fit == MENTOR_SECTOR_COST:
        return ReasonPart("mentor_sector", {"sector": mentor.sector, "graduated_year": graduated})
    return ReasonPart("mentor_other", {"sector": mentor.sector, "graduated_year": graduated})


# --------------------------------------------------------------------------
# Building circles from groups
# --------------------------------------------------------------------------


def _build_circles(
    groups: Sequence[tuple[Sequence[Student], Mentor | None]],
    costs: _Costs,
    band: tuple[int, int],
    size_bounds: tuple[int, int] | None,
    names: Mapping[int, str],
) -> tuple[list[ProposedCircle], dict[str, int]]:
    circles: list[ProposedCircle] = []
    totals = {"cost": 0, "homogeneity_cost": 0, "mentor_cost": 0, "size_cost": 0}
    for members, mentor in groups:
        cost, label, homogeneity, mentor_cost, size_cost = costs.circle(members, mentor, band)
        totals["cost"] += cost
        totals["homogeneity_cost"] += homogeneity
        totals["mentor_cost"] += mentor_cost
        totals["size_cost"] += size_cost
        size = len(members)
        worst = (
            size * STUDENT_OTHER_COST
            + (NO_MENTOR_COST if mentor is None else MENTOR_OTHER_COST + MENTOR_RECENCY_COST * RECENCY_CAP)
            + size_cost
        )
        score = round(100.0 * (1.0 - cost / worst), 1) if worst else 100.0
        parts = [_homogeneity_reason(members, names), _mentor_reason(mentor, label)]
        if size_bounds is not None and not size_bounds[0] <= size <= size_bounds[1]:
            parts.append(
                ReasonPart(
                    "size_out_of_bounds",
                    {"size": size, "min_size": size_bounds[0], "max_size": size_bounds[1]},
                )
            )
        elif size_cost:
            parts.append(ReasonPart("size_off", {"size": size, "band": [band[0], band[1]]}))
        circles.append(
            ProposedCircle(
                students=tuple(sorted(s.id for s in members)),
                mentor_id=None if mentor is None else mentor.id,
                programme_id=label.programme_id,
                sector=label.sector,
                year=label.year,
                score=score,
                cost=cost,
                reasons=[part.text() for part in parts],
                reason_parts=tuple(parts),
            )
        )
    return circles, totals


def _circle_order(circle: ProposedCircle) -> tuple[Any, ...]:
    return (
        _sort_key(circle.sector),
        _sort_key(circle.programme_id),
        _sort_key(circle.year),
        circle.students,
    )


def _summary(
    circles: Sequence[ProposedCircle], by_id: Mapping[int, Student], mentors: Mapping[int, Mentor]
) -> dict[str, Any]:
    sizes = [len(c.students) for c in circles]
    programme_homogeneous = 0
    programme_year_homogeneous = 0
    mentor_same_programme = 0
    mentor_same_sector = 0
    for c in circles:
        members = [by_id[i] for i in c.students]
        programmes = {s.programme_id for s in members}
        if len(programmes) == 1 and None not in programmes:
            programme_homogeneous += 1
            if len({s.year for s in members}) == 1:
                programme_year_homogeneous += 1
        mentor = mentors.get(c.mentor_id) if c.mentor_id is not None else None
        if mentor is not None:
            if mentor.programme_id is not None and mentor.programme_id == c.programme_id:
                mentor_same_programme += 1
            elif mentor.sector is not None and mentor.sector == c.sector:
                mentor_same_sector += 1
    return {
        "circles": len(circles),
        "smallest": min(sizes) if sizes else 0,
        "largest": max(sizes) if sizes else 0,
        "mean_size": round(sum(sizes) / len(sizes), 2) if sizes else 0.0,
        "programme_homogeneous": programme_homogeneous,
        "programme_year_homogeneous": programme_year_homogeneous,
        "mentor_same_programme": mentor_same_programme,
        "mentor_same_sector": mentor_same_sector,
    }


# --------------------------------------------------------------------------
# Exact solver (aggregated mixed-integer program)
# --------------------------------------------------------------------------


class _Solution(NamedTuple):
    groups: list[tuple[list[Student], Mentor]]
    lower_bound: int
    method: str


def _mentor_slots(mentors: Sequence[Mentor], costs: _Costs) -> dict[tuple[Any, Any], list[Mentor]]:
    """Mentor slots per (programme, sector) class, best (most recent, lowest id) first."""
    slots: dict[tuple[Any, Any], list[Mentor]] = defaultdict(list)
    for mentor in sorted(mentors, key=lambda x: (costs.recency(x), x.id)):
        slots[(mentor.programme_id, mentor.sector)].extend([mentor] * mentor.capacity)
    return slots


class _Model:
    """A small helper to build a sparse mixed-integer program column by column."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.b_low: list[float] = []
        self.b_high: list[float] = []

    def var(self, cost: float, upper: float, integer: bool = False) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        self.integer.append(1 if integer else 0)
        return len(self.cost) - 1

    def row(self, entries: Iterable[tuple[int, float]], low: float, high: float) -> None:
        index = len(self.b_low)
        for col, val in entries:
            self.rows.append(index)
            self.cols.append(col)
            self.vals.append(val)
        self.b_low.append(low)
        self.b_high.append(high)

    def sum_var(self, cols: Sequence[int], upper: float) -> int:
        """An integer variable equal to the sum of ``cols`` (to branch on)."""
        total = self.var(0.0, upper, integer=True)
        self.row([(total, 1.0)] + [(col, -1.0) for col in cols], 0.0, 0.0)
        return total

    def solve(self, time_limit: float, fixed: Mapping[int, float] | None = None, all_integer: bool = False) -> Any:
        n_vars = len(self.cost)
        lower = np.zeros(n_vars)
        upper = np.array(self.upper, dtype=float)
        for col, value in (fixed or {}).items():
            lower[col] = upper[col] = value
        integrality = np.ones(n_vars) if all_integer else np.array(self.integer, dtype=float)
        matrix = coo_array((self.vals, (self.rows, self.cols)), shape=(len(self.b_low), n_vars)).tocsr()
        with warnings.catch_warnings():
            # scipy passes options it does not know to HiGHS verbatim, with a
            # warning; an option this HiGHS lacks is dropped with a warning too
            # (only speed depends on these options, never the result).
            warnings.filterwarnings("ignore", message="Unrecognized options")
            return milp(
                np.array(self.cost, dtype=float),
                integrality=integrality,
                bounds=Bounds(lower, upper),
                constraints=LinearConstraint(matrix, np.array(self.b_low), np.array(self.b_high)),
                options={"time_limit": time_limit, "mip_rel_gap": 0.0, **_HIGHS_OPTIONS},
            )


def _type_of(s: Student) -> tuple[Any, ...]:
    """Studentes of one type have the same cost to every label."""
    return (s.programme_id, s.sector, s.year if s.programme_id is not None else None)


def _solve_exact(
    placed: Sequence[Student],
    mentors: Sequence[Mentor],
    costs: _Costs,
    k: int,
    min_size: int,
    max_size: int,
    band: tuple[int, int],
    time_limit: float,
) -> tuple[_Solution | None, int]:
    """Solve the aggregated model; return the solution (None when none was
    found in time) and a proven lower bound on the optimal cost.

    Studentes are grouped in *types* (programme, sector, year). A studente
    reaches a label of her own programme directly (cost by year difference)
    or through the *pool* of her sector, from which any label is reached at
    ``STUDENT_SECTOR_COST`` (same sector) or ``STUDENT_OTHER_COST``. That is
    exactly her cost for labels of other programmes and never less than her
    cost for her own programme, so the model has the same optimum as one with
    a variable per type and label, with far fewer variables.

    Variables: ``a[t, l]`` direct, ``e[t]`` into the pool, ``q[s, l]`` pool to
    label, ``n[l]`` circles of label l (integer), ``dev[l]`` their total size
    deviation from the balanced band, ``y[c, g]`` circles of label group g
    (programme, sector) led by a mentor of class c (programme, sector),
    ``w[c, r]`` slots of class c with recency r. ``N[l]`` studentes fit
    ``n[l]`` circles with sizes in bounds iff ``min * n <= N <= max * n``, and
    the least total deviation from the band ``[lo, hi]`` is then
    ``max(0, lo * n - N, N - hi * n)``. Two valid strengthenings: ``a[t, l] <=
    |t| * n[l]``, and integer sums of ``n`` per label group and per sector to
    branch on (both cut solve times a lot). With ``n`` fixed the rest is a
    network flow, so a second stage re-solves it with ``n`` fixed and all
    variables integer (its relaxation is integral, so this is quick).
    """
    labels = costs.labels
    low, high = band
    inf = np.inf

    by_type: dict[tuple[Any, ...], list[Student]] = defaultdict(list)
    for s in sorted(placed, key=lambda x: x.id):
        by_type[_type_of(s)].append(s)
    types = sorted(by_type, key=lambda t: tuple(_sort_key(v) for v in t))
    pools = sorted({t[1] for t in types}, key=_sort_key)

    model = _Model()
    n_var = [model.var(0.0, k, integer=True) for _ in labels]
    dev_var = [model.var(float(SIZE_DEVIATION_COST), inf) for _ in labels]
    label_inflow: list[list[tuple[int, float]]] = [[] for _ in labels]
    direct: dict[tuple[int, int], int] = {}
    export: list[int] = []
    pool_out: dict[tuple[int, int], int] = {}
    for ti, t in enumerate(types):
        count = len(by_type[t])
        sample = by_type[t][0]
        entries: list[tuple[int, float]] = []
        for li, label in enumerate(labels):
            if t[0] is not None and label.programme_id == t[0]:
                col = model.var(float(costs.student_cost(sample, label)), count)
                direct[(ti, li)] = col
                entries.append((col, 1.0))
                label_inflow[li].append((col, 1.0))
                model.row([(col, 1.0), (n_var[li], -float(count))], -inf, 0.0)
        col = model.var(0.0, count)
        export.append(col)
        entries.append((col, 1.0))
        model.row(entries, count, count)
    for pi, sector in enumerate(pools):
        outflow: list[tuple[int, float]] = []
        for li, label in enumerate(labels):
            same = sector is not None and sector == label.sector
            col = model.var(float(STUDENT_SECTOR_COST if same else STUDENT_OTHER_COST), len(placed))
            pool_out[(pi, li)] = col
            outflow.append((col, -1.0))
            label_inflow[li].append((col, 1.0))
        inflow = [(export[ti], 1.0) for ti, t in enumerate(types) if t[1] == sector]
        model.row(inflow + outflow, 0.0, 0.0)
    for li in range(len(labels)):
        members = label_inflow[li]
        model.row(members + [(n_var[li], -float(min_size))], 0.0, inf)
        model.row(members + [(n_var[li], -float(max_size))], -inf, 0.0)
        model.row(members + [(dev_var[li], 1.0), (n_var[li], -float(low))], 0.0, inf)
        model.row([(col, -val) for col, val in members] + [(dev_var[li], 1.0), (n_var[li], float(high))], 0.0, inf)
    model.row(((col, 1.0) for col in n_var), k, k)

    groups_of_labels: dict[tuple[Any, Any], list[int]] = defaultdict(list)
    sectors_of_labels: dict[Any, list[int]] = defaultdict(list)
    for li, label in enumerate(labels):
        groups_of_labels[(label.programme_id, label.sector)].append(li)
        sectors_of_labels[label.sector].append(li)
    for lis in [*groups_of_labels.values(), *sectors_of_labels.values()]:
        if len(lis) > 1:
            model.sum_var([n_var[li] for li in lis], k)

    # Mentors.
    label_groups = list(groups_of_labels)
    slots = _mentor_slots(mentors, costs)
    classes = sorted(slots, key=lambda c: (_sort_key(c[0]), _sort_key(c[1])))
    assign: dict[tuple[int, int], int] = {}
    group_rows: list[list[tuple[int, float]]] = [
        [(n_var[li], -1.0) for li in groups_of_labels[key]] for key in label_groups
    ]
    for ci, (programme_id, sector) in enumerate(classes):
        probe = Mentor(id=-1, programme_id=programme_id, sector=sector, graduated_year=None)
        class_slots = slots[(programme_id, sector)]
        used: list[tuple[int, float]] = []
        for gi, (g_programme, g_sector) in enumerate(label_groups):
            fit = _Costs.mentor_fit(probe, _Label(g_programme, g_sector, None))
            col = model.var(float(fit), min(k, len(class_slots)))
            assign[(ci, gi)] = col
            used.append((col, 1.0))
            group_rows[gi].append((col, 1.0))
        counts = Counter(costs.recency(m) for m in class_slots)
        for r in sorted(counts):
            used.append((model.var(float(MENTOR_RECENCY_COST * r), min(counts[r], k)), -1.0))
        model.row(used, 0.0, 0.0)
    for entries in group_rows:
        model.row(entries, 0.0, 0.0)

    first = model.solve(time_limit)
    bound = getattr(first, "mip_dual_bound", None)
    lower_bound = 0 if bound is None or not math.isfinite(bound) else max(0, math.ceil(bound - 1e-6))
    if first.x is None:
        return None, lower_bound
    fixed = {col: float(np.rint(first.x[col])) for col in n_var}
    second = model.solve(max(time_limit, 1.0), fixed=fixed, all_integer=True)
    if second.x is None:  # pragma: no cover - the flow stage is always solvable
        return None, lower_bound
    values = np.rint(second.x).astype(np.int64)

    # Studentes per label: each type in id order, direct first, then pools.
    members_of: list[list[Student]] = [[] for _ in labels]
    pool_queue: dict[int, list[Student]] = defaultdict(list)
    pool_index = {sector: pi for pi, sector in enumerate(pools)}
    for ti, t in enumerate(types):
        queue = list(by_type[t])
        for li in range(len(labels)):
            col = direct.get((ti, li))
            if col is not None:
                count = int(values[col])
                members_of[li].extend(queue[:count])
                del queue[:count]
        pool_queue[pool_index[t[1]]].extend(queue)
    for pi in range(len(pools)):
        queue = pool_queue[pi]
        for li in range(len(labels)):
            count = int(values[pool_out[(pi, li)]])
            members_of[li].extend(queue[:count])
            del queue[:count]
        assert not queue
    # Circles per label: sizes nearest the band, closest studentes first.
    circle_members: list[tuple[int, list[Student]]] = []
    for li, label in enumerate(labels):
        count = int(values[n_var[li]])
        pool = sorted(
            members_of[li],
            key=lambda s: (costs.student_cost(s, label), _type_sort(s), s.id),
        )
        start = 0
        for size in _sizes_for(len(pool), count, min_size, max_size, band):
            circle_members.append((li, pool[start : start + size]))
            start += size
        assert start == len(pool)
    # Mentors: the best slots of each class, handed to label groups.
    mentor_queue: dict[int, list[Mentor]] = defaultdict(list)
    for ci, cls in enumerate(classes):
        counts_used = [int(values[assign[(ci, gi)]]) for gi in range(len(label_groups))]
        available = slots[cls][: sum(counts_used)]
        for gi, count in enumerate(counts_used):
            mentor_queue[gi].extend(available[:count])
            del available[:count]
    group_index = {key: gi for gi, key in enumerate(label_groups)}
    result: list[tuple[list[Student], Mentor]] = []
    for li, members in circle_members:
        label = labels[li]
        result.append((members, mentor_queue[group_index[(label.programme_id, label.sector)]].pop(0)))
    assert all(not queue for queue in mentor_queue.values())
    return _Solution(result, lower_bound, "milp"), lower_bound


def _type_sort(s: Student) -> tuple[Any, ...]:
    return (_sort_key(s.sector), _sort_key(s.programme_id), s.year)


def _sizes_for(total: int, count: int, min_size: int, max_size: int, band: tuple[int, int]) -> list[int]:
    """Sizes (largest first) of ``count`` circles holding ``total`` studentes,
    as balanced as possible, so with the least total deviation from ``band``."""
    if count == 0:
        return []
    base, extra = divmod(total, count)
    sizes = [base + 1] * extra + [base] * (count - extra)
    assert all(min_size <= size <= max_size for size in sizes), (total, count, sizes)
    return sizes


# --------------------------------------------------------------------------
# Heuristic fallback (only when the solver finds nothing within its time limit)
# --------------------------------------------------------------------------


def _solve_heuristic(
    placed: Sequence[Student],
    mentors: Sequence[Mentor],
    costs: _Costs,
    k: int,
    band: tuple[int, int],
    lower_bound: int,
) -> _Solution:
    """Studentes sorted by sector, programme and year, cut into ``k`` balanced
    circles; mentors assigned optimally to those circles (linear_sum_assignment)."""
    ordered = sorted(placed, key=lambda s: (_type_sort(s), s.id))
    groups: list[list[Student]] = []
    start = 0
    for size in _sizes_for(len(ordered), k, 1, LARGEST_CIRCLE * len(ordered), band):
        groups.append(ordered[start : start + size])
        start += size
    labels = costs.labels
    # Homogeneity cost of each circle for each label: circles x labels.
    student_costs = np.array(
        [[sum(costs.student_cost(s, label) for s in group) for label in labels] for group in groups],
        dtype=float,
    )
    slot_mentors = sorted(
        (m for cls in _mentor_slots(mentors, costs).values() for m in cls),
        key=lambda x: (costs.recency(x), x.id),
    )
    classes = sorted(
        {(m.programme_id, m.sector) for m in slot_mentors}, key=lambda c: (_sort_key(c[0]), _sort_key(c[1]))
    )
    class_index = {cls: ci for ci, cls in enumerate(classes)}
    fit = np.array(
        [
            [_Costs.mentor_fit(Mentor(-1, cls[0], cls[1], None), label) for label in labels]
            for cls in classes
        ],
        dtype=float,
    )
    # Best label per circle and mentor class: circles x classes.
    per_class = (student_costs[:, None, :] + fit[None, :, :]).min(axis=2)
    recency = np.array([MENTOR_RECENCY_COST * costs.recency(m) for m in slot_mentors], dtype=float)
    slot_class = np.array([class_index[(m.programme_id, m.sector)] for m in slot_mentors])
    matrix = per_class[:, slot_class] + recency[None, :]
    rows, cols = linear_sum_assignment(matrix)
    return _Solution([(groups[r], slot_mentors[c]) for r, c in zip(rows, cols, strict=True)], lower_bound, "heuristic")


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


def propose_circles(
    students: Iterable[Student],
    mentors: Iterable[Mentor],
    target_size: int = 6,
    min_size: int | None = None,
    max_size: int | None = None,
    current_year: int | None = None,
    *,
    programme_names: Mapping[int, str] | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Proposal:
    """Propose circles for ``students`` (in priority order) with ``mentors``.

    ``min_size`` and ``max_size`` default to :func:`default_size_band` of the
    target. ``current_year`` (for mentor recency) defaults to this year.
    ``programme_names`` maps programme ids to names for the reasons. See the
    module docstring for the rules, the objective and the guarantees.

    Raises :class:`FormationError` for invalid arguments.
    """
    students = list(students)
    mentors = list(mentors)
    target, low, high = _validate_sizes(target_size, min_size, max_size)
    _validate_people(students, mentors)
    year = datetime.date.today().year if current_year is None else _check_int("current_year", current_year)
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
        raise FormationError("time_limit", value=time_limit)
    names = programme_names or {}

    active_mentors = [m for m in mentors if m.capacity > 0]
    capacity = sum(m.capacity for m in active_mentors)
    n = len(students)
    k, m = choose_circle_count(n, capacity, target, low, high)
    placed = students[:m]
    unplaced = [s.id for s in students[m:]]
    code: str | None = None
    params: dict[str, Any] = {}
    if unplaced:
        _k_unlimited, m_unlimited = choose_circle_count(n, n, target, low, high)
        if m < m_unlimited:
            code = "mentor_capacity" if capacity else "no_mentors"
            params = {"capacity": capacity}
        else:
            code = "too_few_students"
            params = {"min_size": low}

    figures: dict[str, Any] = {
        "students": n,
        "placed": m,
        "unplaced": len(unplaced),
        "mentors": len(mentors),
        "mentor_capacity": capacity,
        "target_size": target,
        "min_size": low,
        "max_size": high,
    }
    circles: list[ProposedCircle] = []
    if k:
        band = _balanced_band(m, k)
        costs = _Costs(placed, year)
        solution, lower_bound = _solve_exact(placed, active_mentors, costs, k, low, high, band, float(time_limit))
        if solution is None:
            solution = _solve_heuristic(placed, active_mentors, costs, k, band, lower_bound)
        circles, totals = _build_circles(solution.groups, costs, band, None, names)
        circles.sort(key=_circle_order)
        figures.update(totals)
        figures["lower_bound"] = solution.lower_bound
        figures["gap"] = totals["cost"] - solution.lower_bound
        figures["optimal"] = totals["cost"] <= solution.lower_bound
        figures["method"] = solution.method
        figures["mentors_used"] = len({c.mentor_id for c in circles})
    else:
        figures.update(
            {"cost": 0, "homogeneity_cost": 0, "mentor_cost": 0, "size_cost": 0, "lower_bound": 0,
             "gap": 0, "optimal": True, "method": "none", "mentors_used": 0}
        )
    figures.update(_summary(circles, {s.id: s for s in placed}, {mt.id: mt for mt in mentors}))
    return Proposal(
        circles=circles,
        unplaced=unplaced,
        unplaced_reason=render(code, params, UNPLACED_TEMPLATES) if code else None,
        unplaced_code=code,
        figures=figures,
        unplaced_params=dict(params) if code else {},
    )


def evaluate_circles(
    groups: Sequence[tuple[Sequence[int], int | None]],
    students: Iterable[Student],
    mentors: Iterable[Mentor],
    current_year: int | None = None,
    *,
    min_size: int | None = None,
    max_size: int | None = None,
    programme_names: Mapping[int, str] | None = None,
) -> tuple[list[ProposedCircle], dict[str, Any]]:
    """Score circles as given (e.g. after the coordinator adjusted a proposal).

    ``groups`` is a list of ``(student ids, mentor id or None)``. Costs,
    labels and reasons are computed exactly as in :func:`propose_circles`
    (labels come from all studentes in ``groups``; the balanced band from
    their number and the number of groups); a circle without a mentor costs
    ``NO_MENTOR_COST``. When ``min_size``/``max_size`` are given, circles
    outside them get a reason saying so. Mentor capacity is not checked here.
    Returns the circles (in the order given) and the figures.
    """
    by_id = {s.id: s for s in students}
    mentor_by_id = {m.id: m for m in mentors}
    year = datetime.date.today().year if current_year is None else _check_int("current_year", current_year)
    seen: set[int] = set()
    resolved: list[tuple[list[Student], Mentor | None]] = []
    for index, (ids, mentor_id) in enumerate(groups):
        members: list[Student] = []
        for sid in ids:
            if sid not in by_id:
                raise FormationError("unknown_student", student_id=sid)
            if sid in seen:
                raise FormationError("student_twice", student_id=sid)
            seen.add(sid)
            members.append(by_id[sid])
        if not members:
            raise FormationError("empty_circle", index=index)
        if mentor_id is not None and mentor_id not in mentor_by_id:
            raise FormationError("unknown_mentor", mentor_id=mentor_id)
        resolved.append((members, None if mentor_id is None else mentor_by_id[mentor_id]))
    if not resolved:
        return [], {"cost": 0, "homogeneity_cost": 0, "mentor_cost": 0, "size_cost": 0,
                    **_summary([], by_id, mentor_by_id)}
    placed = [s for members, _ in resolved for s in members]
    band = _balanced_band(len(placed), len(resolved))
    bounds = None
    if min_size is not None or max_size is not None:
        bounds = (min_size if min_size is not None else 1, max_size if max_size is not None else LARGEST_CIRCLE)
    circles, totals = _build_circles(resolved, _Costs(placed, year), band, bounds, programme_names or {})
    figures: dict[str, Any] = dict(totals)
    figures.update(_summary(circles, by_id, mentor_by_id))
    return circles, figures
