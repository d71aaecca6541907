"""Benchmark buddy matching against a greedy baseline.

Run from the repository root::

    .venv/bin/python benchmarks/bench_buddies.py            # 2,000 mentees, 1,000 buddies
    .venv/bin/python benchmarks/bench_buddies.py --smoke    # tiny, for the test suite

Data is random but realistic and fixed by a seed: one school, a dozen
technical programmes, years 1 to 4, interests from a list of Dutch tech
interests, languages, travel regions and contact preferences.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from webapp.matching.buddies import (  # noqa: E402
    CRITERIA,
    DEFAULT_WEIGHTS,
    Candidate,
    Weights,
    match,
    only_one_flags,
    score_matrix,
)

TARGET_SECONDS = 0.5

PROGRAMMES = [
    "Elektrotechniek",
    "Mechatronica",
    "Software developer",
    "ICT-beheer",
    "Werktuigbouwkunde",
    "Installatietechniek",
    "Bouwkunde",
    "Lasser",
    "Procestechniek",
    "Cybersecurity",
    "Luchtvaarttechniek",
    "Laboratoriumtechniek",
]
INTERESTS = [
    "robotica",
    "gamen",
    "programmeren",
    "solderen",
    "3D-printen",
    "elektronica",
    "duurzame energie",
    "zonnepanelen",
    "auto's",
    "vliegtuigen",
    "drones",
    "webdesign",
    "netwerken",
    "hacken",
    "lassen",
    "houtbewerking",
    "tekenen en CAD",
    "domotica",
    "chemie",
    "bouwen",
]
LANGUAGES = ["Engels", "Arabisch", "Turks", "Pools", "Papiaments", "Berbers", "Sranantongo"]
REGIONS = ["Rotterdam", "Den Haag", "Delft", "Dordrecht", "Gouda", "Zoetermeer", "Schiedam", "Spijkenisse"]


def make_people(n_mentees: int, n_buddies: int, capacity: int, seed: int = 20240501) -> tuple[list[Candidate], list[Candidate]]:
    """Random but realistic mentees and buddies at one school."""
    rng = random.Random(seed)
    prog_weights = [8, 6, 10, 7, 4, 3, 3, 1, 2, 4, 1, 2]

    def person(pid: int, year: int, cap: int) -> Candidate:
        prog = rng.choices(range(len(PROGRAMMES)), weights=prog_weights)[0]
        langs = set() if rng.random() < 0.08 else {"Nederlands"}
        if rng.random() < 0.35:
            langs.add(rng.choice(LANGUAGES))
        if not langs:
            langs.add("Engels")
        return Candidate(
            id=pid,
            school_id=1,
            year=year,
            programme_id=prog,
            programme_name=PROGRAMMES[prog],
            first_name=f"S{pid}",
            interests=frozenset(rng.sample(INTERESTS, rng.randint(0, 5))),
            languages=frozenset(langs),
            region=None if rng.random() < 0.1 else rng.choice(REGIONS),
            contact=rng.choice(["school", "online", None, "school"]),
            matters=frozenset(c for c in CRITERIA if rng.random() < 0.25),
            capacity=cap,
        )

    mentees = [person(i, rng.choices([1, 2, 3], weights=[60, 30, 10])[0], 1) for i in range(n_mentees)]
    buddies = [
        person(100_000 + i, rng.choices([2, 3, 4], weights=[35, 40, 25])[0], capacity) for i in range(n_buddies)
    ]
    return mentees, buddies


def greedy(
    mentees: list[Candidate], buddies: list[Candidate], weights: Weights = DEFAULT_WEIGHTS, seed: int = 7
) -> tuple[list[tuple[int, int]], int]:
    """Baseline: mentees in random order each take their best buddy with a free seat.

    Returns the pairs ``(buddy_id, mentee_id)`` and their total fit.
    """
    flags = only_one_flags(mentees)
    scores, eligible = score_matrix(mentees, buddies, weights, flags)
    free = np.array([b.capacity for b in buddies], dtype=np.int64)
    order = list(range(len(mentees)))
    random.Random(seed).shuffle(order)
    pairs: list[tuple[int, int]] = []
    total = 0
    for i in order:
        ok = eligible[i] & (free > 0)
        if not ok.any():
            continue
        row = np.where(ok, scores[i], -1)
        j = int(np.argmax(row))
        free[j] -= 1
        pairs.append((buddies[j].id, mentees[i].id))
        total += int(scores[i, j])
    return pairs, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    parser.add_argument("--mentees", type=int, default=2000)
    parser.add_argument("--buddies", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.smoke:
        args.mentees, args.buddies, args.runs = 40, 20, 1

    mentees, buddies = make_people(args.mentees, args.buddies, args.capacity)
    match(mentees[:5], buddies[:5])  # warm up imports

    times, cpu_times = [], []
    result = None
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = match(mentees, buddies)
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    assert result is not None
    t_match, c_match, b_match = statistics.median(times), statistics.median(cpu_times), min(times)

    g_times, g_cpu = [], []
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        g_pairs, g_total = greedy(mentees, buddies)
        g_times.append(time.perf_counter() - t0)
        g_cpu.append(time.process_time() - c0)
    t_greedy, c_greedy, b_greedy = statistics.median(g_times), statistics.median(g_cpu), min(g_times)

    fig = result.figures
    print(
        f"buddy matching: {args.mentees} mentees, {args.buddies} buddies of capacity {args.capacity} "
        f"({args.buddies * args.capacity} seats), one school, median of {args.runs} runs"
    )
    print(
        f"{'method':<9} {'median s':>9} {'best s':>7} {'cpu s':>6} {'x target':>9} "
        f"{'total fit':>10} {'matched':>8} {'unmatched':>10}"
    )
    print(
        f"{'optimal':<9} {t_match:>9.3f} {b_match:>7.3f} {c_match:>6.3f} {t_match / TARGET_SECONDS:>9.2f} "
        f"{fig['total_score']:>10} {fig['matched']:>8} {fig['unmatched']:>10}"
    )
    print(
        f"{'greedy':<9} {t_greedy:>9.3f} {b_greedy:>7.3f} {c_greedy:>6.3f} {t_greedy / TARGET_SECONDS:>9.2f} "
        f"{g_total:>10} {len(g_pairs):>8} {args.mentees - len(g_pairs):>10}"
    )
    if result.unmatched:
        reasons = Counter(result.unmatched.values()).most_common()
        print("why unmatched (optimal): " + "; ".join(f"{n} x '{text}'" for text, n in reasons))
    print(
        f"target: median under {TARGET_SECONDS} s for the optimal matcher -> "
        f"{'OK' if t_match < TARGET_SECONDS else 'TOO SLOW'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
