"""Speeddate scheduling: who talks to whom in which round, as a pure function.

A speeddate event has ``rounds`` rounds (numbered ``1..rounds``). Each host sits at
a table with a number of seats per round; each student ranks hosts, best first.
:func:`schedule` assigns every student to at most one host per round such that

* no student meets the same host twice,
* no table holds more students than its seats in any round,
* nobody is scheduled in a round she or he is not available,
* every pinned meeting (a coordinator's manual choice) is kept,

and, lexicographically,

1. the number of conversations is maximal,
2. the total preference weight is maximal (see :func:`rank_weight`; a host the
   student did not rank may still be assigned with weight 0, because a
   conversation counts),
3. fairness: among those, the schedule is *leximin* on the number of her top-3
   hosts each student meets: first as many students as possible meet at least one
   of their top 3, then as many as possible at least two, then all three.

:func:`repair` recomputes a published schedule after late changes (a host drops
out, a student is added, no-shows on the day) and changes as few existing
meetings as possible; rounds already held are frozen.

Algorithm
---------
1. *Which student meets which host* is a transportation problem: a student can
   have one meeting per free round, a host one per free seat-round, each pair at
   most once. It is solved as one min-cost flow: an LP on a network matrix, solved
   by HiGHS' dual simplex through :func:`scipy.optimize.linprog` (network LPs have
   integral optimal vertices). A max-flow first fixes the number of conversations;
   the lower levels are folded into one exact integer cost per arc (each level
   outweighs everything below it), and the result is checked with an exact integer
   dual certificate. Fairness uses a small gadget per student: her top-3 arcs pass
   through one node whose in-arcs carry decreasing bonuses (concave, so the flow
   takes them in order). In large events unranked meetings do not get one arc per
   student and host but go through a shared "any other host" pool node; the pool's
   flow is then turned into distinct pairs with a max-flow, and students for whom
   that fails get explicit arcs in a re-solve.
2. *Which round* is an edge colouring of the bipartite graph of students against
   host seats (each host is split into one vertex per seat). Every vertex has at
   most ``rounds`` edges, so by König's edge colouring theorem the meetings fit
   into the rounds; the colouring places each meeting directly in a round free for
   both, or else swaps two rounds along an alternating path (a Kempe chain).

Guarantees
----------
* The result always satisfies every constraint above (:func:`validate` returns
  nothing for it); infeasible pins raise :class:`ScheduleError`.
* Without availability restrictions or pins (frozen rounds are fine), (1) and (2)
  are optimal: step 1 solves them exactly and König's theorem guarantees that
  step 2 places every meeting. (3) is then exact among the schedules optimal for
  (1) and (2) as well, unless the event is so large that the combined integer costs
  would not be exact in floating point; then the fairness level is skipped
  (``Schedule.fairness_applied`` is False; for a fresh schedule this happens only
  beyond about 15,000 students).
* With availability restrictions or pins, step 1 solves a relaxation and step 2
  may fail to place some chosen meetings (the round assignment is then a
  list-colouring problem, NP-hard in general). Those are then placed by an exact
  ILP (:func:`scipy.optimize.milp`, for small instances, time-limited), then steps
  1 and 2 run again on the seats and rounds still free, and a greedy pass fills
  what is left. The result is valid and usually optimal, but this part is a
  heuristic: ``Schedule.proven_optimal`` is True exactly when the result reaches
  the relaxation's bounds, which proves optimality for (1) and (2).
* :func:`repair` documents its own priority order and guarantees.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import maximum_flow

__all__ = [
    "Host",
    "Meeting",
    "Schedule",
    "ScheduleError",
    "StudentPrefs",
    "StudentSatisfaction",
    "TOP_K",
    "WeightFn",
    "changed_people",
    "rank_weight",
    "repair",
    "schedule",
    "validate",
]

#: A function ``(rank_index, n_ranked) -> weight`` giving the non-negative integer
#: weight of meeting the host at 0-based position ``rank_index`` of a ranking of
#: ``n_ranked`` hosts.
WeightFn = Callable[[int, int], int]

#: Fairness and the satisfaction figures look at each student's top ``TOP_K`` hosts.
TOP_K = 3

#: Weight of a student's first choice under the default :func:`rank_weight`.
DEFAULT_TOP_WEIGHT = 10

# Arc costs must stay exactly representable in a float64 LP; beyond this the
# fairness level is dropped from the objective.
_MAX_ARC_COST = 2**46
# The round-assignment ILP is tried only up to this many binary variables.
_ILP_MAX_VARS = 4_000
_ILP_TIME_LIMIT = 1.0
# Step 1 gives every student an arc to every host (no pool) up to this many pairs,
# and after this many failed attempts to turn the pool's flow into pairs.
_EXPLICIT_MAX_PAIRS = 2_000
_POOL_RETRIES = 2
# Extra step-1-and-2 passes on what is left when restrictions leave seats unfilled.
_MAX_PASSES = 10


class ScheduleError(ValueError):
    """The input cannot be scheduled as asked (for example infeasible pins)."""


@dataclass(frozen=True)
class Host:
    """A speeddate table.

    ``seats`` students can sit at it in each round. ``available_rounds`` lists the
    rounds (``1..rounds``) the host is there; ``None`` means every round. Rounds
    outside ``1..rounds`` are ignored.
    """

    id: int
    seats: int
    available_rounds: frozenset[int] | None = None


@dataclass(frozen=True)
class StudentPrefs:
    """A student's registration.

    ``ranking`` lists host ids, best first. Ids of hosts that are not in the event
    are ignored (so the next host moves up) and repeated ids count once. A host
    the student did not rank may still be assigned to her with weight 0, because
    any conversation counts. ``available_rounds`` works as for :class:`Host`.
    """

    id: int
    ranking: tuple[int, ...] = ()
    available_rounds: frozenset[int] | None = None


@dataclass(frozen=True, order=True)
class Meeting:
    """Student ``student_id`` sits at host ``host_id``'s table in round ``round``."""

    student_id: int
    host_id: int
    round: int


@dataclass(frozen=True)
class StudentSatisfaction:
    """How well one student did.

    ``top_size`` is the size of her top list (``TOP_K``, or fewer when she ranked
    fewer hosts); ``top_met`` how many of those she meets; ``ranked_met`` how many
    of all her ranked hosts; ``weight`` the sum of her meetings' weights.
    """

    student_id: int
    conversations: int
    ranked_met: int
    top_met: int
    top_size: int
    weight: int

    @property
    def met_all_top(self) -> bool:
        """She meets every host of her top list (vacuously true for an empty list)."""
        return self.top_met == self.top_size


