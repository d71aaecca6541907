"""Buddy matching for one school: gather candidates, run, lock and forbid, approve, end pairs.

The matching itself is the pure function `webapp.matching.buddies.match`; this module turns the
school's StudentProfile rows into its `Candidate` objects, keeps every run (MatchRun: who, when,
settings, figures, who stayed unmatched and why) and its proposed pairs (BuddyPair), and does the
writes with their access checks, audit events and e-mail.

Who takes part
    Only active studentes (StudentProfile.status 'active') of the coordinator's school.
    Mentees: `wants_buddy` and no active pair as mentee. Buddies: `volunteers_as_buddy` with a
    `buddy_capacity` of 1 to 3; her active pairs use her seats. Every studente in Kring is a
    woman, so `cohort_counts` (for "the only one of her programme and year") counts all active
    studentes of the school per (programme, year), in one GROUP BY query. The candidates are
    built with a fixed number of queries, whatever the number of studentes.

The life of a proposal
    A run creates a MatchRun with status 'proposed' and BuddyPairs with status 'proposed'; the
    previous proposal of the school (its run and its pairs) becomes 'discarded'. A locked
    proposed pair is kept in the next run; a forbidden pair (BuddyForbiddenPair) is never
    proposed again and its proposed pair is discarded at once. Approval makes the run
    'approved' and its pairs 'active' (a pair that no longer holds, e.g. the mentee withdrew
    her wish, is discarded instead), and e-mails both studentes of each pair once: the other's
    first name, programme and year, and how to meet; her e-mail address or phone number only
    when she chose to share it (`public_student_view`).

Ending a pair
    The buddy, the mentee or a coordinator ends an active pair with a short reason (kept in the
    pair's end fields and shown to the coordinator; an audit event records who ended it). The
    other studente (both, when the coordinator ended it) gets an e-mail without the reason. The
    mentee's `wants_buddy` is switched off, so she is not matched again unless she asks for a new
    buddy (at once while ending, or later on her buddy page); the next run then matches her
    without touching active pairs.

Guardian consent
    A buddy is always a studente of the same school (the matching never pairs across schools), so
    a student under 16 without a parent's consent may take part: `needs_guardian_consent` guards
    activities with people from outside the school and is deliberately not applied here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload

from webapp.audit.services import record
from webapp.auth.models import User
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.extensions import db
from webapp.buddies.labels import WEIGHT_LABELS
from webapp.buddies.reasons import reason_data, unmatched_text
from webapp.matching.buddies import CRITERIA, DEFAULT_WEIGHTS, Candidate, MatchError, Weights, match
from webapp.modeltools import utcnow
from webapp.outbox.services import queue_email
from webapp.people.models import Programme, School, StudentProfile
from webapp.people.vocabulary import INTERESTS, LANGUAGES, REGIONS
from webapp.urls import absolute_url

REASON_MAX = 300
RUNS_PER_PAGE = 25
CONTACTS = ("school", "online")


class BuddyError(ValueError):
    """An action that cannot be done; the message is shown to the person who tried."""


# --- gathering the candidates -------------------------------------------------------------------


@dataclass
class Inputs:
    """Everything `match` needs for one school, plus the profiles to show names."""

    school_id: int
    mentees: list[Candidate]
    buddies: list[Candidate]
    active: list[tuple[int, int]]
    locked: list[tuple[int, int]]
    forbidden: list[tuple[int, int]]
    cohort_counts: dict[tuple[int, int], int]
    profiles: dict[int, StudentProfile]


class KeyOf:
    """Free tags that are a Dutch label of the vocabulary ("duurzame energie") as that key.

    A tag typed as a free interest may be the Dutch word of a key; it counts as that key, as it
    did when the matching compared Dutch words, and reads in the reader's language.
    """

    VOCABULARIES = {"interests": INTERESTS, "languages": LANGUAGES, "regions": REGIONS}

    def __init__(self) -> None:
        with force_locale("nl"):
            self.maps = {
                name: {str(word): key for key, word in vocabulary.items()} for name, vocabulary in self.VOCABULARIES.items()
            }

    def __call__(self, name: str, value: str) -> str:
        return value if value in self.VOCABULARIES[name] else self.maps[name].get(value, value)


def candidate_of(profile: StudentProfile, programme_name: str = "", key_of: KeyOf | None = None) -> Candidate:
    """A profile as a matching candidate.

    Interests, languages and regions go in as their keys (a Dutch word of a key as that key, see
    `KeyOf`), and so do the reasons the pair keeps: they are put into words when shown, in the
    reader's language (`webapp.buddies.reasons`). Unknown values in the stored preferences are
    ignored rather than failing the whole run. The first name is left out, so the stored reasons
    name nobody ("belangrijk voor de mentee: opleiding").
    """
    key_of = key_of or KeyOf()
    prefs = profile.buddy_preferences or {}
    contact = prefs.get("contact")
    region = prefs.get("region")
    return Candidate(
        id=profile.user_id,
        school_id=profile.school_id,
        year=profile.year,
        programme_id=profile.programme_id,
        programme_name=programme_name,
        # No name: the reasons are stored with the pair, and say "de mentee" / "de buddy" instead.
        first_name="",
        interests=frozenset(key_of("interests", tag) for tag in profile.interests or [] if isinstance(tag, str)),
        languages=frozenset(key_of("languages", code) for code in prefs.get("languages") or [] if isinstance(code, str)),
        region=key_of("regions", region) if isinstance(region, str) and region else None,
        contact=contact if contact in CONTACTS else None,
        matters=frozenset(c for c in prefs.get("matters") or [] if c in CRITERIA),
        capacity=max(0, min(3, profile.buddy_capacity or 0)),
    )


def _opted_in_profiles(school_id: int) -> list[StudentProfile]:
    """Active studentes of the school who want a buddy or volunteer as one: one query."""
    query = (
        select(StudentProfile)
        .outerjoin(Programme, Programme.id == StudentProfile.programme_id)
        .options(contains_eager(StudentProfile.programme))
        .where(
            StudentProfile.school_id == school_id,
            StudentProfile.status == "active",
            or_(
                StudentProfile.wants_buddy.is_(True),
                and_(StudentProfile.volunteers_as_buddy.is_(True), StudentProfile.buddy_capacity > 0),
            ),
        )
        .order_by(StudentProfile.user_id)
    )
    return list(db.session.scalars(query))


def _pair_ids(*conditions) -> list[tuple[int, int]]:
    rows = db.session.execute(select(BuddyPair.buddy_id, BuddyPair.mentee_id).where(*conditions).order_by(BuddyPair.id))
    return [(b, m) for b, m in rows]


def cohort_counts(school_id: int) -> dict[tuple[int, int], int]:
    """Active studentes of the school per (programme_id, year), in one GROUP BY query."""
    rows = db.session.execute(
        select(StudentProfile.programme_id, StudentProfile.year, func.count())
        .where(
            StudentProfile.school_id == school_id,
            StudentProfile.status == "active",
            StudentProfile.programme_id.is_not(None),
        )
        .group_by(StudentProfile.programme_id, StudentProfile.year)
    )
    return {(programme_id, year): count for programme_id, year, count in rows}


def gather(school_id: int) -> Inputs:
    """The matching input of a school, with a fixed number of queries (no query per studente)."""
    profiles = _opted_in_profiles(school_id)
    active = _pair_ids(BuddyPair.school_id == school_id, BuddyPair.status == "active")
    locked = _pair_ids(BuddyPair.school_id == school_id, BuddyPair.status == "proposed", BuddyPair.locked.is_(True))
    forbidden = [
        (b, m)
        for b, m in db.session.execute(
            select(BuddyForbiddenPair.buddy_id, BuddyForbiddenPair.mentee_id)
            .where(BuddyForbiddenPair.school_id == school_id)
            .order_by(BuddyForbiddenPair.id)
        )
    ]
    counts = cohort_counts(school_id)
    with_active_pair = {m for _, m in active}
    mentees: list[Candidate] = []
    buddies: list[Candidate] = []
    key_of = KeyOf()
    candidates = [candidate_of(p, p.programme.name if p.programme else "", key_of) for p in profiles]
    for profile, candidate in zip(profiles, candidates):
        if profile.wants_buddy and profile.user_id not in with_active_pair:
            mentees.append(candidate)
        if profile.volunteers_as_buddy and candidate.capacity > 0 and profile.year >= 2:
            buddies.append(candidate)
    return Inputs(
        school_id=school_id,
        mentees=mentees,
        buddies=buddies,
        active=active,
        locked=locked,
        forbidden=forbidden,
        cohort_counts=counts,
        profiles={p.user_id: p for p in profiles},
    )


def _usable_locks(inputs: Inputs) -> tuple[list[tuple[int, int]], list[dict[str, Any]]]:
    """Locks that still hold; the others are dropped with a reason (data changed since the lock)."""
    mentees = {m.id: m for m in inputs.mentees}
    buddies = {b.id: b for b in inputs.buddies}
    forbidden = set(inputs.forbidden)
    active_mentees = {m for _, m in inputs.active}
    used = Counter(b for b, _ in inputs.active)
    locked_mentees: set[int] = set()
    keep: list[tuple[int, int]] = []
    dropped: list[dict[str, Any]] = []
    for b_id, m_id in inputs.locked:
        buddy, mentee = buddies.get(b_id), mentees.get(m_id)
        reason = None
        if m_id in active_mentees:
            reason = "mentee_has_buddy"
        elif mentee is None:
            reason = "mentee_out"
        elif buddy is None:
            reason = "buddy_out"
        elif buddy.year <= mentee.year:
            reason = "year"
        elif (b_id, m_id) in forbidden:
            reason = "forbidden"
        elif m_id in locked_mentees:
            reason = "twice"
        elif used[b_id] >= buddy.capacity:
            reason = "full"
        if reason:
            dropped.append({"buddy_id": b_id, "mentee_id": m_id, "reason": reason})
            continue
        keep.append((b_id, m_id))
        locked_mentees.add(m_id)
        used[b_id] += 1
    return keep, dropped


DROPPED_LOCK_REASONS = {
    "mentee_has_buddy": _l("de mentee heeft inmiddels een buddy"),
    "mentee_out": _l("de mentee wil geen buddy meer of studeert niet meer"),
    "buddy_out": _l("de buddy doet niet meer mee of studeert niet meer"),
    "year": _l("de buddy zit niet meer in een hoger jaar"),
    "forbidden": _l("het koppel is uitgesloten"),
    "twice": _l("de mentee was aan twee buddy's vastgezet"),
    "full": _l("de buddy heeft geen plek meer"),
}


# --- running ------------------------------------------------------------------------------------


def _lock_school(school_id: int) -> None:
    """Serialise buddy writes of one school (runs, approvals) on PostgreSQL; SQLite serialises writes itself."""
    db.session.execute(select(School.id).where(School.id == school_id).with_for_update())


def run_match(school_id: int, actor: User, weights: Weights = DEFAULT_WEIGHTS) -> MatchRun:
    """Run the matching and keep it as the school's new proposal; commits.

    Locked proposed pairs are kept (a lock that no longer holds is dropped and listed in the
    run's settings), forbidden pairs are never proposed, active pairs stay as they are and use
    their buddy's seats. The previous proposal is discarded.
    """
    _lock_school(school_id)
    inputs = gather(school_id)
    locked, dropped = _usable_locks(inputs)
    try:
        result = match(
            inputs.mentees,
            inputs.buddies,
            weights,
            locked=locked,
            forbidden=inputs.forbidden,
            active=inputs.active,
            cohort_counts=inputs.cohort_counts,
        )
    except MatchError as error:
        raise BuddyError(str(error)) from error

    now = utcnow()
    db.session.execute(
        update(BuddyPair)
        .where(BuddyPair.school_id == school_id, BuddyPair.status == "proposed")
        .values(status="discarded", locked=False)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(MatchRun)
        .where(MatchRun.school_id == school_id, MatchRun.status == "proposed")
        .values(status="discarded")
        .execution_options(synchronize_session=False)
    )
    run = MatchRun(
        school_id=school_id,
        run_by_id=actor.id,
        created_at=now,
        status="proposed",
        settings={
            "weights": weights.to_dict(),
            "default_weights": weights == DEFAULT_WEIGHTS,
            "locked": [list(pair) for pair in locked],
            "forbidden": [list(pair) for pair in inputs.forbidden],
            "dropped_locks": dropped,
        },
        figures=dict(result.figures),
        # Codes only: the reason is put into words when shown, in the reader's language.
        unmatched=[{"mentee_id": m_id, "codes": list(codes)} for m_id, codes in result.unmatched_codes.items()],
    )
    db.session.add(run)
    db.session.flush()
    for pair in result.pairs:
        db.session.add(
            BuddyPair(
                school_id=school_id,
                buddy_id=pair.buddy_id,
                mentee_id=pair.mentee_id,
                match_run_id=run.id,
                status="proposed",
                locked=pair.locked,
                score=float(pair.score),
                reasons=reason_data(pair.reason_parts),
                created_at=now,
            )
        )
    record(
        "buddy_run.created",
        school_id=school_id,
        obj=run,
        actor_id=actor.id,
        matched=result.figures.get("matched", 0),
        unmatched=result.figures.get("unmatched", 0),
    )
    db.session.commit()  # expires everything, so the bulk updates above are seen
    return run


def current_proposal(school_id: int) -> MatchRun | None:
    return db.session.scalar(
        select(MatchRun)
        .where(MatchRun.school_id == school_id, MatchRun.status == "proposed")
        .order_by(MatchRun.created_at.desc(), MatchRun.id.desc())
        .limit(1)
    )


def weights_of(run: MatchRun | None) -> Weights:
    """The weights a run used (the defaults for a run without valid stored weights)."""
    if run is None:
        return DEFAULT_WEIGHTS
    try:
        return Weights.from_dict((run.settings or {}).get("weights") or {})
    except (TypeError, ValueError):
        return DEFAULT_WEIGHTS


def weight_rows(weights: Weights) -> list[tuple[str, str, int, int]]:
    """(name, label in the reader's language, value, default) per weight, for the settings on a run's page."""
    defaults = DEFAULT_WEIGHTS.to_dict()
    return [(name, WEIGHT_LABELS.get(name, name), value, defaults.get(name, value)) for name, value in weights.to_dict().items()]


def dropped_lock_text(item: dict) -> str:
    return str(DROPPED_LOCK_REASONS.get(item.get("reason"), item.get("reason", "")))


# --- lock and forbid ----------------------------------------------------------------------------


def _proposed(pair: BuddyPair) -> None:
    if pair.status != "proposed":
        raise BuddyError(_("Dit koppel staat niet meer in het voorstel. Laad de pagina opnieuw."))


def toggle_lock(pair: BuddyPair) -> BuddyPair:
    """Lock a proposed pair (kept in the next run) or unlock it; commits."""
    _proposed(pair)
    pair.locked = not pair.locked
    db.session.commit()
    return pair


def forbid_pair(pair: BuddyPair, actor: User) -> BuddyForbiddenPair:
    """Never pair these two again; the proposed pair leaves the proposal. Commits."""
    _proposed(pair)
    row = db.session.scalar(
        select(BuddyForbiddenPair).where(BuddyForbiddenPair.buddy_id == pair.buddy_id, BuddyForbiddenPair.mentee_id == pair.mentee_id)
    )
    if row is None:
        row = BuddyForbiddenPair(school_id=pair.school_id, buddy_id=pair.buddy_id, mentee_id=pair.mentee_id, created_by_id=actor.id)
        db.session.add(row)
    pair.status = "discarded"
    pair.locked = False
    db.session.flush()
    record("buddy_pair.forbidden", subject_user_id=pair.mentee_id, school_id=pair.school_id, obj=row, actor_id=actor.id, buddy_id=pair.buddy_id)
    db.session.commit()
    return row


def allow_pair(row: BuddyForbiddenPair, actor: User) -> None:
    """Lift a 'never together'; commits."""
    record("buddy_pair.allowed", subject_user_id=row.mentee_id, school_id=row.school_id, obj=row, actor_id=actor.id, buddy_id=row.buddy_id)
    db.session.delete(row)
    db.session.commit()


def forbidden_pairs(school_id: int) -> list[BuddyForbiddenPair]:
    return list(
        db.session.scalars(
            select(BuddyForbiddenPair)
            .where(BuddyForbiddenPair.school_id == school_id)
            .order_by(BuddyForbiddenPair.created_at.desc(), BuddyForbiddenPair.id.desc())
        )
    )


# --- approval and the introduction ---------------------------------------------------------------


@dataclass
class Approval:
    activated: list[BuddyPair] = field(default_factory=list)
    skipped: list[tuple[BuddyPair, str]] = field(default_factory=list)


def profiles_of(user_ids: Iterable[int]) -> dict[int, StudentProfile]:
    """Student profiles with user and programme, in one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(StudentProfile)
        .outerjoin(Programme, Programme.id == StudentProfile.programme_id)
        .options(contains_eager(StudentProfile.programme))
        .where(StudentProfile.user_id.in_(ids))
    )
    return {p.user_id: p for p in rows}


def active_counts(buddy_ids: Iterable[int]) -> Counter:
    ids = sorted(set(buddy_ids))
    if not ids:
        return Counter()
    rows = db.session.execute(
        select(BuddyPair.buddy_id, func.count()).where(BuddyPair.buddy_id.in_(ids), BuddyPair.status == "active").group_by(BuddyPair.buddy_id)
    )
    return Counter(dict(rows.all()))


def _approval_problem(pair: BuddyPair, profiles: dict[int, StudentProfile], used: Counter, matched: set[int]) -> str | None:
    buddy, mentee = profiles.get(pair.buddy_id), profiles.get(pair.mentee_id)
    if mentee is None or mentee.status != "active" or mentee.school_id != pair.school_id:
        return _("de mentee studeert niet meer op school")
    if buddy is None or buddy.status != "active" or buddy.school_id != pair.school_id:
        return _("de buddy studeert niet meer op school")
    if not mentee.wants_buddy:
        return _("de mentee wil geen buddy meer")
    if not buddy.volunteers_as_buddy:
        return _("de buddy wil geen buddy meer zijn")
    if pair.mentee_id in matched:
        return _("de mentee heeft al een buddy")
    if used[pair.buddy_id] >= (buddy.buddy_capacity or 0):
        return _("de buddy heeft geen plek meer")
    return None


def approve_run(run: MatchRun, actor: User) -> Approval:
    """Make the proposal's pairs active and introduce each pair by e-mail, exactly once; commits.

    A pair that no longer holds (someone left, withdrew, or the buddy is full) is discarded and
    reported. A second approval of the same run (a double click, two coordinators) is refused.
    """
    _lock_school(run.school_id)
    now = utcnow()
    claimed = db.session.execute(
        update(MatchRun)
        .where(MatchRun.id == run.id, MatchRun.status == "proposed")
        .values(status="approved", approved_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise BuddyError(_("Dit voorstel is al goedgekeurd of vervangen door een nieuwer voorstel."))
    pairs = list(
        db.session.scalars(
            select(BuddyPair)
            .where(BuddyPair.match_run_id == run.id, BuddyPair.status == "proposed")
            .order_by(BuddyPair.locked.desc(), BuddyPair.score.desc(), BuddyPair.id)
        )
    )
    if not pairs:
        db.session.rollback()
        raise BuddyError(_("Er staan geen koppels in dit voorstel. Deel opnieuw in of gooi het voorstel weg."))
    profiles = profiles_of([p.buddy_id for p in pairs] + [p.mentee_id for p in pairs])
    used = active_counts(p.buddy_id for p in pairs)
    matched = set(
        db.session.scalars(
            select(BuddyPair.mentee_id).where(BuddyPair.mentee_id.in_([p.mentee_id for p in pairs]), BuddyPair.status == "active")
        )
    )
    result = Approval()
    for pair in pairs:
        problem = _approval_problem(pair, profiles, used, matched)
        if problem:
            pair.status = "discarded"
            pair.locked = False
            result.skipped.append((pair, problem))
            continue
        pair.status = "active"
        pair.approved_at = now
        used[pair.buddy_id] += 1
        matched.add(pair.mentee_id)
        result.activated.append(pair)
        _introduce(pair, profiles[pair.buddy_id], profiles[pair.mentee_id], actor)
    figures = dict(run.figures or {})
    figures["approved_pairs"] = len(result.activated)
    figures["skipped_at_approval"] = len(result.skipped)
    run.figures = figures
    record(
        "buddy_run.approved",
        school_id=run.school_id,
        obj=run,
        actor_id=actor.id,
        pairs=len(result.activated),
        skipped=len(result.skipped),
    )
    db.session.commit()
    return result


def discard_run(run: MatchRun, actor: User) -> None:
    """Throw the proposal away (locks included); forbidden pairs stay. Commits."""
    if run.status != "proposed":
        raise BuddyError(_("Dit voorstel is al goedgekeurd of vervangen door een nieuwer voorstel."))
    run.status = "discarded"
    db.session.execute(
        update(BuddyPair)
        .where(BuddyPair.match_run_id == run.id, BuddyPair.status == "proposed")
        .values(status="discarded", locked=False)
        .execution_options(synchronize_session=False)
    )
    record("buddy_run.discarded", school_id=run.school_id, obj=run, actor_id=actor.id)
    db.session.commit()


def how_to_meet(mine: str | None, theirs: str | None) -> str:
    """A code for how two studentes can meet, from their contact preferences.

    'school' or 'online' when that suits both (one of them may have no preference), 'either'
    when neither has a preference, 'talk' when one prefers school and the other online.
    """
    if mine and theirs and mine != theirs:
        return "talk"
    return mine or theirs or "either"


def contact_of(profile: StudentProfile) -> str | None:
    contact = (profile.buddy_preferences or {}).get("contact")
    return contact if contact in CONTACTS else None


def _introduce(pair: BuddyPair, buddy: StudentProfile, mentee: StudentProfile, coordinator: User) -> None:
    """One e-mail to each of the two: the other's first name, programme, year, and how to meet."""
    from webapp.privacy.services import public_student_view

    for me, other, role in ((mentee, buddy, "mentee"), (buddy, mentee, "buddy")):
        view = public_student_view(other, me.user)
        subject = (
            _l("Maak kennis met je buddy %(name)s", name=view["first_name"])
            if role == "mentee"
            else _l("Je bent buddy van %(name)s", name=view["first_name"])
        )
        queue_email(
            me.user.email,
            "buddies_introduction",
            subject,
            locale=me.user.locale,
            user=me.user,
            role=role,
            other=_shareable(view),
            meet=how_to_meet(contact_of(me), contact_of(other)),
            other_contact=contact_of(other),
            coordinator_name=coordinator.full_name,
            link=absolute_url("buddies.mine"),
        )


def _shareable(view: dict) -> dict:
    """Only what a buddy gets to see: first name, programme, year, and shared e-mail or phone."""
    return {key: view.get(key) for key in ("first_name", "programme", "year", "email", "phone")}


# --- ending a pair ------------------------------------------------------------------------------


def role_in(pair: BuddyPair, user: User) -> str | None:
    if pair.buddy_id == user.id:
        return "buddy"
    if pair.mentee_id == user.id:
        return "mentee"
    return None


def end_pair(
    pair: BuddyPair,
    actor: User,
    reason: str,
    *,
    by: str,
    wants_new: bool = False,
    stop_volunteering: bool = False,
) -> BuddyPair:
    """End an active pair; `by` is 'buddy', 'mentee' or 'coordinator'. Commits.

    The other studente (both, when a coordinator ends it) is told by e-mail, without the reason.
    The mentee is no longer waiting for a buddy unless `wants_new` (she, or the coordinator on her
    behalf, asks for a new one). A buddy may stop volunteering at the same time.
    """
    from webapp.privacy.services import is_erased

    if by not in ("buddy", "mentee", "coordinator"):
        raise ValueError(by)
    reason = " ".join((reason or "").split())
    if not reason:
        raise BuddyError(_("Schrijf kort waarom het koppel stopt."))
    if len(reason) > REASON_MAX:
        raise BuddyError(_("Maximaal %(max)s tekens.", max=REASON_MAX))
    now = utcnow()
    done = db.session.execute(
        update(BuddyPair)
        .where(BuddyPair.id == pair.id, BuddyPair.status == "active")
        .values(status="ended", ended_at=now, ended_by_id=actor.id, end_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        db.session.rollback()
        raise BuddyError(_("Dit koppel is al beëindigd."))
    db.session.refresh(pair)
    profiles = profiles_of([pair.buddy_id, pair.mentee_id])
    mentee, buddy = profiles.get(pair.mentee_id), profiles.get(pair.buddy_id)
    if mentee is not None:
        mentee.wants_buddy = bool(wants_new) and mentee.status == "active"
    if stop_volunteering and by == "buddy" and buddy is not None:
        buddy.volunteers_as_buddy = False
        buddy.buddy_capacity = 0
    record(
        "buddy_pair.ended",
        subject_user_id=pair.mentee_id,
        school_id=pair.school_id,
        obj=pair,
        actor_id=actor.id,
        by=by,
        buddy_id=pair.buddy_id,
    )
    notify = {"buddy": ["mentee"], "mentee": ["buddy"], "coordinator": ["buddy", "mentee"]}[by]
    for role in notify:
        me, other = (buddy, mentee) if role == "buddy" else (mentee, buddy)
        if me is None or other is None or is_erased(me.user):
            continue
        queue_email(
            me.user.email,
            "buddies_ended",
            _l("Je buddykoppel met %(name)s is gestopt", name=other.user.first_name),
            locale=me.user.locale,
            user=me.user,
            role=role,
            other_name=other.user.first_name,
            by=by,
            waiting=role == "mentee" and me.wants_buddy,
            link=absolute_url("buddies.mine"),
        )
    db.session.commit()
    return pair


# --- the studente's own wishes ------------------------------------------------------------------


def active_pair_as_mentee(user_id: int) -> BuddyPair | None:
    return db.session.scalar(select(BuddyPair).where(BuddyPair.mentee_id == user_id, BuddyPair.status == "active").limit(1))


def ask_for_buddy(profile: StudentProfile) -> None:
    """She asks for a (new) buddy: the next run matches her. Commits."""
    if profile.status != "active":
        raise BuddyError(_("Alleen studentes die nu op school zitten kunnen een buddy krijgen."))
    if active_pair_as_mentee(profile.user_id) is not None:
        raise BuddyError(_("Je hebt al een buddy. Wil je een andere? Stop dan eerst het koppel met je buddy."))
    if not profile.wants_buddy:
        profile.wants_buddy = True
        record("buddy.requested", subject_user_id=profile.user_id, school_id=profile.school_id, actor_id=profile.user_id)
    db.session.commit()


def withdraw_wish(profile: StudentProfile) -> None:
    """She no longer wants to be matched; a running pair stays. Commits."""
    if profile.wants_buddy:
        profile.wants_buddy = False
        record("buddy.withdrawn", subject_user_id=profile.user_id, school_id=profile.school_id, actor_id=profile.user_id)
    db.session.commit()


@dataclass
class PairView:
    """A pair from one studente's side: the other as she may see her."""

    pair: BuddyPair
    role: str  # her role: 'buddy' or 'mentee'
    other: dict
    meet: str


def student_overview(user: User) -> dict:
    """What her buddy page shows: her buddy, her mentees, her wish, her free seats."""
    from webapp.privacy.services import public_student_view

    profile = db.session.get(StudentProfile, user.id)
    if profile is None:
        return {"profile": None}
    pairs = list(
        db.session.scalars(
            select(BuddyPair)
            .where(or_(BuddyPair.buddy_id == user.id, BuddyPair.mentee_id == user.id), BuddyPair.status.in_(("active", "ended")))
            .order_by(BuddyPair.approved_at.desc(), BuddyPair.id.desc())
        )
    )
    active = [p for p in pairs if p.status == "active"]
    others = profiles_of([p.mentee_id if p.buddy_id == user.id else p.buddy_id for p in active])
    mine = contact_of(profile)
    views: list[PairView] = []
    for p in active:
        role = "buddy" if p.buddy_id == user.id else "mentee"
        other = others.get(p.mentee_id if role == "buddy" else p.buddy_id)
        if other is None:
            continue
        views.append(PairView(p, role, _shareable(public_student_view(other, user)), how_to_meet(mine, contact_of(other))))
    my_buddy = next((v for v in views if v.role == "mentee"), None)
    mentees = [v for v in views if v.role == "buddy"]
    ended_as_mentee = next((p for p in pairs if p.status == "ended" and p.mentee_id == user.id), None)
    seats = (profile.buddy_capacity or 0) if profile.volunteers_as_buddy else 0
    return {
        "profile": profile,
        "my_buddy": my_buddy,
        "mentees": mentees,
        "waiting": profile.wants_buddy and my_buddy is None and profile.status == "active",
        "had_buddy": ended_as_mentee is not None,
        "free_seats": max(0, seats - len(mentees)),
        "can_volunteer": profile.year >= 2,
    }


def own_active_pair(pair_id: int, user: User) -> BuddyPair | None:
    """Her own active pair by id, or None (another's pair is never found)."""
    pair = db.session.get(BuddyPair, pair_id)
    if pair is None or pair.status != "active" or role_in(pair, user) is None:
        return None
    return pair


# --- the coordinator's pages --------------------------------------------------------------------


@dataclass
class PairRow:
    pair: BuddyPair
    buddy: StudentProfile | None
    mentee: StudentProfile | None


def pair_rows(pairs: list[BuddyPair]) -> list[PairRow]:
    profiles = profiles_of([p.buddy_id for p in pairs] + [p.mentee_id for p in pairs])
    return [PairRow(p, profiles.get(p.buddy_id), profiles.get(p.mentee_id)) for p in pairs]


def pair_row(pair: BuddyPair) -> PairRow:
    return pair_rows([pair])[0]


@dataclass
class UnmatchedRow:
    profile: StudentProfile | None
    mentee_id: int
    reason: str


@dataclass
class RunView:
    run: MatchRun
    rows: list[PairRow]
    unmatched: list[UnmatchedRow]
    weights: list[tuple[str, str, int, int]]
    dropped: list[tuple[StudentProfile | None, StudentProfile | None, str]]
    forbidden: list[tuple[BuddyForbiddenPair, StudentProfile | None, StudentProfile | None]]
    status_counts: Counter


def _name_key(profile: StudentProfile | None) -> tuple:
    if profile is None:
        return ("", "", 0)
    return (profile.user.last_name.lower(), profile.user.first_name.lower(), profile.user_id)


def run_view(run: MatchRun) -> RunView:
    """Everything a run's page shows, with a fixed number of queries."""
    pairs = list(
        db.session.scalars(
            select(BuddyPair).where(BuddyPair.match_run_id == run.id).order_by(BuddyPair.locked.desc(), BuddyPair.score.desc(), BuddyPair.id)
        )
    )
    dropped_items = (run.settings or {}).get("dropped_locks") or []
    forbidden = forbidden_pairs(run.school_id) if run.status == "proposed" else []
    ids = [p.buddy_id for p in pairs] + [p.mentee_id for p in pairs] + [u["mentee_id"] for u in run.unmatched or []]
    ids += [d["buddy_id"] for d in dropped_items] + [d["mentee_id"] for d in dropped_items]
    ids += [f.buddy_id for f in forbidden] + [f.mentee_id for f in forbidden]
    profiles = profiles_of(ids)
    rows = [PairRow(p, profiles.get(p.buddy_id), profiles.get(p.mentee_id)) for p in pairs]
    if run.status == "proposed":
        rows = [r for r in rows if r.pair.status == "proposed"]
    unmatched = sorted(
        (UnmatchedRow(profiles.get(u["mentee_id"]), u["mentee_id"], unmatched_text(u)) for u in run.unmatched or []),
        key=lambda u: _name_key(u.profile),
    )
    return RunView(
        run=run,
        rows=rows,
        unmatched=unmatched,
        weights=weight_rows(weights_of(run)),
        dropped=[(profiles.get(d["buddy_id"]), profiles.get(d["mentee_id"]), dropped_lock_text(d)) for d in dropped_items],
        forbidden=[(f, profiles.get(f.buddy_id), profiles.get(f.mentee_id)) for f in forbidden],
        status_counts=Counter(p.status for p in pairs),
    )


@dataclass
class RunsPage:
    items: list[MatchRun]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def runs_page(school_id: int, page: int = 1, per_page: int = RUNS_PER_PAGE) -> RunsPage:
    total = db.session.scalar(select(func.count()).select_from(MatchRun).where(MatchRun.school_id == school_id)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            select(MatchRun)
            .options(joinedload(MatchRun.run_by))
            .where(MatchRun.school_id == school_id)
            .order_by(MatchRun.created_at.desc(), MatchRun.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return RunsPage(items, page, pages, total)


@dataclass
class Volunteer:
    profile: StudentProfile
    active: int

    @property
    def free(self) -> int:
        return max(0, (self.profile.buddy_capacity or 0) - self.active)


def overview(school_id: int) -> dict:
    """The coordinator's buddy page: active pairs, who waits, free seats, recent ends, past runs."""
    active_pairs = list(
        db.session.scalars(
            select(BuddyPair).where(BuddyPair.school_id == school_id, BuddyPair.status == "active").order_by(BuddyPair.approved_at.desc(), BuddyPair.id.desc())
        )
    )
    ended = list(
        db.session.scalars(
            select(BuddyPair)
            .where(BuddyPair.school_id == school_id, BuddyPair.status == "ended")
            .order_by(BuddyPair.ended_at.desc(), BuddyPair.id.desc())
            .limit(10)
        )
    )
    opted_in = _opted_in_profiles(school_id)
    with_buddy = {p.mentee_id for p in active_pairs}
    used = Counter(p.buddy_id for p in active_pairs)
    waiting = sorted((p for p in opted_in if p.wants_buddy and p.user_id not in with_buddy), key=_name_key)
    volunteers = sorted(
        (Volunteer(p, used[p.user_id]) for p in opted_in if p.volunteers_as_buddy and p.year >= 2 and (p.buddy_capacity or 0) > used[p.user_id]),
        key=lambda v: _name_key(v.profile),
    )
    proposal = current_proposal(school_id)
    last_runs = runs_page(school_id, 1, per_page=5)
    # Why a waiting mentee stayed unmatched in the latest run, if she was in it.
    latest = last_runs.items[0] if last_runs.items else None
    last_reason = {u["mentee_id"]: unmatched_text(u) for u in (latest.unmatched or [])} if latest else {}
    rows = pair_rows(active_pairs + ended)
    return {
        "active": rows[: len(active_pairs)],
        "ended": rows[len(active_pairs) :],
        "waiting": waiting,
        "last_reason": last_reason,
        "volunteers": volunteers,
        "free_seats": sum(v.free for v in volunteers),
        "proposal": proposal,
        "runs": last_runs,
    }


def coordinator_summary(school_id: int) -> dict:
    """Counts for the start page, in a few aggregate queries."""
    active = db.session.scalar(select(func.count()).select_from(BuddyPair).where(BuddyPair.school_id == school_id, BuddyPair.status == "active")) or 0
    with_buddy = select(BuddyPair.mentee_id).where(BuddyPair.school_id == school_id, BuddyPair.status == "active")
    waiting = db.session.scalar(
        select(func.count())
        .select_from(StudentProfile)
        .where(
            StudentProfile.school_id == school_id,
            StudentProfile.status == "active",
            StudentProfile.wants_buddy.is_(True),
            StudentProfile.user_id.not_in(with_buddy),
        )
    ) or 0
    return {"active": active, "waiting": waiting, "proposal": current_proposal(school_id)}


def start_summary(user: User) -> dict:
    """What the start page shows per role (templates/buddies/_start.html)."""
    from webapp.people.models import CoordinatorProfile

    summary: dict = {}
    if user.has_role("student"):
        overview_ = student_overview(user)
        if overview_["profile"] is not None and overview_["profile"].status == "active":
            summary["student"] = overview_
    if user.has_role("coordinator"):
        profile = db.session.get(CoordinatorProfile, user.id)
        if profile is not None:
            summary["coordinator"] = coordinator_summary(profile.school_id)
    return summary


__all__ = [
    "Approval",
    "BuddyError",
    "Inputs",
    "allow_pair",
    "approve_run",
    "ask_for_buddy",
    "candidate_of",
    "cohort_counts",
    "current_proposal",
    "discard_run",
    "end_pair",
    "forbid_pair",
    "gather",
    "overview",
    "run_match",
    "run_view",
    "runs_page",
    "student_overview",
    "toggle_lock",
    "withdraw_wish",
]
