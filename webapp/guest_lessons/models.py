"""Guest lessons and other one-off activities: a school asks, alumnae offer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.modeltools import one_of, utcnow
from webapp.people.models import Programme, School

ACTIVITY_KINDS = ("guest_lesson", "open_day", "other")
LESSON_STATUSES = ("open", "offered", "confirmed", "done", "cancelled")
OFFER_STATUSES = ("invited", "offered", "confirmed", "released", "withdrawn", "declined")


class GuestLesson(db.Model):
    __tablename__ = "guest_lessons"
    __table_args__ = (
        one_of("kind", ACTIVITY_KINDS),
        one_of("status", LESSON_STATUSES),
        CheckConstraint("year IS NULL OR year BETWEEN 1 AND 4", name="year_range"),
        CheckConstraint("student_count IS NULL OR student_count BETWEEN 1 AND 500", name="student_count_range"),
        Index(None, "school_id", "status"),
        Index(None, "status", "kind"),
        Index(None, "status", "starts_at"),
        CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="guest_lesson")
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"), index=True)
    class_name: Mapped[str] = mapped_column(String(60), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    student_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ical_uid: Mapped[str] = mapped_column(String(120), unique=True)
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The time fixed at confirmation (naive UTC), copied from the chosen option; empty before.
    starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    school: Mapped[School] = relationship()
    programme: Mapped[Programme | None] = relationship()
    options: Mapped[list[GuestLessonOption]] = relationship(
        order_by="GuestLessonOption.starts_at", cascade="all, delete-orphan"
    )


class GuestLessonOption(db.Model):
    """One of the date and time options a school offers for a guest lesson."""

    __tablename__ = "guest_lesson_options"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("guest_lessons.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime)


class GuestLessonOffer(db.Model):
    __tablename__ = "guest_lesson_offers"
    __table_args__ = (
        UniqueConstraint("lesson_id", "alumna_id"),
        one_of("status", OFFER_STATUSES),
        Index(None, "alumna_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("guest_lessons.id", ondelete="CASCADE"))
    alumna_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("guest_lesson_options.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="offered")
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    lesson: Mapped[GuestLesson] = relationship()
    alumna: Mapped[User] = relationship()
    option: Mapped[GuestLessonOption | None] = relationship()


class GuestLessonFeedback(db.Model):
    """Anonymous feedback from the class: no link back to the student."""

    __tablename__ = "guest_lesson_feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("guest_lessons.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
