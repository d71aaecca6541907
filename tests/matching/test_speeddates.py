"""Tests for the speeddate scheduler (webapp/matching/speeddates.py): pure functions, no app."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from webapp.matching import speeddates
from webapp.matching.speeddates import (
    Host,
    Meeting,
    Schedule,
    ScheduleError,
    StudentPrefs,
    changed_people,
    rank_weight,
    repair,
    schedule,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
FAST = settings(
    max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
SLOW = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
UNKNOWN_HOST = 99


# ---------------------------------------------------------------------------
# Independent reference implementations
# ---------------------------------------------------------------------------


def ranked_hosts(student: StudentPrefs, hosts: Sequence[Host]) -> list[int]:
    """The student's ranking restricted to hosts in the event, without repeats."""
    known = {h.id for h in hosts}
    return [h for h in dict.fromkeys(student.ranking) if h in known]


def weight_table(students: Sequence[StudentPrefs], hosts: Sequence[Host]) -> dict:
    """(student id, host id) -> weight under the default weights."""
    table = {}
    for s in students:
        order = ranked_hosts(s, hosts)
        for i, h in enumerate(order):
            table[s.id, h] = rank_weight(i, len(order))
    return table


def available(x: Host | StudentPrefs, r: int) -> bool:
    return x.available_rounds is None or r in x.available_rounds


class Optimum(NamedTuple):
    """Lexicographic optimum: conversations, previous meetings kept, weight."""

    conversations: int
    kept: int
    weight: int


def ilp_optimum(
    students: Sequence[StudentPrefs],
    hosts: Sequence[Host],
    rounds: int,
    pinned: Sequence[Meeting] = (),
    previous: Sequence[Meeting] = (),
    frozen: frozenset[int] = frozenset(),
) -> Optimum:
    """The optimum by an ILP over binaries x[s, h, r], independent of the scheduler.

    Meetings of ``previous`` in ``frozen`` rounds are history: they stay and count.
    """
    weights = weight_table(students, hosts)
    history = {m for m in previous if m.round in frozen}
    history_pairs = {(m.student_id, m.host_id) for m in history}
    history_weight = sum(weights.get((m.student_id, m.host_id), 0) for m in history)
    previous_set = set(previous)
    variables = [
        (s, h, r)
        for s in students
        for h in hosts
        for r in range(1, rounds + 1)
        if available(s, r) and available(h, r) and r not in frozen
        and (s.id, h.id) not in history_pairs
    ]
    if not variables:
        return Optimum(len(history), len(history & previous_set), history_weight)
    n = len(variables)
    w = np.array([weights.get((s.id, h.id), 0) for s, h, _ in variables], dtype=float)
    kept = np.array([Meeting(s.id, h.id, r) in previous_set for s, h, r in variables], dtype=float)
    keep_unit = w.sum() + 1
    meeting_unit = keep_unit * (kept.sum() + 1) + w.sum() + 1
    rows: dict[tuple, list[int]] = {}
    limits: dict[tuple, int] = {}
    for j, (s, h, r) in enumerate(variables):
        for key, limit in (
            (("student-round", s.id, r), 1),
            (("table", h.id, r), h.seats),
            (("pair", s.id, h.id), 1),
        ):
            rows.setdefault(key, []).append(j)
            limits[key] = limit
    a = np.zeros((len(rows), n))
    for i, js in enumerate(rows.values()):
        a[i, js] = 1
    pins = {(p.student_id, p.host_id, p.round) for p in pinned}
    lower = np.array([float((s.id, h.id, r) in pins) for s, h, r in variables])
    res = milp(
        -(meeting_unit + keep_unit * kept + w),
        integrality=np.ones(n),
        bounds=Bounds(lower, np.ones(n)),
        constraints=LinearConstraint(a, -np.inf, np.array(list(limits.values()), dtype=float)),
        options={"mip_rel_gap": 0.0},
    )
    assert res.success, res.message
    x = res.x > 0.5
    return Optimum(
        len(history) + int(x.sum()),
        len(history & previous_set) + int(kept[x].sum()),
        history_weight + int(w[x].sum()),
    )


