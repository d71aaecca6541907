"""Figures that are costly to compute, kept a few minutes in the database for every server process.

The network view adds up every studente of the network; it is computed at most once per
NETWORK_FIGURES_MAX_AGE seconds (default 300) and shown with the time it was computed, and an
admin can have it computed at once. A snapshot is written in a transaction of its own, so a page
that reads figures never commits the request's session; two processes that compute the same figures
at the same moment both write, and the later one wins (an upsert, no error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from flask import current_app
from sqlalchemy import delete, select

from webapp.dashboard.models import Snapshot
from webapp.extensions import db
from webapp.modeltools import utcnow

DEFAULT_MAX_AGE_S = 300
# Snapshots older than this are deleted when another is written (keys hold the day).
KEEP = timedelta(days=2)


@dataclass(frozen=True)
class Figures:
    data: Any
    computed_at: datetime


def max_age() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("NETWORK_FIGURES_MAX_AGE", DEFAULT_MAX_AGE_S)))


def get_or_compute(key: str, compute: Callable[[], Any], *, fresh: bool = False) -> Figures:
    """The stored figures under `key` when younger than the maximum age, else `compute()` stored now."""
    now = utcnow()
    if not fresh and max_age() > timedelta(0):
        stored = db.session.execute(select(Snapshot.data, Snapshot.computed_at).where(Snapshot.key == key)).first()
        if stored is not None and now - max_age() <= stored.computed_at <= now:
            return Figures(stored.data, stored.computed_at)
    data = compute()
    _store(key, data, now)
    return Figures(data, now)


def _store(key: str, data: Any, now: datetime) -> None:
    engine = db.session.get_bind()
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Snapshot).values(key=key, computed_at=now, data=data)
    statement = statement.on_conflict_do_update(
        index_elements=[Snapshot.key], set_={"computed_at": statement.excluded.computed_at, "data": statement.excluded.data}
    )
    with engine.begin() as connection:
        connection.execute(statement)
        connection.execute(delete(Snapshot).where(Snapshot.computed_at < now - KEEP))
