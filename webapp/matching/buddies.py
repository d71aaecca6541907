"""Buddy matching: pair studentes who want a buddy with studentes of higher years.

A pure function on plain data (no Flask, no database). The web layer turns
StudentProfile rows into :class:`Candidate` objects, calls :func:`match` and
stores the :class:`MatchResult` as proposed BuddyPairs plus a MatchRun.

Hard constraints (never violated by :func:`match`):

* a buddy and her mentee are at the same school;
* the buddy is in a higher year than the mentee;
* a buddy has at most ``capacity`` mentees, counting active (running) pairs,
  locked pairs and new proposals;
* a mentee gets at most one buddy, and a mentee with an active pair gets none;
* a forbidden pair is never proposed;
* every locked pair is in the result (or :class:`MatchError` is raised).

Objective (lexicographic, exact):

1. maximise the number of mentees who get a buddy;
2. among those matchings, maximise the total fit (sum of :func:`fit` scores).

A coordinator expects as many studentes as possible to get a buddy, so a
feasible pair with fit 0 is still proposed when nothing better is possible:
a studente from a higher year of the same school is better than no buddy.
Because the number matched comes first, every mentee left unmatched has no
free seat left with any buddy she could have had; her reason says so.

Implementation: each school is solved on its own with
``scipy.optimize.linear_sum_assignment`` on a cost matrix with one row per
mentee and one column per free buddy seat: cost ``-fit`` for a feasible pair
and ``BIG`` for an infeasible one (later dropped). The solver assigns every
row of the smaller side, so a solution with ``k`` real pairs costs
``BIG * (n - k) - total fit``; ``BIG`` exceeds any possible total fit, so one
more pair always outweighs any gain in fit. All scores are integers, so the
optimum is exact. The score matrix is built with numpy (one matrix product
plus small corrections, no loop over pairs); reasons are computed only for
the chosen pairs.

Reasons and messages shown to people are Dutch and built only from the
templates in :data:`REASON_TEMPLATES`, :data:`UNMATCHED_TEMPLATES` and
:data:`ERROR_TEMPLATES`. Each pair also carries its reasons as ``(code,
params)`` parts whose params hold keys, not words: the interests, languages
and region exactly as given in the candidates, contact and criterion keys,
and "mentee"/"buddy" for whose wish it was (see :class:`ReasonPart`). The web
layer stores those parts and renders them in the reader's language; the
Dutch text here is what :class:`ReasonLabels` makes of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

__all__ = [
    "CRITERIA",
    "CONTACT_LABELS",
    "CRITERION_LABELS",
    "DEFAULT_WEIGHTS",
    "ERROR_TEMPLATES",
    "REASON_TEMPLATES",
    "UNMATCHED_TEMPLATES",
    "WEIGHT_LABELS",
    "Candidate",
    "MatchError",
    "MatchResult",
    "ProposedPair",
    "ReasonLabels",
    "ReasonPart",
    "Weights",
    "fit",
    "fit_parts",
    "match",
    "only_one_flags",
    "render",
    "score_matrix",
]

# --------------------------------------------------------------------------
# Dutch text templates (the only source of user-facing strings).
# --------------------------------------------------------------------------

#: Reasons for a proposed pair. Keys are stable codes.
REASON_TEMPLATES: dict[str, str] = {
    "same_programme": "zelfde opleiding {programme}",
    "same_programme_unnamed": "zelfde opleiding",
    "shared_interests": "allebei {interests}",
    "year_gap": "jaar {buddy_year} en jaar {mentee_year}",
    "shared_language": "spreken allebei {languages}",
    "same_region": "allebei uit regio {region}",
    "contact_both": "allebei contact {contact}",
    "contact_one": "contact {contact} past bij allebei",
    "contact_either": "contact op school of online past bij allebei",
    "matters": "belangrijk voor {who}: {criteria}",
    "only_one": "enige studente van haar opleiding en jaar",
}

#: Why a mentee stays unmatched. ``no_programme`` is a prefix joined with "; ".
UNMATCHED_TEMPLATES: dict[str, str] = {
    "no_higher_year": "geen buddy in een hoger jaar op haar school",
    "all_excluded": "alle buddy's in een hoger jaar zijn voor haar uitgesloten",
    "all_full": "alle buddy's in een hoger jaar zijn al vol",
    "full_or_excluded": "alle buddy's in een hoger jaar zijn al vol of voor haar uitgesloten",
    "no_programme": "geen buddy in een hoger jaar van haar opleiding",
}

#: Messages of :class:`MatchError`.
ERROR_TEMPLATES: dict[str, str] = {
    "duplicate_mentee": "studente {mentee_id} staat meer dan eens in de lijst van mentees",
    "duplicate_buddy": "studente {buddy_id} staat meer dan eens in de lijst van buddy's",
    "bad_capacity": "buddy {buddy_id} heeft een ongeldig aantal plaatsen ({capacity})",
    "lock_unknown_mentee": "vast koppel {buddy_id}-{mentee_id}: mentee {mentee_id} doet niet mee",
    "lock_unknown_buddy": "vast koppel {buddy_id}-{mentee_id}: buddy {buddy_id} doet niet mee",
    "lock_other_school": (
        "vast koppel {buddy_id}-{mentee_id}: buddy en mentee zitten niet op dezelfde school"
    ),
    "lock_year": (
        "vast koppel {buddy_id}-{mentee_id}: de buddy zit in jaar {buddy_year}, "
        "niet hoger dan jaar {mentee_year} van de mentee"
    ),
    "lock_forbidden": "vast koppel {buddy_id}-{mentee_id} is ook uitgesloten",
    "lock_twice": "mentee {mentee_id} is aan meer dan één buddy vastgezet",
    "lock_active": "mentee {mentee_id} heeft al een lopend koppel en kan niet opnieuw worden vastgezet",
    "lock_capacity": (
        "buddy {buddy_id} heeft {count} vaste en lopende koppels, maar maar {capacity} plaatsen"
    ),
}

#: The criteria a studente can say matter to her.
CRITERIA: tuple[str, ...] = ("programme", "interests", "language", "region", "contact")

#: Dutch names of the criteria (used in reasons and in the UI).
CRITERION_LABELS: dict[str, str] = {
    "programme": "opleiding",
    "interests": "interesses",
    "language": "taal",
    "region": "regio",
    "contact": "contactvorm",
}

CONTACT_LABELS: dict[str, str] = {"school": "op school", "online": "online"}

#: Whose wish a ``matters`` reason is, when her first name is not given.
WHO_LABELS: dict[str, str] = {"mentee": "de mentee", "buddy": "de buddy"}

#: Dutch labels of the weight settings, for the coordinator's settings page.
WEIGHT_LABELS: dict[str, str] = {
    "same_programme": "Zelfde opleiding",
    "per_shared_interest": "Per gedeelde interesse",
    "interest_cap": "Maximaal aantal gedeelde interesses dat meetelt",
    "year_gap_ok": "Jaarverschil van één of twee jaar",
    "shared_language": "Gedeelde taal",
    "same_region": "Zelfde reisregio",
    "same_contact": "Contactvorm past (op school of online)",
    "matters_bonus": "Extra als iets wat zij belangrijk vindt klopt (per persoon, per punt)",
    "only_one_priority": "Voorrang voor de enige studente van haar opleiding en jaar",
}

MAX_WEIGHT = 1000
MAX_INTEREST_CAP = 10


def render(code: str, params: Mapping[str, Any], templates: Mapping[str, str] = REASON_TEMPLATES) -> str:
    """Render one template by code; the web layer may pass translated templates."""
    return templates[code].format(**params)


def _join_nl(items: Sequence[str]) -> str:
    """Join words the Dutch way: 'a', 'a en b', 'a, b en c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A studente who opted in, as mentee ("I'd like a buddy") or as buddy.

    ``programme_id`` None means unknown (never "same programme"). ``region``
    None means not given. ``contact`` is 'school', 'online' or None (either is
    fine). ``matters`` is a subset of :data:`CRITERIA`. ``capacity`` is the
    number of mentees a buddy takes (1 to 3; ignored for mentees). Iterables
    given for the set fields are turned into frozensets.
    """

    id: int
    school_id: int
    year: int
    programme_id: int | None = None
    programme_name: str = ""
    first_name: str = ""
    interests: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    region: str | None = None
    contact: str | None = None
    matters: frozenset[str] = frozenset()
    capacity: int = 1

    def __post_init__(self) -> None:
        for name in ("interests", "languages", "matters"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"Candidate.{name} must be a set of strings, not a string")
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        if self.contact not in (None, "school", "online"):
            raise ValueError(f"Candidate.contact must be 'school', 'online' or None, not {self.contact!r}")
        unknown = self.matters - set(CRITERIA)
        if unknown:
            raise ValueError(f"Candidate.matters has unknown criteria {sorted(unknown)}")


@dataclass(frozen=True)
class Weights:
    """Fit weights in integer points; the coordinator sees and may change them.

    Fit of a (buddy, mentee) pair is the sum of:

    * ``same_programme`` (30) if both have the same known programme;
    * ``per_shared_interest`` (10) per shared interest, counting at most
      ``interest_cap`` (3) of them;
    * ``year_gap_ok`` (10) if the buddy is one or two years higher;
    * ``shared_language`` (5) if they share at least one language;
    * ``same_region`` (10) if both gave the same travel region;
    * ``same_contact`` (5) if their contact preferences are compatible
      (equal, or at least one of them said "either");
    * ``matters_bonus`` (10) for each criterion that the buddy, or the mentee,
      said matters to her and that is met (so up to 2 x 5 bonuses);
    * ``only_one_priority`` (40) if the mentee is the only studente of her
      programme and year: her pair is worth more, so when seats are scarce
      she is matched before a mentee whose best pair is less than 40 points
      better. Set it above the sum of all other weights to make the priority
      absolute (among mentees who can be matched at all).

    All weights are whole numbers from 0 to 1000 (``interest_cap`` 0 to 10),
    so fits are exact integers.
    """

    same_programme: int = 30
    per_shared_interest: int = 10
    interest_cap: int = 3
    year_gap_ok: int = 10
    shared_language: int = 5
    same_region: int = 10
    same_contact: int = 5
    matters_bonus: int = 10
    only_one_priority: int = 40

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"weight {f.name} must be a whole number, not {value!r}")
            top = MAX_INTEREST_CAP if f.name == "interest_cap" else MAX_WEIGHT
            if not 0 <= value <= top:
                raise ValueError(f"weight {f.name} must be between 0 and {top}, not {value}")

    def to_dict(self) -> dict[str, int]:
        """The weights as a plain JSON-serialisable dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weights:
        """Build weights from a dict; missing keys take the defaults.

        Values may be ints or strings of digits (from a form). Unknown keys,
        non-integers and values outside 0..1000 raise ValueError.
        """
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown weights: {sorted(unknown)}")
        values: dict[str, int] = {}
        for key, value in data.items():
            if isinstance(value, str):
                try:
                    value = int(value.strip())
                except ValueError:
                    raise ValueError(f"weight {key} must be a whole number, not {value!r}") from None
            values[key] = value
        return cls(**values)

    def max_fit(self) -> int:
        """An upper bound on the fit of any pair."""
        return (
            self.same_programme
            + self.per_shared_interest * self.interest_cap
            + self.year_gap_ok
            + self.shared_language
            + self.same_region
            + self.same_contact
            + 2 * len(CRITERIA) * self.matters_bonus
            + self.only_one_priority
        )