def all_schedules(students: Sequence[StudentPrefs], hosts: Sequence[Host], rounds: int):
    """Every valid schedule of a tiny instance (no availability restrictions), by backtracking."""
    slots = [(s, r) for s in students for r in range(1, rounds + 1)]
    chosen: list[Meeting] = []
    seats: Counter = Counter()
    met: set[tuple[int, int]] = set()

    def walk(i: int):
        if i == len(slots):
            yield tuple(chosen)
            return
        s, r = slots[i]
        yield from walk(i + 1)
        for h in hosts:
            if seats[h.id, r] < h.seats and (s.id, h.id) not in met:
                seats[h.id, r] += 1
                met.add((s.id, h.id))
                chosen.append(Meeting(s.id, h.id, r))
                yield from walk(i + 1)
                chosen.pop()
                met.discard((s.id, h.id))
                seats[h.id, r] -= 1

    yield from walk(0)


def top_counts(
    meetings: Sequence[Meeting], students: Sequence[StudentPrefs], hosts: Sequence[Host]
) -> list[int]:
    """Sorted numbers of top-3 hosts met, worst first (for leximin comparison)."""
    met = {(m.student_id, m.host_id) for m in meetings}
    return sorted(
        sum((s.id, h) in met for h in ranked_hosts(s, hosts)[:3]) for s in students
    )


# ---------------------------------------------------------------------------
# Instance strategies
# ---------------------------------------------------------------------------


@st.composite
def instances(draw, max_students: int = 7, max_hosts: int = 4, restricted: bool = True):
    """Random (students, hosts, rounds); optionally with availability restrictions."""
    rounds = draw(st.integers(1, 4))
    n_hosts = draw(st.integers(1, max_hosts))
    round_sets = st.one_of(
        st.none(), st.frozensets(st.integers(1, rounds + 1), max_size=rounds + 1)
    ) if restricted else st.none()
    hosts = [
        Host(id=10 + h, seats=draw(st.integers(0, 3)), available_rounds=draw(round_sets))
        for h in range(n_hosts)
    ]
    host_ids = [h.id for h in hosts] + [UNKNOWN_HOST]
    n_students = draw(st.integers(0, max_students))
    students = [
        StudentPrefs(
            id=s,
            ranking=tuple(draw(st.lists(st.sampled_from(host_ids), max_size=n_hosts + 1))),
            available_rounds=draw(round_sets),
        )
        for s in range(n_students)
    ]
    return students, hosts, rounds


@st.composite
def pinned_instances(draw):
    """An instance with restrictions plus a feasible set of pins."""
    students, hosts, rounds = draw(instances())
    if not students:
        return students, hosts, rounds, []
    candidates = draw(
        st.lists(
            st.tuples(st.sampled_from(students), st.sampled_from(hosts), st.integers(1, rounds)),
            max_size=6,
        )
    )
    pins: list[Meeting] = []
    for s, h, r in candidates:
        pin = Meeting(s.id, h.id, r)
        clash = validate([*pins, pin], students, hosts, rounds)
        if available(s, r) and available(h, r) and not clash:
            pins.append(pin)
    return students, hosts, rounds, pins


def assert_valid(result: Schedule, students, hosts, rounds, pinned=()):
    assert validate(result.meetings, students, hosts, rounds, pinned) == []
    assert set(pinned) <= set(result.meetings)
    assert result.conversations <= result.conversation_bound
    assert result.total_weight == sum(r.weight for r in result.satisfaction)
    assert result.total_weight <= result.weight_bound or (
        result.conversations < result.conversation_bound
    )


@contextmanager
def pool_mode():
    """Force step 1's shared pool for unranked hosts, as in large events."""
    with patch.object(speeddates, "_EXPLICIT_MAX_PAIRS", 0):
        yield


# ---------------------------------------------------------------------------
# Constraints and optimality
# ---------------------------------------------------------------------------


