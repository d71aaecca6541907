"""One query for a page and its total: the same pages as Flask-SQLAlchemy's two-query paginate."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import contains_eager

from tests.conftest import make_user
from webapp.auth.models import User
from webapp.extensions import db
from webapp.pagination import paginate
from webapp.people.models import StudentProfile


def _students_query(school_id: int, year: int | None = None):
    query = (
        select(StudentProfile)
        .join(StudentProfile.user)
        .options(contains_eager(StudentProfile.user))
        .where(StudentProfile.school_id == school_id)
    )
    if year:
        query = query.where(StudentProfile.year == year)
    return query.order_by(User.last_name, StudentProfile.user_id)


@pytest.mark.parametrize("count", [0, 1, 4, 5, 6, 11])
def test_every_page_matches_flask_sqlalchemy(world, count):
    for k in range(count):
        make_user("student", world.school_b, year=2 + k % 3)
    db.session.commit()
    school = world.school_b.id
    for year in (None, 2, 3):
        expected_total = db.paginate(_students_query(school, year), page=1, per_page=5, error_out=False).total
        for number in range(1, 5):
            ours = paginate(_students_query(school, year), number, 5)
            theirs = db.paginate(_students_query(school, year), page=number, per_page=5, error_out=False)
            assert [p.user_id for p in ours.items] == [p.user_id for p in theirs.items]
            assert ours.total == theirs.total == expected_total
            assert (ours.pages, ours.has_prev, ours.has_next, ours.prev_num, ours.next_num) == (
                theirs.pages, theirs.has_prev, theirs.has_next, theirs.prev_num, theirs.next_num
            ), (count, year, number)


def test_a_page_with_rows_is_one_query_and_past_the_end_two(world):
    already = paginate(_students_query(world.school_b.id), 1, 5).total  # the world's own studente
    for _ in range(7 - already):
        make_user("student", world.school_b)
    db.session.commit()
    school = world.school_b.id
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert len(paginate(_students_query(school), 2, 5).items) == 2
        assert len(statements) == 1
        statements.clear()
        past = paginate(_students_query(school), 9, 5)
        assert (past.items, past.total, past.pages, past.has_next) == ([], 7, 2, False)
        assert len(statements) == 2
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
