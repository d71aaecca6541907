"""The network view's figures are computed at most once per NETWORK_FIGURES_MAX_AGE, for every process."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.dashboard import builders
from tests.dashboard.scenario import CUR, TODAY, build
from webapp.dashboard import services, snapshots
from webapp.dashboard.models import Snapshot
from webapp.extensions import db
from webapp.modeltools import utcnow


def _students(item_of, school) -> int:
    return next(item["students"] for item in item_of if item["school_id"] == school.id)


def test_network_figures_are_reused_until_they_are_older_than_the_maximum_age(app, world, monkeypatch):
    build(world.school_a, 61, students=12)
    first = services.network(CUR, "school", TODAY)
    before = _students(first["items"], world.school_a)
    builders.students(world.school_a, 3, year=2)

    again = services.network(CUR, "-students", TODAY)
    assert _students(again["items"], world.school_a) == before  # kept: the same figures, newly sorted
    assert again["computed_at"] == first["computed_at"]

    later = utcnow() + snapshots.max_age() + timedelta(seconds=1)
    monkeypatch.setattr(snapshots, "utcnow", lambda: later)
    expired = services.network(CUR, "school", TODAY)
    assert _students(expired["items"], world.school_a) == before + 3
    assert expired["computed_at"] == later


def test_an_admin_can_have_the_figures_computed_at_once(login_as, world):
    build(world.school_a, 62, students=10)
    admin = login_as("admin", htmx=True)
    page = admin.get("/dashboard/netwerk/paneel").get_data(as_text=True)
    assert "Berekend om" in page and "hoogstens 5 minuten" in page and "bijwerken=1" in page

    def school_b() -> int:
        rows = admin.get("/dashboard/netwerk.csv").get_data(as_text=True).splitlines()
        return int(next(row for row in rows if row.startswith("School B;")).split(";")[1])

    before = school_b()
    builders.students(world.school_b, 7)
    assert school_b() == before  # kept
    assert admin.get("/dashboard/netwerk/paneel?bijwerken=1").status_code == 200
    assert school_b() == before + 7


def test_without_a_maximum_age_every_view_computes(app, world):
    app.config["NETWORK_FIGURES_MAX_AGE"] = 0
    before = _students(services.network(CUR, "school", TODAY)["items"], world.school_b)
    builders.students(world.school_b, 6)
    assert _students(services.network(CUR, "school", TODAY)["items"], world.school_b) == before + 6


def test_two_processes_writing_the_same_snapshot_do_not_fail_and_old_ones_go(app):
    now = utcnow()
    snapshots._store("network:x", {"v": 1}, now - timedelta(days=3))
    snapshots._store("network:y", {"v": 1}, now)
    snapshots._store("network:y", {"v": 2}, now)  # as a second process computing at the same moment
    rows = dict(db.session.execute(select(Snapshot.key, Snapshot.data)).all())
    assert rows == {"network:y": {"v": 2}}
    assert snapshots.get_or_compute("network:y", lambda: {"v": 3}).data == {"v": 2}
    assert snapshots.get_or_compute("network:y", lambda: {"v": 3}, fresh=True).data == {"v": 3}
