"""Seats, the waitlist, eligibility, mentors, reminders, attendance and the formation helper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.circles.builders import make_circle, make_meeting, make_mentor, make_students, under_16
from tests.conftest import make_user
from webapp.auth.models import Invitation
from webapp.circles import formation, services
from webapp.circles.models import CircleMembership, CircleRequest, MeetingAttendance, MentoringCircle
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.outbox.models import OutboxEmail
from webapp.people.models import CoordinatorProfile, StudentProfile


@pytest.fixture(autouse=True)
def request_context(app):
    """Services run inside a request (their messages are translated for the person asking)."""
    with app.test_request_context("/"):
        yield


def _statuses(circle):
    rows = db.session.execute(
        select(CircleMembership.student_id, CircleMembership.status).where(CircleMembership.circle_id == circle.id)
    )
    return dict(rows.all())


def _seats(circle):
    return db.session.scalar(select(MentoringCircle.seats_taken).where(MentoringCircle.id == circle.id))


def _mails_to(address, template=None):
    query = select(OutboxEmail).where(OutboxEmail.to_address == address)
    if template:
        query = query.where(OutboxEmail.template == template)
    return db.session.scalars(query.order_by(OutboxEmail.id)).all()


# --- seats and the waitlist ------------------------------------------------------------------------


def test_join_takes_seats_until_full_then_waitlists_in_order(app, world):
    circle = make_circle(world.school_a, capacity=2)
    a, b, c, d = make_students(world.school_a, 4)
    assert services.join_circle(circle, a).status == "joined"
    assert services.join_circle(circle, b).status == "joined"
    third = services.join_circle(circle, c)
    fourth = services.join_circle(circle, d)
    assert (third.status, fourth.status) == ("waitlisted", "waitlisted")
    assert services.waitlist_position(third) == 1 and services.waitlist_position(fourth) == 2
    assert _seats(circle) == 2
    # Joining means an e-mail; the waitlist does not.
    assert len(_mails_to(a.email, "circles_welcome")) == 1 and not _mails_to(c.email)


def test_joining_twice_gives_the_current_state_and_no_second_seat(app, world):
    circle = make_circle(world.school_a, capacity=3)
    student = world.users["student"]
    first = services.join_circle(circle, student)
    again = services.join_circle(circle, student)
    assert first.id == again.id and again.status == "joined"
    assert _seats(circle) == 1
    assert db.session.scalar(select(func.count()).select_from(CircleMembership)) == 1


def test_leaving_gives_the_seat_to_the_first_on_the_waitlist_who_gets_an_email(app, world):
    circle = make_circle(world.school_a, capacity=1)
    first, second, third = make_students(world.school_a, 3)
    services.join_circle(circle, first)
    services.join_circle(circle, second)
    services.join_circle(circle, third)
    promoted = services.leave_circle(circle, first)
    assert promoted.student_id == second.id
    assert _statuses(circle) == {first.id: "left", second.id: "joined", third.id: "waitlisted"}
    assert _seats(circle) == 1  # her seat went to the next one: the counter stays
    [mail] = _mails_to(second.email, "circles_welcome")
    assert "er is een plek vrij" in mail.subject.lower()
    assert services.waitlist_position(services.membership_of(circle.id, third.id)) == 1


def test_who_leaves_gets_a_confirmation_that_takes_the_meetings_out_of_her_calendar(app, world):
    circle = make_circle(world.school_a, capacity=2)
    upcoming = make_meeting(circle)
    make_meeting(circle, starts_at=utcnow().replace(microsecond=0) - timedelta(days=7))  # already held
    student, other = make_students(world.school_a, 2)
    services.join_circle(circle, student)
    services.join_circle(circle, other)
    services.leave_circle(circle, student)
    [mail] = _mails_to(student.email, "circles_left")
    assert "afgemeld" in mail.body_text and circle.name in mail.subject
    assert "METHOD:CANCEL" in mail.ics and "STATUS:CANCELLED" in mail.ics
    assert mail.ics.count("BEGIN:VEVENT") == 1 and upcoming.ical_uid in mail.ics
    # the others' calendars are untouched, and leaving twice sends nothing more
    assert not _mails_to(other.email, "circles_left")
    services.leave_circle(circle, student)
    assert len(_mails_to(student.email, "circles_left")) == 1


def test_taken_out_by_the_coordinator_she_is_told_so_and_a_waitlisted_leave_sends_nothing(app, world):
    circle = make_circle(world.school_a, capacity=1)
    first, second = make_students(world.school_a, 2)
    services.join_circle(circle, first)
    services.join_circle(circle, second)  # waitlisted
    services.leave_circle(circle, first, world.users["coordinator"])
    [mail] = _mails_to(first.email, "circles_left")
    assert "coördinator heeft je uitgeschreven" in mail.body_text and mail.ics is None  # no meetings planned
    services.leave_circle(circle, second)  # promoted, then out again: a joined member, so she is told
    services.join_circle(circle, first)
    waitlisted = make_students(world.school_a, 1)[0]
    services.join_circle(circle, waitlisted)
    services.leave_circle(circle, waitlisted)
    assert not _mails_to(waitlisted.email, "circles_left")


def test_leaving_with_nobody_waiting_frees_the_seat_and_leaving_twice_is_harmless(app, world):
    circle = make_circle(world.school_a, capacity=2)
    student = world.users["student"]
    services.join_circle(circle, student)
    assert services.leave_circle(circle, student) is None
    assert services.leave_circle(circle, student) is None
    assert _seats(circle) == 0 and _statuses(circle) == {student.id: "left"}


def test_leaving_the_waitlist_keeps_the_seats(app, world):
    circle = make_circle(world.school_a, capacity=1)
    a, b = make_students(world.school_a, 2)
    services.join_circle(circle, a)
    services.join_circle(circle, b)
    services.leave_circle(circle, b)
    assert _seats(circle) == 1 and _statuses(circle) == {a.id: "joined", b.id: "left"}


def test_who_comes_back_after_leaving_goes_to_the_back_of_the_waitlist(app, world):
    circle = make_circle(world.school_a, capacity=1)
    a, b, c = make_students(world.school_a, 3)
    services.join_circle(circle, a)
    services.join_circle(circle, b)  # waitlisted
    services.leave_circle(circle, b)
    services.join_circle(circle, c)  # waitlisted, first now
    back = services.join_circle(circle, b)
    assert back.status == "waitlisted" and services.waitlist_position(back) == 2
    promoted = services.leave_circle(circle, a)
    assert promoted.student_id == c.id


def test_raising_the_capacity_lets_the_waitlist_in_and_it_cannot_drop_below_the_members(app, world):
    circle = make_circle(world.school_a, capacity=1)
    a, b, c = make_students(world.school_a, 3)
    for student in (a, b, c):
        services.join_circle(circle, student)
    data = {"name": circle.name, "theme": "", "description": "", "programme_id": None, "capacity": 2, "mentor_id": None, "invite_only": False}
    services.update_circle(circle, data, world.users["coordinator"])
    assert _statuses(circle) == {a.id: "joined", b.id: "joined", c.id: "waitlisted"} and _seats(circle) == 2
    assert _mails_to(b.email, "circles_welcome")
    with pytest.raises(services.CircleError) as error:
        services.update_circle(circle, dict(data, capacity=1), world.users["coordinator"])
    assert error.value.field == "capacity" and "al 2 studentes" in str(error.value)


def test_closing_ends_the_waitlist_and_withdraws_invitations(app, world):
    circle = make_circle(world.school_a, capacity=1)
    a, b, c = make_students(world.school_a, 3)
    services.join_circle(circle, a)
    services.join_circle(circle, b)
    services.invite_students(circle, [c.id], world.users["coordinator"])
    services.close_circle(circle)
    assert _statuses(circle) == {a.id: "joined", b.id: "left", c.id: "left"}
    assert db.session.scalar(select(Invitation.status).where(Invitation.kind == "circle")) == "withdrawn"
    with pytest.raises(services.CircleError):
        services.join_circle(circle, make_user("student", world.school_a))
    with pytest.raises(services.CircleError):
        services.leave_circle(circle, a)


# --- who may join ----------------------------------------------------------------------------------


def test_only_open_circles_of_her_own_school_and_programme(app, world):
    student = world.users["student"]
    profile = db.session.get(StudentProfile, student.id)
    other_programme = world.school_a.programmes[1] if world.school_a.programmes[0].id == profile.programme_id else world.school_a.programmes[0]
    cases = {
        "school": make_circle(world.school_b),
        "closed": make_circle(world.school_a, status="closed"),
        "draft": make_circle(world.school_a, status="draft"),
        "programme": make_circle(world.school_a, programme=other_programme),
        "invite_only": make_circle(world.school_a, invite_only=True),
    }
    for code, circle in cases.items():
        with pytest.raises(services.CircleError) as error:
            services.join_circle(circle, student)
        assert error.value.code == ("closed" if code == "draft" else code)
    own = make_circle(world.school_a, programme=db.session.get(StudentProfile, student.id).programme)
    assert services.join_circle(own, student).status == "joined"
    assert db.session.scalar(select(func.count()).select_from(CircleMembership)) == 1


def test_under_16_without_consent_cannot_join_a_circle_with_an_outside_mentor(app, world):
    student = world.users["student"]
    under_16(student)
    circle = make_circle(world.school_a, mentor=make_mentor())
    with pytest.raises(services.CircleError) as error:
        services.join_circle(circle, student)
    assert error.value.code == "consent" and "toestemming" in str(error.value)
    with pytest.raises(services.CircleError):
        services.request_circle(student)
    # A teacher of her own school as mentor is no outside contact.
    teacher = world.users["coordinator"]
    teacher.add_role("alumna")
    db.session.commit()
    inside = make_circle(world.school_a, mentor=teacher, name="Kring met docent")
    assert services.join_circle(inside, student).status == "joined"
    under_16(student, consent=True)
    assert services.join_circle(circle, student).status == "joined"


def test_a_student_who_left_school_cannot_join(app, world):
    student = world.users["student"]
    db.session.get(StudentProfile, student.id).status = "left"
    db.session.commit()
    with pytest.raises(services.CircleError) as error:
        services.join_circle(make_circle(world.school_a), student)
    assert error.value.code == "status"


# --- invitations -----------------------------------------------------------------------------------


def test_invitation_accept_goes_through_the_seat_logic_and_the_token_works_once(app, world):
    from webapp.auth import tokens

    circle = make_circle(world.school_a, capacity=1, invite_only=True)
    first, second = make_students(world.school_a, 2)
    invited, skipped = services.invite_students(circle, [first.id, second.id], world.users["coordinator"])
    assert {u.id for u in invited} == {first.id, second.id} and not skipped
    invitations = {i.user_id: i for i in db.session.scalars(select(Invitation).where(Invitation.kind == "circle"))}
    token_first = tokens.token_for(invitations[first.id])
    token_second = tokens.token_for(invitations[second.id])
    assert services.answer_invitation(services.load_invitation(token_first), True).status == "joined"
    assert services.answer_invitation(services.load_invitation(token_second), True).status == "waitlisted"
    with pytest.raises(tokens.TokenError):
        services.load_invitation(token_first)
    assert _seats(circle) == 1


def test_invitation_decline_marks_the_membership_and_uses_the_token(app, world):
    from webapp.auth import tokens

    circle = make_circle(world.school_a)
    student = world.users["student"]
    services.invite_students(circle, [student.id], world.users["coordinator"])
    token = tokens.token_for(db.session.scalar(select(Invitation).where(Invitation.kind == "circle")))
    assert services.answer_invitation(services.load_invitation(token), False).status == "declined"
    assert _seats(circle) == 0
    with pytest.raises(tokens.TokenError):
        services.load_invitation(token)


def test_students_who_need_consent_are_not_invited(app, world):
    circle = make_circle(world.school_a, mentor=make_mentor())
    young, older = make_students(world.school_a, 2)
    under_16(young)
    invited, skipped = services.invite_students(circle, [young.id, older.id], world.users["coordinator"])
    assert [u.id for u in invited] == [older.id] and [u.id for u in skipped] == [young.id]


# --- mentors -------------------------------------------------------------------------------------------


def test_mentor_suggestions_same_programme_then_sector_then_recent_with_reasons(app, world):
    school = world.school_a
    software, electro = school.programmes[0], school.programmes[1]
    if software.sector != "ict":
        software, electro = electro, software
    other_school_programme = world.school_b.programmes[0]
    same_old = make_mentor(programme=software, graduated=2010, first_name="Oud")
    same_new = make_mentor(programme=software, graduated=2023, first_name="Nieuw")
    by_name = make_mentor(programme=other_school_programme, programme_name=software.name, graduated=2015, first_name="Naam")
    sector = make_mentor(sector="ict", graduated=2024, first_name="Sector")
    other = make_mentor(sector="bouw", graduated=2025, first_name="Bouw")
    full = make_mentor(programme=software, graduated=2024, max_per_year=1, first_name="Vol")
    make_circle(school, mentor=full, name="Al een kring")
    make_mentor(programme=software, activities=("guest_lesson",), first_name="Gastles")
    make_mentor(programme=software, all_schools=False, allowed=[world.school_b], first_name="Alleen-B")
    allowed = make_mentor(programme=software, all_schools=False, allowed=[school], graduated=2012, first_name="Toegestaan")

    suggestions = services.mentor_suggestions(school.id, software, services.current_school_year())
    order = [s.user.id for s in suggestions]
    assert order == [same_new.id, by_name.id, allowed.id, same_old.id, sector.id, other.id, full.id]
    reasons = {s.user.id: s.reasons for s in suggestions}
    assert reasons[same_new.id][0] == f"zelfde opleiding ({software.name})"
    assert reasons[sector.id][0] == "zelfde sector (ICT)"
    assert reasons[other.id][0].startswith("andere richting")
    assert "begeleidt 1 van max. 1 kringen dit schooljaar" in reasons[full.id]
    assert not suggestions[-1].available


def test_a_mentor_at_her_maximum_cannot_be_chosen(app, world):
    full = make_mentor(max_per_year=1)
    make_circle(world.school_a, mentor=full)
    data = {"name": "Nieuwe kring", "capacity": 6, "mentor_id": full.id, "programme_id": None}
    with pytest.raises(services.CircleError) as error:
        services.create_circle(world.school_a.id, data, world.users["coordinator"])
    assert error.value.field == "mentor_id" and "maximum" in str(error.value)
    with pytest.raises(services.CircleError):
        services.create_circle(world.school_a.id, dict(data, mentor_id=world.users["student"].id), world.users["coordinator"])


# --- attendance ---------------------------------------------------------------------------------------------


def test_attendance_is_marked_for_members_of_held_meetings(app, world):
    circle = make_circle(world.school_a)
    student, outsider = world.users["student"], make_user("student", world.school_a)
    services.join_circle(circle, student)
    held = make_meeting(circle, utcnow() - timedelta(hours=2))
    future = make_meeting(circle, utcnow() + timedelta(days=3))
    coordinator = world.users["coordinator"]
    services.set_attendance(held, student.id, True, coordinator)
    services.set_attendance(held, student.id, False, coordinator)
    services.set_attendance(held, student.id, False, coordinator)
    assert db.session.get(MeetingAttendance, (held.id, student.id)).present is False
    with pytest.raises(services.CircleError) as error:
        services.set_attendance(held, outsider.id, True, coordinator)
    assert error.value.code == "not_member"
    with pytest.raises(services.CircleError) as error:
        services.set_attendance(future, student.id, True, coordinator)
    assert error.value.code == "future"
    table = services.attendance_table(circle)
    assert [m.id for m in table.meetings] == [held.id]
    assert table.rows == [(student, [False], 0, 1)]


# --- formation --------------------------------------------------------------------------------------------------


def _ask(students):
    for student in students:
        services.request_circle(student)


def test_requesters_are_those_who_asked_in_order_and_not_yet_in_a_circle(app, world):
    school = world.school_a
    a, b, c, d = make_students(school, 4)
    _ask([b, a, c, d])
    under_16(d)
    services.join_circle(make_circle(school), c)
    ready, blocked = formation.requesters(school.id, services.current_school_year())
    assert [p.user_id for p in ready] == [b.id, a.id]
    assert [p.user_id for p, _reason in blocked] == [d.id]


def test_formation_proposes_and_creates_all_circles_at_once(app, world):
    school = world.school_a
    software = next(p for p in school.programmes if p.sector == "ict")
    electro = next(p for p in school.programmes if p.sector != "ict")
    ict_students = make_students(school, 6)
    electro_students = make_students(school, 6)
    for student in electro_students:
        db.session.get(StudentProfile, student.id).programme_id = electro.id
    for student in ict_students:
        db.session.get(StudentProfile, student.id).programme_id = software.id
    db.session.commit()
    _ask(ict_students + electro_students)
    ict_mentor = make_mentor(programme=software, first_name="Ict")
    electro_mentor = make_mentor(sector="elektrotechniek", first_name="Elektro")
    year = services.current_school_year()

    draft = formation.propose(school.id, year, formation.Sizes(6, 5, 8))
    assert len(draft.circles) == 2 and not draft.unplaced
    by_mentor = {c.mentor_id: set(c.student_ids) for c in draft.circles}
    assert by_mentor[ict_mentor.id] == {s.id for s in ict_students}
    assert by_mentor[electro_mentor.id] == {s.id for s in electro_students}
    assert any("allemaal" in reason for c in draft.circles for reason in c.reasons)

    created = formation.create(school.id, year, draft, world.users["coordinator"])
    assert len(created) == 2
    for circle in created:
        assert circle.status == "open" and circle.seats_taken == 6 and circle.capacity == 8
        assert len(services.members(circle.id)) == 6
    assert {c.programme_id for c in created} == {software.id, electro.id}
    assert db.session.scalar(select(func.count()).select_from(CircleRequest)) == 0
    assert len(_mails_to(ict_students[0].email, "circles_welcome")) == 1
    assert len(_mails_to(ict_mentor.email, "circles_mentor_assigned")) == 1
    # The same draft once more places nobody twice.
    with pytest.raises(formation.FormationProblem):
        formation.create(school.id, year, draft, world.users["coordinator"])
    assert db.session.scalar(select(func.count()).select_from(MentoringCircle)) == 2


def test_formation_checks_the_adjusted_draft(app, world):
    school = world.school_a
    students = make_students(school, 10)
    _ask(students)
    mentor = make_mentor(max_per_year=1)
    year = services.current_school_year()
    form = {"doel": "5", "min": "4", "max": "6", "aantal": "2", "naam-1": "Kring A", "naam-2": "", "mentor-1": str(mentor.id), "mentor-2": str(mentor.id)}
    for index, student in enumerate(students):
        form[f"studente-{student.id}"] = "1" if index < 5 else "2"
    draft = formation.draft_from_form(school.id, year, form)
    found = formation.problems(draft)
    assert "Geef kring 2 een naam." in found
    assert any("nog 1 kring(en) begeleiden, niet 2" in message for message in found)
    assert all(c.score is not None for c in draft.circles)
    # Adjusted: one circle of 5, the rest not placed.
    form.update({f"studente-{s.id}": "0" for s in students[5:]})
    draft = formation.draft_from_form(school.id, year, form)
    assert formation.problems(draft) == []
    [circle] = formation.create(school.id, year, draft, world.users["coordinator"])
    assert circle.name == "Kring A" and circle.seats_taken == 5
    ready, _blocked = formation.requesters(school.id, year)
    assert {p.user_id for p in ready} == {s.id for s in students[5:]}


def test_formation_sizes_are_checked(app, world):
    assert formation.Sizes.parse({"doel": "6"})[0] == formation.Sizes(6, 5, 8)
    assert formation.Sizes.parse({"doel": "1"})[1]
    assert formation.Sizes.parse({"doel": "6", "min": "7"})[1]
    assert formation.Sizes.parse({"doel": "zes"})[1]


def test_staff_mentor_is_not_an_outside_mentor(app, world):
    coordinator = world.users["coordinator"]
    circle = make_circle(world.school_a, mentor=coordinator)
    assert not services.has_external_mentor(circle)
    assert services.has_external_mentor(make_circle(world.school_a, mentor=make_mentor()))
    assert db.session.get(CoordinatorProfile, coordinator.id) is not None
