"""Conversions between stored naive-UTC datetimes and the school's local time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def to_utc(local: datetime) -> datetime:
    """A naive local (Amsterdam) datetime as naive UTC, for storage."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)


def to_local(stored: datetime) -> datetime:
    """A stored naive-UTC datetime as an aware Amsterdam datetime."""
    return stored.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def school_year(day: date) -> str:
    """The Dutch school year a date falls in: it runs from 1 August, e.g. '2026-2027'."""
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"
