"""Tests of the circle formation helper (webapp/matching/circles.py).

No Flask app: the module is a pure function on plain data. The brute force
below is independent code: it enumerates every set partition of the placed
studentes into circles with sizes in bounds and every mentor assignment
within capacity, and scores them with its own implementation of the
objective stated in the module docstring.
"""

from __future__ import annotations

import ast
import itertools
import random
import subprocess
import sys
import time
from collections import Counter
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import webapp.matching.circles as circles_module
from webapp.matching.circles import (
    MENTOR_OTHER_COST,
    MENTOR_RECENCY_COST,
    MENTOR_SECTOR_COST,
    RECENCY_CAP,
    SIZE_DEVIATION_COST,
    STUDENT_OTHER_COST,
    STUDENT_SECTOR_COST,
    STUDENT_YEAR_COST,
    YEAR_GAP_CAP,
    FormationError,
    Mentor,
    Proposal,
    Student,
    default_size_band,
    evaluate_circles,
    propose_circles,
)

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2026
SECTORS = ("ICT", "elektrotechniek", "bouw")
#: Programme id -> sector (a programme belongs to one sector).
PROGRAMME_SECTOR = {1: "ICT", 2: "ICT", 3: "elektrotechniek", 4: "elektrotechniek", 5: "bouw"}
NAMES = {1: "Software developer", 2: "ICT-beheer", 3: "Elektrotechniek", 4: "Mechatronica", 5: "Bouwkunde"}

# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------


@st.composite
def student_lists(draw, min_n: int = 0, max_n: int = 8) -> list[Student]:
    n = draw(st.integers(min_n, max_n))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    out = []
    for sid in ids:
        programme = draw(st.sampled_from([1, 2, 3, 4, 5, None]))
        if programme is None:
            sector = draw(st.sampled_from([*SECTORS, None]))
        else:
            sector = PROGRAMME_SECTOR[programme]
        out.append(Student(sid, programme, sector, draw(st.integers(1, 4))))
    return out


@st.composite
def mentor_lists(draw, max_m: int = 3, max_capacity: int = 2, min_m: int = 0, min_capacity: int = 0) -> list[Mentor]:
    m = draw(st.integers(min_m, max_m))
    ids = draw(st.lists(st.integers(20_000, 30_000), min_size=m, max_size=m, unique=True))
    out = []
    for mid in ids:
        programme = draw(st.sampled_from([1, 2, 3, 4, 5, 6, None]))
        sector = PROGRAMME_SECTOR.get(programme) if programme else draw(st.sampled_from([*SECTORS, None]))
        graduated = draw(st.sampled_from([None, 2005, 2015, 2020, 2023, 2025, 2026]))
        out.append(Mentor(mid, programme, sector, graduated, draw(st.integers(min_capacity, max_capacity))))
    return out


@st.composite
def size_settings(draw, max_target: int = 5) -> tuple[int, int, int]:
    target = draw(st.integers(2, max_target))
    low = draw(st.integers(2, target))
    high = draw(st.integers(target, target + 3))
    return target, low, high


# --------------------------------------------------------------------------
# Independent reference implementation of the objective
# --------------------------------------------------------------------------


def ref_counts(n: int, capacity: int, target: int, low: int, high: int) -> tuple[int, int]:
    """Circles k and placed m: place as many as possible, then mean size nearest target, then more circles."""
    options = []
    for k in range(1, capacity + 1):
        if k * low > n:
            break
        m = min(n, k * high)
        options.append((m, -abs(Fraction(m, k) - target), k))
    if not options:
        return 0, 0
    m, _, k = max(options)
    return k, m


def ref_labels(placed: list[Student]) -> list[tuple]:
    sector_votes: dict[int, Counter] = {}
    for s in placed:
        if s.programme_id is not None and s.sector is not None:
            sector_votes.setdefault(s.programme_id, Counter())[s.sector] += 1
    labels = set()
    for s in placed:
        if s.programme_id is None:
            labels.add((None, s.sector, None))
        else:
            votes = sector_votes.get(s.programme_id)
            sector = min(votes, key=lambda x: (-votes[x], x)) if votes else None
            labels.add((s.programme_id, sector, s.year))
    return sorted(labels, key=repr)


