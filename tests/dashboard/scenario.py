"""A varied school made from a seed, with the expected figures counted in plain Python.

`build(school, seed)` makes studentes (programmes, years, departures) and activity rows; `expected`
counts, from the test's own records only, what the dashboard must show.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tests.dashboard import builders
from webapp.dashboard.services import SchoolYear
from webapp.modeltools import utcnow

TODAY = date.today()
CUR = SchoolYear.of(TODAY)
PREV = CUR.previous


@dataclass
class World:
    specs: list[builders.Spec] = field(default_factory=list)
    memberships: list[tuple[SchoolYear, int, str, bool]] = field(default_factory=list)  # (circle year, student, status, joined before)
    pairs: list[tuple[int, int, str, datetime, datetime | None]] = field(default_factory=list)
    events: list[tuple[str, datetime, list[int], set[int]]] = field(default_factory=list)


def _day_in(rng: random.Random, sy: SchoolYear) -> date:
    last = min(TODAY, sy.end_day - timedelta(days=1))
    return sy.first_day + timedelta(days=rng.randint(0, max(0, (last - sy.first_day).days)))


def _moment_in(rng: random.Random, sy: SchoolYear) -> datetime:
    """A moment inside sy and not in the future."""
    end = min(utcnow(), sy.ends_utc)
    span = int((end - sy.starts_utc).total_seconds())
    return sy.starts_utc + timedelta(seconds=rng.randint(0, max(0, span - 1)))


def build(school, seed: int, students: int = 40) -> World:
    rng = random.Random(seed)
    world = World()
    for _ in range(students):
        programme, year = rng.randint(0, 1), rng.randint(1, 4)
        roll = rng.random()
        if roll < 0.6:
            status, left_at = "active", None
        elif roll < 0.7 and year == 4:
            status, left_at = "graduated", _day_in(rng, rng.choice((PREV, CUR)))
        else:
            status = rng.choice(("switched", "left"))
            left_at = _day_in(rng, rng.choice((PREV.previous, PREV, CUR)))
        world.specs += builders.students(school, 1, programme=programme, year=year, status=status, left_at=left_at)
    ids = [s.user_id for s in world.specs]
    for sy in (PREV.previous, PREV, CUR):
        for _ in range(2):
            members = []
            for student_id in rng.sample(ids, k=min(len(ids), 6)):
                status, was_joined = rng.choice(
                    [("joined", True), ("joined", True), ("left", True), ("left", False), ("waitlisted", False), ("invited", False), ("declined", False)]
                )
                members.append((student_id, status, was_joined))
                world.memberships.append((sy, student_id, status, was_joined))
            builders.circle(school, sy, members)
    for _ in range(10):
        buddy, mentee = rng.sample(ids, k=2)
        status = rng.choice(("active", "ended", "proposed", "discarded"))
        start = _moment_in(rng, rng.choice((PREV.previous, PREV, CUR)))
        end = None
        if status == "ended":
            end = start + (utcnow() - start) * rng.random()
        builders.buddy_pair(school, buddy, mentee, status, start, end, approved=status in ("active", "ended") or rng.random() < 0.5)
        world.pairs.append((buddy, mentee, status, start, end))
    for status, sy in (("published", CUR), ("done", PREV), ("done", CUR), ("scheduled", CUR), ("cancelled", PREV), ("done", PREV.previous)):
        starts = _moment_in(rng, sy)
        chosen = rng.sample(ids, k=min(len(ids), 7))
        absent = set(chosen[:2]) if status == "done" else set()
        builders.speeddate(school, starts, status, chosen, absent=tuple(absent))
        world.events.append((status, starts, chosen, absent))
    return world


def year_in(spec: builders.Spec, sy: SchoolYear) -> int:
    reference = CUR.start if spec.status == "active" or spec.left_at is None else SchoolYear.of(spec.left_at).start
    return spec.year - (reference - sy.start)


def enrolled(spec: builders.Spec, sy: SchoolYear) -> bool:
    return year_in(spec, sy) >= 1 and (spec.status == "active" or spec.left_at >= sy.first_day)


def retained(spec: builders.Spec, sy: SchoolYear) -> bool:
    return not (spec.status in ("switched", "left") and spec.left_at < sy.end_day)


def participants(world: World, sy: SchoolYear) -> dict[str, set[int]]:
    circle = {sid for year, sid, status, was_joined in world.memberships if year == sy and (status == "joined" or (status == "left" and was_joined))}
    buddy = set()
    for b, m, status, start, end in world.pairs:
        if status in ("active", "ended") and start < sy.ends_utc and (status == "active" or (end or start) >= sy.starts_utc):
            buddy |= {b, m}
    speeddate = set()
    for status, starts, chosen, absent in world.events:
        if status in ("published", "done") and sy.starts_utc <= starts < sy.ends_utc:
            speeddate |= set(chosen) - absent
    return {"circle": circle, "buddy": buddy, "speeddate": speeddate, "any": circle | buddy | speeddate}


def expected(world: World, sy: SchoolYear) -> dict[tuple[int, int], dict[str, int]]:
    """Per (programme_id, year in sy): n, per activity, took part, retained (took part / not)."""
    took = participants(world, sy)
    out: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for spec in world.specs:
        if not enrolled(spec, sy):
            continue
        group = out[(spec.programme_id, year_in(spec, sy))]
        group["n"] += 1
        for activity in ("circle", "buddy", "speeddate", "any"):
            group[activity] += spec.user_id in took[activity]
        part = "took" if spec.user_id in took["any"] else "not"
        group[f"n_{part}"] += 1
        group[f"retained_{part}"] += retained(spec, sy)
    return out
