"""Studentes with buddy wishes, built directly (no forms), for the buddies tests."""

from __future__ import annotations

import itertools

from webapp.auth.models import User
from webapp.extensions import db
from webapp.people.models import School, StudentProfile

_n = itertools.count(1)


def student(
    school: School,
    *,
    year: int = 1,
    first_name: str | None = None,
    last_name: str = "Test",
    programme: int = 0,
    wants: bool = False,
    volunteers: bool = False,
    capacity: int = 1,
    interests: tuple[str, ...] = (),
    languages: tuple[str, ...] = (),
    region: str | None = None,
    contact: str | None = None,
    matters: tuple[str, ...] = (),
    share_email: bool = False,
    share_phone: bool = False,
    phone: str | None = None,
    status: str = "active",
    commit: bool = True,
) -> User:
    """A student of `school` (programme by index in school.programmes: 0 Software developer, 1 Technicus)."""
    n = next(_n)
    first_name = first_name or f"Studente{n}"
    user = User(
        email=f"{first_name.lower()}.{n}@student.example.org",
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        activated=True,
    )
    user.add_role("student")
    db.session.add(user)
    db.session.flush()
    db.session.add(
        StudentProfile(
            user_id=user.id,
            school_id=school.id,
            programme_id=school.programmes[programme].id,
            year=year,
            interests=list(interests),
            wants_buddy=wants,
            volunteers_as_buddy=volunteers,
            buddy_capacity=capacity if volunteers else 0,
            buddy_preferences={"languages": list(languages), "region": region, "contact": contact, "matters": list(matters)},
            share_email=share_email,
            share_phone=share_phone,
            status=status,
        )
    )
    if commit:
        db.session.commit()
    return user


def profile(user: User) -> StudentProfile:
    return db.session.get(StudentProfile, user.id)
