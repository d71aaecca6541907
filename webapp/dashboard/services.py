"""The figures of the dashboards: participation, retention, targets, to-do, and the network view.

Definitions (shown on the page in plain Dutch, see templates/dashboard/_definitions.html):

School year
    From 1 August to 31 July (`webapp.timeutil.school_year`). Datetimes are stored in UTC; a school
    year starts at local midnight (Europe/Amsterdam) of 1 August.

Enrolled in school year S ("ingeschreven"), and her programme and year in S
    A studente's profile holds her current (or, once she left, her last) programme and year. Kring
    keeps no history of years, so we count back: her year in S is her recorded year minus the number of
    school years between S and her reference year (the current school year while she is active, the
    school year of her leaving date once she graduated, switched or left). So each studente is assumed
    to move up one year per school year. She counts as enrolled in S when that year is 1 or more and she
    had not left before S began (no leaving date, or a leaving date on or after 1 August of S). Her
    programme is her last known programme.

Took part in S ("deelgenomen")
    - a circle: a membership of a circle of school year S that is `joined`, or `left` after joining
      (it has a joined_at);
    - a buddy: a buddy pair with status `active` or `ended`, as buddy or as mentee, that ran during S
      (from its approval, else its creation, until its end or now);
    - a speeddate: a seat in the published schedule (status `published` or `done`) of a speeddate event
      on a day in S, unless she was marked absent;
    - guest lessons are given to a whole class: they are not counted per studente. A guest lesson is
      "given" in S when it is confirmed or done and its time (in S) has passed; it "reached" the
      programme and year it was requested for, and as many students as the class size the school gave.
      Guest lessons therefore never make a studente "took part".
    Took part in any activity = a circle, a buddy or a speeddate.

Retention in S ("behoud")
    Of the studentes enrolled in S, the share that is still active or graduated at the end of S
    (for the current school year: until today). Switched to a non-technical programme and left school
    during S count as not retained. Graduated counts as retained. Grouped by programme and year in S, and
    split into studentes who took part in S and those who did not.

Privacy
    Every percentage is shown with its group size n. A group of fewer than 5 studentes gets no
    percentage (on the page "–" with "te weinig studentes (minder dan 5)", in the CSV empty cells).
    Participation shares are suppressed per group. Retention (who left is sensitive) also gets
    complementary suppression (`RetentionCube`): more cells are hidden until no hidden small figure
    can be worked out from the shown ones by adding and subtracting.

Active alumnae in S
    Alumnae who gave or will give a confirmed guest lesson of the school in S, mentor a circle of S
    (not a draft), or host a speeddate table of the school in S (not dropped out, event not cancelled).

Every figure comes from SQL aggregates (GROUP BY) over the whole school (or the network): a small fixed
number of queries per panel, whatever the number of studentes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, and_, bindparam, case, exists, func, literal, or_, select, union, union_all

from webapp.audit.services import record
from webapp.auth.models import User
from webapp.buddies.models import BuddyPair
from webapp.circles.models import CircleMeeting, CircleMembership, CircleRequest, MentoringCircle
from webapp.dashboard import snapshots
from webapp.dashboard.models import METRICS, Target
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer, GuestLessonOption
from webapp.modeltools import utcnow
from webapp.people.directory import reachable_by_school
from webapp.people.models import AlumnaProfile, Programme, School, StudentProfile
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddateSlot
from webapp.timeutil import school_year as school_year_label
from webapp.timeutil import to_utc

MIN_GROUP = 5
TREND_YEARS = 4
ACTIVITIES = ("circle", "buddy", "speeddate")

ACTIVITY_LABELS = {
    "circle": _l("Mentorkring"),
    "buddy": _l("Buddy"),
    "speeddate": _l("Speeddate"),
    "any": _l("Minstens één activiteit"),
}
METRIC_LABELS = {
    "participation_share": _l("Aandeel studentes dat meedeed aan een kring, buddy of speeddate"),
    "circle_share": _l("Aandeel studentes in een mentorkring"),
    "buddy_share": _l("Aandeel studentes met een buddy (als buddy of als maatje)"),
    "speeddate_share": _l("Aandeel studentes dat meedeed aan een speeddate"),
    "retention_year1": _l("Behoud in leerjaar 1"),
    "retention_all": _l("Behoud van alle studentes"),
}
assert set(METRIC_LABELS) == set(METRICS)


# --- school years ------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class SchoolYear:
    """A Dutch school year, 1 August to 31 July, named by the year it starts in."""

    start: int

    @classmethod
    def of(cls, day: date) -> SchoolYear:
        return cls(day.year if day.month >= 8 else day.year - 1)

    @classmethod
    def parse(cls, label: str | None) -> SchoolYear | None:
        """'2025-2026' -> SchoolYear(2025); None for anything else."""
        try:
            first, second = (label or "").split("-")
            start, end = int(first), int(second)
        except ValueError:
            return None
        if end != start + 1 or not 2000 <= start <= 2100:
            return None
        return cls(start)

    @property
    def label(self) -> str:
        return school_year_label(self.first_day)

    @property
    def first_day(self) -> date:
        return date(self.start, 8, 1)

    @property
    def end_day(self) -> date:
        """The first day after the school year."""
        return date(self.start + 1, 8, 1)

    @property
    def starts_utc(self) -> datetime:
        return to_utc(datetime(self.start, 8, 1))

    @property
    def ends_utc(self) -> datetime:
        return to_utc(datetime(self.start + 1, 8, 1))

    @property
    def previous(self) -> SchoolYear:
        return SchoolYear(self.start - 1)

    def __str__(self) -> str:
        return self.label


def recent_years(today: date, count: int = TREND_YEARS) -> list[SchoolYear]:
    """The last `count` school years, oldest first, ending with the current one."""
    current = SchoolYear.of(today)
    return [SchoolYear(current.start - k) for k in range(count - 1, -1, -1)]


# --- shares with their group size, and suppression of small groups -------------------------


@dataclass(frozen=True)
class Share:
    """`count` of a group of `n` studentes; no percentage for groups smaller than MIN_GROUP."""

    count: int
    n: int
    hidden: bool = False  # hidden because it would give away a small group (complementary suppression)

    @property
    def small(self) -> bool:
        return 0 < self.n < MIN_GROUP

    @property
    def shown(self) -> bool:
        return self.n >= MIN_GROUP and not self.hidden

    @property
    def percent(self) -> int | None:
        """The percentage rounded half up, or None when it may not be shown."""
        if not self.shown:
            return None
        return (200 * self.count + self.n) // (2 * self.n)

    @property
    def reason(self) -> str | None:
        if self.n == 0:
            return "empty"
        if self.small:
            return "small"
        if self.hidden:
            return "complement"
        return None

    def __add__(self, other: Share) -> Share:
        return Share(self.count + other.count, self.n + other.n)


EMPTY = Share(0, 0)
ALL = "*"
SPLITS = ("took", "not", "all")


# Hidden cells by group sizes: a bounded memo, shared by the requests of one process.
_SUPPRESSED: dict[tuple, frozenset] = {}


class RetentionCube:
    """Retention of one school in one school year: per programme and year, per year, and the school.

    Cells are keyed (programme_id or ALL, year or ALL, 'took' | 'not' | 'all'); these are the cells
    the pages show. Groups of fewer than MIN_GROUP studentes are hidden, and then more cells as needed
    so that no hidden small figure can be worked out from the shown ones:
    1. in every sum on the page (took + not = all; the programmes add up to a year; the years add up to
       the school) no cell is hidden alone, and the hidden parts of a shown total hold at least
       MIN_GROUP studentes together;
    2. then a check with linear algebra: no hidden small cell lies in the span of the shown cells; if
       one does, the smallest shown cell that shares studentes with it is hidden too, and 1. and 2. run
       again.
    """

    def __init__(self, rows: Iterable[CohortRow], by_programme: bool = True):
        """by_programme=False: years and the whole only (e.g. the network as one group)."""
        counts: dict[tuple, list[int]] = {}
        for row in rows:
            split = "took" if row.took_part else "not"
            programme = row.programme_id if by_programme else 0
            year, retained, n = row.year, row.retained, row.n
            for key in (
                (programme, year, split), (programme, year, "all"), (ALL, year, split), (ALL, year, "all"), (ALL, ALL, split), (ALL, ALL, "all")
            ):
                cell = counts.get(key)
                if cell is None:
                    counts[key] = [retained, n]
                else:
                    cell[0] += retained
                    cell[1] += n
        self._counts = counts
        self._n = {key: n for key, (_count, n) in self._counts.items()}
        self.programmes = sorted({k[0] for k in counts if k[0] != ALL}, key=lambda p: (p is None, p or 0))
        self.years = sorted({k[1] for k in counts if k[1] != ALL})
        # Which cells are hidden depends on the group sizes alone: the same sizes (the same school and
        # year on the next request, or another page) reuse the answer instead of the linear algebra.
        key = (MIN_GROUP, frozenset(self._n.items()))
        hidden = _SUPPRESSED.get(key)
        if hidden is None:
            hidden = frozenset(self._suppress())
            if len(_SUPPRESSED) >= 4096:
                _SUPPRESSED.clear()
            _SUPPRESSED[key] = hidden
        self.hidden = set(hidden)

    def _relations(self) -> list[tuple[tuple, tuple, tuple]]:
        """(total, its parts, all its non-empty members) of every sum shown on the page."""
        keys = self._counts
        sums = []
        for p in self.programmes + [ALL]:
            for y in self.years + [ALL]:
                if (p, y, "all") in keys:
                    sums.append(((p, y, "all"), [(p, y, "took"), (p, y, "not")]))
        for y in self.years:
            for t in SPLITS:
                sums.append(((ALL, y, t), [(p, y, t) for p in self.programmes]))
        for t in SPLITS:
            sums.append(((ALL, ALL, t), [(ALL, y, t) for y in self.years]))
        out = []
        for total_key, parts in sums:
            parts = tuple(k for k in parts if self._n.get(k, 0) > 0)
            if self._n.get(total_key, 0) > 0:
                out.append((total_key, parts, (total_key, *parts)))
        return out

    def _suppress(self) -> set[tuple]:
        hidden = {key for key, n in self._n.items() if 0 < n < MIN_GROUP}
        if not hidden:
            return hidden
        relations = self._relations()
        self._sums_of: dict[tuple, list[tuple]] = defaultdict(list)
        for _total, _parts, members in relations:
            for key in members:
                self._sums_of[key].append(members)
        self._vectors()
        while True:
            self._close(hidden, relations)
            leak = self._first_leak(hidden)
            if leak is None:
                return hidden
            # Hide the smallest shown cell that shares studentes with the leaking one, and check again.
            candidates = [k for k in self._counts if k not in hidden and self._n[k] > 0 and (self._cover[k] & self._cover[leak]).any()]
            hidden.add(self._pick(candidates, hidden))

    @staticmethod
    def _weight(key: tuple) -> int:
        """How much a reader loses when a cell is hidden: the school's figures most, one group least."""
        if key[0] != ALL:
            return 0 if key[2] != "all" else 1
        if key[1] != ALL:
            return 2 if key[2] != "all" else 3
        return 4 if key[2] != "all" else 5

    def _pick(self, candidates, hidden: set[tuple]) -> tuple:
        """The cell to hide next: the least important; then the one that starts the fewest new sums
        with a hidden cell (those would need yet another hidden cell); then the smallest."""

        def new_sums(key):
            return sum(1 for members in self._sums_of.get(key, ()) if not any(m in hidden for m in members))

        return min(candidates, key=lambda k: (self._weight(k), new_sums(k), self._n[k], str(k)))

    def _close(self, hidden: set[tuple], relations) -> None:
        """In every sum: no cell hidden alone, and the hidden parts of a shown total hold MIN_GROUP or more.

        When a sum needs one more hidden cell, the least important shown cell goes (a single group
        before a year's figure, a year's figure before the school's), the smaller first.
        """
        n = self._n
        changed = True
        while changed:
            changed = False
            for total_key, parts, members in relations:
                shown = [k for k in members if k not in hidden]
                if not shown or len(shown) == len(members):
                    continue
                hidden_parts = sum(n[k] for k in parts if k in hidden)
                too_few = total_key not in hidden and 0 < hidden_parts < MIN_GROUP
                if too_few or len(members) - len(shown) == 1:
                    hidden.add(self._pick(shown, hidden))
                    changed = True

    def _vectors(self) -> None:
        """Each cell as a 0/1 vector over the smallest groups (programme, year, took part or not)."""
        import numpy as np

        base = [k for k in self._counts if k[0] != ALL and k[2] != "all" and self._n[k] > 0]
        programme_codes = {p: i for i, p in enumerate(self.programmes)}
        programmes = np.array([programme_codes[b[0]] for b in base])
        years = np.array([b[1] for b in base])
        took = np.array([b[2] == "took" for b in base])
        everything = np.ones(len(base), dtype=bool)
        self._cover = {}
        not_took = ~took
        by_year = {y: years == y for y in self.years}
        by_programme = {p: programmes == code for p, code in programme_codes.items()}
        for key in self._counts:
            mask = everything if key[0] == ALL else by_programme[key[0]]
            if key[1] != ALL:
                mask = mask & by_year[key[1]]
            if key[2] != "all":
                mask = mask & (took if key[2] == "took" else not_took)
            self._cover[key] = mask

    def _first_leak(self, hidden: set[tuple]) -> tuple | None:
        """A hidden small cell whose figure follows from the shown cells (linear algebra), if any."""
        import numpy as np

        small = sorted((k for k in hidden if 0 < self._n[k] < MIN_GROUP), key=str)
        shown = [k for k in self._counts if k not in hidden and self._n[k] > 0]
        if not small or not shown:
            return None
        basis = _row_space(np.array([self._cover[k] for k in shown], dtype=float))
        for key in small:
            vector = self._cover[key].astype(float)
            # Derivable iff the cell's vector lies in the span of the shown cells' vectors.
            residual = vector - basis @ (basis.T @ vector)
            if np.abs(residual).max() < 1e-7:
                return key
        return None

    def get(self, programme_id=ALL, year=ALL, split: str = "all") -> Share:
        key = (programme_id, year, split)
        if key not in self._counts:
            return EMPTY
        count, n = self._counts[key]
        return Share(count, n, hidden=key in self.hidden and n >= MIN_GROUP)

    def cells(self, programme_id=ALL, year=ALL) -> dict[str, Share]:
        return {t: self.get(programme_id, year, t) for t in SPLITS}


