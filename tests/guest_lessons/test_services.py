"""Guest lessons services: hard filters and limits, the flow, calendars, reminders, anonymous feedback."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import inspect, select

from tests.conftest import make_school, make_user
from tests.guest_lessons.conftest import at, give_lesson, make_alumna, make_lesson, offer_on
from webapp.auth import tokens
from webapp.auth.models import Invitation
from webapp.extensions import db
from webapp.guest_lessons import services
from webapp.guest_lessons.models import GuestLesson, GuestLessonFeedback, GuestLessonOffer
from webapp.outbox.models import OutboxEmail
from webapp.people.models import AlumnaProfile, Programme
from webapp.timeutil import to_local


@pytest.fixture(autouse=True)
def dutch(app, request):
    """Messages are lazy; outside a request they are read in Dutch here, as a page would show them.

    The reminder tests run without it: the mail worker has no request, and its job must not need one.
    """
    if "reminder" in request.node.name:
        yield
        return
    with force_locale("nl"):
        yield


def suggested(lesson) -> list[str]:
    return [s.candidate.extra["profile"].user.first_name for s in services.suggestions(db.session.get(GuestLesson, lesson.id))]


def mails(to=None, template=None) -> list[OutboxEmail]:
    query = select(OutboxEmail).order_by(OutboxEmail.id)
    if to is not None:
        query = query.where(OutboxEmail.to_address == to)
    if template is not None:
        query = query.where(OutboxEmail.template == template)
    return list(db.session.scalars(query))


def event_of(mail: OutboxEmail):
    calendar = Calendar.from_ical(mail.ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


# --- suggestions: ranking through the query ---------------------------------------------


def test_suggestions_follow_the_ranking_and_say_why(world, ict, electro):
    other_school = make_school("School C")
    other_ict = next(p for p in other_school.programmes if p.sector == "ict")
    make_alumna(first_name="Anna", programme=ict, graduated_year=2015)
    make_alumna(first_name="Cato", school=other_school, programme=other_ict, graduated_year=2023)  # same crebo elsewhere
    make_alumna(first_name="Bo", programme_name="Netwerkbeheerder", graduated_year=2025)
    make_alumna(first_name="Dewi", programme=electro, sector="elektrotechniek", graduated_year=2025)
    lesson = make_lesson(world.school_a, world.users["coordinator"], programme=ict)
    ranked = services.suggestions(lesson)
    assert [s.candidate.name for s in ranked] == ["Cato Test", "Anna Test", "Bo Test", "Dewi Test"]
    year = to_local(lesson.options[0].starts_at).year
    assert [str(r) for r in ranked[0].reasons] == [
        "zelfde opleiding",
        f"{year - 2023} jaar geleden afgestudeerd" if year > 2023 else "dit jaar afgestudeerd",
        "nog 4 van de 4 keer dit schooljaar",
    ]
    assert str(ranked[2].reasons[0]) == "zelfde sector: ICT"


def test_only_volunteers_for_this_kind_are_suggested(world, ict):
    make_alumna(first_name="Gastles", activities=["guest_lesson"])
    make_alumna(first_name="Opendag", activities=["open_day"])
    make_alumna(first_name="Mentor", activities=["circle_mentor", "speeddate"])
    make_alumna(first_name="Slapend", activities=["guest_lesson"], activated=False)
    assert suggested(make_lesson(world.school_a, kind="guest_lesson")) == ["Gastles"]
    assert suggested(make_lesson(world.school_a, kind="open_day")) == ["Opendag"]
    assert sorted(suggested(make_lesson(world.school_a, kind="other"))) == ["Gastles", "Opendag"]


def test_an_alumna_who_does_not_allow_the_school_is_never_suggested_nor_shown_it(world):
    only_b = make_alumna(first_name="AlleenB", all_schools=False, allowed=(world.school_b,))
    also_a = make_alumna(first_name="OokA", all_schools=False, allowed=(world.school_a, world.school_b))
    lesson = make_lesson(world.school_a)
    assert suggested(lesson) == ["OokA"]
    assert services.board(db.session.get(AlumnaProfile, only_b.id)).items == []
    assert [i.lesson.id for i in services.board(db.session.get(AlumnaProfile, also_a.id)).items] == [lesson.id]
    profile = db.session.get(AlumnaProfile, only_b.id)
    assert "School A" in services.blocking_reason(profile, lesson)
    assert not services.may_see(profile, lesson)
    with pytest.raises(services.GuestLessonError):
        services.make_offer(lesson, profile, lesson.options[0].id, "")
    # Inviting her anyway (a crafted request) invites nobody.
    with pytest.raises(services.GuestLessonError):
        services.invite(lesson, [only_b.id], world.users["coordinator"])


def test_an_alumna_over_her_limit_is_never_suggested_nor_shown_it(world):
    full = make_alumna(first_name="Vol", max_per_year=2)
    room = make_alumna(first_name="Ruimte", max_per_year=2)
    zero = make_alumna(first_name="Nul", max_per_year=0)
    lesson = make_lesson(world.school_a, options=[(at(20), at(20, 11))])
    # Two activities this school year, of any kind and status confirmed or done, use up her limit.
    moment = lesson.options[0].starts_at
    start, _end = services.school_year_bounds(moment)
    give_lesson(full, world.school_b, max(start + timedelta(days=1), moment - timedelta(days=5)), status="done", kind="open_day")
    give_lesson(full, world.school_b, moment + timedelta(days=1))
    # One in the previous school year does not count.
    give_lesson(room, world.school_b, start - timedelta(days=3), status="done")
    give_lesson(room, world.school_b, moment + timedelta(days=1))
    assert suggested(lesson) == ["Ruimte"]
    profile = db.session.get(AlumnaProfile, full.id)
    assert "maximum is 2" in services.blocking_reason(profile, lesson)
    assert services.board(profile).items == []
    assert services.board(db.session.get(AlumnaProfile, zero.id)).items == []
    assert any("0 keer" in notice for notice in services.board(db.session.get(AlumnaProfile, zero.id)).notices)
    with pytest.raises(services.GuestLessonError):
        services.invite(lesson, [full.id, zero.id], world.users["coordinator"])
    [suggestion] = services.suggestions(lesson)
    assert "nog 1 van de 2 keer dit schooljaar" in [str(r) for r in suggestion.reasons]


def test_a_cancelled_activity_does_not_count_against_the_limit(world):
    alumna = make_alumna(first_name="Eén", max_per_year=1)
    lesson = make_lesson(world.school_a)
    given = give_lesson(alumna, world.school_b, lesson.options[0].starts_at + timedelta(days=2))
    assert suggested(lesson) == []
    given.status = "cancelled"
    db.session.commit()
    assert suggested(lesson) == ["Eén"]


def test_available_on_the_date_means_free_on_at_least_one_option(world):
    busy = make_alumna(first_name="Bezet")
    half = make_alumna(first_name="Half")
    first, second = (at(12), at(12, 11)), (at(14), at(14, 11))
    lesson = make_lesson(world.school_a, options=[first, second])
    give_lesson(busy, world.school_b, first[0] - timedelta(minutes=30), first[0] + timedelta(minutes=30))
    give_lesson(busy, world.school_b, second[0], second[1])
    give_lesson(half, world.school_b, second[0] + timedelta(minutes=15), second[1] + timedelta(hours=2))
    ranked = services.suggestions(lesson)
    assert [s.candidate.name for s in ranked] == ["Half Test"]
    assert ranked[0].candidate.available_option_ids == (lesson.options[0].id,)
    # A lesson right after hers (touching, not overlapping) does not make her busy.
    free = make_alumna(first_name="Vrij")
    give_lesson(free, world.school_b, first[1], first[1] + timedelta(hours=1))
    assert "Vrij" in suggested(lesson)
    profile = db.session.get(AlumnaProfile, half.id)
    assert [o.id for o in services.available_options(profile, lesson)] == [lesson.options[0].id]
    with pytest.raises(services.GuestLessonError, match="Kies een datum"):
        services.make_offer(lesson, profile, lesson.options[1].id, "")


def test_options_in_the_past_are_not_available(world):
    make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, options=[(at(-1), at(-1, 11))])
    assert services.suggestions(lesson) == []
    assert services.eligible_alumnae_query(lesson) is None


def test_invited_and_declined_alumnae_leave_the_suggestions(world):
    anna = make_alumna(first_name="Anna")
    bo = make_alumna(first_name="Bo")
    make_alumna(first_name="Cato")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    invited = services.invite(lesson, [anna.id], world.users["coordinator"])
    assert [u.first_name for u in invited] == ["Anna"]
    services.decline(lesson, db.session.get(AlumnaProfile, bo.id))
    assert suggested(lesson) == ["Cato"]
    [mail] = mails(anna.email, "guest_lessons_invite")
    assert "School A vraagt je voor een gastles" == mail.subject
    assert f"/gastlessen/prikbord/{lesson.id}" in mail.body_text


# --- the alumna's board -----------------------------------------------------------------


def test_board_shows_kinds_she_volunteers_for_invitations_first_then_fit(world, ict, electro):
    alumna = make_alumna(first_name="Sanne", programme=ict, activities=["guest_lesson"])
    coordinator = world.users["coordinator"]
    other = make_lesson(world.school_a, coordinator, programme=electro, topic="Elektro")
    own = make_lesson(world.school_a, coordinator, programme=ict, topic="ICT", options=[(at(30), at(30, 11))])
    invited = make_lesson(world.school_b, None, topic="Uitnodiging", options=[(at(40), at(40, 11))])
    make_lesson(world.school_a, coordinator, kind="open_day", topic="Open dag")
    offer_on(invited, alumna, status="invited")
    profile = db.session.get(AlumnaProfile, alumna.id)
    board = services.board(profile)
    assert [i.lesson.topic for i in board.items] == ["Uitnodiging", "ICT", "Elektro"]
    assert [str(r) for r in board.items[1].reasons] == ["jouw opleiding"]
    assert [i.lesson.id for i in services.board(profile, fit="mine").items] == [own.id]
    assert other.id not in [i.lesson.id for i in services.board(profile, fit="mine").items]
    no_activity = make_alumna(first_name="Niets", activities=[])
    result = services.board(db.session.get(AlumnaProfile, no_activity.id))
    assert result.items == [] and "In je profiel staat nog niet" in result.notices[0]


def test_board_hides_requests_she_declined_or_is_busy_for(world):
    alumna = make_alumna(first_name="Sanne")
    lesson = make_lesson(world.school_a, options=[(at(12), at(12, 11))])
    busy_lesson = make_lesson(world.school_a, topic="Bezet")
    give_lesson(alumna, world.school_b, busy_lesson.options[0].starts_at, busy_lesson.options[0].ends_at)
    profile = db.session.get(AlumnaProfile, alumna.id)
    assert [i.lesson.id for i in services.board(profile).items] == [lesson.id]
    services.decline(lesson, profile)
    assert services.board(profile).items == []


def test_her_over_limit_this_year_is_explained_on_the_board(world):
    alumna = make_alumna(first_name="Vol", max_per_year=1)
    give_lesson(alumna, world.school_b, at(1))
    if services.school_year_of(at(1)) != services.school_year_of(datetime.now()):
        pytest.skip("the school year ends tomorrow")
    board = services.board(db.session.get(AlumnaProfile, alumna.id))
    assert any("maximum is 1 keer" in notice for notice in board.notices)


# --- offer, confirm, release ------------------------------------------------------------


def test_offer_confirm_releases_the_others_with_calendar_files(world, ict):
    coordinator = world.users["coordinator"]
    anna = make_alumna(first_name="Anna")
    bo = make_alumna(first_name="Bo")
    cato = make_alumna(first_name="Cato")
    lesson = make_lesson(world.school_a, coordinator, programme=ict, options=[(at(10), at(10, 11)), (at(11), at(11, 11))])
    services.invite(lesson, [anna.id, bo.id, cato.id], coordinator)
    offer_a = services.make_offer(lesson, db.session.get(AlumnaProfile, anna.id), lesson.options[1].id, "Ik neem een robot mee")
    offer_b = services.make_offer(lesson, db.session.get(AlumnaProfile, bo.id), lesson.options[0].id, "")
    assert db.session.get(GuestLesson, lesson.id).status == "offered"
    offered_mail = mails(coordinator.email, "guest_lessons_offered")
    assert len(offered_mail) == 2 and "Ik neem een robot mee" in offered_mail[0].body_text

    services.confirm_offer(lesson, offer_a.id, coordinator)
    lesson = db.session.get(GuestLesson, lesson.id)
    assert lesson.status == "confirmed"
    assert (lesson.starts_at, lesson.ends_at) == (lesson.options[1].starts_at, lesson.options[1].ends_at)
    statuses = {o.alumna_id: o.status for o in db.session.scalars(select(GuestLessonOffer).where(GuestLessonOffer.lesson_id == lesson.id))}
    assert statuses == {anna.id: "confirmed", bo.id: "released", cato.id: "released"}
    assert db.session.get(GuestLessonOffer, offer_b.id).decided_at is not None

    [to_anna] = mails(anna.email, "guest_lessons_confirmed")
    [to_coordinator] = mails(coordinator.email, "guest_lessons_confirmed")
    for mail in (to_anna, to_coordinator):
        calendar, event = event_of(mail)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == lesson.ical_uid and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART").replace(tzinfo=None) == lesson.starts_at
    assert coordinator.email in to_anna.body_text and anna.email in to_coordinator.body_text
    [thanks] = mails(bo.email, "guest_lessons_released")
    assert "Dank je wel voor je aanbod" in thanks.body_text and thanks.ics is None
    [note] = mails(cato.email, "guest_lessons_released")
    assert "niet meer te reageren" in note.body_text

    # A second confirmation (even of a released offer) is refused clearly.
    with pytest.raises(services.GuestLessonError, match="al een aanbod bevestigd"):
        services.confirm_offer(lesson, offer_b.id, coordinator)


def test_confirm_refuses_an_offer_that_is_not_offered_or_of_another_lesson(world):
    coordinator = world.users["coordinator"]
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, coordinator)
    other = make_lesson(world.school_a, coordinator)
    invited = offer_on(lesson, anna, status="invited")
    with pytest.raises(services.GuestLessonError):
        services.confirm_offer(lesson, invited.id, coordinator)
    offered = offer_on(other, make_alumna(first_name="Bo"))
    with pytest.raises(services.GuestLessonError):
        services.confirm_offer(lesson, offered.id, coordinator)


def test_the_conditional_update_stops_a_confirmation_that_lost_the_race(world):
    """The moment two coordinators confirm at once, simulated: the lesson changes under the second one."""
    coordinator = world.users["coordinator"]
    lesson = make_lesson(world.school_a, coordinator)
    offer_a = offer_on(lesson, make_alumna(first_name="Anna"))
    offer_b = offer_on(lesson, make_alumna(first_name="Bo"))
    stale = db.session.get(GuestLesson, lesson.id)
    assert stale.status == "offered"
    # Someone else confirmed Anna in the meantime, on another connection; this session still believes 'offered'.
    with db.engine.begin() as other:
        other.execute(GuestLesson.__table__.update().where(GuestLesson.__table__.c.id == lesson.id).values(status="confirmed"))
    assert stale.status == "offered"
    with pytest.raises(services.GuestLessonError, match="net een ander aanbod bevestigd"):
        services.confirm_offer(stale, offer_b.id, coordinator)
    assert db.session.get(GuestLessonOffer, offer_b.id).status == "offered"
    assert db.session.get(GuestLessonOffer, offer_a.id).status == "offered"


def test_change_sends_a_new_version_and_cancel_removes_it_from_calendars(world):
    coordinator = world.users["coordinator"]
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, coordinator)
    offer = offer_on(lesson, anna)
    services.confirm_offer(lesson, offer.id, coordinator)
    new_start = at(15, 13)
    services.change_lesson(lesson, coordinator, new_start, new_start + timedelta(hours=2), "Aula", "Afgesproken met Anna")
    lesson = db.session.get(GuestLesson, lesson.id)
    assert lesson.ical_sequence == 1 and lesson.starts_at == new_start and lesson.place == "Aula"
    assert db.session.get(GuestLessonOffer, offer.id).option.starts_at == new_start
    [changed] = mails(anna.email, "guest_lessons_changed")
    _calendar, event = event_of(changed)
    assert int(event["SEQUENCE"]) == 1 and str(event["UID"]) == lesson.ical_uid
    assert event.decoded("DTSTART").replace(tzinfo=None) == new_start
    assert "Afgesproken met Anna" in changed.body_text
    assert len(mails(coordinator.email, "guest_lessons_changed")) == 1
    with pytest.raises(services.GuestLessonError, match="niets veranderd"):
        services.change_lesson(lesson, coordinator, new_start, new_start + timedelta(hours=2), "Aula")

    services.cancel_lesson(lesson, coordinator, "Klas op excursie")
    lesson = db.session.get(GuestLesson, lesson.id)
    assert lesson.status == "cancelled" and lesson.ical_sequence == 2
    for mail in (mails(anna.email, "guest_lessons_cancelled")[0], mails(coordinator.email, "guest_lessons_cancelled")[0]):
        calendar, event = event_of(mail)
        assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 2 and str(event["UID"]) == lesson.ical_uid
    assert "Klas op excursie" in mails(anna.email, "guest_lessons_cancelled")[0].body_text
    with pytest.raises(services.GuestLessonError):
        services.cancel_lesson(lesson, coordinator)


def test_cancelling_an_open_request_tells_who_offered_without_calendar(world):
    coordinator = world.users["coordinator"]
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, coordinator)
    offer_on(lesson, anna)
    services.cancel_lesson(lesson, coordinator)
    [mail] = mails(anna.email, "guest_lessons_cancelled")
    assert mail.ics is None
    assert mails(coordinator.email, "guest_lessons_cancelled") == []


def test_withdrawing_a_confirmed_lesson_reopens_it_and_cancels_the_calendar_entry(world):
    coordinator = world.users["coordinator"]
    anna = make_alumna(first_name="Anna")
    bo = make_alumna(first_name="Bo")
    lesson = make_lesson(world.school_a, coordinator)
    offer = offer_on(lesson, anna)
    offer_on(lesson, bo)
    services.confirm_offer(lesson, offer.id, coordinator)
    services.withdraw(lesson, db.session.get(AlumnaProfile, anna.id), "Ziek")
    lesson = db.session.get(GuestLesson, lesson.id)
    assert lesson.status == "open" and lesson.starts_at is None and lesson.ical_sequence == 1
    [to_coordinator] = mails(coordinator.email, "guest_lessons_withdrawn")
    calendar, event = event_of(to_coordinator)
    assert str(calendar["METHOD"]) == "CANCEL" and "Ziek" in to_coordinator.body_text
    # Bo was released, and can be asked again now; a new confirmation is a newer version of the event.
    assert "Bo" in suggested(lesson)
    services.invite(lesson, [bo.id], coordinator)
    offer_b = services.make_offer(lesson, db.session.get(AlumnaProfile, bo.id), None, "")
    services.confirm_offer(lesson, offer_b.id, coordinator)
    _calendar, event = event_of(mails(bo.email, "guest_lessons_confirmed")[0])
    assert int(event["SEQUENCE"]) == 2


def test_withdrawing_an_offer_reopens_the_request_when_none_is_left(world):
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    profile = db.session.get(AlumnaProfile, anna.id)
    services.make_offer(lesson, profile, None, "")
    with pytest.raises(services.GuestLessonError, match="al aangeboden"):
        services.make_offer(lesson, profile, None, "")
    services.withdraw(lesson, profile)
    assert db.session.get(GuestLesson, lesson.id).status == "open"
    with pytest.raises(services.GuestLessonError):
        services.withdraw(lesson, profile)


# --- reminders --------------------------------------------------------------------------


def _confirmed(world, alumna, starts_at):
    lesson = make_lesson(world.school_a, world.users["coordinator"], options=[(starts_at, starts_at + timedelta(hours=1))])
    offer = offer_on(lesson, alumna)
    services.confirm_offer(lesson, offer.id, world.users["coordinator"], now=starts_at - timedelta(days=7))
    return db.session.get(GuestLesson, lesson.id)


def test_reminders_go_two_days_before_once(world):
    anna = make_alumna(first_name="Anna")
    soon = _confirmed(world, anna, at(10))
    later = _confirmed(world, anna, at(20))
    assert soon.reminder_sent_at is None
    now = soon.starts_at - timedelta(days=3)
    assert services.send_lesson_reminders(now=now) == 0
    now = soon.starts_at - timedelta(days=2) + timedelta(minutes=1)
    assert services.send_lesson_reminders(now=now) == 2  # Anna and the coordinator
    assert services.send_lesson_reminders(now=now) == 0
    assert services.send_lesson_reminders(now=now + timedelta(hours=1)) == 0
    assert db.session.get(GuestLesson, soon.id).reminder_sent_at == now
    assert db.session.get(GuestLesson, later.id).reminder_sent_at is None
    [mail] = mails(anna.email, "guest_lessons_reminder")
    assert "Over twee dagen" in mail.body_text and world.users["coordinator"].email in mail.body_text
    assert len(mails(world.users["coordinator"].email, "guest_lessons_reminder")) == 1


def test_a_lesson_confirmed_within_two_days_gets_no_separate_reminder(world):
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, world.users["coordinator"], options=[(at(1), at(1, 11))])
    services.confirm_offer(lesson, offer_on(lesson, anna).id, world.users["coordinator"])
    assert db.session.get(GuestLesson, lesson.id).reminder_sent_at is not None
    assert services.send_lesson_reminders() == 0


def test_a_moved_lesson_is_reminded_again(world):
    anna = make_alumna(first_name="Anna")
    lesson = _confirmed(world, anna, at(10))
    assert services.send_lesson_reminders(now=lesson.starts_at - timedelta(days=1)) == 2
    services.change_lesson(lesson, world.users["coordinator"], at(20), at(20, 11), lesson.place)
    assert db.session.get(GuestLesson, lesson.id).reminder_sent_at is None
    assert services.send_lesson_reminders(now=at(18, 12)) == 2


# --- done and anonymous feedback --------------------------------------------------------


def _held(world, alumna):
    lesson = _confirmed(world, alumna, at(10))
    lesson.starts_at, lesson.ends_at = at(-1), at(-1, 11)  # it took place yesterday
    db.session.commit()
    return lesson


def test_done_makes_anonymous_single_use_links(world):
    anna = make_alumna(first_name="Anna")
    lesson = _held(world, anna)
    coordinator = world.users["coordinator"]
    assert services.mark_done(lesson, coordinator, 3) == 3
    with pytest.raises(services.GuestLessonError):
        services.mark_done(lesson, coordinator, 3)
    links = services.feedback_links(lesson)
    assert [n for n, _url in links.links] == [1, 2, 3] and links.used == 0
    invitations = db.session.scalars(select(Invitation).where(Invitation.kind == "feedback")).all()
    assert len(invitations) == 3
    for invitation in invitations:
        assert invitation.user_id is None and invitation.email == ""
        assert (invitation.target_type, invitation.target_id) == ("guest_lesson", lesson.id)

    token = links.links[0][1].rsplit("/", 1)[1]
    feedback = services.submit_feedback(token, 5, "  Nu wil ik   ook monteur worden! ")
    assert feedback.comment == "Nu wil ik ook monteur worden!"
    with pytest.raises(tokens.TokenError):
        services.submit_feedback(token, 1, "nog een keer")
    services.submit_feedback(links.links[1][1].rsplit("/", 1)[1], 4, "")
    assert db.session.scalar(select(db.func.count()).select_from(GuestLessonFeedback)) == 2
    summary = services.feedback_summaries([lesson.id])[lesson.id]
    assert (summary.count, summary.average, summary.comments) == (2, 4.5, [(5, "Nu wil ik ook monteur worden!")])
    assert services.feedback_links(lesson).used == 2


def test_feedback_cannot_be_traced_back_to_a_student_or_a_link(world):
    anna = make_alumna(first_name="Anna")
    lesson = _held(world, anna)
    services.mark_done(lesson, world.users["coordinator"], 2)
    links = services.feedback_links(lesson).links
    now = datetime(2026, 3, 4, 14, 37, 12)
    services.submit_feedback(links[1][1].rsplit("/", 1)[1], 3, "Leuk", now=now)
    # The feedback row holds only the lesson, the rating and the comment (and the day).
    columns = {c.key for c in inspect(GuestLessonFeedback).columns}
    assert columns == {"id", "lesson_id", "rating", "comment", "created_at"}
    [feedback] = db.session.scalars(select(GuestLessonFeedback)).all()
    assert feedback.created_at == datetime(2026, 3, 4)
    # The used link keeps no time of use that could be matched with the feedback, and names nobody.
    used = db.session.scalars(select(Invitation).where(Invitation.used_at.is_not(None))).all()
    assert [(i.used_at, i.user_id, i.email) for i in used] == [(datetime(2026, 3, 4), None, "")]


def test_feedback_only_for_a_lesson_that_is_done(world):
    anna = make_alumna(first_name="Anna")
    lesson = _held(world, anna)
    services.mark_done(lesson, world.users["coordinator"], 1)
    token = services.feedback_links(lesson).links[0][1].rsplit("/", 1)[1]
    lesson.status = "cancelled"
    db.session.commit()
    with pytest.raises(tokens.TokenError):
        services.submit_feedback(token, 4, "")
    with pytest.raises(tokens.TokenError):
        services.submit_feedback("not-a-token", 4, "")


def test_a_lesson_is_done_only_after_it_started(world):
    anna = make_alumna(first_name="Anna")
    lesson = _confirmed(world, anna, at(5))
    with pytest.raises(services.GuestLessonError, match="pas afronden"):
        services.mark_done(lesson, world.users["coordinator"], 10)
    assert services.may_mark_done(lesson) is False


def test_more_links_are_capped(world):
    lesson = _held(world, make_alumna(first_name="Anna"))
    services.mark_done(lesson, world.users["coordinator"], 498)
    assert services.add_feedback_links(lesson, world.users["coordinator"], 10) == 2
    with pytest.raises(services.GuestLessonError):
        services.add_feedback_links(lesson, world.users["coordinator"], 1)


# --- requests ---------------------------------------------------------------------------


def test_create_and_edit_a_request(world, ict):
    coordinator = world.users["coordinator"]
    data = {"kind": "open_day", "topic": "Open dag techniek", "programme_id": ict.id, "class_name": "", "year": 0, "student_count": None, "place": "Aula", "description": ""}
    lesson = services.create_lesson(world.school_a.id, coordinator, data, [(at(9), at(9, 12)), (at(8), at(8, 12))])
    assert lesson.kind == "open_day" and lesson.status == "open" and lesson.year is None
    assert [o.starts_at for o in lesson.options] == [at(8), at(9)]
    other = next(p for p in world.school_b.programmes)
    with pytest.raises(services.GuestLessonError, match="eigen school"):
        services.create_lesson(world.school_a.id, coordinator, dict(data, programme_id=other.id), [(at(9), at(9, 12))])
    services.update_lesson(lesson, coordinator, dict(data, topic="Open avond"), [(at(12), at(12, 12))])
    lesson = db.session.get(GuestLesson, lesson.id)
    assert lesson.topic == "Open avond" and [o.starts_at for o in lesson.options] == [at(12)]
    # Once an alumna offered on a date, the dates stay.
    offer_on(lesson, make_alumna(first_name="Anna", activities=["open_day"]))
    assert services.options_locked(lesson)
    services.update_lesson(lesson, coordinator, data, [(at(13), at(13, 12))])
    assert [o.starts_at for o in db.session.get(GuestLesson, lesson.id).options] == [at(12)]


def test_the_limit_counts_per_school_year_of_the_activity(world):
    """An activity next school year is judged by next year's count, not this year's."""
    alumna = make_alumna(first_name="Anna", max_per_year=1)
    this_year_start, next_year_start = services.school_year_bounds(at(0))
    give_lesson(alumna, world.school_b, at(0, 23) if at(0, 23) < next_year_start else at(-1))
    lesson = make_lesson(world.school_a, options=[(next_year_start + timedelta(days=30), next_year_start + timedelta(days=30, hours=1))])
    assert suggested(lesson) == ["Anna"]


def test_programme_is_compared_across_schools_by_crebo(world):
    school_c = make_school("School C")
    programme_c = db.session.scalar(select(Programme).where(Programme.school_id == school_c.id, Programme.sector == "ict"))
    ict_a = db.session.scalar(select(Programme).where(Programme.school_id == world.school_a.id, Programme.sector == "ict"))
    make_alumna(first_name="Cato", school=school_c, programme=programme_c, graduated_year=2010)
    make_alumna(first_name="Bo", programme_name="Iets anders", graduated_year=2025)
    lesson = make_lesson(world.school_a, programme=ict_a)
    assert suggested(lesson) == ["Cato", "Bo"]


def test_coordinators_who_hear_about_a_lesson(world):
    coordinator = world.users["coordinator"]
    colleague = make_user("coordinator", world.school_a)
    lesson = make_lesson(world.school_a, coordinator)
    assert [u.id for u in services._coordinators(lesson, colleague)] == [coordinator.id, colleague.id]
    assert [u.id for u in services._coordinators(lesson, world.users["coordinator_b"])] == [coordinator.id]
    orphan = make_lesson(world.school_a, None)
    assert {u.id for u in services._coordinators(orphan)} == {coordinator.id, colleague.id}
