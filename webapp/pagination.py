"""Pages of a list with their total in one query.

Flask-SQLAlchemy's `db.paginate` runs the query twice: once for the total and once for the page.
For a search over a large table both do the same work (join, filter), so here the total rides
along with the page as a window function, `count(*) OVER ()`, computed over every matching row
before LIMIT. Only a page past the end (no rows, so no total) asks for the count on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from webapp.extensions import db


@dataclass
class Page:
    """The parts of Flask-SQLAlchemy's Pagination that the templates use."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def paginate(query: Select, page: int, per_page: int) -> Page:
    """One page of an ORM select of one entity (ordered), with the number of all its rows."""
    page = max(1, page)
    counted = query.add_columns(func.count().over().label("total_rows")).limit(per_page).offset((page - 1) * per_page)
    rows = db.session.execute(counted).all()
    if rows:
        return Page([row[0] for row in rows], page, per_page, int(rows[0][-1]))
    total = 0 if page == 1 else db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return Page([], page, per_page, int(total or 0))
