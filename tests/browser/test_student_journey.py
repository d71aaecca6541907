"""A studente's year in a real browser, on a desktop and a phone.

She is invited, activates her account from the e-mail, joins a mentoring circle (htmx), signs
up for a speeddate from its invitation and ranks the tables, and asks for a buddy; after each
step the test checks what she sees and the e-mail the step sends (delivered over real SMTP).
The coordinator's side (circle, speeddate, buddy matching) is set up with the service functions.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.fixtures import nav_link, screenshot
from tests.browser.journey_helpers import attachment, fits, link_in, mail_to, ready, same_page
from tests.buddies.builders import student as buddy_student
from tests.circles.builders import make_circle, make_meeting, make_mentor
from tests.conftest import body_of, make_user
from webapp.auth.services import find_user
from webapp.buddies import services as buddy_services
from webapp.circles import services as circle_services
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.people import services as people_services
from webapp.speeddates import services as speeddate_services
from webapp.speeddates.models import SpeeddateEvent

EMAIL = "noor.bakker@student.example"
NEW_PASSWORD = "robotica is leuk"


def test_a_studente_activates_joins_a_circle_ranks_speeddate_tables_and_asks_for_a_buddy(page, world, smtp, app):
    school, coordinator = world.school_a, world.users["coordinator"]
    programme = school.programmes[0]
    # What the coordinator prepared: an open circle with a mentor, a meeting, one seat taken;
    # a senior studente who volunteers as buddy.
    mentor = make_mentor(school, first_name="Samira")
    circle = make_circle(school, mentor=mentor, capacity=4, name="Kring Vrouwen in ICT")
    make_meeting(circle, topic="Kennismaken", place="Lokaal 2.14")
    classmate = make_user("student", school)
    sanne = buddy_student(school, year=3, first_name="Sanne", volunteers=True, programme=0, interests=("robotica",))
    with app.test_request_context("/"):
        circle_services.join_circle(circle, classmate)
        people_services.invite_student(
            school, first_name="Noor", last_name="Bakker", email=EMAIL, programme_id=programme.id, year=1,
            student_number=None, invited_by=coordinator,
        )

    # 1. The activation e-mail, the link, a password: she lands on her start page.
    [activation] = mail_to(smtp, EMAIL)
    assert activation["Subject"] == "Activeer je account bij Kring"
    page.goto(link_in(activation))
    expect(page.get_by_text("Welkom Noor! Kies een wachtwoord om je account te activeren.")).to_be_visible()
    page.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    page.get_by_label("Herhaal wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", name="Hallo Noor")).to_be_visible()
    expect(page.get_by_text("Welkom bij Kring, Noor! Je account is actief.")).to_be_visible()
    expect(page.get_by_text(school.name)).to_be_visible()

    # 2. A mentoring circle: one click, and htmx swaps the card with her seat in it.
    nav_link(page, "Kringen")
    expect(page.get_by_role("heading", name="Mentorkringen", exact=True)).to_be_visible()
    ready(page)
    card = page.locator(f"#circle-{circle.id}")
    expect(card.locator(".seat-count")).to_have_text("1 van 4 plekken bezet")
    expect(card.get_by_text("Samira")).to_be_visible()
    expect(page.get_by_text("Je zit nog niet in een kring.")).to_be_visible()
    fits(page)
    card.get_by_role("button", name="Meedoen").click()
    expect(card.get_by_text("Je doet mee.")).to_be_visible()
    expect(card.locator(".seat-count")).to_have_text("2 van 4 plekken bezet")
    expect(card.get_by_role("button", name="Afmelden")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Je doet mee met Kring Vrouwen in ICT.")
    expect(page.locator("#flash")).to_be_in_viewport()
    # The rest of the page agrees: no "not in a circle yet", no asking to be placed.
    expect(page.get_by_text("Je zit nog niet in een kring.")).to_be_hidden()
    expect(page.get_by_role("button", name="Ik wil in een kring")).to_be_hidden()
    same_page(page)
    screenshot(page, "student-circles")
    page.reload()  # after a reload the circle is hers
    mine = page.locator("section", has=page.get_by_role("heading", name="Mijn kringen"))
    expect(mine.locator(f"#circle-{circle.id}").get_by_text("Je doet mee.")).to_be_visible()

    [welcome] = mail_to(smtp, EMAIL)[1:]
    assert welcome["Subject"] == "Je doet mee met de mentorkring Kring Vrouwen in ICT"
    assert "Je mentor is Samira, Monteur zonnepanelen bij Stedin." in body_of(welcome)
    calendar = attachment(welcome, "text/calendar")
    assert calendar is not None and "BEGIN:VEVENT" in calendar and "Kennismaken" in calendar
    page.goto(link_in(welcome))
    expect(page.get_by_role("heading", level=1, name="Kring Vrouwen in ICT")).to_be_visible()
    expect(page.get_by_role("cell", name="Kennismaken")).to_be_visible()
    expect(page.get_by_text(f"{classmate.first_name}, Noor")).to_be_visible()

    # 3. A speeddate: the invitation e-mail, register, and rank the tables with htmx.
    host_alumna = make_mentor(school, first_name="Fatima", activities=("speeddate",))
    with app.test_request_context("/"):
        event = speeddate_services.create_event(
            school.id, coordinator,
            {"kind": "stage", "title": "Stagespeeddate ICT", "place": "Aula",
             "starts_at": utcnow() + timedelta(days=10), "registration_deadline": utcnow() + timedelta(days=5)},
        )
        fatima = speeddate_services.add_host(event, coordinator, {"kind": "alumna", "person_id": host_alumna.id})
        petra = speeddate_services.add_host(event, coordinator, {"kind": "guest", "guest_name": "Petra de Vries", "topic": "Stage bij Alliander"})
        lotte = speeddate_services.add_host(event, coordinator, {"kind": "guest", "guest_name": "Lotte Jansen", "topic": "Stage bij ASML"})
        speeddate_services.open_registration(event, coordinator)
        speeddate_services.invite(event, coordinator, [programme.id], [1])
        event_id, names = event.id, {h.id: speeddate_services.host_name(h) for h in (fatima, petra, lotte)}

    [invitation] = mail_to(smtp, EMAIL)[2:]
    assert invitation["Subject"] == "Uitnodiging: Stagespeeddate ICT"
    page.goto(link_in(invitation))
    expect(page.get_by_role("heading", name="Stagespeeddate ICT")).to_be_visible()
    expect(page.get_by_text("Petra de Vries")).to_be_visible()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_text("Je bent aangemeld. Kies nu met wie je het liefst praat.")).to_be_visible()
    ready(page)
    ranking = page.locator("#ranking")
    expect(ranking.get_by_text("Je hebt nog niemand gekozen.")).to_be_visible()
    ranking.get_by_role("button", name="Lotte Jansen kiezen").click()
    expect(ranking.locator("ol li")).to_have_count(1)
    ranking.get_by_role("button", name="Petra de Vries kiezen").click()
    expect(ranking.locator("ol li")).to_have_count(2)
    ranking.get_by_role("button", name="Petra de Vries hoger zetten").click()
    expect(ranking.locator("ol li").first).to_contain_text("1e keus: tafel 2, Petra de Vries")
    expect(ranking.locator("ol li").first).to_be_in_viewport()
    expect(ranking.locator("ol li").nth(1)).to_contain_text("2e keus: tafel 3, Lotte Jansen")
    expect(ranking.get_by_role("button", name="Fatima Test kiezen")).to_be_enabled()
    same_page(page)
    fits(page)
    screenshot(page, "student-speeddate-ranking")
    db.session.expire_all()
    registration = speeddate_services.registration_of(db.session.get(SpeeddateEvent, event_id), find_user(EMAIL).id)
    assert [names[h] for h in speeddate_services.ranking(registration)] == ["Petra de Vries", "Lotte Jansen"]
    page.reload()
    expect(page.locator("#ranking ol li").first).to_contain_text("Petra de Vries")
    nav_link(page, "Mijn speeddates")
    expect(page.locator("li", has_text="Stagespeeddate ICT")).to_contain_text("Je bent aangemeld.")
    assert mail_to(smtp, EMAIL)[3:] == []  # registering and ranking send nothing

    # 4. A buddy: she asks (htmx), the coordinator matches and approves, the e-mail introduces Sanne.
    nav_link(page, "Mijn buddy")
    expect(page.get_by_role("heading", name="Mijn buddy")).to_be_visible()
    ready(page)
    page.get_by_role("button", name="Ik wil een buddy").click()
    expect(page.locator("#wish").get_by_text("Je staat op de wachtlijst voor een buddy.")).to_be_in_viewport()
    same_page(page)
    fits(page)
    screenshot(page, "student-buddy-waiting")
    with app.test_request_context("/"):
        run = buddy_services.run_match(school.id, coordinator)
        buddy_services.approve_run(run, coordinator)

    [introduction] = mail_to(smtp, EMAIL)[3:]
    assert introduction["Subject"] == "Maak kennis met je buddy Sanne"
    assert "Je vroeg om een buddy, en je hebt er nu een: Sanne." in body_of(introduction)
    assert sanne.email not in body_of(introduction)  # she did not choose to share it
    page.goto(link_in(introduction))
    buddy = page.locator("section", has=page.get_by_role("heading", name="Je buddy"))
    expect(buddy.get_by_text("Sanne")).to_be_visible()
    expect(buddy.get_by_text("Software developer")).to_be_visible()
    screenshot(page, "student-buddy")
    assert page.console_errors == []