def ref_student_cost(s: Student, label: tuple) -> int:
    programme, sector, year = label
    if s.programme_id is not None and s.programme_id == programme:
        return STUDENT_YEAR_COST * min(abs(s.year - year), YEAR_GAP_CAP)
    if s.sector is not None and s.sector == sector:
        return STUDENT_SECTOR_COST
    return STUDENT_OTHER_COST


def ref_mentor_cost(m: Mentor, label: tuple) -> int:
    programme, sector, _ = label
    if m.programme_id is not None and m.programme_id == programme:
        fit = 0
    elif m.sector is not None and m.sector == sector:
        fit = MENTOR_SECTOR_COST
    else:
        fit = MENTOR_OTHER_COST
    if m.graduated_year is None:
        age = RECENCY_CAP
    else:
        age = min(max(YEAR - m.graduated_year, 0), RECENCY_CAP)
    return fit + MENTOR_RECENCY_COST * age


def ref_circle_cost(members: list[Student], mentor: Mentor, labels: list[tuple], band: tuple[int, int]) -> int:
    best = min(sum(ref_student_cost(s, lab) for s in members) + ref_mentor_cost(mentor, lab) for lab in labels)
    size = len(members)
    return best + SIZE_DEVIATION_COST * max(0, band[0] - size, size - band[1])


def set_partitions(items: list, k: int, low: int, high: int):
    """Every partition of ``items`` into exactly k blocks with sizes in [low, high]."""
    n = len(items)
    blocks: list[list] = []

    def rec(i: int):
        if len(blocks) + (n - i) < k:
            return
        if i == n:
            if len(blocks) == k and all(len(b) >= low for b in blocks):
                yield [tuple(b) for b in blocks]
            return
        for b in blocks:
            if len(b) < high:
                b.append(items[i])
                yield from rec(i + 1)
                b.pop()
        if len(blocks) < k:
            blocks.append([items[i]])
            yield from rec(i + 1)
            blocks.pop()

    yield from rec(0)


