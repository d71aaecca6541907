"""The circle formation helper: from the studentes who asked for a circle to circles, at once.

The proposal comes from the pure function `webapp.matching.circles.propose_circles`; this
module feeds it (studentes in order of request, mentors with their room left this school
year), turns its answer into a draft the coordinator can adjust in a plain form (a select per
studente, a mentor and a name per circle), re-scores an adjusted draft with
`evaluate_circles`, and creates all circles of a draft in one transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, select

from webapp.audit.services import record
from webapp.auth.models import User
from webapp.circles import services
from webapp.circles.models import CircleMembership, CircleRequest, MentoringCircle
from webapp.circles.reasons import reason_texts, unplaced_text
from webapp.extensions import db
from webapp.matching import circles as matching
from webapp.modeltools import utcnow
from webapp.people.models import AlumnaProfile, Programme, StudentProfile

DEFAULT_TARGET = 6
MAX_SIZE = 30  # a circle's capacity is at most 30
MAX_CIRCLES = 60


class FormationProblem(ValueError):
    """The draft cannot be created as it is; `messages` say why (Dutch)."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


# --- who and with whom ---------------------------------------------------------------------------


def requesters(school_id: int, year: str) -> tuple[list[StudentProfile], list[tuple[StudentProfile, str]]]:
    """Studentes who asked for a circle this school year and are not in one yet, in order of
    request; and those who asked but cannot be placed now, with the reason."""
    in_circle = set(
        db.session.scalars(
            select(CircleMembership.student_id)
            .join(MentoringCircle, MentoringCircle.id == CircleMembership.circle_id)
            .where(
                MentoringCircle.school_id == school_id,
                MentoringCircle.school_year == year,
                MentoringCircle.status != "closed",
                CircleMembership.status.in_(services.PENDING),
            )
        )
    )
    rows = db.session.scalars(
        select(StudentProfile)
        .join(CircleRequest, CircleRequest.student_id == StudentProfile.user_id)
        .where(CircleRequest.school_id == school_id, CircleRequest.school_year == year, StudentProfile.school_id == school_id)
        .order_by(CircleRequest.created_at, CircleRequest.id)
    ).unique()
    ready: list[StudentProfile] = []
    blocked: list[tuple[StudentProfile, str]] = []
    for profile in rows:
        if profile.status != "active" or not profile.user.activated:
            continue
        if profile.user_id in in_circle:
            continue
        if services.needs_guardian_consent(profile):
            blocked.append((profile, _("wacht op toestemming van een ouder of verzorger")))
            continue
        ready.append(profile)
    return ready, blocked


def _school_programme_for(profile: AlumnaProfile, programmes: list[Programme]) -> int | None:
    """The school's programme that is the alumna's own (same row, crebo code or name)."""
    for programme in programmes:
        if services.mentor_fit(profile, programme) == 0:
            return programme.id
    return None


@dataclass
class Inputs:
    students: list[StudentProfile]
    blocked: list[tuple[StudentProfile, str]]
    mentors: list[services.MentorSuggestion]
    programmes: list[Programme]
    matching_students: list[matching.Student]
    matching_mentors: list[matching.Mentor]

    @property
    def programme_names(self) -> dict[int, str]:
        return {p.id: p.name for p in self.programmes}

    @property
    def student_by_id(self) -> dict[int, StudentProfile]:
        return {p.user_id: p for p in self.students}

    @property
    def mentor_by_id(self) -> dict[int, services.MentorSuggestion]:
        return {m.user.id: m for m in self.mentors}

    def room(self, mentor_id: int) -> int:
        return next((m.capacity for m in self.matching_mentors if m.id == mentor_id), 0)


def gather(school_id: int, year: str) -> Inputs:
    programmes = list(db.session.scalars(select(Programme).where(Programme.school_id == school_id).order_by(Programme.name)))
    by_id = {p.id: p for p in programmes}
    students, blocked = requesters(school_id, year)
    mentors = [m for m in services.mentor_suggestions(school_id, None, year) if m.available]
    return Inputs(
        students=students,
        blocked=blocked,
        mentors=mentors,
        programmes=programmes,
        matching_students=[
            matching.Student(
                id=p.user_id,
                programme_id=p.programme_id if p.programme_id in by_id else None,
                sector=by_id[p.programme_id].sector if p.programme_id in by_id else None,
                year=p.year,
            )
            for p in students
        ],
        matching_mentors=[
            matching.Mentor(
                id=m.user.id,
                programme_id=_school_programme_for(m.profile, programmes),
                sector=m.profile.sector,
                graduated_year=m.profile.graduated_year,
                capacity=max(0, m.profile.max_per_year - m.circles_this_year),
            )
            for m in mentors
        ],
    )


