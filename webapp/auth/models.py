"""Users, their roles, and the signed invitations that activate accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth import passwords
from webapp.extensions import db
from webapp.modeltools import one_of, utcnow

ROLES = ("student", "alumna", "coordinator", "admin")
LOCALES = ("nl", "en")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("locale", LOCALES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    activated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Loaded with the signed-in user (see webapp.security.load_user); other users' roles are
    # read only now and then, so a list of users does not bring a query for their roles.
    roles: Mapped[list[UserRole]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def role_names(self) -> set[str]:
        return {role.role for role in self.roles}

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names.intersection(names))

    def add_role(self, name: str) -> None:
        if name not in ROLES:
            raise ValueError(f"unknown role {name!r}")
        if name not in self.role_names:
            self.roles.append(UserRole(role=name))

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str, *, upgrade: bool = False) -> bool:
        """Whether the password is hers; with upgrade, an outdated hash of it is replaced (not committed)."""
        if not passwords.verify_password(self.password_hash, password):
            return False
        if upgrade and passwords.needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    # Flask-Login: only activated accounts may log in.
    @property
    def is_active(self) -> bool:
        return self.activated


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (one_of("role", ROLES),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


INVITATION_KINDS = (
    "activate",  # a student's or coordinator's account, created by someone else
    "alumna",  # an alumna invited to join the network
    "password_reset",
    "circle",  # a student invited to a mentoring circle
    "guardian_consent",  # a parent's consent for a student under 16
    "feedback",  # an anonymous feedback link after a guest lesson
)
INVITATION_STATUSES = ("pending", "accepted", "declined", "withdrawn")


class Invitation(db.Model):
    """A single-use, expiring invitation; the e-mailed token is signed and names this row."""

    __tablename__ = "invitations"
    __table_args__ = (
        one_of("kind", INVITATION_KINDS),
        one_of("status", INVITATION_STATUSES),
        Index(None, "school_id", "kind", "status"),
        Index(None, "email"),
        Index(None, "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    nonce: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_count: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
