"""Journeys in a real browser: the login page, and a student activating her account from the e-mail."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.fixtures import log_in, log_out, nav_link, screenshot, settle_layout
from tests.conftest import body_of
from webapp.outbox import worker



def test_login_page_is_dutch_and_fits_the_screen(page, world):
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "nl"
    expect(page.get_by_role("heading", name="Inloggen bij Kring")).to_be_visible()
    settle_layout(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"
    screenshot(page, "login")
    log_in(page, world.users["coordinator"].email, "fout wachtwoord", succeeds=False)
    expect(page.get_by_text("Dit e-mailadres en wachtwoord horen niet bij elkaar.")).to_be_visible()
    assert page.console_errors == []


def test_invited_student_activates_her_account_from_the_email(page, world, smtp, live_server):
    log_in(page, world.users["coordinator"].email)
    nav_link(page, "Studentes")
    page.get_by_role("button", name="Studente uitnodigen").click()
    page.get_by_label("Voornaam").fill("Noor")
    page.get_by_label("Achternaam").fill("Bakker")
    page.get_by_label("E-mailadres").fill("noor.bakker@student.nl")
    page.get_by_label("Opleiding").select_option(label="Software developer (niveau 4, BOL)")
    page.get_by_label("Leerjaar").select_option("1")
    screenshot(page, "invite-student")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_text("Noor is uitgenodigd")).to_be_visible()
    expect(page.get_by_role("cell", name="noor.bakker@student.nl")).to_be_visible()

    worker.drain()
    [mail] = smtp.wait_for(1)
    link = re.search(r"(http://127\.0\.0\.1:\d+/activeren/\S+)", body_of(mail)).group(1)
    log_out(page)

    page.goto(link)
    page.get_by_label("Nieuw wachtwoord").fill("robotica is leuk")
    page.get_by_label("Herhaal wachtwoord").fill("robotica is leuk")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", name="Hallo Noor")).to_be_visible()
    expect(page.get_by_text("Welkom bij Kring, Noor!")).to_be_visible()
    screenshot(page, "student-start")

    # The link is single-use.
    page.goto(link)
    expect(page.get_by_text("Deze link is al gebruikt")).to_be_visible()
    assert page.console_errors == []