@dataclass(frozen=True)
class Schedule:
    """The result of :func:`schedule` or :func:`repair`.

    ``meetings`` is sorted by round, host and student; ``satisfaction`` has one
    record per student, in input order. ``kept`` counts meetings of the previous
    schedule that are kept unchanged (repair only, else 0).

    The bounds come from the relaxation that step 1 solves exactly and are
    lexicographic: no valid schedule has more than ``conversation_bound``
    conversations; one with that many keeps at most ``kept_bound`` previous
    meetings, and one with both has at most ``weight_bound`` weight.
    ``fairness_applied`` tells whether the fairness level was part of the
    objective, ``lp_certified`` whether the flow's optimality was certified.
    """

    meetings: tuple[Meeting, ...]
    rounds: int
    total_weight: int
    satisfaction: tuple[StudentSatisfaction, ...]
    conversation_bound: int
    weight_bound: int
    kept: int = 0
    kept_bound: int = 0
    fairness_applied: bool = True
    lp_certified: bool = True

    @property
    def conversations(self) -> int:
        """Number of conversations (meetings)."""
        return len(self.meetings)

    @property
    def proven_optimal(self) -> bool:
        """True when (1) conversations, kept meetings and (2) weight reach the bound.

        In that case the schedule is optimal for those levels, whatever the
        restrictions were. Without restrictions this always holds.
        """
        return (
            self.lp_certified
            and self.conversations == self.conversation_bound
            and self.kept == self.kept_bound
            and self.total_weight == self.weight_bound
        )

    def for_student(self, student_id: int) -> tuple[Meeting, ...]:
        """The student's meetings, by round."""
        return tuple(m for m in self.meetings if m.student_id == student_id)

    def for_host(self, host_id: int) -> tuple[Meeting, ...]:
        """The host's meetings, by round (meetings are sorted by round first)."""
        return tuple(m for m in self.meetings if m.host_id == host_id)

    def by_student(self) -> dict[int, tuple[Meeting, ...]]:
        """Every student's meetings by round, keyed by student id (for e-mails)."""
        return _group(self.meetings, lambda m: m.student_id)

    def by_host(self) -> dict[int, tuple[Meeting, ...]]:
        """Every host's meetings by round, keyed by host id (for table lists)."""
        return _group(self.meetings, lambda m: m.host_id)

    def satisfaction_of(self, student_id: int) -> StudentSatisfaction:
        """The satisfaction record of one student."""
        for record in self.satisfaction:
            if record.student_id == student_id:
                return record
        raise KeyError(student_id)

    def worst_top_met(self) -> int:
        """The smallest number of top-list hosts any student meets (0 if none)."""
        return min((r.top_met for r in self.satisfaction), default=0)


def _group(
    meetings: Iterable[Meeting], key: Callable[[Meeting], int]
) -> dict[int, tuple[Meeting, ...]]:
    groups: dict[int, list[Meeting]] = defaultdict(list)
    for m in sorted(meetings, key=lambda m: m.round):
        groups[key(m)].append(m)
    return {k: tuple(v) for k, v in groups.items()}


def rank_weight(rank_index: int, n_ranked: int) -> int:
    """Default weight of meeting the host at 0-based ``rank_index`` in a ranking.

    The first choice weighs ``DEFAULT_TOP_WEIGHT`` (10), each next place one less,
    never below 1: 10, 9, 8, ..., 3 for a ranking of 8. Unranked hosts weigh 0. The
    weight does not depend on ``n_ranked``, so ranking more hosts gives no advantage.
    """
    del n_ranked
    return max(1, DEFAULT_TOP_WEIGHT - rank_index)


# ---------------------------------------------------------------------------
# Input normalisation
# ---------------------------------------------------------------------------


@dataclass
class _Instance:
    """Students and hosts as dense indices, with weights and availability."""

    rounds: int
    student_ids: list[int]
    host_ids: list[int]
    sidx: dict[int, int]
    hidx: dict[int, int]
    seats: list[int]
    ranked: list[list[int]]
    weight: list[dict[int, int]]
    top: list[frozenset[int]]
    s_avail: list[frozenset[int]]
    h_avail: list[frozenset[int]]

    def pair_weight(self, s: int, h: int) -> int:
        """Weight of student index ``s`` meeting host index ``h``."""
        return self.weight[s].get(h, 0)


def _clip_rounds(available: frozenset[int] | None, rounds: int) -> frozenset[int]:
    every = frozenset(range(1, rounds + 1))
    return every if available is None else frozenset(available) & every


def _build_instance(
    students: Sequence[StudentPrefs], hosts: Sequence[Host], rounds: int, weights: WeightFn
) -> _Instance:
    if rounds < 0:
        raise ScheduleError(f"the number of rounds must not be negative, got {rounds}")
    host_ids = [h.id for h in hosts]
    student_ids = [s.id for s in students]
    for kind, ids in (("host", host_ids), ("student", student_ids)):
        dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
        if dupes:
            raise ScheduleError(f"{kind} ids appear more than once: {dupes}")
    for h in hosts:
        if h.seats < 0:
            raise ScheduleError(f"host {h.id} has a negative number of seats ({h.seats})")
    hidx = {hid: i for i, hid in enumerate(host_ids)}
    ranked: list[list[int]] = []
    weight: list[dict[int, int]] = []
    top: list[frozenset[int]] = []
    for s in students:
        order = [hidx[h] for h in dict.fromkeys(s.ranking) if h in hidx]
        ws: dict[int, int] = {}
        for i, h in enumerate(order):
            w = weights(i, len(order))
            if not isinstance(w, (int, np.integer)) or isinstance(w, bool) or w < 0:
                raise ScheduleError(f"weights must be non-negative integers, got {w!r}")
            ws[h] = int(w)
        ranked.append(order)
        weight.append(ws)
        top.append(frozenset(order[:TOP_K]))
    return _Instance(
        rounds=rounds,
        student_ids=student_ids,
        host_ids=host_ids,
        sidx={sid: i for i, sid in enumerate(student_ids)},
        hidx=hidx,
        seats=[h.seats for h in hosts],
        ranked=ranked,
        weight=weight,
        top=top,
        s_avail=[_clip_rounds(s.available_rounds, rounds) for s in students],
        h_avail=[_clip_rounds(h.available_rounds, rounds) for h in hosts],
    )


@dataclass
class _Fixed:
    """Meetings that are given: frozen history and pins, and what they occupy."""

    meetings: list[Meeting]
    busy: list[set[int]]
    used_seats: dict[tuple[int, int], int]
    met: set[tuple[int, int]]
    top_met: list[int]


def _fix_meetings(
    inst: _Instance,
    history: Sequence[Meeting],
    pinned: Iterable[Meeting],
    frozen: frozenset[int],
) -> _Fixed:
    """Check the pins against each other and the frozen history; raise if infeasible."""
    history_set = set(history)
    pins = list(dict.fromkeys(pinned))
    for m in pins:
        _check_pin(inst, m, frozen, history_set)
    meetings = list(dict.fromkeys([*history, *pins]))
    n_students = len(inst.student_ids)
    fixed = _Fixed(meetings, [set() for _ in range(n_students)], Counter(), set(), [0] * n_students)
    for m in meetings:
        s, h = inst.sidx.get(m.student_id), inst.hidx.get(m.host_id)
        if s is not None:
            if m.round in fixed.busy[s]:
                raise ScheduleError(
                    f"student {m.student_id} has two fixed meetings in round {m.round}"
                )
            fixed.busy[s].add(m.round)
        if h is not None:
            fixed.used_seats[h, m.round] += 1
            if fixed.used_seats[h, m.round] > inst.seats[h] and m.round not in frozen:
                raise ScheduleError(
                    f"host {m.host_id} has more pinned students in round {m.round} "
                    f"than seats ({inst.seats[h]})"
                )
        if s is not None and h is not None:
            if (s, h) in fixed.met:
                raise ScheduleError(
                    f"student {m.student_id} is pinned to host {m.host_id} more than once"
                )
            fixed.met.add((s, h))
            fixed.top_met[s] += h in inst.top[s]
    return fixed