def brute_force(students, mentors, target, low, high) -> tuple[int | None, list[int]]:
    """The optimal cost over all partitions and mentor assignments, and the placed ids."""
    capacity = sum(m.capacity for m in mentors)
    k, m = ref_counts(len(students), capacity, target, low, high)
    placed = students[:m]
    if k == 0:
        return None, []
    labels = ref_labels(placed)
    band = (m // k, -(-m // k))
    usable = [x for x in mentors if x.capacity > 0]

    @lru_cache(maxsize=None)
    def block_cost(block: tuple[int, ...], mentor_index: int) -> int:
        return ref_circle_cost([placed[i] for i in block], usable[mentor_index], labels, band)

    best = None
    for partition in set_partitions(list(range(m)), k, low, high):
        for choice in itertools.product(range(len(usable)), repeat=k):
            counts = Counter(choice)
            if any(counts[i] > usable[i].capacity for i in counts):
                continue
            total = sum(block_cost(block, mi) for block, mi in zip(partition, choice))
            if best is None or total < best:
                best = total
    return best, [s.id for s in placed]


def ref_proposal_cost(proposal: Proposal, students, mentors) -> int:
    by_id = {s.id: s for s in students}
    mentor_by_id = {x.id: x for x in mentors}
    placed = [s for s in students if s.id not in set(proposal.unplaced)]
    labels = ref_labels(placed)
    k, m = len(proposal.circles), len(placed)
    band = (m // k, -(-m // k))
    return sum(
        ref_circle_cost([by_id[i] for i in c.students], mentor_by_id[c.mentor_id], labels, band)
        for c in proposal.circles
    )


# --------------------------------------------------------------------------
# Hard rules (property tests)
# --------------------------------------------------------------------------


def check_rules(proposal: Proposal, students, mentors, target, low, high) -> None:
    ids = [s.id for s in students]
    placed = [i for c in proposal.circles for i in c.students]
    # Every studente placed at most once; placed + unplaced = all.
    assert len(placed) == len(set(placed))
    assert sorted(placed + proposal.unplaced) == sorted(ids)
    assert not set(placed) & set(proposal.unplaced)
    # The unplaced are the latest in the input (priority) order.
    assert proposal.unplaced == ids[len(ids) - len(proposal.unplaced) :]
    # Sizes in bounds; every circle has an existing mentor; capacity respected.
    capacity = {m.id: m.capacity for m in mentors}
    used = Counter(c.mentor_id for c in proposal.circles)
    for c in proposal.circles:
        assert low <= len(c.students) <= high
        assert c.mentor_id in capacity
        assert c.students == tuple(sorted(c.students))
    assert all(used[mid] <= capacity[mid] for mid in used)
    assert len(proposal.circles) <= sum(capacity.values())
    # Number of circles and placed studentes follow the stated rule.
    k, m = ref_counts(len(students), sum(capacity.values()), target, low, high)
    assert (len(proposal.circles), len(placed)) == (k, m)
    # Balanced sizes unless the size term was paid for a better grouping.
    if k:
        band = (m // k, -(-m // k))
        off = sum(max(0, band[0] - len(c.students), len(c.students) - band[1]) for c in proposal.circles)
        assert proposal.figures["size_cost"] == SIZE_DEVIATION_COST * off
    # Unplaced reason.
    if proposal.unplaced:
        assert proposal.unplaced_code in {"no_mentors", "mentor_capacity", "too_few_students"}
        assert proposal.unplaced_reason
    else:
        assert proposal.unplaced_code is None and proposal.unplaced_reason is None
    # Figures agree with the circles.
    f = proposal.figures
    assert f["placed"] == m and f["unplaced"] == len(proposal.unplaced) and f["circles"] == k
    assert f["cost"] == sum(c.cost for c in proposal.circles)
    assert f["cost"] == f["homogeneity_cost"] + f["mentor_cost"] + f["size_cost"]
    assert f["lower_bound"] <= f["cost"]
    for c in proposal.circles:
        assert 0.0 <= c.score <= 100.0


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    students=student_lists(0, 60),
    mentors=mentor_lists(max_m=15, max_capacity=3),
    sizes=size_settings(max_target=8),
)
def test_hard_rules_hold(students, mentors, sizes):
    target, low, high = sizes
    proposal = propose_circles(students, mentors, target, low, high, current_year=YEAR)
    check_rules(proposal, students, mentors, target, low, high)
    assert proposal.figures["optimal"]
    if proposal.circles:
        assert proposal.figures["cost"] == ref_proposal_cost(proposal, students, mentors)


# --------------------------------------------------------------------------
# Optimality against brute force
# --------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    students=student_lists(4, 8),
    mentors=mentor_lists(max_m=3, max_capacity=2, min_m=1, min_capacity=1),
    sizes=size_settings(max_target=4),
)
def test_optimal_against_brute_force(students, mentors, sizes):
    target, low, high = sizes
    proposal = propose_circles(students, mentors, target, low, high, current_year=YEAR)
    best, placed = brute_force(students, mentors, target, low, high)
    assert sorted(i for c in proposal.circles for i in c.students) == sorted(placed)
    if best is None:
        assert proposal.circles == []
        return
    assert ref_proposal_cost(proposal, students, mentors) == proposal.figures["cost"]
    assert proposal.figures["optimal"]
    assert proposal.figures["cost"] == best
    assert proposal.figures["lower_bound"] == best


@pytest.mark.parametrize("seed", range(4))
def test_optimal_against_brute_force_nine_students(seed):
    rng = random.Random(seed)
    students = []
    for sid in range(1, 10):
        programme = rng.choice([1, 3, 3, 4, None])
        sector = PROGRAMME_SECTOR[programme] if programme else rng.choice(SECTORS)
        students.append(Student(sid, programme, sector, rng.randint(1, 4)))
    mentors = [
        Mentor(100 + i, rng.choice([1, 3, 5, None]), rng.choice(SECTORS), rng.choice([2012, 2022, 2025]), 1)
        for i in range(3)
    ]
    proposal = propose_circles(students, mentors, 3, 2, 4, current_year=YEAR)
    best, _ = brute_force(students, mentors, 3, 2, 4)
    assert proposal.figures["optimal"] and proposal.figures["cost"] == best


def test_fallback_heuristic_is_valid_and_bounded(monkeypatch):
    """If the solver found nothing in time, the heuristic is used: valid, and
    never better than the optimum (its reported lower bound holds)."""
    monkeypatch.setattr(circles_module, "_solve_exact", lambda *args: (None, 0))
    rng = random.Random(7)
    for _ in range(15):
        n = rng.randint(1, 8)
        students = [
            Student(i, p := rng.choice([1, 2, 3, 5, None]), PROGRAMME_SECTOR.get(p, "bouw"), rng.randint(1, 4))
            for i in range(1, n + 1)
        ]
        mentors = [Mentor(50 + i, rng.choice([1, 3, None]), "ICT", 2020, rng.randint(0, 2)) for i in range(3)]
        proposal = propose_circles(students, mentors, 3, 2, 5, current_year=YEAR)
        check_rules(proposal, students, mentors, 3, 2, 5)
        best, _ = brute_force(students, mentors, 3, 2, 5)
        if best is not None:
            assert proposal.figures["method"] == "heuristic"
            assert proposal.figures["lower_bound"] <= best <= proposal.figures["cost"]
            assert proposal.figures["gap"] == proposal.figures["cost"] - proposal.figures["lower_bound"]


# --------------------------------------------------------------------------
# Behaviour on hand-made cases
# --------------------------------------------------------------------------


def studs(spec: list[tuple[int, int, int]], start: int = 1) -> list[Student]:
    """spec: (count, programme, year)."""
    out = []
    sid = start
    for count, programme, year in spec:
        for _ in range(count):
            out.append(Student(sid, programme, PROGRAMME_SECTOR[programme], year))
            sid += 1
    return out


def test_programmes_kept_apart_at_the_cost_of_balance():
    students = studs([(7, 3, 2), (5, 1, 1)])
    mentors = [Mentor(90, 3, "elektrotechniek", 2023), Mentor(91, 1, "ICT", 2024)]
    p = propose_circles(students, mentors, 6, current_year=YEAR, programme_names=NAMES)
    assert sorted(len(c.students) for c in p.circles) == [5, 7]
    by_prog = {c.programme_id: c for c in p.circles}
    assert by_prog[3].reasons[0] == "allemaal Elektrotechniek jaar 2"
    assert by_prog[3].reasons[1] == "mentor: zelfde opleiding, afgestudeerd in 2023"
    assert by_prog[3].mentor_id == 90 and by_prog[1].mentor_id == 91
    assert by_prog[3].reasons[2] == "7 studentes in plaats van 6, voor een betere indeling"
    assert by_prog[1].reasons[2] == "5 studentes in plaats van 6, voor een betere indeling"
    assert p.figures["programme_year_homogeneous"] == 2


def test_years_are_not_worth_an_imbalance():
    students = studs([(7, 3, 2), (5, 3, 3)])
    mentors = [Mentor(90, 3, "elektrotechniek", 2023), Mentor(91, 3, "elektrotechniek", 2022)]
    p = propose_circles(students, mentors, 6, current_year=YEAR, programme_names=NAMES)
    assert [len(c.students) for c in p.circles] == [6, 6]
    assert p.figures["size_cost"] == 0
    reasons = sorted(c.reasons[0] for c in p.circles)
    assert reasons == ["allemaal Elektrotechniek jaar 2", "allemaal Elektrotechniek, jaar 2 en 3"]


def test_mentor_ranking_programme_then_sector_then_recency():
    students = studs([(6, 3, 1)])
    old_same = Mentor(1, 3, "elektrotechniek", 2012)
    new_same = Mentor(2, 3, "elektrotechniek", 2021)
    sector = Mentor(3, 4, "elektrotechniek", 2026)
    other = Mentor(4, 1, "ICT", 2026)
    for mentors, expected in [
        ([old_same, new_same, sector, other], 2),
        ([old_same, sector, other], 1),
        ([sector, other], 3),
        ([other], 4),
    ]:
        p = propose_circles(students, mentors, 6, current_year=YEAR)
        assert p.circles[0].mentor_id == expected
    p = propose_circles(students, [sector], 6, current_year=YEAR)
    assert p.circles[0].reasons[1] == "mentor: zelfde sector (elektrotechniek), afgestudeerd in 2026"
    p = propose_circles(students, [Mentor(5, None, None, None)], 6, current_year=YEAR)
    assert p.circles[0].reasons[1] == "mentor: andere richting (sector onbekend), afstudeerjaar onbekend"


def test_mentor_capacity_limits_circles_and_latest_requests_wait():
    students = studs([(20, 1, 1)])
    p = propose_circles(students, [Mentor(9, 1, "ICT", 2020, capacity=2)], 6, current_year=YEAR)
    assert [len(c.students) for c in p.circles] == [8, 8]
    assert {c.mentor_id for c in p.circles} == {9}
    assert p.unplaced == [17, 18, 19, 20]
    assert p.unplaced_code == "mentor_capacity"
    assert p.unplaced_reason == "geen mentor meer vrij: de mentoren kunnen samen 2 kring(en) begeleiden"


def test_too_few_students_and_no_mentors():
    p = propose_circles(studs([(4, 1, 1)]), [Mentor(9, 1, "ICT", 2020)], 6, current_year=YEAR)
    assert p.circles == [] and p.unplaced == [1, 2, 3, 4] and p.unplaced_code == "too_few_students"
    assert p.unplaced_reason == "te weinig studentes over voor nog een kring van minimaal 5"
    # 9 studentes, circles of 5 to 8: one circle of 8, one left over.
    p = propose_circles(studs([(9, 1, 1)]), [Mentor(9, 1, "ICT", 2020, 3)], 6, current_year=YEAR)
    assert [len(c.students) for c in p.circles] == [8] and p.unplaced == [9]
    assert p.unplaced_code == "too_few_students"
    p = propose_circles(studs([(9, 1, 1)]), [Mentor(9, 1, "ICT", 2020, 0)], 6, current_year=YEAR)
    assert p.circles == [] and p.unplaced_code == "no_mentors"
    assert p.unplaced_reason == "er is geen mentor beschikbaar"
    p = propose_circles([], [], current_year=YEAR)
    assert p.circles == [] and p.unplaced == [] and p.figures["circles"] == 0


def test_circle_count_near_target():
    students = studs([(12, 1, 1), (12, 1, 2), (12, 3, 1)])  # 36 studentes
    mentors = [Mentor(100 + i, 1, "ICT", 2020) for i in range(10)]
    p = propose_circles(students, mentors, 6, current_year=YEAR)
    assert len(p.circles) == 6 and all(len(c.students) == 6 for c in p.circles)
    p = propose_circles(students, mentors, 8, current_year=YEAR)  # 36 / 8 = 4.5: 4 of 9, 5 of 7.2
    assert len(p.circles) == 5


def test_mixed_reasons():
    students = [
        Student(1, 1, "ICT", 1), Student(2, 2, "ICT", 1), Student(3, 2, "ICT", 2),
        Student(4, 3, "elektrotechniek", 1), Student(5, None, None, 1), Student(6, 5, "bouw", 3),
    ]
    circles, figures = evaluate_circles(
        [((1, 2, 3), 90), ((4, 5, 6), None)],
        students,
        [Mentor(90, 2, "ICT", 2019)],
        current_year=YEAR,
        programme_names=NAMES,
    )
    assert circles[0].reasons[0] == "allemaal sector ICT: ICT-beheer (2) en Software developer (1)"
    assert circles[0].programme_id == 2 and circles[0].mentor_id == 90
    assert circles[0].reasons[1] == "mentor: zelfde opleiding, afgestudeerd in 2019"
    assert circles[1].reasons[0] == (
        "gemengd: Elektrotechniek (1), Bouwkunde (1) en opleiding onbekend (1)"
    )
    assert circles[1].reasons[1] == "nog geen mentor"
    assert figures["circles"] == 2
    unnamed, _ = evaluate_circles([((1,), None)], students, [], current_year=YEAR)
    assert unnamed[0].reasons[0] == "allemaal opleiding 1 jaar 1"


@settings(max_examples=25, deadline=None, database=None)
@given(students=student_lists(0, 40), mentors=mentor_lists(max_m=10, max_capacity=2), sizes=size_settings(8))
def test_reasons_match_data(students, mentors, sizes):
    target, low, high = sizes
    by_id = {s.id: s for s in students}
    mentor_by_id = {m.id: m for m in mentors}
    p = propose_circles(students, mentors, target, low, high, current_year=YEAR, programme_names=NAMES)
    for c in p.circles:
        members = [by_id[i] for i in c.students]
        programmes = {s.programme_id for s in members}
        years = sorted({s.year for s in members})
        first = c.reason_parts[0]
        if len(programmes) == 1 and None not in programmes:
            name = NAMES[members[0].programme_id]
            if len(years) == 1:
                assert c.reasons[0] == f"allemaal {name} jaar {years[0]}"
            else:
                assert first.code == "same_programme" and c.reasons[0].startswith(f"allemaal {name}, jaar ")
        elif len({s.sector for s in members}) == 1 and members[0].sector is not None:
            assert first.code == "same_sector" and members[0].sector in c.reasons[0]
        else:
            assert first.code == "mixed"
        mentor = mentor_by_id[c.mentor_id]
        code = c.reason_parts[1].code
        if mentor.programme_id is not None and mentor.programme_id == c.programme_id:
            assert code == "mentor_programme"
        elif mentor.sector is not None and mentor.sector == c.sector:
            assert code == "mentor_sector"
        else:
            assert code == "mentor_other"
        if mentor.graduated_year is not None:
            assert c.reasons[1].endswith(f"afgestudeerd in {mentor.graduated_year}")
        # The label is a programme and year of a placed studente.
        if c.programme_id is not None:
            assert any(s.programme_id == c.programme_id and s.year == c.year for s in students)


# --------------------------------------------------------------------------
# Determinism and re-scoring
# --------------------------------------------------------------------------


def realistic(n: int, n_mentors: int, seed: int) -> tuple[list[Student], list[Mentor]]:
    rng = random.Random(seed)
    students = [
        Student(i, p := rng.choice(list(PROGRAMME_SECTOR)), PROGRAMME_SECTOR[p], rng.choice([1, 1, 2, 2, 3, 4]))
        for i in range(1, n + 1)
    ]
    mentors = [
        Mentor(1000 + i, p := rng.choice(list(PROGRAMME_SECTOR)), PROGRAMME_SECTOR[p], rng.randint(2010, 2026),
               rng.choice([1, 1, 2]))
        for i in range(n_mentors)
    ]
    return students, mentors


def test_deterministic_and_independent_of_input_order():
    students, mentors = realistic(90, 12, seed=3)
    a = propose_circles(students, mentors, 6, current_year=YEAR)
    b = propose_circles(students, mentors, 6, current_year=YEAR)
    assert a == b
    rng = random.Random(1)
    shuffled_students, shuffled_mentors = students[:], mentors[:]
    rng.shuffle(shuffled_students)
    rng.shuffle(shuffled_mentors)
    c = propose_circles(shuffled_students, shuffled_mentors, 6, current_year=YEAR)
    assert not a.unplaced and c.circles == a.circles and c.figures == a.figures


def test_evaluate_circles_rescores_a_proposal_and_an_adjustment():
    students, mentors = realistic(40, 8, seed=4)
    p = propose_circles(students, mentors, 6, current_year=YEAR)
    groups = [(c.students, c.mentor_id) for c in p.circles]
    circles, figures = evaluate_circles(groups, students, mentors, current_year=YEAR)
    assert [(c.cost, c.reasons) for c in circles] == [(c.cost, c.reasons) for c in p.circles]
    assert figures["cost"] == p.figures["cost"]
    # Move one studente to another circle: never better than the optimum.
    moved = [list(g[0]) for g in groups]
    moved[1].append(moved[0].pop())
    adjusted = [(tuple(m), g[1]) for m, g in zip(moved, groups)]
    adjusted_circles, figures2 = evaluate_circles(
        adjusted, students, mentors, current_year=YEAR, min_size=5, max_size=8
    )
    if all(5 <= len(c.students) <= 8 for c in adjusted_circles):
        assert figures2["cost"] >= figures["cost"]
    else:
        assert any(part.code == "size_out_of_bounds" for c in adjusted_circles for part in c.reason_parts)
    with pytest.raises(FormationError, match="hoort niet bij"):
        evaluate_circles([((999_999,), None)], students, mentors, current_year=YEAR)
    with pytest.raises(FormationError, match="meer dan één kring"):
        evaluate_circles([((1,), None), ((1,), None)], students, mentors, current_year=YEAR)
    with pytest.raises(FormationError):
        evaluate_circles([((1,), 424242)], students, mentors, current_year=YEAR)
    with pytest.raises(FormationError):
        evaluate_circles([((), None)], students, mentors, current_year=YEAR)
    tiny, _ = evaluate_circles([((1, 2), None)], students, mentors, current_year=YEAR, min_size=5)
    assert tiny[0].reasons[-1] == "2 studentes, buiten de grenzen 5-50"


def test_realistic_school_is_solved_optimally_and_fast():
    students, mentors = realistic(150, 30, seed=5)
    t0 = time.perf_counter()
    p = propose_circles(students, mentors, 6, current_year=YEAR)
    assert time.perf_counter() - t0 < 30
    assert p.figures["optimal"] and p.figures["method"] == "milp"
    check_rules(p, students, mentors, 6, 5, 8)


# --------------------------------------------------------------------------
# Argument validation
# --------------------------------------------------------------------------


def test_default_size_band():
    assert default_size_band(6) == (5, 8)
    assert default_size_band(3) == (3, 5)
    assert default_size_band(2) == (2, 4)
    assert default_size_band(11) == (10, 12)
    assert default_size_band(20) == (19, 20)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"target_size": 6, "min_size": 7, "max_size": 6}, "min_above_max"),
        ({"target_size": 6, "min_size": 7}, "target_outside"),
        ({"target_size": 8, "min_size": 9, "max_size": 8}, "min_above_max"),
        ({"target_size": 9, "max_size": 8}, "target_outside"),
        ({"target_size": 6, "min_size": 2, "max_size": 5}, "target_outside"),
        ({"target_size": 1}, "target_range"),
        ({"target_size": 51}, "target_range"),
        ({"target_size": 4, "min_size": 1}, "min_range"),
        ({"target_size": 40, "max_size": 51}, "max_range"),
        ({"target_size": 6.0}, "not_integer"),
        ({"target_size": True}, "not_integer"),
        ({"min_size": "5"}, "not_integer"),
        ({"current_year": 2026.5}, "not_integer"),
        ({"time_limit": 0}, "time_limit"),
    ],
)
def test_invalid_arguments(kwargs, code):
    with pytest.raises(FormationError) as info:
        propose_circles(studs([(6, 1, 1)]), [Mentor(1, 1, "ICT", 2020)], **kwargs)
    assert info.value.code == code
    assert isinstance(info.value, ValueError) and str(info.value)


