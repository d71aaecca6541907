"""Schools, their programmes, and the profiles of students, alumnae and coordinators."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.modeltools import one_of, utcnow

SECTORS = (
    "ict",
    "elektrotechniek",
    "werktuigbouw",
    "mechatronica",
    "bouw",
    "installatietechniek",
    "procestechniek",
    "motorvoertuigen",
    "luchtvaart",
    "maritiem",
    "overig",
)
PATHWAYS = ("BOL", "BBL")
STUDENT_STATUSES = ("active", "graduated", "switched", "left")
ACTIVITIES = ("guest_lesson", "speeddate", "circle_mentor", "open_day")


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (CheckConstraint("retention_years BETWEEN 1 AND 10", name="retention_years_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    city: Mapped[str] = mapped_column(String(80), default="")
    brin: Mapped[str | None] = mapped_column(String(8), unique=True)
    retention_years: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    programmes: Mapped[list[Programme]] = relationship(
        back_populates="school", order_by="Programme.name", cascade="all, delete-orphan"
    )


class Programme(db.Model):
    """An opleiding at a school: crebo code, level, pathway and sector."""

    __tablename__ = "programmes"
    __table_args__ = (
        UniqueConstraint("school_id", "crebo", "pathway"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
        one_of("pathway", PATHWAYS),
        one_of("sector", SECTORS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    crebo: Mapped[str] = mapped_column(String(10))
    level: Mapped[int] = mapped_column(Integer, default=4)
    pathway: Mapped[str] = mapped_column(String(3), default="BOL")
    sector: Mapped[str] = mapped_column(String(40))

    school: Mapped[School] = relationship(back_populates="programmes")


class StudentProfile(db.Model):
    __tablename__ = "student_profiles"
    __table_args__ = (
        UniqueConstraint("school_id", "student_number"),
        CheckConstraint("year BETWEEN 1 AND 4", name="year_range"),
        CheckConstraint("buddy_capacity BETWEEN 0 AND 3", name="buddy_capacity_range"),
        one_of("status", STUDENT_STATUSES),
        Index(None, "school_id", "status", "programme_id", "year"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"), index=True)
    year: Mapped[int] = mapped_column(Integer, default=1)
    student_number: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    interests: Mapped[list] = mapped_column(JSON, default=list)
    wants_buddy: Mapped[bool] = mapped_column(Boolean, default=False)
    volunteers_as_buddy: Mapped[bool] = mapped_column(Boolean, default=False)
    buddy_capacity: Mapped[int] = mapped_column(Integer, default=0)
    buddy_preferences: Mapped[dict] = mapped_column(JSON, default=dict)
    share_email: Mapped[bool] = mapped_column(Boolean, default=False)
    share_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_email: Mapped[str | None] = mapped_column(String(254))
    guardian_consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="active")
    left_at: Mapped[date | None] = mapped_column(Date)
    leave_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    school: Mapped[School] = relationship()
    programme: Mapped[Programme | None] = relationship()


class AlumnaProfile(db.Model):
    __tablename__ = "alumna_profiles"
    __table_args__ = (
        CheckConstraint("graduated_year BETWEEN 1950 AND 2100", name="graduated_year_range"),
        CheckConstraint("max_per_year BETWEEN 0 AND 50", name="max_per_year_range"),
        one_of("sector", SECTORS),
        Index(None, "sector"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"), index=True)
    programme_name: Mapped[str] = mapped_column(String(160), default="")
    graduated_year: Mapped[int | None] = mapped_column(Integer)
    job_title: Mapped[str] = mapped_column(String(120), default="")
    employer: Mapped[str] = mapped_column(String(160), default="")
    sector: Mapped[str] = mapped_column(String(40), default="overig")
    topics: Mapped[list] = mapped_column(JSON, default=list)
    activities: Mapped[list] = mapped_column(JSON, default=list)
    max_per_year: Mapped[int] = mapped_column(Integer, default=4)
    all_schools: Mapped[bool] = mapped_column(Boolean, default=True)
    story: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    school: Mapped[School | None] = relationship()
    programme: Mapped[Programme | None] = relationship()
    allowed_schools: Mapped[list[AlumnaAllowedSchool]] = relationship(cascade="all, delete-orphan")


class AlumnaAllowedSchool(db.Model):
    """A school an alumna allows to invite her (used when all_schools is off)."""

    __tablename__ = "alumna_allowed_schools"

    alumna_id: Mapped[int] = mapped_column(
        ForeignKey("alumna_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True, index=True)


class CoordinatorProfile(db.Model):
    __tablename__ = "coordinator_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    job_title: Mapped[str] = mapped_column(String(120), default="")

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    school: Mapped[School] = relationship()
