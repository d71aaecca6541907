"""Calendar files for meetings: one UID per meeting, updates keep it and raise SEQUENCE, cancel; reminders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from icalendar import Calendar
from sqlalchemy import select

from tests.circles.builders import make_circle, make_meeting, make_mentor, make_students
from tests.conftest import body_of
from webapp.circles import services
from webapp.circles.models import CircleMeeting
from webapp.extensions import db
from webapp.outbox import worker
from webapp.outbox.models import OutboxEmail
from webapp.timeutil import to_utc


def _events(ics_text):
    calendar = Calendar.from_ical(ics_text)
    return calendar, calendar.walk("VEVENT")


def _meeting_mails(kind_subject: str):
    return db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.template == "circles_meeting", OutboxEmail.subject.startswith(kind_subject)).order_by(OutboxEmail.id)
    ).all()


def _setup(app, world):
    mentor = make_mentor()
    circle = make_circle(world.school_a, mentor=mentor)
    students = make_students(world.school_a, 2)
    with app.test_request_context("/"):
        for student in students:
            services.join_circle(circle, student)
    return circle, mentor, students


def _plan(circle, coordinator, **changes):
    data = {"day": date(2026, 12, 1), "start": time(15, 0), "end": time(16, 30), "place": "Lokaal 2.14", "video_url": "", "topic": "Stage zoeken"}
    data.update(changes)
    return services.plan_meeting(circle, data, coordinator), data


def test_every_meeting_gets_its_own_uid_and_each_member_and_the_mentor_an_ics(app, world):
    circle, mentor, students = _setup(app, world)
    coordinator = world.users["coordinator"]
    first, _data = _plan(circle, coordinator)
    second, _data = _plan(circle, coordinator, day=date(2026, 12, 15))
    assert first.ical_uid != second.ical_uid and first.ical_uid.endswith("@kring")
    mails = _meeting_mails("Nieuwe bijeenkomst")
    assert {m.to_address for m in mails} == {s.email for s in students} | {mentor.email}
    assert len(mails) == 6
    for mail in mails:
        calendar, [event] = _events(mail.ics)
        assert str(calendar["method"]) == "REQUEST"
        assert int(event["sequence"]) == 0
        assert mail.to_address in str(event["attendee"])
    calendar, [event] = _events(mails[0].ics)
    assert str(event["uid"]) == first.ical_uid
    # 15:00 in Amsterdam in December is 14:00 UTC.
    assert event.decoded("dtstart").isoformat() == "2026-12-01T14:00:00+00:00"
    assert event.decoded("dtend").isoformat() == "2026-12-01T15:30:00+00:00"
    assert str(event["location"]) == "Lokaal 2.14"
    assert "Stage zoeken" in str(event["summary"]) and circle.name in str(event["summary"])


def test_a_change_sends_the_same_event_with_a_higher_sequence_and_a_cancel_ends_it(app, world):
    circle, mentor, students = _setup(app, world)
    coordinator = world.users["coordinator"]
    meeting, data = _plan(circle, coordinator)
    uid = meeting.ical_uid
    assert services.update_meeting(meeting, dict(data, start=time(16, 0), end=time(17, 0), place="Aula"), coordinator)
    assert not services.update_meeting(meeting, dict(data, start=time(16, 0), end=time(17, 0), place="Aula"), coordinator)  # nothing changed
    updates = _meeting_mails("Gewijzigd")
    assert len(updates) == 3
    _calendar, [event] = _events(updates[0].ics)
    assert str(event["uid"]) == uid and int(event["sequence"]) == 1
    assert str(event["location"]) == "Aula" and event.decoded("dtstart").isoformat() == "2026-12-01T15:00:00+00:00"

    services.cancel_meeting(meeting, coordinator)
    services.cancel_meeting(meeting, coordinator)  # twice is once
    cancels = _meeting_mails("Afgelast")
    assert len(cancels) == 3
    calendar, [event] = _events(cancels[0].ics)
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid and int(event["sequence"]) == 2
    assert db.session.get(CircleMeeting, meeting.id).ical_sequence == 2


def test_the_ics_arrives_as_an_attachment_over_smtp(app, world, smtp):
    circle, mentor, students = _setup(app, world)
    db.session.execute(OutboxEmail.__table__.delete())  # only the meeting mail
    db.session.commit()
    meeting, _data = _plan(circle, world.users["coordinator"], video_url="https://meet.example.org/kring")
    worker.drain()
    mails = smtp.wait_for(3)
    assert len(mails) == 3
    mail = next(m for m in mails if m["To"] == students[0].email)
    assert "dinsdag 1 december 2026, 15:00" in body_of(mail) and "https://meet.example.org/kring" in body_of(mail)
    [attachment] = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    _calendar, [event] = _events(attachment.get_content())
    assert str(event["uid"]) == meeting.ical_uid
    assert str(event["url"]) == "https://meet.example.org/kring"


def test_who_joins_later_gets_the_upcoming_meetings_in_her_welcome(app, world):
    circle, mentor, students = _setup(app, world)
    future = make_meeting(circle, to_utc(datetime(2030, 3, 1, 15, 0)))
    make_meeting(circle, to_utc(datetime(2020, 3, 1, 15, 0)))  # over
    latecomer = make_students(world.school_a, 1)[0]
    with app.test_request_context("/"):
        services.join_circle(circle, latecomer)
    [mail] = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == latecomer.email)).all()
    _calendar, events = _events(mail.ics)
    assert [str(e["uid"]) for e in events] == [future.ical_uid]


# --- reminders (run by the mail worker, outside any request) ------------------------------------------


def test_reminders_go_the_day_before_once_to_members_and_mentor(app, world):
    circle, mentor, students = _setup(app, world)
    now = to_utc(datetime(2026, 11, 30, 9, 0))
    tomorrow = make_meeting(circle, to_utc(datetime(2026, 12, 1, 15, 0)))
    later = make_meeting(circle, to_utc(datetime(2026, 12, 3, 15, 0)))
    cancelled = make_meeting(circle, to_utc(datetime(2026, 12, 1, 10, 0)), cancelled=True)
    assert services.send_meeting_reminders(now) == 3
    assert services.send_meeting_reminders(now) == 0  # idempotent
    reminders = db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == "circles_reminder")).all()
    assert {m.to_address for m in reminders} == {s.email for s in students} | {mentor.email}
    assert all(m.subject.startswith("Morgen") for m in reminders)
    assert "dinsdag 1 december, 15:00" in reminders[0].body_text
    db.session.expire_all()
    assert tomorrow.reminder_sent_at == now and later.reminder_sent_at is None and cancelled.reminder_sent_at is None
    # Moved to another day: a new reminder for the new date.
    with app.test_request_context("/"):
        services.update_meeting(
            tomorrow,
            {"day": date(2026, 12, 2), "start": time(15, 0), "end": time(16, 30), "place": "Lokaal 2.14", "topic": "Kennismaken"},
            world.users["coordinator"],
        )
    assert db.session.get(CircleMeeting, tomorrow.id).reminder_sent_at is None
    assert services.send_meeting_reminders(to_utc(datetime(2026, 12, 1, 9, 0))) == 3  # the moved meeting, not `later`
    assert services.send_meeting_reminders(to_utc(datetime(2026, 12, 1, 9, 0)) + timedelta(hours=1)) == 0