def test_invalid_people():
    s = studs([(6, 1, 1)])
    with pytest.raises(FormationError, match="meer dan eens") as info:
        propose_circles(s + [s[0]], [])
    assert info.value.code == "duplicate_student"
    with pytest.raises(FormationError) as info:
        propose_circles(s, [Mentor(1, 1, "ICT", 2020), Mentor(1, 2, "ICT", 2020)])
    assert info.value.code == "duplicate_mentor"
    with pytest.raises(FormationError) as info:
        propose_circles(s, [Mentor(1, 1, "ICT", 2020, capacity=-1)])
    assert info.value.code == "bad_capacity"
    with pytest.raises(FormationError) as info:
        propose_circles([*s, (7, 1, "ICT", 1)], [])
    assert info.value.code == "not_student"
    with pytest.raises(FormationError) as info:
        propose_circles(s, [None])
    assert info.value.code == "not_mentor"
    with pytest.raises(FormationError) as info:
        propose_circles([Student(1, 1, "ICT", "2")], [])
    assert info.value.code == "not_integer" and "year" in str(info.value)
    assert "min_size=7" in str(FormationError("min_above_max", min_size=7, max_size=6))


# --------------------------------------------------------------------------
# Purity and the benchmark
# --------------------------------------------------------------------------


def test_module_imports_only_numpy_scipy_and_the_standard_library():
    tree = ast.parse((ROOT / "webapp" / "matching" / "circles.py").read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            roots.add(node.module.split(".")[0])
    assert roots <= {"__future__", "collections", "dataclasses", "datetime", "fractions", "math", "typing", "warnings",
                     "numpy", "scipy"}


def test_benchmark_smoke_run():
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "benchmarks/bench_circles.py", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "optimal" in proc.stdout and "baseline" in proc.stdout
    assert time.perf_counter() - t0 < 60