@FAST
@given(pinned_instances())
def test_every_constraint_holds_on_random_instances(case):
    students, hosts, rounds, pins = case
    result = schedule(students, hosts, rounds, pinned=pins)
    assert_valid(result, students, hosts, rounds, pins)
    with pool_mode():
        assert_valid(schedule(students, hosts, rounds, pinned=pins), students, hosts, rounds, pins)
    assert list(result.meetings) == sorted(
        result.meetings, key=lambda m: (m.round, m.host_id, m.student_id)
    )


@FAST
@given(instances(restricted=False))
def test_unrestricted_schedule_matches_the_ilp_optimum(case):
    students, hosts, rounds = case
    best = ilp_optimum(students, hosts, rounds)
    with pool_mode():
        pooled = schedule(students, hosts, rounds)
    for result in (schedule(students, hosts, rounds), pooled):
        assert_valid(result, students, hosts, rounds)
        assert (result.conversations, result.total_weight) == (best.conversations, best.weight)
        assert result.proven_optimal


@SLOW
@given(pinned_instances())
def test_restricted_schedule_is_bounded_by_the_ilp_and_honest(case):
    students, hosts, rounds, pins = case
    result = schedule(students, hosts, rounds, pinned=pins)
    optimum = ilp_optimum(students, hosts, rounds, pins)
    best = (optimum.conversations, optimum.weight)
    assert (result.conversations, result.total_weight) <= best
    assert (result.conversation_bound, result.weight_bound) >= best
    if result.proven_optimal:
        assert (result.conversations, result.total_weight) == best


@SLOW
@given(instances(max_students=3, max_hosts=3, restricted=False).filter(lambda c: c[2] <= 2))
def test_brute_force_optimum_and_leximin_fairness(case):
    students, hosts, rounds = case
    weights = weight_table(students, hosts)
    best_key, best_fair = None, None
    for candidate in all_schedules(students, hosts, rounds):
        key = (len(candidate), sum(weights.get((m.student_id, m.host_id), 0) for m in candidate))
        fair = top_counts(candidate, students, hosts)
        if best_key is None or key > best_key:
            best_key, best_fair = key, fair
        elif key == best_key:
            best_fair = max(best_fair, fair)
    result = schedule(students, hosts, rounds)
    assert (result.conversations, result.total_weight) == best_key
    assert result.fairness_applied
    assert top_counts(result.meetings, students, hosts) == best_fair


def test_default_weights_favour_higher_ranks():
    assert [rank_weight(i, 8) for i in range(8)] == [10, 9, 8, 7, 6, 5, 4, 3]
    assert rank_weight(20, 25) == 1


def test_without_the_fairness_level_levels_one_and_two_stay_optimal():
    students, hosts, rounds = ample_event(15, 3, 2)
    with patch.object(speeddates, "_MAX_ARC_COST", 1):
        plain = schedule(students, hosts, rounds)
    fair = schedule(students, hosts, rounds)
    assert not plain.fairness_applied and fair.fairness_applied
    assert plain.proven_optimal and fair.proven_optimal
    assert (plain.conversations, plain.total_weight) == (fair.conversations, fair.total_weight)
    assert top_counts(plain.meetings, students, hosts) <= top_counts(fair.meetings, students, hosts)


def test_fairness_prefers_the_worst_off_student():
    # Both hosts are everybody's favourites; one seat each, one round. Total weight is
    # the same whoever sits where, so fairness decides: nobody is left with nothing.
    hosts = [Host(1, 1), Host(2, 1)]
    students = [StudentPrefs(1, (1, 2)), StudentPrefs(2, (2, 1))]
    result = schedule(students, hosts, 1)
    assert {(m.student_id, m.host_id) for m in result.meetings} == {(1, 1), (2, 2)}
    assert result.worst_top_met() == 1


def test_higher_ranked_host_weighs_more_and_unranked_hosts_fill_seats():
    hosts = [Host(1, 1), Host(2, 1), Host(3, 5)]
    students = [StudentPrefs(1, (1, 2)), StudentPrefs(2, (2,)), StudentPrefs(3, ())]
    result = schedule(students, hosts, 2)
    assert result.conversations == 6  # everybody talks in both rounds
    assert Meeting(2, 2, 1) in result.meetings or Meeting(2, 2, 2) in result.meetings
    assert result.satisfaction_of(1).top_met == 2
    assert result.satisfaction_of(3).weight == 0


