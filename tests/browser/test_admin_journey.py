"""The admin's journey in a real browser, on a desktop and a phone: a new school with a
programme and a coordinator, whose invitation e-mail arrives and whose link works.

Skipped without Chromium (see tests/browser/fixtures.py).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.fixtures import log_in, log_out, nav_link, screenshot, settle_layout
from tests.conftest import body_of
from webapp.outbox import worker



def _fits(page) -> None:
    settle_layout(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"


def test_the_admin_adds_a_school_and_invites_its_coordinator(page, world, smtp):
    log_in(page, world.users["admin"].email)
    nav_link(page, "Scholen")
    expect(page.get_by_role("heading", name="Scholen in het netwerk")).to_be_visible()
    expect(page.get_by_role("link", name="School A")).to_be_visible()
    page.get_by_label("Naam").fill("Techniek College Rijnmond")
    page.get_by_label("Plaats").fill("Rotterdam")
    page.get_by_label("BRIN-code").fill("25lx")
    page.get_by_role("button", name="School toevoegen").click()

    expect(page.get_by_text("School Techniek College Rijnmond is toegevoegd.")).to_be_visible()
    expect(page.get_by_role("heading", name="Techniek College Rijnmond")).to_be_visible()
    expect(page.get_by_text("Rotterdam · BRIN 25LX")).to_be_visible()
    expect(page.get_by_text("Deze school heeft nog geen coördinator.")).to_be_visible()

    page.get_by_role("button", name="Opleiding toevoegen").click()
    programme = page.locator("form").filter(has=page.get_by_label("Crebo"))
    programme.get_by_label("Opleiding").fill("Monteur elektrotechnische installaties")
    programme.get_by_label("Crebo").fill("25342")
    programme.get_by_label("Niveau").select_option("3")
    programme.get_by_label("Leerweg").select_option("BBL")
    programme.get_by_label("Sector").select_option(label="Elektrotechniek")
    programme.get_by_role("button", name="Opleiding toevoegen").click()
    expect(page.get_by_text("Opleiding Monteur elektrotechnische installaties is toegevoegd.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Monteur elektrotechnische installaties"))).to_contain_text("25342")

    page.get_by_role("button", name="Coördinator uitnodigen").click()
    page.get_by_label("Voornaam").fill("Ilse")
    page.get_by_label("Achternaam").fill("de Boer")
    page.get_by_label("E-mailadres").fill("ilse.deboer@rijnmond.nl")
    page.get_by_label("Functie").fill("Loopbaancoach")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_text("Ilse de Boer is uitgenodigd als coördinator.")).to_be_visible()
    coordinators = page.get_by_role("listitem").filter(has_text="ilse.deboer@rijnmond.nl")
    expect(coordinators).to_contain_text("nog niet geactiveerd")
    _fits(page)
    screenshot(page, "admin-school")

    worker.drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "ilse.deboer@rijnmond.nl"
    assert mail["Subject"] == "Activeer je account bij Kring"
    text = body_of(mail)
    assert "Techniek College Rijnmond heeft een account voor je gemaakt bij Kring." in text
    link = re.search(r"http://127\.0\.0\.1:\d+/activeren/\S+", text).group(0)
    log_out(page)
    expect(page.get_by_role("link", name="Inloggen")).to_be_visible()

    page.goto(link)
    expect(page.get_by_text("Welkom Ilse! Kies een wachtwoord om je account te activeren.")).to_be_visible()
    page.get_by_label("Nieuw wachtwoord").fill("zonnepanelen op elk dak")
    page.get_by_label("Herhaal wachtwoord").fill("zonnepanelen op elk dak")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", name="Hallo Ilse")).to_be_visible()
    expect(page.get_by_text("Welkom bij Kring, Ilse! Je account is actief.")).to_be_visible()
    _fits(page)
    screenshot(page, "coordinator-first-start")

    # She works for her own school: its programme, none of School A's students.
    nav_link(page, "Studentes")
    expect(page.get_by_text("Nog geen studentes.")).to_be_visible()
    page.get_by_role("button", name="Importeren uit CSV").click()
    page.get_by_text("Opleidingen van je school").click()
    expect(page.get_by_text("Monteur elektrotechnische installaties (25342, BBL)")).to_be_visible()

    # The link worked once; a second visit is refused.
    page.goto(link)
    expect(page.get_by_text("Deze link is al gebruikt")).to_be_visible()
    assert page.console_errors == []
