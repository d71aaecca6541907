from datetime import datetime

from icalendar import Calendar

from webapp.ics import CalendarEvent, calendar_file


def _event(**changes):
    values = dict(uid="meeting-1@kring", sequence=0, starts_at=datetime(2026, 12, 1, 14, 0), ends_at=datetime(2026, 12, 1, 15, 0), summary="Kring", location="Lokaal 2.14")
    values.update(changes)
    return CalendarEvent(**values)


def test_calendar_file_has_one_event_with_uid_sequence_and_utc_times():
    calendar = Calendar.from_ical(calendar_file(_event(), attendee_email="noor@example.org"))
    [event] = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == "meeting-1@kring" and int(event["sequence"]) == 0
    assert event.decoded("dtstart").isoformat() == "2026-12-01T14:00:00+00:00"
    assert str(event["location"]) == "Lokaal 2.14" and "noor@example.org" in str(event["attendee"])


def test_update_keeps_uid_and_raises_sequence_and_cancel_says_so():
    update = Calendar.from_ical(calendar_file(_event(sequence=1, location="Aula")))
    cancel = Calendar.from_ical(calendar_file(_event(sequence=2, cancelled=True)))
    [updated] = update.walk("VEVENT")
    [cancelled] = cancel.walk("VEVENT")
    assert str(updated["uid"]) == str(cancelled["uid"]) == "meeting-1@kring"
    assert int(updated["sequence"]) == 1 and int(cancelled["sequence"]) == 2
    assert str(cancel["method"]) == "CANCEL" and str(cancelled["status"]) == "CANCELLED"