DEFAULT_WEIGHTS = Weights()


class ReasonLabels:
    """How the keys in a reason's params read in a sentence.

    The default is the matcher's own Dutch: interests, languages and regions
    as given (the candidates may hold keys or words), contact and criteria by
    :data:`CONTACT_LABELS` and :data:`CRITERION_LABELS`, lists joined the
    Dutch way. The web layer has its own, translated version.
    """

    def interest(self, key: str) -> str:
        return key

    def language(self, key: str) -> str:
        return key

    def region(self, key: str) -> str:
        return key

    def contact(self, key: str) -> str:
        return CONTACT_LABELS.get(key, key)

    def criterion(self, key: str) -> str:
        return CRITERION_LABELS.get(key, key)

    def who(self, role: str, name: str) -> str:
        return name or WHO_LABELS.get(role, role)

    def join(self, items: Sequence[str]) -> str:
        return _join_nl(items)


DUTCH_LABELS = ReasonLabels()


def display_params(code: str, params: Mapping[str, Any], labels: ReasonLabels = DUTCH_LABELS) -> dict[str, Any]:
    """The params of a reason with its keys turned into words, ready for its template.

    Lists are sorted by their words, so they read alphabetically in any language.
    """
    out = dict(params)
    if code == "shared_interests":
        out["interests"] = labels.join(sorted(labels.interest(k) for k in params["interests"]))
    elif code == "shared_language":
        out["languages"] = labels.join(sorted(labels.language(k) for k in params["languages"]))
    elif code == "same_region":
        out["region"] = labels.region(params["region"])
    elif code in ("contact_both", "contact_one"):
        out["contact"] = labels.contact(params["contact"])
    elif code == "matters":
        out["who"] = labels.who(params["who"], params.get("name", ""))
        out["criteria"] = labels.join([labels.criterion(c) for c in params["criteria"]])
    return out