def test_custom_weights_are_used_and_checked():
    hosts = [Host(1, 1), Host(2, 1)]
    students = [StudentPrefs(1, (1, 2)), StudentPrefs(2, (1, 2))]
    flat = schedule(students, hosts, 1, weights=lambda i, n: 5)
    assert flat.total_weight == 10
    with pytest.raises(ScheduleError, match="non-negative integers"):
        schedule(students, hosts, 1, weights=lambda i, n: -1)


def test_pins_are_kept_even_against_preferences():
    hosts = [Host(1, 1), Host(2, 1)]
    students = [StudentPrefs(1, (1, 2)), StudentPrefs(2, (1, 2))]
    pin = Meeting(2, 1, 1)
    result = schedule(students, hosts, 2, pinned=[pin])
    assert pin in result.meetings
    assert_valid(result, students, hosts, 2, [pin])
    assert result.conversations == 4


def test_empty_and_degenerate_inputs():
    assert schedule([], [], 3).meetings == ()
    assert schedule([StudentPrefs(1, (1,))], [Host(1, 0)], 3).conversations == 0
    assert schedule([StudentPrefs(1, (1,))], [Host(1, 2)], 0).conversations == 0
    result = schedule([StudentPrefs(1, (7, 1, 1))], [Host(1, 2)], 3)
    assert result.conversations == 1
    assert result.satisfaction_of(1).top_size == 1
    assert result.satisfaction_of(1).met_all_top


def test_availability_is_respected():
    hosts = [Host(1, 2, frozenset({2})), Host(2, 2)]
    students = [StudentPrefs(1, (1, 2), frozenset({1, 2})), StudentPrefs(2, (1, 2), frozenset({3}))]
    result = schedule(students, hosts, 3)
    assert_valid(result, students, hosts, 3)
    assert Meeting(1, 1, 2) in result.meetings
    assert result.for_student(2) == (Meeting(2, 2, 3),)


# ---------------------------------------------------------------------------
# Infeasible input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        ([Meeting(1, 1, 1), Meeting(2, 1, 1)], "more pinned students in round 1 than seats"),
        ([Meeting(1, 2, 1)], "host 2 is not available"),
        ([Meeting(3, 1, 1)], "student 3 is not available"),
        ([Meeting(1, 1, 5)], "outside 1..2"),
        ([Meeting(1, 9, 1)], "unknown host 9"),
        ([Meeting(8, 1, 1)], "unknown student 8"),
        ([Meeting(1, 1, 1), Meeting(1, 3, 1)], "two fixed meetings in round 1"),
        ([Meeting(1, 3, 1), Meeting(1, 3, 2)], "pinned to host 3 more than once"),
    ],
)
def test_impossible_pins_raise(pins, message):
    hosts = [Host(1, 1), Host(2, 1, frozenset({2})), Host(3, 2)]
    students = [StudentPrefs(1), StudentPrefs(2), StudentPrefs(3, available_rounds=frozenset({2}))]
    with pytest.raises(ScheduleError, match=message):
        schedule(students, hosts, 2, pinned=pins)


def test_bad_input_raises():
    with pytest.raises(ScheduleError, match="appear more than once"):
        schedule([StudentPrefs(1), StudentPrefs(1)], [Host(1, 1)], 1)
    with pytest.raises(ScheduleError, match="negative number of seats"):
        schedule([StudentPrefs(1)], [Host(1, -1)], 1)
    with pytest.raises(ScheduleError, match="must not be negative"):
        schedule([StudentPrefs(1)], [Host(1, 1)], -1)
    assert issubclass(ScheduleError, ValueError)


