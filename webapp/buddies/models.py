"""Buddy pairs of older and younger studentes, and the match runs that proposed them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.modeltools import one_of, utcnow

PAIR_STATUSES = ("proposed", "active", "ended", "discarded")
RUN_STATUSES = ("proposed", "approved", "discarded")


class MatchRun(db.Model):
    __tablename__ = "match_runs"
    __table_args__ = (one_of("status", RUN_STATUSES), Index(None, "school_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    # Mentees the run left without a buddy: [{"mentee_id": 12, "codes": ["all_full"]}], codes of
    # webapp.matching.buddies.UNMATCHED_TEMPLATES; older runs also have "reason" (Dutch text).
    unmatched: Mapped[list] = mapped_column(JSON, default=list)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)

    run_by: Mapped[User | None] = relationship(foreign_keys=[run_by_id])


class BuddyPair(db.Model):
    __tablename__ = "buddy_pairs"
    __table_args__ = (
        one_of("status", PAIR_STATUSES),
        CheckConstraint("buddy_id <> mentee_id", name="two_people"),
        Index(None, "school_id", "status"),
        Index(None, "mentee_id", "status"),
        Index(None, "buddy_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    buddy_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    match_run_id: Mapped[int | None] = mapped_column(ForeignKey("match_runs.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    # [{"code": "shared_interests", "params": {"interests": ["robotica"]}}, ...], put into words when
    # shown (webapp.buddies.reasons); older pairs have Dutch sentences, shown as they are.
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    end_reason: Mapped[str | None] = mapped_column(Text)

    buddy: Mapped[User] = relationship(foreign_keys=[buddy_id])
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])


class BuddyForbiddenPair(db.Model):
    """A pair the coordinator never wants proposed."""

    __tablename__ = "buddy_forbidden_pairs"
    __table_args__ = (UniqueConstraint("buddy_id", "mentee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    buddy_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