def _check_pin(inst: _Instance, m: Meeting, frozen: frozenset[int], history: set[Meeting]) -> None:
    if not 1 <= m.round <= inst.rounds:
        raise ScheduleError(f"pinned meeting {m} is in round {m.round}, outside 1..{inst.rounds}")
    if m.round in frozen:
        if m not in history:
            raise ScheduleError(f"pinned meeting {m} is in round {m.round}, which was already held")
        return
    s, h = inst.sidx.get(m.student_id), inst.hidx.get(m.host_id)
    if s is None:
        raise ScheduleError(f"pinned meeting {m} names an unknown student {m.student_id}")
    if h is None:
        raise ScheduleError(f"pinned meeting {m} names an unknown host {m.host_id}")
    if m.round not in inst.s_avail[s]:
        raise ScheduleError(f"pinned meeting {m}: student {m.student_id} is not available then")
    if m.round not in inst.h_avail[h]:
        raise ScheduleError(f"pinned meeting {m}: host {m.host_id} is not available then")


@dataclass
class _Capacity:
    """What is left to schedule: free rounds per student, free seats per host and round."""

    free_rounds: list[list[int]]
    seat_free: np.ndarray  # hosts x (rounds + 1), column 0 unused

    def student_cap(self, s: int) -> int:
        return len(self.free_rounds[s])

    def host_cap(self, h: int) -> int:
        return int(self.seat_free[h].sum())

    def common_round_matrix(self, rounds: int) -> np.ndarray:
        """Boolean students x hosts: do they share a free round?"""
        s_mask = np.zeros((len(self.free_rounds), rounds + 1), dtype=np.int32)
        for s, rs in enumerate(self.free_rounds):
            s_mask[s, rs] = 1
        h_mask = (self.seat_free > 0).astype(np.int32)
        return (s_mask @ h_mask.T) > 0


def _capacity(inst: _Instance, fixed: _Fixed, frozen: frozenset[int]) -> _Capacity:
    active = [r for r in range(1, inst.rounds + 1) if r not in frozen]
    free_rounds = [
        [r for r in active if r in inst.s_avail[s] and r not in fixed.busy[s]]
        for s in range(len(inst.student_ids))
    ]
    seat_free = np.zeros((len(inst.host_ids), inst.rounds + 1), dtype=np.int64)
    for h in range(len(inst.host_ids)):
        for r in active:
            if r in inst.h_avail[h]:
                seat_free[h, r] = max(0, inst.seats[h] - fixed.used_seats.get((h, r), 0))
    return _Capacity(free_rounds, seat_free)


# ---------------------------------------------------------------------------
# Step 1: which student meets which host (min-cost flow)
# ---------------------------------------------------------------------------


@dataclass
class _PairResult:
    """Chosen student-host pairs and the relaxation's bounds."""

    pairs: list[tuple[int, int]]
    count: int
    weight: int
    keep: int
    fairness_applied: bool
    certified: bool


@dataclass
class _Network:
    """A flow network built arc by arc; costs are exact Python integers."""

    n_nodes: int = 0
    tail: list[int] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    cap: list[int] = field(default_factory=list)
    cost: list[int] = field(default_factory=list)

    def node(self) -> int:
        self.n_nodes += 1
        return self.n_nodes - 1

    def arc(self, tail: int, head: int, cap: int, cost: int = 0) -> int:
        self.tail.append(tail)
        self.head.append(head)
        self.cap.append(cap)
        self.cost.append(cost)
        return len(self.tail) - 1

    def max_flow(self, source: int, sink: int) -> int:
        """Maximum flow value from ``source`` to ``sink`` (costs ignored)."""
        graph = sp.csr_array(
            (np.asarray(self.cap, dtype=np.int32), (self.tail, self.head)),
            shape=(self.n_nodes, self.n_nodes),
        )
        return int(maximum_flow(graph, source, sink).flow_value)

    def min_cost_flow(self, source: int, sink: int, amount: int) -> tuple[np.ndarray, bool]:
        """Send ``amount`` from source to sink at minimum cost.

        Returns the integral arc flows and whether an exact integer dual certificate
        proves them optimal.
        """
        m = len(self.tail)
        cols = np.arange(m)
        a_eq = sp.csr_array(
            (np.r_[np.ones(m), -np.ones(m)], (np.r_[self.tail, self.head], np.r_[cols, cols])),
            shape=(self.n_nodes, m),
        )
        b_eq = np.zeros(self.n_nodes)
        b_eq[source], b_eq[sink] = amount, -amount
        caps = np.asarray(self.cap, dtype=np.float64)
        costs = np.asarray(self.cost, dtype=np.float64)
        res = linprog(
            costs,
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=np.column_stack([np.zeros(m), caps]),
            method="highs-ds",
            # HiGHS' presolve is many times slower than the whole dual simplex here.
            options={"presolve": False},
        )
        if res.status != 0:  # pragma: no cover - the network is feasible by construction
            raise RuntimeError(f"min-cost flow failed: {res.message}")
        flow = np.rint(res.x).astype(np.int64)
        integral = bool(np.abs(res.x - flow).max(initial=0.0) < 1e-6)
        return flow, integral and self._certified(flow, res.eqlin.marginals)

    def _certified(self, flow: np.ndarray, duals: np.ndarray) -> bool:
        """Exact complementary slackness check with integer duals."""
        y = np.rint(duals)
        if np.abs(duals - y).max(initial=0.0) > 1e-6 or np.abs(y).max(initial=0.0) > 2**60:
            return False
        y64 = y.astype(np.int64)
        tails = np.asarray(self.tail)
        heads = np.asarray(self.head)
        reduced = np.asarray(self.cost, dtype=np.int64) - (y64[tails] - y64[heads])
        caps = np.asarray(self.cap, dtype=np.int64)
        ok_low = (flow > 0) & (reduced > 0)
        ok_high = (flow < caps) & (reduced < 0)
        return not bool(ok_low.any() or ok_high.any())


@dataclass
class _PairProblem:
    """Step 1's data: capacities, allowed pairs and the arcs that carry a bonus."""

    inst: _Instance
    fixed: _Fixed
    keep: dict[tuple[int, int], int]
    common: np.ndarray
    s_cap: list[int]
    h_cap: list[int]
    bonus_hosts: list[list[int]]

    def allowed(self, s: int, h: int) -> bool:
        """May student ``s`` still meet host ``h`` (a shared free round, not met yet)?"""
        return bool(self.common[s, h]) and (s, h) not in self.fixed.met


