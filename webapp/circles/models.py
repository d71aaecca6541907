"""Mentoring circles: a small group of studentes with one vakvrouw as mentor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.modeltools import one_of, utcnow
from webapp.people.models import Programme, School

CIRCLE_STATUSES = ("draft", "open", "full", "closed")
MEMBERSHIP_STATUSES = ("invited", "joined", "waitlisted", "left", "declined")


class MentoringCircle(db.Model):
    __tablename__ = "mentoring_circles"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 30", name="capacity_range"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        one_of("status", CIRCLE_STATUSES),
        Index(None, "school_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    theme: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    # Seats are counted in the row itself so that a conditional UPDATE hands out the last seat once.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Invite-only circles are not listed for sign-up: studentes join through an invitation.
    invite_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    school_year: Mapped[str] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    school: Mapped[School] = relationship()
    programme: Mapped[Programme | None] = relationship()
    mentor: Mapped[User | None] = relationship()


class CircleMembership(db.Model):
    __tablename__ = "circle_memberships"
    __table_args__ = (
        UniqueConstraint("circle_id", "student_id"),
        one_of("status", MEMBERSHIP_STATUSES),
        Index(None, "circle_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("mentoring_circles.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    joined_at: Mapped[datetime | None] = mapped_column(DateTime)
    left_at: Mapped[datetime | None] = mapped_column(DateTime)

    circle: Mapped[MentoringCircle] = relationship()
    student: Mapped[User] = relationship()


class CircleMeeting(db.Model):
    __tablename__ = "circle_meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index(None, "circle_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("mentoring_circles.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str | None] = mapped_column(String(500))
    topic: Mapped[str] = mapped_column(String(200), default="")
    mentor_note: Mapped[str] = mapped_column(Text, default="")
    # Calendar identity: one UID per meeting; each change raises the sequence.
    ical_uid: Mapped[str] = mapped_column(String(120), unique=True)
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    circle: Mapped[MentoringCircle] = relationship()


class MeetingAttendance(db.Model):
    __tablename__ = "meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("circle_meetings.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    present: Mapped[bool] = mapped_column(Boolean)


class CircleRequest(db.Model):
    """A studente asked to be placed in a circle this school year: the formation helper's input.

    The request is removed when she is placed by the formation helper or withdraws it.
    """

    __tablename__ = "circle_requests"
    __table_args__ = (
        UniqueConstraint("student_id", "school_year"),
        Index(None, "school_id", "school_year", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    school_year: Mapped[str] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    student: Mapped[User] = relationship()