class ReasonPart(NamedTuple):
    """One reason as a template code and its parameters, which hold keys, not words.

    ``same_programme``: programme (name), programme_id; ``same_programme_unnamed``:
    programme_id; ``shared_interests``: interests (sorted list); ``year_gap``:
    buddy_year, mentee_year; ``shared_language``: languages (sorted list);
    ``same_region``: region; ``contact_both``/``contact_one``: contact ('school'
    or 'online'); ``matters``: who ('mentee' or 'buddy'), name (her first name
    or ''), criteria (list, in :data:`CRITERIA` order). The others have none.
    """

    code: str
    params: Mapping[str, Any]

    def text(self, templates: Mapping[str, str] = REASON_TEMPLATES, labels: ReasonLabels = DUTCH_LABELS) -> str:
        return render(self.code, display_params(self.code, self.params, labels), templates)

    def to_dict(self) -> dict[str, Any]:
        """The part as plain JSON data: {"code": ..., "params": {...}}."""
        return {"code": self.code, "params": {k: list(v) if isinstance(v, (tuple, list)) else v for k, v in self.params.items()}}


@dataclass(frozen=True)
class ProposedPair:
    """A pair in the proposal. ``locked`` pairs were fixed by the coordinator."""

    buddy_id: int
    mentee_id: int
    score: int
    reasons: list[str]
    locked: bool = False
    reason_parts: tuple[ReasonPart, ...] = field(default=(), compare=False)