def _pair_problem(
    inst: _Instance, cap: _Capacity, fixed: _Fixed, keep: dict[tuple[int, int], int]
) -> _PairProblem:
    n_s, n_h = len(inst.student_ids), len(inst.host_ids)
    kept_hosts: dict[int, list[int]] = defaultdict(list)
    for s, h in keep:
        if h not in inst.weight[s]:
            kept_hosts[s].append(h)
    problem = _PairProblem(
        inst=inst,
        fixed=fixed,
        keep=keep,
        common=cap.common_round_matrix(inst.rounds),
        s_cap=[cap.student_cap(s) for s in range(n_s)],
        h_cap=[cap.host_cap(h) for h in range(n_h)],
        bonus_hosts=[],
    )
    problem.bonus_hosts = [
        [h for h in [*inst.ranked[s], *kept_hosts.get(s, ())] if problem.allowed(s, h)]
        for s in range(n_s)
    ]
    return problem


@dataclass(frozen=True)
class _Scales:
    """Integer objective units: fairness steps ``g``, one weight unit, one kept pair."""

    g: tuple[int, ...] | None
    weight_unit: int
    keep_unit: int


def _objective_scales(problem: _PairProblem, fairness: bool = True) -> _Scales:
    """Units such that each level of the objective outweighs all levels below it.

    The fairness level is left out when the largest arc cost would exceed
    ``_MAX_ARC_COST`` (the LP works in float64).
    """
    inst = problem.inst
    g = _fairness_steps(problem) if fairness else None
    phi_max = 0
    if g is not None:
        phi_max = sum(g[k] for s in range(len(inst.student_ids)) for k in _top_slots(problem, s))
    w_max = sum(
        sum(sorted((inst.pair_weight(s, h) for h in hs), reverse=True)[: problem.s_cap[s]])
        for s, hs in enumerate(problem.bonus_hosts)
    )
    weight_unit = phi_max + 1
    keep_unit = weight_unit * w_max + phi_max + 1
    top_weight = max((w for ws in inst.weight for w in ws.values()), default=0)
    largest = keep_unit * bool(problem.keep) + top_weight * weight_unit + (g[0] if g else 0)
    if g is not None and largest > _MAX_ARC_COST:
        return _objective_scales(problem, fairness=False)
    if largest > 2**52:
        raise ScheduleError("the weights are too large to optimise exactly; use smaller ones")
    return _Scales(g, weight_unit, keep_unit)


def _fairness_steps(problem: _PairProblem) -> tuple[int, ...]:
    """Bonuses for a student's 1st, 2nd, ... top-list meeting, steep enough for leximin.

    With ``n`` students in play, step ``k`` outweighs all later steps of all
    students together, so maximising the sum maximises first the number of students
    with at least one top meeting, then with at least two, and so on.
    """
    n = sum(1 for s in range(len(problem.s_cap)) if _top_slots(problem, s))
    return tuple((n + 1) ** (TOP_K - 1 - k) for k in range(TOP_K))


def _top_slots(problem: _PairProblem, s: int) -> range:
    """Indices into the fairness steps that student ``s`` can still earn."""
    top = problem.inst.top[s]
    n_top = sum(1 for h in problem.bonus_hosts[s] if h in top)
    start = problem.fixed.top_met[s]
    return range(start, min(TOP_K, start + n_top, start + problem.s_cap[s]))


@dataclass
class _Built:
    """A step-1 network and the meaning of its arcs."""

    net: _Network
    source: int
    sink: int
    pair_arcs: dict[int, tuple[int, int]]
    pool_in: dict[int, int]
    pool_out: dict[int, int]


def _build_network(problem: _PairProblem, scales: _Scales, explicit: set[int]) -> _Built:
    """Source -> students -> (top-list node) -> hosts -> sink, plus the shared pool.

    Students in ``explicit`` get an arc to every allowed host instead of the pool.
    """
    inst = problem.inst
    net = _Network()
    built = _Built(net, net.node(), net.node(), {}, {}, {})
    s_node = [net.node() for _ in problem.s_cap]
    h_node = [net.node() for _ in problem.h_cap]
    pool = net.node()
    for s, hs in enumerate(problem.bonus_hosts):
        if not problem.s_cap[s]:
            continue
        net.arc(built.source, s_node[s], problem.s_cap[s])
        top_node = _fairness_chain(net, problem, s, s_node[s], scales.g)
        for h in hs:
            tail = top_node if (top_node is not None and h in inst.top[s]) else s_node[s]
            bonus = scales.keep_unit * ((s, h) in problem.keep)
            bonus += scales.weight_unit * inst.pair_weight(s, h)
            built.pair_arcs[net.arc(tail, h_node[h], 1, -bonus)] = (s, h)
        if s in explicit:
            listed = set(hs)
            for h, h_cap in enumerate(problem.h_cap):
                if h_cap and h not in listed and problem.allowed(s, h):
                    built.pair_arcs[net.arc(s_node[s], h_node[h], 1)] = (s, h)
        else:
            built.pool_in[net.arc(s_node[s], pool, problem.s_cap[s])] = s
    for h, h_cap in enumerate(problem.h_cap):
        if h_cap:
            net.arc(h_node[h], built.sink, h_cap)
            built.pool_out[net.arc(pool, h_node[h], h_cap)] = h
    return built


def _fairness_chain(
    net: _Network, problem: _PairProblem, s: int, s_node: int, g: tuple[int, ...] | None
) -> int | None:
    """Route a student's top-list arcs through a node with concave bonus arcs."""
    slots = _top_slots(problem, s) if g is not None else range(0)
    if g is None or not slots:
        return None
    top_node = net.node()
    for k in slots:
        net.arc(s_node, top_node, 1, -g[k])
    return top_node


def _max_conversations(inst: _Instance, cap: _Capacity, fixed: _Fixed) -> int:
    """An upper bound on the number of new meetings (the pool relaxation's max-flow)."""
    problem = _pair_problem(inst, cap, fixed, {})
    if not sum(problem.s_cap) or not any(problem.h_cap):
        return 0
    built = _build_network(problem, _Scales(None, 1, 1), set())
    return built.net.max_flow(built.source, built.sink)


def _choose_pairs(
    inst: _Instance, cap: _Capacity, fixed: _Fixed, keep: dict[tuple[int, int], int]
) -> _PairResult:
    """Step 1. Students whose pool flow cannot be turned into pairs get explicit arcs."""
    problem = _pair_problem(inst, cap, fixed, keep)
    scales = _objective_scales(problem)
    active = [s for s, c in enumerate(problem.s_cap) if c]
    n_pairs = len(active) * sum(1 for c in problem.h_cap if c)
    explicit: set[int] = set(active) if n_pairs <= _EXPLICIT_MAX_PAIRS else set()
    for _ in range(_POOL_RETRIES):
        result = _solve_pairs(problem, scales, explicit)
        if isinstance(result, _PairResult):
            return result
        explicit |= result
    result = _solve_pairs(problem, scales, set(active))
    assert isinstance(result, _PairResult)  # no pool left to realise
    return result


