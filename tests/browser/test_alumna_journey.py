"""An alumna's first steps in a real browser, on a desktop and a phone.

A coordinator invites her by e-mail; she registers from the link, fills her profile (inline
validation with htmx, tags, what she volunteers for), finds the school's open guest lesson
request on her board and offers to give it; the coordinator's notification arrives over SMTP.
The coordinator's side (the invitation, the request) is set up with the service functions.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.fixtures import nav_link, screenshot
from tests.browser.journey_helpers import fast_network, fits, link_in, mail_to, ready, same_page, slow_network
from tests.conftest import body_of
from webapp.auth.services import find_user
from webapp.extensions import db
from webapp.guest_lessons import services as lesson_services
from webapp.modeltools import utcnow
from webapp.people import services as people_services
from webapp.people.models import AlumnaProfile

EMAIL = "yasmin@vakvrouw.example"
NEW_PASSWORD = "netwerken is mijn vak"


def test_an_invited_alumna_registers_fills_her_profile_and_offers_a_guest_lesson(page, world, smtp, app):
    school, coordinator = world.school_a, world.users["coordinator"]
    software = school.programmes[0]
    day = (utcnow() + timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)
    with app.test_request_context("/"):
        lesson = lesson_services.create_lesson(
            school.id, coordinator,
            {"kind": "guest_lesson", "topic": "Werken in de cloud", "programme_id": software.id, "class_name": "SD2A",
             "year": 2, "student_count": 24, "place": "Lokaal 3.01", "description": "Wat doet een cloud engineer?"},
            [(day, day + timedelta(hours=2)), (day + timedelta(days=7), day + timedelta(days=7, hours=2))],
        )
        people_services.invite_alumna(
            school, email=EMAIL, message="We zoeken vakvrouwen voor gastlessen ICT.", invited_by=coordinator
        )
        lesson_id = lesson.id

    # 1. The invitation e-mail and registering from its link.
    [invitation] = mail_to(smtp, EMAIL)
    assert invitation["Subject"] == "Uitnodiging voor het alumninetwerk van Kring"
    assert f"{coordinator.full_name} van {school.name} nodigt je uit" in body_of(invitation)
    page.goto(link_in(invitation))
    expect(page.get_by_role("heading", name="Welkom in het alumninetwerk")).to_be_visible()
    expect(page.get_by_text("We zoeken vakvrouwen voor gastlessen ICT.")).to_be_visible()
    page.get_by_label("Voornaam").fill("Yasmin")
    page.get_by_label("Achternaam").fill("El Amrani")
    page.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    page.get_by_label("Herhaal wachtwoord").fill(NEW_PASSWORD)
    fits(page)
    screenshot(page, "alumna-register")
    page.get_by_role("button", name="Account aanmaken").click()
    expect(page.get_by_role("heading", name="Hallo Yasmin")).to_be_visible()
    expect(page.get_by_text("Welkom in het alumninetwerk, Yasmin! Vul je profiel aan.")).to_be_visible()

    # 2. Her profile: a wrong year is caught when she leaves the field, then everything is saved.
    page.get_by_role("button", name="Profiel aanvullen").click()
    expect(page.get_by_role("heading", name="Mijn profiel")).to_be_visible()
    ready(page)
    form = page.locator("#alumna-profile")
    form.get_by_label("Mbo-school waar je je diploma haalde").select_option(label=school.name)
    form.get_by_label("Opleiding").fill("Software developer")
    year = form.get_by_label("Jaar van je diploma")
    year.fill("1950")
    expect(form.locator(".htmx-request")).to_have_count(0)  # a field is checked when no other check is out
    year.blur()
    expect(form.locator("#field-graduated_year .field-error")).to_contain_text("Kies een jaar tussen 1960 en")
    expect(form.get_by_label("Jaar van je diploma")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Jaar van je diploma").fill("2021")
    form.get_by_label("Jaar van je diploma").blur()
    expect(form.locator("#field-graduated_year .field-error")).to_have_count(0)
    form.get_by_label("Huidige functie").fill("Cloud engineer")
    form.get_by_label("Werkgever").fill("KPN")
    form.get_by_label("Werkgever").blur()
    form.get_by_label("Sector").select_option(label="ICT")
    if page.viewport_name == "phone":
        # Each tick is checked by the server; on a slow connection the next ticks come before its answer.
        expect(form.locator(".htmx-request")).to_have_count(0)
        slow_network(page)
    for topic in ("programmeren", "cybersecurity", "werken als vrouw in de techniek"):
        form.get_by_role("checkbox", name=topic, exact=True).check()
    form.get_by_label("Andere onderwerpen").fill("cloud, linux")
    form.get_by_label("Mijn verhaal").fill("Na mijn mbo ICT ben ik bij KPN begonnen als stagiaire.")
    for activity in ("Gastles geven", "Speeddates"):
        form.get_by_role("checkbox", name=activity, exact=True).check()
    form.get_by_label("Hoe vaak per schooljaar maximaal?").fill("3")
    form.get_by_role("button", name="Profiel opslaan").click()
    expect(page.get_by_text("Je profiel is opgeslagen.")).to_be_in_viewport()  # next to the button she pressed
    same_page(page)
    fast_network(page)
    fits(page)
    screenshot(page, "alumna-profile")
    db.session.expire_all()
    profile = db.session.get(AlumnaProfile, find_user(EMAIL).id)
    assert (profile.school_id, profile.programme_id, profile.graduated_year) == (school.id, software.id, 2021)
    assert (profile.job_title, profile.employer, profile.sector, profile.max_per_year) == ("Cloud engineer", "KPN", "ict", 3)
    assert sorted(profile.topics) == sorted(["programmeren", "cybersecurity", "vrouw-in-techniek", "cloud", "linux"])
    assert sorted(profile.activities) == ["guest_lesson", "speeddate"]
    page.reload()  # what she saved is what she sees again
    expect(page.get_by_role("checkbox", name="cybersecurity", exact=True)).to_be_checked()
    expect(page.get_by_label("Huidige functie")).to_have_value("Cloud engineer")

    # 3. The board shows the school's request, first because it is her own programme.
    nav_link(page, "Prikbord")
    card = page.locator(".gl-card", has_text="Werken in de cloud")
    expect(card).to_contain_text(school.name)
    expect(card.get_by_text("jouw opleiding")).to_be_visible()
    fits(page)
    screenshot(page, "alumna-board")
    card.get_by_role("button", name="Bekijken en aanbieden").click()
    expect(page.get_by_role("heading", name="Werken in de cloud")).to_be_visible()
    expect(page.get_by_text("Wat doet een cloud engineer?")).to_be_visible()
    ready(page)

    # 4. Offering without a date is refused in place; with the second date it goes through.
    page.get_by_role("button", name="Ik bied aan").click()
    expect(page.locator("#option-error")).to_have_text("Kies een datum.")
    expect(page.locator("#option-error")).to_be_in_viewport()
    same_page(page)
    second = page.get_by_role("radio").nth(1)
    second.check()
    chosen = page.locator(f"label[for='{second.get_attribute('id')}']").inner_text().strip()
    page.get_by_label("Bericht aan de school (optioneel)").fill("Ik neem een laptop mee voor een demo.")
    fits(page)
    screenshot(page, "alumna-offer")
    page.get_by_role("button", name="Ik bied aan").click()
    expect(page.get_by_text("Dank je wel! De school krijgt bericht en laat je weten of het doorgaat.")).to_be_visible()
    expect(page.get_by_text("Je hebt aangeboden voor")).to_contain_text(chosen)
    expect(page.get_by_role("button", name="Ik bied aan")).to_have_count(0)
    nav_link(page, "Prikbord")
    expect(page.locator(".gl-card", has_text="Werken in de cloud").get_by_text("je hebt aangeboden")).to_be_visible()

    # 5. The coordinator hears about it, with a link to her page of the request.
    [notification] = mail_to(smtp, coordinator.email)
    assert notification["Subject"] == "Yasmin biedt aan: Werken in de cloud"
    body = body_of(notification)
    assert f"Yasmin El Amrani biedt aan om deze gastles te geven, op {chosen.split('–')[0]}" in body
    assert "Cloud engineer, KPN" in body and "Ik neem een laptop mee voor een demo." in body
    assert link_in(notification).endswith(f"/gastlessen/{lesson_id}")
    assert mail_to(smtp, EMAIL)[1:] == []  # she gets no e-mail until the school confirms
    assert page.console_errors == []
