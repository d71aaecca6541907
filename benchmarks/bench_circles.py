"""Benchmark circle formation against a naive baseline.

Run from the repository root::

    .venv/bin/python benchmarks/bench_circles.py            # 2,000 studentes, 300 mentors
    .venv/bin/python benchmarks/bench_circles.py --smoke    # small, for the test suite

Data is random but realistic and fixed by a seed: one school, twelve technical
programmes in five sectors (ICT, elektrotechniek, werktuigbouw, bouw,
installatietechniek) with uneven popularity, years 1 to 4 (more in the lower
years), a few studentes without a known programme; mentors are alumnae of the
same programmes who graduated between 2010 and 2026 (more recent ones more
often, a few unknown), most with capacity 1 and some with 2.

The baseline cuts the studentes in id order into the same number of balanced
circles and hands out mentors in id order; both are scored with the same
objective (:func:`webapp.matching.circles.evaluate_circles`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from webapp.matching.circles import (  # noqa: E402
    Mentor,
    Student,
    evaluate_circles,
    propose_circles,
)

TARGET_SECONDS = 5.0
CURRENT_YEAR = 2026

#: (name, sector, relative number of studentes asking for a circle)
PROGRAMMES: list[tuple[str, str, int]] = [
    ("Software developer", "ICT", 14),
    ("ICT-beheer", "ICT", 8),
    ("Cybersecurity", "ICT", 5),
    ("Elektrotechniek", "elektrotechniek", 7),
    ("Mechatronica", "elektrotechniek", 5),
    ("Technicus engineering", "elektrotechniek", 3),
    ("Werktuigbouwkunde", "werktuigbouw", 6),
    ("Lasser", "werktuigbouw", 2),
    ("Bouwkunde", "bouw", 9),
    ("Timmerman", "bouw", 2),
    ("Installatietechniek", "installatietechniek", 4),
    ("Monteur duurzame energie", "installatietechniek", 3),
]
PROGRAMME_NAMES = {i + 1: name for i, (name, _sector, _weight) in enumerate(PROGRAMMES)}


def make_people(n_students: int, n_mentors: int, seed: int = 20260301) -> tuple[list[Student], list[Mentor]]:
    """Random but realistic studentes (in order of request) and mentors."""
    rng = random.Random(seed)
    ids = list(range(1, len(PROGRAMMES) + 1))
    weights = [w for _name, _sector, w in PROGRAMMES]
    students: list[Student] = []
    for sid in range(1, n_students + 1):
        year = rng.choices([1, 2, 3, 4], weights=[35, 30, 22, 13])[0]
        if rng.random() < 0.01:
            students.append(Student(sid, None, rng.choice([None, "ICT", "bouw"]), year))
            continue
        programme = rng.choices(ids, weights=weights)[0]
        students.append(Student(sid, programme, PROGRAMMES[programme - 1][1], year))
    rng.shuffle(students)  # order of request is not id order
    mentor_weights = [max(1, w // 2) + 2 for w in weights]
    years = list(range(2010, 2027))
    mentors: list[Mentor] = []
    for i in range(n_mentors):
        programme = rng.choices(ids, weights=mentor_weights)[0]
        graduated = None if rng.random() < 0.03 else rng.choices(years, weights=[1 + j for j in range(len(years))])[0]
        capacity = rng.choices([1, 2], weights=[85, 15])[0]
        mentors.append(Mentor(10_000 + i, programme, PROGRAMMES[programme - 1][1], graduated, capacity))
    return students, mentors


def baseline(
    students: list[Student], mentors: list[Mentor], k: int, m: int
) -> list[tuple[tuple[int, ...], int]]:
    """The first ``m`` requests cut in id order into ``k`` balanced circles; mentors in id order."""
    placed = sorted(s.id for s in students[:m])
    slots = [x.id for x in sorted(mentors, key=lambda x: x.id) for _ in range(x.capacity)]
    base, extra = divmod(m, k)
    groups: list[tuple[tuple[int, ...], int]] = []
    start = 0
    for i in range(k):
        size = base + (1 if i < extra else 0)
        groups.append((tuple(placed[start : start + size]), slots[i]))
        start += size
    return groups


def describe(figures: dict[str, Any]) -> dict[str, Any]:
    circles = figures["circles"] or 1
    return {
        "circles": figures["circles"],
        "mean size": figures["mean_size"],
        "min size": figures["smallest"],
        "max size": figures["largest"],
        "one programme": figures["programme_homogeneous"] / circles,
        "programme + year": figures["programme_year_homogeneous"] / circles,
        "mentor same programme": figures["mentor_same_programme"] / circles,
        "mentor same sector": figures["mentor_same_sector"] / circles,
        "cost": figures["cost"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small run for the test suite")
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=300)
    parser.add_argument("--target", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20260301)
    args = parser.parse_args(argv)
    if args.smoke:
        args.students, args.mentors, args.runs = 80, 14, 1

    students, mentors = make_people(args.students, args.mentors, args.seed)
    propose_circles(students[:12], mentors[:2], args.target, current_year=CURRENT_YEAR)  # warm up

    times, cpu_times = [], []
    proposal = None
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        proposal = propose_circles(
            students, mentors, args.target, current_year=CURRENT_YEAR, programme_names=PROGRAMME_NAMES
        )
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    assert proposal is not None
    median, best, cpu = statistics.median(times), min(times), statistics.median(cpu_times)
    fig = proposal.figures

    groups = baseline(students, mentors, fig["circles"], fig["placed"])
    _circles, base_fig = evaluate_circles(groups, students, mentors, current_year=CURRENT_YEAR)

    capacity = sum(x.capacity for x in mentors)
    print(
        f"circle formation: {args.students} studentes, {args.mentors} mentors ({capacity} circle places), "
        f"target size {args.target} ({fig['min_size']}-{fig['max_size']}), median of {args.runs} runs"
    )
    print(
        f"time: median {median:.3f} s, best {best:.3f} s, cpu {cpu:.3f} s, "
        f"{median / TARGET_SECONDS:.2f} x the {TARGET_SECONDS:.0f} s target -> "
        f"{'OK' if median < TARGET_SECONDS else 'TOO SLOW'}"
    )
    print(
        f"optimal: {fig['optimal']} (method {fig['method']}, cost {fig['cost']}, lower bound {fig['lower_bound']}); "
        f"placed {fig['placed']}, unplaced {fig['unplaced']}"
        + (f" ({proposal.unplaced_reason})" if proposal.unplaced else "")
    )
    ours, base = describe(fig), describe(base_fig)
    print(f"{'':<24}{'proposal':>10}{'baseline':>10}")
    for key in ours:
        a, b = ours[key], base[key]
        if isinstance(a, float) and key not in {"mean size"}:
            print(f"{key:<24}{a:>10.1%}{b:>10.1%}")
        else:
            print(f"{key:<24}{a:>10}{b:>10}")
    print(f"{'unplaced':<24}{fig['unplaced']:>10}{fig['unplaced']:>10}")
    if proposal.circles:
        example = proposal.circles[0]
        reasons = "; ".join(example.reasons)
        print(f"example circle: {len(example.students)} studentes, mentor {example.mentor_id}: {reasons}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