def test_validate_reports_every_kind_of_clash():
    hosts = [Host(1, 1), Host(2, 1, frozenset({1}))]
    students = [StudentPrefs(1), StudentPrefs(2, available_rounds=frozenset({1}))]
    meetings = [
        Meeting(1, 1, 1),
        Meeting(2, 1, 1),  # table 1 over its seat
        Meeting(1, 2, 1),  # student 1 twice in round 1
        Meeting(1, 1, 2),  # student 1 meets host 1 twice
        Meeting(2, 2, 2),  # host 2 and student 2 are not there in round 2
        Meeting(3, 3, 1),  # unknown people
        Meeting(1, 2, 7),  # round out of range
    ]
    problems = validate(meetings, students, hosts, 2, pinned=[Meeting(2, 1, 2)])
    text = "\n".join(problems)
    for expected in [
        "host 1 has 2 students in round 1 but 1 seats",
        "student 1 has 2 meetings in round 1",
        "student 1 meets host 1 2 times",
        "student 2 is not available in round 2",
        "host 2 is not available in round 2",
        "unknown student 3",
        "unknown host 3",
        "round 7 is outside 1..2",
        "pinned meeting Meeting(student_id=2, host_id=1, round=2) is missing",
    ]:
        assert expected in text
    assert validate([Meeting(1, 1, 1)], students, hosts, 2) == []


# ---------------------------------------------------------------------------
# Repair
# ---------------------------------------------------------------------------


def ample_event(n_students: int = 12, rounds: int = 4, seats: int = 6):
    """Hosts with more seats than needed, Zipf-ish rankings."""
    rng = np.random.default_rng(5)
    hosts = [Host(100 + h, seats) for h in range(6)]
    p = 1 / np.arange(1, 7)
    students = [
        StudentPrefs(s, tuple(100 + int(h) for h in rng.choice(6, 4, replace=False, p=p / p.sum())))
        for s in range(n_students)
    ]
    return students, hosts, rounds


def test_repair_without_changes_keeps_everything():
    students, hosts, rounds = ample_event()
    first = schedule(students, hosts, rounds)
    again = repair(first.meetings, students, hosts, rounds)
    assert again.meetings == first.meetings
    assert again.kept == again.kept_bound == first.conversations
    assert changed_people(first.meetings, again.meetings) == set()


def test_adding_a_student_with_free_seats_changes_no_existing_meeting():
    students, hosts, rounds = ample_event()
    first = schedule(students, hosts, rounds)
    late = StudentPrefs(500, (100, 101, 102))
    result = repair(first.meetings, [*students, late], hosts, rounds)
    assert_valid(result, [*students, late], hosts, rounds)
    assert set(first.meetings) <= set(result.meetings)
    assert result.kept == first.conversations
    assert len(result.for_student(500)) == rounds
    changed = changed_people(first.meetings, result.meetings)
    assert changed == {("student", 500)} | {("host", m.host_id) for m in result.for_student(500)}


def test_a_host_dropping_out_only_changes_her_students():
    students, hosts, rounds = ample_event()
    first = schedule(students, hosts, rounds)
    gone = 100
    her_students = {m.student_id for m in first.for_host(gone)}
    result = repair(first.meetings, students, [h for h in hosts if h.id != gone], rounds)
    assert_valid(result, students, [h for h in hosts if h.id != gone], rounds)
    untouched = {m for m in first.meetings if m.host_id != gone}
    assert untouched <= set(result.meetings)
    assert result.conversations == first.conversations  # seats elsewhere suffice
    changed = changed_people(first.meetings, result.meetings)
    assert {i for kind, i in changed if kind == "student"} == her_students


def test_no_shows_on_the_day_freeze_held_rounds():
    students, hosts, rounds = ample_event()
    first = schedule(students, hosts, rounds)
    absent = {0, 1}
    present = [s for s in students if s.id not in absent]
    result = repair(first.meetings, present, hosts, rounds, frozen_rounds={1, 2})
    held = {m for m in first.meetings if m.round in (1, 2)}
    assert held <= set(result.meetings)
    assert all(m.round in (1, 2) for m in result.meetings if m.student_id in absent)
    assert validate(result.meetings, present, hosts, rounds, frozen_rounds={1, 2}) == []
    later = {m for m in first.meetings if m.round > 2 and m.student_id not in absent}
    assert later <= set(result.meetings)


