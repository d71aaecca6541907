"""Targets a school sets for itself: e.g. 40% of its studentes in a circle in 2026-2027."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.modeltools import one_of, utcnow
from webapp.people.models import School

#: The figures a school can set a target for; all are percentages (see services.py for the definitions).
METRICS = (
    "participation_share",
    "circle_share",
    "buddy_share",
    "speeddate_share",
    "retention_year1",
    "retention_all",
)


class Target(db.Model):
    __tablename__ = "dashboard_targets"
    __table_args__ = (
        UniqueConstraint("school_id", "metric", "school_year"),
        one_of("metric", METRICS),
        CheckConstraint("value BETWEEN 0 AND 100", name="value_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(30))
    school_year: Mapped[str] = mapped_column(String(9))
    value: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    school: Mapped[School] = relationship()
    created_by: Mapped[User | None] = relationship()


class Snapshot(db.Model):
    """Figures kept a short while so that every server process can reuse them (see snapshots.py)."""

    __tablename__ = "dashboard_snapshots"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    data: Mapped[dict] = mapped_column(JSON)