@dataclass
class MatchResult:
    """The proposal.

    ``pairs``: locked pairs and new proposals (not the active pairs passed
    in). ``unmatched``: mentee id -> Dutch reason; ``unmatched_codes``: the
    same as template codes. ``skipped_active``: mentees not matched because
    they already have an active pair. ``figures``: JSON-serialisable numbers
    for MatchRun.
    """

    pairs: list[ProposedPair]
    unmatched: dict[int, str]
    unmatched_codes: dict[int, tuple[str, ...]]
    skipped_active: list[int]
    figures: dict[str, Any]
    weights: dict[str, int]


class MatchError(ValueError):
    """Raised for invalid input, e.g. a locked pair that breaks a hard rule.

    ``code`` and ``params`` identify the Dutch message in
    :data:`ERROR_TEMPLATES`, so it can be translated.
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(render(code, params, ERROR_TEMPLATES))


# --------------------------------------------------------------------------
# Fit of one pair (the reference; the matrix version must agree exactly)
# --------------------------------------------------------------------------


def fit_parts(
    buddy: Candidate, mentee: Candidate, weights: Weights = DEFAULT_WEIGHTS, mentee_is_only_one: bool = False
) -> tuple[int, list[ReasonPart]]:
    """Score of a pair and its reasons as template parts.

    Does not check hard constraints (school, year); see :func:`match`. A
    reason is listed only when the fact is true, whatever its weight; the
    years ('jaar 3 en jaar 1') are listed whenever the buddy is in a higher
    year, and earn ``year_gap_ok`` only for a difference of one or two.
    """
    w = weights
    parts: list[ReasonPart] = []
    score = 0

    same_prog = buddy.programme_id is not None and buddy.programme_id == mentee.programme_id
    if same_prog:
        score += w.same_programme
        name = mentee.programme_name or buddy.programme_name
        if name:
            parts.append(ReasonPart("same_programme", {"programme": name, "programme_id": mentee.programme_id}))
        else:
            parts.append(ReasonPart("same_programme_unnamed", {"programme_id": mentee.programme_id}))

    shared = buddy.interests & mentee.interests
    if shared:
        score += w.per_shared_interest * min(len(shared), w.interest_cap)
        parts.append(ReasonPart("shared_interests", {"interests": sorted(shared)}))

    gap = buddy.year - mentee.year
    if gap in (1, 2):
        score += w.year_gap_ok
    if gap > 0:
        parts.append(ReasonPart("year_gap", {"buddy_year": buddy.year, "mentee_year": mentee.year}))

    langs = buddy.languages & mentee.languages
    if langs:
        score += w.shared_language
        parts.append(ReasonPart("shared_language", {"languages": sorted(langs)}))

    same_region = buddy.region is not None and buddy.region == mentee.region
    if same_region:
        score += w.same_region
        parts.append(ReasonPart("same_region", {"region": buddy.region}))

    bc, mc = buddy.contact, mentee.contact
    contact_ok = bc is None or mc is None or bc == mc
    if contact_ok:
        score += w.same_contact
        if bc is not None and mc is not None:
            parts.append(ReasonPart("contact_both", {"contact": bc}))
        elif bc is not None or mc is not None:
            parts.append(ReasonPart("contact_one", {"contact": bc or mc}))
        else:
            parts.append(ReasonPart("contact_either", {}))

    if mentee.matters or buddy.matters:
        met = {
            "programme": same_prog,
            "interests": bool(shared),
            "language": bool(langs),
            "region": same_region,
            "contact": contact_ok,
        }
        for person, role in ((mentee, "mentee"), (buddy, "buddy")):
            if not person.matters:
                continue
            crit = [c for c in CRITERIA if c in person.matters and met[c]]
            if crit:
                score += w.matters_bonus * len(crit)
                parts.append(ReasonPart("matters", {"who": role, "name": person.first_name, "criteria": crit}))

    if mentee_is_only_one:
        score += w.only_one_priority
        parts.append(ReasonPart("only_one", {}))
    return score, parts


def fit(
    buddy: Candidate, mentee: Candidate, weights: Weights = DEFAULT_WEIGHTS, mentee_is_only_one: bool = False
) -> tuple[int, list[str]]:
    """Fit score (integer points) of a pair and its reasons in plain Dutch.

    E.g. ``(75, ['zelfde opleiding Elektrotechniek', 'allebei robotica',
    'jaar 3 en jaar 1', ...])``. See :class:`Weights` for the scoring.
    """
    score, parts = fit_parts(buddy, mentee, weights, mentee_is_only_one)
    return score, [p.text() for p in parts]


# --------------------------------------------------------------------------
# Only one of her programme and year
# --------------------------------------------------------------------------


def only_one_flags(
    mentees: Sequence[Candidate], cohort_counts: Mapping[tuple[int, ...], int] | None = None
) -> list[bool]:
    """Whether each mentee is the only studente of her programme and year.

    With ``cohort_counts`` (number of studentes at the school per programme
    and year, from the web layer) a mentee counts as the only one when the
    count is at most 1. Keys are ``(programme_id, year)``, or
    ``(school_id, programme_id, year)`` when one call covers several schools;
    the 3-tuple is looked up first. Without ``cohort_counts``, or for a key
    it lacks, the count is the number of mentees with that school, programme
    and year in ``mentees``. A mentee with unknown programme is never "the
    only one".
    """
    local = Counter((m.school_id, m.programme_id, m.year) for m in mentees)
    flags: list[bool] = []
    for m in mentees:
        if m.programme_id is None:
            flags.append(False)
            continue
        count: int | None = None
        if cohort_counts is not None:
            count = cohort_counts.get((m.school_id, m.programme_id, m.year))
            if count is None:
                count = cohort_counts.get((m.programme_id, m.year))
        if count is None:
            count = local[(m.school_id, m.programme_id, m.year)]
        flags.append(count <= 1)
    return flags


# --------------------------------------------------------------------------
# Vectorised score matrix
# --------------------------------------------------------------------------


class _Features:
    """Per-person arrays for the vectorised score, extracted in one pass."""

    def __init__(self, people: Sequence[Candidate], vocab: dict[str, dict[Any, int]]) -> None:
        n = len(people)
        self.n = n
        self.year = np.fromiter((p.year for p in people), dtype=np.int64, count=n)
        sv, pv, rv = vocab["school"], vocab["programme"], vocab["region"]
        self.codes = {
            "school": np.array([sv.setdefault(p.school_id, len(sv)) for p in people], dtype=np.int64),
            "programme": np.array(
                [-1 if p.programme_id is None else pv.setdefault(p.programme_id, len(pv)) for p in people],
                dtype=np.int64,
            ),
            "region": np.array(
                [-1 if p.region is None else rv.setdefault(p.region, len(rv)) for p in people], dtype=np.int64
            ),
        }
        contact_code = {None: 0, "school": 1, "online": 2}
        self.contact = np.array([contact_code[p.contact] for p in people], dtype=np.int64)
        bit_of = {c: 1 << k for k, c in enumerate(CRITERIA)}
        mask_cache: dict[frozenset[str], int] = {}
        masks = []
        for p in people:
            m = mask_cache.get(p.matters)
            if m is None:
                m = mask_cache[p.matters] = sum(bit_of[c] for c in p.matters)
            masks.append(m)
        bits = np.array(masks, dtype=np.int64)
        self.matters = {c: ((bits >> k) & 1).astype(np.float64) for k, c in enumerate(CRITERIA)}
        self.sets: dict[str, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
        for attr in ("interests", "languages"):
            v = vocab[attr]
            pairs = [(i, v.setdefault(item, len(v))) for i, p in enumerate(people) for item in getattr(p, attr)]
            arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
            self.sets[attr] = (arr[:, 0], arr[:, 1])

    def onehot(self, key: str, width: int) -> NDArray[np.float64]:
        """One-hot rows for a coded attribute; unknown (-1) gives a zero row."""
        codes = self.codes[key]
        out = np.zeros((self.n, max(width, 1)), dtype=np.float64)
        known = np.flatnonzero(codes >= 0)
        out[known, codes[known]] = 1.0
        return out

    def set_matrix(self, attr: str, width: int) -> NDArray[np.float32]:
        """0/1 matrix person x item for a set-valued attribute."""
        out = np.zeros((self.n, max(width, 1)), dtype=np.float32)
        rows, cols = self.sets[attr]
        out[rows, cols] = 1.0
        return out


def _score_float(
    mentees: Sequence[Candidate],
    buddies: Sequence[Candidate],
    weights: Weights,
    only_one: Sequence[bool],
) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """Fit matrix as float32 and the eligibility mask.

    float32 halves memory traffic and is exact here: every entry and partial
    sum is an integer below ``Weights.max_fit() <= 26,000 < 2**24``.

    Every term that is a product of a mentee feature and a buddy feature
    (programme, region, contact, year gap, row and column constants) goes into
    one matrix product ``L @ R.T``. The capped terms of shared interests and
    languages also go in linearly and are corrected on the (small) block of
    pairs where both have more items than the cap.
    """
    w = weights
    mb = float(w.matters_bonus)
    nm, nb = len(mentees), len(buddies)
    vocab: dict[str, dict[Any, int]] = {k: {} for k in ("school", "programme", "region", "interests", "languages")}
    fm = _Features(mentees, vocab)
    fb = _Features(buddies, vocab)

    eligible = fb.year[None, :] > fm.year[:, None]
    if len(vocab["school"]) > 1:
        eligible &= fm.codes["school"][:, None] == fb.codes["school"][None, :]

    left: list[NDArray[np.float64]] = []
    right: list[NDArray[np.float64]] = []
    ones_m, ones_b = np.ones(nm), np.ones(nb)

    # Same programme / same region: (weight + bonuses) when both known and equal.
    for key, weight, criterion in (("programme", w.same_programme, "programme"), ("region", w.same_region, "region")):
        mo, bo = fm.onehot(key, len(vocab[key])), fb.onehot(key, len(vocab[key]))
        left.append(mo * (weight + mb * fm.matters[criterion])[:, None])
        right.append(bo)
        if mb and fb.matters[criterion].any():
            left.append(mo)
            right.append(bo * (mb * fb.matters[criterion])[:, None])

    # Contact: compatible unless one says 'school' and the other 'online':
    # (a_i + c_j) * (1 - school_i * online_j - online_i * school_j).
    a = w.same_contact + mb * fm.matters["contact"]
    c = mb * fb.matters["contact"]
    ms, mo_ = (fm.contact == 1).astype(np.float64), (fm.contact == 2).astype(np.float64)
    bs, bo_ = (fb.contact == 1).astype(np.float64), (fb.contact == 2).astype(np.float64)
    left += [a[:, None], ones_m[:, None], -(a * ms)[:, None], -ms[:, None], -(a * mo_)[:, None], -mo_[:, None]]
    right += [ones_b[:, None], c[:, None], bo_[:, None], (c * bo_)[:, None], bs[:, None], (c * bs)[:, None]]

    # Priority of the only one of her programme and year: a row constant.
    left.append(w.only_one_priority * np.asarray(only_one, dtype=np.float64)[:, None])
    right.append(ones_b[:, None])

    # Year gap of one or two: a small year x year table.
    if w.year_gap_ok:
        years, inv = np.unique(np.concatenate([fm.year, fb.year]), return_inverse=True)
        gap = years[None, :] - years[:, None]
        table = w.year_gap_ok * ((gap == 1) | (gap == 2)).astype(np.float64)
        eye = np.eye(years.size)
        left.append(eye[inv[:nm]] @ table)
        right.append(eye[inv[nm:]])

    # Set-valued criteria: (a_i + b_j) * min(n_ij, cap), n_ij = number shared.
    # The linear part (a_i + b_j) * n_ij goes into the matrix product; pairs
    # with n_ij > cap (only possible where both sets are larger than cap) are
    # corrected afterwards on that block alone.
    corrections: list[tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float64], NDArray[np.float64], int]] = []

    def capped_term(sm: NDArray[np.float32], sb: NDArray[np.float32], a: NDArray[np.float64], b: NDArray[np.float64], cap: int) -> None:
        if not (a.any() or b.any()):
            return
        left.append(sm * a[:, None])
        right.append(sb)
        if b.any():
            left.append(sm)
            right.append(sb * b[:, None])
        corrections.append((sm, sb, a, b, cap))

    for attr, criterion, base in (("interests", "interests", 0), ("languages", "language", w.shared_language)):
        if not vocab[attr]:
            continue
        sm, sb = fm.set_matrix(attr, len(vocab[attr])), fb.set_matrix(attr, len(vocab[attr]))
        if attr == "interests" and w.interest_cap:
            capped_term(sm, sb, np.full(nm, float(w.per_shared_interest)), np.zeros(nb), w.interest_cap)
        # "At least one shared" = min(n, 1): the language weight and the bonuses.
        capped_term(sm, sb, base + mb * fm.matters[criterion], mb * fb.matters[criterion], 1)

    score = np.hstack(left).astype(np.float32) @ np.hstack(right).astype(np.float32).T

    for sm, sb, a, b, cap in corrections:
        rows = np.flatnonzero(sm.sum(axis=1) > cap)
        cols = np.flatnonzero(sb.sum(axis=1) > cap)
        if rows.size == 0 or cols.size == 0:
            continue
        excess = sm[rows] @ sb[cols].T
        excess -= cap
        np.maximum(excess, 0, out=excess)
        excess *= (a[rows, None] + b[None, cols]).astype(np.float32)
        block = np.ix_(rows, cols)
        score[block] -= excess
    return score, eligible


def score_matrix(
    mentees: Sequence[Candidate],
    buddies: Sequence[Candidate],
    weights: Weights = DEFAULT_WEIGHTS,
    only_one: Sequence[bool] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Fit of every (mentee, buddy) pair, vectorised.

    Returns ``(scores, eligible)``, both of shape (len(mentees), len(buddies)):
    ``scores[i, j] == fit(buddies[j], mentees[i], weights, only_one[i])[0]``,
    and ``eligible[i, j]`` is True when buddy j is at mentee i's school in a
    higher year (capacity, locks and forbids not considered).
    """
    nm, nb = len(mentees), len(buddies)
    if only_one is None:
        only_one = [False] * nm
    if nm == 0 or nb == 0:
        return np.zeros((nm, nb), dtype=np.int64), np.zeros((nm, nb), dtype=bool)
    score, eligible = _score_float(mentees, buddies, weights, only_one)
    return np.rint(score).astype(np.int64), eligible


