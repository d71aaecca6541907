"""Pages of a list with their total in one query.

Flask-SQLAlchemy's `db.paginate` runs the query twice: once for the page and once for the total.
For a search over a large table both do the same work (join, filter), so here the total rides
along with the page as a window function, `count(*) OVER ()`, computed over every matching row
before LIMIT. Only a page past the end (no rows, so no total) asks for the count on its own.
"""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, func

from webapp.extensions import db


class CountedPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination, with the total read from the page's own rows."""

    _total: int | None = None

    def _query_items(self) -> list[Any]:
        query = self._query_args["select"]
        counted = query.add_columns(func.count().over().label("total_rows")).limit(self.per_page).offset(self._query_offset)
        rows = self._query_args["session"].execute(counted).all()
        if rows:
            self._total = int(rows[0][-1])
        elif self.page == 1:
            self._total = 0
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return self._total if self._total is not None else super()._query_count()


def paginate(query: Select, page: int, per_page: int) -> CountedPagination:
    """One page of an ORM select of one entity (ordered), with the number of all its rows."""
    return CountedPagination(select=query, session=db.session(), page=page, per_page=per_page, error_out=False)