# --- the draft -------------------------------------------------------------------------------------


@dataclass
class Sizes:
    target: int = DEFAULT_TARGET
    min: int = 5
    max: int = 8

    @classmethod
    def parse(cls, values) -> tuple[Sizes, str | None]:
        """Sizes from request values; defaults around the target; an error message if invalid."""

        def number(name: str) -> int | None:
            raw = (values.get(name) or "").strip()
            if not raw:
                return None
            try:
                return int(raw)
            except ValueError:
                return -1

        target = number("doel")
        target = DEFAULT_TARGET if target is None else target
        if not 2 <= target <= MAX_SIZE:
            return cls(), _("Kies een kringgrootte van 2 tot %(max)s.", max=MAX_SIZE)
        band = matching.default_size_band(target)
        low, high = number("min"), number("max")
        low = band[0] if low is None else low
        high = min(MAX_SIZE, band[1]) if high is None else high
        if not 2 <= low <= target <= high <= MAX_SIZE:
            return cls(), _(
                "De kleinste kring (%(low)s) mag niet groter zijn dan de gewenste grootte (%(target)s), en de grootste "
                "(%(high)s) niet kleiner; alles tussen 2 en %(max)s.",
                low=low, target=target, high=high, max=MAX_SIZE,
            )
        return cls(target, low, high), None

    def args(self) -> dict:
        return {"doel": self.target, "min": self.min, "max": self.max}


@dataclass
class DraftCircle:
    number: int
    name: str
    mentor_id: int | None
    student_ids: list[int]
    score: float | None = None
    reasons: list[str] = field(default_factory=list)  # in the reader's language (webapp.circles.reasons)


@dataclass
class Draft:
    sizes: Sizes
    inputs: Inputs
    circles: list[DraftCircle]
    unplaced: list[int]
    unplaced_reason: str | None = None
    errors: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    def placement_of(self, student_id: int) -> int:
        for circle in self.circles:
            if student_id in circle.student_ids:
                return circle.number
        return 0


def _default_name(student_ids: list[int], inputs: Inputs, taken: Counter) -> str:
    programmes = {inputs.student_by_id[s].programme_id for s in student_ids}
    names = inputs.programme_names
    base = names.get(programmes.pop()) if len(programmes) == 1 and None not in programmes else None
    name = _("Kring %(programme)s", programme=base) if base else _("Kring gemengd")
    taken[name] += 1
    return name if taken[name] == 1 else f"{name} {taken[name]}"


def propose(school_id: int, year: str, sizes: Sizes) -> Draft:
    """The proposal of `propose_circles` as an adjustable draft."""
    inputs = gather(school_id, year)
    proposal = matching.propose_circles(
        inputs.matching_students,
        inputs.matching_mentors,
        target_size=sizes.target,
        min_size=sizes.min,
        max_size=sizes.max,
        current_year=services.local_today().year,
        programme_names=inputs.programme_names,
    )
    taken: Counter = Counter()
    circles = [
        DraftCircle(
            number=index,
            name=_default_name(list(c.students), inputs, taken),
            mentor_id=c.mentor_id,
            student_ids=list(c.students),
            score=c.score,
            reasons=reason_texts(c.reason_parts),
        )
        for index, c in enumerate(proposal.circles, start=1)
    ]
    unplaced_reason = unplaced_text(proposal.unplaced_code, proposal.unplaced_params, proposal.unplaced_reason)
    return Draft(sizes, inputs, circles, list(proposal.unplaced), unplaced_reason, figures=proposal.figures)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def draft_from_form(school_id: int, year: str, form) -> Draft:
    """The coordinator's adjusted draft from the submitted form, scored again."""
    sizes, size_error = Sizes.parse(form)
    inputs = gather(school_id, year)
    count = max(0, min(MAX_CIRCLES, _int(form.get("aantal")) or 0))
    circles = [
        DraftCircle(
            number=n,
            name=(form.get(f"naam-{n}") or "").strip()[:120],
            mentor_id=_int(form.get(f"mentor-{n}")) or None,
            student_ids=[],
        )
        for n in range(1, count + 1)
    ]
    draft = Draft(sizes, inputs, circles, [])
    if size_error:
        draft.errors.append(size_error)
    for profile in inputs.students:
        chosen = _int(form.get(f"studente-{profile.user_id}")) or 0
        if 1 <= chosen <= count:
            circles[chosen - 1].student_ids.append(profile.user_id)
        else:
            draft.unplaced.append(profile.user_id)
    evaluate(draft)
    return draft