def _solve_pairs(
    problem: _PairProblem, scales: _Scales, explicit: set[int]
) -> _PairResult | set[int]:
    """Solve the flow once; return the pool's students instead if it cannot be realised."""
    inst = problem.inst
    total = sum(problem.s_cap)
    if not total or not any(problem.h_cap):
        return _PairResult([], 0, 0, 0, scales.g is not None, True)
    built = _build_network(problem, scales, explicit)
    net = built.net
    best = net.max_flow(built.source, built.sink)
    net.arc(built.source, built.sink, total - best)
    flow, certified = net.min_cost_flow(built.source, built.sink, total)
    pairs = [pair for a, pair in built.pair_arcs.items() if flow[a] > 0]
    demand = {s: int(flow[a]) for a, s in built.pool_in.items() if flow[a] > 0}
    supply = {h: int(flow[a]) for a, h in built.pool_out.items() if flow[a] > 0}
    extra = _realise_pool(demand, supply, problem.common, problem.fixed.met | set(pairs))
    if extra is None:
        return set(demand)
    pairs += extra
    return _PairResult(
        pairs=pairs,
        count=best,
        weight=sum(inst.pair_weight(s, h) for s, h in pairs),
        keep=sum((s, h) in problem.keep for s, h in pairs),
        fairness_applied=scales.g is not None,
        certified=certified,
    )


def _realise_pool(
    demand: dict[int, int],
    supply: dict[int, int],
    common: np.ndarray,
    taken: set[tuple[int, int]],
) -> list[tuple[int, int]] | None:
    """Turn pool flow into distinct new student-host pairs, or None if impossible."""
    if not demand:
        return []
    studs, hosts = list(demand), list(supply)
    ok = common[np.ix_(studs, hosts)].copy()
    h_pos = {h: j for j, h in enumerate(hosts)}
    s_pos = {s: i for i, s in enumerate(studs)}
    for s, h in taken:
        if s in s_pos and h in h_pos:
            ok[s_pos[s], h_pos[h]] = False
    n_s, n_h = len(studs), len(hosts)
    src, snk = n_s + n_h, n_s + n_h + 1
    si, hj = np.nonzero(ok)
    tails = np.r_[np.full(n_s, src), si, n_s + np.arange(n_h)]
    heads = np.r_[np.arange(n_s), n_s + hj, np.full(n_h, snk)]
    caps = np.r_[[demand[s] for s in studs], np.ones(len(si)), [supply[h] for h in hosts]]
    graph = sp.csr_array((caps.astype(np.int32), (tails, heads)), shape=(snk + 1, snk + 1))
    result = maximum_flow(graph, src, snk)
    if result.flow_value < sum(demand.values()):
        return None
    flows = result.flow.tocoo()
    mask = (flows.data > 0) & (flows.row < n_s) & (flows.col >= n_s) & (flows.col < src)
    return [(studs[i], hosts[j - n_s]) for i, j in zip(flows.row[mask], flows.col[mask])]


# ---------------------------------------------------------------------------
# Step 2: which round (edge colouring with Kempe chains)
# ---------------------------------------------------------------------------

_FREE = -1
_BLOCKED = -2
# A candidate swap: (edges moved from their preferred round, path, seat vertex, a, b).
_Swap = tuple[int, list[int], int, int, int]


class _RoundColouring:
    """Colour student-host edges with rounds; hosts are split into one vertex per seat.

    ``at[v][c]`` is the edge id coloured ``c`` at vertex ``v``, or ``_FREE``, or
    ``_BLOCKED`` when ``v`` cannot take a meeting in round ``c`` (unavailable,
    pinned, frozen, or a seat that is not free in that round). Colour ``c`` is round
    ``c`` (index 0 is never used).
    """

    def __init__(self, rounds: int, cap: _Capacity) -> None:
        self.colours = range(1, rounds + 1)
        n_s = len(cap.free_rounds)
        self.at: list[list[int]] = []
        for rs in cap.free_rounds:
            row = [_BLOCKED] * (rounds + 1)
            for r in rs:
                row[r] = _FREE
            self.at.append(row)
        self.copies: list[list[int]] = []
        self.host_of: list[int] = [-1] * n_s
        for h, seat_row in enumerate(cap.seat_free.tolist()):
            vs = []
            for j in range(max(seat_row, default=0)):
                vs.append(len(self.at))
                self.at.append([_FREE if seat_row[c] > j else _BLOCKED for c in range(rounds + 1)])
                self.host_of.append(h)
            self.copies.append(vs)
        self.open_seats = [list(row) for row in cap.seat_free.tolist()]
        self.eu: list[int] = []
        self.ev: list[int] = []
        self.col: list[int] = []
        self.host: list[int] = []
        self.pref: list[int] = []

    # -- bookkeeping -------------------------------------------------------
    def add_edge(self, s: int, h: int, pref: int) -> int:
        self.eu.append(s)
        self.ev.append(-1)
        self.col.append(0)
        self.host.append(h)
        self.pref.append(pref)
        return len(self.eu) - 1

    def _set(self, e: int, v: int, c: int) -> None:
        self.ev[e], self.col[e] = v, c
        self.at[self.eu[e]][c] = e
        self.at[v][c] = e
        self.open_seats[self.host_of[v]][c] -= 1

    def _unset(self, e: int) -> None:
        c, v = self.col[e], self.ev[e]
        self.at[self.eu[e]][c] = _FREE
        self.at[v][c] = _FREE
        self.open_seats[self.host_of[v]][c] += 1
        self.col[e] = 0

    def placed(self) -> list[tuple[int, int, int]]:
        """(student, host, round) of every coloured edge."""
        return [(s, h, c) for s, h, c in zip(self.eu, self.host, self.col) if c]

    # -- placing -----------------------------------------------------------
    def place_direct(self, e: int) -> bool:
        """Give edge ``e`` a round free for the student and the host, if any."""
        s, h, pref = self.eu[e], self.host[e], self.pref[e]
        at_s, seats = self.at[s], self.open_seats[h]
        if pref > 0 and at_s[pref] == _FREE and seats[pref] > 0:
            best = pref
        else:
            best, most = 0, 0
            for c in self.colours:
                if at_s[c] == _FREE and seats[c] > most:
                    best, most = c, seats[c]
            if not best:
                return False
        for v in self.copies[h]:
            if self.at[v][best] == _FREE:
                self._set(e, v, best)
                return True
        raise AssertionError("open seat count out of sync")  # pragma: no cover

    def place_kempe(self, e: int) -> bool:
        """Place edge ``e`` by swapping two rounds along an alternating path.

        Among the valid swaps it takes the one that moves the fewest edges away
        from their preferred round (the first one when there are no preferences).
        """
        best: _Swap | None = None
        for candidate in self._swaps(e):
            if best is None or candidate[0] < best[0]:
                best = candidate
                if best[0] == 0:
                    break
        if best is None:
            return False
        _, path, v, a, b = best
        self._swap(path, a, b)
        self._set(e, v, a)
        return True

    def _swaps(self, e: int) -> Iterator[_Swap]:
        """Valid swaps (moved, path, seat, a, b): after swapping a/b on the path,
        round ``a`` is free for both the student and the seat vertex."""
        s = self.eu[e]
        at_s = self.at[s]
        s_free = [c for c in self.colours if at_s[c] == _FREE]
        for v in self.copies[self.host[e]]:
            at_v = self.at[v]
            for b in [c for c in self.colours if at_v[c] == _FREE]:
                for a in s_free:
                    # a is used at the seat: swap the path from the seat.
                    path = self._path(v, a, b) if at_v[a] >= 0 else None
                    if path is not None:
                        yield self._moved(path), path, v, a, b
                    # b is used at the student: swap the path from the student.
                    path = self._path(s, b, a) if at_s[b] >= 0 else None
                    if path is not None:
                        yield self._moved(path), path, v, b, a

    def _moved(self, path: list[int]) -> int:
        """How many edges of the path now sit in their preferred round."""
        return sum(1 for x in path if self.col[x] == self.pref[x])

    def _path(self, start: int, a: int, b: int) -> list[int] | None:
        """The a/b alternating path from ``start`` (first edge coloured ``a``).

        Returns None when swapping it would put a colour on a vertex that is
        blocked for it.
        """
        path: list[int] = []
        x, cur, other = start, a, b
        while True:
            e = self.at[x][cur]
            if e < 0:
                break
            path.append(e)
            x = self.ev[e] if self.eu[e] == x else self.eu[e]
            cur, other = other, cur
        if self.at[x][cur] == _BLOCKED:
            return None
        return path

    def _swap(self, path: list[int], a: int, b: int) -> None:
        old = [(e, self.ev[e], self.col[e]) for e in path]
        for e in path:
            self._unset(e)
        for e, v, c in old:
            self._set(e, v, b if c == a else a)