def _row_space(matrix):
    """An orthonormal basis (as columns) of the space the rows of `matrix` span.

    A rank-revealing QR (with column pivoting) of the transposed matrix: fast for these small 0/1
    matrices, and exact enough (their entries are small integers).
    """
    import numpy as np
    from scipy.linalg import qr

    q, r, _pivots = qr(matrix.T, mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    rank = int((diagonal > 1e-9 * max(1.0, diagonal.max(initial=0.0))).sum())
    return q[:, :rank]


# --- the core query: enrolled studentes of a school year, with what they did ---------------


@dataclass(frozen=True)
class CohortRow:
    """One group of enrolled studentes: school, programme, year in S, took part or not."""

    school_id: int
    programme_id: int | None
    year: int
    took_part: bool
    n: int
    retained: int
    circle: int
    buddy: int
    speeddate: int


def _year_expressions(span: int):
    """(her year in S, enrolled in S, retained at the end of S) as SQL expressions.

    Her reference school year (the current one while she is active, else the one she left in) only
    matters for studentes enrolled in S, so it lies between S and the current school year: a CASE
    on plain date comparisons finds it, without date functions that differ per database. `span` is
    the number of school years from S to the current one; the years themselves are bind parameters
    (see `_cohort_params`).
    """
    sp = StudentProfile
    current = bindparam("current", type_=Integer)
    left_in = [
        (sp.left_at >= bindparam(f"left_from_{k}", type_=Date), bindparam(f"left_year_{k}", type_=Integer))
        for k in range(span + 1)
    ]
    reference = case((or_(sp.status == "active", sp.left_at.is_(None)), current), *left_in, else_=bindparam("sy_before", type_=Integer))
    year_then = sp.year - (reference - bindparam("sy_start", type_=Integer))
    enrolled = and_(
        or_(sp.status == "active", sp.left_at.is_(None), sp.left_at >= bindparam("sy_first_day", type_=Date)),
        year_then >= 1,
    )
    departed = sp.status.in_(("switched", "left"))
    retained = case((and_(departed, or_(sp.left_at.is_(None), sp.left_at < bindparam("sy_end_day", type_=Date))), 0), else_=1)
    return year_then, enrolled, retained


def circle_members(sy: SchoolYear | None, school_id: int | None = None):
    """SELECT of the ids of studentes who were in a circle of school year S.

    sy None: the school year is the bind parameter sy_label (school_id may be a bind parameter too).
    """
    label = bindparam("sy_label") if sy is None else sy.label
    query = (
        select(CircleMembership.student_id)
        .join(MentoringCircle, MentoringCircle.id == CircleMembership.circle_id)
        .where(
            MentoringCircle.school_year == label,
            or_(
                CircleMembership.status == "joined",
                and_(CircleMembership.status == "left", CircleMembership.joined_at.is_not(None)),
            ),
        )
    )
    return query if school_id is None else query.where(MentoringCircle.school_id == school_id)


def _buddy_pairs_in(sy: SchoolYear | None, school_id: Any, person):
    starts_utc, ends_utc = (bindparam("sy_starts_utc"), bindparam("sy_ends_utc")) if sy is None else (sy.starts_utc, sy.ends_utc)
    started = func.coalesce(BuddyPair.approved_at, BuddyPair.created_at)
    query = select(person).where(
        BuddyPair.status.in_(("active", "ended")),
        started < ends_utc,
        or_(BuddyPair.status == "active", func.coalesce(BuddyPair.ended_at, started) >= starts_utc),
    )
    return query if school_id is None else query.where(BuddyPair.school_id == school_id)


def speeddate_participants(sy: SchoolYear | None, school_id: Any = None):
    """SELECT of the ids of studentes with a seat in a published speeddate schedule in S."""
    starts_utc, ends_utc = (bindparam("sy_starts_utc"), bindparam("sy_ends_utc")) if sy is None else (sy.starts_utc, sy.ends_utc)
    query = (
        select(SpeeddateSlot.student_id)
        .join(SpeeddateEvent, SpeeddateEvent.id == SpeeddateSlot.event_id)
        .where(
            SpeeddateEvent.status.in_(("published", "done")),
            SpeeddateEvent.starts_at >= starts_utc,
            SpeeddateEvent.starts_at < ends_utc,
            or_(SpeeddateSlot.attended.is_(None), SpeeddateSlot.attended.is_(True)),
        )
    )
    return query if school_id is None else query.where(SpeeddateEvent.school_id == school_id)


def _request_cache() -> dict | None:
    if not has_request_context():
        return None
    if "_dashboard_cache" not in g:
        g._dashboard_cache = {}
    return g._dashboard_cache


# The cohort query by shape (school years back from the current one, one school or all): built once
# per process with bind parameters, as building the expression tree took longer than running it.
_COHORT_STATEMENTS: dict[tuple[int, bool], Any] = {}


def _cohort_statement(span: int, scoped: bool):
    """The cohort query for a school year `span` years before the current one (negative: a later one)."""
    key = (max(span, -1), scoped)
    statement = _COHORT_STATEMENTS.get(key)
    if statement is not None:
        return statement
    sp = StudentProfile
    school = bindparam("school_id", type_=Integer) if scoped else None
    year_then, enrolled, retained = _year_expressions(key[0])
    # One bit per activity: 1 circle, 2 buddy, 4 speeddate.
    flags = (
        case((sp.user_id.in_(circle_members(None, school)), 1), else_=0)
        # Buddies and mentees in one set: one lookup per studente instead of two.
        + case(
            (sp.user_id.in_(union_all(_buddy_pairs_in(None, school, BuddyPair.mentee_id), _buddy_pairs_in(None, school, BuddyPair.buddy_id))), 2),
            else_=0,
        )
        + case((sp.user_id.in_(speeddate_participants(None, school)), 4), else_=0)
    )
    statement = select(
        sp.school_id, sp.programme_id, year_then.label("y"), flags.label("flags"), func.count(), func.sum(retained)
    ).where(enrolled)
    if scoped:
        statement = statement.where(sp.school_id == school)
    statement = statement.group_by(sp.school_id, sp.programme_id, "y", "flags")
    _COHORT_STATEMENTS[key] = statement
    return statement


def _cohort_params(sy: SchoolYear, today: date, school_id: int | None) -> dict[str, Any]:
    current = SchoolYear.of(today).start
    params: dict[str, Any] = {
        "current": current,
        "sy_start": sy.start,
        "sy_before": sy.start - 1,
        "sy_first_day": sy.first_day,
        "sy_end_day": sy.end_day,
        "sy_label": sy.label,
        "sy_starts_utc": sy.starts_utc,
        "sy_ends_utc": sy.ends_utc,
    }
    for k, start in enumerate(range(current, sy.start - 1, -1)):
        params[f"left_from_{k}"] = SchoolYear(start).first_day
        params[f"left_year_{k}"] = start
    if school_id is not None:
        params["school_id"] = school_id
    return params


def cohort_rows(sy: SchoolYear, school_id: int | None = None, today: date | None = None) -> list[CohortRow]:
    """The enrolled studentes of S grouped by school, programme, year and took part: one query."""
    today = today or date.today()
    cache = _request_cache()
    key = ("cohort", sy, school_id, today)
    if cache is not None and key in cache:
        return cache[key]
    statement = _cohort_statement(SchoolYear.of(today).start - sy.start, school_id is not None)
    sums: dict[tuple, list[int]] = {}
    # Through the session's connection: plain rows, without the ORM's result processing (thousands of
    # rows for the network).
    for school, programme_id, year, bits, n, kept in db.session.connection().execute(statement, _cohort_params(sy, today, school_id)):
        bits, n = int(bits), int(n)
        cell_key = (school, programme_id, int(year), bits > 0)
        cell = sums.get(cell_key)
        if cell is None:
            cell = sums[cell_key] = [0, 0, 0, 0, 0]
        cell[0] += n
        cell[1] += int(kept or 0)
        if bits & 1:
            cell[2] += n
        if bits & 2:
            cell[3] += n
        if bits & 4:
            cell[4] += n
    rows = [CohortRow(*cell_key, *cell) for cell_key, cell in sums.items()]
    if cache is not None:
        cache[key] = rows
    return rows


@dataclass
class Tally:
    """Sums over cohort rows."""

    n: int = 0
    retained: int = 0
    took: int = 0
    circle: int = 0
    buddy: int = 0
    speeddate: int = 0

    def add(self, row: CohortRow) -> None:
        self.n += row.n
        self.retained += row.retained
        self.circle += row.circle
        self.buddy += row.buddy
        self.speeddate += row.speeddate
        if row.took_part:
            self.took += row.n

    def count(self, activity: str) -> int:
        return self.took if activity == "any" else getattr(self, activity)

    def share(self, activity: str) -> Share:
        return Share(self.count(activity), self.n)


def tally(rows: Iterable[CohortRow], key=lambda row: None) -> dict[Any, Tally]:
    out: dict[Any, Tally] = defaultdict(Tally)
    for row in rows:
        out[key(row)].add(row)
    return out


def total(rows: Iterable[CohortRow]) -> Tally:
    result = Tally()
    for row in rows:
        result.add(row)
    return result


def metric_value(metric: str, rows: list[CohortRow]) -> Share:
    """The figure a target is compared with, for the cohort rows of one school and school year."""
    if metric == "retention_year1":
        return RetentionCube(rows).get(ALL, 1, "all")
    if metric == "retention_all":
        return RetentionCube(rows).get(ALL, ALL, "all")
    activity = {"participation_share": "any", "circle_share": "circle", "buddy_share": "buddy", "speeddate_share": "speeddate"}[metric]
    return total(rows).share(activity)


# --- guest lessons and alumnae -------------------------------------------------------------


def _year_case(column, years: list[SchoolYear]):
    return case(*[(and_(column >= y.starts_utc, column < y.ends_utc), y.start) for y in years], else_=None)


def lesson_rows(years: list[SchoolYear], school_id: int | None = None, now: datetime | None = None):
    """Guest lessons given: (school_id, school year start, programme_id, year, lessons, reached)."""
    now = now or utcnow()
    gl = GuestLesson
    sy = _year_case(gl.starts_at, years).label("sy")
    query = select(
        gl.school_id, sy, gl.programme_id, gl.year, func.count().label("lessons"), func.sum(func.coalesce(gl.student_count, 0))
    ).where(
        gl.kind == "guest_lesson",
        gl.status.in_(("confirmed", "done")),
        gl.starts_at < now,
        gl.starts_at >= min(years).starts_utc,
        gl.starts_at < max(years).ends_utc,
    )
    if school_id is not None:
        query = query.where(gl.school_id == school_id)
    query = query.group_by(gl.school_id, sy, gl.programme_id, gl.year)
    return [(r[0], int(r[1]), r[2], r[3], int(r[4]), int(r[5] or 0)) for r in db.session.execute(query)]


def active_alumnae(years: list[SchoolYear], school_id: int | None = None) -> dict[tuple[int, int], int]:
    """{(school_id, school year start): number of distinct active alumnae}: one query."""
    gl, offer, circle, event, host = GuestLesson, GuestLessonOffer, MentoringCircle, SpeeddateEvent, SpeeddateHost
    first, last = min(years), max(years)
    lessons = (
        select(gl.school_id.label("school_id"), _year_case(gl.starts_at, years).label("sy"), offer.alumna_id.label("alumna_id"))
        .join(gl, gl.id == offer.lesson_id)
        .where(offer.status == "confirmed", gl.status.in_(("confirmed", "done")), gl.starts_at >= first.starts_utc, gl.starts_at < last.ends_utc)
    )
    circles = select(
        circle.school_id, case(*[(circle.school_year == y.label, y.start) for y in years], else_=None), circle.mentor_id
    ).where(circle.mentor_id.is_not(None), circle.status != "draft", circle.school_year.in_([y.label for y in years]))
    hosts = (
        select(event.school_id, _year_case(event.starts_at, years), host.alumna_id)
        .join(event, event.id == host.event_id)
        .where(
            host.alumna_id.is_not(None),
            host.dropped_out.is_(False),
            event.status.not_in(("cancelled", "draft")),
            event.starts_at >= first.starts_utc,
            event.starts_at < last.ends_utc,
        )
    )
    if school_id is not None:
        lessons = lessons.where(gl.school_id == school_id)
        circles = circles.where(circle.school_id == school_id)
        hosts = hosts.where(event.school_id == school_id)
    everyone = union(lessons, circles, hosts).subquery()
    query = select(everyone.c.school_id, everyone.c.sy, func.count()).group_by(everyone.c.school_id, everyone.c.sy)
    return {(r[0], int(r[1])): int(r[2]) for r in db.session.execute(query)}


def reachable_alumnae(school_id: int) -> int:
    # "Activated" is looked up per alumna (an index lookup each): as a join, PostgreSQL reads all
    # users, studentes included (55,000 rows at the network's size), to find a few thousand alumnae.
    activated = select(User.activated).where(User.id == AlumnaProfile.user_id).scalar_subquery()
    return db.session.scalar(
        select(func.count()).select_from(AlumnaProfile).where(activated.is_(True), reachable_by_school(school_id))
    ) or 0


# --- tables: one source for the HTML table and the CSV --------------------------------------


@dataclass
class Table:
    """A table of figures; Share cells become two CSV columns (percentage, n)."""

    name: str
    caption: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def _share_columns(self) -> list[bool]:
        return [any(isinstance(row[i], Share) for row in self.rows) for i in range(len(self.headers))]

    def csv_rows(self) -> tuple[list[str], list[list[Any]]]:
        """The header and rows as they go into the CSV: a percentage and an n column per Share column.

        A hidden figure leaves both cells empty, as the page shows no figure either.
        """
        shares = self._share_columns()
        header: list[str] = []
        for title, is_share in zip(self.headers, shares):
            header += [f"{title} %", f"{title} n"] if is_share else [title]
        rows = []
        for row in self.rows:
            cells: list[Any] = []
            for cell, is_share in zip(row, shares):
                if isinstance(cell, Share):
                    cells += ["" if cell.percent is None else cell.percent, cell.n if cell.shown else ""]
                elif is_share:
                    cells += ["", ""]
                else:
                    cells.append("" if cell is None else cell)
            rows.append(cells)
        return header, rows

    def csv(self) -> str:
        from webapp.people.services import csv_response_body

        header, rows = self.csv_rows()
        return csv_response_body(header, rows)


# --- labels ------------------------------------------------------------------------------


def programme_names(school_id: int | None = None) -> dict[int | None, str]:
    query = select(Programme.id, Programme.name, Programme.pathway)
    if school_id is not None:
        query = query.where(Programme.school_id == school_id)
    names: dict[int | None, str] = {r[0]: f"{r[1]} ({r[2]})" for r in db.session.execute(query)}
    names[None] = _("Opleiding onbekend")
    return names


# --- panel: key figures ---------------------------------------------------------------------


def overview(school_id: int, today: date | None = None, now: datetime | None = None) -> dict:
    """Participation this school year against last, its trend, guest lessons, alumnae, open requests."""
    today = today or date.today()
    years = recent_years(today)
    current, previous = years[-1], years[-2]
    per_year = {y: total(cohort_rows(y, school_id, today)) for y in years}
    lessons = defaultdict(lambda: [0, 0])
    for _school, start, _programme, _year, count, reached in lesson_rows(years, school_id, now):
        lessons[start][0] += count
        lessons[start][1] += reached
    alumnae = active_alumnae([previous, current], school_id)
    activities = list(ACTIVITIES) + ["any"]

    table = Table(
        "kerncijfers",
        _("Deelname per activiteit, %(current)s tegenover %(previous)s", current=current, previous=previous),
        [_("Activiteit"), _("Deelnemers %(year)s", year=previous), _("Aandeel %(year)s", year=previous),
         _("Deelnemers %(year)s", year=current), _("Aandeel %(year)s", year=current)],
    )
    for activity in activities:
        table.rows.append([
            str(ACTIVITY_LABELS[activity]),
            per_year[previous].count(activity), per_year[previous].share(activity),
            per_year[current].count(activity), per_year[current].share(activity),
        ])
    trend = Table(
        "deelname-trend",
        _("Aandeel studentes dat meedeed, per schooljaar"),
        [_("Schooljaar"), _("Ingeschreven studentes")] + [str(ACTIVITY_LABELS[a]) for a in activities],
    )
    for y in years:
        trend.rows.append([y.label, per_year[y].n] + [per_year[y].share(a) for a in activities])

    from webapp.dashboard import charts

    bars = charts.bar_chart(
        _("Deelnemers per activiteit"),
        _("Aantal studentes per activiteit in %(previous)s en %(current)s.", previous=previous, current=current),
        [str(ACTIVITY_LABELS[a]) for a in activities],
        [(previous.label, [per_year[previous].count(a) for a in activities]), (current.label, [per_year[current].count(a) for a in activities])],
    )
    lines = charts.line_chart(
        _("Aandeel studentes dat meedeed"),
        _("Percentage van de ingeschreven studentes per activiteit, per schooljaar."),
        [y.label for y in years],
        [(str(ACTIVITY_LABELS[a]), [per_year[y].share(a).percent for y in years]) for a in activities],
    )
    todo = todo_counts(school_id, now)
    return {
        "current": current,
        "previous": previous,
        "students": (per_year[previous].n, per_year[current].n),
        "any": (per_year[previous].share("any"), per_year[current].share("any")),
        "lessons": (tuple(lessons[previous.start]), tuple(lessons[current.start])),
        "alumnae": (alumnae.get((school_id, previous.start), 0), alumnae.get((school_id, current.start), 0)),
        "reachable_alumnae": reachable_alumnae(school_id),
        "open_lessons": todo["lessons_without_offer"],
        "circles_without_mentor": todo["circles_without_mentor"],
        "tables": {"kerncijfers": table, "deelname-trend": trend},
        "bars": bars,
        "lines": lines,
    }


# --- panel: participation by programme and year ----------------------------------------------


def participation(school_id: int, today: date | None = None, now: datetime | None = None) -> dict:
    """Participants per activity by programme and year, this school year against last."""
    today = today or date.today()
    current = SchoolYear.of(today)
    previous = current.previous
    names = programme_names(school_id)
    by_group = {
        y: tally(cohort_rows(y, school_id, today), key=lambda r: (r.programme_id, r.year)) for y in (previous, current)
    }
    by_year = {y: tally(cohort_rows(y, school_id, today), key=lambda r: r.year) for y in (previous, current)}
    lessons: dict[tuple, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for _school, start, programme_id, year, count, reached in lesson_rows([previous, current], school_id, now):
        lessons[(programme_id, year)][start][0] += count
        lessons[(programme_id, year)][start][1] += reached
    keys = set(by_group[previous]) | set(by_group[current]) | set(lessons)

    def order(key):
        programme_id, year = key
        return (programme_id is None, names.get(programme_id, ""), year is None, year or 0)

    headers = [_("Opleiding"), _("Leerjaar")]
    for y in (previous, current):
        headers += [
            _("Studentes %(year)s", year=y), _("Kring %(year)s", year=y), _("Buddy %(year)s", year=y),
            _("Speeddate %(year)s", year=y), _("Minstens één %(year)s", year=y),
            _("Gastlessen %(year)s", year=y), _("Bereikt %(year)s", year=y),
        ]
    table = Table("deelname", _("Deelnemers per opleiding en leerjaar"), headers)
    groups = []
    for key in sorted(keys, key=order):
        programme_id, year = key
        row: list[Any] = [names.get(programme_id, names[None]), year if year is not None else _("alle leerjaren")]
        cells = []
        for y in (previous, current):
            t = by_group[y].get(key, Tally())
            lesson = lessons.get(key, {}).get(y.start, [0, 0])
            cells.append({"n": t.n, "circle": t.circle, "buddy": t.buddy, "speeddate": t.speeddate, "any": t.share("any"), "lessons": lesson[0], "reached": lesson[1]})
            row += [t.n, t.circle, t.buddy, t.speeddate, t.share("any"), lesson[0], lesson[1]]
        table.rows.append(row)
        groups.append({"programme": row[0], "year": row[1], "years": cells})

    from webapp.dashboard import charts

    year_table = Table(
        "deelname-leerjaar",
        _("Aandeel studentes dat meedeed, per leerjaar"),
        [_("Leerjaar"), _("Aandeel %(year)s", year=previous), _("Aandeel %(year)s", year=current)],
    )
    for year in range(1, 5):
        year_table.rows.append([year] + [by_year[y].get(year, Tally()).share("any") for y in (previous, current)])
    bars = charts.bar_chart(
        _("Aandeel dat meedeed, per leerjaar"),
        _("Percentage studentes per leerjaar dat aan een kring, buddy of speeddate meedeed, in %(previous)s en %(current)s.", previous=previous, current=current),
        [_("Leerjaar %(year)s", year=year) for year in range(1, 5)],
        [(y.label, [by_year[y].get(year, Tally()).share("any").percent for year in range(1, 5)]) for y in (previous, current)],
        percent=True,
    )
    return {
        "current": current,
        "previous": previous,
        "groups": groups,
        "tables": {"deelname": table, "deelname-leerjaar": year_table},
        "bars": bars,
    }


# --- panel: retention ------------------------------------------------------------------------


def retention(school_id: int, sy: SchoolYear | None = None, today: date | None = None, with_names: bool = True) -> dict:
    """Retention in S per programme and year, took part against not; the trend over four years."""
    today = today or date.today()
    years = recent_years(today)
    sy = sy if sy in years else years[-1]
    names = programme_names(school_id)
    cubes = {y: RetentionCube(cohort_rows(y, school_id, today)) for y in years}
    cube = cubes[sy]
    table = Table(
        "behoud",
        _("Behoud in %(year)s per opleiding en leerjaar", year=sy),
        [_("Opleiding"), _("Leerjaar"), _("Deelgenomen"), _("Niet deelgenomen"), _("Alle studentes")],
    )
    groups = []
    for programme_id in sorted(cube.programmes, key=lambda p: (p is None, names.get(p, ""))):
        for year in cube.years:
            cells = cube.cells(programme_id, year)
            if cells["all"].n == 0:
                continue
            name = names.get(programme_id, names[None])
            groups.append({"programme": name, "year": year, **cells})
            table.rows.append([name, year, cells["took"], cells["not"], cells["all"]])
    by_year = []
    for year in cube.years:
        cells = cube.cells(ALL, year)
        by_year.append({"year": year, **cells})
        table.rows.append([_("Alle opleidingen"), year, cells["took"], cells["not"], cells["all"]])
    school = cube.cells()
    table.rows.append([_("Hele school"), _("alle leerjaren"), school["took"], school["not"], school["all"]])

    trend = Table(
        "behoud-trend",
        _("Behoud per schooljaar: deelgenomen tegenover niet deelgenomen"),
        [_("Schooljaar"), _("Deelgenomen"), _("Niet deelgenomen"), _("Alle studentes")],
    )
    for y in years:
        cells = cubes[y].cells()
        trend.rows.append([y.label, cells["took"], cells["not"], cells["all"]])
    year_table = Table(
        "behoud-leerjaar",
        _("Behoud in %(year)s per leerjaar", year=sy),
        [_("Leerjaar"), _("Deelgenomen"), _("Niet deelgenomen"), _("Alle studentes")],
    )
    for item in by_year:
        year_table.rows.append([item["year"], item["took"], item["not"], item["all"]])

    from webapp.dashboard import charts

    bars = charts.bar_chart(
        _("Behoud per leerjaar in %(year)s", year=sy),
        _("Percentage studentes dat bleef of een diploma haalde, per leerjaar, voor wie deelnam en wie niet."),
        [_("Leerjaar %(year)s", year=item["year"]) for item in by_year],
        [(_("Deelgenomen"), [item["took"].percent for item in by_year]), (_("Niet deelgenomen"), [item["not"].percent for item in by_year])],
        percent=True,
    )
    lines = charts.line_chart(
        _("Behoud per schooljaar"),
        _("Percentage studentes dat bleef of een diploma haalde, per schooljaar, voor wie deelnam en wie niet."),
        [y.label for y in years],
        [(_("Deelgenomen"), [cubes[y].get(split="took").percent for y in years]), (_("Niet deelgenomen"), [cubes[y].get(split="not").percent for y in years])],
    )
    return {
        "sy": sy,
        "years": years,
        "is_current": sy == years[-1],
        "groups": groups,
        "by_year": by_year,
        "school_cells": school,
        "departures": departures_in(school_id, sy),
        "recent": recent_departures(school_id) if with_names else [],
        "tables": {"behoud": table, "behoud-leerjaar": year_table, "behoud-trend": trend},
        "bars": bars,
        "lines": lines,
    }


def departures_in(school_id: int, sy: SchoolYear) -> dict[str, int]:
    """How many studentes graduated, switched or left during S."""
    sp = StudentProfile
    query = (
        select(sp.status, func.count())
        .where(sp.school_id == school_id, sp.status != "active", sp.left_at >= sy.first_day, sp.left_at < sy.end_day)
        .group_by(sp.status)
    )
    counts = {"graduated": 0, "switched": 0, "left": 0}
    counts.update({status: int(count) for status, count in db.session.execute(query)})
    return counts


def recent_departures(school_id: int, limit: int = 8) -> list[StudentProfile]:
    """The last recorded departures, to check them on the studente's own page."""
    return db.session.scalars(
        select(StudentProfile)
        .where(StudentProfile.school_id == school_id, StudentProfile.status != "active")
        .order_by(StudentProfile.left_at.desc().nulls_last(), StudentProfile.user_id.desc())
        .limit(limit)
    ).all()


# --- targets ---------------------------------------------------------------------------------


class TargetError(Exception):
    def __init__(self, message: str, field: str = "value"):
        super().__init__(message)
        self.field = field


def target_years(today: date | None = None) -> list[SchoolYear]:
    """The school years a target can be set for: last year, this year and the next."""
    current = SchoolYear.of(today or date.today())
    return [current.previous, current, SchoolYear(current.start + 1)]


def targets_of(school_id: int) -> list[Target]:
    return db.session.scalars(
        select(Target).where(Target.school_id == school_id).order_by(Target.school_year.desc(), Target.metric)
    ).all()


def set_target(school_id: int, metric: str, sy: SchoolYear, value: int, actor: User) -> tuple[Target, bool]:
    """Create or change the target for a metric and school year. Returns (target, created). Commits."""
    if metric not in METRICS:
        raise TargetError(_("Kies een doel uit de lijst."), "metric")
    if not isinstance(value, int) or not 0 <= value <= 100:
        raise TargetError(_("Een doel is een percentage van 0 tot en met 100."))
    target = db.session.scalar(
        select(Target).where(Target.school_id == school_id, Target.metric == metric, Target.school_year == sy.label)
    )
    created = target is None
    if created:
        target = Target(school_id=school_id, metric=metric, school_year=sy.label, value=value, created_by_id=actor.id)
        db.session.add(target)
    else:
        target.value = value
    db.session.flush()
    record("dashboard.target_set", school_id=school_id, obj=target, metric=metric, school_year=sy.label, value=value)
    db.session.commit()
    return target, created


def delete_target(target: Target) -> None:
    record("dashboard.target_deleted", school_id=target.school_id, obj=target, metric=target.metric, school_year=target.school_year)
    db.session.delete(target)
    db.session.commit()


@dataclass
class Progress:
    target: Target
    actual: Share

    @property
    def label(self) -> str:
        return str(METRIC_LABELS[self.target.metric])

    @property
    def reached(self) -> bool:
        return self.actual.percent is not None and self.actual.percent >= self.target.value

    @property
    def gap(self) -> int | None:
        return None if self.actual.percent is None else self.target.value - self.actual.percent


def progress(school_id: int, today: date | None = None, years: list[SchoolYear] | None = None) -> list[Progress]:
    """Every target of the school (of the given school years) with the figure it is compared with."""
    today = today or date.today()
    targets = targets_of(school_id)
    if years is not None:
        labels = {y.label for y in years}
        targets = [t for t in targets if t.school_year in labels]
    current = SchoolYear.of(today)
    out = []
    for target in targets:
        sy = SchoolYear.parse(target.school_year)
        if sy is None or sy > current:
            actual = EMPTY  # a future school year has no figures yet
        else:
            actual = metric_value(target.metric, cohort_rows(sy, school_id, today))
        out.append(Progress(target, actual))
    return out


def targets_table(items: list[Progress]) -> Table:
    table = Table("doelen", _("Doelen en voortgang"), [_("Schooljaar"), _("Doel"), _("Streefwaarde %"), _("Nu"), _("Behaald")])
    for item in items:
        table.rows.append([item.target.school_year, item.label, item.target.value, item.actual,
                           "" if item.actual.percent is None else (_("ja") if item.reached else _("nee"))])
    return table


# --- panel: to do, open requests and what is coming ---------------------------------------------


def _lessons_without_offer_count(school_id: int, now: datetime):
    return select(func.count()).select_from(GuestLesson).where(_lesson_without_offer(school_id, now)).scalar_subquery()


def _circles_without_mentor_count(school_id: int, current: SchoolYear):
    return (
        select(func.count())
        .select_from(MentoringCircle)
        .where(
            MentoringCircle.school_id == school_id,
            MentoringCircle.school_year == current.label,
            MentoringCircle.status != "closed",
            MentoringCircle.mentor_id.is_(None),
        )
        .scalar_subquery()
    )


def todo_counts(school_id: int, now: datetime | None = None) -> dict[str, int]:
    """Counts for the key figures: guest lessons without an offer, circles without a mentor (one query)."""
    now = now or utcnow()
    current = SchoolYear.of(to_local_date(now))
    lessons, circles = db.session.execute(
        select(_lessons_without_offer_count(school_id, now), _circles_without_mentor_count(school_id, current))
    ).one()
    return {"lessons_without_offer": int(lessons or 0), "circles_without_mentor": int(circles or 0)}


def to_local_date(moment: datetime) -> date:
    from webapp.timeutil import to_local

    return to_local(moment).date()


def _lesson_without_offer(school_id: int, now: datetime):
    """An open request (no alumna offered yet) with a date still ahead, or no date yet."""
    has_option = exists().where(GuestLessonOption.lesson_id == GuestLesson.id)
    future_option = exists().where(GuestLessonOption.lesson_id == GuestLesson.id, GuestLessonOption.starts_at >= now)
    return and_(GuestLesson.school_id == school_id, GuestLesson.status == "open", or_(~has_option, future_option))


def todo(school_id: int, now: datetime | None = None, limit: int = 10) -> dict:
    now = now or utcnow()
    current = SchoolYear.of(to_local_date(now))
    circles = db.session.execute(
        select(MentoringCircle.id, MentoringCircle.name, MentoringCircle.capacity - MentoringCircle.seats_taken)
        .where(
            MentoringCircle.school_id == school_id,
            MentoringCircle.school_year == current.label,
            MentoringCircle.status == "open",
            MentoringCircle.seats_taken < MentoringCircle.capacity,
        )
        .order_by(MentoringCircle.name)
        .limit(limit)
    ).all()
    lessons = db.session.execute(
        select(GuestLesson.id, GuestLesson.topic, GuestLesson.kind, GuestLesson.created_at)
        .where(_lesson_without_offer(school_id, now))
        .order_by(GuestLesson.created_at)
        .limit(limit)
    ).all()
    speeddates = db.session.execute(
        select(SpeeddateEvent.id, SpeeddateEvent.title, SpeeddateEvent.registration_deadline, SpeeddateEvent.starts_at)
        .where(
            SpeeddateEvent.school_id == school_id,
            SpeeddateEvent.status.in_(("open", "closed")),
            SpeeddateEvent.registration_deadline < now,
        )
        .order_by(SpeeddateEvent.starts_at)
        .limit(limit)
    ).all()
    sp = StudentProfile
    has_active = exists().where(BuddyPair.mentee_id == sp.user_id, BuddyPair.status == "active")
    has_proposal = exists().where(BuddyPair.mentee_id == sp.user_id, BuddyPair.status == "proposed")
    # The counts in one query: buddies waiting (with a proposal ready), circle requests, circles
    # without a mentor.
    buddies = (
        select(func.count().label("waiting"), func.sum(case((has_proposal, 1), else_=0)).label("proposed"))
        .where(sp.school_id == school_id, sp.status == "active", sp.wants_buddy.is_(True), ~has_active)
        .subquery()
    )
    requests = (
        select(func.count())
        .select_from(CircleRequest)
        .where(CircleRequest.school_id == school_id, CircleRequest.school_year == current.label)
        .scalar_subquery()
    )
    waiting, proposed, circle_requests, without_mentor = db.session.execute(
        select(buddies.c.waiting, buddies.c.proposed, requests, _circles_without_mentor_count(school_id, current))
    ).one()
    return {
        "circles": circles,
        "lessons": lessons,
        "speeddates": speeddates,
        "buddy_waiting": int(waiting or 0),
        "buddy_proposed": int(proposed or 0),
        "circle_requests": int(circle_requests or 0),
        "circles_without_mentor": int(without_mentor or 0),
        "upcoming": upcoming(school_id, now),
    }


def start_counts(school_id: int, now: datetime | None = None) -> dict[str, int]:
    """The to-do as four counts, for the start page."""
    now = now or utcnow()
    current = SchoolYear.of(to_local_date(now))
    free = db.session.scalar(
        select(func.count()).select_from(MentoringCircle).where(
            MentoringCircle.school_id == school_id,
            MentoringCircle.school_year == current.label,
            MentoringCircle.status == "open",
            MentoringCircle.seats_taken < MentoringCircle.capacity,
        )
    )
    lessons = db.session.scalar(select(func.count()).select_from(GuestLesson).where(_lesson_without_offer(school_id, now)))
    overdue = db.session.scalar(
        select(func.count()).select_from(SpeeddateEvent).where(
            SpeeddateEvent.school_id == school_id,
            SpeeddateEvent.status.in_(("open", "closed")),
            SpeeddateEvent.registration_deadline < now,
        )
    )
    sp = StudentProfile
    waiting = db.session.scalar(
        select(func.count()).select_from(sp).where(
            sp.school_id == school_id, sp.status == "active", sp.wants_buddy.is_(True),
            ~exists().where(BuddyPair.mentee_id == sp.user_id, BuddyPair.status == "active"),
        )
    )
    return {"circles": int(free or 0), "lessons": int(lessons or 0), "speeddates": int(overdue or 0), "buddy_waiting": int(waiting or 0)}


@dataclass(frozen=True)
class Upcoming:
    kind: str
    object_id: int
    title: str
    starts_at: datetime


def upcoming(school_id: int, now: datetime | None = None, limit: int = 8) -> list[Upcoming]:
    """The next guest lessons, speeddates and circle meetings of the school: one query."""
    now = now or utcnow()
    lessons = select(
        literal("guest_lesson").label("kind"), GuestLesson.id.label("object_id"), GuestLesson.topic.label("title"), GuestLesson.starts_at.label("starts_at")
    ).where(GuestLesson.school_id == school_id, GuestLesson.status == "confirmed", GuestLesson.starts_at >= now)
    events = select(literal("speeddate"), SpeeddateEvent.id, SpeeddateEvent.title, SpeeddateEvent.starts_at).where(
        SpeeddateEvent.school_id == school_id, SpeeddateEvent.status.not_in(("draft", "cancelled", "done")), SpeeddateEvent.starts_at >= now
    )
    meetings = (
        select(literal("circle_meeting"), MentoringCircle.id, MentoringCircle.name, CircleMeeting.starts_at)
        .join(MentoringCircle, MentoringCircle.id == CircleMeeting.circle_id)
        .where(MentoringCircle.school_id == school_id, CircleMeeting.cancelled.is_(False), CircleMeeting.starts_at >= now)
    )
    everything = union_all(lessons, events, meetings).subquery()
    query = select(everything).order_by(everything.c.starts_at, everything.c.kind).limit(limit)
    return [Upcoming(r[0], r[1], r[2], r[3]) for r in db.session.execute(query)]


# --- the admin's network view ------------------------------------------------------------------

NETWORK_COLUMNS = (
    "school", "students", "any", "circle", "buddy", "speeddate", "lessons", "reached",
    "retention_all", "retention_year1", "retention_took", "retention_not", "alumnae",
)
NETWORK_LABELS = {
    "school": _l("School"),
    "students": _l("Ingeschreven studentes"),
    "any": _l("Minstens één activiteit"),
    "circle": _l("Mentorkring"),
    "buddy": _l("Buddy"),
    "speeddate": _l("Speeddate"),
    "lessons": _l("Gastlessen gegeven"),
    "reached": _l("Bereikt met gastlessen"),
    "retention_all": _l("Behoud alle studentes"),
    "retention_year1": _l("Behoud leerjaar 1"),
    "retention_took": _l("Behoud deelgenomen"),
    "retention_not": _l("Behoud niet deelgenomen"),
    "alumnae": _l("Actieve alumnae"),
}


SHARE_COLUMNS = ("any", "circle", "buddy", "speeddate", "retention_all", "retention_year1", "retention_took", "retention_not")


def network_figures(sy: SchoolYear, today: date, now: datetime | None = None) -> dict:
    """The figures of every school in school year S, as plain JSON values (shares as [count, n, hidden]).

    A fixed number of queries for the whole network; the one over every studente of the network
    dominates (about 30 ms in PostgreSQL for 50,000 studentes), which is why `network` keeps the
    answer a few minutes (see `webapp.dashboard.snapshots`).
    """
    schools = db.session.execute(select(School.id, School.name).order_by(School.name)).all()
    rows = cohort_rows(sy, None, today)
    per_school = tally(rows, key=lambda r: r.school_id)
    rows_of: dict[int, list[CohortRow]] = defaultdict(list)
    for row in rows:
        rows_of[row.school_id].append(row)
    lessons: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for school_id, _start, _programme, _year, count, reached in lesson_rows([sy], None, now):
        lessons[school_id][0] += count
        lessons[school_id][1] += reached
    alumnae = active_alumnae([sy])

    def plain(share: Share) -> list:
        return [share.count, share.n, share.hidden]

    items = []
    for school_id, name in schools:
        t = per_school.get(school_id, Tally())
        cube = RetentionCube(rows_of.get(school_id, []))
        items.append({
            "school_id": school_id,
            "school": name,
            "students": t.n,
            "any": plain(t.share("any")),
            "circle": plain(t.share("circle")),
            "buddy": plain(t.share("buddy")),
            "speeddate": plain(t.share("speeddate")),
            "lessons": lessons[school_id][0],
            "reached": lessons[school_id][1],
            "retention_all": plain(cube.get(ALL, ALL, "all")),
            "retention_year1": plain(cube.get(ALL, 1, "all")),
            "retention_took": plain(cube.get(ALL, ALL, "took")),
            "retention_not": plain(cube.get(ALL, ALL, "not")),
            "alumnae": alumnae.get((school_id, sy.start), 0),
        })
    network_total = total(rows)
    return {
        "items": items,
        "total": {
            "students": network_total.n,
            "any": plain(network_total.share("any")),
            "retention": plain(RetentionCube(rows, by_programme=False).get()),
        },
    }


def network(
    sy: SchoolYear | None = None, sort: str = "school", today: date | None = None, now: datetime | None = None, fresh: bool = False
) -> dict:
    """The same figures per school side by side, sorted, with the table and the chart.

    The figures come from `network_figures`, computed at most once per NETWORK_FIGURES_MAX_AGE
    seconds for all server processes; `fresh` computes them now.
    """
    today = today or date.today()
    years = recent_years(today)
    sy = sy if sy in years else years[-1]
    snapshot = snapshots.get_or_compute(f"network:{sy.label}:{today.isoformat()}", lambda: network_figures(sy, today, now), fresh=fresh)
    figures = snapshot.data
    items = [
        {**item, **{column: Share(*item[column]) for column in SHARE_COLUMNS}}
        for item in figures["items"]
    ]
    key, descending = (sort[1:], True) if sort.startswith("-") else (sort, False)
    if key not in NETWORK_COLUMNS:
        key, descending = "school", False

    def sort_value(item):
        value = item[key]
        if isinstance(value, Share):
            # Hidden figures sort last, whichever the direction.
            return (value.percent is None) != descending, value.percent or 0, item["school"].lower()
        if isinstance(value, str):
            return (False, value.lower(), "")
        return (False, value, item["school"].lower())

    items.sort(key=sort_value, reverse=descending)
    table = Table("netwerk", _("Netwerk per school, %(year)s", year=sy), [str(NETWORK_LABELS[c]) for c in NETWORK_COLUMNS])
    for item in items:
        table.rows.append([item[c] for c in NETWORK_COLUMNS])

    from webapp.dashboard import charts

    ranked = sorted(items, key=lambda i: (i["any"].percent is None, -(i["any"].percent or 0), i["school"].lower()))
    chart_table = Table("netwerk-deelname", _("Aandeel studentes dat meedeed, per school"), [str(NETWORK_LABELS["school"]), str(NETWORK_LABELS["any"])])
    chart_table.rows = [[i["school"], i["any"]] for i in ranked]
    bars = charts.hbar_chart(
        _("Aandeel studentes dat meedeed, per school"),
        _("Percentage ingeschreven studentes dat in %(year)s aan een kring, buddy of speeddate meedeed, per school.", year=sy),
        [i["school"] for i in ranked],
        [i["any"].percent for i in ranked],
    )
    return {
        "sy": sy,
        "years": years,
        "is_current": sy == years[-1],
        "items": items,
        "sort": sort if key != "school" or sort in ("school", "-school") else "school",
        "total": {
            "students": figures["total"]["students"],
            "any": Share(*figures["total"]["any"]),
            "retention": Share(*figures["total"]["retention"]),
        },
        "computed_at": snapshot.computed_at,
        "tables": {"netwerk": table, "netwerk-deelname": chart_table},
        "bars": bars,
    }
