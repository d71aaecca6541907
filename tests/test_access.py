"""A coordinator stays inside her own school: every school object of another school is 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import login_user
from werkzeug.exceptions import Forbidden, NotFound

from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.circles.models import MentoringCircle
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson
from webapp.modeltools import utcnow
from webapp.people.models import CoordinatorProfile, Programme, StudentProfile
from webapp.speeddates.models import SpeeddateEvent
from webapp.web import coordinator_school_id, get_in_school, school_query


def _objects_of(world, school):
    student = world.users["student_b"] if school is world.school_b else world.users["student"]
    other = world.users["coordinator_b"] if school is world.school_b else world.users["coordinator"]
    now = utcnow()
    objects = [
        MentoringCircle(school_id=school.id, name="Kring", capacity=6, school_year="2026-2027"),
        GuestLesson(school_id=school.id, topic="Zonnepanelen", ical_uid=f"gl-{school.id}@kring"),
        SpeeddateEvent(school_id=school.id, kind="stage", title="Stagespeeddate", starts_at=now, registration_deadline=now - timedelta(days=1)),
        MatchRun(school_id=school.id),
        BuddyPair(school_id=school.id, buddy_id=other.id, mentee_id=student.id),
        BuddyForbiddenPair(school_id=school.id, buddy_id=other.id, mentee_id=student.id),
    ]
    db.session.add_all(objects)
    db.session.commit()
    return objects + [db.session.get(StudentProfile, student.id), db.session.get(CoordinatorProfile, other.id), school.programmes[0]]


def _as(app, user):
    ctx = app.test_request_context("/")
    ctx.push()
    login_user(user)
    return ctx


def test_get_in_school_gives_404_for_every_object_of_another_school(app, world):
    others = _objects_of(world, world.school_b)
    own = _objects_of(world, world.school_a)
    ctx = _as(app, world.users["coordinator"])
    try:
        for obj in others:
            key = obj.user_id if hasattr(obj, "user_id") else obj.id
            with pytest.raises(NotFound):
                get_in_school(type(obj), key)
        for obj in own:
            key = obj.user_id if hasattr(obj, "user_id") else obj.id
            assert get_in_school(type(obj), key) is obj
        with pytest.raises(NotFound):
            get_in_school(MentoringCircle, 999_999)
    finally:
        ctx.pop()


def test_school_query_returns_only_own_school(app, world):
    _objects_of(world, world.school_b)
    _objects_of(world, world.school_a)
    ctx = _as(app, world.users["coordinator"])
    try:
        for model in (MentoringCircle, GuestLesson, SpeeddateEvent, MatchRun, BuddyPair, StudentProfile, Programme):
            rows = db.session.scalars(school_query(model)).all()
            assert rows and all(row.school_id == world.school_a.id for row in rows), model
    finally:
        ctx.pop()


@pytest.mark.parametrize("who", ["student", "alumna", "admin"])
def test_non_coordinators_have_no_school_to_act_in(app, world, who):
    ctx = _as(app, world.users[who])
    try:
        with pytest.raises(Forbidden):
            coordinator_school_id()
    finally:
        ctx.pop()
