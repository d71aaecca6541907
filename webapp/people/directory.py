"""The coordinator's lists: her school's students and the alumnae who allow her school.

Each list is two queries whatever its length (the page, with everything it shows joined
in, and its count), so a page of 25 costs the same for 10 or 10,000 people.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from webapp.auth.models import User
from webapp.pagination import paginate
from webapp.people.models import ACTIVITIES, SECTORS, STUDENT_STATUSES, AlumnaAllowedSchool, AlumnaProfile, Programme, StudentProfile
from webapp.web import MAX_INT

PER_PAGE = 25
STUDENT_SORTS = {
    "naam": (User.last_name, User.first_name),
    "-naam": (User.last_name.desc(), User.first_name.desc()),
    "jaar": (StudentProfile.year, User.last_name),
    "-jaar": (StudentProfile.year.desc(), User.last_name),
    "opleiding": (Programme.name, User.last_name),
}
ALUMNA_SORTS = {
    "recent": (AlumnaProfile.graduated_year.desc(), User.last_name),
    "naam": (User.last_name, User.first_name),
    "werkgever": (AlumnaProfile.employer, User.last_name),
}


def _int(value, allowed=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    if not -MAX_INT <= number <= MAX_INT:
        return None
    return number if allowed is None or number in allowed else None


def _search(term: str, *columns):
    term = term.strip().lower()[:100]
    return or_(*(func.lower(column).contains(term, autoescape=True) for column in columns))


@dataclass
class StudentFilters:
    q: str = ""
    programme: int | None = None
    year: int | None = None
    status: str = "active"
    sort: str = "naam"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> StudentFilters:
        status = args.get("status", "active")
        sort = args.get("sort", "naam")
        return cls(
            q=args.get("q", "")[:100],
            programme=_int(args.get("programme")),
            year=_int(args.get("year"), range(1, 5)),
            status=status if status in STUDENT_STATUSES + ("all",) else "active",
            sort=sort if sort in STUDENT_SORTS else "naam",
            page=max(1, _int(args.get("page")) or 1),
        )

    def args(self, **changes) -> dict:
        values = {"q": self.q, "programme": self.programme, "year": self.year, "status": self.status, "sort": self.sort, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "", 1) or (k == "page" and v != 1)}


def students_query(school_id: int, filters: StudentFilters):
    query = (
        select(StudentProfile)
        .join(StudentProfile.user)
        .outerjoin(StudentProfile.programme)
        .options(contains_eager(StudentProfile.user), contains_eager(StudentProfile.programme))
        .where(StudentProfile.school_id == school_id)
    )
    if filters.status != "all":
        query = query.where(StudentProfile.status == filters.status)
    if filters.programme:
        query = query.where(StudentProfile.programme_id == filters.programme)
    if filters.year:
        query = query.where(StudentProfile.year == filters.year)
    if filters.q.strip():
        query = query.where(_search(filters.q, User.first_name, User.last_name, User.email, StudentProfile.student_number))
    return query.order_by(*STUDENT_SORTS[filters.sort], StudentProfile.user_id)


def students_page(school_id: int, filters: StudentFilters):
    return paginate(students_query(school_id, filters), filters.page, PER_PAGE)


@dataclass
class AlumnaFilters:
    q: str = ""
    sector: str | None = None
    activity: str | None = None
    sort: str = "recent"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> AlumnaFilters:
        sector, activity, sort = args.get("sector"), args.get("activity"), args.get("sort", "recent")
        return cls(
            q=args.get("q", "")[:100],
            sector=sector if sector in SECTORS else None,
            activity=activity if activity in ACTIVITIES else None,
            sort=sort if sort in ALUMNA_SORTS else "recent",
            page=max(1, _int(args.get("page")) or 1),
        )

    def args(self, **changes) -> dict:
        values = {"q": self.q, "sector": self.sector, "activity": self.activity, "sort": self.sort, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1) and not (k == "sort" and v == "recent")}


def reachable_by_school(school_id: int):
    """Alumnae who allow this school to contact them."""
    return or_(
        AlumnaProfile.all_schools.is_(True),
        exists().where(AlumnaAllowedSchool.alumna_id == AlumnaProfile.user_id, AlumnaAllowedSchool.school_id == school_id),
    )


def alumnae_query(school_id: int, filters: AlumnaFilters):
    query = (
        select(AlumnaProfile)
        .join(AlumnaProfile.user)
        .options(contains_eager(AlumnaProfile.user), joinedload(AlumnaProfile.school))
        .where(User.activated.is_(True), reachable_by_school(school_id))
    )
    if filters.sector:
        query = query.where(AlumnaProfile.sector == filters.sector)
    if filters.activity:
        # Activities are a JSON list of fixed identifiers; its text contains the quoted name.
        query = query.where(cast(AlumnaProfile.activities, String).contains(f'"{filters.activity}"'))
    if filters.q.strip():
        query = query.where(
            _search(
                filters.q,
                User.first_name,
                User.last_name,
                AlumnaProfile.job_title,
                AlumnaProfile.employer,
                AlumnaProfile.programme_name,
                cast(AlumnaProfile.topics, String),
            )
        )
    return query.order_by(*ALUMNA_SORTS[filters.sort], AlumnaProfile.user_id)


def alumnae_page(school_id: int, filters: AlumnaFilters):
    return paginate(alumnae_query(school_id, filters), filters.page, PER_PAGE)
