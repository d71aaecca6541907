"""Speeddate events: hosts at tables, students with ranked preferences, and the schedule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.modeltools import one_of, utcnow
from webapp.people.models import School

EVENT_KINDS = ("stage", "keuzedeel", "beroep")
EVENT_STATUSES = ("draft", "open", "closed", "scheduled", "published", "done", "cancelled")


class SpeeddateEvent(db.Model):
    __tablename__ = "speeddate_events"
    __table_args__ = (
        one_of("kind", EVENT_KINDS),
        one_of("status", EVENT_STATUSES),
        CheckConstraint("rounds BETWEEN 1 AND 20", name="rounds_range"),
        CheckConstraint("minutes_per_round BETWEEN 1 AND 120", name="minutes_range"),
        CheckConstraint("break_minutes BETWEEN 0 AND 60", name="break_range"),
        CheckConstraint("held_rounds >= 0", name="held_rounds_positive"),
        Index(None, "school_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(160))
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    rounds: Mapped[int] = mapped_column(Integer, default=4)
    minutes_per_round: Mapped[int] = mapped_column(Integer, default=15)
    break_minutes: Mapped[int] = mapped_column(Integer, default=5)
    registration_deadline: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Who is invited: a list of {"programme_id": int, "year": int, "at": iso time, "count": int}.
    # A student of the school sees the event when her programme and year are in it.
    audience: Mapped[list] = mapped_column(JSON, default=list)
    # Figures of the last scheduler run (generate or repair), for the review page.
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    # Raised with every change of a published schedule; the SEQUENCE of the calendar files.
    schedule_version: Mapped[int] = mapped_column(Integer, default=0)
    # On the day: rounds 1..held_rounds have started and are frozen for repairs.
    held_rounds: Mapped[int] = mapped_column(Integer, default=0)

    school: Mapped[School] = relationship()


class SpeeddateHost(db.Model):
    """A table at the event: an alumna, a senior student or an outside guest."""

    __tablename__ = "speeddate_hosts"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN alumna_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN student_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN guest_name IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_person",
        ),
        CheckConstraint("seats_per_round BETWEEN 1 AND 50", name="seats_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("speeddate_events.id", ondelete="CASCADE"), index=True)
    alumna_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    guest_name: Mapped[str | None] = mapped_column(String(120))
    topic: Mapped[str] = mapped_column(String(160), default="")
    company: Mapped[str] = mapped_column(String(160), default="")
    table_label: Mapped[str] = mapped_column(String(20), default="")
    seats_per_round: Mapped[int] = mapped_column(Integer, default=8)
    dropped_out: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[SpeeddateEvent] = relationship()
    alumna: Mapped[User | None] = relationship(foreign_keys=[alumna_id])
    student: Mapped[User | None] = relationship(foreign_keys=[student_id])


class SpeeddateRegistration(db.Model):
    __tablename__ = "speeddate_registrations"
    __table_args__ = (UniqueConstraint("event_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("speeddate_events.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    no_show: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[SpeeddateEvent] = relationship()
    student: Mapped[User] = relationship()
    preferences: Mapped[list[SpeeddatePreference]] = relationship(
        order_by="SpeeddatePreference.rank", cascade="all, delete-orphan"
    )


class SpeeddatePreference(db.Model):
    __tablename__ = "speeddate_preferences"
    __table_args__ = (
        UniqueConstraint("registration_id", "rank"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    )

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("speeddate_registrations.id", ondelete="CASCADE"), primary_key=True
    )
    host_id: Mapped[int] = mapped_column(ForeignKey("speeddate_hosts.id", ondelete="CASCADE"), primary_key=True, index=True)
    rank: Mapped[int] = mapped_column(Integer)


class SpeeddateSlot(db.Model):
    """One conversation of the schedule: in a round, a student sits at a host's table."""

    __tablename__ = "speeddate_slots"
    __table_args__ = (
        UniqueConstraint("event_id", "round", "student_id"),
        UniqueConstraint("event_id", "host_id", "student_id"),
        CheckConstraint("round >= 1", name="round_positive"),
        Index(None, "event_id", "round", "host_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("speeddate_events.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    host_id: Mapped[int] = mapped_column(ForeignKey("speeddate_hosts.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    attended: Mapped[bool | None] = mapped_column(Boolean)