# --------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------


def _pairs(items: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(int(b), int(m)) for b, m in items]


class _SchoolBuddies:
    """Counts of a school's buddies by year and programme, for unmatched reasons."""

    def __init__(self, buddies: Sequence[Candidate]) -> None:
        self.by_id = {b.id: b for b in buddies}
        self.per_year = Counter(b.year for b in buddies)
        self.per_prog_year = Counter((b.programme_id, b.year) for b in buddies)

    def reason(self, mentee: Candidate, forbidden_buddies: Iterable[int]) -> tuple[str, ...]:
        """Template codes of why this mentee stays unmatched (see UNMATCHED_TEMPLATES)."""
        higher = sum(n for year, n in self.per_year.items() if year > mentee.year)
        if not higher:
            return ("no_higher_year",)
        excluded = 0
        for b_id in forbidden_buddies:
            b = self.by_id.get(b_id)
            if b is not None and b.year > mentee.year:
                excluded += 1
        codes: list[str] = []
        if mentee.programme_id is not None and not any(
            n for (prog, year), n in self.per_prog_year.items() if prog == mentee.programme_id and year > mentee.year
        ):
            codes.append("no_programme")
        if excluded == higher:
            codes.append("all_excluded")
        elif excluded:
            codes.append("full_or_excluded")
        else:
            codes.append("all_full")
        return tuple(codes)


