"""Calendar files (.ics) for meetings, guest lessons and speeddates.

One event keeps one UID for its whole life; every change is sent again with the same UID
and a higher SEQUENCE, and a cancellation is METHOD:CANCEL with STATUS:CANCELLED, so
calendar programs update or remove the event they already have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Kring//Kring//NL"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime  # naive UTC, as stored
    ends_at: datetime  # naive UTC
    summary: str
    description: str = ""
    location: str = ""
    url: str | None = None
    organizer_email: str | None = None
    cancelled: bool = False


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def calendar_file(*events: CalendarEvent, attendee_email: str | None = None) -> str:
    """The text of an .ics file with the given events (METHOD:CANCEL when all are cancelled)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if events and all(e.cancelled for e in events) else "REQUEST")
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("sequence", item.sequence)
        event.add("dtstamp", datetime.now(UTC))
        event.add("dtstart", _utc(item.starts_at))
        event.add("dtend", _utc(item.ends_at))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.url:
            event.add("url", item.url)
        if item.organizer_email:
            organizer = vCalAddress(f"mailto:{item.organizer_email}")
            organizer.params["cn"] = vText("Kring")
            event["organizer"] = organizer
        if attendee_email:
            attendee = vCalAddress(f"mailto:{attendee_email}")
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=0)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def new_uid(kind: str, ident: int | str) -> str:
    """A stable, globally unique UID for an object of Kring."""
    import uuid

    return f"{kind}-{ident}-{uuid.uuid4().hex[:12]}@kring"
