"""The buddy journeys in a real browser: htmx row actions, confirmations, the CSP, phone widths.

Skipped without Chromium (see tests/browser/fixtures.py). Set BUDDIES_SCREENSHOTS to a folder to
keep screenshots of every step.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.fixtures import log_in, nav_link, settle_layout
from tests.buddies.builders import student
from tests.conftest import PASSWORD
from webapp.buddies.models import BuddyPair
from webapp.extensions import db


def _shot(page, name: str) -> None:
    folder = os.environ.get("BUDDIES_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}-{page.viewport_name}.png"), full_page=True)



def _fits(page) -> None:
    settle_layout(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"


def test_the_coordinator_runs_adjusts_and_approves(page, world):
    school = world.school_a
    student(school, year=1, first_name="Fatima", wants=True, interests=("robotica",))
    student(school, year=1, first_name="Lina", wants=True, programme=1)
    student(school, year=4, first_name="Vera", wants=True)
    student(school, year=3, first_name="Sanne", volunteers=True, interests=("robotica",))
    student(school, year=2, first_name="Eva", volunteers=True, programme=1, capacity=2)
    page.on("dialog", lambda dialog: dialog.accept())

    log_in(page, world.users["coordinator"].email)
    page.goto("/buddies")
    _fits(page)
    _shot(page, "buddies-overview-empty")
    page.get_by_role("button", name="Buddy's indelen").first.click()
    page.get_by_label("Zelfde opleiding").fill("1001")
    page.get_by_role("button", name="Indelen").click()
    page.get_by_text("Vul een heel getal in van 0 tot 1000.").wait_for()
    _shot(page, "buddies-weights-error")
    page.get_by_label("Zelfde opleiding").fill("40")
    page.get_by_role("button", name="Indelen").click()
    page.wait_for_url("**/buddies/rondes/*")
    expect(page.get_by_role("heading", name="Voorstel buddy-indeling")).to_be_visible()
    expect(page.get_by_text("geen buddy in een hoger jaar op haar school")).to_be_visible()
    _fits(page)
    _shot(page, "buddies-proposal")

    fatima_row = page.locator("tr", has_text="Fatima")
    fatima_row.get_by_role("button", name="vastzetten").click()
    page.locator("tr", has_text="Fatima").get_by_text("vastgezet").wait_for()
    lina_row = page.locator("tr", has_text="Lina")
    lina_row.get_by_role("button", name="nooit samen").click()
    page.locator("tr", has_text="Lina").get_by_text("Nooit samen.").wait_for()
    _shot(page, "buddies-proposal-adjusted")

    page.get_by_role("button", name="Opnieuw indelen").click()
    page.wait_for_load_state()
    expect(page.locator("tr", has_text="Fatima").get_by_text("vastgezet")).to_be_visible()
    expect(page.get_by_text("1 koppel uitgesloten")).to_be_visible()

    page.get_by_role("button", name="Goedkeuren en voorstellen").click()
    page.get_by_text("Goedgekeurd:", exact=False).first.wait_for()
    _shot(page, "buddies-approved")
    assert db.session.query(BuddyPair).filter_by(status="active").count() >= 1

    page.goto("/buddies")
    _fits(page)
    _shot(page, "buddies-overview")
    assert page.console_errors == []


def test_a_student_ends_her_pair_and_asks_for_a_new_buddy(page, world, app):
    from webapp.buddies import services

    school = world.school_a
    mentee = student(school, year=1, first_name="Fatima", wants=True, contact="online")
    mentee.set_password(PASSWORD)
    student(school, year=3, first_name="Sanne", volunteers=True, contact="online")
    db.session.commit()
    with app.test_request_context("/"):
        run = services.run_match(school.id, world.users["coordinator"])
        services.approve_run(run, world.users["coordinator"])

    log_in(page, mentee.email)
    nav_link(page, "Mijn buddy")
    expect(page.get_by_text("Sanne").first).to_be_visible()
    expect(page.get_by_text("Spreek online af")).to_be_visible()
    _fits(page)
    _shot(page, "buddies-mine")
    page.get_by_role("button", name="Stoppen met dit koppel").click()
    page.get_by_label("Waarom stopt het koppel?").fill("We hebben weinig contact")
    _shot(page, "buddies-end")
    page.get_by_role("button", name="Koppel beëindigen").click()
    page.wait_for_url("**/buddies/mijn-buddy")
    page.get_by_role("button", name="Vraag een nieuwe buddy aan").click()
    page.get_by_text("Je staat op de wachtlijst voor een buddy.").first.wait_for()
    _shot(page, "buddies-waiting")
    assert page.console_errors == []

