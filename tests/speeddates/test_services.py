"""Speeddate services: the event flow, rankings, scheduling, publishing, repairs and their e-mail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import make_user
from tests.speeddates.conftest import (
    audience_of,
    check_valid,
    make_alumna,
    make_event,
    make_host,
    make_student,
    mails,
    meetings_of,
    register,
    vevents,
)
from webapp.extensions import db
from webapp.matching.speeddates import Meeting, validate
from webapp.modeltools import utcnow
from webapp.people.models import StudentProfile
from webapp.speeddates import services
from webapp.speeddates.models import SpeeddateEvent, SpeeddateSlot


def reload(event: SpeeddateEvent) -> SpeeddateEvent:
    db.session.expire_all()
    return db.session.get(SpeeddateEvent, event.id)


# --- events and tables --------------------------------------------------------------------


def test_a_new_event_follows_practice_four_rounds_of_fifteen_minutes_eight_seats(world):
    coordinator = world.users["coordinator"]
    event = services.create_event(
        world.school_a.id,
        coordinator,
        {"kind": "stage", "title": "Stagespeeddate", "place": "Aula", "starts_at": utcnow() + timedelta(days=10), "registration_deadline": utcnow() + timedelta(days=5)},
    )
    assert (event.rounds, event.minutes_per_round, event.status) == (4, 15, "draft")
    host = services.add_host(event, coordinator, {"kind": "guest", "guest_name": "  Petra   de Vries ", "topic": "Stage bij Alliander"})
    assert host.seats_per_round == 8 and host.guest_name == "Petra de Vries" and host.table_label == "1"
    assert services.round_start(event, 2) == event.starts_at + timedelta(minutes=20)
    assert services.event_end(event) == event.starts_at + timedelta(minutes=4 * 15 + 3 * 5)


def test_registration_opens_only_with_a_table_and_a_deadline_to_come(world):
    coordinator = world.users["coordinator"]
    event = make_event(world.school_a, coordinator, status="draft")
    with pytest.raises(services.SpeeddateError, match="tafel"):
        services.open_registration(event, coordinator)
    make_host(event)
    services.open_registration(event, coordinator)
    assert reload(event).status == "open"


def test_alumna_tables_come_from_volunteers_who_allow_the_school(world):
    coordinator = world.users["coordinator"]
    event = make_event(world.school_a, coordinator)
    yes = make_alumna(first_name="Ja")
    make_alumna(first_name="Nee", activities=("guest_lesson",))
    closed = make_alumna(first_name="Dicht")
    closed_profile = db.session.get(services.AlumnaProfile, closed.id)
    closed_profile.all_schools = False
    db.session.commit()
    assert [p.user.first_name for p in services.alumna_candidates(event)] == ["Ja"]
    with pytest.raises(services.SpeeddateError):
        services.add_host(event, coordinator, {"kind": "alumna", "person_id": closed.id})
    host = services.add_host(event, coordinator, {"kind": "alumna", "person_id": yes.id})
    assert (host.topic, host.company) == ("Monteur", "Stedin")  # from her profile when left empty
    assert services.alumna_candidates(event) == []  # she sits at a table already


def test_senior_student_hosts_are_of_this_school_and_a_higher_year(world):
    coordinator = world.users["coordinator"]
    first_year = make_student(world.school_a, year=1)
    event = make_event(world.school_a, coordinator, audience=[audience_of(make_student(world.school_a, year=2))])
    third = make_student(world.school_a, year=3)
    second = make_student(world.school_a, year=2)
    other_school = make_student(world.school_b, year=4)
    candidates = {p.user_id for p in services.student_host_candidates(event)}
    assert third.id in candidates and second.id not in candidates and first_year.id not in candidates and other_school.id not in candidates
    with pytest.raises(services.SpeeddateError):
        services.add_host(event, coordinator, {"kind": "student", "person_id": other_school.id})


# --- invitations and who sees the event ----------------------------------------------------


def test_invitations_reach_the_chosen_programmes_and_years_once(world):
    coordinator = world.users["coordinator"]
    event = make_event(world.school_a, coordinator)
    make_host(event)
    ict, electro = world.school_a.programmes[0], world.school_a.programmes[1]
    chosen = make_student(world.school_a, year=2)
    wrong_year = make_student(world.school_a, year=3)
    not_active = make_user("student", world.school_a, year=2, activated=False)
    other_programme = make_student(world.school_a, year=2)
    db.session.get(StudentProfile, other_programme.id).programme_id = electro.id
    db.session.commit()
    counts = services.invite(event, coordinator, [ict.id], [2])
    assert counts["sent"] == 1 and counts["not_activated"] == 1
    assert [m.to_address for m in mails("speeddates_invitation")] == [chosen.email]
    assert "/speeddates/%d/aanmelden" % event.id in mails("speeddates_invitation")[0].body_text
    again = services.invite(event, coordinator, [ict.id], [2])
    assert again["sent"] == 0 and again["skipped_groups"] == 1
    assert services.may_student_see(event, db.session.get(StudentProfile, chosen.id))
    assert not services.may_student_see(event, db.session.get(StudentProfile, wrong_year.id))
    assert not services.may_student_see(event, db.session.get(StudentProfile, world.users["student_b"].id))


def test_a_student_of_another_school_never_sees_or_registers(world):
    event = make_event(world.school_a, world.users["coordinator"])
    make_host(event)
    profile_b = db.session.get(StudentProfile, world.users["student_b"].id)
    event.audience = [{"programme_id": profile_b.programme_id, "year": profile_b.year, "count": 0}]  # even with a matching id
    db.session.commit()
    assert not services.may_student_see(event, profile_b)
    assert services.student_events(profile_b) == []
    with pytest.raises(services.SpeeddateError):
        services.register(event, profile_b)


# --- registration and ranking --------------------------------------------------------------


def test_ranking_is_unique_of_this_event_and_bounded(world):
    student = make_student(world.school_a)
    event = make_event(world.school_a, world.users["coordinator"], audience=[audience_of(student)])
    hosts = [make_host(event) for _ in range(10)]
    other_event = make_event(world.school_a)
    stranger = make_host(other_event)
    profile = db.session.get(StudentProfile, student.id)
    services.register(event, profile)
    assert services.set_ranking(event, profile, {hosts[2].id: 1, hosts[0].id: 3, hosts[1].id: None}) == [hosts[2].id, hosts[0].id]
    with pytest.raises(services.SpeeddateError, match="dezelfde keus"):
        services.set_ranking(event, profile, {hosts[0].id: 1, hosts[1].id: 1})
    with pytest.raises(services.SpeeddateError, match="deze speeddate"):
        services.set_ranking(event, profile, {stranger.id: 1})
    with pytest.raises(services.SpeeddateError, match="hoogstens 8"):
        services.set_ranking(event, profile, {hosts[0].id: 9})
    assert services.ranking(services.registration_of(event, student.id)) == [hosts[2].id, hosts[0].id]


def test_ranking_steps_move_add_and_remove(world):
    student = make_student(world.school_a)
    event = make_event(world.school_a, audience=[audience_of(student)])
    a, b, c = make_host(event), make_host(event), make_host(event)
    profile = db.session.get(StudentProfile, student.id)
    services.register(event, profile)
    for host in (a, b, c):
        services.step_ranking(event, profile, host.id, "kiezen")
    assert services.step_ranking(event, profile, c.id, "omhoog") == [a.id, c.id, b.id]
    assert services.step_ranking(event, profile, a.id, "omlaag") == [c.id, a.id, b.id]
    assert services.step_ranking(event, profile, c.id, "omhoog") == [c.id, a.id, b.id]  # already first
    assert services.step_ranking(event, profile, a.id, "weg") == [c.id, b.id]


def test_ranking_changes_are_refused_after_the_deadline(world):
    student = make_student(world.school_a)
    event = make_event(world.school_a, audience=[audience_of(student)])
    a, b = make_host(event), make_host(event)
    profile = db.session.get(StudentProfile, student.id)
    services.register(event, profile)
    services.set_ranking(event, profile, {a.id: 1, b.id: 2})
    event.registration_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(services.SpeeddateError, match="deadline"):
        services.set_ranking(event, profile, {b.id: 1})
    with pytest.raises(services.SpeeddateError, match="deadline"):
        services.step_ranking(event, profile, b.id, "omhoog")
    with pytest.raises(services.SpeeddateError):
        services.unregister(event, profile)
    assert services.ranking(services.registration_of(event, student.id)) == [a.id, b.id]


# --- generating, reviewing, moving --------------------------------------------------------


def test_generate_stores_a_valid_schedule_with_figures(scenario):
    figures = services.generate(scenario.event, scenario.coordinator)
    event = reload(scenario.event)
    assert event.status == "scheduled"
    assert figures["conversations"] == 18 and figures["proven_optimal"]  # 6 students x 3 rounds, plenty of seats
    check_valid(event)
    review = services.review(event)
    assert review.summary["full"] == 6 and review.summary["all_top"] == 6  # everyone meets her top 3
    assert all(row.first_met for row in review.students)


def test_generate_waits_for_the_deadline(world):
    coordinator = world.users["coordinator"]
    event = make_event(world.school_a, coordinator)
    host = make_host(event)
    register(event, make_student(world.school_a), [host])
    with pytest.raises(services.SpeeddateError, match="aanmelding loopt"):
        services.generate(event, coordinator)
    services.close_registration(event, coordinator)
    services.generate(event, coordinator)
    assert len(meetings_of(event)) == 1


def test_a_manual_move_that_clashes_is_refused_and_a_good_one_is_pinned(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    full = scenario.hosts[4]
    full.seats_per_round = 1
    db.session.commit()
    services.generate(event, coordinator)
    before = meetings_of(event)
    amira = scenario.students[0]
    mine = sorted((m for m in before if m.student_id == amira.id), key=lambda m: m.round)
    # A table she already meets in another round.
    with pytest.raises(services.SpeeddateError, match="al in ronde"):
        services.move_meeting(event, coordinator, amira.id, mine[0].round, mine[1].host_id)
    # A full table: someone else sits at table 5 in some round where Amira does not.
    taken = next(m for m in before if m.host_id == full.id and m.student_id != amira.id and all(x.host_id != full.id for x in mine))
    with pytest.raises(services.SpeeddateError, match="vol"):
        services.move_meeting(event, coordinator, amira.id, taken.round, full.id)
    assert meetings_of(event) == before
    # A free table she does not meet yet: allowed, and pinned.
    free = next(h for h in scenario.hosts if h.seats_per_round > 1 and all(m.host_id != h.id for m in mine))
    services.move_meeting(event, coordinator, amira.id, mine[0].round, free.id)
    after = meetings_of(event)
    moved = Meeting(amira.id, free.id, mine[0].round)
    assert moved in after and mine[0] not in after
    slot = db.session.scalar(select(SpeeddateSlot).where(SpeeddateSlot.student_id == amira.id, SpeeddateSlot.round == mine[0].round))
    assert slot.pinned
    check_valid(event)
    # A new schedule keeps the pinned meeting.
    services.generate(reload(event), coordinator)
    assert moved in meetings_of(event)


def test_consent_blocked_student_stays_out_with_outside_hosts(world):
    coordinator = world.users["coordinator"]
    event = make_event(world.school_a, coordinator, deadline_in=-1)
    guest = make_host(event, kind="guest")
    senior = make_host(event, kind="student")
    young = make_student(world.school_a, birth_date=date.today() - timedelta(days=365 * 14))
    older = make_student(world.school_a)
    register(event, young, [guest, senior])
    register(event, older, [guest, senior])
    services.generate(event, coordinator)
    assert {m.student_id for m in meetings_of(event)} == {older.id}
    review = services.review(reload(event))
    assert [row.user.id for row in review.students if row.blocked] == [young.id]
    # Never at an outside table by hand; at a senior student's table it is fine.
    with pytest.raises(services.SpeeddateError, match="toestemming"):
        services.move_meeting(event, coordinator, young.id, 1, guest.id)
    services.move_meeting(event, coordinator, young.id, 1, senior.id)
    assert Meeting(young.id, senior.id, 1) in meetings_of(event)
    # A parent's consent later: a repair gives her the free seats.
    db.session.get(StudentProfile, young.id).guardian_consent_at = utcnow()
    db.session.commit()
    services.repair_now(reload(event), coordinator)
    assert len([m for m in meetings_of(event) if m.student_id == young.id]) == 2


# --- publishing and repairs ---------------------------------------------------------------


def test_publishing_mails_each_student_and_host_once_with_a_calendar_file(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    queued = services.publish(reload(event), coordinator)
    event = reload(event)
    assert event.status == "published" and event.schedule_version == 1
    sent = mails("speeddates_schedule")
    expected = {s.email for s in scenario.students} | {scenario.alumna.email, scenario.host_student.email}  # guests have no account
    assert queued == len(sent) == len(expected)
    assert sorted(m.to_address for m in sent) == sorted(expected)
    amira_mail = next(m for m in sent if m.to_address == scenario.students[0].email)
    calendar, events = vevents(amira_mail)
    assert str(calendar["method"]) == "REQUEST" and len(events) == 3
    uids = {str(e["uid"]) for e in events}
    assert uids == {f"speeddate-{event.id}-r{r}-s{scenario.students[0].id}@kring" for r in (1, 2, 3)}
    assert {int(e["sequence"]) for e in events} == {1}
    starts = sorted(e.decoded("dtstart").replace(tzinfo=None) for e in events)
    assert starts == [services.round_start(event, r) for r in (1, 2, 3)]
    assert "Ronde 1" in amira_mail.body_text and "tafel" in amira_mail.body_text
    host_mail = next(m for m in sent if m.to_address == scenario.alumna.email)
    assert len(vevents(host_mail)[1]) == 3
    assert scenario.students[0].first_name in host_mail.body_text and scenario.students[0].email not in host_mail.body_text


def test_a_host_drop_out_after_publishing_keeps_the_other_meetings_and_mails_only_changed_people(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    services.publish(reload(event), coordinator)
    before = meetings_of(event)
    published = len(mails())
    dropped = scenario.hosts[0]  # the alumna
    affected = {m.student_id for m in before if m.host_id == dropped.id}
    assert affected
    result = services.drop_out_host(dropped, coordinator)
    after = meetings_of(event)
    check_valid(reload(event))
    # Every meeting with another host is still there, unchanged; her students got a seat elsewhere.
    assert {m for m in before if m.host_id != dropped.id} <= after
    assert all(m.host_id != dropped.id for m in after)
    assert len(after) == len(before) and result.kept == len(before) - len(affected)
    # Only the people whose schedule changed hear about it.
    new_mails = mails()[published:]
    changed_students = {s.email for s in scenario.students if s.id in affected}
    received_hosts = {m.host_id for m in after - before}
    host_accounts = {scenario.hosts[1].id: scenario.host_student.email}
    expected = changed_students | {host_accounts[h] for h in received_hosts if h in host_accounts} | {scenario.alumna.email}
    assert sorted(m.to_address for m in new_mails) == sorted(expected)
    untouched = [s for s in scenario.students if s.id not in affected]
    assert untouched and not any(m.to_address == s.email for s in untouched for m in new_mails)
    # The alumna's calendar entries are cancelled; a changed student's keep their UIDs with a higher SEQUENCE.
    cancel = next(m for m in new_mails if m.to_address == scenario.alumna.email)
    assert cancel.template == "speeddates_cancelled"
    calendar, events = vevents(cancel)
    assert str(calendar["method"]) == "CANCEL" and len(events) == 3
    student_mail = next(m for m in new_mails if m.template == "speeddates_schedule" and m.to_address in changed_students)
    _, events = vevents(student_mail)
    assert {int(e["sequence"]) for e in events} == {2}
    student = next(s for s in scenario.students if s.email == student_mail.to_address)
    assert {str(e["uid"]) for e in events} == {f"speeddate-{event.id}-r{r}-s{student.id}@kring" for r in (1, 2, 3)}


def test_a_drop_out_can_be_undone_and_only_the_people_whose_schedule_changes_hear_of_it(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    services.publish(reload(event), coordinator)
    host = scenario.hosts[0]  # the alumna
    services.drop_out_host(host, coordinator)
    before = meetings_of(event)
    sent = len(mails())
    with pytest.raises(services.SpeeddateError):
        services.restore_host(scenario.hosts[1], coordinator)  # she never dropped out
    services.restore_host(host, coordinator)
    assert not db.session.get(type(host), host.id).dropped_out
    after = meetings_of(event)
    check_valid(reload(event))
    assert reload(event).status == "published"
    new_mails = mails()[sent:]
    moved = {m.student_id for m in before ^ after}
    students = {s.id: s.email for s in scenario.students}
    expected = {students[i] for i in moved if i in students} | {scenario.alumna.email}
    assert {m.to_address for m in new_mails if m.to_address in set(students.values())} == expected - {scenario.alumna.email}
    mail = next(m for m in new_mails if m.to_address == scenario.alumna.email)
    assert mail.template == "speeddates_schedule"  # she is back: a schedule, not a cancellation
    with pytest.raises(services.SpeeddateError):
        services.restore_host(host, coordinator)  # twice is refused with a message


def test_a_host_cannot_come_back_to_a_table_number_taken_in_the_meantime(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    host, other = scenario.hosts[0], scenario.hosts[1]
    services.drop_out_host(host, coordinator)
    services.update_host(other, coordinator, {"table_label": host.table_label, "seats": other.seats_per_round})
    with pytest.raises(services.SpeeddateError, match="intussen door een ander bezet"):
        services.restore_host(host, coordinator)
    assert db.session.get(type(host), host.id).dropped_out


def test_a_late_student_gets_free_seats_without_moving_anyone(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    services.publish(reload(event), coordinator)
    before = meetings_of(event)
    published = len(mails())
    late = make_student(scenario.event.school, first_name="Laat")
    result = services.add_registration(reload(event), coordinator, late.id)
    after = meetings_of(event)
    assert before <= after and len([m for m in after if m.student_id == late.id]) == 3
    assert result.kept == len(before)
    new_mails = mails()[published:]
    to = {m.to_address for m in new_mails}
    assert late.email in to and not to & {s.email for s in scenario.students}


def test_no_shows_on_the_day_repair_only_the_rounds_not_yet_held(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    services.publish(reload(event), coordinator)
    services.start_round(reload(event), coordinator, 1)
    with pytest.raises(services.SpeeddateError):
        services.start_round(reload(event), coordinator, 3)
    before = meetings_of(event)
    published = len(mails())
    absent = scenario.students[1]
    registration = services.registration_of(event, absent.id)
    services.set_no_show(reload(event), coordinator, registration.id, True)
    after = meetings_of(event)
    assert {m for m in before if m.round == 1} == {m for m in after if m.round == 1}  # held: history
    assert not [m for m in after if m.student_id == absent.id and m.round > 1]
    assert {m for m in before if m.student_id != absent.id} <= after
    new_mails = mails()[published:]
    assert absent.email not in {m.to_address for m in new_mails}
    # She turns up after all: the rounds still to come get her back.
    services.set_no_show(reload(event), coordinator, registration.id, False)
    assert len([m for m in meetings_of(event) if m.student_id == absent.id]) == 3
    with pytest.raises(services.SpeeddateError, match="begonnen"):
        services.move_meeting(reload(event), coordinator, absent.id, 1, scenario.hosts[0].id)


def test_cancelling_a_published_event_removes_the_rounds_from_calendars(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    services.publish(reload(event), coordinator)
    published = len(mails())
    services.cancel_event(reload(event), coordinator)
    cancelled = mails()[published:]
    assert len(cancelled) == 8 and {m.template for m in cancelled} == {"speeddates_cancelled"}
    calendar, events = vevents(cancelled[0])
    assert str(calendar["method"]) == "CANCEL" and {int(e["sequence"]) for e in events} == {2}


def test_changes_before_publishing_send_no_mail(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    services.drop_out_host(scenario.hosts[2], coordinator)
    assert mails() == []
    check_valid(reload(event))
    assert all(m.host_id != scenario.hosts[2].id for m in meetings_of(event))


def test_the_schedule_always_validates_with_the_scheduler(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    state = services._State.load(reload(event))
    assert validate(state.meetings(), state.student_prefs(), state.host_prefs(), event.rounds, pinned=state.pins()) == []


def test_start_summary_lists_the_next_step(scenario, app):
    event = reload(scenario.event)
    assert services.next_step(event) == "maak het schema"
    services.generate(event, scenario.coordinator)
    assert services.next_step(reload(event)) == "bekijk en publiceer het schema"


def test_removing_a_student_after_publishing_tells_her_and_keeps_the_others(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    services.publish(reload(event), coordinator)
    before = meetings_of(event)
    published = len(mails())
    gone = scenario.students[3]
    registration = services.registration_of(event, gone.id)
    services.remove_registration(reload(event), coordinator, registration.id)
    assert meetings_of(event) == {m for m in before if m.student_id != gone.id}
    new_mails = mails()[published:]
    [notice] = [m for m in new_mails if m.to_address == gone.email]
    assert notice.template == "speeddates_cancelled" and str(vevents(notice)[0]["method"]) == "CANCEL"
    assert not {m.to_address for m in new_mails} & {s.email for s in scenario.students if s.id != gone.id}


def test_fewer_seats_move_only_the_students_who_no_longer_fit(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    host = next(h for h in scenario.hosts if max(sum(1 for m in meetings_of(event) if m.host_id == h.id and m.round == r) for r in (1, 2, 3)) >= 2)
    before = meetings_of(event)
    result = services.update_host(host, coordinator, {"topic": host.topic, "company": "", "table_label": host.table_label, "seats": 1})
    after = meetings_of(event)
    check_valid(reload(event))
    assert len(after) == len(before) and result.kept >= len(before) - 3
    assert {m for m in before if m.host_id != host.id} <= after


def test_finishing_marks_attendance(scenario):
    event, coordinator = scenario.event, scenario.coordinator
    services.generate(event, coordinator)
    services.publish(reload(event), coordinator)
    with pytest.raises(services.SpeeddateError, match="nog niet begonnen"):
        services.finish_event(reload(event), coordinator)
    event = reload(event)
    event.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    absent = services.registration_of(event, scenario.students[0].id)
    services.set_no_show(event, coordinator, absent.id, True)
    services.finish_event(reload(event), coordinator)
    slots = list(db.session.scalars(select(SpeeddateSlot).where(SpeeddateSlot.event_id == event.id)))
    assert reload(event).status == "done"
    assert {s.attended for s in slots if s.student_id == scenario.students[0].id} <= {False}
    assert all(s.attended for s in slots if s.student_id != scenario.students[0].id)
