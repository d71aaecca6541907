"""Small helpers shared by the models of every area."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint


def utcnow() -> datetime:
    """The current time as a naive UTC datetime: how every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    """A check constraint that keeps a string column inside a fixed set of values."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")