def test_a_pin_in_a_held_round_must_be_history():
    students, hosts, rounds = ample_event()
    first = schedule(students, hosts, rounds)
    held = next(m for m in first.meetings if m.round == 1)
    assert held in repair(first.meetings, students, hosts, rounds, {1}, pinned=[held]).meetings
    with pytest.raises(ScheduleError, match="already held"):
        late_pin = Meeting(held.student_id, 105, 1)
        repair(first.meetings, students, hosts, rounds, {1}, pinned=[late_pin])


@st.composite
def repair_cases(draw):
    students, hosts, rounds = draw(instances(max_students=6))
    frozen = draw(st.frozensets(st.integers(1, rounds), max_size=rounds))
    change = draw(st.sampled_from(["none", "drop host", "drop student", "add student", "seats"]))
    return students, hosts, rounds, frozen, change, draw(st.randoms(use_true_random=False))


def apply_change(students, hosts, change: str, rnd) -> tuple[list, list]:
    """The event after one late change."""
    new_students, new_hosts = list(students), list(hosts)
    if change == "drop host":
        new_hosts.pop(rnd.randrange(len(new_hosts)))
    elif change == "drop student" and new_students:
        new_students.pop(rnd.randrange(len(new_students)))
    elif change == "add student":
        new_students.append(StudentPrefs(1000, tuple(h.id for h in hosts[::-1])))
    elif change == "seats":
        new_hosts = [Host(h.id, max(0, h.seats - 1), h.available_rounds) for h in hosts]
    return new_students, new_hosts


@FAST
@given(repair_cases())
def test_repair_keeps_frozen_rounds_and_stays_valid(case):
    students, hosts, rounds, frozen, change, rnd = case
    first = schedule(students, hosts, rounds)
    new_students, new_hosts = apply_change(students, hosts, change, rnd)
    result = repair(first.meetings, new_students, new_hosts, rounds, frozen_rounds=frozen)
    held = {m for m in first.meetings if m.round in frozen}
    assert {m for m in result.meetings if m.round in frozen} == held
    assert validate(result.meetings, new_students, new_hosts, rounds, frozen_rounds=frozen) == []
    if change == "none":
        assert result.meetings == first.meetings
    assert (result.conversations, result.kept) <= (result.conversation_bound, result.kept_bound)


@SLOW
@given(repair_cases())
def test_repair_is_bounded_by_the_ilp_and_honest(case):
    students, hosts, rounds, frozen, change, rnd = case
    first = schedule(students, hosts, rounds)
    new_students, new_hosts = apply_change(students, hosts, change, rnd)
    best = ilp_optimum(new_students, new_hosts, rounds, previous=first.meetings, frozen=frozen)
    result = repair(first.meetings, new_students, new_hosts, rounds, frozen_rounds=frozen)
    with pool_mode():
        pooled = repair(first.meetings, new_students, new_hosts, rounds, frozen_rounds=frozen)
    for result in (result, pooled):
        got = (result.conversations, result.kept, result.total_weight)
        assert got <= best
        assert (result.conversation_bound, result.kept_bound, result.weight_bound) >= best
        if result.proven_optimal:
            assert got == best


def test_changed_people_lists_both_sides():
    old = [Meeting(1, 10, 1), Meeting(2, 10, 2), Meeting(3, 11, 1)]
    new = [Meeting(1, 10, 1), Meeting(2, 11, 2), Meeting(3, 11, 1)]
    assert changed_people(old, new) == {("student", 2), ("host", 10), ("host", 11)}
    assert changed_people(old, list(reversed(old))) == set()


# ---------------------------------------------------------------------------
# Benchmark smoke run
# ---------------------------------------------------------------------------


def test_benchmark_smoke_run():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_speeddates.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "scheduler" in proc.stdout and "greedy" in proc.stdout


def test_schedule_is_deterministic_and_groups_by_person():
    students, hosts, rounds = ample_event(20, 5, 3)
    result = schedule(students, hosts, rounds)
    assert result == schedule(students, hosts, rounds)
    by_student, by_host = result.by_student(), result.by_host()
    assert by_student[3] == result.for_student(3)
    assert by_host[101] == result.for_host(101)
    assert [m.round for m in by_host[101]] == sorted(m.round for m in by_host[101])
    assert sum(len(v) for v in by_student.values()) == result.conversations