def _assign_rounds(
    inst: _Instance,
    cap: _Capacity,
    pairs: list[tuple[int, int]],
    keep: dict[tuple[int, int], int],
) -> tuple[list[tuple[int, int, int]], bool]:
    """Step 2: give each chosen pair a round.

    Returns (student, host, round) triples and whether every pair got a round
    (always so without restrictions, by König's theorem).
    """
    colouring = _RoundColouring(inst.rounds, cap)
    # Previously scheduled pairs first, so they can claim their old round.
    ordered = sorted(pairs, key=lambda p: (p not in keep, p))
    edges = [colouring.add_edge(s, h, keep.get((s, h), 0)) for s, h in ordered]
    waiting = [e for e in edges if not colouring.place_direct(e)]
    unplaced = [e for e in waiting if not (colouring.place_direct(e) or colouring.place_kempe(e))]
    placed = colouring.placed()
    if unplaced:
        better = _assign_rounds_ilp(inst, cap, ordered, keep)
        if better is not None and _round_score(inst, better, keep) > _round_score(
            inst, placed, keep
        ):
            placed = better
    return placed, len(placed) == len(pairs)


def _round_score(
    inst: _Instance, placed: list[tuple[int, int, int]], keep: dict[tuple[int, int], int]
) -> tuple[int, int, int]:
    return (
        len(placed),
        sum(keep.get((s, h)) == r for s, h, r in placed),
        sum(inst.pair_weight(s, h) for s, h, _ in placed),
    )


def _assign_rounds_ilp(
    inst: _Instance,
    cap: _Capacity,
    pairs: list[tuple[int, int]],
    keep: dict[tuple[int, int], int],
) -> list[tuple[int, int, int]] | None:
    """Exact round assignment of the chosen pairs by an ILP, for small instances.

    Maximises, lexicographically, the number of placed pairs, the pairs kept in their
    previous round and the placed weight. Returns None when too large or unsolved.
    """
    free = [set(rs) for rs in cap.free_rounds]
    var_pair: list[int] = []
    var_round: list[int] = []
    for i, (s, h) in enumerate(pairs):
        for r in sorted(free[s]):
            if cap.seat_free[h, r] > 0:
                var_pair.append(i)
                var_round.append(r)
    n_var = len(var_pair)
    if n_var == 0 or n_var > _ILP_MAX_VARS:
        return None
    weight = np.array([inst.pair_weight(*pairs[i]) for i in var_pair], dtype=np.float64)
    kept = np.array([keep.get(pairs[i]) == r for i, r in zip(var_pair, var_round)], dtype=float)
    w_unit = 1.0
    k_unit = float(weight.sum() + 1)
    p_unit = k_unit * (kept.sum() + 1) + weight.sum() + 1
    cost = -(p_unit + k_unit * kept + w_unit * weight)
    cols = np.arange(n_var)
    s_of = np.array([pairs[i][0] for i in var_pair])
    h_of = np.array([pairs[i][1] for i in var_pair])
    r_arr = np.array(var_round)
    n_r = inst.rounds + 1
    rows = [
        (np.array(var_pair), np.ones(n_var)),  # a pair at most once
        (s_of * n_r + r_arr, np.ones(n_var)),  # a student once per round
        (h_of * n_r + r_arr, cap.seat_free[h_of, r_arr].astype(float)),  # seats
    ]
    constraints = []
    for row_ids, limits in rows:
        uniq, row_of = np.unique(row_ids, return_inverse=True)
        upper = np.zeros(len(uniq))
        upper[row_of] = limits
        a = sp.csr_array((np.ones(n_var), (row_of, cols)), shape=(len(uniq), n_var))
        constraints.append(LinearConstraint(a, -np.inf, upper))
    res = milp(
        cost,
        integrality=np.ones(n_var),
        bounds=Bounds(0, 1),
        constraints=constraints,
        options={"time_limit": _ILP_TIME_LIMIT, "mip_rel_gap": 0.0},
    )
    if res.x is None:
        return None
    chosen = np.nonzero(res.x > 0.5)[0]
    return [(pairs[var_pair[j]][0], pairs[var_pair[j]][1], var_round[j]) for j in chosen]


