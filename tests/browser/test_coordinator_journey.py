"""The coordinator's journeys in a real browser, on a desktop and a phone.

Each test starts from a logged-in coordinator of School A and does one activity the way she
would: the student import, a mentoring circle, a speeddate from event to published schedule,
buddy matching, and confirming an alumna's guest lesson offer. E-mail goes through the outbox
to a real SMTP server. Skipped without Chromium (see tests/browser/fixtures.py).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.fixtures import log_in, nav_link, screenshot, settle_layout
from tests.buddies.builders import student
from tests.circles.builders import make_mentor
from tests.conftest import body_of
from webapp.buddies.models import BuddyPair
from webapp.extensions import db
from webapp.guest_lessons import services as guest_lessons
from webapp.modeltools import utcnow
from webapp.outbox import worker
from webapp.people.models import AlumnaProfile, StudentProfile
from webapp.speeddates import services as speeddates
from webapp.speeddates.models import SpeeddateEvent



def _shown(page, locator) -> None:
    """Wait for the page that shows `locator` to finish loading, its scripts (htmx) included."""
    expect(locator).to_be_visible()
    page.wait_for_load_state()


def _fits(page) -> None:
    """Nothing sticks out sideways: wide tables scroll inside their own box."""
    settle_layout(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {page.evaluate(_WIDE)}"


# What sticks out on the right: the outermost such elements, and positioned ones (which an
# overflow box does not clip unless it is their containing block).
_WIDE = """() => {
  const edge = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > edge + 1);
  return wide
    .filter((e) => !wide.includes(e.parentElement) || ["absolute", "fixed"].includes(getComputedStyle(e).position))
    .slice(0, 5)
    .map((e) => e.outerHTML.slice(0, 120));
}"""


def _mail(smtp, count: int) -> list:
    """Deliver the outbox; exactly `count` messages arrive at the SMTP server (returned, then forgotten)."""
    worker.drain()
    messages = list(smtp.wait_for(count))
    assert len(messages) == count, [(m["To"], m["Subject"]) for m in messages]
    smtp.messages.clear()
    return messages


def _dialogs(page) -> list[str]:
    """Accept every confirmation the page asks, and remember the questions."""
    asked: list[str] = []

    def accept(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return asked


IMPORT_CSV = (
    "voornaam;tussenvoegsel;achternaam;e-mail;opleiding;leerjaar;studentnummer\r\n"
    "Noor;;Bakker;noor.bakker@student.nl;25604;1;100201\r\n"
    "Fenna;de;Vries;fenna.devries@student.nl;Software developer;2;100202\r\n"
    "Mila;;Jansen;mila.jansen@student.nl;25346;1;100203\r\n"
    "Sara;;Peters;sara.peters@student.nl;25604;7;100204\r\n"
)


def test_the_coordinator_imports_students_from_a_csv_file(page, world, smtp, tmp_path):
    csv_file = tmp_path / "studenten.csv"
    csv_file.write_text(IMPORT_CSV, encoding="utf-8")

    log_in(page, world.users["coordinator"].email)
    nav_link(page, "Studentes")
    page.get_by_role("button", name="Importeren uit CSV").click()
    _shown(page, page.get_by_role("heading", name="Studentes importeren"))
    page.get_by_label("CSV-bestand").set_input_files(str(csv_file))
    page.get_by_role("button", name="Bekijk wat er verandert").click()

    expect(page.get_by_text("3 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 ongeldig")).to_be_visible()
    expect(page.get_by_text("Er is nog niets opgeslagen.")).to_be_visible()
    invalid = page.locator("tr", has_text="sara.peters@student.nl")
    expect(invalid).to_contain_text("Sara Peters")
    # On a phone the reason is off to the right: the table scrolls inside its own box.
    reason = invalid.get_by_text("Leerjaar moet 1, 2, 3 of 4 zijn, niet '7'.")
    reason.scroll_into_view_if_needed()
    expect(reason).to_be_in_viewport()
    expect(page.get_by_role("cell", name="fenna.devries@student.nl")).to_be_visible()
    _fits(page)
    screenshot(page, "coordinator-import-preview")

    page.get_by_role("button", name="Bevestigen: 3 uitnodigen, 0 bijwerken").click()
    expect(page.get_by_text("De import is klaar: 3 nieuwe studentes krijgen een uitnodiging per e-mail, 0 zijn bijgewerkt.")).to_be_visible()
    expect(page.get_by_role("button", name="Bekijk wat er verandert")).to_be_visible()

    mail = {m["To"]: m for m in _mail(smtp, 3)}
    assert set(mail) == {"noor.bakker@student.nl", "fenna.devries@student.nl", "mila.jansen@student.nl"}
    for message in mail.values():
        assert message["Subject"] == "Activeer je account bij Kring"
        assert re.search(r"http://127\.0\.0\.1:\d+/activeren/\S+", body_of(message))

    nav_link(page, "Studentes")
    expect(page.get_by_text("4 studentes gevonden")).to_be_visible()
    page.get_by_role("searchbox", name="Zoeken").fill("Jansen")
    expect(page.get_by_text("1 studente gevonden")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Mila Jansen"))).to_contain_text("nog niet geactiveerd")
    expect(page.locator("[id=results]")).to_have_count(1)  # the answer fills the box, it brings no second one
    _fits(page)
    assert page.console_errors == []


def test_a_search_typed_before_the_page_has_loaded_is_sent_once_it_has(page, world):
    for last_name in ("Jansen", "Bakker", "Visser"):
        student(world.school_a, first_name="Mila", last_name=last_name)
    log_in(page, world.users["coordinator"].email)
    held = []
    page.route("**/htmx.min.js", lambda route: held.append(route))
    page.goto("/school/studenten", wait_until="commit")
    search = page.get_by_role("searchbox", name="Zoeken")
    expect(search).to_be_attached()
    # Typed while htmx is still on its way: nothing listens to the keystrokes yet.
    search.evaluate("el => { el.value = 'Jansen'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    for _ in range(100):  # the request for htmx may still be on its way to the route
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(page.get_by_text("1 studente gevonden")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Mila Jansen"))).to_be_visible()
    expect(page.locator("[id=results]")).to_have_count(1)
    assert page.console_errors == []



def test_the_coordinator_creates_a_mentoring_circle_and_invites_students(page, world, smtp):
    school = world.school_a
    yasmin = make_mentor(school, programme=school.programmes[0], first_name="Yasmin")
    make_mentor(school, sector="bouw", graduated=2015, first_name="Els")
    fatima = student(school, first_name="Fatima", year=1)
    lina = student(school, first_name="Lina", year=2, programme=1)

    log_in(page, world.users["coordinator"].email)
    nav_link(page, "Kringen")
    expect(page.get_by_role("heading", name="Mentorkringen")).to_be_visible()
    page.get_by_role("button", name="Nieuwe kring").click()
    _shown(page, page.get_by_role("heading", name="Nieuwe kring"))
    page.get_by_label("Naam").fill("Kring Software")
    page.get_by_label("Thema").fill("Stage zoeken")
    # Choosing the programme swaps the mentor field: the best fit first, with the reasons.
    page.get_by_label("Voor wie").select_option(label="Software developer (BOL)")
    suggestions = page.locator(".mentor-suggestions li")
    expect(suggestions.first).to_contain_text("zelfde opleiding (Software developer)")
    expect(suggestions.first).to_contain_text("Yasmin")
    expect(suggestions.nth(1)).to_contain_text("Els")
    page.get_by_label("Mentor").select_option(str(yasmin.id))
    page.get_by_label("Aantal plekken").fill("6")
    _fits(page)
    screenshot(page, "coordinator-circle-new")
    page.get_by_role("button", name="Kring aanmaken").click()

    expect(page.get_by_text("De kring Kring Software is aangemaakt.")).to_be_visible()
    expect(page.get_by_role("heading", name="Kring Software")).to_contain_text("Open")
    expect(page.locator("dl.facts")).to_contain_text("Yasmin")

    page.get_by_role("button", name="Studentes uitnodigen").click()
    page.get_by_label("Fatima").check()
    page.get_by_label("Lina").check()
    page.get_by_role("button", name="Uitnodigingen versturen").click()
    expect(page.get_by_text("2 studente(s) uitgenodigd.")).to_be_visible()
    expect(page.get_by_role("heading", name="Kring Software")).to_be_visible()
    _fits(page)
    screenshot(page, "coordinator-circle")

    assert {(m["To"], m["Subject"]) for m in _mail(smtp, 3)} == {
        (yasmin.email, "Je bent mentor van de kring Kring Software"),
        (fatima.email, "Uitnodiging voor de mentorkring Kring Software"),
        (lina.email, "Uitnodiging voor de mentorkring Kring Software"),
    }
    assert page.console_errors == []


def test_the_coordinator_plans_a_speeddate_and_publishes_the_schedule(page, world, smtp):
    school = world.school_a
    yasmin = make_mentor(school, activities=("speeddate",), first_name="Yasmin")
    vera = student(school, first_name="Vera", year=4)
    students = [student(school, first_name=name, year=2) for name in ("Amira", "Chloe", "Imke")]
    asked = _dialogs(page)
    title = "Stagespeeddate ICT jaar 2"

    log_in(page, world.users["coordinator"].email)
    nav_link(page, "Speeddates")
    page.get_by_role("button", name="Nieuwe speeddate").click()
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Datum").fill((date.today() + timedelta(days=10)).isoformat())
    page.get_by_label("Begintijd").fill("13:00")
    page.get_by_label("Plaats").fill("Aula")
    page.get_by_label("Aantal rondes").fill("2")
    page.get_by_label("Minuten per ronde").fill("10")
    page.get_by_label("Aanmelden kan tot en met").fill((date.today() + timedelta(days=5)).isoformat())
    _fits(page)
    page.get_by_role("button", name="Speeddate aanmaken").click()
    _shown(page, page.get_by_text("De speeddate staat klaar als concept."))
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    # Two tables, added with htmx: an alumna and an older student.
    hosts = page.locator("#hosts")
    hosts.get_by_label("Alumna", exact=True).select_option(str(yasmin.id))
    hosts.get_by_label("Onderwerp").fill("Stage bij een netbeheerder")
    hosts.get_by_label("Bedrijf").fill("Stedin")
    hosts.locator("form").get_by_role("button", name="Tafel toevoegen").click()
    expect(hosts.get_by_role("row", name=re.compile("Yasmin"))).to_contain_text("Stedin")
    hosts.locator("summary").click()
    hosts.get_by_label("Een ouderejaars studente").check()
    hosts.get_by_label("Ouderejaars studente", exact=True).select_option(str(vera.id))
    hosts.get_by_label("Onderwerp").fill("Stage bij een webbureau")
    hosts.locator("form").get_by_role("button", name="Tafel toevoegen").click()
    expect(hosts.get_by_role("row", name=re.compile("Vera"))).to_contain_text("Stage bij een webbureau")
    expect(hosts.locator("tbody tr")).to_have_count(2)
    _fits(page)
    screenshot(page, "coordinator-speeddate-tables")

    page.get_by_role("button", name="Aanmelding openen").click()
    _shown(page, page.get_by_text("De aanmelding is open. Nodig nu studentes uit."))
    page.get_by_role("button", name="Studentes uitnodigen").click()
    page.get_by_label("Software developer (niveau 4, BOL)").check()
    page.get_by_role("group", name="Leerjaren").get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Uitnodigingen versturen").click()
    expect(page.get_by_text("3 studentes kregen een uitnodiging.")).to_be_visible()
    invitations = _mail(smtp, 3)
    assert {m["To"] for m in invitations} == {s.email for s in students}
    assert {m["Subject"] for m in invitations} == {f"Uitnodiging: {title}"}

    # The students register and rank the tables (their own journey is tested elsewhere).
    event = db.session.scalar(select(SpeeddateEvent))
    table = {speeddates.host_name(h): h.id for h in speeddates.hosts_of(event)}
    favourites = {"Amira": ("Yasmin Test", "Vera Test"), "Chloe": ("Vera Test", "Yasmin Test"), "Imke": ("Yasmin Test",)}
    for who in students:
        profile = db.session.get(StudentProfile, who.id)
        speeddates.register(event, profile)
        speeddates.set_ranking(event, profile, {table[name]: rank for rank, name in enumerate(favourites[who.first_name], start=1)})

    page.reload()
    expect(page.get_by_text("3 studentes aangemeld.")).to_be_visible()
    page.get_by_role("button", name="Aanmelding sluiten").click()
    _shown(page, page.get_by_text("De aanmelding is gesloten. Maak nu het schema."))
    assert asked[-1].startswith("De aanmelding sluiten?")
    page.get_by_role("button", name="Schema maken").click()
    expect(page.get_by_text("Het schema is gemaakt: 6 gesprekken voor 3 studentes.")).to_be_visible()
    _shown(page, page.get_by_role("heading", name=f"Schema: {title}"))
    expect(page.locator(".sd-grid tbody tr")).to_have_count(2)
    _fits(page)
    screenshot(page, "coordinator-speeddate-schedule")

    page.get_by_role("button", name="Publiceren en e-mailen").click()
    expect(page.get_by_text("Gepubliceerd. 5 mensen krijgen hun schema per e-mail.")).to_be_visible()
    assert asked[-1].startswith("Publiceren?")
    schedules = {m["To"]: m for m in _mail(smtp, 5)}
    assert set(schedules) == {s.email for s in students} | {yasmin.email, vera.email}
    amira = schedules[students[0].email]
    assert amira["Subject"] == f"Jouw speeddateschema: {title}"
    text = body_of(amira)
    assert "Ronde 1" in text and "Ronde 2" in text and "Yasmin Test" in text and "Vera Test" in text
    assert [part.get_content_type() for part in amira.iter_attachments()] == ["text/calendar"]
    assert page.console_errors == []


def test_the_coordinator_runs_buddy_matching_and_approves_it(page, world, smtp):
    school = world.school_a
    fatima = student(school, year=1, first_name="Fatima", wants=True, interests=("robotica",))
    lina = student(school, year=1, first_name="Lina", wants=True)
    sanne = student(school, year=3, first_name="Sanne", volunteers=True, capacity=2, interests=("robotica",))
    asked = _dialogs(page)

    log_in(page, world.users["coordinator"].email)
    nav_link(page, "Buddy's")
    page.get_by_role("button", name="Buddy's indelen").first.click()
    page.get_by_role("button", name="Indelen").click()
    _shown(page, page.get_by_role("heading", name="Voorstel buddy-indeling"))
    pairs = page.locator("#pairs tbody tr")
    expect(pairs).to_have_count(2)
    expect(pairs.filter(has_text="Fatima")).to_contain_text("Sanne")
    expect(pairs.filter(has_text="Lina")).to_contain_text("Sanne")
    _fits(page)
    screenshot(page, "coordinator-buddies-proposal")

    page.get_by_role("button", name="Goedkeuren en voorstellen").click()
    expect(page.get_by_text("Goedgekeurd: 2 koppel(s) zijn actief.")).to_be_visible()
    assert asked[-1].startswith("Dit voorstel goedkeuren?")
    assert db.session.scalar(select(db.func.count()).select_from(BuddyPair).where(BuddyPair.status == "active")) == 2

    assert sorted((m["To"], m["Subject"]) for m in _mail(smtp, 4)) == sorted(
        [
            (fatima.email, "Maak kennis met je buddy Sanne"),
            (lina.email, "Maak kennis met je buddy Sanne"),
            (sanne.email, "Je bent buddy van Fatima"),
            (sanne.email, "Je bent buddy van Lina"),
        ]
    )
    assert page.console_errors == []


def test_the_coordinator_confirms_a_guest_lesson_an_alumna_offered(page, world, smtp):
    school = world.school_a
    coordinator = world.users["coordinator"]
    anna = make_mentor(school, programme=school.programmes[0], activities=("guest_lesson",), first_name="Anna")
    bo = make_mentor(school, activities=("guest_lesson",), first_name="Bo")
    starts_at = (utcnow() + timedelta(days=12)).replace(hour=9, minute=0, second=0, microsecond=0)
    details = {
        "kind": "guest_lesson",
        "topic": "Werken in de techniek",
        "programme_id": school.programmes[0].id,
        "class_name": "ICT-2B",
        "year": 2,
        "student_count": 24,
        "place": "Lokaal B2.14",
    }
    lesson = guest_lessons.create_lesson(school.id, coordinator, details, [(starts_at, starts_at + timedelta(hours=1))])
    for alumna, message in ((anna, "Ik neem een robot mee"), (bo, "")):
        guest_lessons.make_offer(lesson, db.session.get(AlumnaProfile, alumna.id), None, message)
    # The coordinator hears of both offers by e-mail, with a link to the request.
    offered = _mail(smtp, 2)
    assert {m["Subject"] for m in offered} == {"Anna biedt aan: Werken in de techniek", "Bo biedt aan: Werken in de techniek"}
    link = re.search(r"http://127\.0\.0\.1:\d+/\S+", body_of(offered[0])).group(0)
    asked = _dialogs(page)

    log_in(page, coordinator.email)
    page.goto(link)
    expect(page.get_by_role("heading", name="Werken in de techniek")).to_be_visible()
    anna_row = page.get_by_role("row", name=re.compile("Anna Test"))
    expect(anna_row).to_contain_text("Ik neem een robot mee")
    _fits(page)
    screenshot(page, "coordinator-guest-lesson-offers")
    anna_row.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_text("Bevestigd: Anna.")).to_be_visible()
    assert asked == ["Anna bevestigen? De anderen krijgen een bedankje en zijn vrij."]
    expect(page.get_by_role("row", name=re.compile("Anna Test"))).to_contain_text(anna.email)
    expect(page.get_by_role("button", name="Bevestigen")).to_have_count(0)
    _fits(page)
    screenshot(page, "coordinator-guest-lesson-confirmed")

    mail = {m["To"]: m for m in _mail(smtp, 3)}
    assert mail[anna.email]["Subject"] == mail[coordinator.email]["Subject"] == "Bevestigd: gastles Werken in de techniek"
    assert mail[bo.email]["Subject"] == "Bedankt voor je hulp: Werken in de techniek"
    for confirmed in (mail[anna.email], mail[coordinator.email]):
        assert [part.get_content_type() for part in confirmed.iter_attachments()] == ["text/calendar"]
    assert page.console_errors == []