def evaluate(draft: Draft) -> None:
    """Scores and reasons of the circles as they stand now (empty circles are left out)."""
    filled = [c for c in draft.circles if c.student_ids]
    known_mentors = {m.id for m in draft.inputs.matching_mentors}
    groups = [(c.student_ids, c.mentor_id if c.mentor_id in known_mentors else None) for c in filled]
    try:
        scored, figures = matching.evaluate_circles(
            groups,
            draft.inputs.matching_students,
            draft.inputs.matching_mentors,
            current_year=services.local_today().year,
            min_size=draft.sizes.min,
            max_size=draft.sizes.max,
            programme_names=draft.inputs.programme_names,
        )
    except matching.FormationError as error:
        draft.errors.append(str(error))
        return
    for circle, result in zip(filled, scored, strict=True):
        circle.score = result.score
        circle.reasons = reason_texts(result.reason_parts)
    for circle in draft.circles:
        if not circle.student_ids:
            circle.score, circle.reasons = None, []
    draft.figures = figures


def problems(draft: Draft) -> list[str]:
    """What stops creating this draft (beyond the scores)."""
    messages = list(draft.errors)
    filled = [c for c in draft.circles if c.student_ids]
    if not filled:
        messages.append(_("Er is nog geen kring met studentes."))
    used: Counter = Counter()
    for circle in filled:
        label = circle.name or _("kring %(number)s", number=circle.number)
        if not circle.name:
            messages.append(_("Geef kring %(number)s een naam.", number=circle.number))
        if circle.mentor_id is None:
            messages.append(_("Kies een mentor voor %(name)s.", name=label))
        elif circle.mentor_id not in draft.inputs.mentor_by_id:
            messages.append(_("De mentor van %(name)s is niet (meer) beschikbaar.", name=label))
        else:
            used[circle.mentor_id] += 1
        if len(circle.student_ids) > 30:
            messages.append(_("%(name)s is te groot: hoogstens 30 studentes.", name=label))
    for mentor_id, times in used.items():
        room = draft.inputs.room(mentor_id)
        if times > room:
            name = draft.inputs.mentor_by_id[mentor_id].user.first_name
            messages.append(
                _("%(name)s kan dit schooljaar nog %(room)s kring(en) begeleiden, niet %(count)s.", name=name, room=room, count=times)
            )
    return messages


def create(school_id: int, year: str, draft: Draft, actor: User) -> list[MentoringCircle]:
    """Create every circle of the draft at once: open, the studentes in, mentors told. Commits.

    The studentes' requests are removed in the same transaction with a guarded DELETE, so a
    second submit of the same draft (or another coordinator at the same time) cannot place a
    studente twice.
    """
    found = problems(draft)
    if found:
        raise FormationProblem(found)
    filled = [c for c in draft.circles if c.student_ids]
    placed = [s for c in filled for s in c.student_ids]
    removed = db.session.execute(
        delete(CircleRequest)
        .where(CircleRequest.school_id == school_id, CircleRequest.school_year == year, CircleRequest.student_id.in_(placed))
        .execution_options(synchronize_session=False)
    )
    if removed.rowcount != len(placed):
        db.session.rollback()
        raise FormationProblem([_("Een deel van deze studentes is net al ingedeeld. Bekijk het voorstel opnieuw.")])
    students = draft.inputs.student_by_id
    created = []
    now = utcnow()
    for circle_draft in filled:
        programmes = {students[s].programme_id for s in circle_draft.student_ids}
        size = len(circle_draft.student_ids)
        circle = MentoringCircle(
            school_id=school_id,
            programme_id=programmes.pop() if len(programmes) == 1 else None,
            mentor_id=circle_draft.mentor_id,
            name=circle_draft.name,
            theme="",
            description="",
            capacity=min(30, max(size, draft.sizes.max)),
            seats_taken=size,
            status="open",
            invite_only=False,
            school_year=year,
        )
        db.session.add(circle)
        db.session.flush()
        for student_id in circle_draft.student_ids:
            db.session.add(CircleMembership(circle_id=circle.id, student_id=student_id, status="joined", created_at=now, joined_at=now))
        created.append(circle)
    db.session.flush()
    for circle in created:
        for membership in services.members(circle.id):
            services._queue_welcome(circle, membership.student, "placed")  # noqa: SLF001 - same area
        services._queue_mentor_assigned(circle, circle.mentor)  # noqa: SLF001
        record("circle.created", school_id=school_id, obj=circle, name=circle.name, formed=True, size=circle.seats_taken)
    record("circles.formed", school_id=school_id, circles=len(created), students=len(placed), unplaced=len(draft.unplaced))
    db.session.commit()
    return created