def _fill_free_seats(
    inst: _Instance,
    cap: _Capacity,
    placed: list[tuple[int, int, int]],
    fixed_met: set[tuple[int, int]],
) -> list[tuple[int, int, int]]:
    """Greedy top-up: give students with a free round a free seat at a host they do not meet.

    Needed only when restrictions kept step 2 from placing every chosen pair.
    """
    result = list(placed)
    busy: list[set[int]] = [set() for _ in cap.free_rounds]
    met = set(fixed_met)
    seats = cap.seat_free.copy()
    for s, h, r in placed:
        busy[s].add(r)
        met.add((s, h))
        seats[h, r] -= 1
    order = sorted(range(len(busy)), key=lambda s: len(busy[s]))
    for s in order:
        for r in cap.free_rounds[s]:
            if r in busy[s]:
                continue
            options = [h for h in np.nonzero(seats[:, r] > 0)[0].tolist() if (s, h) not in met]
            if not options:
                continue
            h = max(options, key=lambda x: (inst.pair_weight(s, x), seats[x, r], -x))
            result.append((s, h, r))
            busy[s].add(r)
            met.add((s, h))
            seats[h, r] -= 1
    return result


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def schedule(
    students: Sequence[StudentPrefs],
    hosts: Sequence[Host],
    rounds: int,
    pinned: Iterable[Meeting] = (),
    weights: WeightFn | None = None,
) -> Schedule:
    """Compute a speeddate schedule.

    Objective, lexicographic: (1) most conversations, (2) most preference weight
    (``weights``, default :func:`rank_weight`; unranked hosts weigh 0), (3) leximin
    on each student's number of top-3 hosts met. See the module docstring for what
    is guaranteed optimal. ``pinned`` meetings are kept; pins that cannot all hold
    (over a seat limit, an unavailable round, a student twice in a round or twice
    with a host) raise :class:`ScheduleError`.
    """
    return repair((), students, hosts, rounds, pinned=pinned, weights=weights)


def repair(
    previous: Sequence[Meeting],
    students: Sequence[StudentPrefs],
    hosts: Sequence[Host],
    rounds: int,
    frozen_rounds: Iterable[int] = frozenset(),
    pinned: Iterable[Meeting] = (),
    weights: WeightFn | None = None,
) -> Schedule:
    """Repair a published schedule after late changes, changing as little as possible.

    ``students`` and ``hosts`` are the current lists (a host who dropped out or a
    no-show is simply left out; a late student is added). Meetings of ``previous``
    in ``frozen_rounds`` (rounds already held) are kept exactly as they were, even
    when their people are gone now. The other rounds are rescheduled with this
    priority order:

    1. pins and frozen meetings are kept (hard);
    2. the most conversations;
    3. the most previous meetings kept (same student, host and round);
    4. the most preference weight;
    5. fairness (leximin on top-3 meetings), as in :func:`schedule`.

    So existing meetings move only when that gives more conversations in total,
    never for a better preference score: a late student gets the free seats, and
    the students of a host who dropped out get free seats elsewhere, without
    touching anyone else. A consequence a coordinator should know: when every seat
    is taken, a late student gets no conversation rather than taking someone
    else's seat (add seats or pin her). When a table lost seats, the students who
    ranked it highest keep theirs.

    How: first every previous meeting that is still possible is kept and only the
    free seats and rounds are filled. If that reaches the upper bound on
    conversations (and no table lost seats) it is optimal for levels 2 and 3 (and
    for 4 when ``proven_optimal``). Otherwise the open rounds are solved again with a large
    bonus for previous pairs (level 3 exact for student-host pairs; the round
    assignment keeps pairs in their previous round when it can and moves as few as
    it finds), and the better of the two is returned. Use :func:`changed_people`
    to find who needs a new e-mail.
    """
    weights = weights or rank_weight
    frozen = frozenset(frozen_rounds)
    inst = _build_instance(students, hosts, rounds, weights)
    history = [m for m in dict.fromkeys(previous) if m.round in frozen]
    fixed = _fix_meetings(inst, history, pinned, frozen)
    cap = _capacity(inst, fixed, frozen)
    previous_set = set(previous)
    keep = _keep_candidates(inst, cap, fixed, previous, frozen)
    keepable = _keepable(inst, cap, keep)

    kept_all = None
    if keepable:
        kept_all = _attempt(inst, _fixed_with(inst, fixed, keepable), frozen, {}, previous_set)
        bound = len(fixed.meetings) + _max_conversations(inst, cap, fixed)
        # Its bounds hold for the whole problem only if no previous meeting had to go.
        if len(kept_all.meetings) == bound and len(keepable) == len(keep):
            return _to_schedule(inst, kept_all, kept_all, previous_set)
    full = _attempt(inst, fixed, frozen, keep, previous_set)
    best = full
    if kept_all is not None and _score(inst, kept_all, previous_set) > _score(
        inst, full, previous_set
    ):
        best = kept_all
    return _to_schedule(inst, best, full, previous_set)


@dataclass(frozen=True)
class _Attempt:
    """A complete schedule and the bounds that its relaxation proves."""

    meetings: list[Meeting]
    conversation_bound: int
    weight_bound: int
    kept_bound: int
    fairness_applied: bool
    certified: bool


def _attempt(
    inst: _Instance,
    fixed: _Fixed,
    frozen: frozenset[int],
    keep: dict[tuple[int, int], int],
    previous: set[Meeting],
) -> _Attempt:
    """Steps 1 and 2 for the open seats around the fixed meetings.

    When restrictions keep step 2 from placing every chosen pair, the placed
    meetings are fixed and steps 1 and 2 run again on what is left (each pass
    places at least one meeting), and a greedy pass fills any seat still free.
    """
    cap = _capacity(inst, fixed, frozen)
    chosen = _choose_pairs(inst, cap, fixed, keep)
    batch, complete = _assign_rounds(inst, cap, chosen.pairs, keep)
    placed = list(batch)
    now = fixed
    for _ in range(_MAX_PASSES):
        if complete or not batch:
            break
        now = _fixed_with(inst, now, batch)
        cap_now = _capacity(inst, now, frozen)
        batch, complete = _assign_rounds(
            inst, cap_now, _choose_pairs(inst, cap_now, now, keep).pairs, keep
        )
        placed += batch
    placed = _fill_free_seats(inst, cap, placed, fixed.met)
    new = [Meeting(inst.student_ids[s], inst.host_ids[h], r) for s, h, r in placed]
    return _Attempt(
        meetings=fixed.meetings + new,
        conversation_bound=len(fixed.meetings) + chosen.count,
        weight_bound=_weight_of(inst, fixed.meetings) + chosen.weight,
        kept_bound=sum(m in previous for m in fixed.meetings) + chosen.keep,
        fairness_applied=chosen.fairness_applied,
        certified=chosen.certified,
    )


def _score(inst: _Instance, attempt: _Attempt, previous: set[Meeting]) -> tuple[int, int, int]:
    """(conversations, kept meetings, weight): the repair's priority order."""
    kept = sum(m in previous for m in attempt.meetings)
    return len(attempt.meetings), kept, _weight_of(inst, attempt.meetings)


def _to_schedule(
    inst: _Instance, attempt: _Attempt, bounds: _Attempt, previous: set[Meeting]
) -> Schedule:
    """The public result: ``attempt``'s meetings with ``bounds``' bounds and flags."""
    meetings = tuple(sorted(attempt.meetings, key=lambda m: (m.round, m.host_id, m.student_id)))
    return Schedule(
        meetings=meetings,
        rounds=inst.rounds,
        total_weight=_weight_of(inst, meetings),
        satisfaction=_satisfaction(inst, meetings),
        conversation_bound=bounds.conversation_bound,
        weight_bound=bounds.weight_bound,
        kept=sum(m in previous for m in meetings),
        kept_bound=bounds.kept_bound,
        fairness_applied=bounds.fairness_applied,
        lp_certified=bounds.certified,
    )