def match(
    mentees: Sequence[Candidate],
    buddies: Sequence[Candidate],
    weights: Weights = DEFAULT_WEIGHTS,
    locked: Iterable[tuple[int, int]] = (),
    forbidden: Iterable[tuple[int, int]] = (),
    active: Iterable[tuple[int, int]] = (),
    cohort_counts: Mapping[tuple[int, ...], int] | None = None,
) -> MatchResult:
    """Propose buddy pairs: as many mentees matched as possible, then maximal total fit.

    ``locked``, ``forbidden`` and ``active`` are iterables of
    ``(buddy_id, mentee_id)``. Locked pairs are kept (and validated: same
    school, higher year, not forbidden, one lock per mentee, within the
    buddy's capacity together with her active pairs; else
    :class:`MatchError`). Forbidden pairs are never proposed. Active pairs
    (running pairs from earlier runs) use their buddy's capacity, and their
    mentee is not matched again; they are not repeated in the result. An
    active pair whose buddy or mentee is not in the lists is still honoured
    for the one that is. See the module docstring for the objective and
    ``only_one_flags`` for ``cohort_counts``.
    """
    mentees = list(mentees)
    buddies = list(buddies)
    mentee_by_id: dict[int, Candidate] = {}
    for m in mentees:
        if m.id in mentee_by_id:
            raise MatchError("duplicate_mentee", mentee_id=m.id)
        mentee_by_id[m.id] = m
    buddy_by_id: dict[int, Candidate] = {}
    for b in buddies:
        if b.id in buddy_by_id:
            raise MatchError("duplicate_buddy", buddy_id=b.id)
        if isinstance(b.capacity, bool) or not isinstance(b.capacity, int) or b.capacity < 0:
            raise MatchError("bad_capacity", buddy_id=b.id, capacity=b.capacity)
        buddy_by_id[b.id] = b

    forbidden_set = set(_pairs(forbidden))
    active_list = list(dict.fromkeys(_pairs(active)))
    locked_list = list(dict.fromkeys(_pairs(locked)))

    active_mentees = {m for _, m in active_list}
    active_per_buddy = Counter(b for b, _ in active_list)

    # Validate locks.
    lock_of_mentee: dict[int, int] = {}
    locks_per_buddy: Counter[int] = Counter()
    for b_id, m_id in locked_list:
        if m_id not in mentee_by_id:
            raise MatchError("lock_unknown_mentee", buddy_id=b_id, mentee_id=m_id)
        if b_id not in buddy_by_id:
            raise MatchError("lock_unknown_buddy", buddy_id=b_id, mentee_id=m_id)
        b, m = buddy_by_id[b_id], mentee_by_id[m_id]
        if b.school_id != m.school_id:
            raise MatchError("lock_other_school", buddy_id=b_id, mentee_id=m_id)
        if b.year <= m.year:
            raise MatchError("lock_year", buddy_id=b_id, mentee_id=m_id, buddy_year=b.year, mentee_year=m.year)
        if (b_id, m_id) in forbidden_set:
            raise MatchError("lock_forbidden", buddy_id=b_id, mentee_id=m_id)
        if m_id in active_mentees:
            raise MatchError("lock_active", mentee_id=m_id)
        if m_id in lock_of_mentee:
            raise MatchError("lock_twice", mentee_id=m_id)
        lock_of_mentee[m_id] = b_id
        locks_per_buddy[b_id] += 1
    for b_id, n_locks in locks_per_buddy.items():
        cap = buddy_by_id[b_id].capacity
        if n_locks + active_per_buddy[b_id] > cap:
            raise MatchError("lock_capacity", buddy_id=b_id, count=n_locks + active_per_buddy[b_id], capacity=cap)

    flags = only_one_flags(mentees, cohort_counts)
    only_one_by_id = {m.id: f for m, f in zip(mentees, flags)}

    remaining = {
        b.id: max(0, b.capacity - active_per_buddy[b.id] - locks_per_buddy[b.id]) for b in buddies
    }
    forbidden_by_mentee: dict[int, set[int]] = defaultdict(set)
    for b_id, m_id in forbidden_set:
        forbidden_by_mentee[m_id].add(b_id)

    # Locked pairs first.
    pairs: list[ProposedPair] = []
    for b_id, m_id in locked_list:
        score, parts = fit_parts(buddy_by_id[b_id], mentee_by_id[m_id], weights, only_one_by_id[m_id])
        pairs.append(ProposedPair(b_id, m_id, score, [p.text() for p in parts], True, tuple(parts)))

    # Solve each school on its own.
    open_mentees = [m for m in mentees if m.id not in active_mentees and m.id not in lock_of_mentee]
    skipped_active = [m.id for m in mentees if m.id in active_mentees]
    by_school_m: dict[int, list[Candidate]] = defaultdict(list)
    for m in open_mentees:
        by_school_m[m.school_id].append(m)
    by_school_b: dict[int, list[Candidate]] = defaultdict(list)
    for b in buddies:
        by_school_b[b.school_id].append(b)

    big_per_pair = weights.max_fit()
    new_pairs: dict[int, int] = {}  # mentee id -> buddy id
    for school_id, s_mentees in by_school_m.items():
        s_buddies = [b for b in by_school_b.get(school_id, []) if remaining[b.id] > 0]
        if not s_buddies:
            continue
        s_only = [only_one_by_id[m.id] for m in s_mentees]
        cost, feasible = _score_float(s_mentees, s_buddies, weights, s_only)
        if forbidden_set:
            col_of = {b.id: j for j, b in enumerate(s_buddies)}
            for i, m in enumerate(s_mentees):
                for b_id in forbidden_by_mentee.get(m.id, ()):
                    j = col_of.get(b_id)
                    if j is not None:
                        feasible[i, j] = False
        rows = np.flatnonzero(feasible.any(axis=1))
        cols = np.flatnonzero(feasible.any(axis=0))
        if rows.size == 0:
            continue
        caps = np.array([remaining[s_buddies[j].id] for j in cols], dtype=np.int64)
        # Cost -fit for a feasible pair, BIG for an infeasible one. Every row
        # of the smaller side is assigned, so an assignment with k feasible
        # pairs costs BIG * (n_small - k) - (their total fit): with BIG above
        # any total fit, fewer pairs always cost more. BIG is a power of two,
        # exact in float32; the solver works in float64.
        big = float(2 ** (big_per_pair * min(rows.size, int(caps.sum())) + 1).bit_length())
        np.negative(cost, out=cost)
        np.copyto(cost, np.float32(big), where=~feasible)
        seat_col = np.repeat(cols, caps)  # one column per free seat
        if rows.size == len(s_mentees):
            seat_cost = np.take(cost, seat_col, axis=1)
        else:
            seat_cost = cost[rows[:, None], seat_col[None, :]]
        r, c = linear_sum_assignment(seat_cost)
        r_orig, owners = rows[r], seat_col[c]
        keep = feasible[r_orig, owners]
        for i, j in zip(r_orig[keep], owners[keep]):
            new_pairs[s_mentees[i].id] = s_buddies[j].id

    for m in open_mentees:
        b_id = new_pairs.get(m.id)
        if b_id is None:
            continue
        score, parts = fit_parts(buddy_by_id[b_id], m, weights, only_one_by_id[m.id])
        pairs.append(ProposedPair(b_id, m.id, score, [p.text() for p in parts], False, tuple(parts)))

    unmatched_codes: dict[int, tuple[str, ...]] = {}
    school_stats: dict[int, _SchoolBuddies] = {}
    for m in open_mentees:
        if m.id not in new_pairs:
            stats = school_stats.get(m.school_id)
            if stats is None:
                stats = school_stats[m.school_id] = _SchoolBuddies(by_school_b.get(m.school_id, []))
            unmatched_codes[m.id] = stats.reason(m, forbidden_by_mentee.get(m.id, ()))
    unmatched = {
        m_id: "; ".join(UNMATCHED_TEMPLATES[c] for c in codes) for m_id, codes in unmatched_codes.items()
    }

    used = Counter(p.buddy_id for p in pairs)
    total = sum(p.score for p in pairs)
    seats = sum(b.capacity for b in buddies)
    active_here = sum(min(active_per_buddy[b.id], b.capacity) for b in buddies)
    figures: dict[str, Any] = {
        "objective": "max_matched_then_fit",
        "mentees": len(mentees),
        "buddies": len(buddies),
        "seats": seats,
        "active_pairs": len(active_list),
        "skipped_active": len(skipped_active),
        "locked_pairs": len(locked_list),
        "new_pairs": len(pairs) - len(locked_list),
        "matched": len(pairs),
        "unmatched": len(unmatched),
        "total_score": int(total),
        "mean_score": round(total / len(pairs), 2) if pairs else 0.0,
        "buddies_used": len(used),
        "free_seats_left": int(seats - active_here - len(pairs)),
        "priority_mentees": int(sum(flags[i] for i, m in enumerate(mentees) if m.id not in active_mentees)),
        "priority_matched": int(sum(only_one_by_id[p.mentee_id] for p in pairs)),
    }
    return MatchResult(
        pairs=pairs,
        unmatched=unmatched,
        unmatched_codes=unmatched_codes,
        skipped_active=skipped_active,
        figures=figures,
        weights=weights.to_dict(),
    )
