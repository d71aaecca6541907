"""Guest lessons through the pages: each flow, access rules, the limits, anonymous feedback."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import body_of, link_in, make_user
from tests.guest_lessons.conftest import at, give_lesson, make_alumna, make_lesson, offer_on
from webapp.extensions import db
from webapp.guest_lessons import services
from webapp.guest_lessons.models import GuestLesson, GuestLessonFeedback, GuestLessonOffer
from webapp.outbox import worker
from webapp.outbox.models import OutboxEmail
from webapp.people.models import AlumnaAllowedSchool, AlumnaProfile
from webapp.timeutil import to_utc

IN_TEN_DAYS = (date.today() + timedelta(days=10)).isoformat()


def request_data(**overrides) -> dict:
    data = {
        "kind": "guest_lesson",
        "topic": "Werken als netwerkbeheerder",
        "programme_id": "0",
        "class_name": "ICT-2B",
        "year": "2",
        "student_count": "24",
        "place": "Lokaal B2.14",
        "description": "Wat doe je op een dag?",
        "date1": IN_TEN_DAYS,
        "start1": "10:00",
        "end1": "11:30",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return response.get_data(as_text=True)


def held_lesson(world, alumna, **kwargs) -> GuestLesson:
    """A lesson she gave yesterday, confirmed and not yet marked done."""
    lesson = make_lesson(world.school_a, world.users["coordinator"], **kwargs)
    offer = offer_on(lesson, alumna)
    offer.status = "confirmed"
    lesson.status = "confirmed"
    lesson.starts_at, lesson.ends_at = at(-1), at(-1, 11)
    db.session.commit()
    return lesson


# --- the coordinator's request ----------------------------------------------------------


def test_coordinator_posts_a_request_and_sees_the_ranked_suggestions_with_reasons(login_as, world, ict):
    make_alumna(first_name="Anna", programme=ict, graduated_year=2016)
    make_alumna(first_name="Bo", programme_name="Netwerkbeheerder", graduated_year=2024)
    make_alumna(first_name="Cato", programme=ict, graduated_year=2024)
    make_alumna(first_name="Opendag", activities=["open_day"])
    coordinator = login_as("coordinator")
    response = coordinator.post_form("/gastlessen/nieuw", request_data(programme_id=str(ict.id), date2=IN_TEN_DAYS, start2="13:00", end2="14:00"))
    assert response.status_code == 302
    lesson = db.session.scalar(select(GuestLesson))
    assert response.headers["Location"].endswith(f"/gastlessen/{lesson.id}")
    assert lesson.status == "open" and lesson.school_id == world.school_a.id and len(lesson.options) == 2
    assert lesson.options[0].starts_at == to_utc(datetime.fromisoformat(IN_TEN_DAYS + "T10:00"))  # local time in the form
    page = text(coordinator.get(f"/gastlessen/{lesson.id}"))
    assert "Het verzoek staat klaar" in page
    assert page.index("Cato Test") < page.index("Anna Test") < page.index("Bo Test")
    assert "Opendag" not in page
    assert "zelfde opleiding" in page and "zelfde sector: ICT" in page and "nog 4 van de 4 keer dit schooljaar" in page


def test_request_form_errors_answer_422_and_keep_the_input(login_as, world):
    coordinator = login_as("coordinator")
    response = coordinator.post_form("/gastlessen/nieuw", request_data(topic="", date1="", class_name="ICT-3A"))
    assert response.status_code == 422
    page = text(response)
    assert "Vul een onderwerp in." in page and "Kies een datum." in page and 'value="ICT-3A"' in page
    response = coordinator.post_form("/gastlessen/nieuw", request_data(end1="09:00"))
    assert response.status_code == 422 and "De eindtijd ligt na de begintijd." in text(response)
    response = coordinator.post_form("/gastlessen/nieuw", request_data(date2=IN_TEN_DAYS))
    assert response.status_code == 422 and "laat de optie helemaal leeg" in text(response)
    response = coordinator.post_form("/gastlessen/nieuw", request_data(date1=(date.today() - timedelta(days=1)).isoformat()))
    assert response.status_code == 422 and "Kies een moment in de toekomst." in text(response)
    response = coordinator.post_form("/gastlessen/nieuw", request_data(programme_id=str(world.school_b.programmes[0].id)))
    assert response.status_code == 422
    response = coordinator.post_form("/gastlessen/nieuw", request_data(date1="morgen", student_count="veel", kind="feest"))
    assert response.status_code == 422
    assert db.session.scalar(select(GuestLesson)) is None


def test_one_click_invite_with_htmx_swaps_the_people_panel(login_as, world):
    anna = make_alumna(first_name="Anna")
    make_alumna(first_name="Bo")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    hx = login_as("coordinator", htmx=True)
    response = hx.post_form(f"/gastlessen/{lesson.id}/uitnodigen", {"alumna_id": str(anna.id)})
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page and 'id="lesson-people"' in page and "Uitgenodigd: Anna" in page and 'hx-swap-oob' in page
    offer = db.session.scalar(select(GuestLessonOffer))
    assert (offer.alumna_id, offer.status) == (anna.id, "invited")
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == anna.email)).template == "guest_lessons_invite"


def test_invite_several_without_javascript(login_as, world):
    anna, bo = make_alumna(first_name="Anna"), make_alumna(first_name="Bo")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    coordinator = login_as("coordinator")
    client_data = {"alumna_ids": [str(anna.id), str(bo.id)], "csrf_token": coordinator.csrf_token()}
    response = coordinator.post(f"/gastlessen/{lesson.id}/uitnodigen", data=client_data)
    assert response.status_code == 302
    assert {o.alumna_id for o in db.session.scalars(select(GuestLessonOffer))} == {anna.id, bo.id}
    response = coordinator.post_form(f"/gastlessen/{lesson.id}/uitnodigen", {})
    assert response.status_code == 302
    assert "Kies wie je wilt uitnodigen." in text(coordinator.get(f"/gastlessen/{lesson.id}"))


def test_the_whole_flow_by_email_with_calendar_files(login_as, world, smtp, ict):
    anna = make_alumna(first_name="Anna", programme=ict)
    bo = make_alumna(first_name="Bo")
    lesson = make_lesson(world.school_a, world.users["coordinator"], programme=ict, options=[(at(10), at(10, 11)), (at(11), at(11, 11))])
    coordinator = login_as("coordinator")
    coordinator.post_form(f"/gastlessen/{lesson.id}/uitnodigen", {"alumna_ids": [str(anna.id), str(bo.id)]})
    worker.drain()
    invitations = {m["To"]: m for m in smtp.wait_for(2)}
    link = link_in(body_of(invitations[anna.email]))
    assert link == f"/gastlessen/prikbord/{lesson.id}"

    alumna = login_as(anna)
    page = text(alumna.get(link))
    assert "Ik bied aan" in page and "Werken in de techniek" in page and "School A" in page
    response = alumna.post_form(f"{link}/aanbieden", {"option_id": str(lesson.options[1].id), "message": "Ik neem een robot mee"})
    assert response.status_code == 302
    assert "Je hebt aangeboden" in text(alumna.get(link))
    login_as(bo).post_form(f"/gastlessen/prikbord/{lesson.id}/aanbieden", {"option_id": str(lesson.options[0].id)})

    page = text(coordinator.get(f"/gastlessen/{lesson.id}"))
    assert "Ik neem een robot mee" in page and page.count(">Bevestigen<") == 2
    offer = db.session.scalar(select(GuestLessonOffer).where(GuestLessonOffer.alumna_id == anna.id))
    response = coordinator.post_form(f"/gastlessen/{lesson.id}/aanbod/{offer.id}/bevestigen")
    assert response.status_code == 302
    assert "Bevestigd: Anna" in text(coordinator.get(f"/gastlessen/{lesson.id}"))
    smtp.messages.clear()
    worker.drain()
    delivered = smtp.wait_for(4)
    by_template = {(m["To"], m["Subject"]) for m in delivered}
    assert (anna.email, "Bevestigd: gastles Werken in de techniek") in by_template
    assert (world.users["coordinator"].email, "Bevestigd: gastles Werken in de techniek") in by_template
    assert (bo.email, "Bedankt voor je hulp: Werken in de techniek") in by_template
    for message in delivered:
        if message["Subject"].startswith("Bevestigd"):
            [attachment] = [part for part in message.iter_attachments()]
            assert attachment.get_content_type() == "text/calendar"
            ics = attachment.get_content()
            ics = ics.decode() if isinstance(ics, bytes) else ics
            assert f"UID:{lesson.ical_uid}" in ics and "METHOD:REQUEST" in ics
    assert "Bevestigd! Je geeft deze gastles" in text(alumna.get(link))
    # A second confirmation of the other offer is refused with a clear message.
    other = db.session.scalar(select(GuestLessonOffer).where(GuestLessonOffer.alumna_id == bo.id))
    coordinator.post_form(f"/gastlessen/{lesson.id}/aanbod/{other.id}/bevestigen")
    assert "Er is al een aanbod bevestigd" in text(coordinator.get(f"/gastlessen/{lesson.id}"))


def test_the_only_date_is_chosen_for_her_and_a_wrong_choice_is_422(login_as, world):
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    other = make_lesson(world.school_a, world.users["coordinator"])
    alumna = login_as(anna)
    response = alumna.post_form(f"/gastlessen/prikbord/{lesson.id}/aanbieden", {"option_id": str(other.options[0].id)})
    assert response.status_code == 422
    assert 'checked' in text(alumna.get(f"/gastlessen/prikbord/{lesson.id}"))  # the only option is preselected
    response = alumna.post_form(f"/gastlessen/prikbord/{lesson.id}/aanbieden", {"option_id": str(lesson.options[0].id)})
    assert response.status_code == 302
    assert db.session.scalar(select(GuestLessonOffer)).option_id == lesson.options[0].id


def test_change_and_cancel_a_confirmed_lesson(login_as, world):
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    services.confirm_offer(lesson, offer_on(lesson, anna).id, world.users["coordinator"])
    coordinator = login_as("coordinator")
    page = text(coordinator.get(f"/gastlessen/{lesson.id}/bewerken"))
    assert "Tijd of plaats wijzigen" in page
    new_day = (date.today() + timedelta(days=12)).isoformat()
    response = coordinator.post_form(f"/gastlessen/{lesson.id}/bewerken", {"date1": new_day, "start1": "13:00", "end1": "12:00", "place": "Aula"})
    assert response.status_code == 422
    response = coordinator.post_form(f"/gastlessen/{lesson.id}/bewerken", {"date1": new_day, "start1": "13:00", "end1": "14:00", "place": "Aula", "note": "Met Anna afgesproken"})
    assert response.status_code == 302
    lesson = db.session.get(GuestLesson, lesson.id)
    assert lesson.place == "Aula" and lesson.ical_sequence == 1
    changed = db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == "guest_lessons_changed")).all()
    assert {m.to_address for m in changed} == {anna.email, world.users["coordinator"].email}
    response = coordinator.post_form(f"/gastlessen/{lesson.id}/annuleren", {"reason": "Excursie"})
    assert response.status_code == 302
    assert db.session.get(GuestLesson, lesson.id).status == "cancelled"
    cancelled = db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == "guest_lessons_cancelled")).all()
    assert {m.to_address for m in cancelled} == {anna.email, world.users["coordinator"].email}
    assert all("METHOD:CANCEL" in m.ics for m in cancelled)
    assert "Reden: Excursie" in text(coordinator.get(f"/gastlessen/{lesson.id}"))


def test_edit_an_open_request(login_as, world):
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    coordinator = login_as("coordinator")
    page = text(coordinator.get(f"/gastlessen/{lesson.id}/bewerken"))
    assert 'value="Werken in de techniek"' in page and 'name="date1"' in page
    response = coordinator.post_form(f"/gastlessen/{lesson.id}/bewerken", request_data(topic="Zonnepanelen"))
    assert response.status_code == 302
    assert db.session.get(GuestLesson, lesson.id).topic == "Zonnepanelen"


# --- the alumna's board and the limits ----------------------------------------------------


def test_board_shows_only_what_she_may_take_and_explains_her_limit(login_as, world):
    anna = make_alumna(first_name="Anna", max_per_year=1, all_schools=False, allowed=(world.school_a,))
    allowed = make_lesson(world.school_a, world.users["coordinator"], topic="Mag wel", options=[(at(12), at(12, 11))])
    not_allowed = make_lesson(world.school_b, world.users["coordinator_b"], topic="Andere school")
    open_day = make_lesson(world.school_a, world.users["coordinator"], kind="open_day", topic="Open dag in mei")
    alumna = login_as(anna)
    page = text(alumna.get("/gastlessen/prikbord"))
    assert "Mag wel" in page and "Andere school" not in page and "Open dag in mei" not in page
    assert alumna.get(f"/gastlessen/prikbord/{not_allowed.id}").status_code == 404
    assert alumna.get(f"/gastlessen/prikbord/{open_day.id}").status_code == 404
    assert alumna.post_form(f"/gastlessen/prikbord/{not_allowed.id}/aanbieden", {"option_id": str(not_allowed.options[0].id)}).status_code == 404
    # At her limit for the school year, the request disappears from her board and cannot be opened.
    give_lesson(anna, world.school_a, allowed.options[0].starts_at + timedelta(days=1))
    page = text(alumna.get("/gastlessen/prikbord"))
    assert "Mag wel" not in page
    assert alumna.get(f"/gastlessen/prikbord/{allowed.id}").status_code == 404


def test_board_filters_with_htmx(login_as, world, ict, electro):
    anna = make_alumna(first_name="Anna", programme=ict, activities=["guest_lesson", "open_day"])
    make_lesson(world.school_a, world.users["coordinator"], programme=ict, topic="ICT-les")
    make_lesson(world.school_a, world.users["coordinator"], programme=electro, topic="Elektro-les")
    make_lesson(world.school_a, world.users["coordinator"], kind="open_day", topic="Open dag")
    hx = login_as(anna, htmx=True)
    page = text(hx.get("/gastlessen/prikbord?fit=mine"))
    assert "<html" not in page and "ICT-les" in page and "Elektro-les" not in page
    page = text(hx.get("/gastlessen/prikbord?kind=open_day"))
    assert "Open dag" in page and "ICT-les" not in page
    page = text(login_as(anna).get("/gastlessen/prikbord?kind=bogus&fit=x"))
    assert "ICT-les" in page and "Elektro-les" in page and "jouw opleiding" in page


def test_an_invited_alumna_who_no_longer_fits_is_told_why_without_details(login_as, world):
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    services.invite(lesson, [anna.id], world.users["coordinator"])
    profile = db.session.get(AlumnaProfile, anna.id)
    profile.all_schools = False
    db.session.add(AlumnaAllowedSchool(alumna_id=anna.id, school_id=world.school_b.id))
    db.session.commit()
    alumna = login_as(anna)
    response = alumna.get(f"/gastlessen/prikbord/{lesson.id}")
    assert response.status_code == 410
    page = text(response)
    assert "In je profiel staat niet dat School A je mag vragen." in page and "Lokaal B2.14" not in page
    assert alumna.post_form(f"/gastlessen/prikbord/{lesson.id}/aanbieden", {"option_id": str(lesson.options[0].id)}).status_code == 410
    # She can still say it is not for her.
    assert alumna.post_form(f"/gastlessen/prikbord/{lesson.id}/past-niet").status_code == 302
    assert db.session.scalar(select(GuestLessonOffer.status)) == "declined"


def test_decline_and_withdraw_from_the_request_page(login_as, world):
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    alumna = login_as(anna)
    assert alumna.post_form(f"/gastlessen/prikbord/{lesson.id}/past-niet").status_code == 302
    assert "Werken in de techniek" not in text(alumna.get("/gastlessen/prikbord"))
    assert "Je hebt aangegeven dat dit verzoek niet bij je past." in text(alumna.get(f"/gastlessen/prikbord/{lesson.id}"))
    # She changes her mind, offers, then withdraws after confirmation.
    alumna.post_form(f"/gastlessen/prikbord/{lesson.id}/aanbieden", {"option_id": str(lesson.options[0].id)})
    offer = db.session.scalar(select(GuestLessonOffer))
    assert offer.status == "offered"
    services.confirm_offer(db.session.get(GuestLesson, lesson.id), offer.id, world.users["coordinator"])
    page = text(alumna.get("/gastlessen/mijn"))
    assert "Werken in de techniek" in page
    response = alumna.post_form(f"/gastlessen/prikbord/{lesson.id}/terugtrekken", {"reason": "Ziek"})
    assert response.status_code == 302
    assert db.session.get(GuestLesson, lesson.id).status == "open"
    withdrawn = db.session.scalar(select(OutboxEmail).where(OutboxEmail.template == "guest_lessons_withdrawn"))
    assert withdrawn.to_address == world.users["coordinator"].email and "METHOD:CANCEL" in withdrawn.ics


# --- access -----------------------------------------------------------------------------


def test_pages_need_the_right_role_and_school(login_as, world, client):
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    offer = offer_on(lesson, make_alumna(first_name="Anna"))
    assert client.get("/gastlessen/").status_code == 302
    assert client.get("/gastlessen/prikbord").status_code == 302
    for who in ("student", "alumna", "admin"):
        assert login_as(who).get("/gastlessen/").status_code == 403
        assert login_as(who).get(f"/gastlessen/{lesson.id}").status_code == 403
    assert login_as("coordinator").get("/gastlessen/prikbord").status_code == 403
    assert login_as("student").get("/gastlessen/prikbord").status_code == 403
    other = login_as("coordinator_b")
    for url in (f"/gastlessen/{lesson.id}", f"/gastlessen/{lesson.id}/bewerken", f"/gastlessen/{lesson.id}/feedbacklinks"):
        assert other.get(url).status_code == 404, url
    for url in (f"/gastlessen/{lesson.id}/uitnodigen", f"/gastlessen/{lesson.id}/aanbod/{offer.id}/bevestigen",
                f"/gastlessen/{lesson.id}/annuleren", f"/gastlessen/{lesson.id}/afronden"):
        assert other.post_form(url).status_code == 404, url
    assert db.session.get(GuestLesson, lesson.id).status == "offered"
    assert "Werken in de techniek" not in text(other.get("/gastlessen/?status=all"))
    # Without the CSRF token a POST is refused.
    assert login_as("coordinator").post(f"/gastlessen/{lesson.id}/aanbod/{offer.id}/bevestigen").status_code == 400


def test_index_lists_the_schools_requests_with_filters(login_as, world):
    make_lesson(world.school_a, world.users["coordinator"], topic="Gastles robotica")
    make_lesson(world.school_a, world.users["coordinator"], kind="open_day", topic="Open dag maart")
    make_lesson(world.school_a, world.users["coordinator"], topic="Oud verzoek", status="cancelled")
    coordinator = login_as("coordinator")
    page = text(coordinator.get("/gastlessen/"))
    assert "Gastles robotica" in page and "Open dag maart" in page and "Oud verzoek" not in page
    page = text(login_as("coordinator", htmx=True).get("/gastlessen/?kind=open_day&status=all"))
    assert "<html" not in page and "Open dag maart" in page and "Gastles robotica" not in page
    assert "Oud verzoek" in text(coordinator.get("/gastlessen/?status=cancelled"))
    assert coordinator.get("/gastlessen/?status=x&kind=y&page=abc").status_code == 200


def test_open_days_use_the_same_pages_with_their_own_label(login_as, world):
    make_alumna(first_name="Gastles", activities=["guest_lesson"])
    make_alumna(first_name="Opendag", activities=["open_day"])
    coordinator = login_as("coordinator")
    assert 'selected value="open_day"' in text(coordinator.get("/gastlessen/nieuw?soort=open_day"))
    coordinator.post_form("/gastlessen/nieuw", request_data(kind="open_day", topic="Open dag techniek"))
    lesson = db.session.scalar(select(GuestLesson))
    assert lesson.kind == "open_day"
    page = text(coordinator.get(f"/gastlessen/{lesson.id}"))
    assert "Open dag" in page and "Opendag Test" in page and "Gastles Test" not in page


# --- after the lesson: done, links, anonymous feedback ----------------------------------


def test_done_links_and_anonymous_feedback_seen_by_alumna_and_coordinator(login_as, world, client):
    anna = make_alumna(first_name="Anna")
    lesson = held_lesson(world, anna)
    coordinator = login_as("coordinator")
    assert "Afronden en feedback vragen" in text(coordinator.get(f"/gastlessen/{lesson.id}"))
    response = coordinator.post_form(f"/gastlessen/{lesson.id}/afronden", {"link_count": "501"})
    assert response.status_code == 422
    response = coordinator.post_form(f"/gastlessen/{lesson.id}/afronden", {"link_count": "3"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/gastlessen/{lesson.id}/feedbacklinks")
    page = text(coordinator.get(f"/gastlessen/{lesson.id}/feedbacklinks"))
    links = re.findall(r'href="http://kring\.test(/gastlessen/feedback/[^"]+)"', page)
    assert len(links) == 3 and "0 links gebruikt van de 3" in page
    download = coordinator.get(f"/gastlessen/{lesson.id}/feedbacklinks.txt")
    assert download.headers["Content-Disposition"].startswith("attachment") and text(download).count("http://kring.test/gastlessen/feedback/") == 3

    page = text(client.get(links[0]))  # no login needed
    assert "Wat vond je ervan?" in page and 'type="radio"' in page and "anoniem" in page
    response = client.post_form(links[0], {"comment": "Zonder cijfer"})
    assert response.status_code == 422 and "Kies een cijfer van 1 tot 5." in text(response)
    response = client.post_form(links[0], {"rating": "6"})
    assert response.status_code == 422
    response = client.post_form(links[0], {"rating": "4", "comment": "x" * 281})
    assert response.status_code == 422 and "Maximaal 280 tekens." in text(response)
    response = client.post_form(links[0], {"rating": "4", "comment": "Ik wist niet dat dit een beroep was!"})
    assert response.status_code == 200 and "Bedankt voor je feedback!" in text(response)
    response = client.get(links[0])
    assert response.status_code == 410 and "al feedback gegeven" in text(response)
    assert client.post_form(links[0], {"rating": "1"}).status_code == 410
    client.post_form(links[1], {"rating": "5"})
    assert client.get("/gastlessen/feedback/nep-token").status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(GuestLessonFeedback)) == 2

    page = text(login_as(anna).get("/gastlessen/mijn"))
    assert "Gemiddeld 4,5 van 5" in page and "Ik wist niet dat dit een beroep was!" in page
    page = text(coordinator.get(f"/gastlessen/{lesson.id}"))
    assert "Gemiddeld 4,5 van 5" in page and "Feedbacklinks (3)" in page
    assert "2 links gebruikt van de 3" in text(coordinator.get(f"/gastlessen/{lesson.id}/feedbacklinks"))
    coordinator.post_form(f"/gastlessen/{lesson.id}/feedbacklinks", {"count": "2"})
    assert "van de 5" in text(coordinator.get(f"/gastlessen/{lesson.id}/feedbacklinks"))


def test_a_lesson_still_to_come_cannot_be_marked_done(login_as, world):
    anna = make_alumna(first_name="Anna")
    lesson = make_lesson(world.school_a, world.users["coordinator"])
    services.confirm_offer(lesson, offer_on(lesson, anna).id, world.users["coordinator"])
    coordinator = login_as("coordinator")
    assert "Afronden en feedback vragen" not in text(coordinator.get(f"/gastlessen/{lesson.id}"))
    coordinator.post_form(f"/gastlessen/{lesson.id}/afronden", {"link_count": "3"})
    assert db.session.get(GuestLesson, lesson.id).status == "confirmed"
    assert coordinator.get(f"/gastlessen/{lesson.id}/feedbacklinks").status_code == 404


# --- start page and menu ----------------------------------------------------------------


def test_start_page_and_menu_show_what_to_do(login_as, world):
    anna = make_alumna(first_name="Anna")
    waiting = make_lesson(world.school_a, world.users["coordinator"], topic="Wacht op keuze")
    offer_on(waiting, make_alumna(first_name="Bo"))
    invited = make_lesson(world.school_a, world.users["coordinator"], topic="Uitgenodigd voor")
    offer_on(invited, anna, status="invited")
    page = text(login_as("coordinator").get("/start"))
    assert 'href="/gastlessen/"' in page and "Aanbod binnen:" in page and "Wacht op keuze" in page
    page = text(login_as(anna).get("/start"))
    assert 'href="/gastlessen/prikbord"' in page and "Uitnodiging:" in page and "Uitgenodigd voor" in page
    assert "2 open verzoeken passen bij je." in page
    both = make_user("coordinator", world.school_a)
    assert login_as(both).get("/start").status_code == 200


def test_mine_groups_her_lessons(login_as, world):
    anna = make_alumna(first_name="Anna")
    upcoming = make_lesson(world.school_a, world.users["coordinator"], topic="Komt nog")
    services.confirm_offer(upcoming, offer_on(upcoming, anna).id, world.users["coordinator"])
    held_lesson(world, anna, topic="Al geweest")
    page = text(login_as(anna).get("/gastlessen/mijn"))
    assert page.index("Komt nog") < page.index("Eerder gegeven") < page.index("Al geweest")
    assert "nog niet afgerond" in page


@pytest.mark.parametrize("url", ["/gastlessen/prikbord/999999", "/gastlessen/999999"])
def test_unknown_ids_are_404(login_as, world, url):
    user = make_alumna(first_name="Anna") if "prikbord" in url else world.users["coordinator"]
    assert login_as(user).get(url).status_code == 404