def _keep_candidates(
    inst: _Instance,
    cap: _Capacity,
    fixed: _Fixed,
    previous: Sequence[Meeting],
    frozen: frozenset[int],
) -> dict[tuple[int, int], int]:
    """Previous meetings in open rounds that could each stay: (student, host) -> round."""
    free = [set(rs) for rs in cap.free_rounds]
    keep: dict[tuple[int, int], int] = {}
    for m in previous:
        s, h = inst.sidx.get(m.student_id), inst.hidx.get(m.host_id)
        if s is None or h is None or m.round in frozen or (s, h) in fixed.met:
            continue
        if m.round in free[s] and cap.seat_free[h, m.round] > 0:
            keep.setdefault((s, h), m.round)
    return keep


def _keepable(
    inst: _Instance, cap: _Capacity, candidates: dict[tuple[int, int], int]
) -> list[tuple[int, int, int]]:
    """A largest set of candidates that can all stay together, as (student, host, round).

    Previous meetings never clash, except at a table that lost seats: there the
    students who ranked the host highest stay.
    """
    order = sorted(candidates.items(), key=lambda c: (-inst.pair_weight(*c[0]), c[0]))
    free = [set(rs) for rs in cap.free_rounds]
    seats = cap.seat_free.copy()
    keepable = []
    for (s, h), r in order:
        if r in free[s] and seats[h, r] > 0:
            keepable.append((s, h, r))
            free[s].discard(r)
            seats[h, r] -= 1
    return keepable


def _fixed_with(inst: _Instance, fixed: _Fixed, extra: list[tuple[int, int, int]]) -> _Fixed:
    """``fixed`` plus the (student, host, round) meetings ``extra`` (already checked)."""
    more = _Fixed(
        meetings=list(fixed.meetings),
        busy=[set(b) for b in fixed.busy],
        used_seats=Counter(fixed.used_seats),
        met=set(fixed.met),
        top_met=list(fixed.top_met),
    )
    for s, h, r in extra:
        more.meetings.append(Meeting(inst.student_ids[s], inst.host_ids[h], r))
        more.busy[s].add(r)
        more.used_seats[h, r] += 1
        more.met.add((s, h))
        more.top_met[s] += h in inst.top[s]
    return more


def _weight_of(inst: _Instance, meetings: Iterable[Meeting]) -> int:
    total = 0
    for m in meetings:
        s, h = inst.sidx.get(m.student_id), inst.hidx.get(m.host_id)
        if s is not None and h is not None:
            total += inst.pair_weight(s, h)
    return total


def _satisfaction(inst: _Instance, meetings: Iterable[Meeting]) -> tuple[StudentSatisfaction, ...]:
    met: dict[int, list[int]] = defaultdict(list)
    for m in meetings:
        met[m.student_id].append(m.host_id)
    records = []
    for s, sid in enumerate(inst.student_ids):
        hosts = {inst.hidx[h] for h in met.get(sid, ()) if h in inst.hidx}
        records.append(
            StudentSatisfaction(
                student_id=sid,
                conversations=len(met.get(sid, ())),
                ranked_met=sum(h in inst.weight[s] for h in hosts),
                top_met=len(hosts & inst.top[s]),
                top_size=len(inst.top[s]),
                weight=sum(inst.pair_weight(s, h) for h in hosts),
            )
        )
    return tuple(records)


def validate(
    meetings: Iterable[Meeting],
    students: Sequence[StudentPrefs],
    hosts: Sequence[Host],
    rounds: int,
    pinned: Iterable[Meeting] = (),
    frozen_rounds: Iterable[int] = frozenset(),
) -> list[str]:
    """Messages for every violated constraint; an empty list means valid.

    Checks rounds in range, known people, their availability and seats (not for
    meetings in ``frozen_rounds``: those are history, held with the people and
    seats of that moment), at most one meeting per student and round, no student
    meeting a host twice, no table over its seats, and every pin present. Use it
    to refuse a coordinator's manual move that clashes.
    """
    meetings = list(meetings)
    frozen = frozenset(frozen_rounds)
    student_by_id = {s.id: s for s in students}
    host_by_id = {h.id: h for h in hosts}
    problems: list[str] = []
    for m in meetings:
        problems += _meeting_problems(m, student_by_id, host_by_id, rounds, frozen)
    per_round = Counter((m.student_id, m.round) for m in meetings)
    problems += [
        f"student {s} has {n} meetings in round {r}" for (s, r), n in per_round.items() if n > 1
    ]
    per_pair = Counter((m.student_id, m.host_id) for m in meetings)
    problems += [
        f"student {s} meets host {h} {n} times" for (s, h), n in per_pair.items() if n > 1
    ]
    per_table = Counter((m.host_id, m.round) for m in meetings if m.round not in frozen)
    for (h, r), n in per_table.items():
        host = host_by_id.get(h)
        if host is not None and n > host.seats:
            problems.append(f"host {h} has {n} students in round {r} but {host.seats} seats")
    present = set(meetings)
    problems += [
        f"pinned meeting {p} is missing" for p in dict.fromkeys(pinned) if p not in present
    ]
    return problems


def _meeting_problems(
    m: Meeting,
    student_by_id: dict[int, StudentPrefs],
    host_by_id: dict[int, Host],
    rounds: int,
    frozen: frozenset[int],
) -> list[str]:
    if not 1 <= m.round <= rounds:
        return [f"{m}: round {m.round} is outside 1..{rounds}"]
    if m.round in frozen:
        return []
    problems = []
    student, host = student_by_id.get(m.student_id), host_by_id.get(m.host_id)
    if student is None:
        problems.append(f"{m}: unknown student {m.student_id}")
    elif m.round not in _clip_rounds(student.available_rounds, rounds):
        problems.append(f"{m}: student {m.student_id} is not available in round {m.round}")
    if host is None:
        problems.append(f"{m}: unknown host {m.host_id}")
    elif m.round not in _clip_rounds(host.available_rounds, rounds):
        problems.append(f"{m}: host {m.host_id} is not available in round {m.round}")
    return problems


def changed_people(old: Iterable[Meeting], new: Iterable[Meeting]) -> set[tuple[str, int]]:
    """People whose personal schedule differs: ``("student", id)`` and ``("host", id)``.

    A personal schedule is the set of (round, other person); only these people need
    a new e-mail after a repair.
    """
    plans: list[dict[tuple[str, int], set[tuple[int, int]]]] = []
    for meetings in (old, new):
        plan: dict[tuple[str, int], set[tuple[int, int]]] = defaultdict(set)
        for m in meetings:
            plan["student", m.student_id].add((m.round, m.host_id))
            plan["host", m.host_id].add((m.round, m.student_id))
        plans.append(plan)
    before, after = plans
    return {who for who in before.keys() | after.keys() if before.get(who) != after.get(who)}
